import { expect } from 'chai';
import type { Poll } from '../../src/targets/target.js';
import { OperationError } from '../../src/targets/target.js';
import { crash, lab, nodeNames, rejection, timeline, twoVmsEach, waitFor } from './lab.js';

const down = { State: 'Down', StatusInformation: [] };
const up = { State: 'Up', StatusInformation: [] };
const joining = { State: 'Joining', StatusInformation: [] };
/** Node majority as it was before dynamic quorum (DynamicQuorum 0): every node's vote counts, present or not. */
const NODE_MAJORITY = { dynamicQuorum: false };

const four = nodeNames(4);
const fourLab = (seed = 1) => lab({ ...NODE_MAJORITY, seed, nodes: four, vms: twoVmsEach(four) });
const allDown = (p: Poll) => Object.values(p.nodes).every((n) => n.State === 'Down');

/** Every group Offline on its last owner, as the cluster left it. */
function expectAllOffline(poll: Poll): void {
  for (const [name, vm] of Object.entries(poll.vms)) {
    const owner = `N${name.slice(3)}`;
    expect(vm, name).to.deep.equal({ State: 'Off', GroupState: 'Offline', OwnerNode: owner, StatusInformation: [] });
  }
}

describe('sim: quorum (node majority, no witness, DynamicQuorum off)', () => {
  for (const seed of [1, 2, 3]) {
    it(`stops the cluster when 2 of 4 nodes are cut off: 1135 once, then 1177 and 7031 on each remaining member (seed ${seed})`, async () => {
      const target = fourLab(seed);
      await target.isolateNetwork('N1', { healAfterMs: 30_000 });
      await target.isolateNetwork('N2', { healAfterMs: 30_000 });
      const poll = await waitFor(target, allDown, 15_000, 10);
      expect(poll.nodes).to.deep.equal({ N1: down, N2: down, N3: down, N4: down });
      expectAllOffline(poll);
      const events = await target.collectEvents();
      const removal = events.find((e) => e.id === 1135)!;
      const removed = removal.message.match(/node '(N\d)'/)![1];
      expect(removed).to.be.oneOf(['N1', 'N2']);
      const remaining = four.filter((n) => n !== removed);
      expect(events.map((e) => [e.id, e.node, e.t])).to.deep.equal([
        [1135, removal.node, removal.t],
        ...remaining.flatMap((n) => [[1177, n, removal.t], [7031, n, removal.t]]),
      ]);
      const lost = events.find((e) => e.id === 1177)!;
      expect(lost.level).to.equal('Critical');
      expect(lost.message).to.match(/^The Cluster Service is shutting down because quorum was lost\./);
    });
  }

  it('forms again once a majority runs clussvc and reaches one another: Joining, then Up, each group starting on its owner', async () => {
    const target = fourLab();
    await target.isolateNetwork('N1', { healAfterMs: 30_000 });
    await target.isolateNetwork('N2', { healAfterMs: 30_000 });
    const lost = await waitFor(target, allDown, 15_000, 10);
    // The cuts heal at 30 s, but N3 and N4 only run again when the SCM restarts them (scmRestartDelayMs 60 s)
    await target.sleep(lost.t + 59_000 - target.now());
    expect(allDown(await target.poll())).to.equal(true);
    const polls = await timeline(target, 20_000, 100);
    const forming = polls.find((p) => !allDown(p))!;
    expect(forming.t - lost.t).to.be.within(60_000, 60_100);
    expect(forming.nodes).to.deep.equal({ N1: joining, N2: joining, N3: joining, N4: joining });
    expectAllOffline(forming);
    for (const node of four) {
      const joined = polls.find((p) => p.nodes[node].State === 'Up')!;
      expect(joined.t - forming.t).to.be.within(2_000, 3_100);
      const i = node.slice(1);
      expect(joined.vms[`smb${i}`]).to.deep.equal({ State: 'Starting', GroupState: 'Pending', OwnerNode: node, StatusInformation: [] });
    }
    const last = polls.at(-1)!;
    for (const node of four) expect(last.nodes[node]).to.deep.equal(up);
    for (const [name, vm] of Object.entries(last.vms)) expect(vm, name).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: `N${name.slice(3)}`, StatusInformation: [] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids.filter((id) => id === 1201)).to.have.length(8);
    expect(ids).to.not.include(1153).and.not.include(1680);
  });

  it('stops the cluster when 2 of 4 nodes crash, and waits while only half of them run again', async () => {
    const target = fourLab();
    await target.killClusterService('N1');
    await target.killClusterService('N2');
    const lost = await waitFor(target, allDown, 15_000, 10);
    expectAllOffline(lost);
    const events = await target.collectEvents();
    expect(events.filter((e) => e.id === 1135)).to.have.length(1);
    expect(events.filter((e) => e.id === 1177).map((e) => e.node)).to.deep.equal(['N3', 'N4']);
    // N1 and N2 run again at 60 s: two of four, no majority; N3 and N4 join them when the SCM restarts them
    await target.sleep(65_000 - target.now());
    const half = await target.poll();
    expect(half.nodes).to.deep.equal({ N1: down, N2: down, N3: down, N4: down });
    const formed = await waitFor(target, (p) => !allDown(p), 10_000);
    expect(formed.t - lost.t).to.be.within(60_000, 60_100);
    expect(formed.nodes).to.deep.equal({ N1: joining, N2: joining, N3: joining, N4: joining });
  });

  it('places the groups of a node that did not come back once no node is joining any more', async () => {
    const target = fourLab();
    await target.killClusterService('N1', { holdDownMs: 300_000 });
    await target.killClusterService('N2');
    const lost = await waitFor(target, allDown, 15_000, 10);
    const polls = await timeline(target, lost.t + 80_000 - target.now(), 100);
    const settled = polls.find((p) => ['N2', 'N3', 'N4'].every((n) => p.nodes[n].State === 'Up'))!;
    expect(settled.nodes.N1).to.deep.equal(down);
    expect(settled.vms.smb1).to.deep.include({ State: 'Starting', GroupState: 'Pending' });
    expect(settled.vms.smb1.OwnerNode).to.be.oneOf(['N2', 'N3', 'N4']);
    expect(settled.vms.csv1.OwnerNode).to.be.oneOf(['N2', 'N3', 'N4']);
    for (const p of polls.filter((q) => q.t < settled.t)) expect(p.vms.smb1.GroupState).to.equal('Offline');
    const attempts = (await target.collectEvents()).filter((e) => e.id === 1153);
    expect(attempts.map((e) => e.message.match(/role '([^']+)'/)![1])).to.deep.equal(['smb1', 'csv1']);
  });

  it('forms without a node still cut off, which joins when its cut heals', async () => {
    const target = fourLab();
    await target.isolateNetwork('N1', { healAfterMs: 200_000 });
    await target.isolateNetwork('N2', { healAfterMs: 30_000 });
    const lost = await waitFor(target, allDown, 15_000, 10);
    const formed = await waitFor(target, (p) => !allDown(p), 70_000);
    expect(formed.t - lost.t).to.be.within(60_000, 60_100);
    expect(formed.nodes).to.deep.equal({ N1: down, N2: joining, N3: joining, N4: joining });
    await target.sleep(199_000 - target.now());
    expect((await target.poll()).nodes.N1).to.deep.equal(down);
    const back = await waitFor(target, (p) => p.nodes.N1.State === 'Up', 5_000);
    expect(back.vms.smb1.OwnerNode).to.not.equal('N1'); // placed elsewhere while N1 was out
  });

  it('keeps quorum with 3 of 4 nodes: one removal does not stop the cluster', async () => {
    const target = fourLab();
    await target.isolateNetwork('N1', { healAfterMs: 60_000 });
    const poll = await waitFor(target, (p) => p.nodes.N1.State !== 'Up', 15_000, 10);
    expect(poll.nodes).to.deep.equal({ N1: { State: 'Down', StatusInformation: ['Isolated'] }, N2: up, N3: up, N4: up });
    expect((await target.collectEvents()).map((e) => e.id)).to.not.include(1177);
  });

  it('stops a two-node cluster when either node is removed, and forms it again when both run', async () => {
    const target = lab({ ...NODE_MAJORITY, nodes: ['N1', 'N2'], vms: [{ name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 }] });
    await target.killClusterService('N1', { holdDownMs: 100_000 });
    const lost = await waitFor(target, allDown, 15_000, 10);
    expect(lost.vms.web01).to.deep.equal({ State: 'Off', GroupState: 'Offline', OwnerNode: 'N2', StatusInformation: [] });
    const error = await rejection(target.stopClusterNode('N2'));
    expect(error).to.be.instanceOf(OperationError);
    await target.sleep(99_000 - target.now());
    expect(allDown(await target.poll())).to.equal(true); // N2 runs again at ~70 s, alone: no majority
    const running = await waitFor(target, (p) => p.vms.web01.State === 'Running', 25_000);
    expect(running.nodes).to.deep.equal({ N1: up, N2: up });
    expect(running.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });

  it('finds no cluster when every clussvc died before anyone noticed: the nodes form it again as they restart', async () => {
    const target = lab(NODE_MAJORITY);
    for (const node of ['N1', 'N2', 'N3']) await target.killClusterService(node);
    const unnoticed = await timeline(target, 59_000, 1_000);
    for (const p of unnoticed) expect(p.nodes).to.deep.equal({ N1: up, N2: up, N3: up }); // nobody left to remove anyone
    await target.sleep(1_000);
    const restarted = await target.poll();
    expect(restarted.nodes).to.deep.equal({ N1: joining, N2: joining, N3: joining });
    expect(restarted.vms.web01).to.deep.equal({ State: 'Off', GroupState: 'Offline', OwnerNode: 'N2', StatusInformation: [] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.not.include(1135).and.not.include(1177);
    const back = await waitFor(target, (p) => p.vms.web01.State === 'Running', 20_000);
    expect(back.vms.web01.OwnerNode).to.equal('N2');
  });

  it('hides Isolated and Quarantined while there is no cluster, and keeps a quarantined node out when it forms again', async () => {
    const target = lab(NODE_MAJORITY);
    await target.setSettings({ QuarantineThreshold: 1 });
    await crash(target, 'N2');
    const lost = await crash(target, 'N3');
    expect(lost.nodes).to.deep.equal({ N1: down, N2: down, N3: down });
    const formed = await waitFor(target, (p) => p.nodes.N1.State === 'Joining', 80_000);
    expect(formed.nodes).to.deep.equal({ N1: joining, N2: { State: 'Down', StatusInformation: ['Quarantined'] }, N3: joining });
  });

  it('stops the cluster when a graceful stop completes after other nodes died meanwhile', async () => {
    // SMB over one 10 GbE NIC: sql01 (16 GB) takes about 18 s to move, after its first target N1 died
    const target = lab({ ...NODE_MAJORITY, liveMigration: { transport: 'SMB', nics: 1, nicGbps: 10, teaming: false, jumboFrames: false, powerProfile: 'balanced' } });
    await target.stopClusterNode('N2');
    await target.sleep(1_000);
    await target.killClusterService('N1', { holdDownMs: 300_000 });
    // N1 is removed at about 11 s (2 of 3 left: quorum holds); N2 leaves when its drain ends: 1 of 3
    const lost = await waitFor(target, allDown, 40_000, 100);
    expect(lost.t).to.be.greaterThan(15_000);
    expect((await target.collectEvents()).filter((e) => e.id === 1177).map((e) => e.node)).to.deep.equal(['N3']);
  });
});

describe('sim: quorum by votes — dynamic quorum and a witness [MS-QUORUM]', () => {
  const isDown = (node: string) => (p: Poll) => p.nodes[node].State === 'Down';
  const fsw = { type: 'fileshare' as const };

  it('with dynamic quorum (the default) runs on down to its last node when the nodes go one at a time', async () => {
    const target = lab({ scmRestartDelayMs: 600_000 });
    await crash(target, 'N2');
    await target.sleep(5_000); // the cluster recounts the votes: N1 and N3 now
    await crash(target, 'N3');
    const after = await timeline(target, 30_000, 1_000);
    for (const p of after) expect(p.nodes.N1, `at ${p.t}`).to.deep.equal(up);
    expect((await target.collectEvents()).map((e) => e.id)).to.not.include(1177);
  });

  it('with dynamic quorum still stops when half of the votes go at once: two of four nodes killed together, no witness', async () => {
    const target = lab({ nodes: four, vms: twoVmsEach(four), scmRestartDelayMs: 600_000 });
    await target.killClusterService('N1');
    await target.killClusterService('N2');
    const lost = await waitFor(target, allDown, 15_000, 10);
    expect(lost.nodes.N3).to.deep.equal(down);
    expect((await target.collectEvents()).filter((e) => e.id === 1177).map((e) => e.node).sort()).to.deep.equal(['N3', 'N4']);
  });

  it('with a file share witness keeps running when two of four nodes go at once: 3 of 5 votes left', async () => {
    const target = lab({ nodes: four, vms: twoVmsEach(four), witness: fsw, scmRestartDelayMs: 600_000 });
    await target.killClusterService('N1');
    await target.killClusterService('N2');
    await waitFor(target, (p) => isDown('N1')(p) && isDown('N2')(p), 15_000, 10);
    const after = await timeline(target, 20_000, 1_000);
    for (const p of after) expect([p.nodes.N3, p.nodes.N4], `at ${p.t}`).to.deep.equal([up, up]);
  });

  it('defect witness-vote-ignored: the same two losses stop the cluster, as if it had no witness', async () => {
    const target = lab({ nodes: four, vms: twoVmsEach(four), witness: fsw, scmRestartDelayMs: 600_000, defects: ['witness-vote-ignored'] });
    await target.killClusterService('N1');
    await target.killClusterService('N2');
    await waitFor(target, allDown, 15_000, 10);
  });

  it('fail-witness with every node up costs nothing: nodes Up, VMs running, 1562 then 1069 on one node, and the witness back after its duration', async () => {
    const target = lab({ nodes: four, vms: twoVmsEach(four), witness: fsw });
    await target.failWitness({ healAfterMs: 30_000 });
    const polls = await timeline(target, 40_000, 1_000);
    for (const p of polls) {
      expect(Object.values(p.nodes).every((n) => n.State === 'Up'), `at ${p.t}`).to.equal(true);
      expect(Object.values(p.vms).every((v) => v.State === 'Running'), `at ${p.t}`).to.equal(true);
    }
    const events = await target.collectEvents();
    expect(events.map((e) => e.id)).to.deep.equal([1562, 1069]);
    expect(events[1]!.message).to.equal("Cluster resource 'File Share Witness' of type 'File Share Witness' in clustered role 'Cluster Group' failed.");
    expect(events[0]!.node).to.equal(events[1]!.node);
  });

  it('defect witness-loss-stops-cluster: fail-witness stops every node (1177)', async () => {
    const target = lab({ nodes: four, vms: twoVmsEach(four), witness: fsw, defects: ['witness-loss-stops-cluster'] });
    await target.failWitness({ healAfterMs: 30_000 });
    const poll = await target.poll();
    expect(allDown(poll)).to.equal(true);
    expect((await target.collectEvents()).filter((e) => e.id === 1177)).to.have.length(4);
  });

  it('with the witness failed and DynamicQuorum off, two of four nodes lost stop the cluster: 2 of 5 votes', async () => {
    const target = lab({ nodes: four, vms: twoVmsEach(four), witness: fsw, dynamicQuorum: false, scmRestartDelayMs: 600_000 });
    await target.failWitness({ healAfterMs: 600_000 });
    await crash(target, 'N1');
    await target.sleep(10_000);
    expect((await target.poll()).nodes.N3).to.deep.equal(up); // 3 of 5
    await target.killClusterService('N2');
    await waitFor(target, allDown, 15_000, 10);
  });

  it('Stop-ClusterNode counts the same votes: with dynamic quorum a three-node cluster may be stopped down to its last node, without it not', async () => {
    const dynamic = lab();
    await dynamic.stopClusterNode('N3');
    await waitFor(dynamic, isDown('N3'), 60_000);
    await dynamic.stopClusterNode('N2');
    const last = await waitFor(dynamic, isDown('N2'), 60_000);
    expect(last.nodes.N1).to.deep.equal(up);
    const error = await rejection(dynamic.stopClusterNode('N1'));
    expect(error.message).to.match(/^stopping N1 would leave 0 of 3 nodes Up, too few votes for quorum/);

    const fixed = lab(NODE_MAJORITY);
    await fixed.stopClusterNode('N3');
    await waitFor(fixed, isDown('N3'), 60_000);
    const refused = await rejection(fixed.stopClusterNode('N2'));
    expect(refused).to.be.instanceOf(OperationError);
    expect(refused.message).to.match(/^stopping N2 would leave 1 of 3 nodes Up, too few votes for quorum \(the cluster counts 3 \(N1, N2, N3\)\)/);
  });
});
