import type { Millis, OpPhase, OpRecord } from '../trace/records.js';
import { isNemesis } from '../trace/process.js';
import { formatT, seconds } from '../check/time.js';

export type Outcome = Exclude<OpPhase, 'invoke'>;

/** One operation as an invoke line and (if the trace has it) its completion line. */
export interface Operation {
  process: string;
  f: string;
  args: Record<string, unknown>;
  invokedAt: Millis;
  completedAt?: Millis;
  /** ok, fail (did not happen) or info (may or may not have happened); absent = no completion line. */
  outcome?: Outcome;
  value?: unknown;
  error?: string;
}

/**
 * A fault as the trace shows it: from its injection's invoke line to its revert's completion, or to the end
 * of the run when it was never reverted. A fault is an operation of the `nemesis` process (`nemesis:<n>` in the
 * branches of a parallel block: src/trace/process.ts); its revert is the nemesis operation `revert:<fault>`.
 */
export interface FaultWindow {
  f: string;
  args: Record<string, unknown>;
  injectedAt: Millis;
  outcome?: Outcome;
  error?: string;
  revertedAt?: Millis;
  revertOutcome?: Outcome;
  revertError?: string;
  /** A drain ended before its revert by a resume-node of the same node that completed ok: its completion. */
  resumedAt?: Millis;
  /** Where the shading ends: the resume that ended it, the revert's completion, or the end of the run. */
  end: Millis;
}

const REVERT = 'revert:';

/** What a person calls a fault on the timeline: `kill-clussvc N2`, `kill-clussvc N2 holdDown=90 s`. */
export function faultLabel(w: { f: string; args: Record<string, unknown> }): string {
  const parts = Object.entries(w.args).map(([k, v]) => (typeof v === 'string' ? v : argText(k, v)));
  return [w.f, ...parts].join(' ');
}

/** Arguments the faults take in milliseconds (src/faults: drain-node and live-migrate timeout, kill-clussvc holdDown, isolate-network duration). */
const MILLISECOND_ARGS = new Set(['timeout', 'holdDown', 'duration']);

/** One argument as `name=value`, a duration in the unit a person reads (`timeout=30 min`, not `timeout=1800000`). */
export function argText(k: string, v: unknown): string {
  if (MILLISECOND_ARGS.has(k) && typeof v === 'number') return `${k}=${duration(v)}`;
  return `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`;
}

/**
 * An operation's value as a person reads it, not as JSON: a live migration as `sql01 N2 → N1 over TCPIP: total
 * 12.3 s, 3 pre-copy passes (…), blackout 0.4 s, 16.0 GiB sent`, a drain as its node, time and migrations, anything
 * else as `name value` pairs with milliseconds in seconds and bytes in GiB. Cut at `max` characters.
 */
export function valueText(value: unknown, max = 300): string {
  const text = readable(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function readable(v: unknown, key = ''): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return numberText(key, v);
  if (Array.isArray(v)) {
    const items = v.map((x) => readable(x, key));
    return items.length > 6 ? `${items.slice(0, 5).join(', ')}, … (${items.length} in all)` : items.join(', ');
  }
  const o = v as Record<string, unknown>;
  if (typeof o.vm === 'string' && typeof o.source === 'string' && typeof o.target === 'string') return migrationText(o);
  if (typeof o.node === 'string' && Array.isArray(o.migrations)) {
    const moved = (o.migrations as unknown[]).map((m) => (m && typeof m === 'object' ? migrationText(m as Record<string, unknown>) : readable(m)));
    return `${o.node}${typeof o.totalMs === 'number' ? ` in ${seconds(o.totalMs)}` : ''}: ${moved.length ? `${moved.length} live migration${moved.length === 1 ? '' : 's'} — ${moved.join('; ')}` : 'nothing to move'}`;
  }
  return Object.entries(o)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${words(k)} ${typeof x === 'object' && x !== null && !Array.isArray(x) ? `(${readable(x)})` : readable(x, k)}`)
    .join(', ');
}

function migrationText(m: Record<string, unknown>): string {
  const parts: string[] = [];
  const ms = (k: string): number | undefined => (typeof m[k] === 'number' ? (m[k] as number) : undefined);
  if (ms('totalMs') !== undefined) parts.push(`total ${seconds(ms('totalMs')!)}`);
  if (ms('queuedMs')) parts.push(`queued ${seconds(ms('queuedMs')!)}`);
  if (ms('setupMs') !== undefined) parts.push(`setup ${seconds(ms('setupMs')!)}`);
  if (typeof m.passes === 'number') {
    const each = Array.isArray(m.passMs) ? ` (${readable(m.passMs, 'passMs')})` : '';
    parts.push(`${m.passes} pre-copy pass${m.passes === 1 ? '' : 'es'}${each}`);
  }
  if (ms('blackoutMs') !== undefined) parts.push(`blackout ${seconds(ms('blackoutMs')!)}`);
  if (ms('cleanupMs') !== undefined) parts.push(`cleanup ${seconds(ms('cleanupMs')!)}`);
  if (ms('bytes') !== undefined) parts.push(`${bytesText(ms('bytes')!)} sent${ms('wireBytes') !== undefined && ms('wireBytes') !== ms('bytes') ? ` (${bytesText(ms('wireBytes')!)} on the wire)` : ''}`);
  if (typeof m.failedIn === 'string') parts.push(`failed in ${m.failedIn}`);
  const via = [m.transport ? ` over ${String(m.transport)}` : '', m.network ? ` on network ${String(m.network)}` : ''].join('');
  return `${String(m.vm)} ${String(m.source)} → ${String(m.target)}${via}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** `passMs` → `pass`, `wireBytes` → `wire bytes`: a field name in words, its unit said by its value. */
function words(k: string): string {
  return k.replace(/(Ms|At)$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function numberText(key: string, n: number): string {
  if (/Ms$/.test(key) || MILLISECOND_ARGS.has(key)) return seconds(n);
  if (/At$/.test(key)) return `at ${formatT(n)}`;
  if (/[bB]ytes$/.test(key)) return bytesText(n);
  return String(n);
}

function bytesText(n: number): string {
  const gib = n / 2 ** 30;
  if (gib >= 1) return `${gib.toFixed(1)} GiB`;
  const mib = n / 2 ** 20;
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${n} bytes`;
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 120 || s % 60) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200 || s % 3600) return `${s / 60} min`;
  return `${s / 3600} h`;
}

/**
 * Pairs operation lines as they stream past: each completion with the invoke of the same id (the trace's
 * operation identity), or on traces without ids with the oldest open invoke of the same process and operation
 * (a process had one operation in flight, as in Jepsen), each revert with the most
 * recent unreverted injection of its fault (reverts run newest first). Keeps at most `maxOperations`
 * operations and `maxFaults` fault windows, counting the rest.
 */
export class OperationLog {
  readonly operations: Operation[] = [];
  operationsOmitted = 0;
  readonly faults: FaultWindow[] = [];
  faultsOmitted = 0;
  private readonly openOps = new Map<string, Operation[]>();
  private readonly openFaults = new Map<string, FaultWindow[]>();
  private readonly unreverted = new Map<string, FaultWindow[]>();
  private readonly reverting = new Map<string, FaultWindow[]>();

  constructor(private readonly limits: { maxOperations: number; maxFaults: number }) {}

  feed(op: OpRecord): void {
    this.pairOperation(op);
    if (op.f === 'resume-node' && op.phase === 'ok') this.resumed(op);
    if (!isNemesis(op.process)) return;
    if (op.f.startsWith(REVERT)) this.pairRevert(op, op.f.slice(REVERT.length));
    else this.pairFault(op);
  }

  /** Fault windows with their ends, given the time the run ended. */
  finish(endT: Millis): FaultWindow[] {
    for (const w of this.faults) w.end = w.resumedAt ?? w.revertedAt ?? Math.max(endT, w.injectedAt);
    return this.faults;
  }

  /**
   * Resume-ClusterNode ends a drain (drain-node's revert is that same command, src/faults/drain-node.ts): a
   * resume-node step of the method that completed ok ends the shading of its node's open drains there.
   */
  private resumed(op: OpRecord): void {
    const node = op.args?.node;
    for (const w of this.unreverted.get('drain-node') ?? []) {
      if (w.args.node === node && w.resumedAt === undefined) w.resumedAt = op.t;
    }
  }

  private pairOperation(op: OpRecord): void {
    const key = pairKey(op, `${op.process}\u0000${op.f}`);
    if (op.phase === 'invoke') {
      if (this.operations.length >= this.limits.maxOperations) {
        this.operationsOmitted++;
        return;
      }
      const row: Operation = { process: op.process, f: op.f, args: op.args ?? {}, invokedAt: op.t };
      this.operations.push(row);
      push(this.openOps, key, row);
      return;
    }
    const row = this.openOps.get(key)?.shift();
    if (!row) return;
    row.completedAt = op.t;
    row.outcome = op.phase;
    if (op.value !== undefined) row.value = op.value;
    if (op.error !== undefined) row.error = op.error;
  }

  private pairFault(op: OpRecord): void {
    if (op.phase === 'invoke') {
      if (this.faults.length >= this.limits.maxFaults) {
        this.faultsOmitted++;
        return;
      }
      const w: FaultWindow = { f: op.f, args: op.args ?? {}, injectedAt: op.t, end: op.t };
      this.faults.push(w);
      push(this.openFaults, pairKey(op, op.f), w);
      push(this.unreverted, op.f, w);
      return;
    }
    const w = this.openFaults.get(pairKey(op, op.f))?.shift();
    if (!w) return;
    w.outcome = op.phase;
    if (op.error !== undefined) w.error = op.error;
  }

  private pairRevert(op: OpRecord, fault: string): void {
    if (op.phase === 'invoke') {
      const open = this.unreverted.get(fault) ?? [];
      const args = op.args ?? {};
      // A revert that names its arguments reverts the injection with the same ones; otherwise the newest.
      let i = open.length - 1;
      if (Object.keys(args).length) {
        const wanted = JSON.stringify(args);
        for (let j = open.length - 1; j >= 0; j--) {
          if (JSON.stringify(open[j]!.args) === wanted) {
            i = j;
            break;
          }
        }
      }
      if (i < 0) return;
      const [w] = open.splice(i, 1);
      push(this.reverting, pairKey(op, fault), w!);
      return;
    }
    const w = this.reverting.get(pairKey(op, fault))?.shift();
    if (!w) return;
    w.revertedAt = op.t;
    w.revertOutcome = op.phase;
    if (op.error !== undefined) w.revertError = op.error;
  }
}

/**
 * The key a completion finds its invoke by: the operation's id when the trace carries one (the invoke's seq,
 * repeated on its completion), so overlapping operations of one process pair correctly; otherwise (traces
 * written before ids) the given key, oldest first.
 */
function pairKey(op: OpRecord, withoutId: string): string {
  return op.id !== undefined ? `id ${op.id}` : withoutId;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
