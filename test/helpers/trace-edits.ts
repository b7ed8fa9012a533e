/**
 * Edits of real traces, for the property tests of test/check/trace-edits.property.test.ts (issue 13): a trace
 * of a catalogue experiment, run on the simulator without defects, changed to show the cluster misbehaving in a
 * way the documentation forbids (the checker must fail it) or changed in a way that does not change what
 * happened (dropped, shifted, duplicated or reordered polls: the checker must still pass it). Each edit returns
 * a new list of records; `serialize` writes them back as a trace the reader accepts: `seq` renumbered in line
 * order (strictly increasing), and each op's `id` (the seq of its invoke line) carried over to the new numbers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { readStoredTrace } from '../../src/cli/report-command.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import type { Violation } from '../../src/check/result.js';
import type { Verdict } from '../../src/trace/records.js';

/** One trace record as parsed JSON: edits change fields freely, `serialize` renumbers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Rec = { type: string; [field: string]: any };

/** The records of a trace's text (the header first, the footer last if the run wrote it). */
export function parseTrace(text: string): Rec[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Rec);
}

/** A deep copy, so an edit never changes the trace another property reads. */
export function copy(recs: readonly Rec[]): Rec[] {
  return structuredClone(recs) as Rec[];
}

/**
 * The trace's text: every record after the header numbered 0, 1, 2… in line order, and each op's `id` (its
 * invoke's seq, on traces that carry it) mapped to the invoke's new number.
 */
export function serialize(recs: readonly Rec[]): string {
  const renumbered = new Map<number, number>();
  const out: Rec[] = [];
  let seq = 0;
  for (const r of recs) {
    if (r.type === 'header') {
      out.push(r);
      continue;
    }
    const n = { ...r, seq: seq++ };
    if (r.type === 'op' && r.phase === 'invoke' && typeof r.seq === 'number' && !renumbered.has(r.seq)) renumbered.set(r.seq, n.seq);
    out.push(n);
  }
  for (const r of out) if (r.type === 'op' && typeof r.id === 'number') r.id = renumbered.get(r.id) ?? r.id;
  return out.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

// ── where things are in a trace ─────────────────────────────────────────────────────────────────────

/** A poll: consecutive observe records with one `t`, indexes [start, end) in the record list. */
export interface Poll {
  start: number;
  end: number;
  t: number;
}

export function pollsOf(recs: readonly Rec[]): Poll[] {
  const out: Poll[] = [];
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.type !== 'observe') continue;
    const last = out.at(-1);
    if (last && last.end === i && last.t === r.t) last.end = i + 1;
    else out.push({ start: i, end: i + 1, t: r.t as number });
  }
  return out;
}

/** Index of the op line matching, or -1. */
export function findOp(recs: readonly Rec[], f: string, phase: string, pred: (r: Rec) => boolean = () => true, from = 0): number {
  for (let i = from; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.type === 'op' && r.f === f && r.phase === phase && pred(r)) return i;
  }
  return -1;
}

/** Index of the completion (ok | fail | info) of the op invoked at `invoke`: by id when the trace has ids, else the next completion of that process and name. */
export function completionOf(recs: readonly Rec[], invoke: number): number {
  const inv = recs[invoke]!;
  for (let i = invoke + 1; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.type !== 'op' || r.phase === 'invoke') continue;
    if (inv.id !== undefined ? r.id === inv.id : r.process === inv.process && r.f === inv.f) return i;
  }
  return -1;
}

/** [invoke, completion] of the steady-state check after the method. */
export function steadyStateAfter(recs: readonly Rec[]): { invoke: number; completion: number } {
  const invoke = findOp(recs, 'steady-state', 'invoke', (r) => r.args?.when === 'after');
  if (invoke < 0) throw new Error('the trace has no steady-state check after the method');
  return { invoke, completion: completionOf(recs, invoke) };
}

/** Index of the last op line. */
export function lastOp(recs: readonly Rec[]): number {
  for (let i = recs.length - 1; i >= 0; i--) if (recs[i]!.type === 'op') return i;
  return -1;
}

/**
 * The polls an edit may drop or change without changing what the run shows at its end: those before the
 * steady-state check after the method (its polls are what the run's outcome is judged from, and the poll after
 * the reverts is the last look at what they did).
 */
export function droppablePolls(recs: readonly Rec[]): Poll[] {
  const { invoke } = steadyStateAfter(recs);
  return pollsOf(recs).filter((p) => p.end <= invoke);
}

/** Indexes of the observe records of `entity` (optionally only those the predicate accepts). */
export function observationsOf(recs: readonly Rec[], entity: string, pred: (r: Rec, i: number) => boolean = () => true): number[] {
  const out: number[] = [];
  recs.forEach((r, i) => {
    if (r.type === 'observe' && r.entity === entity && pred(r, i)) out.push(i);
  });
  return out;
}

/** What a node observation says, as the checker classifies it: a flag (Isolated, Quarantined) first, else the State. */
export function nodeSays(r: Rec): string {
  const flags = r.state.StatusInformation as string[];
  if (flags.includes('Quarantined')) return 'Quarantined';
  if (flags.includes('Isolated')) return 'Isolated';
  return r.state.State as string;
}

/** The owner node's state (nodeSays) in the latest observation of it at or before index `i`. */
export function nodeStateAt(recs: readonly Rec[], node: string, i: number): string | undefined {
  for (let j = i; j >= 0; j--) {
    const r = recs[j]!;
    if (r.type === 'observe' && r.entity === `node/${node}`) return nodeSays(r);
  }
  return undefined;
}

// ── edits ───────────────────────────────────────────────────────────────────────────────────────────

/** The trace without the records at these indexes. */
export function without(recs: readonly Rec[], drop: Iterable<number>): Rec[] {
  const gone = new Set(drop);
  return copy(recs.filter((_, i) => !gone.has(i)));
}

/** The trace with `rec` inserted after index `i`. */
export function insertedAfter(recs: readonly Rec[], i: number, rec: Rec): Rec[] {
  const out = copy(recs);
  out.splice(i + 1, 0, structuredClone(rec));
  return out;
}

/** The trace with the records at these indexes changed by `change` (on a copy). */
export function changed(recs: readonly Rec[], at: Iterable<number>, change: (r: Rec) => void): Rec[] {
  const out = copy(recs);
  for (const i of at) change(out[i]!);
  return out;
}

// ── source traces and checking ──────────────────────────────────────────────────────────────────────

/** A catalogue experiment run on the simulator without defects, in this process; its trace's text (the run's folder removed). */
export async function catalogueTrace(name: string, sets: string[] = []): Promise<string> {
  const file = join(process.cwd(), 'experiments', `${name}.yaml`);
  const experiment = loadExperiment(file, { settings: settingDefinitions, faults, sets });
  const outDir = mkdtempSync(join(tmpdir(), `trace-edits-${name}-`));
  try {
    const { tracePath } = await runExperiment({ experiment, outDir, defects: [], replay: `npx clusterchaos run experiments/${name}.yaml`, log: pino({ level: 'silent' }) });
    return readFileSync(tracePath, 'utf8');
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export interface Checked {
  verdict: Verdict;
  reason: string;
  violations: Violation[];
  unknowns: string[];
}

let scratch: string | undefined;
let files = 0;

/** The records written to a trace file and read back as `clusterchaos check` reads it (readStoredTrace). */
export async function check(recs: readonly Rec[]): Promise<Checked> {
  scratch ??= mkdtempSync(join(tmpdir(), 'trace-edits-'));
  const path = join(scratch, `${files++ % 4}.ndjson`);
  writeFileSync(path, serialize(recs));
  const { result } = await readStoredTrace(path);
  return { verdict: result.verdict, reason: result.reason, violations: result.violations, unknowns: result.unknowns };
}

let kept: string | undefined;

/** Where a failing edit's trace is kept for a person to `clusterchaos check` it (a folder of its own, left in place after the tests). */
export function keep(recs: readonly Rec[], name: string): string {
  kept ??= mkdtempSync(join(tmpdir(), 'trace-edits-failed-'));
  const path = join(kept, `${name}.ndjson`);
  writeFileSync(path, serialize(recs));
  return path;
}

export function removeScratch(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** A one-line account of a check, for an assertion's message. */
export function said(c: Checked): string {
  const v = c.violations.map((x) => `${x.rule} ${x.entity}`).join(', ');
  return `verdict ${c.verdict} (${c.reason})${v ? `; violations: ${v}` : ''}${c.unknowns.length ? `; unknowns: ${c.unknowns.join(' | ')}` : ''}`;
}
