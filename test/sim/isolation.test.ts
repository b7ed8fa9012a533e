import { expect } from 'chai';
import type { ClusterEvent } from '../../src/targets/target.js';
import { lab, timeline, waitFor } from './lab.js';

const isolated = { State: 'Down', StatusInformation: ['Isolated'] };
const up = { State: 'Up', StatusInformation: [] };
const distinct = <T>(xs: T[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

describe('sim: a clussvc crash isolates the node (VM Compute Resiliency)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`removes the node after about SameSubnetThreshold × SameSubnetDelay and isolates it (seed ${seed})`, async () => {
      const target = lab({ seed });
      await target.sleep(2_345);
      const killedAt = target.now();
      await target.killClusterService('N2');
      const before = await target.poll();
      expect(before.nodes.N2).to.deep.equal(up);
      const poll = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 50);
      expect(poll.nodes.N2).to.deep.equal(isolated);
      const events = await target.collectEvents();
      const removal = events.find((e) => e.id === 1135)!;
      expect(removal.t - killedAt).to.be.within(9_000, 12_000);
      expect(removal).to.include({ provider: 'Microsoft-Windows-FailoverClustering', level: 'Critical', log: 'System' });
      expect(removal.node).to.not.equal('N2');
      expect(removal.message).to.contain("Cluster node 'N2' was removed from the active failover cluster membership");
    });
  }

  it('logs 7031, then 1135, 1673 and 1681 naming the unmonitored VMs', async () => {
    const target = lab();
    await target.killClusterService('N2');
    await target.sleep(15_000);
    const events = await target.collectEvents();
    const byId = (id: number) => events.filter((e) => e.id === id);
    expect(byId(7031)).to.have.length(1);
    expect(byId(7031)[0]).to.include({ node: 'N2', provider: 'Service Control Manager', level: 'Error' });
    expect(byId(7031)[0].message).to.equal(
      'The Cluster Service service terminated unexpectedly. It has done this 1 time(s). The following corrective action will be taken in 60000 milliseconds: Restart the service.',
    );
    // N2's cluster service is dead: the member that removed it logs the 1673 naming it (issue 14)
    expect(byId(1673)[0]).to.include({ node: 'N1', level: 'Warning', message: "Cluster node 'N2' has entered the isolated state." });
    expect(byId(1681)[0].level).to.equal('Warning');
    expect(byId(1681)[0].message).to.contain("Virtual machines on node 'N2' have entered an unmonitored state").and.contain('web01, sql01');
    expect(events.map((e) => e.id)).to.deep.equal([7031, 1135, 1673, 1681, 5120]);
  });

  it('keeps SMB-backed VMs running while their node is isolated', async () => {
    const target = lab();
    await target.killClusterService('N2');
    await target.sleep(30_000);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(isolated);
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect(poll.vms.app01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
  });

  it('takes a CSV-backed VM RunningCritical at removal, PausedCritical at its next I/O, and Running again on rejoin', async () => {
    const target = lab();
    await target.killClusterService('N2');
    const critical = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(critical.vms.sql01).to.deep.equal({ State: 'RunningCritical', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const removedAt = critical.t;
    const paused = await waitFor(target, (p) => p.vms.sql01.State === 'PausedCritical', 3_000, 10);
    expect(paused.t - removedAt).to.be.at.most(2_010); // within vmIoIntervalMs max
    expect(paused.vms.sql01.StatusInformation).to.deep.equal(['Unmonitored']);
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 70_000);
    expect(back.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });

  it('rejoins through the SCM restart: Joining, then Up, with its VMs monitored again', async () => {
    const target = lab();
    await target.killClusterService('N2');
    await target.sleep(59_000);
    const polls = await timeline(target, 10_000);
    expect(distinct(polls.map((p) => p.nodes.N2.State))).to.deep.equal(['Down', 'Joining', 'Up']);
    const joining = polls.find((p) => p.nodes.N2.State === 'Joining')!;
    const joined = polls.find((p) => p.nodes.N2.State === 'Up')!;
    expect(joining.t).to.be.within(60_000, 60_100);
    expect(joining.nodes.N2).to.deep.equal({ State: 'Joining', StatusInformation: [] });
    expect(joined.t - joining.t).to.be.within(2_000, 3_100);
    expect(joined.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    const ids = (await target.collectEvents()).map((e: ClusterEvent) => e.id);
    expect(ids.slice(-3)).to.deep.equal([7036, 1680, 1682]);
  });

  it('drops the stale incarnation at once when clussvc restarts before the node was removed, then rejoins', async () => {
    const target = lab({ scmRestartDelayMs: 3_000 });
    await target.killClusterService('N2');
    const polls = await timeline(target, 8_000);
    expect(distinct(polls.map((p) => p.nodes.N2.State))).to.deep.equal(['Up', 'Joining', 'Up']);
    expect(polls.find((p) => p.nodes.N2.State === 'Joining')!.t).to.equal(3_000);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.deep.equal([7031, 7036, 1135, 1673, 1681, 5120, 1680, 1682]);
  });

  it('lets startClusterService bring the node back early, and does nothing when clussvc already runs', async () => {
    const target = lab();
    await target.killClusterService('N2', { holdDownMs: 600_000 });
    await target.sleep(20_000);
    await target.startClusterService('N2');
    await target.startClusterService('N2');
    await target.startClusterService('N1');
    expect((await target.poll()).nodes.N2.State).to.equal('Joining');
    await target.sleep(3_000);
    const poll = await target.poll();
    expect(poll.nodes).to.deep.equal({ N1: up, N2: up, N3: up });
    await target.sleep(600_000);
    const events = await target.collectEvents();
    expect(events.filter((e) => e.id === 7036)).to.have.length(1);
    expect((await target.poll()).nodes.N2).to.deep.equal(up);
  });

  it('isolates the node again when clussvc dies while it is joining', async () => {
    const target = lab();
    await target.killClusterService('N2');
    await target.sleep(60_500);
    expect((await target.poll()).nodes.N2.State).to.equal('Joining');
    await target.killClusterService('N2');
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(isolated);
    expect(poll.vms.web01.StatusInformation).to.deep.equal(['Unmonitored']);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids.slice(-4)).to.deep.equal([7031, 1135, 1673, 1681]);
  });

  it('keeps VMs on the other nodes untouched', async () => {
    const target = lab();
    await target.killClusterService('N2', { holdDownMs: 400_000 });
    const polls = await timeline(target, 300_000, 1_000);
    for (const p of polls) expect(p.nodes.N1).to.deep.equal(up);
    for (const p of polls) expect(p.vms.app01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
  });
});
