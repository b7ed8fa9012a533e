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
  /**
   * Each migration's time in the order the run made them, for report.html's plot: bounded whatever the run's
   * length. Not enumerable, so summary.json (which lists the figures above) does not carry it.
   */
  readonly series?: MigrationSeries;
}

/** One migration on the plot: its place in the run (from 1), its outcome and, when it completed, its time. */
export interface SeriesPoint {
  n: number;
  outcome: 'ok' | 'fail' | 'info';
  totalMs: Millis | null;
}

/** `bucketSize` consecutive migrations (n from `from` to `to`): how they ended and the spread of their times. */
export interface SeriesBucket {
  from: number;
  to: number;
  completed: number;
  failed: number;
  unknown: number;
  /** Median time of the completed ones, to within 0.5 % (from a histogram of their times). */
  p50: Millis | null;
  max: Millis | null;
}

/** Migration times over the run: one point per migration up to SERIES_MAX_POINTS, else buckets. */
export interface MigrationSeries {
  count: number;
  points: SeriesPoint[] | null;
  buckets: SeriesBucket[] | null;
  bucketSize: number;
}

/** Up to this many migrations the plot has one dot each; beyond, buckets (between BUCKETS_MIN and 2 × BUCKETS_MIN). */
export const SERIES_MAX_POINTS = 2000;
const BUCKETS_MIN = 200;
/** Histogram bins of a bucket's times: each 1 % wider than the one before, so a median is right to 0.5 %. */
const BIN_RATIO = Math.log(1.01);
const binOf = (ms: number): number => (ms < 1 ? 0 : 1 + Math.round(Math.log(ms) / BIN_RATIO));
const msOf = (bin: number): number => (bin === 0 ? 0 : Math.round(Math.exp((bin - 1) * BIN_RATIO)));

interface OpenBucket {
  from: number;
  to: number;
  completed: number;
  failed: number;
  unknown: number;
  max: number | null;
  /** How many of the completed ones took each bin's time (a few hundred bins at most: bounded). */
  histogram: Map<number, number>;
}

/** Builds a MigrationSeries one migration at a time in bounded memory. */
export class SeriesBuilder {
  private count = 0;
  private points: SeriesPoint[] | null = [];
  private buckets: OpenBucket[] = [];
  private bucketSize = 1;

  add(outcome: SeriesPoint['outcome'], totalMs: Millis | undefined): void {
    const n = ++this.count;
    if (this.points) {
      this.points.push({ n, outcome, totalMs: totalMs ?? null });
      if (this.points.length <= SERIES_MAX_POINTS) return;
      // Too many to draw one by one: bucket what we have (about BUCKETS_MIN buckets), then carry on in buckets.
      this.bucketSize = Math.ceil(SERIES_MAX_POINTS / BUCKETS_MIN);
      const points = this.points;
      this.points = null;
      for (const p of points) this.bucket(p.n, p.outcome, p.totalMs ?? undefined);
      return;
    }
    this.bucket(n, outcome, totalMs);
  }

  finish(): MigrationSeries {
    if (this.points) return { count: this.count, points: this.points, buckets: null, bucketSize: 1 };
    const buckets = this.buckets.map(({ histogram, ...b }) => ({ ...b, p50: histogramMedian(histogram, b.max) }));
    return { count: this.count, points: null, buckets, bucketSize: this.bucketSize };
  }

  private bucket(n: number, outcome: SeriesPoint['outcome'], totalMs: number | undefined): void {
    const from = Math.floor((n - 1) / this.bucketSize) * this.bucketSize + 1;
    let b = this.buckets.at(-1);
    if (!b || b.from !== from) {
      b = { from, to: n, completed: 0, failed: 0, unknown: 0, max: null, histogram: new Map() };
      this.buckets.push(b);
    }
    b.to = n;
    if (outcome === 'fail') b.failed++;
    else if (outcome === 'info') b.unknown++;
    else {
      b.completed++;
      if (totalMs !== undefined) {
        b.max = Math.max(b.max ?? totalMs, totalMs);
        const bin = binOf(totalMs);
        b.histogram.set(bin, (b.histogram.get(bin) ?? 0) + 1);
      }
    }
    if (this.buckets.length > 2 * BUCKETS_MIN) this.halve();
  }

  /** Twice as wide buckets: merge neighbours. */
  private halve(): void {
    this.bucketSize *= 2;
    const merged: OpenBucket[] = [];
    for (const b of this.buckets) {
      const from = Math.floor((b.from - 1) / this.bucketSize) * this.bucketSize + 1;
      const last = merged.at(-1);
      if (last && last.from === from) {
        last.to = b.to;
        last.completed += b.completed;
        last.failed += b.failed;
        last.unknown += b.unknown;
        last.max = b.max === null ? last.max : Math.max(last.max ?? b.max, b.max);
        for (const [bin, k] of b.histogram) last.histogram.set(bin, (last.histogram.get(bin) ?? 0) + k);
      } else {
        merged.push({ ...b, from });
      }
    }
    this.buckets = merged;
  }
}

/** The nearest-rank median of a histogram, as its bin's time (never above the maximum seen); null if empty. */
function histogramMedian(histogram: Map<number, number>, max: number | null): Millis | null {
  let total = 0;
  for (const k of histogram.values()) total += k;
  if (!total) return null;
  let seen = 0;
  for (const bin of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bin)!;
    if (seen >= Math.ceil(total / 2)) return Math.min(msOf(bin), max ?? Infinity);
  }
  return null;
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
  private readonly series = new SeriesBuilder();

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
    const summary: MigrationSummary = {
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
    Object.defineProperty(summary, 'series', { value: this.series.finish(), enumerable: false });
    return summary;
  }

  private migration(phase: 'ok' | 'fail' | 'info', m: LiveMigrationValue | undefined): void {
    this.count++;
    this.series.add(phase, phase === 'ok' ? m?.totalMs : undefined);
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
