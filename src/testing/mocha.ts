/**
 * Helpers for mocha specs that assert on clusterchaos runs, without importing the CLI:
 *
 * ```ts
 * let run: CheckedRun;
 * before(async () => { run = await experiment('experiments/compute-resiliency.yaml', { runner: onSimulator }); });
 * it('conforms', () => expect(run).to.conform());
 * ```
 *
 * `runner` is the caller's way of running an experiment (e.g. a wrapper around the CLI's runExperiment); this
 * module only names the options, shares one run between the specs that ask for the same thing, and checks
 * that what came back is a checked run. `storedRun` re-checks a trace already on disk.
 */
import { checkTrace } from '../check/index.js';
import type { HeaderRecord } from '../trace/records.js';
import { isCheckedRun, type CheckedRun } from './chai.js';

export interface ExperimentOptions {
  /** Simulator defect profiles (`no-isolation`). */
  defects?: string[];
  /** The seed (default: the experiment's own). */
  seed?: number;
  /** `--set` overrides, `path=value`. */
  sets?: string[];
}

/** Runs an experiment file with these options and returns the checked run. */
export type ExperimentRunner<R extends CheckedRun = CheckedRun> = (file: string, options: ExperimentOptions) => Promise<R>;

const shared = new WeakMap<ExperimentRunner<CheckedRun>, Map<string, Promise<CheckedRun>>>();

/**
 * The checked run of `file` with these options, run once per runner and options: specs that ask for the same
 * run share it (a failed run is not kept, so the next spec tries again). Rejects if the runner returns
 * something without `tracePath` and `result`.
 */
export function experiment<R extends CheckedRun>(file: string, options: ExperimentOptions & { runner: ExperimentRunner<R> }): Promise<R> {
  const { runner, ...rest } = options;
  const runs = shared.get(runner) ?? new Map<string, Promise<CheckedRun>>();
  shared.set(runner, runs);
  const key = JSON.stringify([file, rest.defects ?? [], rest.seed ?? null, rest.sets ?? []]);
  let run = runs.get(key) as Promise<R> | undefined;
  if (!run) {
    run = runner(file, rest).then((r) => {
      if (!isCheckedRun(r)) throw new TypeError(`the runner for ${file} returned no checked run ({ tracePath, result })`);
      return r;
    });
    runs.set(key, run);
    run.catch(() => runs.delete(key));
  }
  return run;
}

/** A trace already written, checked again against the current models (as `clusterchaos check` does). */
export async function storedRun(tracePath: string): Promise<CheckedRun & { header: HeaderRecord }> {
  const { header, result } = await checkTrace(tracePath);
  return { tracePath, header, result };
}
