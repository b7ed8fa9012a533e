import { expect } from 'chai';
import { OperationError } from '../../src/targets/target.js';
import { crash, crashAndRejoin, crashUntilQuarantined, lab, nodeNames, rejection, slowNetwork, timeline, twoVmsEach, waitFor } from './lab.js';

const quarantined = { State: 'Down', StatusInformation: ['Quarantined'] };
const isolated = { State: 'Down', StatusInformation: ['Isolated'] };
const up = { State: 'Up', StatusInformation: [] };
const down = { State: 'Down', StatusInformation: [] };

/** A five-node cluster with two VMs on each node: with node-majority quorum it survives two removals. */
const fiveNodes = nodeNames(5);
const fiveNodeVms = twoVmsEach(fiveNodes);

describe('sim: quarantine', () => {
  it('quarantines the node at its 3rd ungraceful removal within an hour (1672 on a survivor; 1676 on the node once its clussvc runs again)', async () => {
    const target = lab();
    await crashAndRejoin(target, 'N2');
    await crashAndRejoin(target, 'N2');
    const earlier = (await target.collectEvents()).filter((e) => e.id === 1673);
    expect(earlier).to.have.length(2);
    const poll = await crash(target, 'N2');
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    const events = await target.collectEvents();
    const removal = events.find((e) => e.id === 1135)!;
    // Its clussvc is dead: it cannot be drained yet, so its VMs are unmonitored (1681) as on an Isolated node (issue 14)
    expect(events.map((e) => e.id)).to.include(1681);
    expect(events.map((e) => e.id)).to.not.include(1673).and.not.include(1676);
    const q = events.find((e) => e.id === 1672)!;
    expect(q).to.include({ level: 'Critical', node: removal.node, t: removal.t });
    expect(q.node).to.not.equal('N2');
    const until = new Date(Date.parse('2026-01-01T00:00:00.000Z') + removal.t + 7_200_000).toISOString();
    expect(q.message).to.equal(
      "Cluster node 'N2' has been quarantined. The node experienced '3' consecutive failures within a short amount of time and has been " +
        `removed from the cluster to avoid further disruptions. The node will be quarantined until '${until}' and then the node will ` +
        'automatically attempt to re-join the cluster.',
    );
    // SCM restarts clussvc 60 s after the crash (lab.ts): N2 tries to join, is refused (1675) and learns it (1676)
    await target.sleep(60_000);
    const later = await target.collectEvents();
    const restartedAt = later.find((e) => e.id === 7036)!.t;
    expect(later.find((e) => e.id === 1675)).to.include({ t: restartedAt });
    const local = later.find((e) => e.id === 1676)!;
    expect(local).to.include({ node: 'N2', level: 'Error', t: restartedAt });
    expect(local.message).to.contain(`quarantined until '${until}'`);
  });

  it('drains its VMs by live migration: they keep running, never go Off or Starting, and end Running elsewhere', async () => {
    const target = lab();
    await crashUntilQuarantined(target, 'N2');
    // its clussvc restarts 60 s after the crash (lab.ts): the drain begins then (issue 14), and takes seconds
    const polls = await timeline(target, 70_000, 50);
    for (const p of polls) {
      for (const vm of [p.vms.web01, p.vms.sql01]) {
        expect(vm.State).to.be.oneOf(['Running', 'RunningCritical', 'PausedCritical']);
        expect(vm.GroupState).to.equal('Online');
      }
      expect(p.nodes.N2).to.deep.equal(quarantined);
    }
    const last = polls.at(-1)!;
    expect(last.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
    expect(last.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids.filter((id) => id === 1641)).to.have.length(2);
    expect(ids).to.not.include(1153).and.not.include(1205);
  });

  it('shows the VMs Unmonitored on the quarantined node until they have moved, and runs no ResiliencyPeriod', async () => {
    const vms = [{ name: 'web01', owner: 'N2', storage: 'smb' as const, memoryGB: 4, resiliencyPeriod: 1 }];
    // clussvc back in 5 s, before the removal: quarantined with its service running, so it is drained (issue 14)
    const target = lab({ vms, liveMigration: slowNetwork, scmRestartDelayMs: 5_000 });
    await target.setSettings({ QuarantineThreshold: 1 });
    const poll = await crash(target, 'N2');
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    await target.sleep(4_000);
    expect((await target.poll()).vms.web01).to.deep.include({ State: 'Running', OwnerNode: 'N2' });
  });

  it('keeps the node out for QuarantineDuration although clussvc runs again (1675), then it joins', async () => {
    const target = lab();
    await target.setSettings({ QuarantineDuration: 300 });
    await crashUntilQuarantined(target, 'N2');
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1672)!.t;
    await target.sleep(removedAt + 299_000 - target.now());
    expect((await target.poll()).nodes.N2).to.deep.equal(quarantined);
    const refused = (await target.collectEvents()).filter((e) => e.id === 1675);
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include({ level: 'Warning' });
    expect(refused[0].node).to.not.equal('N2');
    expect(refused[0].message).to.contain("Cluster node 'N2' has been quarantined by").and.contain('cannot join the cluster');
    const polls = await timeline(target, 5_000);
    expect(polls.map((p) => p.nodes.N2.State)).to.deep.equal(['Down', 'Joining', 'Up']);
    expect(polls[1].t - removedAt).to.be.within(300_000, 300_100);
    expect(polls[1].nodes.N2).to.deep.equal({ State: 'Joining', StatusInformation: [] });
  });

  it('leaves a released node Down while its clussvc is stopped, and lets it join when clussvc starts', async () => {
    const target = lab();
    await target.setSettings({ QuarantineDuration: 100 });
    await crashAndRejoin(target, 'N2');
    await crashAndRejoin(target, 'N2');
    await target.killClusterService('N2', { holdDownMs: 200_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    await target.sleep(100_000);
    expect((await target.poll()).nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 100_000);
    expect(back.nodes.N2).to.deep.equal(up);
  });

  it('does not count exits older than an hour', async () => {
    const target = lab();
    await crashAndRejoin(target, 'N2');
    const first = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    await target.sleep(first + 3_540_000 - target.now());
    await crashAndRejoin(target, 'N2');
    const poll = await crash(target, 'N2');
    expect(poll.t - first).to.be.greaterThan(3_600_000);
    expect(poll.nodes.N2).to.deep.equal(isolated);
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 120_000);
    expect((await crash(target, 'N2')).nodes.N2).to.deep.equal(quarantined);
  });

  it('counts a join broken off by a crash', async () => {
    const target = lab();
    await crash(target, 'N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Joining', 70_000);
    await target.killClusterService('N2');
    expect((await target.poll()).nodes.N2).to.deep.equal(isolated);
    await waitFor(target, (p) => p.nodes.N2.State === 'Joining', 70_000);
    await target.killClusterService('N2');
    expect((await target.poll()).nodes.N2).to.deep.equal(quarantined);
  });

  it('never quarantines with QuarantineThreshold 0', async () => {
    const target = lab();
    await target.setSettings({ QuarantineThreshold: 0 });
    for (let i = 0; i < 5; i++) {
      expect((await crash(target, 'N2')).nodes.N2).to.deep.equal(isolated);
      await waitFor(target, (p) => p.nodes.N2.State === 'Up', 120_000);
    }
    expect((await target.collectEvents()).map((e) => e.id)).to.not.include(1672);
  });

  it('quarantines at the first removal with QuarantineThreshold 1', async () => {
    const target = lab();
    await target.setSettings({ QuarantineThreshold: 1 });
    expect((await crash(target, 'N2')).nodes.N2).to.deep.equal(quarantined);
  });

  it('never quarantines a second node of a three-node cluster: that removal leaves no majority and stops the cluster (DynamicQuorum off)', async () => {
    // with dynamic quorum (the default) the second removal, one at a time, leaves N1 running alone (test/sim/quorum.test.ts)
    const target = lab({ dynamicQuorum: false });
    await target.setSettings({ QuarantineThreshold: 1 });
    await crash(target, 'N2');
    const poll = await crash(target, 'N3');
    expect(poll.nodes).to.deep.equal({ N1: down, N2: down, N3: down });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids.filter((id) => id === 1672)).to.have.length(1);
    expect(ids).to.include(1177);
  });

  it('quarantines at most one node of five at the default MaxQuarantinedPercent (25 %): the next one is Isolated, without 1672', async () => {
    const target = lab({ nodes: fiveNodes, vms: fiveNodeVms });
    await crashUntilQuarantined(target, 'N2');
    await target.sleep(30_000);
    await target.collectEvents();
    const poll = await crashUntilQuarantined(target, 'N3');
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    expect(poll.nodes.N3).to.deep.equal(isolated);
    expect(poll.vms.smb3.StatusInformation).to.deep.equal(['Unmonitored']);
    const events = await target.collectEvents();
    expect(events.map((e) => e.id)).to.not.include(1672);
    // Its exits stay counted: Isolated as usual, it rejoins, and its next crash within the hour tries again.
    const back = await waitFor(target, (p) => p.nodes.N3.State === 'Up', 120_000);
    expect(back.vms.smb3).to.deep.include({ OwnerNode: 'N3', StatusInformation: [] });
    await target.startClusterNode('N2', { clearQuarantine: true });
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 5_000);
    expect((await crash(target, 'N3')).nodes.N3).to.deep.equal(quarantined);
  });

  it('quarantines two nodes of five with MaxQuarantinedPercent 50', async () => {
    const target = lab({ nodes: fiveNodes, vms: fiveNodeVms });
    await target.setSettings({ MaxQuarantinedPercent: 50 });
    await crashUntilQuarantined(target, 'N2');
    const poll = await crashUntilQuarantined(target, 'N3');
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    expect(poll.nodes.N3).to.deep.equal(quarantined);
    // N3's clussvc restarts 60 s after its crash (lab.ts): its drain begins then (issue 14)
    const drained = await waitFor(target, (p) => Object.values(p.vms).every((vm) => vm.OwnerNode !== 'N2' && vm.OwnerNode !== 'N3'), 80_000);
    for (const vm of Object.values(drained.vms)) expect(vm.State).to.equal('Running');
  });

  it('lets a quarantined node join at once with Start-ClusterNode -ClearQuarantine, and forgets its exits', async () => {
    const target = lab();
    await crashUntilQuarantined(target, 'N2');
    await target.sleep(70_000); // the SCM has restarted clussvc; the join was refused
    await target.startClusterNode('N2', { clearQuarantine: true });
    expect((await target.poll()).nodes.N2).to.deep.equal({ State: 'Joining', StatusInformation: [] });
    await target.sleep(3_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
    expect((await crash(target, 'N2')).nodes.N2).to.deep.equal(isolated);
  });

  it('keeps on the node the VMs still draining when -ClearQuarantine lets it join, monitored again', async () => {
    const target = lab({ liveMigration: slowNetwork });
    await target.setSettings({ QuarantineThreshold: 1 });
    await target.killClusterService('N2', { holdDownMs: 5_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    await target.startClusterNode('N2', { clearQuarantine: true });
    await target.sleep(30_000);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(up);
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    expect(poll.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });

  it('starts a stopped clussvc with -ClearQuarantine', async () => {
    const target = lab();
    await crashAndRejoin(target, 'N2');
    await crashAndRejoin(target, 'N2');
    await target.killClusterService('N2', { holdDownMs: 1_000_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    await target.startClusterNode('N2', { clearQuarantine: true });
    expect((await target.poll()).nodes.N2.State).to.equal('Joining');
    await target.sleep(3_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
  });

  it('refuses Start-ClusterNode without -ClearQuarantine on a quarantined node', async () => {
    const target = lab();
    await crashUntilQuarantined(target, 'N2');
    const until = (await target.collectEvents()).find((e) => e.id === 1672)!.message.match(/until '([^']+)'/)![1];
    const error = await rejection(target.startClusterNode('N2'));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.equal(`N2 is quarantined until ${until}; use -ClearQuarantine to let it join now`);
    await target.sleep(5_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(quarantined);
  });
});
