import type { Target } from '../targets/target.js';

/**
 * JSON Schema (as ajv understands it) for a fault's parameters. A string property with
 * `format: 'duration'` (`500ms`, `90s`, `2m`, `1h`) reaches the fault as a number of milliseconds.
 */
export type ParamsSchema = Record<string, unknown>;

/** What a fault may know about where it runs: the soak iteration and a seeded random source. */
export interface FaultContext {
  /** 1-based iteration of the method (always 1 outside soaks). */
  iteration: number;
  /** Uniform in [0, 1), seeded from the run's seed, the iteration and the step: replays draw the same numbers. */
  random(): number;
  /** Per-migration timeout from the soak section (or its default). */
  migrationTimeoutMs: number;
}

/**
 * A fault in the catalogue. Like a Jepsen nemesis, it is just an operation on the cluster: the runner
 * records `op` lines around `inject` and `revert`; the checker reads the model's stimulus from those lines.
 */
export interface FaultDefinition<P = Record<string, unknown>> {
  name: string;
  /** One line for `clusterchaos list faults`. */
  summary: string;
  /** Schema of the step's parameters (everything in the step besides `fault:`). */
  params: ParamsSchema;
  /** Nodes the fault impairs (for the safety guard and reports). */
  impairs(params: P): string[];
  /**
   * Turn policy parameters into concrete ones before the op's invoke line is written (`to: round-robin` →
   * `to: N3`), so the trace records what was actually asked of the cluster. Absent: the params as written.
   */
  resolve?(target: Target, params: P, context: FaultContext): Promise<P>;
  inject(target: Target, params: P, context: FaultContext): Promise<unknown>;
  /**
   * Undo the fault; registered before `inject` runs and called on every exit path. Idempotent. Absent for
   * workload operations that leave nothing to undo (a live migration moves a VM; it breaks nothing).
   */
  revert?(target: Target, params: P): Promise<unknown>;
}
