import type { Millis, Verdict } from '../trace/records.js';

/** A trace line quoted as evidence: its sequence number, time and raw JSON text. */
export interface QuotedLine {
  seq: number;
  t: Millis;
  text: string;
}

/** One difference between what the models allow and what the cluster did. */
export interface Violation {
  /** Short name of the rule broken, e.g. `node-membership` or `vm-health`. */
  rule: string;
  /** `node/N2`, `vm/sql01`. */
  entity: string;
  /** What the model allowed at that moment, in the cluster's words (`Isolated`, `Up or Isolated`). */
  expected: string;
  /** What was observed (`Down`). */
  observed: string;
  /** When it was observed (ms since the run started). */
  t: Millis;
  /** The stimulus it is measured from, e.g. `kill-clussvc on N2 at 00:00:30`, with the time since it. */
  since?: { what: string; t: Millis };
  /** The setting that governs the transition involved, with its value. */
  setting?: { name: string; value: number; unit: string };
  /** One or two sentences a person can read without the trace. */
  message: string;
  /** The trace lines around the observation. */
  context: QuotedLine[];
}

/** A model transition and how many times this run exercised it. */
export interface TransitionCoverage {
  model: string;
  from: string;
  to: string;
  event: string;
  count: number;
}

export interface CheckResult {
  verdict: Verdict;
  /** One line: why this verdict. */
  reason: string;
  violations: Violation[];
  /** Why the verdict could not be pass even without violations (things not observed, unknown outcomes). */
  unknowns: string[];
  coverage: TransitionCoverage[];
  stats: { records: number; observations: number; ops: number; events: number; maxWorlds: number };
}

/** Combine verdicts: fail > unknown > pass (as Jepsen's checkers compose). */
export function worstVerdict(...verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'pass';
}
