import { expect } from 'chai';
import { createSimTarget } from '../../src/targets/sim/index.js';
import type { VmDescription } from '../../src/trace/records.js';
import { crash, lab, labSimulator, waitFor } from './lab.js';

/** N2 hosts an old VM (configuration version 5.0), a current one (8.0) and one without a version. */
const mixed: VmDescription[] = [
  { name: 'old01', owner: 'N2', storage: 'smb', memoryGB: 4, version: '5.0' },
  { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4, version: '8.0' },
  { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
  { name: 'app01', owner: 'N1', storage: 'smb', memoryGB: 8, version: '5.0' },
];

const unmonitoredOnN2 = { State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] };

describe('sim: VM configuration version (MinimumResilientVmVersion)', () => {
  it('by default keeps every VM resilient, whatever its version: Microsoft documents no minimum [VMVER]', async () => {
    const target = lab({ vms: mixed });
    expect((await target.getSettings()).MinimumResilientVmVersion).to.equal(0);
    const removed = await crash(target, 'N2');
    expect(removed.vms.old01).to.deep.equal(unmonitoredOnN2);
    expect(removed.vms.web01).to.deep.equal(unmonitoredOnN2);
  });

  it('fails a VM below the minimum over at once when its node is Isolated, while current VMs stay there Unmonitored', async () => {
    const target = lab({ vms: mixed });
    await target.setSettings({ MinimumResilientVmVersion: 6 }); // the Technical Preview lab's minimum (lab-observations §1)
    const removed = await crash(target, 'N2');
    expect(removed.nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: ['Isolated'] });
    expect(removed.vms.old01).to.deep.equal({ State: 'Starting', GroupState: 'Pending', OwnerNode: 'N3', StatusInformation: [] });
    expect(removed.vms.web01).to.deep.equal(unmonitoredOnN2);
    expect(removed.vms.sql01).to.deep.include({ State: 'RunningCritical', StatusInformation: ['Unmonitored'] });
    const events = await target.collectEvents();
    expect(events.map((e) => e.id)).to.deep.equal([7031, 1135, 1673, 1681, 1153, 5120]);
    expect(events[3].message).to.contain('web01, sql01').and.not.contain('old01');
    expect(events[4].message).to.contain("'old01' from node 'N2' to node 'N3'");
    const started = await waitFor(target, (p) => p.vms.old01.State === 'Running', 16_000);
    expect(started.vms.old01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
    expect((await target.collectEvents()).map((e) => e.id)).to.deep.equal([1201]); // no 1682: it was never unmonitored
    const back = await waitFor(target, (p) => p.nodes.N2.State === 'Up', 70_000);
    expect(back.vms.old01.OwnerNode).to.equal('N3');
    expect(back.vms.web01).to.deep.include({ OwnerNode: 'N2', StatusInformation: [] });
  });

  it('does the same when the node is isolated by a network cut', async () => {
    const target = lab({ vms: mixed });
    await target.setSettings({ MinimumResilientVmVersion: 6 });
    await target.isolateNetwork('N2', { healAfterMs: 60_000 });
    const removed = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    expect(removed.vms.old01).to.deep.include({ State: 'Starting', OwnerNode: 'N3' });
    expect(removed.vms.web01).to.deep.equal(unmonitoredOnN2);
  });

  it('compares the major version with the setting: raised to 9, an 8.0 VM fails over too; at 0 every VM stays', async () => {
    const raised = lab({ vms: mixed });
    await raised.setSettings({ MinimumResilientVmVersion: 9 });
    const a = await crash(raised, 'N2');
    expect(a.vms.web01).to.deep.include({ State: 'Starting', StatusInformation: [] });
    expect(a.vms.sql01).to.deep.include({ OwnerNode: 'N2', StatusInformation: ['Unmonitored'] }); // no version: current
    const lowered = lab({ vms: mixed });
    await lowered.setSettings({ MinimumResilientVmVersion: 0 });
    const b = await crash(lowered, 'N2');
    expect(b.vms.old01).to.deep.equal(unmonitoredOnN2);
  });

  it('counts a VM at exactly the minimum major version (6.2 against 6) as resilient', async () => {
    const vms: VmDescription[] = [{ name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4, version: '6.2' }];
    const removed = await crash(lab({ vms }), 'N2');
    expect(removed.vms.web01).to.deep.equal(unmonitoredOnN2);
  });

  it('drains an old VM by live migration like the others when its node is quarantined', async () => {
    const target = lab({ vms: mixed });
    await target.setSettings({ QuarantineThreshold: 1 });
    const removed = await crash(target, 'N2');
    expect(removed.nodes.N2.StatusInformation).to.deep.equal(['Quarantined']);
    expect(removed.vms.old01).to.deep.equal(unmonitoredOnN2);
    // drained once N2 can take part: its clussvc back (the lab's SCM restarts it after 60 s), aedbbb7
    const moved = await waitFor(target, (p) => p.vms.old01.OwnerNode !== 'N2', 90_000);
    expect(moved.vms.old01).to.deep.include({ State: 'Running', GroupState: 'Online', StatusInformation: [] });
  });

  it('refuses a VM whose version is not like "8.0"', () => {
    const build = () =>
      createSimTarget({
        cluster: { name: 'LAB', nodes: ['N1'], vms: [{ name: 'web01', owner: 'N1', storage: 'smb', memoryGB: 4, version: 'v8' }] },
        simulator: labSimulator,
        seed: 1,
      });
    expect(build).to.throw(Error, /VM web01 has version "v8"; expected a configuration version such as "8.0"/);
  });
});
