import { expect } from 'chai';
import { lab, nodeNames, timeline, waitFor } from './lab.js';

const isolated = { State: 'Down', StatusInformation: ['Isolated'] };
const up = { State: 'Up', StatusInformation: [] };
const distinct = <T>(xs: T[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

describe('sim: an asymmetric partition (isolateNetwork with peers)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`removes only the node cut off from its peer; the peer, which lost only it, stays Up (seed ${seed})`, async () => {
      const target = lab({ seed });
      await target.isolateNetwork('N2', { peers: ['N3'], healAfterMs: 60_000 });
      const removed = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
      expect(removed.nodes).to.deep.equal({ N1: up, N2: isolated, N3: up });
      expect(removed.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
      const events = await target.collectEvents();
      expect(events.map((e) => e.id)).to.deep.equal([1135, 1673, 1681, 5120]);
      expect(events[0].message).to.contain("Cluster node 'N2' was removed");
      expect(removed.t).to.be.within(9_000, 12_100);
    });
  }

  it('keeps the node out while the cut lasts (its join needs every member), and lets it join when the cut heals', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { peers: ['N3'], healAfterMs: 60_000 });
    const polls = await timeline(target, 65_000, 500);
    expect(distinct(polls.map((p) => p.nodes.N2.State))).to.deep.equal(['Up', 'Down', 'Joining', 'Up']);
    for (const p of polls) expect(p.nodes.N1).to.deep.equal(up);
    for (const p of polls) expect(p.nodes.N3).to.deep.equal(up);
    expect(polls.find((p) => p.nodes.N2.State === 'Joining')!.t).to.be.within(60_000, 60_500);
    expect(polls.at(-1)!.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });

  it('removes the node that lost heartbeats with the most members: N1 cut off from two of three peers', async () => {
    const target = lab({ nodes: nodeNames(4) });
    await target.isolateNetwork('N1', { peers: ['N2', 'N3'], healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => Object.values(p.nodes).some((n) => n.State !== 'Up'), 15_000, 10);
    expect(removed.nodes).to.deep.equal({ N1: isolated, N2: up, N3: up, N4: up });
    expect(removed.vms.app01).to.deep.include({ OwnerNode: 'N1', StatusInformation: ['Unmonitored'] });
  });

  it('removes a peer instead when it is the one that lost heartbeats with more members', async () => {
    const target = lab({ nodes: nodeNames(4) });
    await target.isolateNetwork('N1', { peers: ['N2'], healAfterMs: 60_000 });
    await target.isolateNetwork('N3', { peers: ['N2'], healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => Object.values(p.nodes).some((n) => n.State !== 'Up'), 15_000, 10);
    expect(removed.nodes).to.deep.equal({ N1: up, N2: isolated, N3: up, N4: up });
    await target.sleep(20_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(isolated);
  });

  it('at ResiliencyLevel 1, declares the partitioned node Down and fails its VMs over', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.isolateNetwork('N2', { peers: ['N1'], healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
    expect(removed.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
    expect(removed.vms.web01).to.deep.include({ State: 'Starting', StatusInformation: [] });
    expect(removed.vms.web01.OwnerNode).to.not.equal('N2');
  });

  it('treats peers naming every other node as a full isolation', async () => {
    const target = lab();
    await target.isolateNetwork('N2', { peers: ['N3', 'N1'], healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
    expect(removed.nodes).to.deep.equal({ N1: up, N2: isolated, N3: up });
  });
});
