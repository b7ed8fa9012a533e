import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import type { LiveMigrationValue, OpRecord } from '../../src/trace/records.js';
import { TraceBuilder } from '../helpers/trace.js';

/**
 * Live migrations in TraceBuilder traces: op lines with the values the runner writes (LiveMigrationValue,
 * DrainValue), timed like the simulator's, so the checker sees what a real run would give it.
 */

export function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

/** Every VM running, every node Up: the cluster of most migration tests. */
export function cluster(settings: Record<string, number> = {}, hostVersion?: '2008R2' | '2012R2+'): TraceBuilder {
  const b = new TraceBuilder({
    settings,
    vms: [
      { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
      { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
      { name: 'app01', owner: 'N2', storage: 'smb', memoryGB: 8 },
      { name: 'dc01', owner: 'N1', storage: 'smb', memoryGB: 4 },
    ],
  });
  if (hostVersion) b.header.cluster.hostVersion = hostVersion;
  return b;
}

/** A migration's value, phases one after another from `startedAt`; overrides replace any field. */
export function value(vm: string, source: string, target: string, startedAt: number, o: Partial<LiveMigrationValue> = {}): LiveMigrationValue {
  const phases = { setupMs: 2000, passMs: [3000, 600, 150], blackoutMs: 400, cleanupMs: 1500, ...o };
  const passes = o.passes ?? phases.passMs.length;
  const running = phases.setupMs + phases.passMs.reduce((a, b) => a + b, 0) + phases.blackoutMs + phases.cleanupMs;
  const queuedMs = o.queuedMs ?? 0;
  return {
    vm,
    source,
    target,
    transport: 'Compression',
    startedAt: startedAt + queuedMs,
    queuedMs,
    ...phases,
    passes,
    totalMs: queuedMs + running,
    bytes: 4e9,
    wireBytes: 2e9,
    ...o,
  };
}

/** Set the value (and error) of the op line just added. */
function complete(b: TraceBuilder, v: unknown, error?: string): void {
  const last = b.records.at(-1)!;
  const op = last.record as OpRecord;
  if (v !== undefined) op.value = v;
  if (error !== undefined) op.error = error;
  last.text = JSON.stringify(op);
}

/**
 * A live-migrate op: invoke at t, completion when the value says it ended. `phase` fail/info take the value
 * as given (with failedIn) and an error text; `process` tells concurrent migrations apart.
 */
export function liveMigrate(
  b: TraceBuilder,
  t: number,
  v: LiveMigrationValue,
  o: { phase?: 'ok' | 'fail' | 'info'; error?: string; process?: string; endAt?: number; noValue?: boolean } = {},
): TraceBuilder {
  const args = { vm: v.vm, to: v.target, timeout: 600_000 };
  b.op(t, 'live-migrate', 'invoke', args, o.process ?? 'workload');
  b.op(o.endAt ?? t + (v.totalMs ?? 0), 'live-migrate', o.phase ?? 'ok', args, o.process ?? 'workload');
  complete(b, o.noValue ? undefined : v, o.error);
  return b;
}

/** A drain-node op (Suspend-ClusterNode -Drain): invoke at t, completion at `endAt` with the moves. */
export function drain(b: TraceBuilder, t: number, endAt: number, node: string, moves: LiveMigrationValue[], phase: 'ok' | 'fail' = 'ok', error?: string): TraceBuilder {
  b.op(t, 'drain-node', 'invoke', { node, timeout: 600_000 }, 'nemesis');
  b.op(endAt, 'drain-node', phase, { node, timeout: 600_000 }, 'nemesis');
  complete(b, { node, totalMs: endAt - t, migrations: moves }, error);
  return b;
}

/** resume-node (Resume-ClusterNode [-Failback]) or the drain's revert, with the failback moves. */
export function resume(b: TraceBuilder, t: number, endAt: number, node: string, moves: LiveMigrationValue[], f: 'resume-node' | 'revert:drain-node' = 'resume-node'): TraceBuilder {
  const args = f === 'resume-node' ? { node, failback: moves.length > 0 } : { node, timeout: 600_000 };
  b.op(t, f, 'invoke', args, f === 'resume-node' ? 'workload' : 'nemesis');
  b.op(endAt, f, 'ok', args, f === 'resume-node' ? 'workload' : 'nemesis');
  complete(b, { node, totalMs: endAt - t, migrations: moves });
  return b;
}

/** One migration web01 N2 → N3 at 10 s, polls before and after; `o` changes its value, `after` the VM seen next. */
export function oneMigration(
  settings: Record<string, number> = {},
  o: Partial<LiveMigrationValue> = {},
  hostVersion?: '2008R2' | '2012R2+',
): TraceBuilder {
  const b = cluster(settings, hostVersion).polls(0, 10_000);
  const v = value('web01', 'N2', 'N3', 10_000, o);
  liveMigrate(b, 10_000, v);
  const end = 10_000 + v.totalMs!;
  return b.vm('web01', 'Running', { OwnerNode: 'N3' }).polls(Math.ceil(end / 1000) * 1000 + 1000, Math.ceil(end / 1000) * 1000 + 5000);
}

export function rules(result: CheckResult): string[] {
  return result.violations.map((v) => `${v.rule} ${v.entity}`);
}
