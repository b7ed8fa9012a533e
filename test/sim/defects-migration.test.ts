import { expect } from 'chai';
import type { SimTarget } from '../../src/targets/sim/index.js';
import { guestCrashProbability } from '../../src/targets/sim/migration-defects.js';
import { OperationError, type DrainValue } from '../../src/targets/target.js';
import type { VmDescription, VmDisk } from '../../src/trace/records.js';
import { lab, nodeNames, rejection, slowNetwork } from './lab.js';

/** Four nodes; N1 hosts four 4 GB VMs. */
const fourVms: VmDescription[] = ['a', 'b', 'c', 'd'].map((x) => ({ name: `vm-${x}`, owner: 'N1', storage: 'smb' as const, memoryGB: 4 }));

const disks = (count: number, disk: VmDisk): VmDisk[] => Array.from({ length: count }, () => ({ ...disk }));
const dynamicWritten: VmDisk = { type: 'dynamic', controller: 'scsi', writes: true };

/** Live-migrate `vm` between N1 and N2 `times` times; the iterations (1-based) at which the guest crashed (18590). */
async function crashesOver(target: SimTarget, vm: string, times: number): Promise<number[]> {
  const crashes: number[] = [];
  for (let i = 1; i <= times; i++) {
    const value = await target.liveMigrate(vm, i % 2 ? 'N2' : 'N1');
    const crashed = (await target.collectEvents()).filter((e) => e.id === 18590);
    if (crashed.length) {
      crashes.push(i);
      expect(crashed.map((e) => e.node)).to.deep.equal([value.target]); // on the target, after the switch-over
    }
  }
  return crashes;
}

const raceLab = (vmDisks: VmDisk[], options: { seed?: number; defects?: string[] } = {}) =>
  lab({
    nodes: nodeNames(2).concat('N3'),
    vms: [{ name: 'sql01', owner: 'N1', storage: 'smb', memoryGB: 2, disks: vmDisks }],
    defects: options.defects ?? ['storvsc-race'],
    seed: options.seed,
  });

describe('sim: live-migration defect profiles', () => {
  describe('storvsc-race (KB2636573)', () => {
    it('gives a guest-crash probability per migration from the disks: dynamic SCSI with writes likeliest, IDE never', () => {
      expect(guestCrashProbability([dynamicWritten])).to.be.closeTo(1 / 12_000, 1e-12);
      expect(guestCrashProbability([{ type: 'dynamic', controller: 'scsi', writes: false }])).to.be.closeTo(1 / 60_000, 1e-12);
      expect(guestCrashProbability([{ type: 'fixed', controller: 'scsi', writes: true }])).to.be.closeTo(1 / 500_000, 1e-12);
      expect(guestCrashProbability([{ type: 'dynamic', controller: 'ide', writes: true }])).to.equal(0);
      expect(guestCrashProbability([])).to.equal(0);
      // more disks, more likely: 1 − (1 − p)²
      expect(guestCrashProbability([dynamicWritten, dynamicWritten])).to.be.closeTo(1 - (1 - 1 / 12_000) ** 2, 1e-12);
    });

    it('crashes the guest now and then as its migration ends: 18590 on the target, the migration succeeds, the VM runs on', async () => {
      // 120 dynamic SCSI disks written to: about 1 % per migration
      const target = raceLab(disks(120, dynamicWritten));
      const crashes = await crashesOver(target, 'sql01', 1_000);
      expect(crashes.length).to.be.within(3, 30);
      expect((await target.poll()).vms.sql01).to.deep.include({ State: 'Running', GroupState: 'Online' });
      // The event, as Hyper-V writes it
      const again = raceLab(disks(120, dynamicWritten));
      await crashesOver(again, 'sql01', crashes[0] - 1);
      await again.liveMigrate('sql01', crashes[0] % 2 ? 'N2' : 'N1');
      const [event] = (await again.collectEvents()).filter((e) => e.id === 18590);
      expect(event).to.include({ level: 'Critical', provider: 'Microsoft-Windows-Hyper-V-Worker', log: 'Microsoft-Windows-Hyper-V-Worker-Admin' });
      expect(event.message).to.match(
        /^'sql01' has encountered a fatal error\. The guest operating system reported that it failed with the following error codes: ErrorCode0: 0xD1, ErrorCode1: /,
      );
    });

    it('crashes at the same migrations for the same seed, at others for another seed', async () => {
      const a = await crashesOver(raceLab(disks(120, dynamicWritten), { seed: 7 }), 'sql01', 600);
      const b = await crashesOver(raceLab(disks(120, dynamicWritten), { seed: 7 }), 'sql01', 600);
      const c = await crashesOver(raceLab(disks(120, dynamicWritten), { seed: 8 }), 'sql01', 600);
      expect(a.length).to.be.greaterThan(0);
      expect(b).to.deep.equal(a);
      expect(c).to.not.deep.equal(a);
    });

    it('is far rarer with fixed disks, never on IDE, and never without the defect', async () => {
      expect(await crashesOver(raceLab(disks(120, { type: 'fixed', controller: 'scsi', writes: true })), 'sql01', 1_000)).to.have.length.below(2);
      expect(await crashesOver(raceLab(disks(120, { type: 'dynamic', controller: 'ide', writes: true })), 'sql01', 1_000)).to.deep.equal([]);
      expect(await crashesOver(raceLab(disks(120, dynamicWritten), { defects: [] }), 'sql01', 1_000)).to.deep.equal([]);
    });
  });

  describe('missing-shared-storage-path', () => {
    it('fails every live migration in setup with 21502 (0x80070002) and 21111; the VM stays on its source', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects: ['missing-shared-storage-path'], liveMigrationJitter: 0 });
      const error = await rejection(target.liveMigrate('vm-a', 'N2'));
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.equal(
        "live migration of 'vm-a' to N2 failed in Setup: failed to verify collection registry for virtual machine 'vm-a' (0x80070002); vm-a stays on N1",
      );
      expect((error as OperationError).value).to.deep.equal({
        vm: 'vm-a',
        source: 'N1',
        target: 'N2',
        transport: 'SMBDirect',
        network: 'Cluster Network 1', // the one network of a description without cluster.networks
        startedAt: 0,
        queuedMs: 0,
        setupMs: 2_200, // 2 s, and 4 GB registered with the RDMA NICs at 50 ms per GB
        totalMs: 2_200,
        bytes: 0,
        wireBytes: 0,
        failedIn: 'Setup',
      });
      expect((await target.poll()).vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
      const events = (await target.collectEvents()).filter((e) => e.id !== 1641);
      expect(events.map((e) => [e.node, e.id, e.log])).to.deep.equal([
        ['N1', 21502, 'Microsoft-Windows-Hyper-V-High-Availability-Admin'],
        ['N1', 21111, 'Microsoft-Windows-Hyper-V-High-Availability-Admin'],
      ]);
      expect(events[0].message).to.contain(
        "Failed to verify collection registry for virtual machine 'vm-a': The system cannot find the file specified. (0x80070002)",
      );
      expect(events[1].message).to.equal("Live migration of 'vm-a' failed.");
    });

    it('therefore fails drains: Suspend-ClusterNode -Drain rejects, and Stop-ClusterNode leaves the node Paused with DrainFailed', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects: ['missing-shared-storage-path'] });
      const error = await rejection(target.suspendNode('N1', { drain: true }));
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.match(/^Suspend-ClusterNode -Drain of N1 failed: the live migration of vm-a failed: .*0x80070002.*; N1 stays Paused$/);
      expect(((error as OperationError).value as DrainValue).migrations.map((m) => [m.vm, m.failedIn])).to.deep.equal([['vm-a', 'Setup']]);
      const poll = await target.poll();
      expect(poll.nodes.N1).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainFailed'] });
      for (const vm of fourVms) expect(poll.vms[vm.name].OwnerNode).to.equal('N1');
      await target.resumeNode('N1', { failback: false });
      await target.stopClusterNode('N1');
      await target.sleep(60_000);
      expect((await target.poll()).nodes.N1).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainFailed'] });
    });

    it('without the defect, the same migration succeeds', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms });
      expect((await target.liveMigrate('vm-a', 'N2')).target).to.equal('N2');
      expect((await target.collectEvents()).map((e) => e.id)).to.deep.equal([1641]);
    });
  });

  describe('lm-stall', () => {
    /** Migrate vm-a back and forth with a timeout; the first iteration whose migration did not complete. */
    async function firstStall(seed: number, defects: string[]): Promise<{ iteration: number; error: OperationError; target: SimTarget } | undefined> {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects, seed });
      for (let i = 1; i <= 2_000; i++) {
        try {
          await target.liveMigrate('vm-a', i % 2 ? 'N2' : 'N1', { timeoutMs: 600_000 });
        } catch (e) {
          return { iteration: i, error: e as OperationError, target };
        }
      }
      return undefined;
    }

    it('now and then one pre-copy pass never ends; the migration is cancelled at its timeout and the VM stays', async () => {
      const stall = (await firstStall(1, ['lm-stall']))!;
      expect(stall).to.not.equal(undefined);
      expect(stall.error).to.be.instanceOf(OperationError);
      expect(stall.error.message).to.match(/did not complete within 600 s; cancelled \(Move-ClusterVirtualMachineRole -Cancel\); vm-a stays on N[12]$/);
      expect(stall.error.value).to.include({ failedIn: 'PreCopy', totalMs: 600_000 });
      const source = stall.iteration % 2 ? 'N1' : 'N2';
      expect((await stall.target.poll()).vms['vm-a']).to.deep.include({ State: 'Running', OwnerNode: source });
      // the same seed stalls at the same iteration
      expect((await firstStall(1, ['lm-stall']))!.iteration).to.equal(stall.iteration);
    });

    it('never stalls without the defect', async () => {
      expect(await firstStall(1, [])).to.equal(undefined);
    });
  });

  describe('long-blackout', () => {
    it('completes migrations with a 60–70 s blackout and writes 20417 on the target', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects: ['long-blackout'] });
      const value = await target.liveMigrate('vm-a', 'N3');
      expect(value.blackoutMs).to.be.within(60_000, 70_000);
      expect((await target.poll()).vms['vm-a'].OwnerNode).to.equal('N3');
      const events = (await target.collectEvents()).filter((e) => e.id === 20417);
      expect(events.map((e) => [e.node, e.level])).to.deep.equal([['N3', 'Warning']]);
      expect(events[0].message).to.equal(
        `Live migration of 'vm-a' succeeded with an unexpectedly long blackout time of ${(value.blackoutMs! / 1000).toFixed(1)} seconds.`,
      );
    });

    it('without the defect the blackout is well under a second and no 20417 is written', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms });
      expect((await target.liveMigrate('vm-a', 'N3')).blackoutMs).to.be.below(1_000);
      expect((await target.collectEvents()).map((e) => e.id)).to.not.include(20417);
    });
  });

  describe('migration-limit-ignored', () => {
    const all = (target: SimTarget) => Promise.all(['a', 'b', 'c', 'd'].map((x, i) => target.liveMigrate(`vm-${x}`, `N${2 + (i % 3)}`)));

    it('starts every requested migration at once', async () => {
      const values = await all(lab({ nodes: nodeNames(4), vms: fourVms, defects: ['migration-limit-ignored'] }));
      expect(values.map((v) => v.queuedMs)).to.deep.equal([0, 0, 0, 0]);
    });

    it('without the defect, two wait for a slot', async () => {
      const values = await all(lab({ nodes: nodeNames(4), vms: fourVms }));
      expect(values.map((v) => v.queuedMs! > 0)).to.deep.equal([false, false, true, true]);
    });
  });

  describe('pass-limit-ignored', () => {
    // 8 GB dirtying 100 MiB/s over 1 GbE: the remainder shrinks slowly, so pre-copy is cut off by the pass limit
    const busy: VmDescription[] = [{ name: 'busy01', owner: 'N1', storage: 'smb', memoryGB: 8, dirtyMBps: 100 }];
    const passes = async (defects: string[], hostVersion?: '2008R2') =>
      (await lab({ nodes: nodeNames(3), vms: busy, liveMigration: slowNetwork, defects, hostVersion }).liveMigrate('busy01', 'N2')).passes;

    it('goes on copying past 5 passes (10 on 2008 R2) until the remainder converges', async () => {
      expect(await passes(['pass-limit-ignored'])).to.be.greaterThan(10);
      expect(await passes(['pass-limit-ignored'], '2008R2')).to.be.greaterThan(10);
    });

    it('without the defect, stops at the pass limit', async () => {
      expect(await passes([])).to.equal(5);
      expect(await passes([], '2008R2')).to.equal(10);
    });
  });

  describe('owner-not-moved', () => {
    it('completes the migration, but the VM group stays owned by the source', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects: ['owner-not-moved'] });
      const value = await target.liveMigrate('vm-a', 'N3');
      expect(value).to.include({ source: 'N1', target: 'N3' }).and.not.have.property('failedIn');
      expect((await target.poll()).vms['vm-a'].OwnerNode).to.equal('N1');
    });

    it('without the defect the target owns it', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms });
      await target.liveMigrate('vm-a', 'N3');
      expect((await target.poll()).vms['vm-a'].OwnerNode).to.equal('N3');
    });
  });
});
