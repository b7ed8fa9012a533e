import { expect } from 'chai';
import { OperationError } from '../../src/targets/target.js';
import type { VmDescription } from '../../src/trace/records.js';
import { lab, nodeNames, rejection, waitFor } from './lab.js';

const vm = (name: string, owner: string, memoryGB: number, more: Partial<VmDescription> = {}): VmDescription => ({
  name,
  owner,
  storage: 'smb',
  memoryGB,
  ...more,
});

/** Kill clussvc on `node` for good with ResiliencyDefaultPeriod 0: it goes Down at once and its VMs fail over. */
async function nodeLost(target: ReturnType<typeof lab>, node: string): Promise<void> {
  await target.setSettings({ ResiliencyDefaultPeriod: 0 });
  await target.killClusterService(node, { holdDownMs: 3_600_000 });
  await waitFor(target, (p) => p.nodes[node].State === 'Down', 30_000, 10);
}

describe('sim: placement (priority, preferred owners, anti-affinity, host memory)', () => {
  it('places High-priority VMs first when memory is short: the High VM gets the room, the Low one stays Failed', async () => {
    // N1 dies; N2 has 20 GB: room for one of the two 16 GB VMs (N3 has 4 GB). The Low one is listed first.
    const target = lab({
      nodes: nodeNames(3),
      hostMemoryGB: { N1: 64, N2: 20, N3: 4 },
      vms: [vm('low', 'N1', 16, { priority: 'Low' }), vm('high', 'N1', 16, { priority: 'High' })],
    });
    await nodeLost(target, 'N1');
    const p = await waitFor(target, (q) => q.vms.high.State === 'Running', 60_000);
    expect(p.vms.high.OwnerNode).to.equal('N2');
    expect(p.vms.low.GroupState).to.equal('Failed');
  });

  it('does not restart a No Auto Start VM on failover: it moves to another node and stays Offline', async () => {
    const target = lab({ nodes: nodeNames(3), vms: [vm('batch', 'N1', 4, { priority: 'NoAutoStart' }), vm('web', 'N1', 4), vm('n3', 'N3', 4)] });
    await nodeLost(target, 'N1');
    await waitFor(target, (q) => q.vms.web.State === 'Running', 60_000);
    await target.sleep(60_000);
    const p = await target.poll();
    expect(p.vms.batch).to.deep.include({ State: 'Off', GroupState: 'Offline', OwnerNode: 'N2' });
    const withDefect = lab({ nodes: nodeNames(3), vms: [vm('batch', 'N1', 4, { priority: 'NoAutoStart' }), vm('n3', 'N3', 4)], defects: ['no-auto-start-restarted'] });
    await nodeLost(withDefect, 'N1');
    await waitFor(withDefect, (q) => q.vms.batch.State === 'Running' && q.vms.batch.OwnerNode === 'N2', 60_000);
  });

  it('fails a VM over to the next node after its owner in its preferred-owner list, then the other nodes [KB-299631]', async () => {
    // Preferred N1, N3: on N1 it goes to N3 (not to N2, which hosts fewer VMs); other VMs fill N3 beforehand.
    const vms = [vm('db', 'N1', 4, { preferredOwners: ['N1', 'N3'] }), vm('a', 'N3', 4), vm('b', 'N3', 4)];
    const target = lab({ nodes: nodeNames(4), vms });
    await nodeLost(target, 'N1');
    const p = await waitFor(target, (q) => q.vms.db.State === 'Running', 60_000);
    expect(p.vms.db.OwnerNode).to.equal('N3');
    // Without preferred owners, today's rule: the node with the fewest VMs (N2)
    const plain = lab({ nodes: nodeNames(4), vms: [vm('db', 'N1', 4), vm('a', 'N3', 4), vm('b', 'N3', 4)] });
    await nodeLost(plain, 'N1');
    expect((await waitFor(plain, (q) => q.vms.db.State === 'Running', 60_000)).vms.db.OwnerNode).to.equal('N2');
    // Defect preferred-owner-ignored: the same as without preferred owners
    const ignored = lab({ nodes: nodeNames(4), vms, defects: ['preferred-owner-ignored'] });
    await nodeLost(ignored, 'N1');
    expect((await waitFor(ignored, (q) => q.vms.db.State === 'Running', 60_000)).vms.db.OwnerNode).to.equal('N2');
  });

  it('keeps anti-affined VMs apart where it can, and shares a node only when no other can take them', async () => {
    // sql1 on N1, sql2 on N2 share a class; N1 dies. N2 hosts fewer VMs than N3 but holds sql2: sql1 goes to N3.
    const vms = [
      vm('sql1', 'N1', 4, { antiAffinityClassNames: ['sql'] }),
      vm('sql2', 'N2', 4, { antiAffinityClassNames: ['sql'] }),
      vm('x', 'N3', 4),
      vm('y', 'N3', 4),
    ];
    const target = lab({ nodes: nodeNames(3), vms });
    await nodeLost(target, 'N1');
    expect((await waitFor(target, (q) => q.vms.sql1.State === 'Running', 60_000)).vms.sql1.OwnerNode).to.equal('N3');
    // Defect anti-affinity-ignored: it joins sql2 on N2, which hosts the fewest VMs
    const ignored = lab({ nodes: nodeNames(3), vms, defects: ['anti-affinity-ignored'] });
    await nodeLost(ignored, 'N1');
    expect((await waitFor(ignored, (q) => q.vms.sql1.State === 'Running', 60_000)).vms.sql1.OwnerNode).to.equal('N2');
    // N3 paused: nowhere else to go, so the two share N2 (soft anti-affinity, ClusterEnforcedAntiAffinity 0)
    const two = lab({ nodes: nodeNames(3), vms: vms.slice(0, 2) });
    await two.suspendNode('N3', { drain: false });
    await nodeLost(two, 'N1');
    expect((await waitFor(two, (q) => q.vms.sql1.State === 'Running', 60_000)).vms.sql1.OwnerNode).to.equal('N2');
  });

  it('never starts a failed-over VM where its memory does not fit: it waits Failed until a node has room', async () => {
    const vms = [vm('big', 'N1', 24), vm('n2', 'N2', 8), vm('n3', 'N3', 12)];
    const target = lab({ nodes: nodeNames(3), vms, hostMemoryGB: 32 });
    await nodeLost(target, 'N1');
    await target.sleep(30_000);
    expect((await target.poll()).vms.big.OwnerNode).to.equal('N2'); // 24 GB fits N2 (8 used) not N3 (12 used)
    const full = lab({ nodes: nodeNames(3), vms: [vm('big', 'N1', 24), vm('n2', 'N2', 16), vm('n3', 'N3', 12)], hostMemoryGB: 32 });
    await nodeLost(full, 'N1');
    await full.sleep(30_000);
    const p = await full.poll();
    expect(p.vms.big).to.deep.include({ State: 'Off', GroupState: 'Failed' });
    // With the defect, it is started on an overcommitted host
    const defect = lab({ nodes: nodeNames(3), vms: [vm('big', 'N1', 24), vm('n2', 'N2', 16), vm('n3', 'N3', 12)], hostMemoryGB: 32, defects: ['placement-ignores-memory'] });
    await nodeLost(defect, 'N1');
    await waitFor(defect, (q) => q.vms.big.State === 'Running', 60_000);
  });

  it('fails a drain that cannot place a VM for lack of memory, after moving the others: the node stays Paused with that VM', async () => {
    const vms = [vm('sql01', 'N2', 64, { priority: 'High' }), vm('web01', 'N2', 4), vm('a', 'N1', 52), vm('b', 'N3', 44)];
    const target = lab({ nodes: nodeNames(3), vms, hostMemoryGB: { N1: 64, N2: 128, N3: 64 } });
    const error = await rejection(target.suspendNode('N2', { drain: true }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.equal('Suspend-ClusterNode -Drain of N2 failed: sql01 (64 GB) fits on no other node (free: N1 12 GB, N3 20 GB); N2 stays Paused');
    const p = await target.poll();
    expect(p.nodes.N2).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainFailed'] });
    expect(p.vms.sql01).to.deep.include({ OwnerNode: 'N2', State: 'Running' });
    expect(p.vms.web01.OwnerNode).to.not.equal('N2');
    expect((await target.collectEvents()).filter((e) => e.id === 1677).map((e) => e.node)).to.deep.equal(['N2']);
  });

  it('drains a VM to its first preferred owner that can take it, and refuses a move to a node without memory for it', async () => {
    const vms = [vm('db', 'N1', 8, { preferredOwners: ['N4', 'N3'] }), vm('x', 'N4', 30)];
    const target = lab({ nodes: nodeNames(4), vms, hostMemoryGB: 32 });
    const drained = await target.suspendNode('N1', { drain: true });
    expect(drained.migrations.map((m) => [m.vm, m.target])).to.deep.equal([['db', 'N3']]); // N4 has 2 GB free
    const refused = await rejection(target.liveMigrate('db', 'N4'));
    expect(refused).to.be.instanceOf(OperationError);
    expect(refused.message).to.equal('db needs 8 GB of memory; N4 has 2 GB free (cluster.hostMemoryGB); it stays on N3');
  });
});
