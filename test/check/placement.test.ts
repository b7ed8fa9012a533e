import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import type { VmDescription } from '../../src/trace/records.js';
import { TraceBuilder } from '../helpers/trace.js';

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

/** N2 crashes at 10 s with ResiliencyDefaultPeriod 0: Down at 20 s, its VMs fail over. */
function failover(vms: VmDescription[], hostMemoryGB?: number): TraceBuilder {
  const b = new TraceBuilder({ vms, settings: { ResiliencyDefaultPeriod: 0 } });
  if (hostMemoryGB !== undefined) b.header.cluster.hostMemoryGB = hostMemoryGB;
  return b.polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
}

describe('checker: placement', () => {
  describe('No Auto Start (Priority 0)', () => {
    const vms: VmDescription[] = [{ name: 'batch', owner: 'N2', storage: 'smb', memoryGB: 4, priority: 'NoAutoStart' }];

    it('passes a No Auto Start VM that fails over and stays Offline on another node', () => {
      const b = failover(vms);
      b.node('N2', 'Down').vm('batch', 'Off', { GroupState: 'Offline', OwnerNode: 'N3' }).polls(20_000, 60_000);
      const result = check(b);
      expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    });

    it('fails a No Auto Start VM restarted by the failover, naming the VM and what it should have shown', () => {
      const b = failover(vms);
      b.node('N2', 'Down').vm('batch', 'Off', { GroupState: 'Offline', OwnerNode: 'N3' }).polls(20_000, 22_000);
      b.vm('batch', 'Starting', { GroupState: 'Pending', OwnerNode: 'N3' }).polls(23_000, 25_000);
      b.vm('batch', 'Running', { OwnerNode: 'N3' }).polls(26_000, 40_000);
      const result = check(b);
      expect(result.verdict).to.equal('fail');
      const v = result.violations[0]!;
      expect(v.entity).to.equal('vm/batch');
      expect(v.observed).to.equal('Starting');
      expect(v.expected).to.match(/Offline/);
      expect(v.message).to.contain('Its Priority is No Auto Start');
    });

    it('still restarts a Medium VM (the default) after the same failover', () => {
      const b = failover([{ ...vms[0]!, priority: undefined } as VmDescription]);
      b.node('N2', 'Down').vm('batch', 'Off', { GroupState: 'Offline', OwnerNode: 'N3' }).polls(20_000, 22_000);
      b.vm('batch', 'Running', { OwnerNode: 'N3' }).polls(23_000, 40_000);
      expect(check(b).violations).to.deep.equal([]);
    });
  });

  describe('host memory (cluster.hostMemoryGB)', () => {
    const vms: VmDescription[] = [
      { name: 'big', owner: 'N2', storage: 'smb', memoryGB: 24 },
      { name: 'n1', owner: 'N1', storage: 'smb', memoryGB: 12 },
      { name: 'n3', owner: 'N3', storage: 'smb', memoryGB: 4 },
    ];

    it('passes a failed-over VM placed where it fits', () => {
      const b = failover(vms, 32);
      b.node('N2', 'Down').vm('big', 'Off', { GroupState: 'Offline' }).poll(20_000);
      b.vm('big', 'Running', { OwnerNode: 'N3' }).polls(21_000, 40_000);
      expect(check(b).violations).to.deep.equal([]);
    });

    it('fails a VM placed on a node without memory for it, once, with the node, its VMs and its memory', () => {
      const b = failover(vms, 32);
      b.node('N2', 'Down').vm('big', 'Off', { GroupState: 'Offline' }).poll(20_000);
      b.vm('big', 'Starting', { GroupState: 'Pending', OwnerNode: 'N1' }).poll(21_000);
      b.vm('big', 'Running', { OwnerNode: 'N1' }).polls(22_000, 40_000);
      const result = check(b);
      expect(result.violations.map((v) => v.rule)).to.deep.equal(['host-memory']);
      const v = result.violations[0]!;
      expect(v.entity).to.equal('node/N1');
      expect(v.t).to.equal(21_000);
      expect(v.expected).to.equal('at most 32 GB of VMs on N1 (cluster.hostMemoryGB)');
      expect(v.observed).to.equal('36 GB of VMs running there');
      expect(v.message).to.contain('big (24 GB), n1 (12 GB)');
    });

    it('judges each node by its own figure when hostMemoryGB is a mapping, and nothing without it', () => {
      const b = failover(vms);
      b.header.cluster.hostMemoryGB = { N1: 48, N2: 32, N3: 32 };
      b.node('N2', 'Down').vm('big', 'Off', { GroupState: 'Offline' }).poll(20_000);
      b.vm('big', 'Running', { OwnerNode: 'N1' }).polls(21_000, 40_000);
      expect(check(b).violations).to.deep.equal([]);
      const none = failover(vms);
      none.node('N2', 'Down').vm('big', 'Off', { GroupState: 'Offline' }).poll(20_000);
      none.vm('big', 'Running', { OwnerNode: 'N1' }).polls(21_000, 40_000);
      expect(check(none).violations).to.deep.equal([]);
    });
  });
});
