import type { Target } from '../targets/target.js';

/**
 * JSON Schema (as ajv understands it) for a fault's parameters. A string property with
 * `format: 'duration'` (`500ms`, `90s`, `2m`, `1h`) reaches the fault as a number of milliseconds.
 */
export type ParamsSchema = Record<string, unknown>;

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
  inject(target: Target, params: P): Promise<unknown>;
  /** Undo the fault; registered before `inject` runs and called on every exit path. Idempotent. */
  revert(target: Target, params: P): Promise<unknown>;
}
