import { expect } from 'chai';
import { lab, labVms, timeline, waitFor } from './lab.js';

describe('sim: failover when the node does not come back', () => {
  it('declares a node held down past ResiliencyDefaultPeriod Down at removal + period and fails its VMs over', async () => {
    const target = lab();
    await target.killClusterService('N2', { holdDownMs: 400_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000);
    expect(removed.nodes.N2.StatusInformation).to.deep.equal(['Isolated']);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const down = await waitFor(target, (p) => p.nodes.N2.StatusInformation.length === 0, 250_000);
    expect(down.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
    const events = await target.collectEvents();
    const attempts = events.filter((e) => e.id === 1153);
    expect(attempts.map((e) => e.t)).to.deep.equal([removedAt + 240_000, removedAt + 240_000]);
    // Placement: fewest VMs first (N3 hosts none), then ties to the node listed first (N1 and N3 both host one).
    expect(down.vms.web01).to.include({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N3' });
    expect(down.vms.sql01).to.include({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N1' });
    expect(down.vms.web01.StatusInformation).to.deep.equal([]);
    const running = await waitFor(target, (p) => p.vms.web01.State === 'Running' && p.vms.sql01.State === 'Running', 16_000);
    expect(running.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
    expect(running.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
    const later = await target.collectEvents();
    const failedOver = later.filter((e) => e.id === 1682);
    expect(failedOver.map((e) => e.message)).to.have.length(2);
    expect(failedOver[0].message).to.contain("which was unmonitored on the isolated node 'N2' has been failed over to another node");
    for (const e of later.filter((x) => x.id === 1201)) expect(e.t - (removedAt + 240_000)).to.be.within(5_000, 15_000);
  });

  it('brings the node back Up and empty after its hold-down ends', async () => {
    const target = lab();
    await target.killClusterService('N2', { holdDownMs: 400_000 });
    await target.sleep(399_000);
    const polls = await timeline(target, 5_000);
    expect(polls.map((p) => p.nodes.N2.State)).to.deep.equal(['Down', 'Joining', 'Up']);
    const last = polls.at(-1)!;
    expect(Object.values(last.vms).filter((vm) => vm.OwnerNode === 'N2')).to.deep.equal([]);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.not.include(1680);
    expect(ids.at(-1)).to.equal(7036);
  });

  it('goes straight Down when ResiliencyDefaultPeriod is 0 and fails the VMs over at once', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyDefaultPeriod: 0 });
    await target.killClusterService('N2');
    const polls = await timeline(target, 15_000);
    expect(polls.map((p) => JSON.stringify(p.nodes.N2))).to.not.include(JSON.stringify({ State: 'Down', StatusInformation: ['Isolated'] }));
    const down = polls.find((p) => p.nodes.N2.State === 'Down')!;
    expect(down.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
    expect(down.vms.web01).to.include({ State: 'Starting', OwnerNode: 'N3' });
    expect(down.vms.web01.StatusInformation).to.deep.equal([]);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.include(1135).and.not.include(1673).and.not.include(1681);
  });

  it('fails a VM with a shorter ResiliencyPeriod over first, while its node is still Isolated', async () => {
    const vms = labVms.map((vm) => (vm.name === 'web01' ? { ...vm, resiliencyPeriod: 30 } : vm));
    const target = lab({ vms });
    await target.killClusterService('N2', { holdDownMs: 400_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const moving = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 40_000);
    expect(moving.t - removedAt).to.be.within(30_000, 30_100);
    expect(moving.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: ['Isolated'] });
    expect(moving.vms.web01).to.include({ State: 'Starting', OwnerNode: 'N3' });
    expect(moving.vms.sql01).to.deep.include({ OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const moved = await waitFor(target, (p) => p.vms.web01.State === 'Running', 16_000);
    expect(moved.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
  });

  it('keeps the per-VM period from firing once the node has rejoined', async () => {
    const vms = labVms.map((vm) => (vm.name === 'web01' ? { ...vm, resiliencyPeriod: 55 } : vm));
    const target = lab({ vms, scmRestartDelayMs: 20_000 });
    await target.killClusterService('N2');
    await target.sleep(120_000);
    const poll = await target.poll();
    expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });
});
