/**
 * Every fault of the catalogue, injected and reverted through the PowerShell target against the fake pwsh:
 * the fault's own code (src/faults) calls the target, the target sends its script through node-powershell,
 * and the fake's log shows which operation reached the cluster with which values; polls show the cluster
 * changed as the fault says it should, and changed back after the revert.
 *
 * One lab cluster for the whole file, run 8× faster than the wall clock (FAKE_PWSH_TIMESCALE): nothing here is
 * checked against the models' timings, and the live migrations' fixed 2 s setup and clean-up take an eighth.
 */
import { expect } from 'chai';
import { pino } from 'pino';
import { faults } from '../../src/faults/catalogue.js';
import type { FaultContext, FaultDefinition } from '../../src/faults/fault.js';
import { createPowerShellTarget, type PowerShellTarget } from '../../src/targets/powershell/index.js';
import type { Poll } from '../../src/targets/target.js';
import type { ClusterDescription } from '../../src/trace/records.js';
import { FakeLab, type LoggedCommand } from '../fake-bin/harness.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../fake-bin/harness.js';

const TAG = 'clusterchaos-faults-test';
const context: FaultContext = { iteration: 1, random: () => 0.5, migrationTimeoutMs: 60_000 };

describe('every catalogue fault through the PowerShell target (fake pwsh)', function () {
  this.timeout(30_000);
  let lab: FakeLab;
  let target: PowerShellTarget;
  const covered = new Set<string>();

  before(async () => {
    lab = new FakeLab({ timeScale: 8 });
    const description = (JSON.parse(readFileSync(join(FIXTURES, 'cluster.json'), 'utf8')) as { cluster: ClusterDescription }).cluster;
    target = createPowerShellTarget({ cluster: description.name, description, log: pino({ level: 'silent' }), runTag: TAG, timeoutMs: 10_000 });
    // short heartbeats, as the experiments set them: a lost node is noticed within a second of cluster time
    await target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
    expect(await target.getSettings()).to.include({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
  });

  after(async () => {
    await target?.close();
    lab?.dispose();
  });

  function fault(name: string): FaultDefinition<any> {
    const f = faults.get(name);
    if (!f) throw new Error(`no fault ${name} in the catalogue`);
    covered.add(name);
    return f;
  }

  /** Inject through the fault's own code (resolving its parameters first, as the runner does). */
  async function inject(name: string, params: Record<string, unknown>): Promise<{ value: unknown; params: Record<string, unknown> }> {
    const f = fault(name);
    const resolved = f.resolve ? await f.resolve(target, params, context) : params;
    return { value: await f.inject(target, resolved, context), params: resolved };
  }

  async function revert(name: string, params: Record<string, unknown>): Promise<void> {
    const f = fault(name);
    if (!f.revert) throw new Error(`${name} has no revert`);
    await f.revert(target, params);
  }

  /** The commands the cluster received from now on, for one action. */
  async function sent<T>(action: () => Promise<T>): Promise<{ result: T; commands: LoggedCommand[] }> {
    const before = lab.commands().length;
    const result = await action();
    const commands = lab.commands().slice(before).filter((c) => !['poll', 'events', 'get-settings', 'residue', 'session'].includes(c.op ?? ''));
    return { result, commands };
  }

  /** Poll until `holds` is true (the cluster needs a moment), or fail with what was seen last. */
  async function until(what: string, holds: (p: Poll) => boolean, ms = 8_000): Promise<Poll> {
    const deadline = Date.now() + ms;
    let last = await target.poll();
    while (!holds(last)) {
      if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ms} ms; last poll: ${JSON.stringify({ nodes: last.nodes, vms: last.vms })}`);
      await target.sleep(100);
      last = await target.poll();
    }
    return last;
  }

  const upAgain = (node: string) => until(`${node} Up again`, (p) => p.nodes[node]?.State === 'Up' && p.nodes[node]!.StatusInformation.length === 0);

  it('kill-clussvc: Stop-Process on the node; it goes Isolated; the revert starts clussvc', async () => {
    const injected = await sent(() => inject('kill-clussvc', { node: 'N2' }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['kill-clussvc', { cluster: 'HVLAB01', node: 'N2' }]]);
    await until('N2 Isolated', (p) => p.nodes.N2!.StatusInformation.includes('Isolated'));
    const reverted = await sent(() => revert('kill-clussvc', { node: 'N2' }));
    expect(reverted.commands.map((c) => [c.op, c.values])).to.deep.equal([['start-clussvc', { cluster: 'HVLAB01', node: 'N2' }]]);
    await upAgain('N2');
  });

  it('kill-clussvc with holdDown: a hold-down with its scheduled task; the revert lifts it', async () => {
    const injected = await sent(() => inject('kill-clussvc', { node: 'N2', holdDown: 60_000 }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['hold-down-clussvc', { cluster: 'HVLAB01', node: 'N2', holdDownMs: 60_000 }]]);
    await until('N2 Isolated', (p) => p.nodes.N2!.StatusInformation.includes('Isolated'));
    expect((await target.residue({ tag: TAG, settings: {} })).tasks).to.deep.equal(['N2/clusterchaos-clussvc-holddown']);
    const reverted = await sent(() => revert('kill-clussvc', { node: 'N2', holdDown: 60_000 }));
    expect(reverted.commands.map((c) => c.op)).to.deep.equal(['start-clussvc']);
    expect((await target.residue({ tag: TAG, settings: {} })).tasks).to.deep.equal([]);
    await upAgain('N2');
  });

  it('isolate-network: firewall rules and the dead-man task on the node; the revert removes them', async () => {
    const injected = await sent(() => inject('isolate-network', { node: 'N4', duration: 120_000 }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([
      ['isolate-network', { cluster: 'HVLAB01', node: 'N4', peers: [], healAfterMs: 120_000, tag: TAG }],
    ]);
    await until('N4 cut off', (p) => p.nodes.N4!.State !== 'Up' || p.nodes.N4!.StatusInformation.includes('Isolated'));
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect(residue.firewallRules).to.have.members([`N4/${TAG}-Inbound-UDP`, `N4/${TAG}-Inbound-TCP`, `N4/${TAG}-Outbound-UDP`, `N4/${TAG}-Outbound-TCP`]);
    expect(residue.tasks).to.deep.equal([`N4/${TAG}-heal`]);
    const reverted = await sent(() => revert('isolate-network', { node: 'N4', duration: 120_000 }));
    expect(reverted.commands.map((c) => [c.op, c.values])).to.deep.equal([['restore-network', { cluster: 'HVLAB01', node: 'N4', tag: TAG }]]);
    const after = await target.residue({ tag: TAG, settings: {} });
    expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
    await upAgain('N4');
  });

  it('isolate-network with peers: only those peers are cut off', async () => {
    const injected = await sent(() => inject('isolate-network', { node: 'N4', peers: ['N1'], duration: 120_000 }));
    expect(injected.commands.map((c) => c.values)).to.deep.equal([{ cluster: 'HVLAB01', node: 'N4', peers: ['N1'], healAfterMs: 120_000, tag: TAG }]);
    // an asymmetric partition: N4 and N1 cannot hear each other, so the cluster removes one of them
    await until('N1 or N4 removed', (p) => [p.nodes.N1!, p.nodes.N4!].some((n) => n.State !== 'Up' || n.StatusInformation.length > 0));
    await revert('isolate-network', { node: 'N4', peers: ['N1'], duration: 120_000 });
    await upAgain('N1');
    await upAgain('N4');
  });

  it('stop-node: Stop-ClusterNode drains and stops the node; the revert starts it', async () => {
    const injected = await sent(() => inject('stop-node', { node: 'N3' }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['stop-cluster-node', { cluster: 'HVLAB01', node: 'N3' }]]);
    const stopped = await until('N3 Down and empty', (p) => p.nodes.N3!.State === 'Down' && p.vms.app01!.OwnerNode !== 'N3');
    expect(stopped.nodes.N3!.StatusInformation, 'a graceful stop is no isolation').to.not.include('Isolated');
    expect(stopped.vms.app01!.State).to.equal('Running');
    const reverted = await sent(() => revert('stop-node', { node: 'N3' }));
    expect(reverted.commands.map((c) => [c.op, c.values])).to.deep.equal([['start-cluster-node', { cluster: 'HVLAB01', node: 'N3', clearQuarantine: false }]]);
    await upAgain('N3');
  });

  it('start-node with clearQuarantine: Start-ClusterNode -ClearQuarantine', async () => {
    const injected = await sent(() => inject('start-node', { node: 'N3', clearQuarantine: true }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['start-cluster-node', { cluster: 'HVLAB01', node: 'N3', clearQuarantine: true }]]);
    await upAgain('N3');
  });

  it('live-migrate: Move-ClusterVirtualMachineRole; the VM runs on the node asked for', async () => {
    const owner = (await target.poll()).vms.web01!.OwnerNode;
    const to = owner === 'N3' ? 'N4' : 'N3';
    const injected = await sent(() => inject('live-migrate', { vm: 'web01', to, transport: 'SMB' }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['live-migrate', { cluster: 'HVLAB01', vm: 'web01', node: to, transport: 'SMB' }]]);
    expect(injected.result.value).to.include({ vm: 'web01', source: owner, target: to, transport: 'SMB' });
    expect((injected.result.value as { totalMs: number }).totalMs).to.be.greaterThan(0);
    const p = await target.poll();
    expect(p.vms.web01).to.include({ OwnerNode: to, State: 'Running' });
  });

  it('drain-node: Suspend-ClusterNode -Drain; Paused and empty; the revert resumes it', async () => {
    const injected = await sent(() => inject('drain-node', { node: 'N3' }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['suspend-node', { cluster: 'HVLAB01', node: 'N3', drain: true, transport: '' }]]);
    expect(injected.result.value).to.include({ node: 'N3' });
    const p = await target.poll();
    expect(p.nodes.N3!.State).to.equal('Paused');
    expect(Object.values(p.vms).filter((vm) => vm.OwnerNode === 'N3')).to.deep.equal([]);
    const reverted = await sent(() => revert('drain-node', injected.result.params));
    expect(reverted.commands.map((c) => [c.op, c.values])).to.deep.equal([['resume-node', { cluster: 'HVLAB01', node: 'N3', failback: false, transport: '' }]]);
    await upAgain('N3');
  });

  it('resume-node: Resume-ClusterNode -Failback Immediate brings the drained VMs back', async () => {
    await inject('drain-node', { node: 'N1' });
    expect((await target.poll()).vms.dc01!.OwnerNode).to.not.equal('N1');
    const injected = await sent(() => inject('resume-node', { node: 'N1' }));
    expect(injected.commands.map((c) => [c.op, c.values])).to.deep.equal([['resume-node', { cluster: 'HVLAB01', node: 'N1', failback: true, transport: '' }]]);
    const p = await target.poll();
    expect(p.nodes.N1!.State).to.equal('Up');
    expect(p.vms.dc01!.OwnerNode).to.equal('N1');
  });

  it('covered the whole catalogue', () => {
    expect([...covered].sort()).to.deep.equal([...faults.keys()].sort());
  });
});
