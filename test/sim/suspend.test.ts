import { expect } from 'chai';
import { OperationError, type DrainValue } from '../../src/targets/target.js';
import type { VmDescription } from '../../src/trace/records.js';
import { crash, lab, nodeNames, rejection, slowNetwork, timeline, waitFor } from './lab.js';

const paused = (flag?: string) => ({ State: 'Paused', StatusInformation: flag ? [flag] : [] });
const up = { State: 'Up', StatusInformation: [] };

/** Four nodes; N2 hosts three VMs, N1 one. */
const vms: VmDescription[] = [
  { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
  { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
  { name: 'web02', owner: 'N2', storage: 'smb', memoryGB: 4 },
  { name: 'app01', owner: 'N1', storage: 'smb', memoryGB: 8 },
];

describe('sim: Suspend-ClusterNode and Resume-ClusterNode', () => {
  it('pauses a node without drain: it keeps its VMs, stays a member, and is never picked by placement', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    expect(await target.suspendNode('N3', { drain: false })).to.deep.equal({ node: 'N3', totalMs: 0, migrations: [] });
    const polls = await timeline(target, 30_000, 1_000);
    for (const p of polls) expect(p.nodes.N3).to.deep.equal(paused());
    expect((await target.collectEvents()).map((e) => e.id)).to.not.include(1135); // its heartbeats still count
    // N1 goes Down: its VM fails over to N4 (fewest VMs among Up nodes), never to the paused N3
    await target.setSettings({ ResiliencyDefaultPeriod: 0 });
    await target.killClusterService('N1', { holdDownMs: 600_000 });
    const moved = await waitFor(target, (p) => p.vms.app01.State === 'Running' && p.vms.app01.OwnerNode !== 'N1', 60_000);
    expect(moved.vms.app01.OwnerNode).to.equal('N4');
  });

  it('drains the paused node by live migration and resolves with what each migration did', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    const value = await target.suspendNode('N2', { drain: true });
    expect(value.node).to.equal('N2');
    expect(value.migrations.map((m) => [m.vm, m.source, m.target])).to.have.deep.members([
      ['web01', 'N2', 'N3'],
      ['sql01', 'N2', 'N4'],
      ['web02', 'N2', 'N1'],
    ]);
    for (const m of value.migrations) expect(m).to.not.have.property('failedIn');
    expect(value.totalMs).to.equal(target.now());
    // web02 waited for a slot (two at a time from N2) and its migration ended last
    const web02 = value.migrations.find((m) => m.vm === 'web02')!;
    expect(web02.queuedMs).to.be.greaterThan(0);
    expect(web02.startedAt! + web02.totalMs! - web02.queuedMs!).to.equal(value.totalMs);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(paused('DrainCompleted'));
    for (const vm of ['web01', 'sql01', 'web02']) expect(poll.vms[vm]).to.deep.include({ State: 'Running', GroupState: 'Online' }).and.not.deep.include({ OwnerNode: 'N2' });
    expect((await target.collectEvents()).filter((e) => e.id === 1641)).to.have.length(3);
  });

  it('shows DrainInProgress while the drain runs', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    const pending = target.suspendNode('N2', { drain: true });
    const during = target.poll(); // not awaited in between: the drain has only just begun
    expect((await during).nodes.N2).to.deep.equal(paused('DrainInProgress'));
    await pending;
  });

  it('resumes without failback: the node is Up and takes roles again, the VMs stay where the drain put them', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    await target.suspendNode('N2', { drain: true });
    const before = (await target.poll()).vms;
    expect(await target.resumeNode('N2', { failback: false })).to.deep.equal({ node: 'N2', totalMs: 0, migrations: [] });
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(up);
    expect(poll.vms).to.deep.equal(before);
    // and it is idempotent (the revert of a drain)
    expect(await target.resumeNode('N2', { failback: false })).to.deep.equal({ node: 'N2', totalMs: 0, migrations: [] });
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
    // placement may pick it again
    expect((await target.liveMigrate('web01', 'N2')).target).to.equal('N2');
  });

  it('resumes with failback: the VMs the drain moved away live-migrate back', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    await target.suspendNode('N2', { drain: true });
    const value: DrainValue = await target.resumeNode('N2', { failback: true });
    expect(value.migrations.map((m) => [m.vm, m.target])).to.have.deep.members([
      ['web01', 'N2'],
      ['sql01', 'N2'],
      ['web02', 'N2'],
    ]);
    expect(value.totalMs).to.be.greaterThan(0);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(up);
    for (const vm of ['web01', 'sql01', 'web02']) expect(poll.vms[vm]).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    expect(poll.vms.app01.OwnerNode).to.equal('N1');
  });

  it('fails the drain when it does not complete within the timeout: 1677, DrainFailed, the node stays Paused', async () => {
    const target = lab({ nodes: nodeNames(4), vms, liveMigration: slowNetwork });
    const error = await rejection(target.suspendNode('N2', { drain: true, timeoutMs: 120_000 }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.equal('Suspend-ClusterNode -Drain of N2 failed: it did not complete within 120 s; what could be cancelled was; N2 stays Paused');
    const value = (error as OperationError).value as DrainValue;
    expect(value.node).to.equal('N2');
    expect(value.totalMs).to.equal(120_000);
    // 4 GB over 1 GbE shared with sql01's migration: ~100 s; the others were cancelled
    expect(value.migrations.map((m) => m.vm)).to.deep.equal(['web01']);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(paused('DrainFailed'));
    expect(poll.vms.sql01.OwnerNode).to.equal('N2');
    expect(poll.vms.web02.OwnerNode).to.equal('N2');
    const failed = (await target.collectEvents()).filter((e) => e.id === 1677);
    expect(failed.map((e) => [e.node, e.message])).to.deep.equal([['N2', 'Node drain failed on Cluster node N2.']]);
  });

  it('drains over the transport asked for (Set-VMHost for the drain), and fails back over another', async () => {
    const target = lab({ nodes: nodeNames(4), vms, liveMigration: { ...slowNetwork, nics: 2, nicGbps: 10 } });
    const drained = await target.suspendNode('N2', { drain: true, transport: 'SMBDirect' });
    expect(drained.migrations.map((m) => m.transport)).to.deep.equal(['SMBDirect', 'SMBDirect', 'SMBDirect']);
    const back = await target.resumeNode('N2', { failback: true, transport: 'TCPIP' });
    expect(back.migrations.map((m) => m.transport)).to.deep.equal(['TCPIP', 'TCPIP', 'TCPIP']);
    // the same 24 GB over one TCP stream each (~1 NIC, power saving) take far longer than over RDMA on both NICs
    expect(back.totalMs).to.be.above(drained.totalMs * 2);
  });

  it('fails the drain when no node can take a VM', async () => {
    const target = lab({ nodes: nodeNames(3), vms: vms.filter((vm) => vm.owner === 'N2') });
    await target.suspendNode('N1', { drain: false });
    await target.suspendNode('N3', { drain: false });
    const error = await rejection(target.suspendNode('N2', { drain: true }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.equal('Suspend-ClusterNode -Drain of N2 failed: no node can take web01; N2 stays Paused');
    expect((await target.poll()).nodes.N2).to.deep.equal(paused('DrainFailed'));
  });

  it('refuses to suspend a node that is not Up, changing nothing', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    await target.suspendNode('N3', { drain: false });
    const error = await rejection(target.suspendNode('N3', { drain: true }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.equal('N3 is not Up (Paused); Suspend-ClusterNode pauses a node that is Up');
    expect((await target.poll()).nodes.N3).to.deep.equal(paused());
    const unknown = await rejection(target.suspendNode('N9', { drain: false }));
    expect(unknown.message).to.contain('N9').and.contain('N1, N2, N3, N4');
  });

  it('is no exit from membership: suspending and resuming never quarantines a node', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    await target.setSettings({ QuarantineThreshold: 1 });
    for (let i = 0; i < 3; i++) {
      await target.suspendNode('N2', { drain: true });
      await target.resumeNode('N2', { failback: true });
    }
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.not.include(1135).and.not.include(1672);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
  });

  it('keeps a paused node paused through a crash; a resume lifts the pause whatever state the node is in', async () => {
    const target = lab({ nodes: nodeNames(4), vms });
    await target.suspendNode('N3', { drain: false });
    const removed = await crash(target, 'N3');
    expect(removed.nodes.N3).to.deep.equal({ State: 'Down', StatusInformation: ['Isolated'] });
    const back = await waitFor(target, (p) => p.nodes.N3.State !== 'Down' && p.nodes.N3.State !== 'Joining', 120_000);
    expect(back.nodes.N3).to.deep.equal(paused());
    await target.resumeNode('N3', { failback: false });
    expect((await target.poll()).nodes.N3).to.deep.equal(up);
    // Resumed while it is out of the cluster: it rejoins Up
    await target.suspendNode('N3', { drain: false });
    await crash(target, 'N3');
    expect(await target.resumeNode('N3', { failback: false })).to.deep.include({ migrations: [] });
    expect((await waitFor(target, (p) => p.nodes.N3.State === 'Up', 120_000)).nodes.N3).to.deep.equal(up);
  });

  it('fails a drain in progress when the paused node crashes (1677 once), and the VMs stay with it', async () => {
    const target = lab({ nodes: nodeNames(4), vms, liveMigration: slowNetwork });
    const pending = target.suspendNode('N2', { drain: true });
    void target.sleep(5_000);
    void target.killClusterService('N2');
    const error = await rejection(pending);
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.contain('the cluster service on N2 stopped');
    expect((await target.poll()).vms.web01.OwnerNode).to.equal('N2');
    await target.sleep(20_000);
    expect((await target.collectEvents()).filter((e) => e.id === 1677)).to.have.length(1);
  });
});
