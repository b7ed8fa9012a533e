import { expect } from 'chai';
import { createSimTarget, type SimTarget } from '../../src/targets/sim/index.js';
import { OperationError } from '../../src/targets/target.js';
import type { ClusterDescription, VmDescription } from '../../src/trace/records.js';
import { fastNetwork, labSimulator, rejection, waitFor } from './lab.js';

/** Three nodes, a CSV and a share: sql01 (N1) and app01 (N2) on CSV1, web01 (N1) and web02 (N2) on the share. */
const SHARE = String.raw`\\fs01\vms`;
const storage: NonNullable<ClusterDescription['storage']> = [
  { name: 'CSV1', kind: 'csv' },
  { name: SHARE, kind: 'smb' },
];
const vms: VmDescription[] = [
  { name: 'sql01', owner: 'N1', storage: 'csv-block', volume: 'CSV1', memoryGB: 16 },
  { name: 'app01', owner: 'N2', storage: 'csv-block', volume: 'CSV1', memoryGB: 8 },
  { name: 'web01', owner: 'N1', storage: 'smb', volume: SHARE, memoryGB: 4 },
  { name: 'web02', owner: 'N2', storage: 'smb', volume: SHARE, memoryGB: 4 },
];

function storageLab(o: { vms?: VmDescription[]; storage?: ClusterDescription['storage'] | null; defects?: string[] } = {}): SimTarget {
  return createSimTarget({
    cluster: {
      name: 'LAB',
      nodes: ['N1', 'N2', 'N3'],
      vms: o.vms ?? vms,
      liveMigration: fastNetwork,
      ...(o.storage === null ? {} : { storage: o.storage ?? storage }),
    },
    simulator: labSimulator,
    seed: 1,
    defects: o.defects,
  });
}

const states = async (t: SimTarget) => Object.fromEntries(Object.entries((await t.poll()).vms).map(([name, vm]) => [name, vm.State]));

describe('sim: storage failures (fail-storage, fail-storage-path)', () => {
  it('a CSV lost for every node: its VMs run until their next I/O, then PausedCritical; the share\'s VMs run on; all resume when it returns', async () => {
    const t = storageLab();
    await t.failStorage('CSV1', { healAfterMs: 60_000 });
    // Nothing has noticed yet: the VMs pause at their next disk I/O (vmIoInterval 200 ms–2 s)
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'Running', web01: 'Running', web02: 'Running' });
    await t.sleep(2_001);
    expect(await states(t)).to.deep.equal({ sql01: 'PausedCritical', app01: 'PausedCritical', web01: 'Running', web02: 'Running' });
    const poll = await t.poll();
    // Still their node's, still monitored: their nodes are members
    expect(poll.vms.sql01).to.deep.equal({ State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
    await t.sleep(58_000);
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'Running', web01: 'Running', web02: 'Running' });
  });

  it('logs 5157 and 5142 on every node when a CSV is lost [EVT]', async () => {
    const t = storageLab();
    await t.collectEvents();
    await t.failStorage('CSV1', { healAfterMs: 60_000 });
    const events = await t.collectEvents();
    for (const node of ['N1', 'N2', 'N3']) {
      expect(events.filter((e) => e.node === node).map((e) => e.id)).to.deep.equal([5157, 5142]);
    }
    expect(events[0]!.message).to.contain("Cluster Shared Volume 'CSV1'");
  });

  it('logs Hyper-V-StorageVSP-Admin 6 (an I/O failure) on its host as each VM is paused by its failed I/O, and none for a VM still running', async () => {
    const t = storageLab();
    await t.collectEvents();
    await t.failStorage('CSV1', { healAfterMs: 60_000 });
    await t.sleep(2_001);
    const io = (await t.collectEvents()).filter((e) => e.provider === 'Microsoft-Windows-Hyper-V-StorageVSP');
    expect(io.map((e) => [e.node, e.id, e.log, e.level]).sort()).to.deep.equal([
      ['N1', 6, 'Microsoft-Windows-Hyper-V-StorageVSP-Admin', 'Error'],
      ['N2', 6, 'Microsoft-Windows-Hyper-V-StorageVSP-Admin', 'Error'],
    ]);
    expect(io.map((e) => e.message).sort()).to.deep.equal([
      String.raw`Storage device 'CSV1\app01\app01.vhdx' received an IO failure with error = 0xC000020C.`,
      String.raw`Storage device 'CSV1\sql01\sql01.vhdx' received an IO failure with error = 0xC000020C.`,
    ]);
  });

  it('one node losing its path to a CSV is in redirected access: 5121 on it, and its VMs keep Running', async () => {
    const t = storageLab();
    await t.collectEvents();
    await t.failStorage('CSV1', { node: 'N1', healAfterMs: 60_000 });
    const events = await t.collectEvents();
    expect(events.map((e) => [e.node, e.id])).to.deep.equal([['N1', 5121]]);
    expect(events[0]!.message).to.contain('I/O access will be redirected');
    await t.sleep(30_000);
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'Running', web01: 'Running', web02: 'Running' });
  });

  it('a CSV no node has a path to is lost, however the paths went: the last node losing its path pauses the VMs', async () => {
    const t = storageLab();
    await t.failStorage('CSV1', { node: 'N1', healAfterMs: 600_000 });
    await t.failStorage('CSV1', { node: 'N2', healAfterMs: 600_000 });
    await t.sleep(5_000);
    expect(await states(t)).to.include({ sql01: 'Running', app01: 'Running' });
    await t.failStorage('CSV1', { node: 'N3', healAfterMs: 600_000 });
    await t.sleep(2_001);
    expect(await states(t)).to.include({ sql01: 'PausedCritical', app01: 'PausedCritical' });
    // N3 gets its path back: it coordinates again, and the others are redirected through it
    await t.restoreStorage('CSV1', { node: 'N3' });
    expect(await states(t)).to.include({ sql01: 'Running', app01: 'Running' });
  });

  it("one node losing its path to an SMB share: that node's VMs on it pause, the other node's run on", async () => {
    const t = storageLab();
    await t.failStorage(SHARE, { node: 'N2', healAfterMs: 20_000 });
    await t.sleep(2_001);
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'Running', web01: 'Running', web02: 'PausedCritical' });
    await t.sleep(18_000);
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'Running', web01: 'Running', web02: 'Running' });
  });

  it('after AutomaticCriticalErrorActionTimeout in the pause the VM is powered off, and brought online again once its storage is back', async () => {
    const t = storageLab({ vms: [{ ...vms[0]!, automaticCriticalErrorActionTimeout: 1 }, vms[1]!] });
    await t.failStorage('CSV1', { healAfterMs: 120_000 });
    const paused = await waitFor(t, (p) => p.vms.sql01.State === 'PausedCritical', 3_000, 10);
    const pausedAt = paused.t;
    const off = await waitFor(t, (p) => p.vms.sql01.State === 'Off', 61_000, 100);
    expect(off.t - pausedAt).to.be.within(60_000, 60_100);
    expect(off.vms.sql01).to.deep.equal({ State: 'Off', GroupState: 'Failed', OwnerNode: 'N1', StatusInformation: [] });
    // app01 keeps the default 30 minutes: still paused
    expect(off.vms.app01.State).to.equal('PausedCritical');
    // The storage returns at 120 s: app01 resumes, sql01 starts again on its node
    await t.sleep(120_000 - t.now() + 1);
    const back = await t.poll();
    expect(back.vms.app01.State).to.equal('Running');
    expect(back.vms.sql01.State).to.equal('Starting');
    const running = await waitFor(t, (p) => p.vms.sql01.State === 'Running', 20_000);
    expect(running.vms.sql01.OwnerNode).to.equal('N1');
  });

  it('the default AutomaticCriticalErrorActionTimeout is 30 minutes [INNOV]', async () => {
    const t = storageLab();
    await t.failStorage('CSV1', { healAfterMs: 3_600_000 });
    await t.sleep(2_001 + 30 * 60_000 - 2_100);
    expect(await states(t)).to.include({ sql01: 'PausedCritical' });
    await t.sleep(2_200);
    expect(await states(t)).to.include({ sql01: 'Off' });
  });

  it('with AutomaticCriticalErrorAction None the VM is not paused', async () => {
    const t = storageLab({ vms: [{ ...vms[0]!, automaticCriticalErrorAction: 'None' }, vms[1]!] });
    await t.failStorage('CSV1', { healAfterMs: 60_000 });
    await t.sleep(10_000);
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'PausedCritical' });
  });

  it('without cluster.storage each storage kind implies one volume: csv and smb', async () => {
    const t = storageLab({ storage: null, vms: vms.map(({ volume: _, ...vm }) => vm) });
    await t.failStorage('smb', { healAfterMs: 60_000 });
    await t.sleep(2_001);
    expect(await states(t)).to.deep.equal({ sql01: 'Running', app01: 'Running', web01: 'PausedCritical', web02: 'PausedCritical' });
    await t.failStorage('csv', { healAfterMs: 60_000 });
    await t.sleep(2_001);
    expect(await states(t)).to.include({ sql01: 'PausedCritical', app01: 'PausedCritical' });
  });

  it('refuses a volume the cluster does not have, naming the ones it has', async () => {
    const t = storageLab();
    const e = await rejection(t.failStorage('CSV9', { healAfterMs: 1_000 }));
    expect(e).to.be.instanceOf(OperationError);
    expect(e.message).to.contain('no volume "CSV9" in cluster LAB').and.contain(`CSV1, ${SHARE}`);
  });

  describe('defects', () => {
    it('storage-loss-not-paused: the VMs run on', async () => {
      const t = storageLab({ defects: ['storage-loss-not-paused'] });
      await t.failStorage('CSV1', { healAfterMs: 60_000 });
      await t.sleep(10_000);
      expect(await states(t)).to.include({ sql01: 'Running', app01: 'Running' });
    });

    it('no-resume-after-storage: the paused VMs stay paused', async () => {
      const t = storageLab({ defects: ['no-resume-after-storage'] });
      await t.failStorage('CSV1', { healAfterMs: 10_000 });
      await t.sleep(20_000);
      expect(await states(t)).to.include({ sql01: 'PausedCritical', app01: 'PausedCritical' });
    });

    it('redirected-access-pauses-vm: the VMs of the redirected node pause', async () => {
      const t = storageLab({ defects: ['redirected-access-pauses-vm'] });
      await t.failStorage('CSV1', { node: 'N1', healAfterMs: 60_000 });
      await t.sleep(2_001);
      expect(await states(t)).to.include({ sql01: 'PausedCritical', app01: 'Running' });
    });

    it('critical-timeout-ignored: the VM stays paused past its timeout', async () => {
      const t = storageLab({ vms: [{ ...vms[0]!, automaticCriticalErrorActionTimeout: 1 }], defects: ['critical-timeout-ignored'] });
      await t.failStorage('CSV1', { healAfterMs: 600_000 });
      await t.sleep(120_000);
      expect(await states(t)).to.deep.equal({ sql01: 'PausedCritical' });
    });
  });
});
