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
    // when the drain begins: once N2's clussvc is back (the lab's SCM restarts it after 60 s) and it can take part
    const paused = await waitFor(target, (p) => p.vms.web01.State === 'PausedCritical', 90_000);
    expect(paused.vms.web01.OwnerNode).to.equal('N2');
    expect(paused.nodes.N2.StatusInformation).to.include('Quarantined');
  });

  it('csv-running-in-quarantine: a CSV VM runs on, neither RunningCritical nor PausedCritical, on its quarantined node', async () => {
    const target = lab({ defects: ['csv-running-in-quarantine'], liveMigration: slowNetwork });
    await crashUntilQuarantined(target, 'N2');
    // the drain begins once N2's clussvc is back (the lab's SCM restarts it after 60 s): watch it from then
    await waitFor(target, (p) => p.vms.sql01.State === 'Running', 90_000);
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

describe('sim: defect migration-pauses-vm (issue 13, item 2: what a VM shows while it is live-migrated on request)', () => {
  /** Every distinct poll while sql01 (CSV) and web01 (SMB) are live-migrated N2 → N3 one after the other, on request. */
  async function duringMigrations(defects: string[]) {
    const target = lab({ defects, liveMigration: slowNetwork });
    const migrations = (async () => [await target.liveMigrate('sql01', 'N3'), await target.liveMigrate('web01', 'N3')])();
    const [values, polls] = await Promise.all([migrations, timeline(target, 300_000, 200)]);
    return { values, polls };
  }

  it('without defects: a VM live-migrated between Up nodes is Running and monitored throughout, on N2, then on N3', async () => {
    const { values, polls } = await duringMigrations([]);
    expect(values.map((v) => v.target)).to.deep.equal(['N3', 'N3']);
    for (const p of polls) {
      for (const vm of [p.vms.sql01, p.vms.web01]) expect(vm).to.deep.include({ State: 'Running', StatusInformation: [] }).and.satisfy((v: { OwnerNode: string }) => ['N2', 'N3'].includes(v.OwnerNode));
    }
  });

  it('migration-pauses-vm: a VM live-migrated on request shows PausedCritical on its Up source during pre-copy, then runs on its target', async () => {
    const { values, polls } = await duringMigrations(['migration-pauses-vm']);
    for (const vm of ['sql01', 'web01'] as const) {
      const paused = polls.filter((p) => p.vms[vm]!.State === 'PausedCritical');
      expect(paused, `${vm} seen PausedCritical`).to.not.be.empty;
      for (const p of paused) {
        expect(p.vms[vm]!.OwnerNode).to.equal('N2');
        expect(p.nodes.N2.State).to.equal('Up');
      }
      expect(polls.at(-1)!.vms[vm]).to.deep.include({ State: 'Running', OwnerNode: 'N3' });
    }
    expect(values.map((v) => v.target)).to.deep.equal(['N3', 'N3']);
  });

  it('migration-pauses-vm: a graceful stop drains its VMs the same way: PausedCritical on the Paused node until each moved', async () => {
    const target = lab({ defects: ['migration-pauses-vm'], liveMigration: slowNetwork });
    await target.stopClusterNode('N2');
    const paused = await waitFor(target, (p) => p.vms.web01.State === 'PausedCritical' || p.vms.sql01.State === 'PausedCritical', 60_000, 200);
    expect(paused.nodes.N2.State).to.equal('Paused');
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2' && p.vms.sql01.OwnerNode !== 'N2', 600_000, 1000);
    for (const vm of [moved.vms.web01, moved.vms.sql01]) expect(vm.State).to.equal('Running');
  });
});
