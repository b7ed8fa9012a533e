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

  describe('where a failed-over VM restarts: preferred owners and anti-affinity', () => {
    const vms: VmDescription[] = [
      { name: 'db', owner: 'N2', storage: 'smb', memoryGB: 4, preferredOwners: ['N2', 'N3'] },
      { name: 'sql1', owner: 'N2', storage: 'smb', memoryGB: 4, antiAffinityClassNames: ['sql'] },
      { name: 'sql2', owner: 'N3', storage: 'smb', memoryGB: 4, antiAffinityClassNames: ['sql'] },
    ];
    /** N2 Down at 20 s; db and sql1 start where `db` and `sql1` say. */
    function placed(db: string, sql1: string, edit: (b: TraceBuilder) => void = () => {}): CheckResult {
      const b = failover(vms);
      edit(b);
      b.node('N2', 'Down').vm('db', 'Starting', { GroupState: 'Pending', OwnerNode: db }).vm('sql1', 'Starting', { GroupState: 'Pending', OwnerNode: sql1 });
      b.polls(20_000, 24_000).vm('db', 'Running', { OwnerNode: db }).vm('sql1', 'Running', { OwnerNode: sql1 }).polls(25_000, 40_000);
      return check(b);
    }

    it('passes VMs restarted on the next preferred owner and away from their anti-affinity class', () => {
      expect(placed('N3', 'N1').violations).to.deep.equal([]);
    });

    it('fails a VM restarted past a preferred owner that was Up throughout, naming the node it should have had', () => {
      const result = placed('N1', 'N1');
      expect(result.violations.map((v) => v.rule)).to.deep.equal(['preferred-owner']);
      const v = result.violations[0]!;
      expect(v.entity).to.equal('vm/db');
      expect(v.expected).to.equal('db restarted on N3, the next node after N2 in its node list (N2, N3, N1) that could take it');
      expect(v.message).to.contain('N3 comes before N1 there and was Up throughout');
    });

    it('fails a VM placed with a VM of its anti-affinity class while another node was Up throughout', () => {
      const result = placed('N3', 'N3');
      expect(result.violations.map((v) => [v.rule, v.entity, v.observed])).to.deep.equal([['anti-affinity', 'vm/sql1', 'on N3 with sql2']]);
      expect(result.violations[0]!.message).to.contain('N1 was Up throughout');
    });

    it('judges neither when the node that should have been chosen was not surely able (seen Paused before the failover)', () => {
      const result = placed('N1', 'N3', (b) => b.node('N3', 'Paused').node('N1', 'Paused').poll(19_500).node('N3', 'Up').node('N1', 'Up'));
      expect(result.violations.filter((v) => v.rule === 'preferred-owner' || v.rule === 'anti-affinity')).to.deep.equal([]);
    });
  });
});
