import { expect } from 'chai';
import { liveMigrationDefaults, type SimTarget } from '../../src/targets/sim/index.js';
import { planLiveMigration } from '../../src/targets/sim/lm-timing.js';
import { OperationError, OperationUnknownError, type LiveMigrationValue } from '../../src/targets/target.js';
import type { VmDescription } from '../../src/trace/records.js';
import { fastNetwork, lab, nodeNames, rejection, slowNetwork } from './lab.js';

const GiB = 2 ** 30;

/** Four nodes; N1 hosts four 4 GB VMs, N2 one 16 GB VM. */
const vms: VmDescription[] = [
  ...['a', 'b', 'c', 'd'].map((x) => ({ name: `vm-${x}`, owner: 'N1', storage: 'smb' as const, memoryGB: 4 })),
  { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
];
const fourNodes = (options: Parameters<typeof lab>[0] = {}): SimTarget => lab({ nodes: nodeNames(4), vms, ...options });

/** Live-migrate and add when the migration ended (request time + totalMs; other callers may have moved the clock on since). */
async function timed(target: SimTarget, vm: string, node: string, options = {}): Promise<LiveMigrationValue & { endedAt: number }> {
  const requestedAt = target.now();
  const value = await target.liveMigrate(vm, node, options);
  return { ...value, endedAt: requestedAt + value.totalMs! };
}

describe('sim: live migration (Move-ClusterVirtualMachineRole)', () => {
  it('moves the VM and resolves with every phase, in whole ms, that add up to the total', async () => {
    const target = fourNodes({ liveMigrationJitter: 0 });
    await target.sleep(1_000);
    const v = await target.liveMigrate('vm-a', 'N3');
    expect(v).to.include({ vm: 'vm-a', source: 'N1', target: 'N3', transport: 'SMBDirect', startedAt: 1_000, queuedMs: 0 });
    expect(v).to.not.have.property('failedIn');
    for (const key of ['setupMs', 'blackoutMs', 'cleanupMs', 'totalMs', 'bytes', 'wireBytes', 'passes'] as const) expect(Number.isInteger(v[key]), key).to.equal(true);
    expect(v.passMs).to.have.length(v.passes!);
    expect(v.totalMs).to.equal(v.queuedMs! + v.setupMs! + v.passMs!.reduce((a, b) => a + b, 0) + v.blackoutMs! + v.cleanupMs!);
    expect(target.now()).to.equal(1_000 + v.totalMs!);
    expect(v.bytes).to.be.at.least(4 * GiB);
    expect(v.wireBytes).to.equal(v.bytes); // no compression on SMB Direct
    // Exactly the timing model (no jitter)
    const plan = planLiveMigration({ memoryGB: 4, dirtyMBps: liveMigrationDefaults.dirtyMBps }, fastNetwork, { os: '2012R2+', idleCpuCores: 4 });
    expect(v.setupMs).to.equal(plan.setupMs);
    expect(v.passes).to.equal(plan.passes.length);
    expect(v.totalMs).to.be.closeTo(plan.totalMs, plan.passes.length + 3);
    expect((await target.poll()).vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
    expect((await target.collectEvents()).map((e) => [e.t, e.id, e.node])).to.deep.equal([[1_000, 1641, 'N1']]);
  });

  it('keeps the VM running on its source, which owns it, until the blackout ends; cleanup follows on the target', async () => {
    const target = fourNodes({ liveMigrationJitter: 0 });
    const pending = target.liveMigrate('vm-a', 'N2');
    const v = await pending;
    const switchAt = v.setupMs! + v.passMs!.reduce((a, b) => a + b, 0) + v.blackoutMs!;
    // Replay the same migration on a fresh cluster, polling around the switch-over. The calls are made
    // without awaiting, so the pending live migration does not move the clock in between (each call acts at once).
    const again = fourNodes({ liveMigrationJitter: 0 });
    const replay = again.liveMigrate('vm-a', 'N2');
    void again.sleep(switchAt - 1);
    const before = again.poll();
    void again.sleep(1);
    const after = again.poll();
    expect((await before).vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
    expect((await after).vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    expect(await replay).to.deep.equal(v);
  });

  it('uses the transport asked for, and falls back from Compression to TCP/IP without idle cores', async () => {
    const network = { ...fastNetwork, transport: 'TCPIP' as const, nics: 1, nicGbps: 10 };
    const roomy = fourNodes({ liveMigration: network, idleCpuCores: 8, liveMigrationJitter: 0 });
    const tcp = await roomy.liveMigrate('vm-a', 'N2');
    const compressed = await roomy.liveMigrate('vm-b', 'N2', { transport: 'Compression' });
    expect(tcp.transport).to.equal('TCPIP');
    expect(compressed.transport).to.equal('Compression');
    expect(compressed.wireBytes).to.be.closeTo(compressed.bytes! / 2, 1);
    expect(compressed.totalMs).to.be.below(tcp.totalMs!);
    const busy = fourNodes({ liveMigration: network, idleCpuCores: 1, liveMigrationJitter: 0 });
    const fallback = await busy.liveMigrate('vm-a', 'N2', { transport: 'Compression' });
    expect(fallback.transport).to.equal('TCPIP');
    expect(fallback.totalMs).to.equal(tcp.totalMs);
  });

  it('draws a jitter factor per migration within ±liveMigrationJitter of the model', async () => {
    const target = fourNodes({ liveMigrationJitter: 0.2 });
    const exact = await fourNodes({ liveMigrationJitter: 0 }).liveMigrate('vm-a', 'N2');
    const totals: number[] = [];
    for (let i = 0; i < 20; i++) totals.push((await target.liveMigrate('vm-a', i % 2 ? 'N1' : 'N2')).totalMs!);
    for (const t of totals) expect(t).to.be.within(exact.totalMs! * 0.8 - 5, exact.totalMs! * 1.2 + 5);
    expect(new Set(totals).size).to.be.greaterThan(10);
  });

  it('never lets the jitter push a migration faster than its links: SMB Direct on 2×25 GbE stays under 50 Gbps', async () => {
    // The model runs SMB Direct just under line rate; a factor below 1 must not shorten the transfer past the wire.
    const lineGbps = fastNetwork.nics * fastNetwork.nicGbps;
    let fastest = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const target = fourNodes({ seed, liveMigrationJitter: 0.2 });
      const v = await target.liveMigrate('sql01', 'N3');
      const transferMs = v.passMs!.reduce((a, b) => a + b, 0) + v.blackoutMs!;
      fastest = Math.max(fastest, (v.wireBytes! * 8) / (transferMs * 1e6));
    }
    expect(fastest).to.be.at.most(lineGbps);
    expect(fastest).to.be.above(lineGbps * 0.9); // some draws do go faster than the model, up to the wire
  });

  describe('concurrency limits and the queue', () => {
    it('runs at most MaximumVirtualMachineMigrations (2) from a host at once; the rest wait in FIFO order', async () => {
      const target = fourNodes({ liveMigrationJitter: 0 });
      const [a, b, c, d] = await Promise.all([
        timed(target, 'vm-a', 'N2'),
        timed(target, 'vm-b', 'N3'),
        timed(target, 'vm-c', 'N4'),
        timed(target, 'vm-d', 'N2'),
      ]);
      expect([a.queuedMs, b.queuedMs]).to.deep.equal([0, 0]);
      expect(c.startedAt).to.equal(a.endedAt);
      expect(d.startedAt).to.equal(b.endedAt);
      expect(c.queuedMs).to.equal(a.totalMs);
      expect(d.queuedMs).to.equal(b.totalMs);
    });

    it('counts migrations to a host as well as from it', async () => {
      const target = fourNodes({ liveMigrationJitter: 0 });
      await target.setSettings({ MaximumParallelMigrations: 8 });
      // N3 receives from N1 twice; a third migration to N3 (from N2) waits though N2 sends nothing else
      const [a, b, s] = await Promise.all([timed(target, 'vm-a', 'N3'), timed(target, 'vm-b', 'N3'), timed(target, 'sql01', 'N3')]);
      expect([a.queuedMs, b.queuedMs]).to.deep.equal([0, 0]);
      expect(s.startedAt).to.equal(Math.min(a.endedAt, b.endedAt));
    });

    it('runs one migration at a time in the cluster with MaximumParallelMigrations 1', async () => {
      const target = fourNodes({ liveMigrationJitter: 0 });
      await target.setSettings({ MaximumParallelMigrations: 1 });
      const [a, s] = await Promise.all([timed(target, 'vm-a', 'N3'), timed(target, 'sql01', 'N4')]);
      expect(a.queuedMs).to.equal(0);
      expect(s.startedAt).to.equal(a.endedAt);
    });

    it('raises the per-host limit with MaximumVirtualMachineMigrations', async () => {
      const target = fourNodes({ liveMigrationJitter: 0 });
      await target.setSettings({ MaximumVirtualMachineMigrations: 4, MaximumParallelMigrations: 4 });
      const values = await Promise.all(['a', 'b', 'c', 'd'].map((x, i) => timed(target, `vm-${x}`, `N${2 + (i % 3)}`)));
      expect(values.map((v) => v.queuedMs)).to.deep.equal([0, 0, 0, 0]);
    });

    it('migrates one VM at a time from or to a 2008 R2 host, whatever MaximumVirtualMachineMigrations says (lab §3)', async () => {
      const target = fourNodes({ liveMigrationJitter: 0, hostVersion: '2008R2' });
      await target.setSettings({ MaximumVirtualMachineMigrations: 4, MaximumParallelMigrations: 4 });
      const [a, b] = await Promise.all([timed(target, 'vm-a', 'N2'), timed(target, 'vm-b', 'N3')]);
      expect(a.queuedMs).to.equal(0);
      expect(b.startedAt).to.equal(a.endedAt);
    });

    it('makes progress on several calls in flight at once, in virtual time', async () => {
      const target = fourNodes({ liveMigrationJitter: 0 });
      const [a, s] = await Promise.all([timed(target, 'vm-a', 'N3'), timed(target, 'sql01', 'N4')]);
      expect([a.startedAt, s.startedAt]).to.deep.equal([0, 0]);
      expect(target.now()).to.equal(Math.max(a.endedAt, s.endedAt));
      const poll = await target.poll();
      expect([poll.vms['vm-a'].OwnerNode, poll.vms.sql01.OwnerNode]).to.deep.equal(['N3', 'N4']);
    });
  });

  describe('refusals (nothing happens)', () => {
    const refused = async (target: SimTarget, call: Promise<unknown>, text: RegExp) => {
      const before = await target.poll();
      const error = await rejection(call);
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.match(text);
      expect((await target.poll()).vms).to.deep.equal(before.vms);
      expect((await target.collectEvents()).filter((e) => e.id === 1641)).to.deep.equal([]);
    };

    it('an unknown VM or node, naming the known ones', async () => {
      const target = fourNodes();
      await refused(target, target.liveMigrate('vm-z', 'N2'), /no VM vm-z .*vm-a, vm-b, vm-c, vm-d, sql01/);
      await refused(target, target.liveMigrate('vm-a', 'N9'), /no node N9 .*N1, N2, N3, N4/);
    });

    it('a VM already on that node', async () => {
      const target = fourNodes();
      await refused(target, target.liveMigrate('vm-a', 'N1'), /vm-a already runs on N1/);
    });

    it('a target that cannot host roles (Paused, or its clussvc is down)', async () => {
      const target = fourNodes();
      await target.suspendNode('N3', { drain: false });
      await refused(target, target.liveMigrate('vm-a', 'N3'), /N3 cannot host roles \(Paused\)/);
      await target.killClusterService('N4');
      await refused(target, target.liveMigrate('vm-a', 'N4'), /N4 cannot host roles \(Up, clussvc not running\)/);
    });

    it('a VM that is not online', async () => {
      const target = fourNodes();
      await target.setSettings({ ResiliencyDefaultPeriod: 0 });
      await target.killClusterService('N1', { holdDownMs: 600_000 });
      await target.sleep(11_000); // N1 is removed and Down at once: its VMs fail over and are Starting
      const poll = await target.poll();
      const starting = Object.entries(poll.vms).find(([, vm]) => vm.State === 'Starting')!;
      const elsewhere = ['N2', 'N3', 'N4'].find((n) => n !== starting[1].OwnerNode)!;
      await refused(target, target.liveMigrate(starting[0], elsewhere), /is not online \(State Starting, GroupState Pending\)/);
    });

    it('a VM already on its way somewhere', async () => {
      const target = fourNodes();
      const first = target.liveMigrate('vm-a', 'N2');
      const error = await rejection(target.liveMigrate('vm-a', 'N3'));
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.equal('vm-a is already being live-migrated to N2');
      expect((await first).target).to.equal('N2');
    });
  });

  describe('failure, timeout and cancel', () => {
    it('leaves the VM running on its source when the target dies mid-migration: 21502 and 21111 on the source', async () => {
      const target = fourNodes({ liveMigration: slowNetwork, liveMigrationJitter: 0 });
      // Not awaited, so the pending migration does not move the clock in between: N3 dies at exactly 10 s
      const pending = target.liveMigrate('vm-a', 'N3');
      void target.sleep(10_000);
      void target.killClusterService('N3');
      const error = await rejection(pending);
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.match(/live migration of 'vm-a' to N3 failed in PreCopy: the destination N3 left the cluster; vm-a stays on N1/);
      expect((error as OperationError).value).to.include({ vm: 'vm-a', source: 'N1', target: 'N3', failedIn: 'PreCopy', totalMs: 10_000, setupMs: 2_000 });
      expect((await target.poll()).vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
      const failed = (await target.collectEvents()).filter((e) => e.id === 21502 || e.id === 21111);
      expect(failed.map((e) => [e.node, e.id, e.level, e.provider])).to.deep.equal([
        ['N1', 21502, 'Error', 'Microsoft-Windows-Hyper-V-High-Availability'],
        ['N1', 21111, 'Error', 'Microsoft-Windows-Hyper-V-High-Availability'],
      ]);
    });

    it('cancels a migration still in pre-copy when it does not complete within the timeout; the VM stays', async () => {
      const target = fourNodes({ liveMigration: slowNetwork });
      const error = await rejection(target.liveMigrate('sql01', 'N1', { timeoutMs: 30_000 }));
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.equal(
        "live migration of 'sql01' to N1 did not complete within 30 s; cancelled (Move-ClusterVirtualMachineRole -Cancel); sql01 stays on N2",
      );
      expect((error as OperationError).value).to.include({ failedIn: 'PreCopy', totalMs: 30_000, passes: 0 });
      expect(target.now()).to.equal(30_000);
      expect((await target.poll()).vms.sql01.OwnerNode).to.equal('N2');
      // and the slot is free again
      expect((await target.liveMigrate('vm-a', 'N2')).queuedMs).to.equal(0);
    });

    it('cannot cancel a migration in its blackout: the outcome is unknown and the migration completes', async () => {
      // A VM rewriting all its memory faster than 1 GbE never converges: its blackout copies all 4 GB again (~36 s)
      const busy: VmDescription[] = [{ name: 'busy01', owner: 'N1', storage: 'smb', memoryGB: 4, dirtyMBps: 500, workingSetGB: 4 }];
      const target = lab({ nodes: nodeNames(3), vms: busy, liveMigration: slowNetwork, liveMigrationJitter: 0 });
      const plan = planLiveMigration({ memoryGB: 4, dirtyMBps: 500, workingSetGB: 4 }, slowNetwork, { os: '2012R2+', idleCpuCores: 4 });
      const blackoutStart = plan.setupMs + plan.passes.reduce((a, p) => a + p.ms, 0);
      const error = await rejection(target.liveMigrate('busy01', 'N2', { timeoutMs: Math.ceil(blackoutStart) + 1_000 }));
      expect(error).to.be.instanceOf(OperationUnknownError);
      expect(error.message).to.match(/did not complete within .* s and cannot be cancelled in Blackout; it may still complete/);
      await target.sleep(plan.blackoutMs + plan.cleanupMs);
      expect((await target.poll()).vms.busy01.OwnerNode).to.equal('N2');
    });

    it('writes 20417 on the target when a blackout exceeds 20 s, and never for a well-converged migration', async () => {
      const busy: VmDescription[] = [{ name: 'busy01', owner: 'N1', storage: 'smb', memoryGB: 4, dirtyMBps: 500, workingSetGB: 4 }, ...vms.slice(1, 2)];
      const target = lab({ nodes: nodeNames(3), vms: busy, liveMigration: slowNetwork, liveMigrationJitter: 0 });
      const quiet = await target.liveMigrate('vm-b', 'N3');
      expect(quiet.blackoutMs).to.be.below(1_000);
      expect((await target.collectEvents()).map((e) => e.id)).to.not.include(20417);
      const slow = await target.liveMigrate('busy01', 'N2');
      expect(slow.blackoutMs).to.be.above(20_000);
      const long = (await target.collectEvents()).filter((e) => e.id === 20417);
      expect(long).to.have.length(1);
      expect(long[0]).to.include({ node: 'N2', level: 'Warning', provider: 'Microsoft-Windows-Hyper-V-VMMS', log: 'Microsoft-Windows-Hyper-V-VMMS-Admin' });
      expect(long[0].message).to.equal(`Live migration of 'busy01' succeeded with an unexpectedly long blackout time of ${(slow.blackoutMs! / 1000).toFixed(1)} seconds.`);
    });

    it('cancels every migration when the cluster loses quorum', async () => {
      const target = lab({ nodes: nodeNames(3), vms, liveMigration: slowNetwork });
      const pending = target.liveMigrate('vm-a', 'N2');
      await target.sleep(0);
      await target.killClusterService('N2', { holdDownMs: 600_000 });
      await target.killClusterService('N3', { holdDownMs: 600_000 });
      const error = await rejection(pending);
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.contain("live migration of 'vm-a' to N2");
    });

    it('rejects a stalled migration as unknown after two days of virtual time when no timeout was given', async () => {
      // lm-stall: seed 1's vm-a stalls on one of its first migrations (found by looping; deterministic)
      const target = fourNodes({ defects: ['lm-stall'], liveMigrationJitter: 0 });
      let error: Error | undefined;
      for (let i = 0; i < 2_000 && !error; i++) {
        try {
          await target.liveMigrate('vm-a', i % 2 ? 'N1' : 'N2');
        } catch (e) {
          error = e as Error;
        }
      }
      expect(error).to.be.instanceOf(OperationUnknownError);
      expect(error!.message).to.match(/had not ended after 48 h of virtual time/);
    });
  });
});
