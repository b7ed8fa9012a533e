import type { DrainValue, HeaderRecord, LiveMigrationValue, Millis, OpRecord } from '../trace/records.js';

/** The 50th and 95th percentiles and the maximum of a set of durations (nearest rank), ms. */
export interface Percentiles {
  p50: Millis;
  p95: Millis;
  max: Millis;
}

export interface TransportStats {
  count: number;
  totalMs: Percentiles;
  blackoutMs: Percentiles | null;
  /** Median rate at which VM memory moved (bytes × 8 over copy time), Gbps; above the link rate with Compression. */
  gbps: number | null;
}

/** One drain (Suspend-ClusterNode -Drain) or failback (Resume-ClusterNode -Failback), as a person plans with it. */
export interface DrainStats {
  f: string;
  node: string;
  outcome: 'ok' | 'fail' | 'info';
  /** VMs moved, and their memory. */
  vms: number;
  memoryGB: number;
  totalMs: Millis | null;
  /** The transports the moves used. */
  transports: string[];
}

/** summary.json's `migrations`: every live migration the run asked for or caused through a drain. */
export interface MigrationSummary {
  count: number;
  completed: number;
  failed: number;
  /** Outcome unknown (an `info` completion, or no completion line). */
  unknown: number;
  /** Request to completion, of the completed ones. */
  totalMs: Percentiles | null;
  blackoutMs: Percentiles | null;
  passes: Percentiles | null;
  /** In the order the run first used each transport. */
  byTransport: Record<string, TransportStats>;
  drains: DrainStats[];
}

const MIGRATION_OPS = new Set(['live-migrate', 'drain-node', 'resume-node', 'revert:drain-node']);
const MAX_DRAINS = 200;

/** Nearest-rank percentiles of `values` (sorted here); null when there are none. */
export function percentiles(values: number[]): Percentiles | null {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { p50: rank(50), p95: rank(95), max: sorted[sorted.length - 1]! };
}

function median(values: number[]): number | null {
  return percentiles(values)?.p50 ?? null;
}

/** Gathers migration figures from op lines while the trace streams past. */
export class MigrationStats {
  private count = 0;
  private completed = 0;
  private failed = 0;
  private unknown = 0;
  private readonly total: number[] = [];
  private readonly blackout: number[] = [];
  private readonly passes: number[] = [];
  private readonly transports = new Map<string, { total: number[]; blackout: number[]; gbps: number[] }>();
  private readonly drains: DrainStats[] = [];
  /** live-migrate invoke lines minus completion lines: migrations whose outcome the trace never told. */
  private unanswered = 0;
  private readonly memory: Map<string, number>;

  constructor(header: HeaderRecord) {
    this.memory = new Map(header.cluster.vms.map((vm) => [vm.name, vm.memoryGB]));
  }

  feed(op: OpRecord): void {
    if (!MIGRATION_OPS.has(op.f)) return;
    if (op.phase === 'invoke') {
      if (op.f === 'live-migrate') this.unanswered++;
      return;
    }
    const phase = op.phase;
    if (op.f === 'live-migrate') {
      this.unanswered--;
      this.migration(phase, op.value as LiveMigrationValue | undefined);
      return;
    }
    const drain = op.value as DrainValue | undefined;
    const moves = drain?.migrations ?? [];
    // undoing a drain that had already been resumed moves nothing: not worth a line
    if (op.f === 'revert:drain-node' && phase === 'ok' && moves.length === 0) return;
    // a drain's value lists its moves; a move that failed says where (failedIn)
    for (const m of moves) this.migration(m.failedIn === undefined ? 'ok' : 'fail', m);
    if (this.drains.length < MAX_DRAINS) {
      this.drains.push({
        f: op.f,
        node: String(op.args.node),
        outcome: phase,
        vms: moves.length,
        memoryGB: moves.reduce((sum, m) => sum + (this.memory.get(m.vm) ?? 0), 0),
        totalMs: drain?.totalMs ?? null,
        transports: [...new Set(moves.map((m) => m.transport).filter((t): t is NonNullable<typeof t> => t !== undefined))],
      });
    }
  }

  finish(): MigrationSummary {
    const byTransport: Record<string, TransportStats> = {};
    for (const [transport, t] of this.transports) {
      byTransport[transport] = { count: t.total.length, totalMs: percentiles(t.total)!, blackoutMs: percentiles(t.blackout), gbps: median(t.gbps) };
    }
    return {
      count: this.count + this.unanswered,
      completed: this.completed,
      failed: this.failed,
      unknown: this.unknown + this.unanswered,
      totalMs: percentiles(this.total),
      blackoutMs: percentiles(this.blackout),
      passes: percentiles(this.passes),
      byTransport,
      drains: this.drains,
    };
  }

  private migration(phase: 'ok' | 'fail' | 'info', m: LiveMigrationValue | undefined): void {
    this.count++;
    if (phase === 'fail') this.failed++;
    else if (phase === 'info') this.unknown++;
    if (phase !== 'ok') return;
    this.completed++;
    if (!m) return;
    if (m.totalMs !== undefined) this.total.push(m.totalMs);
    if (m.blackoutMs !== undefined) this.blackout.push(m.blackoutMs);
    if (m.passes !== undefined) this.passes.push(m.passes);
    if (m.transport !== undefined && m.totalMs !== undefined) {
      let t = this.transports.get(m.transport);
      if (!t) this.transports.set(m.transport, (t = { total: [], blackout: [], gbps: [] }));
      t.total.push(m.totalMs);
      if (m.blackoutMs !== undefined) t.blackout.push(m.blackoutMs);
      const copyMs = (m.passMs ?? []).reduce((a, b) => a + b, 0) + (m.blackoutMs ?? 0);
      if (m.bytes !== undefined && copyMs > 0) t.gbps.push((m.bytes * 8) / (copyMs * 1e6));
    }
  }
}
