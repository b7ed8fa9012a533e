import { expect } from 'chai';
import { lab, labVms, timeline, waitFor } from './lab.js';

const withPeriod = (seconds: number) => labVms.map((vm) => (vm.name === 'web01' ? { ...vm, resiliencyPeriod: seconds } : vm));

describe('sim: a VM’s own ResiliencyPeriod', () => {
  it('fails the VM over when its shorter period runs out while its node is cut off and Isolated', async () => {
    const target = lab({ vms: withPeriod(30) });
    await target.isolateNetwork('N2', { healAfterMs: 200_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const moving = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 40_000);
    expect(moving.t - removedAt).to.be.within(30_000, 30_100);
    expect(moving.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: ['Isolated'] });
    expect(moving.vms.web01).to.deep.equal({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N3', StatusInformation: [] });
    expect(moving.vms.sql01).to.deep.include({ OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    await waitFor(target, (p) => p.vms.web01.State === 'Running', 16_000);
    const failedOver = (await target.collectEvents()).filter((e) => e.id === 1682);
    expect(failedOver).to.have.length(1);
    expect(failedOver[0].message).to.contain("Virtual machine 'web01' which was unmonitored on the isolated node 'N2' has been failed over");
  });

  it('has no effect beyond the node going Down when it is longer than ResiliencyDefaultPeriod: the VM fails over with the node', async () => {
    const target = lab({ vms: withPeriod(600) });
    await target.setSettings({ ResiliencyDefaultPeriod: 60 });
    await target.killClusterService('N2', { holdDownMs: 900_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const down = await waitFor(target, (p) => p.nodes.N2.StatusInformation.length === 0, 70_000);
    expect(down.t - removedAt).to.be.within(60_000, 60_100);
    expect(down.vms.web01).to.deep.include({ State: 'Starting', StatusInformation: [] });
    expect(down.vms.web01.OwnerNode).to.not.equal('N2');
    const attempts = (await target.collectEvents()).filter((e) => e.id === 1153);
    expect(attempts.map((e) => e.t)).to.deep.equal([removedAt + 60_000, removedAt + 60_000]);
    // Nothing more happens at its own 600 s
    const running = await waitFor(target, (p) => p.vms.web01.State === 'Running', 16_000);
    for (const p of await timeline(target, 700_000, 5_000)) expect(p.vms.web01).to.deep.equal(running.vms.web01);
  });

  it('does not hold back a VM when its node is declared Down at once (ResiliencyLevel 1, cut off)', async () => {
    const target = lab({ vms: withPeriod(600) });
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.isolateNetwork('N2', { healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.vms.web01).to.deep.include({ State: 'Starting', StatusInformation: [] });
  });

  it('stops counting once the cut heals and the node rejoins', async () => {
    const target = lab({ vms: withPeriod(40) });
    await target.isolateNetwork('N2', { healAfterMs: 25_000 });
    await target.sleep(120_000);
    expect((await target.poll()).vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });
});
