import { expect } from 'chai';
import { lab, rejection, waitFor } from './lab.js';

const isolated = { State: 'Down', StatusInformation: ['Isolated'] };
const down = { State: 'Down', StatusInformation: [] };

describe('sim: host power loss (power-off-node, power-on-node)', () => {
  it('under AlwaysIsolate: the dead host is Isolated, its VMs unreadable but reported Unmonitored until ResiliencyDefaultPeriod, then restarted elsewhere', async () => {
    const target = lab();
    await target.powerOffNode('N2');
    // At once: nothing on N2 can be read; the members have not noticed yet
    let poll = await target.poll();
    expect(poll.nodes.N2.State).to.equal('Up');
    expect(poll.vms.web01).to.deep.equal({ State: 'Unknown', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    poll = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
    const removedAt = target.now();
    expect(poll.nodes.N2).to.deep.equal(isolated);
    // Dead, whatever their storage: no RunningCritical for the CSV VM, nothing running for the SMB one
    expect(poll.vms.web01).to.deep.equal({ State: 'Unknown', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect(poll.vms.sql01).to.deep.equal({ State: 'Unknown', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    // Still so just before the period ends
    await target.sleep(240_000 - 1_000);
    poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(isolated);
    expect(poll.vms.sql01.StatusInformation).to.deep.equal(['Unmonitored']);
    // Then Down, and both restart on the other nodes
    poll = await waitFor(target, (p) => p.nodes.N2.State === 'Down' && p.nodes.N2.StatusInformation.length === 0, 5_000, 100);
    expect(target.now() - removedAt).to.be.within(239_000, 241_100);
    poll = await waitFor(target, (p) => p.vms.web01.State === 'Running' && p.vms.sql01.State === 'Running', 30_000);
    expect(poll.vms.web01.OwnerNode).to.not.equal('N2');
    expect(poll.vms.sql01.OwnerNode).to.not.equal('N2');
    expect(poll.vms.web01.StatusInformation).to.deep.equal([]);
  });

  it('logs 1135 and 1681 from a surviving node, but no 7031 or 1673: nothing runs on the dark host to write them', async () => {
    const target = lab();
    await target.collectEvents();
    await target.powerOffNode('N2');
    await target.sleep(15_000);
    const events = await target.collectEvents();
    expect(events.map((e) => e.id)).to.include.members([1135, 1681]);
    expect(events.filter((e) => e.node === 'N2')).to.deep.equal([]);
    expect(events.map((e) => e.id)).to.not.include.members([7031, 1673]);
  });

  it('at ResiliencyLevel 1 the dead host goes Down at once and its VMs restart at once: nothing says it is alive', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.powerOffNode('N2');
    const poll = await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
    expect(poll.nodes.N2).to.deep.equal(down);
    const restarted = await waitFor(target, (p) => p.vms.web01.State === 'Running' && p.vms.sql01.State === 'Running', 30_000);
    expect(restarted.vms.web01.OwnerNode).to.not.equal('N2');
  });

  it("a VM's own ResiliencyPeriod restarts it before the node's period ends", async () => {
    const target = lab({
      vms: [
        { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4, resiliencyPeriod: 60 },
        { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
      ],
    });
    await target.powerOffNode('N2');
    await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10);
    await target.sleep(60_000 + 20_000);
    const poll = await target.poll();
    expect(poll.nodes.N2).to.deep.equal(isolated);
    expect(poll.vms.web01).to.include({ State: 'Running' });
    expect(poll.vms.web01.OwnerNode).to.not.equal('N2');
    expect(poll.vms.sql01).to.include({ State: 'Unknown', OwnerNode: 'N2' });
  });

  it('powered on, the host boots (hostBoot), clussvc starts and the node joins, empty', async () => {
    const target = lab();
    await target.powerOffNode('N2');
    await target.sleep(300_000);
    await target.powerOnNode('N2');
    const poweredOnAt = target.now();
    // Booting: still Down, clussvc not yet running
    await target.sleep(60_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(down);
    const poll = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 200_000, 500);
    expect(target.now() - poweredOnAt).to.be.within(90_000, 190_000); // the default boot, 90–180 s, and a join
    expect(poll.vms.web01.OwnerNode).to.not.equal('N2');
    // power-on is idempotent
    await target.powerOnNode('N2');
    expect((await target.poll()).nodes.N2.State).to.equal('Up');
  });

  it('powered on within the period, the node rejoins and its dead VMs are restarted, not monitored as if they ran', async () => {
    const target = lab();
    await target.powerOffNode('N2');
    await target.sleep(20_000);
    await target.powerOnNode('N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 200_000, 500);
    const poll = await waitFor(target, (p) => p.vms.web01.State === 'Running' && p.vms.sql01.State === 'Running', 30_000);
    expect(poll.vms.web01.StatusInformation).to.deep.equal([]);
  });

  it('defects: the dead host Down at once under AlwaysIsolate; its dead VMs reported Running; never restarted after the period', async () => {
    let target = lab({ defects: ['power-loss-fails-over-at-once'] });
    await target.powerOffNode('N2');
    expect((await waitFor(target, (p) => p.nodes.N2.State !== 'Up', 15_000, 10)).nodes.N2).to.deep.equal(down);
    target = lab({ defects: ['dead-vm-reported-running'] });
    await target.powerOffNode('N2');
    expect((await target.poll()).vms.sql01.State).to.equal('Running');
    target = lab({ defects: ['no-failover-after-power-loss'] });
    await target.powerOffNode('N2');
    await target.sleep(300_000);
    expect((await target.poll()).vms.web01).to.include({ State: 'Unknown', OwnerNode: 'N2' });
  });

  it('a second power-off of a dark host changes nothing; restart-node on it is refused', async () => {
    const target = lab();
    await target.powerOffNode('N2');
    await target.powerOffNode('N2');
    const error = await rejection(target.restartNode('N2'));
    expect(error.message).to.contain('N2 is powered off');
  });
});

describe('sim: an OS restart (restart-node)', () => {
  it('defect restart-without-drain: the VMs are saved and restarted elsewhere although DrainOnShutdown is on', async () => {
    const target = lab({ defects: ['restart-without-drain'] });
    const done = target.restartNode('N2');
    const during = await target.poll();
    await done;
    expect(during.vms.web01.State).to.equal('Starting');
  });


  it('with DrainOnShutdown (default) drains the node by live migration, goes Down gracefully, boots and rejoins', async () => {
    const target = lab();
    await target.collectEvents();
    const startedAt = target.now();
    const done = target.restartNode('N2');
    // Drained first, as Stop-ClusterNode does: Paused, its VMs still running on it until they have moved
    const during = await target.poll();
    expect(during.nodes.N2).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainInProgress'] });
    expect(during.vms.web01).to.include({ State: 'Running', OwnerNode: 'N2' });
    await done;
    const poll = await target.poll();
    expect(poll.nodes.N2.State).to.equal('Up');
    expect(target.now() - startedAt).to.be.above(90_000); // a boot at least
    // The VMs moved live: never offline, now elsewhere
    expect(poll.vms.web01).to.include({ State: 'Running' });
    expect(poll.vms.web01.OwnerNode).to.not.equal('N2');
    const events = await target.collectEvents();
    const ids = events.map((e) => e.id);
    expect(ids).to.not.include.members([1135, 1673, 7031]); // not removed, not isolated, not a crash
    expect(ids).to.not.include(1069);
  });

  it('without DrainOnShutdown the VMs go offline (saved) and start elsewhere, the node rejoins', async () => {
    const target = lab();
    await target.setSettings({ DrainOnShutdown: 0 });
    const done = target.restartNode('N2');
    const during = await target.poll();
    await done;
    expect(during.nodes.N2.State).to.equal('Down');
    expect(during.vms.web01.State).to.equal('Starting');
    expect(during.vms.web01.OwnerNode).to.not.equal('N2');
    expect((await target.poll()).nodes.N2.State).to.equal('Up');
  });

  it('rejects as unknown when the node is not back within the timeout', async () => {
    const target = lab();
    const error = await rejection(target.restartNode('N2', { timeoutMs: 30_000 }));
    expect(error.name).to.equal('OperationUnknownError');
    expect(error.message).to.contain('was not back in the cluster within 30 s');
  });
});
