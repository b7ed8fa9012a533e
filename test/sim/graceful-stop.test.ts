import { expect } from 'chai';
import { OperationError } from '../../src/targets/target.js';
import { crash, crashAndRejoin, lab, rejection, timeline, waitFor } from './lab.js';

const up = { State: 'Up', StatusInformation: [] };
const stopped = { State: 'Down', StatusInformation: [] };
const draining = { State: 'Paused', StatusInformation: ['DrainInProgress'] };

describe('sim: graceful stop (Stop-ClusterNode)', () => {
  it('drains the node first: Paused with DrainInProgress while its VMs live-migrate away', async () => {
    const target = lab();
    await target.stopClusterNode('N2');
    const first = await target.poll();
    expect(first.nodes.N2).to.deep.equal(draining);
    expect(first.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    // two lab VMs over SMB Direct take 10–11 s with the RDMA set-up per GiB (680d6e1)
    const polls = await timeline(target, 20_000, 50);
    const drained = polls.findIndex((p) => p.nodes.N2.State === 'Down');
    expect(drained).to.be.greaterThan(0);
    for (const p of polls.slice(0, drained)) expect(p.nodes.N2).to.deep.equal(draining);
    for (const p of polls) {
      expect(p.vms.web01.State).to.equal('Running');
      expect(p.vms.sql01.State).to.equal('Running'); // a member keeps its CSV access while it is drained
      expect(p.vms.sql01.StatusInformation).to.deep.equal([]);
    }
    const done = polls[drained];
    expect(done.vms.web01.OwnerNode).to.equal('N3');
    expect(done.vms.sql01.OwnerNode).to.equal('N1');
  });

  it('then stops clussvc (7036, no 7031) and the node is Down without being Isolated or removed', async () => {
    const target = lab();
    await target.stopClusterNode('N2');
    const down = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 20_000, 10);
    expect(down.nodes.N2).to.deep.equal(stopped);
    const events = await target.collectEvents();
    expect(events.map((e) => e.id)).to.deep.equal([1641, 1641, 7036]);
    expect(events[0]).to.include({ node: 'N2', level: 'Information', message: "Clustered role 'web01' is moving from cluster node 'N2' to cluster node 'N3'." });
    expect(events[2]).to.include({ node: 'N2', provider: 'Service Control Manager', message: 'The Cluster Service service entered the stopped state.' });
    const later = await timeline(target, 300_000, 1_000);
    for (const p of later) expect(p.nodes.N2).to.deep.equal(stopped);
    expect(await target.collectEvents()).to.deep.equal([]);
  });

  it('is not restarted by the SCM; Start-ClusterNode starts clussvc and the node joins', async () => {
    const target = lab();
    await target.stopClusterNode('N2');
    await target.sleep(200_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(stopped);
    await target.startClusterNode('N2');
    expect((await target.poll()).nodes.N2).to.deep.equal({ State: 'Joining', StatusInformation: [] });
    await target.sleep(3_000);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(up);
    expect(Object.values(poll.vms).filter((vm) => vm.OwnerNode === 'N2')).to.deep.equal([]);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids.slice(-1)).to.deep.equal([7036]);
    expect(ids).to.not.include(1680).and.not.include(1682);
  });

  it('joins again after startClusterService too', async () => {
    const target = lab();
    await target.stopClusterNode('N2');
    await target.sleep(20_000);
    await target.startClusterService('N2');
    await target.sleep(3_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
  });

  it('does not count toward quarantine', async () => {
    const target = lab({ vms: [] });
    for (let i = 0; i < 3; i++) {
      await target.stopClusterNode('N2');
      await target.sleep(1_000);
      await target.startClusterNode('N2');
      await target.sleep(5_000);
    }
    await crashAndRejoin(target, 'N2');
    await crashAndRejoin(target, 'N2');
    expect((await crash(target, 'N2')).nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: ['Quarantined'] });
  });

  it('stops a node that hosts no VM right after the call returns', async () => {
    const target = lab();
    await target.stopClusterNode('N3');
    expect((await target.poll()).nodes.N3).to.deep.equal(draining);
    await target.sleep(0);
    expect((await target.poll()).nodes.N3).to.deep.equal(stopped);
  });

  it('refuses a node that is not Up', async () => {
    const target = lab();
    await target.stopClusterNode('N2');
    const paused = await rejection(target.stopClusterNode('N2'));
    expect(paused).to.be.instanceOf(OperationError);
    expect(paused.message).to.equal('N2 is not Up (Paused, DrainInProgress); Stop-ClusterNode stops a node that is Up');
    await target.sleep(20_000);
    await target.startClusterNode('N2');
    await target.sleep(3_000);
    await crash(target, 'N1');
    const error = await rejection(target.stopClusterNode('N1'));
    expect(error.message).to.contain('N1 is not Up (Down, Isolated)');
  });

  it('refuses to take the cluster below a majority of its votes (DynamicQuorum off: every node votes, Up or not)', async () => {
    // with dynamic quorum (the default) each graceful stop has its vote taken away first (test/sim/quorum.test.ts)
    const target = lab({ dynamicQuorum: false });
    await target.stopClusterNode('N2');
    const error = await rejection(target.stopClusterNode('N1'));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.contain('would leave 1 of 3 nodes Up, too few votes for quorum (the cluster counts 3 (N1, N2, N3))');
    const four = lab({ nodes: ['N1', 'N2', 'N3', 'N4'], dynamicQuorum: false });
    await four.stopClusterNode('N4');
    expect((await rejection(four.stopClusterNode('N3'))).message).to.contain('would leave 2 of 4 nodes Up');
  });

  it('refuses an unknown node', async () => {
    const error = await rejection(lab().stopClusterNode('N9'));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.contain('N1, N2, N3');
  });

  it('does nothing on Start-ClusterNode when the node is Up', async () => {
    const target = lab();
    await target.startClusterNode('N2');
    expect(await target.collectEvents()).to.deep.equal([]);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
  });

  it('fails the drain when clussvc dies during it (1677): the VMs stay where they are and the node is removed as for a crash', async () => {
    const target = lab();
    await target.stopClusterNode('N2');
    await target.sleep(1_000);
    await target.killClusterService('N2');
    const failed = await target.poll();
    expect(failed.nodes.N2).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainFailed'] });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: ['Isolated'] });
    expect(removed.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.deep.equal([1641, 1641, 7031, 1677, 1135, 1673, 1681, 5120]);
  });
});
