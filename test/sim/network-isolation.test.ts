import { expect } from 'chai';
import { OperationError } from '../../src/targets/target.js';
import { crashAndRejoin, lab, rejection, timeline, waitFor } from './lab.js';

const isolated = { State: 'Down', StatusInformation: ['Isolated'] };
const down = { State: 'Down', StatusInformation: [] };
const up = { State: 'Up', StatusInformation: [] };
const distinct = <T>(xs: T[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

describe('sim: a network cut isolates the node (isolateNetwork)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`removes a node cut off from every other node after about SameSubnetThreshold × SameSubnetDelay and isolates it (seed ${seed})`, async () => {
      const target = lab({ seed });
      await target.sleep(1_234);
      const cutAt = target.now();
      await target.isolateNetwork('N2', { healAfterMs: 120_000 });
      expect((await target.poll()).nodes.N2).to.deep.equal(up);
      const poll = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
      expect(poll.nodes.N2).to.deep.equal(isolated);
      const removal = (await target.collectEvents()).find((e) => e.id === 1135)!;
      expect(removal.t - cutAt).to.be.within(9_000, 12_000);
      expect(removal.node).to.be.oneOf(['N1', 'N3']);
    });
  }

  it('keeps the VMs as after a crash (SMB Running, CSV RunningCritical then PausedCritical, Unmonitored), and clussvc keeps running', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { healAfterMs: 120_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect(removed.vms.sql01).to.deep.equal({ State: 'RunningCritical', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const paused = await waitFor(target, (p) => p.vms.sql01.State === 'PausedCritical', 2_100, 10);
    expect(paused.vms.sql01.StatusInformation).to.deep.equal(['Unmonitored']);
    expect(paused.vms.app01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
    expect((await target.collectEvents()).map((e) => e.id)).to.deep.equal([1135, 1673, 1681, 5120]);
    await target.killClusterService('N2'); // accepted: clussvc was still running on the isolated node
  });

  it('rejoins as soon as the cut heals within the period: Joining, then Up, its VMs monitored again and resumed (1680, 1682)', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { healAfterMs: 60_000 });
    await target.sleep(59_000);
    const polls = await timeline(target, 5_000);
    expect(distinct(polls.map((p) => p.nodes.N2.State))).to.deep.equal(['Down', 'Joining', 'Up']);
    const joining = polls.find((p) => p.nodes.N2.State === 'Joining')!;
    const joined = polls.find((p) => p.nodes.N2.State === 'Up')!;
    expect(joining.t).to.be.within(60_000, 60_100);
    expect(joining.vms.sql01).to.deep.include({ State: 'PausedCritical', StatusInformation: ['Unmonitored'] });
    expect(joined.t - joining.t).to.be.within(2_000, 3_100);
    expect(joined.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    expect(joined.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.deep.equal([1135, 1673, 1681, 5120, 1680, 1682]);
  });

  it('at ResiliencyLevel 1, declares a node cut off from every network Down at once and fails its VMs over', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.isolateNetwork('N2', { healAfterMs: 120_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.nodes.N2).to.deep.equal(down);
    expect(removed.vms.web01).to.deep.equal({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N3', StatusInformation: [] });
    expect(removed.vms.sql01).to.deep.equal({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N1', StatusInformation: [] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.deep.equal([1135, 1153, 1153, 5120]);
    const running = await waitFor(target, (p) => p.vms.web01.State === 'Running' && p.vms.sql01.State === 'Running', 16_000);
    expect(running.nodes.N2).to.deep.equal(down);
  });

  it('at ResiliencyLevel 1, still isolates a node whose clussvc crashed while its network was up', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.killClusterService('N2');
    expect((await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10)).nodes.N2).to.deep.equal(isolated);
  });

  it('at ResiliencyLevel 1, declares Down a node whose clussvc crashed while it was cut off', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.isolateNetwork('N2', { healAfterMs: 120_000 });
    await target.killClusterService('N2');
    expect((await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10)).nodes.N2).to.deep.equal(down);
  });

  it('joins back empty when the cut outlasts ResiliencyDefaultPeriod: Down at removal + period, its VMs failed over', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyDefaultPeriod: 60 });
    await target.isolateNetwork('N2', { healAfterMs: 100_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const expired = await waitFor(target, (p) => p.nodes.N2.StatusInformation.length === 0, 70_000);
    expect(expired.t - removedAt).to.be.within(60_000, 60_100);
    expect(expired.vms.web01).to.deep.include({ State: 'Starting', OwnerNode: 'N3', StatusInformation: [] });
    expect(expired.vms.sql01).to.deep.include({ State: 'Starting', OwnerNode: 'N1', StatusInformation: [] });
    const polls = await timeline(target, 100_000 - target.now() + 5_000);
    const joining = polls.find((p) => p.nodes.N2.State === 'Joining')!;
    expect(joining.t).to.be.within(100_000, 100_100);
    const last = polls.at(-1)!;
    expect(last.nodes.N2).to.deep.equal(up);
    expect(Object.values(last.vms).filter((vm) => vm.OwnerNode === 'N2')).to.deep.equal([]);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.not.include(1680);
  });

  it('heals at once on restoreNetwork, which does nothing the second time', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { healAfterMs: 600_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    await target.sleep(5_000);
    const restoredAt = target.now();
    await target.restoreNetwork('N2');
    await target.restoreNetwork('N2');
    expect((await target.poll()).nodes.N2).to.deep.equal({ State: 'Joining', StatusInformation: [] });
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 3_100);
    expect(back.t - restoredAt).to.be.within(2_000, 3_100);
    await target.sleep(600_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
    await target.restoreNetwork('N3'); // never cut: nothing to heal
  });

  it('heals by itself after healAfterMs with no further call (the dead-man timer)', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { healAfterMs: 45_000 });
    const polls = await timeline(target, 50_000, 250);
    expect(distinct(polls.map((p) => p.nodes.N2.State))).to.deep.equal(['Up', 'Down', 'Joining', 'Up']);
    expect(polls.find((p) => p.nodes.N2.State === 'Joining')!.t).to.be.within(45_000, 45_250);
    await target.isolateNetwork('N2', { healAfterMs: 1_000 }); // healed: it may be cut again
  });

  it('removes nothing when the cut heals before SameSubnetThreshold heartbeats are missed', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { healAfterMs: 8_000 });
    for (const p of await timeline(target, 30_000)) expect(p.nodes.N2).to.deep.equal(up);
    expect(await target.collectEvents()).to.deep.equal([]);
  });

  it('counts a network removal toward quarantine like a crash', async () => {
    const target = lab();
    await crashAndRejoin(target, 'N2');
    await crashAndRejoin(target, 'N2');
    await target.isolateNetwork('N2', { healAfterMs: 60_000 });
    const poll = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(poll.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: ['Quarantined'] });
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1672);
  });

  it('breaks off a join across a new cut: the joining node is removed again', async () => {
    const target = lab();
    await target.killClusterService('N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Joining', 70_000);
    await target.isolateNetwork('N2', { healAfterMs: 30_000 });
    expect((await target.poll()).nodes.N2).to.deep.equal(isolated);
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 35_000);
    expect(back.vms.web01).to.deep.include({ OwnerNode: 'N2', StatusInformation: [] });
  });

  describe('refuses', () => {
    const refused = async (call: Promise<unknown>, text: string) => {
      const error = await rejection(call);
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.contain(text);
    };

    it('an unknown node or peer, naming the known ones', async () => {
      const target = lab();
      await refused(target.isolateNetwork('N9', { healAfterMs: 1_000 }), 'N1, N2, N3');
      await refused(target.isolateNetwork('N2', { peers: ['N9'], healAfterMs: 1_000 }), 'no node N9 in the cluster (nodes: N1, N2, N3)');
      await refused(target.restoreNetwork('N9'), 'N9');
    });

    it('an empty peer list, the node itself as a peer, a peer listed twice', async () => {
      const target = lab();
      await refused(target.isolateNetwork('N2', { peers: [], healAfterMs: 1_000 }), 'the peer list for N2 is empty');
      await refused(target.isolateNetwork('N2', { peers: ['N2'], healAfterMs: 1_000 }), 'N2 cannot be cut off from itself');
      await refused(target.isolateNetwork('N2', { peers: ['N1', 'N1'], healAfterMs: 1_000 }), 'peer N1 is listed twice');
    });

    it('a node already cut, and a healAfterMs that is not a finite number ≥ 0', async () => {
      const target = lab();
      await refused(target.isolateNetwork('N2', { healAfterMs: -1 }), 'healAfterMs');
      await refused(target.isolateNetwork('N2', { healAfterMs: Number.POSITIVE_INFINITY }), 'healAfterMs');
      await target.isolateNetwork('N2', { peers: ['N3'], healAfterMs: 60_000 });
      await refused(target.isolateNetwork('N2', { healAfterMs: 1_000 }), 'N2 is already cut off from N3');
    });

    it('and changes nothing when it refuses', async () => {
      const target = lab();
      await rejection(target.isolateNetwork('N2', { peers: ['N1', 'N9'], healAfterMs: 1_000 }));
      for (const p of await timeline(target, 20_000, 1_000)) expect(p.nodes.N2).to.deep.equal(up);
    });
  });
});
