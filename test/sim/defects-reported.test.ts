import { expect } from 'chai';
import { shortBlackout20417Ms } from '../../src/targets/sim/migration-defects.js';
import type { VmDescription } from '../../src/trace/records.js';
import { lab, nodeNames, waitFor } from './lab.js';

/** Four nodes; N1 hosts four 4 GB VMs. */
const fourVms: VmDescription[] = ['a', 'b', 'c', 'd'].map((x) => ({ name: `vm-${x}`, owner: 'N1', storage: 'smb' as const, memoryGB: 4 }));

/** Issue 13, item 5: the defect profiles behind the three holes "also" named. */
describe('sim: defects the cluster reports wrongly (issue 13)', () => {
  describe('owner-moved-elsewhere', () => {
    it('completes the migration to its target, but a third node, neither source nor target, owns the VM', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects: ['owner-moved-elsewhere'] });
      const value = await target.liveMigrate('vm-a', 'N3');
      expect(value).to.include({ source: 'N1', target: 'N3' }).and.not.have.property('failedIn');
      const vm = (await target.poll()).vms['vm-a'];
      expect(vm).to.include({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2' });
    });

    it('without the defect the target owns it', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms });
      await target.liveMigrate('vm-a', 'N3');
      expect((await target.poll()).vms['vm-a'].OwnerNode).to.equal('N3');
    });
  });

  describe('short-blackout-20417', () => {
    it('switches over in 8–15 s and logs 20417 on the target for that blackout', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms, defects: ['short-blackout-20417'] });
      const value = await target.liveMigrate('vm-a', 'N3');
      expect(value.blackoutMs).to.be.within(shortBlackout20417Ms[0], shortBlackout20417Ms[1]);
      const events = (await target.collectEvents()).filter((e) => e.id === 20417);
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ node: 'N3', provider: 'Microsoft-Windows-Hyper-V-VMMS', log: 'Microsoft-Windows-Hyper-V-VMMS-Admin' });
      expect(events[0]!.message).to.equal(
        `Live migration of 'vm-a' succeeded with an unexpectedly long blackout time of ${(value.blackoutMs! / 1000).toFixed(1)} seconds.`,
      );
    });

    it('without the defect a blackout of a second or less logs no 20417', async () => {
      const target = lab({ nodes: nodeNames(4), vms: fourVms });
      const value = await target.liveMigrate('vm-a', 'N3');
      expect(value.blackoutMs).to.be.below(2000);
      expect((await target.collectEvents()).map((e) => e.id)).to.not.include(20417);
    });
  });

  describe('spurious-isolation-event', () => {
    it('logs 1673 for the member that removed the isolated node too, while that member stays Up', async () => {
      const target = lab({ defects: ['spurious-isolation-event'] });
      await target.killClusterService('N2');
      const isolated = await waitFor(target, (p) => p.nodes.N2.StatusInformation.includes('Isolated'), 15_000);
      const events = (await target.collectEvents()).filter((e) => e.id === 1673);
      expect(events.map((e) => e.message).sort()).to.deep.equal([
        "Cluster node 'N1' has entered the isolated state.",
        "Cluster node 'N2' has entered the isolated state.",
      ]);
      expect(isolated.nodes.N1).to.deep.equal({ State: 'Up', StatusInformation: [] });
    });

    it('without the defect one 1673 is logged, naming the isolated node (by the member that removed it, N2 being dead)', async () => {
      const target = lab();
      await target.killClusterService('N2');
      await waitFor(target, (p) => p.nodes.N2.StatusInformation.includes('Isolated'), 15_000);
      const records = (await target.collectEvents()).filter((e) => e.id === 1673);
      expect(records.map((e) => e.message)).to.deep.equal(["Cluster node 'N2' has entered the isolated state."]);
      expect(records[0]!.node).to.not.equal('N2'); // its clussvc is dead: it cannot log (issue 14)
    });
  });
});
