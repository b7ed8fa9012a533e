import { expect } from 'chai';
import type { SimTarget } from '../../src/targets/sim/index.js';
import { lab, nodeNames, twoVmsEach } from './lab.js';

/** Everything a target shows, poll by poll: `step(ms)` lets ms pass in 1 s polls, recording polls and events. */
function recorder(target: SimTarget): { out: unknown[]; step: (ms: number) => Promise<void> } {
  const out: unknown[] = [];
  const step = async (ms: number): Promise<void> => {
    for (let i = 0; i < ms / 1000; i++) {
      await target.sleep(1000);
      out.push(await target.poll(), await target.collectEvents());
    }
  };
  return { out, step };
}

/** Five minutes of a scripted run: a crash that rejoins, a crash held down past the period, polls every second. */
async function record(target: SimTarget): Promise<string> {
  const { out, step } = recorder(target);
  await target.setSettings({ ResiliencyDefaultPeriod: 60 });
  await step(5_000);
  await target.killClusterService('N2');
  await step(90_000);
  await target.killClusterService('N3', { holdDownMs: 100_000 });
  await step(150_000);
  await target.startClusterService('N3');
  await step(55_000);
  return JSON.stringify(out);
}

/** Quarantine and drains: three crashes of N2, a graceful stop of N3 and -ClearQuarantine, polls every second. */
async function recordDrains(target: SimTarget): Promise<string> {
  const { out, step } = recorder(target);
  await target.setSettings({ QuarantineDuration: 300 });
  for (let i = 0; i < 3; i++) {
    await target.killClusterService('N2');
    await step(75_000);
  }
  await target.startClusterNode('N2', { clearQuarantine: true });
  await step(10_000);
  await target.stopClusterNode('N3');
  await step(30_000);
  await target.startClusterNode('N3');
  await step(10_000);
  return JSON.stringify(out);
}

/** Cuts, a partition, quorum lost and regained, an old VM and a per-VM period on four nodes, polls every second. */
async function recordNetwork(seed: number): Promise<string> {
  const nodes = nodeNames(4);
  const vms = twoVmsEach(nodes).map((vm, i) => (i === 0 ? { ...vm, version: '5.0' } : i === 1 ? { ...vm, resiliencyPeriod: 20 } : vm));
  // DynamicQuorum off: the last cut and kill together cost the node majority (with it on, the earlier losses
  // one at a time would have been recounted)
  const target = lab({ seed, nodes, vms, dynamicQuorum: false });
  const { out, step } = recorder(target);
  await target.setSettings({ ResiliencyDefaultPeriod: 60 });
  await target.isolateNetwork('N1', { healAfterMs: 40_000 });
  await step(50_000);
  await target.isolateNetwork('N2', { peers: ['N3'], healAfterMs: 30_000 });
  await step(40_000);
  await target.setSettings({ ResiliencyLevel: 1 });
  await target.isolateNetwork('N3', { healAfterMs: 90_000 });
  await target.killClusterService('N4');
  await step(100_000);
  await target.restoreNetwork('N3');
  await step(30_000);
  return JSON.stringify(out);
}

/** Live migrations: a drain, a failback, explicit moves in flight together, with jitter; every value and poll. */
async function recordMigrations(seed: number): Promise<string> {
  const nodes = nodeNames(4);
  const target = lab({ seed, nodes, vms: twoVmsEach(nodes), liveMigrationJitter: 0.2, defects: ['storvsc-race'] });
  const { out, step } = recorder(target);
  out.push(await target.suspendNode('N1', { drain: true }));
  await step(5_000);
  out.push(await target.resumeNode('N1', { failback: true }));
  out.push(await Promise.all([target.liveMigrate('smb2', 'N3'), target.liveMigrate('csv2', 'N4'), target.liveMigrate('smb3', 'N1')]));
  await step(5_000);
  return JSON.stringify(out);
}

describe('sim: determinism', () => {
  it('produces byte-identical migration values, polls and events through drains, failback and concurrent moves', async () => {
    const a = await recordMigrations(42);
    expect(await recordMigrations(42)).to.equal(a);
    expect(a).to.contain('"passMs"').and.contain('"id":1641').and.contain('DrainCompleted');
    expect(await recordMigrations(43)).to.not.equal(a);
  });

  it('produces byte-identical polls and events through network cuts, partitions and a quorum loss', async () => {
    const a = await recordNetwork(42);
    expect(await recordNetwork(42)).to.equal(a);
    expect(a).to.contain('"Isolated"').and.contain('"id":1177').and.contain('"Offline"').and.contain('"id":1680');
    expect(await recordNetwork(43)).to.not.equal(a);
  });

  it('produces byte-identical polls and events for the same seed and the same calls', async () => {
    const a = await record(lab({ seed: 42 }));
    const b = await record(lab({ seed: 42 }));
    expect(a).to.equal(b);
  });

  it('produces byte-identical polls and events through quarantine, drains and graceful stops', async () => {
    const a = await recordDrains(lab({ seed: 42 }));
    const b = await recordDrains(lab({ seed: 42 }));
    expect(a).to.equal(b);
    expect(a).to.contain('"Quarantined"').and.contain('DrainInProgress').and.contain('"id":1641');
    expect(await recordDrains(lab({ seed: 43 }))).to.not.equal(a);
  });

  it('changes the timings for another seed', async () => {
    const a = await record(lab({ seed: 42 }));
    const b = await record(lab({ seed: 43 }));
    expect(a).to.not.equal(b);
  });

  it('gives every event a virtual time and an ISO time from the epoch', async () => {
    const target = lab();
    await target.sleep(1_500);
    await target.killClusterService('N2');
    const [crash] = await target.collectEvents();
    expect(crash).to.include({ t: 1_500, time: '2026-01-01T00:00:01.500Z', node: 'N2', id: 7031, log: 'System' });
  });
});
