/**
 * Shrinking a failing soak on the simulator, as fast-check shrinks a failing input: the schedule that led to
 * the first anomaly (every operation the soak asked for, in order, as the trace records them) is cut down by
 * delta debugging while a replay on a fresh simulator — same seed, same defects — still fails with the same
 * rule on the same entity. What is left is written as an ordinary experiment, `shrunk.yaml`, beside the
 * results, with the command that runs it. Shrinking has a budget (replays and wall time) and keeps the best
 * schedule found when it runs out; a schedule that cannot be cut is said so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseDocument } from 'yaml';
import type { Violation } from '../check/result.js';
import type { Experiment, FaultStep } from '../experiment/types.js';
import { applySets } from '../experiment/overrides.js';
import { faults } from '../faults/catalogue.js';
import { writeWholeSync } from '../trace/output.js';
import { readTrace } from '../trace/reader.js';
import { replayCommand } from '../run/replay.js';
import { runExperiment } from '../run/run-experiment.js';

export interface ShrinkOptions {
  experiment: Experiment;
  /** The experiment file and the --set flags the run was started with (baked into shrunk.yaml). */
  file: string;
  sets: string[];
  defects: string[];
  /** The failing run's trace and folder. */
  tracePath: string;
  outDir: string;
  /** The violation to reproduce: the first one of the failing run. */
  violation: Violation;
  /** Wall-time budget, ms (default 20 s), and most replays (default 200). */
  budgetMs?: number;
  maxReplays?: number;
  /** A stop signal (Ctrl-C, SIGTERM…): shrinking ends after the replay in progress, keeping the best schedule so far. */
  signal?: AbortSignal;
}

export interface ShrinkResult {
  /** Steps in the failing schedule, and in the shrunk one. */
  from: number;
  to: number;
  replays: number;
  wallMs: number;
  /** The shrunk experiment, and the command that runs it (it fails the same way). */
  file: string;
  command: string;
  /** Stopped by a stop signal before the budget was spent. */
  interrupted: boolean;
}

/** The soak's schedule: every fault or workload operation it invoked, in order, with the arguments the trace recorded. */
export async function scheduleOf(tracePath: string): Promise<FaultStep[]> {
  const steps: FaultStep[] = [];
  for await (const { record } of readTrace(tracePath)) {
    if (record.type !== 'op' || record.phase !== 'invoke' || record.process === 'runner' || record.f.startsWith('revert:')) continue;
    if (!faults.has(record.f)) continue;
    steps.push({ kind: 'fault', fault: record.f, params: record.args });
  }
  return steps;
}

/** Whether an operation names the entity (`vm/sql01` → `vm: sql01`; `node/N2` → `node: N2`). */
function touches(step: FaultStep, entity: string): boolean {
  const [kind, name] = entity.split('/', 2) as [string, string | undefined];
  const value = step.params[kind];
  return name !== undefined && (value === name || (Array.isArray(value) && value.includes(name)));
}

/**
 * Whether shrinking can help: a soak on the simulator whose method is only operations (no waits to keep), one
 * after another. A method with a `parallel:` block is not shrunk: the schedule read back from the trace is a
 * sequence, and replaying its operations one after another would drop what ran at once (the likeliest cause).
 */
export function shrinkable(experiment: Experiment, stoppedAt: number | undefined): boolean {
  return experiment.soak !== undefined && stoppedAt !== undefined && stoppedAt > 1 && experiment.method.every((s) => s.kind === 'fault' && !s.parallel);
}

export async function shrinkSoak(o: ShrinkOptions): Promise<ShrinkResult> {
  const started = performance.now();
  const budgetMs = o.budgetMs ?? 20_000;
  const maxReplays = o.maxReplays ?? 200;
  const schedule = await scheduleOf(o.tracePath);
  const scratch = mkdtempSync(join(tmpdir(), 'clusterchaos-shrink-'));
  let replays = 0;
  const log = pino({ level: 'silent' });
  const fails = async (steps: FaultStep[]): Promise<boolean> => {
    replays++;
    const outDir = mkdtempSync(join(scratch, 'replay-'));
    try {
      const experiment: Experiment = { ...o.experiment, method: steps };
      delete experiment.soak;
      const { result } = await runExperiment({ experiment, outDir, defects: o.defects, replay: 'shrinking', log });
      return result.violations.some((v) => v.rule === o.violation.rule && v.entity === o.violation.entity);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  };
  const inBudget = () => !o.signal?.aborted && replays < maxReplays && performance.now() - started < budgetMs;
  let shrunk: FaultStep[];
  try {
    // First the cut a person would try: only the operations on the entity the violation names (a VM's own
    // migrations; a node's own faults). Then delta debugging from whatever is smallest.
    const own = schedule.filter((step) => touches(step, o.violation.entity));
    const start = own.length > 0 && own.length < schedule.length && inBudget() && (await fails(own)) ? own : schedule;
    shrunk = await ddmin(start, fails, inBudget);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const file = join(o.outDir, 'shrunk.yaml');
  writeWholeSync(file, shrunkExperiment(o, shrunk, schedule.length));
  const command = replayCommand({ file, seed: o.experiment.seed, sets: [], defects: o.defects, target: 'sim' });
  return { from: schedule.length, to: shrunk.length, replays, wallMs: performance.now() - started, file, command, interrupted: o.signal?.aborted === true };
}

/**
 * Delta debugging (Zeller's ddmin), ordered: try each chunk alone, then the schedule without each chunk; on
 * success go on from the smaller schedule, otherwise split finer. Stops when no chunk can go or the budget
 * is spent, returning the smallest failing schedule found.
 */
export async function ddmin<T>(items: T[], fails: (xs: T[]) => Promise<boolean>, inBudget: () => boolean): Promise<T[]> {
  let current = items;
  let n = 2;
  while (current.length >= 2 && inBudget()) {
    const size = Math.ceil(current.length / n);
    const chunks = Array.from({ length: Math.ceil(current.length / size) }, (_, i) => [i * size, Math.min(current.length, (i + 1) * size)] as const);
    let next: T[] | undefined;
    for (const [a, b] of chunks) {
      if (!inBudget()) break;
      const alone = current.slice(a, b);
      if (alone.length < current.length && (await fails(alone))) {
        next = alone;
        n = 2;
        break;
      }
    }
    if (!next) {
      for (const [a, b] of chunks) {
        if (!inBudget() || chunks.length < 2) break;
        const without = [...current.slice(0, a), ...current.slice(b)];
        if (await fails(without)) {
          next = without;
          n = Math.max(n - 1, 2);
          break;
        }
      }
    }
    if (next) current = next;
    else if (size <= 1) break;
    else n = Math.min(current.length, n * 2);
  }
  return current;
}

/** The experiment file with the run's --set values applied, no soak, and the shrunk schedule as its method. */
function shrunkExperiment(o: ShrinkOptions, steps: FaultStep[], from: number): string {
  const doc = parseDocument(readFileSync(o.file, 'utf8'));
  applySets(doc, o.sets, o.file);
  for (const key of ['iterations', 'duration', 'soak']) doc.delete(key);
  doc.set(
    'method',
    steps.map((s) => ({ fault: s.fault, ...durationsAsText(s) })),
  );
  doc.commentBefore =
    ` Shrunk by clusterchaos from a soak of ${o.experiment.name} that failed with ${o.violation.rule} on ${o.violation.entity}:\n` +
    ` ${steps.length} of its ${from} operations still fail the same way on the simulator with seed ${o.experiment.seed}` +
    `${o.defects.length ? ` and --defect ${o.defects.join(' --defect ')}` : ''}.\n Original: ${o.file}${o.sets.length ? ` ${o.sets.map((s) => `--set ${s}`).join(' ')}` : ''}`;
  return doc.toString({ lineWidth: 0 });
}

/** Parameters the trace holds in ms go back to the file's duration text (`600000ms`). */
function durationsAsText(step: FaultStep): Record<string, unknown> {
  const schema = (faults.get(step.fault)?.params as { properties?: Record<string, { format?: string }> } | undefined)?.properties ?? {};
  return Object.fromEntries(Object.entries(step.params).map(([k, v]) => [k, schema[k]?.format === 'duration' && typeof v === 'number' ? `${v}ms` : v]));
}
