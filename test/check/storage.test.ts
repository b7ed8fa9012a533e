import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import { stimuliOf } from '../../src/check/stimuli.js';
import type { OpRecord, VmDescription } from '../../src/trace/records.js';
import { TraceBuilder } from '../helpers/trace.js';

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

const SHARE = String.raw`\\fs01\vms`;
const vms: VmDescription[] = [
  { name: 'sql01', owner: 'N1', storage: 'csv-block', volume: 'CSV1', memoryGB: 16 },
  { name: 'app01', owner: 'N2', storage: 'csv-block', volume: 'CSV1', memoryGB: 8 },
  { name: 'web01', owner: 'N1', storage: 'smb', volume: SHARE, memoryGB: 4 },
  { name: 'web02', owner: 'N2', storage: 'smb', volume: SHARE, memoryGB: 4 },
];

function builder(vmList: VmDescription[] = vms, withStorage = true): TraceBuilder {
  const b = new TraceBuilder({ vms: vmList });
  if (withStorage) b.header.cluster.storage = [{ name: 'CSV1', kind: 'csv' }, { name: SHARE, kind: 'smb' }];
  return b;
}

/** fail-storage (or -path) injected at 10 s, lasting `duration`. */
function fail(b: TraceBuilder, args: Record<string, unknown>, f = 'fail-storage'): TraceBuilder {
  return b.polls(0, 10_000).op(10_000, f, 'invoke', args).op(10_100, f, 'ok', args);
}

const messages = (r: CheckResult) => r.violations.map((v) => `${v.entity} ${v.observed}`);

describe('checker: storage failures', () => {
  it('passes a lost CSV whose VMs pause at their next I/O and resume when it returns', () => {
    const b = fail(builder(), { storage: 'CSV1', duration: 60_000 }).polls(11_000, 11_000);
    b.vm('sql01', 'PausedCritical').vm('app01', 'PausedCritical').polls(12_000, 70_000);
    b.vm('sql01', 'Running').vm('app01', 'Running').polls(71_000, 80_000);
    const result = check(b);
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('fails a VM that keeps running on a lost volume, naming StoragePauseWithin', () => {
    const b = fail(builder(), { storage: 'CSV1', duration: 60_000 }).polls(11_000, 11_000);
    b.vm('app01', 'PausedCritical').polls(12_000, 30_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.entity).to.equal('vm/sql01');
    expect(result.violations[0]!.setting?.name).to.equal('StoragePauseWithin');
  });

  it('fails a VM still PausedCritical once its storage returned', () => {
    const b = fail(builder(), { storage: 'CSV1', duration: 20_000 }).polls(11_000, 11_000);
    b.vm('sql01', 'PausedCritical').vm('app01', 'PausedCritical').polls(12_000, 30_000);
    b.vm('app01', 'Running').polls(31_000, 40_000);
    expect(messages(check(b))).to.include('vm/sql01 PausedCritical');
  });

  it("passes a node's lost path to a CSV with its VMs running (redirected access), and fails a VM that pauses there", () => {
    const ok = fail(builder(), { node: 'N1', storage: 'CSV1', duration: 20_000 }, 'fail-storage-path').polls(11_000, 40_000);
    expect(check(ok).verdict).to.equal('pass');
    const paused = fail(builder(), { node: 'N1', storage: 'CSV1', duration: 20_000 }, 'fail-storage-path').polls(11_000, 11_000);
    paused.vm('sql01', 'PausedCritical').polls(12_000, 20_000);
    expect(messages(check(paused))).to.include('vm/sql01 PausedCritical');
  });

  it("a node's lost path to an SMB share pauses that node's VMs on it, and no other VM", () => {
    const ok = fail(builder(), { node: 'N2', storage: SHARE, duration: 20_000 }, 'fail-storage-path').polls(11_000, 11_000);
    ok.vm('web02', 'PausedCritical').polls(12_000, 30_000).vm('web02', 'Running').polls(31_000, 40_000);
    expect(check(ok).violations.map((v) => v.message)).to.deep.equal([]);
    const other = fail(builder(), { node: 'N2', storage: SHARE, duration: 20_000 }, 'fail-storage-path').polls(11_000, 11_000);
    other.vm('web02', 'PausedCritical').vm('web01', 'PausedCritical').polls(12_000, 20_000);
    expect(messages(check(other))).to.deep.equal(['vm/web01 PausedCritical']);
  });

  it('passes a VM powered off after its AutomaticCriticalErrorActionTimeout and started again once its storage is back; fails one still paused', () => {
    const timed = [{ ...vms[0]!, automaticCriticalErrorActionTimeout: 1 }];
    const ok = fail(builder(timed), { storage: 'CSV1', duration: 120_000 }).polls(11_000, 11_000);
    ok.vm('sql01', 'PausedCritical').polls(12_000, 71_000).vm('sql01', 'Off', { GroupState: 'Failed' }).polls(72_000, 130_000);
    ok.vm('sql01', 'Starting', { GroupState: 'Pending' }).polls(131_000, 135_000).vm('sql01', 'Running').polls(136_000, 140_000);
    expect(check(ok).violations.map((v) => v.message)).to.deep.equal([]);
    const stuck = fail(builder(timed), { storage: 'CSV1', duration: 120_000 }).polls(11_000, 11_000);
    stuck.vm('sql01', 'PausedCritical').polls(12_000, 80_000);
    const result = check(stuck);
    expect(messages(result)).to.include('vm/sql01 PausedCritical');
    expect(result.violations[0]!.setting?.name).to.equal('CriticalErrorActionTimeout');
  });

  it('reads a trace without cluster.storage: each storage kind is one volume, csv and smb', () => {
    const plain = vms.map(({ volume: _, ...vm }) => vm);
    const op = (f: string, args: Record<string, unknown>): OpRecord => ({ type: 'op', seq: 1, t: 0, process: 'nemesis', f, phase: 'ok', args });
    const cluster = { vms: plain };
    expect(stimuliOf(op('fail-storage', { storage: 'csv', duration: 1000 }), [], cluster).map((s) => s.entity)).to.deep.equal(['vm/sql01', 'vm/app01']);
    expect(stimuliOf(op('fail-storage-path', { node: 'N2', storage: 'smb', duration: 1000 }), [], cluster).map((s) => [s.entity, s.ownedBy])).to.deep.equal([
      ['vm/web01', 'N2'],
      ['vm/web02', 'N2'],
    ]);
    expect(stimuliOf(op('fail-storage-path', { node: 'N2', storage: 'csv', duration: 1000 }), [], cluster)).to.deep.equal([]);
  });
});
