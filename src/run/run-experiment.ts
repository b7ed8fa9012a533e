import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { checkTrace } from '../check/index.js';
import { worstVerdict, type CheckResult } from '../check/result.js';
import { ResumingTraceSink, type ResumePoint } from '../engine/resume.js';
import { Runner, type RunOutcome, type SoakProgress } from '../engine/runner.js';
import { loadExperiment } from '../experiment/load.js';
import type { Experiment } from '../experiment/types.js';
import { faults } from '../faults/catalogue.js';
import { writeReports } from '../report/index.js';
import type { Lanes } from '../report/lanes.js';
import { formatResidue, scanResidue, type Residue } from '../safety/residue.js';
import { createSimTarget } from '../targets/sim/index.js';
import type { Target } from '../targets/target.js';
import type { HeaderRecord, Invocation, TargetFacts } from '../trace/records.js';
import { traceVocabulary } from '../trace/schema.js';
import { describeWriteError, OutputError, writeWholeSync } from '../trace/output.js';
import { TraceWriter } from '../trace/writer.js';
import type { ExperimentRunner } from '../testing/mocha.js';

export interface ExperimentRun {
  header: HeaderRecord;
  tracePath: string;
  result: CheckResult;
  outcome: RunOutcome;
  files: { summary: string; junit: string; html: string };
  lanes: Lanes;
  /** What the run left on a real cluster (absent on the simulator). */
  residue?: Residue;
}

/**
 * One whole run: run the experiment (on the simulator, or on the target given), check the trace it wrote
 * against the models, append the footer, write the reports. The steps of DESIGN.md's data flow, in order; on a
 * real cluster a residue scan after the reverts, before the target is closed.
 */
/**
 * For mocha specs (src/testing): runs an experiment file on the simulator, quietly, into a new folder under the
 * system's temporary directory, and returns the checked run. `experiment(file, { runner: onSimulator })`.
 */
export const onSimulator: ExperimentRunner<ExperimentRun> = async (file, o) => {
  const experiment = loadExperiment(file, { settings: settingDefinitions, faults, ...(o.sets ? { sets: o.sets } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  const outDir = mkdtempSync(join(tmpdir(), `clusterchaos-${experiment.name}-`));
  return runExperiment({ experiment, outDir, defects: o.defects ?? [], replay: `npx clusterchaos run ${file}`, log: pino({ level: 'silent' }) });
};

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
  /** Run on this target instead of the simulator (opened by the caller; closed here). */
  target?: Target;
  /** The run's id (default a new one); a real target's tag is made from it before the run starts. */
  runId?: string;
  /** Scan for residue after the reverts: the run's tag (firewall rules and tasks carry it). */
  residue?: { tag: string };
  /** The undo journal's file (a real cluster: `clusterchaos revert <out>` reads it). */
  journal?: string;
  /** What first contact with a real cluster read, for the trace's header. */
  facts?: TargetFacts;
}): Promise<ExperimentRun> {
  const { experiment } = o;
  // Cluster properties are set on the cluster and read back into the header; the models' own settings are
  // recorded in full (defaults and the experiment's values) so a stored trace says every number it was checked with.
  const target = o.target ?? createSimTarget({ cluster: experiment.cluster, simulator: experiment.simulator, seed: experiment.seed, defects: o.defects });
  const clusterSettings = clusterSettingsOf(experiment, target.kind);
  // what the models assume and no cluster is asked: their own settings, and on a real cluster the simulator's
  const assumed = (kind: string): boolean => kind === 'model' || (kind === 'simulator' && target.kind !== 'sim');
  const modelSettings: Record<string, number> = Object.fromEntries(settingDefinitions.filter((d) => assumed(d.kind)).map((d) => [d.name, d.default]));
  for (const [name, value] of Object.entries(experiment.settings)) if (!(name in clusterSettings)) modelSettings[name] = value;
  const tracePath = o.resume?.tracePath ?? join(o.outDir, 'trace.ndjson');
  const sink = o.resume ? new ResumingTraceSink(o.resume) : undefined;
  const runner = new Runner({
    experiment,
    target,
    faults,
    tracePath,
    runId: o.resume?.header.runId ?? o.runId ?? randomUUID(),
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
    ...(o.journal ? { journal: o.journal } : {}),
    ...(o.facts ? { facts: o.facts } : {}),
  });
  let outcome: RunOutcome;
  let residue: Residue | undefined;
  try {
    outcome = await runner.run();
    if (o.residue) {
      // the reverts have run; nodes may still be joining, so the scan looks again for the steady-state timeout
      const changed = Object.keys(clusterSettings).filter((k) => runner.settingsBefore[k] !== undefined && runner.settingsBefore[k] !== clusterSettings[k]);
      residue = await scanResidue(target, {
        tag: o.residue.tag,
        settingsBefore: Object.fromEntries(changed.map((k) => [k, runner.settingsBefore[k]!])),
        nodes: experiment.cluster.nodes.filter((n) => !experiment.steadyState.downAfter.includes(n)),
        settleMs: experiment.steadyState.timeoutMs,
        intervalMs: experiment.observe.intervalMs,
      });
      for (const line of formatResidue(residue)) (residue.clean ? o.log.info : o.log.warn).call(o.log, line);
    }
  } catch (e) {
    throw sink?.diverged ?? e;
  } finally {
    await target.close();
  }
  if (sink?.diverged) throw sink.diverged;
  if (o.resume && outcome.soak) outcome.soak.resumedAfter = o.resume.lastIteration;
  const broken = runner.traceBroken;
  if (broken) {
    throw new OutputError(
      `cannot write the trace ${tracePath}: ${describeWriteError(broken)}. The run stopped and ran its reverts (${revertsSaid(outcome)}); ` +
        `the lines it could not write went to stderr. Make room (or give another --out) and run the experiment again.`,
      { cause: broken },
    );
  }

  // judged from the trace alone, as `check` and `report` judge it (the footer, not written yet, adds nothing to it)
  const { result: checked } = await checkTrace(tracePath, { operations: TRACE_OPERATIONS, footer: 'to-come' });
  const result = withResidue(checked, residue);
  let footer: TraceWriter;
  try {
    footer = new TraceWriter(tracePath, { append: true, startSeq: runner.nextSeq });
  } catch (e) {
    throw new OutputError(`cannot append the footer to ${tracePath}: ${describeWriteError(e)}; the run's verdict was ${result.verdict} — ${result.reason}`, { cause: e });
  }
  const { wallMs: _wall, ...run } = outcome;
  footer.write({ type: 'footer', t: outcome.virtualMs, verdict: result.verdict, reason: result.reason, run });
  footer.close();
  if (footer.broken) {
    throw new OutputError(
      `cannot append the footer to ${tracePath}: ${describeWriteError(footer.broken)}; the run's verdict was ${result.verdict} — ${result.reason} ` +
        `(every revert ran: ${revertsSaid(outcome)}). The trace is whole but for its footer: once there is room, \`clusterchaos report ${o.outDir}\` writes the reports from it`,
      { cause: footer.broken },
    );
  }

  const { lanes, ...files } = await writeReports(o.outDir, { header: runner.header, tracePath, result, run: outcome });
  if (residue) recordResidue(files.summary, residue);
  return { header: runner.header, tracePath, result, outcome, files, lanes, ...(residue ? { residue } : {}) };
}

/** A run that left the cluster damaged proved nothing: a dirty residue makes the verdict at least unknown. */
export function withResidue(result: CheckResult, residue: Residue | undefined): CheckResult {
  if (!residue || residue.clean) return result;
  const unknown = `the run left residue on the cluster: ${residue.findings.join('; ')}`;
  const unknowns = [...result.unknowns, unknown];
  const verdict = worstVerdict(result.verdict, 'unknown');
  return { ...result, unknowns, verdict, reason: verdict === result.verdict ? result.reason : unknown };
}

/** summary.json gets the residue beside the verdict (`residue: {clean, findings}`). */
function recordResidue(summaryFile: string, residue: Residue): void {
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
  writeWholeSync(summaryFile, JSON.stringify({ ...summary, residue }, null, 2) + '\n');
}

/** `2 reverts, all ok` / `3 reverts: kill-clussvc N2 ok, restore settings fail`: what a message about a stopped run says of its reverts. */
export function revertsSaid(outcome: RunOutcome): string {
  const all = outcome.reverts;
  if (!all.length) return 'there was nothing to revert';
  if (all.every((r) => r.outcome === 'ok')) return `${all.length} revert${all.length > 1 ? 's' : ''}, all ok`;
  return `${all.length} reverts: ${all.map((r) => `${r.fault} ${r.outcome === 'info' ? 'unknown' : r.outcome}`).join(', ')}`;
}

/**
 * The experiment's settings a run sets on the cluster for the run (restored afterwards): its Get-Cluster
 * properties; on the simulator also the simulator's own settings, which no real cluster has (review B5).
 */
export function clusterSettingsOf(experiment: Experiment, target: 'sim' | 'powershell'): Record<string, number> {
  const sent = (name: string): boolean => {
    const kind = settingDefinitions.find((d) => d.name === name)?.kind;
    return kind === 'cluster' || (kind === 'simulator' && target === 'sim');
  };
  return Object.fromEntries(Object.entries(experiment.settings).filter(([name]) => sent(name)));
}

/** Every operation a trace may hold, with the arguments each requires: the fault catalogue's faults and reverts, the runner's and the observer's own. */
export const TRACE_OPERATIONS = traceVocabulary([...faults.values()].map((f) => ({ name: f.name, revert: f.revert, params: { required: (f.params.required ?? []) as string[] } })));
