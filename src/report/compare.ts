import type { FooterRecord, HeaderRecord, Millis, Verdict } from '../trace/records.js';
import type { Interval, Lane, Lanes } from './lanes.js';
import type { MigrationSummary } from './migrations.js';

/**
 * `clusterchaos compare`: what changed between two stored runs (before and after a settings change, a cumulative
 * update). Pure: each run is its header, its footer (if it wrote one) and the lanes the report draws
 * (collectLanes), so the transitions compared are exactly the ones report.html shows.
 */

/** One stored run, read for comparing. */
export interface ComparedRun {
  /** The folder (or trace) as the user named it. */
  where: string;
  header: HeaderRecord;
  footer?: FooterRecord;
  lanes: Lanes;
}

/** What a person needs to tell the two runs apart, and their verdicts. */
export interface RunFacts {
  where: string;
  experiment: string;
  title: string;
  target: HeaderRecord['target'];
  seed: number;
  startTime: string;
  /** The verdict the run recorded in its footer; `unfinished` when it has none (killed, or still running). */
  verdict: Verdict | 'unfinished';
  reason: string;
  /** Length on the run's clock (virtual time on the simulator). */
  virtualMs: Millis;
}

/** A way the two runs were set up differently: a setting, the seed, the defects, the --set flags, the cluster. */
export interface Difference {
  what: string;
  a: string;
  b: string;
}

/** The k-th time an entity went from one state to another, in each run (absent: not in that run). */
export interface TransitionRow {
  from: string;
  to: string;
  /** 1 for the first time the entity made this change, 2 for the second, … */
  occurrence: number;
  a?: TransitionTime;
  b?: TransitionTime;
}

export interface TransitionTime {
  /** When the change was first observed, on the run's clock. */
  at: Millis;
  /** How long the state it left had lasted (from the first observation that showed it). */
  held: Millis;
}

/** One node or VM: its transitions side by side, or, when it changed too often to list, its time per state. */
export interface EntityComparison {
  entity: string;
  label: string;
  /** Whether anything differs: a transition only in one run, or at another time, or another time per state. */
  changed: boolean;
  rows: TransitionRow[];
  /** Set instead of rows when either run has more than MAX_ROWS changes (a soak's VM): counts and time per state. */
  many?: { transitions: [number, number]; moves: [number, number]; states: { state: string; a: Millis; b: Millis }[] };
}

/** A live-migration figure in both runs (null: no completed migration to measure). */
export interface MigrationRow {
  what: string;
  unit: 'count' | 'ms';
  a: number | null;
  b: number | null;
}

export interface Comparison {
  a: RunFacts;
  b: RunFacts;
  sameExperiment: boolean;
  differences: Difference[];
  entities: EntityComparison[];
  /** Null when neither run made a live migration. */
  migrations: MigrationRow[] | null;
}

/** Beyond this many changes of one entity, the rows are no longer readable: its time per state is compared instead. */
export const MAX_ROWS = 24;

export function compareRuns(a: ComparedRun, b: ComparedRun): Comparison {
  return {
    a: factsOf(a),
    b: factsOf(b),
    sameExperiment: a.header.experiment.name === b.header.experiment.name,
    differences: differencesOf(a.header, b.header),
    entities: entitiesOf(a.lanes, b.lanes),
    migrations: migrationsOf(a.lanes.migrations, b.lanes.migrations),
  };
}

function factsOf(run: ComparedRun): RunFacts {
  const { header, footer, lanes } = run;
  return {
    where: run.where,
    experiment: header.experiment.name,
    title: header.experiment.title,
    target: header.target,
    seed: header.seed,
    startTime: header.startTime,
    verdict: footer?.verdict ?? 'unfinished',
    reason: footer?.reason ?? 'the trace has no footer: the run was killed, or is still running',
    virtualMs: footer?.run?.virtualMs ?? footer?.t ?? lanes.endT,
  };
}

function differencesOf(a: HeaderRecord, b: HeaderRecord): Difference[] {
  const out: Difference[] = [];
  const differ = (what: string, x: string, y: string): void => {
    if (x !== y) out.push({ what, a: x, b: y });
  };
  differ('experiment', `${a.experiment.name} (${a.experiment.file})`, `${b.experiment.name} (${b.experiment.file})`);
  differ('target', a.target, b.target);
  differ('seed', String(a.seed), String(b.seed));
  differ('defects', a.defects.join(', ') || 'none', b.defects.join(', ') || 'none');
  differ('--set', a.invocation?.sets.join(' ') || 'none', b.invocation?.sets.join(' ') || 'none');
  differ('cluster', clusterOf(a), clusterOf(b));
  const settings = [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])].sort();
  for (const s of settings) differ(s, String(a.settings[s] ?? 'not set'), String(b.settings[s] ?? 'not set'));
  differ('timing tolerance', `${a.check.toleranceMs} ms`, `${b.check.toleranceMs} ms`);
  return out;
}

function clusterOf(h: HeaderRecord): string {
  return `${h.cluster.name}: ${h.cluster.nodes.length} nodes, ${h.cluster.vms.length} VMs`;
}

/** Entities of A in its order, then those only in B. */
function entitiesOf(a: Lanes, b: Lanes): EntityComparison[] {
  const inB = new Map(b.lanes.map((l) => [l.entity, l]));
  const seen = new Set<string>();
  const out: EntityComparison[] = [];
  for (const lane of [...a.lanes, ...b.lanes]) {
    if (seen.has(lane.entity)) continue;
    seen.add(lane.entity);
    const other = inB.get(lane.entity);
    const left = a.lanes.find((l) => l.entity === lane.entity);
    out.push(entityOf(lane.entity, lane.label, left, left ? other : lane));
  }
  return out;
}

function entityOf(entity: string, label: string, a: Lane | undefined, b: Lane | undefined): EntityComparison {
  const ta = transitionsOf(a);
  const tb = transitionsOf(b);
  const merged = (l: Lane | undefined): boolean => (l?.intervals ?? []).some((i) => i.merged);
  if (ta.length > MAX_ROWS || tb.length > MAX_ROWS || merged(a) || merged(b)) {
    const states = [...new Set([...Object.keys(a?.states ?? {}), ...Object.keys(b?.states ?? {})])].map((state) => ({ state, a: a?.states[state] ?? 0, b: b?.states[state] ?? 0 }));
    const transitions: [number, number] = [a?.transitions ?? 0, b?.transitions ?? 0];
    const moves: [number, number] = [a?.ownerChanges ?? 0, b?.ownerChanges ?? 0];
    const changed = transitions[0] !== transitions[1] || moves[0] !== moves[1] || states.some((s) => s.a !== s.b);
    return { entity, label, changed, rows: [], many: { transitions, moves, states } };
  }
  const rows = pair(ta, tb);
  const changed = rows.some((r) => !r.a || !r.b || r.a.at !== r.b.at || r.a.held !== r.b.held);
  return { entity, label, changed, rows };
}

interface Change {
  from: string;
  to: string;
  time: TransitionTime;
}

/** A lane's changes of state, as the timeline draws them: each interval's start after the first. */
function transitionsOf(lane: Lane | undefined): Change[] {
  const iv = lane?.intervals ?? [];
  const out: Change[] = [];
  for (let i = 1; i < iv.length; i++) {
    out.push({ from: stateOf(iv[i - 1]!), to: stateOf(iv[i]!), time: { at: iv[i]!.from, held: iv[i]!.from - iv[i - 1]!.from } });
  }
  return out;
}

/** `Running on N2`: a VM's state with its owner, as the console's account of a run says it. */
function stateOf(i: Interval): string {
  return i.owner ? `${i.state} on ${i.owner}` : i.state;
}

/** The k-th A → B change of one run beside the k-th of the other, in the order they happened. */
function pair(a: Change[], b: Change[]): TransitionRow[] {
  const rows = new Map<string, TransitionRow>();
  const order: TransitionRow[] = [];
  const add = (changes: Change[], side: 'a' | 'b'): void => {
    const counts = new Map<string, number>();
    for (const c of changes) {
      const kind = `${c.from}\u0000${c.to}`;
      const k = (counts.get(kind) ?? 0) + 1;
      counts.set(kind, k);
      const key = `${kind}\u0000${k}`;
      let row = rows.get(key);
      if (!row) {
        row = { from: c.from, to: c.to, occurrence: k };
        rows.set(key, row);
        order.push(row);
      }
      row[side] = c.time;
    }
  };
  add(a, 'a');
  add(b, 'b');
  const when = (r: TransitionRow): number => Math.min(r.a?.at ?? Infinity, r.b?.at ?? Infinity);
  return order.sort((x, y) => when(x) - when(y));
}

function migrationsOf(a: MigrationSummary, b: MigrationSummary): MigrationRow[] | null {
  if (!a.count && !b.count) return null;
  const rows: MigrationRow[] = [
    { what: 'live migrations', unit: 'count', a: a.count, b: b.count },
    { what: 'completed', unit: 'count', a: a.completed, b: b.completed },
    { what: 'failed', unit: 'count', a: a.failed, b: b.failed },
    { what: 'outcome unknown', unit: 'count', a: a.unknown, b: b.unknown },
    { what: 'time, median', unit: 'ms', a: a.totalMs?.p50 ?? null, b: b.totalMs?.p50 ?? null },
    { what: 'time, p95', unit: 'ms', a: a.totalMs?.p95 ?? null, b: b.totalMs?.p95 ?? null },
    { what: 'time, max', unit: 'ms', a: a.totalMs?.max ?? null, b: b.totalMs?.max ?? null },
    { what: 'blackout, median', unit: 'ms', a: a.blackoutMs?.p50 ?? null, b: b.blackoutMs?.p50 ?? null },
    { what: 'blackout, p95', unit: 'ms', a: a.blackoutMs?.p95 ?? null, b: b.blackoutMs?.p95 ?? null },
  ];
  return rows;
}

// ── words ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A span for a person: `30.0 s`, `240.1 s` (seconds, as the settings are given, up to an hour: `4:00.1` would read
 * as a time on the run's clock), then `304 h 37 min 59 s` (a soak's million seconds say nothing).
 */
export function span(ms: Millis): string {
  if (ms < 3_600_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min ${String(s % 60).padStart(2, '0')} s`;
}

/** B relative to A: `+30.0 s`, `−0.2 s`, `same`. */
export function delta(a: number, b: number, unit: 'ms' | 'count' = 'ms'): string {
  const d = b - a;
  if (d === 0) return 'same';
  const sign = d > 0 ? '+' : '−';
  if (unit === 'count') return `${sign}${Math.abs(d)}`;
  // under a tenth of a second, in ms: `+0.0 s` would read as no change
  return Math.abs(d) < 100 ? `${sign}${Math.round(Math.abs(d))} ms` : `${sign}${span(Math.abs(d))}`;
}
