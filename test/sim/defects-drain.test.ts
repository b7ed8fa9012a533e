import { expect } from 'chai';
import { crash, crashAndRejoin, crashUntilQuarantined, lab, nodeNames, timeline, waitFor } from './lab.js';

const quarantined = { State: 'Down', StatusInformation: ['Quarantined'] };
const isolated = { State: 'Down', StatusInformation: ['Isolated'] };

describe('sim: defect profiles for quarantine and drains', () => {
  it('quarantine-without-drain: a quarantined node keeps its VMs, unmonitored, and nothing moves', async () => {
    const target = lab({ defects: ['quarantine-without-drain'] });
    await crashUntilQuarantined(target, 'N2');
    await target.sleep(60_000);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect(poll.vms.sql01).to.deep.equal({ State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1672).and.not.include(1641);
  });

  it('quarantine-cap-ignored: quarantines more nodes than MaxQuarantinedPercent allows', async () => {
    const target = lab({ defects: ['quarantine-cap-ignored'], nodes: nodeNames(5) });
    await target.setSettings({ QuarantineThreshold: 1 });
    await crash(target, 'N2');
    const poll = await crash(target, 'N3');
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    expect(poll.nodes.N3).to.deep.equal(quarantined);
  });

  it('no-quarantine: a node removed QuarantineThreshold times within the hour is just Isolated again', async () => {
    const target = lab({ defects: ['no-quarantine'] });
    const poll = await crashUntilQuarantined(target, 'N2');
    expect(poll.nodes.N2).to.deep.equal(isolated);
    expect(poll.vms.web01.StatusInformation).to.deep.equal(['Unmonitored']);
    expect((await target.collectEvents()).map((e) => e.id)).to.not.include(1672);
    expect((await waitFor(target, (p) => p.nodes.N2.State === 'Up', 70_000)).nodes.N2.StatusInformation).to.deep.equal([]);
  });

  it('graceful-counts: a graceful stop counts as an ungraceful exit, so it can quarantine the node', async () => {
    const target = lab({ defects: ['graceful-counts'] });
    await crashAndRejoin(target, 'N2');
    await crashAndRejoin(target, 'N2');
    await target.stopClusterNode('N2');
    const poll = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 20_000, 10);
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1672);
  });

  it('graceful-isolates: a graceful stop isolates the node with its VMs on it instead of draining it', async () => {
    const target = lab({ defects: ['graceful-isolates'] });
    await target.stopClusterNode('N2');
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(isolated);
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.deep.equal([7036, 1135, 1673, 1681, 5120]);
    // Not restarted (a stop on purpose): Down after ResiliencyDefaultPeriod, and the VMs fail over.
    const down = await waitFor(target, (p) => p.nodes.N2.StatusInformation.length === 0, 250_000);
    expect(down.vms.web01.OwnerNode).to.not.equal('N2');
  });

  it('failover-instead-of-drain: a graceful stop fails the VMs over (Off, then Starting elsewhere)', async () => {
    const target = lab({ defects: ['failover-instead-of-drain'] });
    await target.stopClusterNode('N2');
    const poll = await target.poll();
    expect(poll.vms.web01).to.deep.include({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N3' });
    expect(poll.vms.sql01).to.deep.include({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N1' });
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.include(1153).and.not.include(1641);
  });

  it('failover-instead-of-drain: a quarantine fails the VMs over too', async () => {
    const target = lab({ defects: ['failover-instead-of-drain'] });
    const poll = await crashUntilQuarantined(target, 'N2');
    expect(poll.nodes.N2).to.deep.equal(quarantined);
    // the drain (here: a failover) begins once N2's clussvc is back (the lab's SCM restarts it after 60 s)
    const states = (await timeline(target, 90_000)).map((p) => p.vms.web01.State);
    expect(states).to.include('Starting');
  });
});
