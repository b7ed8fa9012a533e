import { expect } from 'chai';
import { createSimTarget, simDefects, UnknownDefectError } from '../../src/targets/sim/index.js';
import { crash, lab, labSimulator, labVms, timeline, waitFor } from './lab.js';

describe('sim: defect profiles', () => {
  it('lists every defect with a one-line summary', () => {
    expect(simDefects.map((d) => d.name)).to.deep.equal([
      'no-isolation',
      'quarantine-without-drain',
      'quarantine-cap-ignored',
      'no-quarantine',
      'down-early',
      'down-late',
      'csv-not-paused',
      'smb-paused',
      'no-remonitor',
      'graceful-counts',
      'graceful-isolates',
      'no-isolation-event',
      'restart-in-place',
      'no-rejoin',
      'failover-instead-of-drain',
      'level-ignored',
      'vm-period-ignored',
      'old-vms-resilient',
      'partition-removes-both',
      'no-network-isolation',
      'storvsc-race',
      'missing-shared-storage-path',
      'lm-stall',
      'long-blackout',
      'migration-limit-ignored',
      'pass-limit-ignored',
      'owner-not-moved',
      'smb-paused-in-quarantine',
      'csv-running-in-quarantine',
      'unmonitored-on-graceful-stop',
      'restart-on-down-node',
      'owner-moved-elsewhere',
      'short-blackout-20417',
      'spurious-isolation-event',
      'migration-pauses-vm',
      'storage-loss-not-paused',
      'no-resume-after-storage',
      'redirected-access-pauses-vm',
      'critical-timeout-ignored',
      'placement-ignores-memory',
      'no-auto-start-restarted',
      'preferred-owner-ignored',
      'anti-affinity-ignored',
      'power-loss-fails-over-at-once',
      'dead-vm-reported-running',
      'no-failover-after-power-loss',
      'restart-without-drain',
      'pause-lost-on-restart',
      'quarantine-drains-dead-node',
      'event-from-dead-node',
      'recovery-ignores-failure-count',
      'witness-loss-stops-cluster',
      'witness-vote-ignored',
      'one-network-isolates',
      'lm-network-no-fallback',
    ]);
    for (const d of simDefects) expect(d.summary).to.be.a('string').and.not.be.empty.and.not.contain('\n');
  });

  it('no-isolation: the crashed node never shows Isolated; it goes straight Down and its VMs fail over at once', async () => {
    const target = lab({ defects: ['no-isolation'] });
    await target.killClusterService('N2');
    const polls = await timeline(target, 30_000);
    for (const p of polls) expect(p.nodes.N2.StatusInformation).to.deep.equal([]);
    for (const p of polls) for (const vm of Object.values(p.vms)) expect(vm.StatusInformation).to.deep.equal([]);
    const down = polls.find((p) => p.nodes.N2.State === 'Down')!;
    expect(down.vms.web01.OwnerNode).to.not.equal('N2');
    expect(down.vms.sql01.OwnerNode).to.not.equal('N2');
    expect((await target.getSettings()).ResiliencyDefaultPeriod).to.equal(240);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.include(1135).and.not.include(1673);
  });

  it('no-isolation-event: the node is Isolated but logs no 1673', async () => {
    const target = lab({ defects: ['no-isolation-event'] });
    await target.killClusterService('N2');
    await waitFor(target, (p) => p.nodes.N2.StatusInformation.includes('Isolated'), 15_000);
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1135).and.not.include(1673);
  });

  it('restart-in-place: a failed-over VM starts again on its own Down node', async () => {
    const target = lab({ defects: ['restart-in-place'] });
    await target.setSettings({ ResiliencyDefaultPeriod: 0 });
    await target.killClusterService('N2', { holdDownMs: 120_000 });
    const down = await waitFor(target, (p) => p.nodes.N2.State === 'Down' && p.vms.web01.State === 'Running', 60_000);
    expect(down.vms.web01.OwnerNode).to.equal('N2');
  });

  it('no-rejoin: a removed node stays out although its cluster service runs again', async () => {
    const target = lab({ defects: ['no-rejoin'] });
    await target.killClusterService('N2');
    const polls = await timeline(target, 120_000, 1000);
    expect(polls.at(-1)!.nodes.N2.State).to.not.equal('Up');
    expect(polls.some((p) => p.nodes.N2.State === 'Joining')).to.equal(false);
  });

  for (const [defect, periodMs] of [
    ['down-early', 120_000],
    ['down-late', 480_000],
  ] as const) {
    it(`${defect}: declares an Isolated node Down ${periodMs / 1000} s after its removal instead of ResiliencyDefaultPeriod (240 s)`, async () => {
      const target = lab({ defects: [defect] });
      await target.killClusterService('N2', { holdDownMs: 600_000 });
      await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
      const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
      const down = await waitFor(target, (p) => p.nodes.N2.StatusInformation.length === 0, 500_000);
      expect(down.t - removedAt).to.be.within(periodMs, periodMs + 100);
    });
  }

  it('csv-not-paused: a CSV-backed VM keeps Running while its node has no CSV access', async () => {
    const target = lab({ defects: ['csv-not-paused'] });
    await crash(target, 'N2');
    for (const p of await timeline(target, 20_000)) {
      expect(p.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    }
  });

  it('smb-paused: an SMB-backed VM goes PausedCritical while its node is Isolated, and resumes when it rejoins', async () => {
    const target = lab({ defects: ['smb-paused'] });
    await crash(target, 'N2');
    const paused = await waitFor(target, (p) => p.vms.web01.State === 'PausedCritical', 3_000, 10);
    expect(paused.nodes.N2.StatusInformation).to.deep.equal(['Isolated']);
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 70_000);
    expect(back.vms.web01.State).to.equal('Running');
  });

  it('no-remonitor: the VMs of a rejoined node stay Unmonitored, and no 1682 is written', async () => {
    const target = lab({ defects: ['no-remonitor'] });
    await crash(target, 'N2');
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 70_000);
    await target.sleep(10_000);
    const poll = await target.poll();
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect(poll.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect(back.nodes.N2.StatusInformation).to.deep.equal([]);
    expect((await target.collectEvents()).map((e) => e.id)).to.not.include(1682);
  });

  it('refuses an unknown defect, naming it and the known ones', () => {
    const make = () =>
      createSimTarget({ cluster: { name: 'LAB', nodes: ['N1'], vms: [] }, simulator: labSimulator, seed: 1, defects: ['no-isolaton'] });
    expect(make).to.throw(UnknownDefectError, /no-isolaton.*no-isolation/);
  });

  it('behaves as documented with no defects', async () => {
    const target = createSimTarget({ cluster: { name: 'LAB', nodes: ['N1', 'N2', 'N3'], vms: labVms }, simulator: labSimulator, seed: 1 });
    await target.killClusterService('N2');
    await target.sleep(15_000);
    expect((await target.poll()).nodes.N2.StatusInformation).to.deep.equal(['Isolated']);
  });
});
