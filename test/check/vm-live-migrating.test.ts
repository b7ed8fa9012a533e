import { expect } from 'chai';
import type { CheckResult } from '../../src/check/result.js';
import type { LiveMigrationValue, OpRecord, VmObservation } from '../../src/trace/records.js';
import type { TraceBuilder } from '../helpers/trace.js';
import { check, cluster, value } from './migration-trace.js';

/**
 * Issue 13, item 2's last clause: what a VM may show while a live migration asked for by an operation
 * (live-migrate, Move-ClusterVirtualMachineRole -MigrationType Live) is in flight. Between two Up members it is
 * Running and monitored, on its source until the blackout ends, then on its target (lab-observations §2).
 * Each "fails" case is an edit of a legal trace that the checker let through before (the Migrating state
 * accepted Running, Unmonitored, RunningCritical and PausedCritical for any storage kind, on any node).
 */

/** The op line just added carries `v` as its value (as the runner writes it). */
function withValue(b: TraceBuilder, v: LiveMigrationValue): TraceBuilder {
  const last = b.records.at(-1)!;
  (last.record as OpRecord).value = v;
  last.text = JSON.stringify(last.record);
  return b;
}

const args = (vm: string, to: string) => ({ vm, to, timeout: 600_000 });

/**
 * sql01 (CSV) live-migrated N2 → N3 from 10 s: setup 2 s, passes 3.75 s, blackout 0.4 s (ends at 16.15 s),
 * cleanup 1.5 s, `ok` at 17.65 s. `during` sets what the polls at 11–16 s show of it (on N2).
 */
function migrateSql(during: (b: TraceBuilder) => TraceBuilder): TraceBuilder {
  const b = cluster().polls(0, 10_000);
  b.op(10_000, 'live-migrate', 'invoke', args('sql01', 'N3'), 'workload');
  during(b).polls(11_000, 16_000);
  b.vm('sql01', 'Running', { OwnerNode: 'N3' }).poll(17_000);
  withValue(b.op(17_650, 'live-migrate', 'ok', args('sql01', 'N3'), 'workload'), value('sql01', 'N2', 'N3', 10_000));
  return b.polls(18_000, 30_000).end(31_000);
}

const firstViolation = (r: CheckResult) => (r.violations[0] ? `${r.violations[0].entity} ${r.violations[0].observed} at ${r.violations[0].t}` : 'none');

describe('checker: a VM while an operation live-migrates it', () => {
  it('passes a requested migration between Up nodes: Running and monitored on its source, then Running on its target', () => {
    const result = check(migrateSql((b) => b));
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  const edits: [string, Partial<VmObservation>][] = [
    ['PausedCritical', {}],
    ['RunningCritical', {}],
    ['Running', { StatusInformation: ['Unmonitored'] }],
  ];
  for (const [state, extra] of edits) {
    const seen = state === 'Running' ? 'Unmonitored' : state;
    it(`fails a CSV VM seen ${seen} on its Up source during a requested migration (both hosts are members with CSV access)`, () => {
      const result = check(migrateSql((b) => b.vm('sql01', state, extra)));
      expect(firstViolation(result)).to.equal(`vm/sql01 ${seen} at 11000`);
      expect(result.verdict).to.equal('fail');
      expect(result.violations[0]!.message).to.match(/Running/);
    });
  }

  it('fails an SMB VM seen Unmonitored on its Up source during a requested migration', () => {
    const b = cluster().polls(0, 10_000);
    b.op(10_000, 'live-migrate', 'invoke', args('web01', 'N3'), 'workload');
    b.vm('web01', 'Running', { StatusInformation: ['Unmonitored'] }).polls(11_000, 12_000);
    b.vm('web01', 'Running', { OwnerNode: 'N3' }).poll(17_000);
    withValue(b.op(17_650, 'live-migrate', 'ok', args('web01', 'N3'), 'workload'), value('web01', 'N2', 'N3', 10_000));
    const result = check(b.polls(18_000, 30_000).end(31_000));
    expect(firstViolation(result)).to.equal('vm/web01 Unmonitored at 11000');
  });

  it('fails a VM seen on a third node while its requested migration is in flight (before the switch-over it is on its source)', () => {
    const result = check(migrateSql((b) => b.vm('sql01', 'Running', { OwnerNode: 'N1' }).node('N1', 'Down')));
    expect(result.violations.map((v) => `${v.entity} ${v.observed}`)).to.include('vm/sql01 Running on N1');
  });

  /**
   * N2, the source, crashes at 12 s (ResiliencyLevel 2): Isolated from 22 s; the migration, still in pre-copy,
   * fails at 22.2 s and the VMs stay on N2.
   */
  function sourceIsolated(vm: 'sql01' | 'web01', during: (b: TraceBuilder) => TraceBuilder): TraceBuilder {
    const b = cluster().polls(0, 10_000);
    b.op(10_000, 'live-migrate', 'invoke', args(vm, 'N3'), 'workload').polls(11_000, 12_000).kill(12_000, 'N2').polls(13_000, 21_000);
    during(b.node('N2', 'Down', ['Isolated'])).poll(22_000);
    const { blackoutMs: _b, cleanupMs: _c, ...v } = value(vm, 'N2', 'N3', 10_000, { passMs: [3000, 600, 150, 100], failedIn: 'PreCopy' });
    withValue(b.op(22_200, 'live-migrate', 'fail', args(vm, 'N3'), 'workload'), v);
    return b.polls(23_000, 27_000);
  }

  /** The SMB VMs on the isolated N2 (and `also`) as the isolation leaves them: running, Unmonitored. */
  const unmonitoredSmb = (b: TraceBuilder, ...also: string[]) => {
    for (const vm of ['app01', ...also]) b.vm(vm, 'Running', { StatusInformation: ['Unmonitored'] });
    return b;
  };

  it('passes a CSV VM going RunningCritical, then PausedCritical, on its source when the source is isolated mid-migration', () => {
    const b = sourceIsolated('sql01', (b) =>
      unmonitoredSmb(b.vm('sql01', 'RunningCritical', { StatusInformation: ['Unmonitored'] }), 'web01'),
    );
    b.vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(28_000, 40_000);
    const result = check(b);
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
  });

  it('fails an SMB VM PausedCritical on its source when the source is isolated mid-migration (its share does not depend on the cluster)', () => {
    const b = sourceIsolated('web01', (b) =>
      unmonitoredSmb(b.vm('web01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).vm('sql01', 'RunningCritical', { StatusInformation: ['Unmonitored'] })),
    );
    const result = check(b);
    expect(firstViolation(result)).to.equal('vm/web01 PausedCritical at 22000');
  });
});
