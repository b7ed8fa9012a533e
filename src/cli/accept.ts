import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { settingDefinitions } from '../../machines/index.js';
import { acceptancePlan, type SpecName } from '../acceptance/plan.js';
import { addAcceptanceSuite, type AcceptanceContext } from '../acceptance/suite.js';
import { ExperimentError, loadExperiment } from '../experiment/load.js';
import type { Experiment } from '../experiment/types.js';
import { faults } from '../faults/catalogue.js';
import { AllowlistError } from '../safety/allowlist.js';
import { formatResidue } from '../safety/residue.js';
import { BlastRadiusError, guardBlastRadius } from '../safety/blast-radius.js';
import { createSimTarget, simDefects } from '../targets/sim/index.js';
import { acceptanceDryRunLines } from './accept-dry-run.js';
import { acceptanceJunit, SpecCollector, type SpecSink } from './accept-junit.js';
import { readCredential, type Credential } from './credentials.js';
import { onStopSignals } from './interrupt.js';
import { createLogger } from './log.js';
import { realRun, type RunFlags } from './main.js';
import { abandon, prepareOutDir, UsageError, type FolderLock } from './out-dir.js';
import { writeWholeSync } from '../trace/output.js';
import { checkFitsCluster, consent, powerShellTargetFor, type Consent, type RealTarget } from './powershell.js';
import { shellWords } from './replay.js';
import { runExperiment } from './run-experiment.js';
import { PACKAGE_ROOT } from './package-root.js';

/** The experiment whose cluster the suite runs on when --experiment is not given. */
const DEFAULT_ACCEPTANCE_EXPERIMENT = join(PACKAGE_ROOT, 'experiments', 'pre-upgrade.yaml');

/** `run`'s options but those of a single run (--resume, --no-shrink), and the experiment as an option. */
export type AcceptFlags = Omit<RunFlags, 'resume' | 'shrink'> & { experiment?: string; spec: SpecName[] };

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * `clusterchaos accept`: the pre-upgrade acceptance suite (src/acceptance) as mocha specs against the
 * simulator or a real cluster, one JUnit test case per spec in <out>/junit.xml and each generated run's
 * results in <out>/<run>/. Exit 0 when every spec passed, 1 when any failed or was not attempted, 2 on bad
 * input (nothing done to any cluster), 3 for a dry run.
 */
export async function accept(flags: AcceptFlags, io: Io, commandLine = 'clusterchaos accept'): Promise<number> {
  const held: { lock?: FolderLock } = {};
  try {
    return await acceptHolding(flags, io, commandLine, held);
  } finally {
    if (held.lock) abandon(held.lock);
  }
}

async function acceptHolding(flags: AcceptFlags, io: Io, commandLine: string, held: { lock?: FolderLock }): Promise<number> {
  const badInput = (message: string): number => {
    io.err(message);
    io.out('acceptance: not run — bad input');
    return 2;
  };
  const file = flags.experiment ?? DEFAULT_ACCEPTANCE_EXPERIMENT;
  let base: Experiment;
  try {
    base = loadExperiment(file, { sets: flags.set, ...(flags.seed !== undefined ? { seed: flags.seed } : {}), settings: settingDefinitions, faults });
  } catch (e) {
    if (e instanceof ExperimentError) return badInput(e.message);
    throw e;
  }
  const unknown = flags.defect.filter((d) => !simDefects.some((s) => s.name === d));
  if (unknown.length) {
    return badInput(`--defect ${unknown.join(', ')}: no such defect profile; expected one of ${simDefects.map((d) => d.name).join(', ')} (clusterchaos list defects)`);
  }
  if (flags.rehearse && flags.target !== 'powershell') return badInput('--rehearse rehearses --target powershell: add --target powershell (the simulator needs no rehearsal)');
  if (flags.target === 'powershell' && flags.defect.length && !flags.rehearse) {
    return badInput(`--defect ${flags.defect.join(', ')}: defect profiles make the simulator misbehave; remove --defect with --target powershell (or rehearse with --rehearse). Nothing was done to any cluster.`);
  }
  const plan = acceptancePlan(base, flags.spec.length ? flags.spec : undefined);
  const runs = [...plan.drains, ...plan.migrations, ...plan.resiliency];
  let allowed: Consent | undefined;
  try {
    // the cluster must be allowlisted even for the read-only configuration check alone
    if (flags.target === 'powershell') allowed = consent(base, flags.allowlist);
    for (const experiment of runs) {
      if (flags.target === 'powershell') allowed = consent(experiment, flags.allowlist);
      else guardBlastRadius(experiment, faults, { noQuarantine: true });
    }
  } catch (e) {
    if (e instanceof AllowlistError || e instanceof BlastRadiusError || e instanceof UsageError) {
      return badInput(`${e.message}${flags.target === 'powershell' ? '\n--target powershell refused: nothing was done to any cluster.' : ''}`);
    }
    throw e;
  }
  if (flags.dryRun) {
    for (const line of acceptanceDryRunLines({ base, plan, target: flags.target, ...(allowed ? { consent: allowed } : {}), runId: randomUUID() })) io.out(line);
    io.out('acceptance: not run — dry run, nothing was done');
    return 3;
  }
  let credential: Credential | undefined;
  try {
    if (flags.target === 'powershell' && !flags.rehearse) credential = await readCredential(flags.credential);
  } catch (e) {
    if (e instanceof UsageError) return badInput(e.message);
    throw e;
  }

  const log = createLogger(flags.logFormat, 'warn');
  const replay = shellWords([
    'npx', 'clusterchaos', 'accept', '--target', flags.target, ...(flags.rehearse ? ['--rehearse'] : []),
    ...(flags.experiment ? ['--experiment', flags.experiment] : []),
    ...(flags.target === 'sim' ? ['--seed', String(base.seed)] : []),
    ...flags.spec.flatMap((name) => ['--spec', name]),
    ...flags.set.flatMap((s) => ['--set', s]),
    ...flags.defect.flatMap((d) => ['--defect', d]),
  ]);
  const openReal = (experiment: Experiment): Promise<RealTarget> =>
    powerShellTargetFor(experiment, {
      credential,
      log,
      ...(flags.rehearse ? { rehearse: { defects: flags.defect, ...(flags.labLatency !== undefined ? { latencyMs: flags.labLatency } : {}) } } : {}),
    });
  // the results' folder first, claimed atomically, before any cluster is even read
  let outDir: string;
  try {
    held.lock = prepareOutDir(flags.out, `${base.name}-acceptance`, commandLine);
    outDir = held.lock.dir;
  } catch (e) {
    if (e instanceof UsageError) return badInput(e.message);
    throw e;
  }

  // A real cluster is read (never changed) before anything runs: its nodes and VMs must be the experiment's, and the guard
  // must hold with its own settings, for every generated run.
  if (allowed) {
    const { target } = await openReal(base);
    try {
      await checkFitsCluster(target, base, runs, { entry: allowed.entry, noQuarantine: true, log });
    } catch (e) {
      if (e instanceof UsageError || e instanceof BlastRadiusError) return badInput(e.message);
      throw e;
    } finally {
      await target.close().catch(() => undefined);
    }
  }

  // Ctrl-C (or SIGTERM, SIGHUP): the run in progress stops after its current step and reverts its faults; no further run starts.
  const ctrlC = onStopSignals(log, {
    first: (name) => `${name}: stopping the run in progress after its current step, reverting its faults; no further run will start`,
    again: (name) => `${name} again: the reverts are running; wait for them`,
  });
  const stoppedBy = (): string => (typeof ctrlC.signal.reason === 'string' ? ctrlC.signal.reason : 'Ctrl-C');
  const context: AcceptanceContext = {
    base,
    plan,
    stopped: () => (ctrlC.signal.aborted ? `interrupted (${stoppedBy()})` : undefined),
    async readConfiguration() {
      const target = flags.target === 'powershell' ? (await openReal(base)).target : createSimTarget({ cluster: base.cluster, simulator: base.simulator, seed: base.seed, defects: flags.defect });
      try {
        return await target.readConfiguration();
      } finally {
        await target.close();
      }
    },
    async run(experiment) {
      const dir = join(outDir, experiment.name);
      mkdirSync(dir, { recursive: true });
      const real = flags.target === 'powershell' ? await openReal(experiment) : undefined;
      const run = await runExperiment({
        experiment,
        outDir: dir,
        defects: flags.defect,
        replay,
        log,
        signal: ctrlC.signal,
        ...(real ? realRun(real, dir) : {}),
      });
      io.out(`        ${experiment.title}: ${run.result.verdict}${run.result.verdict === 'pass' ? '' : ` — ${run.result.reason}`} (${dir})`);
      if (run.residue) for (const line of formatResidue(run.residue)) io.out(`          ${line}`);
      return { result: run.result, tracePath: run.tracePath };
    },
  };

  const specCount = plan.specs.length;
  const sink: SpecSink = { results: [], notAttempted: new Map(), began: (title, n) => io.out(`  [${n}/${specCount}] ${title}`) };
  const mocha = new Mocha({ reporter: SpecCollector as unknown as string, reporterOptions: { sink }, timeout: 0 });
  const { notAttempted } = addAcceptanceSuite(mocha.suite, context);
  sink.notAttempted = notAttempted;
  const where =
    flags.target === 'sim'
      ? `the simulator, seed ${base.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''}`
      : flags.rehearse
        ? `the rehearsal lab, through real PowerShell (seed ${base.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''})`
        : 'the cluster, through PowerShell';
  io.out(`pre-upgrade acceptance of ${base.cluster.name} (${file}) on ${where}:`);
  try {
    await new Promise<void>((done) => mocha.run(() => done()));
  } finally {
    ctrlC.dispose();
    mocha.dispose();
  }

  const junitPath = join(outDir, 'junit.xml');
  writeWholeSync(
    junitPath,
    acceptanceJunit({
      suite: `pre-upgrade acceptance of ${base.cluster.name}`,
      results: sink.results,
      properties: { target: flags.target, experiment: file, seed: String(base.seed), defects: flags.defect.join(','), replay },
    }),
  );
  io.out('results:');
  for (const r of sink.results) {
    const mark = r.state === 'passed' ? 'pass' : r.state === 'failed' ? 'FAIL' : 'not attempted';
    io.out(`  ${mark.padEnd(13)} ${r.title}${r.state === 'passed' ? ` (${(r.ms / 1000).toFixed(1)} s)` : ''}`);
    if (r.state === 'failed') for (const line of (r.message ?? '').split('\n')) io.out(`      ${line}`);
    if (r.state === 'not-attempted') io.out(`      ${r.message}`);
  }
  const passed = sink.results.filter((r) => r.state === 'passed').length;
  const failed = sink.results.filter((r) => r.state === 'failed');
  io.out(`junit: ${junitPath}`);
  io.out(`runs: ${outDir} (one folder per generated experiment: trace, report.html, junit.xml)`);
  if (ctrlC.signal.aborted) {
    io.out(`acceptance: unknown — interrupted (${stoppedBy()}) after ${passed} of ${specCount} specs passed; the run in progress reverted its faults (see its residue line)`);
    return 3;
  }
  const ok = passed === sink.results.length && sink.results.length === specCount;
  if (!ok) io.out(`replay: ${replay}`);
  io.out(
    ok
      ? `acceptance: pass — ${passed} of ${sink.results.length} specs passed`
      : `acceptance: fail — ${failed.length ? `${failed[0]!.title} failed first` : 'not every spec ran'} (${passed} of ${specCount} passed)`,
  );
  return ok ? 0 : 1;
}
