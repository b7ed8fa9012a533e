import { expect } from 'chai';
import type { VmDescription } from '../../src/trace/records.js';
import { crash, lab, labVms, nodeNames, timeline, waitFor } from './lab.js';

const isolated = { State: 'Down', StatusInformation: ['Isolated'] };
const up = { State: 'Up', StatusInformation: [] };

describe('sim: defect profiles for network isolation, VM versions and periods', () => {
  it('level-ignored: at ResiliencyLevel 1 a node cut off from every network is Isolated, not Down; its VMs stay', async () => {
    const target = lab({ defects: ['level-ignored'] });
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.isolateNetwork('N2', { healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.nodes.N2).to.deep.equal(isolated);
    expect(removed.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1673).and.not.include(1153);
  });

  it('vm-period-ignored: a VM with a shorter ResiliencyPeriod waits for the node’s period', async () => {
    const vms = labVms.map((vm) => (vm.name === 'web01' ? { ...vm, resiliencyPeriod: 30 } : vm));
    const target = lab({ vms, defects: ['vm-period-ignored'] });
    await target.killClusterService('N2', { holdDownMs: 400_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    await target.sleep(removedAt + 200_000 - target.now());
    expect((await target.poll()).vms.web01).to.deep.include({ OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 50_000);
    expect(moved.t - removedAt).to.be.within(240_000, 240_100);
    expect(moved.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
  });

  it('old-vms-resilient: a VM below MinimumResilientVmVersion stays Unmonitored on the Isolated node', async () => {
    const vms: VmDescription[] = [{ name: 'old01', owner: 'N2', storage: 'smb', memoryGB: 4, version: '5.0' }];
    const target = lab({ vms, defects: ['old-vms-resilient'] });
    await target.setSettings({ MinimumResilientVmVersion: 6 });
    const removed = await crash(target, 'N2');
    expect(removed.vms.old01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1681).and.not.include(1153);
  });

  it('partition-removes-both: an asymmetric partition removes the node cut off and its peer too (1135 for each)', async () => {
    const target = lab({ nodes: nodeNames(5), defects: ['partition-removes-both'] });
    await target.isolateNetwork('N1', { peers: ['N2'], healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N1.State !== 'Up', 15_000, 10);
    const events = await target.collectEvents();
    const removals = events.filter((e) => e.id === 1135).map((e) => e.message.match(/node '(N\d)'/)![1]);
    expect(removals).to.deep.equal(['N1', 'N2']);
    for (const n of ['N3', 'N4', 'N5']) expect(removed.nodes[n]).to.deep.equal(up);
    // Both are out; N1 now reaches every member left and joins again at once, N2 (cut off from N1) waits for the heal
    expect(removed.nodes.N1).to.deep.equal({ State: 'Joining', StatusInformation: [] });
    expect(removed.nodes.N2).to.deep.equal(isolated);
    expect(removed.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    await target.sleep(50_000);
    expect((await target.poll()).nodes.N2).to.deep.equal(isolated);
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 15_000);
    expect(back.nodes.N1).to.deep.equal(up);
  });

  it('no-network-isolation: a node whose heartbeats are cut is never removed and its VMs stay monitored', async () => {
    const target = lab({ defects: ['no-network-isolation'] });
    await target.isolateNetwork('N2', { healAfterMs: 120_000 });
    for (const p of await timeline(target, 110_000, 1_000)) {
      expect(p.nodes.N2).to.deep.equal(up);
      expect(p.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    }
    expect((await target.collectEvents()).map((e) => e.id)).to.deep.equal([]);
    // A crash still removes it
    await target.killClusterService('N2');
    expect((await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10)).nodes.N2).to.deep.equal(isolated);
  });

  it('behaves as documented without these defects', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyLevel: 1 });
    await target.isolateNetwork('N2', { healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
  });
});
