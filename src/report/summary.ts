import type { CheckResult, TransitionCoverage, Violation } from '../check/result.js';
import type { HeaderRecord, Millis, RunOutcome, Verdict } from '../trace/records.js';
import type { Lanes, Outcome } from './lanes.js';
import type { MigrationSummary } from './migrations.js';

/** What the runner reports about itself (the footer's run outcome). */
export type RunRecord = RunOutcome;

export interface ReportInput {
  header: HeaderRecord;
  tracePath: string;
  result: CheckResult;
  run: RunRecord;
}

export const SUMMARY_FORMAT = 1;

/** One injected fault, as the trace shows it. */
export interface SummaryFault {
  f: string;
  args: Record<string, unknown>;
  injectedAt: Millis;
  /** ok, fail (did not happen), info (may or may not have happened), or null: no completion line. */
  outcome: Outcome | null;
  error?: string;
  revertedAt?: Millis;
  revertOutcome?: Outcome;
  revertError?: string;
}

export interface SummaryEntity {
  /** Milliseconds spent in each display state (`Up`, `Isolated`, `Running`, `Unmonitored`, …). */
  states: Record<string, Millis>;
  /** Changes of display state. */
  transitions: number;
  observations: number;
  /** A VM's milliseconds per owner node, and how often its owner changed. */
  owners?: Record<string, Millis>;
  ownerChanges?: number;
}

/**
 * summary.json: the run record for scripts (as Chaos Toolkit's journal.json). Keys are stable; times are
 * milliseconds since the run started, durations milliseconds; file paths are relative to the summary's folder.
 */
export interface Summary {
  format: typeof SUMMARY_FORMAT;
  runId: string;
  experiment: HeaderRecord['experiment'];
  target: HeaderRecord['target'];
  seed: number;
  defects: string[];
  replay: string;
  startTime: string;
  settings: Record<string, number>;
  verdict: Verdict;
  reason: string;
  violations: Violation[];
  unknowns: string[];
  coverage: TransitionCoverage[];
  stats: CheckResult['stats'];
  run: RunRecord;
  faults: SummaryFault[];
  /** Injections beyond the report's limit, counted but not listed. */
  faultsOmitted: number;
  entities: Record<string, SummaryEntity>;
  /** Live migrations: count, failed, p50 / p95 / max of time and blackout, per transport, drains. */
  migrations: MigrationSummary | null;
  files: { trace: string; junit: string; html: string };
}

export interface SummaryFiles {
  trace: string;
  junit: string;
  html: string;
}

/**
 * The summary.json object. Pure: the per-entity times and the faults come from `lanes` (see collectLanes);
 * without them those two are empty.
 */
export function summaryOf(
  input: ReportInput,
  lanes?: Lanes,
  files: SummaryFiles = { trace: input.tracePath, junit: 'junit.xml', html: 'report.html' },
): Summary {
  const { header, result, run } = input;
  const entities: Record<string, SummaryEntity> = {};
  for (const lane of lanes?.lanes ?? []) {
    const e: SummaryEntity = { states: { ...lane.states }, transitions: lane.transitions, observations: lane.observations };
    if (lane.kind === 'vm') {
      e.owners = { ...lane.owners };
      e.ownerChanges = lane.ownerChanges;
    }
    entities[lane.entity] = e;
  }
  return {
    format: SUMMARY_FORMAT,
    runId: header.runId,
    experiment: { name: header.experiment.name, title: header.experiment.title, file: header.experiment.file },
    target: header.target,
    seed: header.seed,
    defects: [...header.defects],
    replay: header.replay,
    startTime: header.startTime,
    settings: { ...header.settings },
    verdict: result.verdict,
    reason: result.reason,
    violations: result.violations,
    unknowns: result.unknowns,
    coverage: result.coverage,
    stats: result.stats,
    run: runOf(run),
    faults: (lanes?.faults ?? []).map((w) => {
      const f: SummaryFault = { f: w.f, args: w.args, injectedAt: w.injectedAt, outcome: w.outcome ?? null };
      if (w.error !== undefined) f.error = w.error;
      if (w.revertedAt !== undefined) f.revertedAt = w.revertedAt;
      if (w.revertOutcome !== undefined) f.revertOutcome = w.revertOutcome;
      if (w.revertError !== undefined) f.revertError = w.revertError;
      return f;
    }),
    faultsOmitted: lanes?.faultsOmitted ?? 0,
    entities,
    migrations: lanes?.migrations.count ? lanes.migrations : null,
    files: { ...files },
  };
}

/** The runner's record with its keys always in the same order, whatever order the runner set them in. */
function runOf(run: RunRecord): RunRecord {
  return {
    status: run.status,
    ...(run.abortReason !== undefined ? { abortReason: run.abortReason } : {}),
    ...(run.steadyStateBefore ? { steadyStateBefore: { ok: run.steadyStateBefore.ok, detail: run.steadyStateBefore.detail } } : {}),
    ...(run.steadyStateAfter ? { steadyStateAfter: { ok: run.steadyStateAfter.ok, detail: run.steadyStateAfter.detail } } : {}),
    virtualMs: run.virtualMs,
    wallMs: run.wallMs,
    reverts: run.reverts.map((r) => ({ fault: r.fault, outcome: r.outcome, ...(r.error !== undefined ? { error: r.error } : {}) })),
    ...(run.soak ? { soak: run.soak } : {}),
    ...(run.observation ? { observation: run.observation } : {}),
    ...(run.notEffective ? { notEffective: run.notEffective } : {}),
    ...(run.methodStopped !== undefined ? { methodStopped: run.methodStopped } : {}),
  };
}
