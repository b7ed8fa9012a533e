import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { shortReason } from '../check/checker.js';
import { checkTrace } from '../check/index.js';
import { worstVerdict, type CheckResult, type Violation } from '../check/result.js';
import { ResumingTraceSink, type ResumePoint } from '../engine/resume.js';
import { Runner, type RunOutcome, type SoakProgress } from '../engine/runner.js';
import type { Experiment } from '../experiment/types.js';
import { faults } from '../faults/catalogue.js';
import { writeReports } from '../report/index.js';
import type { Lanes } from '../report/lanes.js';
import { createSimTarget } from '../targets/sim/index.js';
import type { HeaderRecord, Invocation } from '../trace/records.js';
import { TraceWriter } from '../trace/writer.js';

export interface ExperimentRun {
  header: HeaderRecord;
  tracePath: string;
  result: CheckResult;
  outcome: RunOutcome;
  files: { summary: string; junit: string; html: string };
  lanes: Lanes;
}

/**
 * One whole run on the simulator: run the experiment, check the trace it wrote against the models, append
 * the footer, write the reports. The steps of DESIGN.md's data flow, in order, with nothing in between.
 */
export async function runExperiment(o: {
  experiment: Experiment;
  outDir: string;
  defects: string[];
  replay: string;
  log: Logger;
  signal?: AbortSignal;
  invocation?: Invocation;
  progress?: SoakProgress;
  /** Continue a killed soak after its last checkpoint (the run is regenerated up to there, then appended). */
  resume?: ResumePoint;
}): Promise<ExperimentRun> {
  const { experiment } = o;
  // Cluster properties are set on the cluster and read back into the header; the models' own settings are
  // recorded in full (defaults and the experiment's values) so a stored trace says every number it was checked with.
  const clusterSettings: Record<string, number> = {};
  const modelSettings: Record<string, number> = Object.fromEntries(
    settingDefinitions.filter((d) => d.kind === 'model').map((d) => [d.name, d.default]),
  );
  for (const [name, value] of Object.entries(experiment.settings)) {
    const kind = settingDefinitions.find((d) => d.name === name)?.kind;
    (kind === 'model' ? modelSettings : clusterSettings)[name] = value;
  }
  const target = createSimTarget({ cluster: experiment.cluster, simulator: experiment.simulator, seed: experiment.seed, defects: o.defects });
  const tracePath = o.resume?.tracePath ?? join(o.outDir, 'trace.ndjson');
  const sink = o.resume ? new ResumingTraceSink(o.resume) : undefined;
  const runner = new Runner({
    experiment,
    target,
    faults,
    tracePath,
    runId: o.resume?.header.runId ?? randomUUID(),
    ...(o.resume ? { startTime: o.resume.header.startTime } : {}),
    ...(sink ? { trace: sink } : {}),
    ...(o.invocation ? { invocation: o.invocation } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    defects: o.defects,
    replay: o.replay,
    clusterSettings,
    modelSettings,
    log: o.log,
    signal: o.signal,
  });
  let outcome: RunOutcome;
  try {
    outcome = await runner.run();
  } catch (e) {
    throw sink?.diverged ?? e;
  } finally {
    await target.close();
  }
  if (sink?.diverged) throw sink.diverged;
  if (o.resume && outcome.soak) outcome.soak.resumedAfter = o.resume.lastIteration;

  const { result: checked } = await checkTrace(tracePath);
  const result = withRunOutcome(checked, outcome);
  const footer = new TraceWriter(tracePath, { append: true, startSeq: runner.nextSeq });
  const { wallMs: _wall, ...run } = outcome;
  footer.write({ type: 'footer', t: outcome.virtualMs, verdict: result.verdict, reason: result.reason, run });
  footer.close();

  const { lanes, ...files } = await writeReports(o.outDir, { header: runner.header, tracePath, result, run: outcome });
  return { header: runner.header, tracePath, result, outcome, files, lanes };
}

/** The run's own outcome joins the checker's: an unrestored steady state fails, an aborted run is unknown. */
export function withRunOutcome(result: CheckResult, outcome: RunOutcome): CheckResult {
  const violations: Violation[] = [...result.violations];
  const unknowns = [...result.unknowns];
  if (outcome.steadyStateAfter && !outcome.steadyStateAfter.ok) {
    violations.push({
      rule: 'steady-state',
      entity: 'cluster',
      expected: 'every node Up and every VM Running once the experiment is over',
      observed: outcome.steadyStateAfter.detail,
      t: outcome.virtualMs,
      message: `The steady state did not come back within the experiment's steady-state timeout: ${outcome.steadyStateAfter.detail}.`,
      context: [],
    });
  }
  if (outcome.status === 'aborted') unknowns.unshift(`the run was aborted: ${outcome.abortReason}`);
  for (const r of outcome.reverts) {
    if (r.outcome !== 'ok') unknowns.push(`revert ${r.fault} ${r.outcome === 'fail' ? 'failed' : 'has an unknown outcome'}: check the cluster`);
  }
  const verdict = worstVerdict(violations.length ? 'fail' : 'pass', unknowns.length ? 'unknown' : 'pass');
  const changed = verdict !== result.verdict || violations.length !== result.violations.length;
  const reason = !changed ? result.reason : verdict === 'fail' ? shortReason(violations) : verdict === 'unknown' ? unknowns[0]! : result.reason;
  return { ...result, verdict, reason, violations, unknowns };
}
