/**
 * `clusterchaos run` and `clusterchaos check`: loaded when one of them runs (main.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { settingDefinitions } from '../../machines/index.js';
import { findResumePoint, ResumeError, type ResumePoint } from '../engine/resume.js';
import { ExperimentError, loadExperiment } from '../experiment/load.js';
import { estimatePlan, freeBytesFor, planProblems } from '../experiment/estimate.js';
import { faults } from '../faults/catalogue.js';
import { formatRunResult, formatViolation, REPORT_FILES } from '../report/index.js';
import { AllowlistError } from '../safety/allowlist.js';
import { BlastRadiusError, guardBlastRadius } from '../safety/blast-radius.js';
import { formatResidue } from '../safety/residue.js';
import { simDefects } from '../targets/sim/index.js';
import type { Invocation } from '../trace/records.js';
import type { Logger } from 'pino';
import type { Experiment } from '../experiment/types.js';
import { createLogger } from './log.js';
import { abandon, FolderBusyError, lockFolder, prepareOutDir, UsageError, type FolderLock } from './out-dir.js';
import { soakProgress } from './progress.js';
import { shrinkable, shrinkSoak } from './shrink.js';
import { replayCommand } from '../run/replay.js';
import { confirmChanges, NotConfirmedError, planSummary, refuseUnattended } from './confirm.js';
import { readCredential } from './credentials.js';
import { onStopSignals } from './interrupt.js';
import { checkFitsCluster, consent, powerShellTargetFor, targetFacts, type Consent, type RealTarget } from './powershell.js';
import { dryRunLines, parallelHeading } from './powershell-dry-run.js';
import { steadyStatePlanLines } from '../engine/probes.js';
import { clusterSettingsOf, runExperiment } from '../run/run-experiment.js';
import { EXIT, EXIT_USAGE, type Io, type RunFlags } from './main.js';

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `clusterchaos run`: the folder it claims is given back however the run ends (and removed if it made it and left it empty). */
export async function run(fileArg: string | undefined, flags: RunFlags, io: Io, commandLine: string): Promise<number> {
  const held: { lock?: FolderLock } = {};
  try {
    return await runHolding(fileArg, flags, io, commandLine, held);
  } finally {
    if (held.lock) abandon(held.lock);
  }
}

async function runHolding(fileArg: string | undefined, flags: RunFlags, io: Io, commandLine: string, held: { lock?: FolderLock }): Promise<number> {
  const log = createLogger(flags.logFormat);
  const badInput = (message: string): number => {
    io.err(message);
    io.out('verdict: unknown — bad input, nothing was run');
    return EXIT_USAGE;
  };

  let resume: ResumePoint | undefined;
  if (flags.resume !== undefined) {
    if (fileArg !== undefined || flags.set.length || flags.defect.length || flags.seed !== undefined || flags.out !== undefined || flags.target !== 'sim') {
      return badInput(
        `--resume ${flags.resume}: a resumed run goes on exactly as it was started (same experiment, seed, --set and --defect, same folder); give only the folder: clusterchaos run --resume ${flags.resume}`,
      );
    }
    if (!existsSync(join(flags.resume, 'trace.ndjson'))) {
      return badInput(`--resume ${flags.resume}: no trace.ndjson there; give the folder a run wrote its results to (the --out folder, or reports/<timestamp>-<experiment>/)`);
    }
    // one resume of a soak at a time: a second one (or a run still writing there) is refused, named
    try {
      held.lock = lockFolder(flags.resume, commandLine);
    } catch (e) {
      if (e instanceof FolderBusyError) return badInput(`--resume ${e.message}`);
      throw e;
    }
    try {
      resume = findResumePoint(join(flags.resume, 'trace.ndjson'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (e instanceof ResumeError) return badInput(`--resume ${flags.resume}: ${e.message}`);
      if (code === 'ENOENT' || code === 'ENOTDIR') return badInput(`--resume ${flags.resume}: no trace.ndjson there; give the folder a run wrote its results to (the --out folder, or reports/<timestamp>-<experiment>/)`);
      throw e;
    }
    if (resume.footer && resume.footer.status !== 'aborted') {
      const missing = Object.values(REPORT_FILES).filter((f) => !existsSync(join(flags.resume!, f)));
      const next = missing.length
        ? `Its ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (the disk was full, or the run was killed while writing them): write them with: clusterchaos report ${flags.resume}`
        : `Re-check it with: clusterchaos check ${join(flags.resume, 'trace.ndjson')}`;
      return badInput(`--resume ${flags.resume}: that run finished (verdict: ${resume.footer.verdict} — ${resume.footer.reason}); there is nothing to resume. ${next}`);
    }
    const inv = resume.header.invocation;
    if (!inv) return badInput(`--resume ${flags.resume}: the trace does not record how the run was started (written by an older clusterchaos); run the experiment again`);
    if (inv.target !== 'sim') return badInput(`--resume ${flags.resume}: resuming a run on a real cluster is not supported yet; run the experiment again`);
    let digest: string;
    try {
      digest = sha256(inv.file);
    } catch {
      return badInput(`--resume ${flags.resume}: cannot read the experiment ${inv.file}; resume from the folder the run was started in`);
    }
    if (digest !== inv.fileSha256) {
      return badInput(`--resume ${flags.resume}: ${inv.file} changed since the run started, so the run cannot be continued exactly; run the experiment again`);
    }
    flags = { ...flags, set: inv.sets, seed: inv.seed, defect: inv.defects };
  }
  const file = resume?.header.invocation?.file ?? fileArg;
  if (file === undefined) return badInput("missing the experiment file: clusterchaos run <experiment.yaml> (or --resume <out> to continue a killed soak)");

  let experiment;
  try {
    experiment = loadExperiment(file, { sets: flags.set, seed: flags.seed, settings: settingDefinitions, faults });
  } catch (e) {
    if (e instanceof ExperimentError) return badInput(e.message);
    throw e;
  }
  // a plan too large for the disk, or for a day of a real cluster, is refused before anything is done (a resumed soak was let through when it started)
  const plan = planProblems(estimatePlan(experiment, flags.target === 'powershell' && !flags.rehearse ? 'powershell' : 'sim'), { freeBytes: freeBytesFor(flags.out ?? 'reports'), allowLargePlan: flags.allowLargePlan === true });
  if (plan.length > 0 && !resume) return badInput(new ExperimentError(plan).message);
  const unknownDefects = flags.defect.filter((d) => !simDefects.some((s) => s.name === d));
  if (unknownDefects.length) {
    return badInput(
      `--defect ${unknownDefects.join(', ')}: no such defect profile; expected one of ${simDefects.map((d) => d.name).join(', ')} (clusterchaos list defects)`,
    );
  }
  let allowed: Consent | undefined;
  if (flags.rehearse && flags.target !== 'powershell') return badInput('--rehearse rehearses a run of --target powershell: add --target powershell (the simulator needs no rehearsal)');
  if (flags.labLatency !== undefined && !flags.rehearse) return badInput('--lab-latency sets the rehearsal lab\'s latency: add --target powershell --rehearse');
  if (flags.target === 'powershell') {
    if (flags.defect.length && !flags.rehearse) {
      return badInput(`--defect ${flags.defect.join(', ')}: defect profiles make the simulator misbehave; a real cluster has its own. Remove --defect with --target powershell (or rehearse with --rehearse, where the lab's simulated cluster can misbehave). Nothing was done to any cluster.`);
    }
    try {
      allowed = consent(experiment, flags.allowlist);
    } catch (e) {
      if (e instanceof AllowlistError || e instanceof BlastRadiusError || e instanceof UsageError) {
        return badInput(`${e.message}\n--target powershell refused: nothing was done to any cluster (no PowerShell session was started).`);
      }
      throw e;
    }
    if (flags.dryRun) {
      for (const line of dryRunLines({ experiment, ...allowed, runId: randomUUID(), clusterSettings: clusterSettingsOf(experiment, 'powershell') })) io.out(line);
      if (experiment.steadyState.probes?.length) {
        io.out('');
        for (const line of steadyStatePlanLines(experiment.steadyState, 'powershell')) io.out(line);
      }
      if (flags.rehearse) {
        io.out('');
        io.out(`--rehearse: a rehearsal sends these very scripts, in real PowerShell 7, to the rehearsal lab's ${experiment.cluster.name} (its sessions import the stand-ins before the ClusterChaos module); nothing reaches a real cluster either way`);
      }
      io.out('verdict: unknown — dry run, nothing was run');
      return EXIT.unknown;
    }
    // no terminal to ask Proceed? on and no --yes: refused now, before the cluster is even read
    try {
      refuseUnattended({ yes: flags.yes === true }, '--target powershell');
    } catch (e) {
      if (e instanceof UsageError) return badInput(e.message);
      throw e;
    }
  } else {
    try {
      guardBlastRadius(experiment, faults);
    } catch (e) {
      if (e instanceof BlastRadiusError) return badInput(e.message);
      throw e;
    }
  }
  if (flags.dryRun) {
    io.out(`plan for ${experiment.title} (${file}) on the simulator, seed ${experiment.seed}:`);
    const soak = experiment.soak;
    if (soak) {
      const times = soak.iterations !== undefined ? `${soak.iterations} times` : `again and again for ${soak.durationMs! / 1000} s on the run's clock`;
      io.out(`  the method below, ${times}, stopping ${soak.stopOn === 'first-anomaly' ? 'at the first anomaly' : 'never (anomalies counted)'}:`);
    }
    experiment.method.forEach((step, i) => {
      // a parallel block's steps under a heading, each with its branch (src/experiment/method.ts)
      const block = step.parallel;
      if (block && experiment.method[i - 1]?.parallel?.block !== block.block) io.out(`  ${parallelHeading(experiment, i).replace(/^steps \d+-\d+/, 'at once')}`);
      const indent = block ? `    [branch ${block.branch + 1}] ` : '  ';
      io.out(step.kind === 'wait' ? `${indent}wait ${step.ms / 1000} s${block ? '' : `, observing every ${experiment.observe.intervalMs / 1000} s`}` : `${indent}${step.fault} ${JSON.stringify(step.params)}`);
    });
    if (experiment.steadyState.probes?.length) for (const line of steadyStatePlanLines(experiment.steadyState, 'sim')) io.out(line);
    io.out('verdict: unknown — dry run, nothing was run');
    return EXIT.unknown;
  }

  // The results' folder is claimed first, atomically (two runs given one --out: exactly one goes on), before any
  // cluster is even read. A run refused after this gives it back, and removes it if it made it.
  let outDir: string;
  if (resume) outDir = dirname(resume.tracePath);
  else {
    try {
      held.lock = prepareOutDir(flags.out, experiment.name, commandLine);
    } catch (e) {
      if (e instanceof UsageError) return badInput(e.message);
      throw e;
    }
    outDir = held.lock.dir;
  }

  // A real cluster is read (never changed) before anything is written: its nodes and VMs must be the experiment's.
  let real: RealTarget | undefined;
  if (allowed) {
    try {
      real = await openCluster(experiment, allowed, flags, log);
    } catch (e) {
      if (e instanceof UsageError || e instanceof BlastRadiusError) return badInput(e.message);
      throw e;
    }
    // every check that can refuse has passed: the plan, and the question, before the first change
    try {
      const where = flags.rehearse ? 'in the rehearsal lab (real PowerShell 7; nothing real is touched)' : 'through PowerShell';
      await confirmChanges(planSummary([experiment], { where, entry: allowed.entry }), { yes: flags.yes === true }, '--target powershell');
    } catch (e) {
      await real.target.close().catch(() => undefined);
      if (e instanceof NotConfirmedError) {
        io.err(e.message);
        io.out('verdict: unknown — not confirmed, nothing was done to the cluster');
        return EXIT.unknown;
      }
      if (e instanceof UsageError) return badInput(e.message);
      throw e;
    }
  }

  const replay = resume?.header.replay ?? replayCommand({ file, seed: experiment.seed, sets: flags.set, defects: flags.defect, target: flags.target, ...(flags.rehearse ? { rehearse: true } : {}) });
  const invocation: Invocation = resume?.header.invocation ?? {
    file,
    fileSha256: sha256(file),
    target: flags.target,
    seed: experiment.seed,
    defects: flags.defect,
    sets: flags.set,
  };
  // every record of the run carries its id, experiment and seed as fields, for a log shipper's queries (issue 15)
  const runId = resume?.header.runId ?? real?.runId ?? randomUUID();
  const runLog = log.child({ runId, experiment: experiment.name, seed: experiment.seed });
  const ctrlC = onStopSignals(runLog, {
    first: (name) => `${name}: stopping after the current step and reverting every fault`,
    again: (name) => `${name} again: the reverts are running; wait for them (network cuts also heal themselves when their duration is over)`,
  });
  if (real && flags.rehearse) {
    runLog.info(`rehearsing ${experiment.name} in real PowerShell against the rehearsal lab's ${experiment.cluster.name} (seed ${experiment.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''}; run tag ${real.tag})`);
  } else if (real) {
    runLog.info(`running ${experiment.name} on the cluster ${experiment.cluster.name} through PowerShell (run tag ${real.tag})`);
  } else {
    runLog.info(`running ${experiment.name} on the simulator (seed ${experiment.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''})`);
  }
  if (resume) {
    runLog.info(
      `resuming after iteration ${resume.lastIteration}: the simulator replays the run up to there from seed ${experiment.seed} (checked line by line against the stored trace, not written again), then the soak goes on`,
    );
  }
  let run;
  try {
    run = await runExperiment({
      experiment,
      outDir,
      defects: flags.defect,
      replay,
      log: runLog,
      runId,
      signal: ctrlC.signal,
      invocation,
      ...(experiment.soak ? { progress: soakProgress(runLog) } : {}),
      ...(resume ? { resume } : {}),
      ...(real ? realRun(real, outDir) : {}),
    });
  } catch (e) {
    if (e instanceof ResumeError) {
      io.err(e.message);
      io.out('verdict: unknown — the run could not be resumed');
      return EXIT_USAGE;
    }
    ctrlC.dispose();
    throw e;
  }
  // a stop signal while shrinking stops the shrinking, not the command: the verdict line still comes
  try {
    const { header, tracePath, result, outcome, files, lanes } = run;
    for (const line of formatRunResult({ header, tracePath, result, run: outcome }, files, lanes)) io.out(line);
    if (real && outcome.observation) io.out(observationLine(outcome.observation, experiment.observe.intervalMs, flags.rehearse === true));
    if (run.residue) for (const line of formatResidue(run.residue)) io.out(line);
    const first = result.violations[0];
    if (flags.shrink && !real && first && shrinkable(experiment, outcome.soak?.stoppedAt)) {
      runLog.info({ rule: first.rule, entity: first.entity }, `shrinking the failing schedule on the simulator (at most 20 s): which of its operations does ${first.rule} on ${first.entity} need?`);
      const shrunk = await shrinkSoak({ experiment, file, sets: flags.set, defects: flags.defect, tracePath, outDir, violation: first, signal: ctrlC.signal });
      const stopped = shrunk.interrupted ? ` — stopped early (${String(ctrlC.signal.reason ?? 'Ctrl-C')})` : '';
      io.out('');
      io.out(
        shrunk.to < shrunk.from
          ? `shrunk${stopped}: ${shrunk.to} of the ${shrunk.from} operations fail the same way (${first.rule} on ${first.entity}; ${shrunk.replays} replays, ${(shrunk.wallMs / 1000).toFixed(1)} s):`
          : shrunk.interrupted
            ? `shrinking stopped (${String(ctrlC.signal.reason ?? 'Ctrl-C')}) before any of the ${shrunk.from} operations could go (${shrunk.replays} replays); the schedule is written as it is:`
            : `could not shrink the schedule: none of its ${shrunk.from} operations could go within the budget (${shrunk.replays} replays); it is written as it is:`,
      );
      io.out(`  ${shrunk.command}`);
    }
    io.out(`verdict: ${result.verdict} — ${result.reason}`);
    return EXIT[result.verdict];
  } finally {
    ctrlC.dispose();
  }
}

/**
 * Open the PowerShell session to the cluster and check, read-only, that the experiment fits it (checkFitsCluster).
 * Throws UsageError or BlastRadiusError (exit 2) after closing the session; nothing has been changed on the cluster by then.
 */
async function openCluster(experiment: Experiment, allowed: Consent, flags: RunFlags, log: Logger): Promise<RealTarget> {
  const real = await powerShellTargetFor(experiment, {
    credential: flags.rehearse ? undefined : await readCredential(flags.credential, process.env, process.stdin, process.stderr, { vault: flags.vault }),
    log,
    allowed,
    vault: flags.vault,
    ...(flags.rehearse ? { rehearse: { defects: flags.defect, ...(flags.labLatency !== undefined ? { latencyMs: flags.labLatency } : {}) } } : {}),
  });
  try {
    await checkFitsCluster(real.target, experiment, [experiment], { entry: allowed.entry, log });
  } catch (e) {
    await real.target.close().catch(() => undefined);
    throw e;
  }
  return real;
}

/** What runExperiment needs of a real (or rehearsed) target: the target, its run id, the residue scan's tag, the undo journal, what first contact read. */
export function realRun(real: RealTarget, outDir: string): Pick<Parameters<typeof runExperiment>[0], 'target' | 'runId' | 'residue' | 'journal' | 'facts'> {
  const facts = real.target.facts();
  return {
    target: real.target,
    runId: real.runId,
    residue: { tag: real.tag },
    journal: join(outDir, 'undo.ndjson'),
    ...(facts ? { facts: targetFacts(facts, real.rehearsal) } : {}),
  };
}

/** `observation: 312 polls, each 0.4 s median (p95 0.9 s) …`: what observing cost (review R2). */
export function observationLine(o: NonNullable<import('../trace/records.js').RunOutcome['observation']>, intervalMs: number, rehearsal: boolean): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const failed = o.failed ? `, ${o.failed} failed (gaps in the observations)` : '';
  const slow = o.medianMs > intervalMs ? `; a poll takes longer than observe.interval (${s(intervalMs)}), so the cluster is seen less often than asked` : '';
  return `observation: ${o.polls} polls${failed}; each took ${s(o.medianMs)} median, ${s(o.p95Ms)} at the 95th percentile, ${s(o.maxMs)} at most${rehearsal ? ' (of the lab\'s virtual time)' : ''}${slow}`;
}

/** `clusterchaos check <trace>`: the trace read as `report` reads it (readStoredTrace), so both accept, refuse and judge it alike. */
export async function check(file: string, io: Io): Promise<number> {
  const { readStoredTrace, unreadable } = await import('./report-command.js');
  let checked;
  try {
    checked = await readStoredTrace(file);
  } catch (e) {
    const said = unreadable(e, file);
    if (said === undefined) throw e;
    io.err(said);
    io.out('verdict: unknown — bad input, nothing was checked');
    return EXIT_USAGE;
  }
  const { header, result } = checked;
  io.out(`${header.experiment.title} (${header.experiment.name}), seed ${header.seed}, recorded ${header.startTime}`);
  io.out(`${result.stats.observations} observations, ${result.stats.ops} operation lines, ${result.stats.events} events checked against the current models`);
  for (const [i, v] of result.violations.entries()) {
    io.out('');
    io.out(`violation ${i + 1}:`);
    io.out(formatViolation(v));
  }
  for (const u of result.unknowns) io.out(`unknown: ${u}`);
  io.out(`verdict: ${result.verdict} — ${result.reason}`);
  return EXIT[result.verdict];
}
