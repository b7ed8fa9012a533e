import { expect } from 'chai';
import { crashUntilQuarantined, lab, slowNetwork, timeline, waitFor } from './lab.js';

/**
 * Defects of what a VM shows on a quarantined or gracefully stopping node, and of where a failed-over VM
 * restarts (issue 13, items 2 and 3). Each test shows the deviation and, where it matters, the documented
 * behaviour without the defect.
 */
describe('sim: defects of VMs on a leaving node and of failover placement', () => {
  it('without defects: on a quarantined node an SMB VM is Unmonitored and a CSV VM critical until each moved', async () => {
    const target = lab({ liveMigration: slowNetwork });
    await crashUntilQuarantined(target, 'N2');
    const polls = (await timeline(target, 20_000, 200)).filter((p) => p.nodes.N2.StatusInformation.includes('Quarantined'));
    const onN2 = polls.filter((p) => p.vms.web01.OwnerNode === 'N2');
    expect(onN2).to.not.be.empty;
    for (const p of onN2) expect(p.vms.web01).to.include({ State: 'Running' }).and.deep.include({ StatusInformation: ['Unmonitored'] });
    for (const p of polls.filter((q) => q.vms.sql01.OwnerNode === 'N2')) expect(p.vms.sql01.State).to.be.oneOf(['RunningCritical', 'PausedCritical']);
  });

  it('smb-paused-in-quarantine: an SMB VM goes PausedCritical on its quarantined node', async () => {
    const target = lab({ defects: ['smb-paused-in-quarantine'], liveMigration: slowNetwork });
    await crashUntilQuarantined(target, 'N2');
    const paused = await waitFor(target, (p) => p.vms.web01.State === 'PausedCritical', 5_000);
    expect(paused.vms.web01.OwnerNode).to.equal('N2');
    expect(paused.nodes.N2.StatusInformation).to.include('Quarantined');
  });

  it('csv-running-in-quarantine: a CSV VM runs on, neither RunningCritical nor PausedCritical, on its quarantined node', async () => {
    const target = lab({ defects: ['csv-running-in-quarantine'], liveMigration: slowNetwork });
    await crashUntilQuarantined(target, 'N2');
    const polls = (await timeline(target, 10_000, 200)).filter((p) => p.vms.sql01.OwnerNode === 'N2');
    expect(polls).to.not.be.empty;
    for (const p of polls) expect(p.vms.sql01.State).to.equal('Running');
  });

  it('unmonitored-on-graceful-stop: the VMs of a node being stopped gracefully are Unmonitored until they move', async () => {
    const target = lab({ defects: ['unmonitored-on-graceful-stop'], liveMigration: slowNetwork });
    await target.stopClusterNode('N2');
    const first = await target.poll();
    expect(first.nodes.N2.State).to.equal('Paused');
    expect(first.vms.web01).to.deep.include({ State: 'Running', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 300_000, 1000);
    expect(moved.vms.web01.StatusInformation).to.deep.equal([]);
  });

  it('restart-on-down-node: a failed-over VM shows Starting on its own Down node, and runs there once it rejoined', async () => {
    const target = lab({ defects: ['restart-on-down-node'] });
    await target.setSettings({ ResiliencyDefaultPeriod: 0 });
    await target.killClusterService('N2');
    const starting = await waitFor(target, (p) => p.nodes.N2.State === 'Down' && p.vms.web01.State === 'Starting', 30_000);
    expect(starting.vms.web01.OwnerNode).to.equal('N2');
    const running = await waitFor(target, (p) => p.vms.web01.State === 'Running', 300_000, 1000);
    expect(running.vms.web01.OwnerNode).to.equal('N2');
    expect(running.nodes.N2.State).to.equal('Up');
  });
});
