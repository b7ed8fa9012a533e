/**
 * One run of a campaign. On the simulator, in this process, as `clusterchaos run` makes it (the same loading,
 * defect check, blast-radius guard, invocation and replay command), so a campaign's run and the command its record
 * prints give the same trace. On a real cluster, through src/campaign/real-run.ts (a `clusterchaos run --target
 * powershell` child, its undo journal mirrored).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, posix } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { loadExperiment } from '../experiment/load.js';
import { faults } from '../faults/catalogue.js';
import type { Summary, SummaryEntity } from '../report/summary.js';
import { replayCommand } from '../run/replay.js';
import { runExperiment } from '../run/run-experiment.js';
import { guardBlastRadius } from '../safety/blast-radius.js';
import { simDefects } from '../targets/sim/index.js';
import type { Invocation } from '../trace/records.js';
import { keepEvidence } from './results.js';
import type { Keep, RunMetrics, RunRecord, RunSpec, Verdict } from './types.js';

export interface ExecuteOptions {
  outRoot: string;
  keep: Keep;
  via: 'process' | 'pool' | 'queue';
  /** How often this run has been started, this time included (a pool or a queue retrying a run whose worker died). */
  attempts?: number;
  signal?: AbortSignal;
  /** For a real cluster's run: the allowlist naming it. */
  allowlist?: string;
  /** For a real cluster's run: each line of its undo journal as it is written. */
  onJournal?: (line: string) => void;
}

/** The folder of a run under the campaign's output folder, as the record names it (relative, `/`-separated). */
export function runFolder(spec: RunSpec): string {
  return posix.join('runs', spec.key);
}

/** The command that replays a campaign's run alone: the `npx clusterchaos run …` line a user pastes. */
export function replayOf(spec: RunSpec): string {
  const target = spec.target.kind === 'powershell' ? 'powershell' : 'sim';
  return replayCommand({
    file: spec.file,
    seed: spec.seed,
    sets: spec.sets,
    defects: spec.defect === null ? [] : [spec.defect],
    target,
    ...(spec.target.kind === 'powershell' && spec.target.rehearse ? { rehearse: true } : {}),
  });
}

const NO_METRICS: RunMetrics = { vmsFailedOver: 0, unmonitoredMs: 0, virtualMs: 0 };

/** Run one spec and return its record; never throws for a run that could not be made (that is an `unknown` record). */
export async function executeRun(spec: RunSpec, o: ExecuteOptions): Promise<RunRecord> {
  const started = performance.now();
  const rel = runFolder(spec);
  const dir = join(o.outRoot, rel);
  const replay = replayOf(spec);
  const ran = (): RunRecord['ran'] => ({ host: hostname(), pid: process.pid, attempts: o.attempts ?? 1, wallMs: Math.round(performance.now() - started), via: o.via });
  const record = (verdict: Verdict, reason: string, violations: RunRecord['violations'], metrics: RunMetrics): RunRecord => {
    // a run started again (its worker died) writes into a clean folder; evidence is kept or removed per `keep`
    const keep = keepEvidence(o.keep, spec, verdict) && existsSync(dir);
    if (!keep) rmSync(dir, { recursive: true, force: true });
    return { key: spec.key, index: spec.index, spec, verdict, reason, violations, replay, metrics, ...(keep ? { evidence: rel } : {}), ran: ran() };
  };

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    if (spec.target.kind === 'powershell') {
      if (o.allowlist === undefined) {
        return record('unknown', `${spec.key}: a run on the cluster ${spec.target.cluster} needs an allowlist naming it (--allowlist); nothing was done to the cluster`, [], NO_METRICS);
      }
      const { executeRealRun } = await import('./real-run.js');
      const real = await executeRealRun(spec, { outDir: dir, allowlist: o.allowlist, onJournal: o.onJournal ?? (() => undefined), ...(o.signal ? { signal: o.signal } : {}) });
      const summary = readSummary(join(dir, 'summary.json'));
      return record(real.verdict, real.reason, summary ? violationsOf(summary) : [], summary ? metricsOf(summary) : NO_METRICS);
    }
    return await simRun(spec, o, dir, replay, record);
  } catch (e) {
    return record('unknown', `${spec.key}: the run could not be made: ${(e as Error)?.message ?? String(e)}`, [], NO_METRICS);
  }
}

async function simRun(
  spec: RunSpec,
  o: ExecuteOptions,
  dir: string,
  replay: string,
  record: (verdict: Verdict, reason: string, violations: RunRecord['violations'], metrics: RunMetrics) => RunRecord,
): Promise<RunRecord> {
  // ExperimentError and BlastRadiusError carry file:line and what to do: their message is the reason
  const experiment = loadExperiment(spec.file, { sets: spec.sets, seed: spec.seed, settings: settingDefinitions, faults });
  const defects = spec.defect === null ? [] : [spec.defect];
  if (spec.defect !== null && !simDefects.some((d) => d.name === spec.defect)) {
    return record('unknown', `${spec.key}: --defect ${spec.defect}: no such defect profile; expected one of ${simDefects.map((d) => d.name).join(', ')} (clusterchaos list defects)`, [], NO_METRICS);
  }
  guardBlastRadius(experiment, faults);
  const invocation: Invocation = {
    file: spec.file,
    fileSha256: createHash('sha256').update(readFileSync(spec.file)).digest('hex'),
    target: 'sim',
    seed: experiment.seed,
    defects,
    sets: spec.sets,
  };
  const run = await runExperiment({
    experiment,
    outDir: dir,
    defects,
    replay,
    log: pino({ level: 'silent' }),
    invocation,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const summary = readSummary(run.files.summary);
  return record(run.result.verdict, run.result.reason, summary ? violationsOf(summary) : [], summary ? metricsOf(summary) : { ...NO_METRICS, virtualMs: run.outcome.virtualMs });
}

function readSummary(file: string): Summary | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

function violationsOf(summary: Summary): RunRecord['violations'] {
  return summary.violations.slice(0, 5).map((v) => ({ rule: v.rule, entity: v.entity, message: v.message }));
}

/**
 * A VM failed over when it was restarted on another node: summary.json gives, per VM, the time spent in each
 * state and on each owner. Seen on more than one owner and seen Starting or Off is a restart elsewhere; a live
 * migration moves the owner too, but the VM keeps Running (or pauses) throughout, never Starting or Off.
 */
export function failedOver(e: SummaryEntity): boolean {
  const owners = Object.keys(e.owners ?? {}).length;
  return owners > 1 && ((e.states['Starting'] ?? 0) > 0 || (e.states['Off'] ?? 0) > 0);
}

export function metricsOf(summary: Summary): RunMetrics {
  const vms = Object.entries(summary.entities).filter(([entity]) => entity.startsWith('vm/'));
  return {
    vmsFailedOver: vms.filter(([, e]) => failedOver(e)).length,
    unmonitoredMs: vms.reduce((sum, [, e]) => sum + (e.states['Unmonitored'] ?? 0), 0),
    virtualMs: summary.run.virtualMs,
  };
}

/**
 * After the last run: the folders left empty under `<outRoot>/runs/` by runs whose evidence was not kept (each run
 * removes only its own folder, as other runs may be creating theirs beside it), and `runs/` itself when empty.
 */
export function pruneRunFolders(outRoot: string): void {
  const prune = (dir: string): boolean => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    let empty = true;
    for (const e of entries) if (!(e.isDirectory() && prune(join(dir, e.name)))) empty = false;
    if (!empty) return false;
    try {
      rmdirSync(dir);
      return true;
    } catch {
      return false;
    }
  };
  prune(join(outRoot, 'runs'));
}
