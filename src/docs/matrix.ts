/**
 * The detection matrix: every experiment in the catalogue run on the simulator once without defects and once
 * per defect profile, each with the experiment's own seed, in-process and in virtual time. It answers two
 * questions DESIGN.md asks of the checker: does each defect make at least one experiment fail (a checker that
 * never fails is not a checker), and does every experiment pass on the simulator as documented? The no-defect
 * runs' model coverage is kept too, for the catalogue-wide coverage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import type { TransitionCoverage, Violation } from '../check/result.js';
import { replayCommand } from '../run/replay.js';
import { readStoredTrace } from '../cli/report-command.js';
import { runExperiment } from '../run/run-experiment.js';
import { listExperiments, loadExperiment } from '../experiment/load.js';
import { faults } from '../faults/catalogue.js';
import { simDefects } from '../targets/sim/index.js';
import type { Verdict } from '../trace/records.js';

/** The repository root: experiments and docs are found from here whatever the working directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A run's verdict, or `error` when the run could not be made at all (the experiment does not load, the run throws). */
export type Outcome = Verdict | 'error';

export interface MatrixRun {
  experiment: string;
  /** The defect profile switched on, or undefined for the run without defects. */
  defect?: string;
  outcome: Outcome;
  /** The verdict's one-line reason, or the error's message. */
  reason: string;
  /** Model coverage of the run (kept for the runs without defects). */
  coverage: TransitionCoverage[];
  /** The command that replays the run. */
  replay: string;
  /** Wall time of the run (load, simulate, check, write the reports). */
  wallMs: number;
  /** The run's first violation (`rule entity`), if any. */
  firstViolation?: string;
  /** What `clusterchaos check` says of the run's stored trace: its verdict and first violation (they must be the run's). */
  checked?: { verdict: Verdict; firstViolation?: string };
}

/**
 * Soaks run at most this many iterations in the matrix (`--set iterations=…`): enough for every defect that
 * shows within a short soak, and the matrix stays minutes, not hours. Defects that need the long run have one.
 */
export const MATRIX_SOAK_ITERATIONS = 2000;

/** Runs longer than the matrix's cap, for defects that only show after thousands of iterations. */
export interface LongRun {
  defect: string;
  experiment: string;
  sets: string[];
  why: string;
}

export const LONG_RUNS: readonly LongRun[] = [
  {
    defect: 'storvsc-race',
    experiment: 'live-migration-soak',
    sets: ['iterations=20000'],
    why: 'the race shows once in thousands of migrations (KB2636573 took about 12,000 to reproduce)',
  },
];

export interface DetectionMatrix {
  /** `sets`: the overrides the matrix runs the experiment with (a soak's iteration cap). */
  experiments: { name: string; file: string; title: string; seed?: number; sets: string[] }[];
  defects: { name: string; summary: string }[];
  /** Experiment name → the run without defects. */
  baseline: Map<string, MatrixRun>;
  /** Defect name → experiment name → the run with that defect. */
  runs: Map<string, Map<string, MatrixRun>>;
  /** The long runs, each with its run without the defect (which must pass for the long run to count). */
  longRuns: { spec: LongRun; baseline: MatrixRun; run: MatrixRun }[];
  /** Wall time of the whole matrix. */
  wallMs: number;
}

export interface MatrixOptions {
  /** The experiment catalogue; default `experiments/` in the repository. */
  dir?: string;
  /** Defect profiles to try; default every profile the simulator has (`simDefects`). */
  defects?: readonly { name: string; summary: string }[];
  /** Default: silent. */
  log?: Logger;
}

/** Run every experiment without defects and under each defect profile. Reports are written to a temporary folder, removed afterwards. */
export async function runDetectionMatrix(o: MatrixOptions = {}): Promise<DetectionMatrix> {
  const started = performance.now();
  const dir = o.dir ?? join(ROOT, 'experiments');
  const defects = [...(o.defects ?? simDefects)].map(({ name, summary }) => ({ name, summary }));
  const log = o.log ?? pino({ level: 'silent' });
  const listed = listExperiments(dir);
  const experiments: DetectionMatrix['experiments'] = listed.map(({ name, file, title }) => ({ name, file, title, ...loaded(file) }));
  const baseline = new Map<string, MatrixRun>();
  const runs = new Map<string, Map<string, MatrixRun>>(defects.map((d) => [d.name, new Map()]));
  const longRuns: DetectionMatrix['longRuns'] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'clusterchaos-matrix-'));
  try {
    for (const entry of experiments) {
      baseline.set(entry.name, await runOne(entry, undefined, scratch, log));
      for (const d of defects) runs.get(d.name)!.set(entry.name, await runOne(entry, d.name, scratch, log));
    }
    for (const spec of LONG_RUNS) {
      const entry = experiments.find((e) => e.name === spec.experiment);
      if (!entry || !defects.some((d) => d.name === spec.defect)) continue;
      const long = { ...entry, sets: spec.sets };
      longRuns.push({ spec, baseline: await runOne(long, undefined, scratch, log), run: await runOne(long, spec.defect, scratch, log) });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { experiments, defects, baseline, runs, longRuns, wallMs: performance.now() - started };
}

async function runOne(
  entry: DetectionMatrix['experiments'][number],
  defect: string | undefined,
  scratch: string,
  log: Logger,
): Promise<MatrixRun> {
  const file = displayPath(entry.file);
  const defects = defect === undefined ? [] : [defect];
  const base = { experiment: entry.name, ...(defect === undefined ? {} : { defect }), coverage: [] };
  const replay = replayCommand({ file, seed: entry.seed ?? 0, sets: entry.sets, defects, target: 'sim' }, 'posix');
  const started = performance.now();
  try {
    const experiment = loadExperiment(entry.file, { settings: settingDefinitions, faults, sets: entry.sets });
    const outDir = mkdtempSync(join(scratch, `${entry.name}-${defect ?? 'no-defect'}-`));
    const { result, tracePath } = await runExperiment({ experiment, outDir, defects, replay, log });
    const wallMs = performance.now() - started;
    const { result: stored } = await readStoredTrace(tracePath);
    const first = (v: Violation | undefined): { firstViolation?: string } => (v ? { firstViolation: `${v.rule} ${v.entity}` } : {});
    return {
      ...base,
      outcome: result.verdict,
      reason: result.reason,
      coverage: result.coverage,
      replay,
      wallMs,
      ...first(result.violations[0]),
      checked: { verdict: stored.verdict, ...first(stored.violations[0]) },
    };
  } catch (e) {
    const message = (e as Error).message.split('\n').filter(Boolean).slice(0, 3).join(' ');
    return { ...base, outcome: 'error', reason: message, replay, wallMs: performance.now() - started };
  }
}

/** The experiment's seed and the matrix's overrides for it, or no seed when it does not load (its runs then say why). */
function loaded(file: string): { seed?: number; sets: string[] } {
  try {
    const e = loadExperiment(file, { settings: settingDefinitions, faults });
    const capped = e.soak?.iterations !== undefined && e.soak.iterations > MATRIX_SOAK_ITERATIONS;
    return { seed: e.seed, sets: capped ? [`iterations=${MATRIX_SOAK_ITERATIONS}`] : [] };
  } catch {
    return { sets: [] };
  }
}

/** A path as a user types it from the repository root. */
function displayPath(file: string): string {
  const rel = relative(ROOT, file);
  return rel.startsWith('..') ? file : rel.split('\\').join('/');
}

// ── what the matrix says ────────────────────────────────────────────────────────────────────────────

/**
 * Experiments that catch a defect: the run with the defect fails while the run without it passes (a run
 * that fails anyway proves nothing about the defect).
 */
export function caughtBy(matrix: DetectionMatrix, defect: string): string[] {
  const row = matrix.runs.get(defect);
  if (!row) return [];
  const short = matrix.experiments
    .map((e) => e.name)
    .filter((name) => row.get(name)?.outcome === 'fail' && matrix.baseline.get(name)?.outcome === 'pass');
  const long = (matrix.longRuns ?? [])
    .filter((l) => l.spec.defect === defect && l.run.outcome === 'fail' && l.baseline.outcome === 'pass')
    .map((l) => `${l.spec.experiment} --set ${l.spec.sets.join(' --set ')}`);
  return [...short, ...long];
}

/** Defect profiles that no experiment of the catalogue catches. */
export function uncaughtDefects(matrix: DetectionMatrix): { name: string; summary: string }[] {
  return matrix.defects.filter((d) => caughtBy(matrix, d.name).length === 0);
}

/** Runs without defects that did not pass: the experiment, or the checker, is wrong about the documented behaviour. */
export function failingBaselines(matrix: DetectionMatrix): MatrixRun[] {
  return matrix.experiments.map((e) => matrix.baseline.get(e.name)!).filter((r) => r.outcome !== 'pass');
}
