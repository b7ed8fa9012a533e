import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Mocha from 'mocha';
import { settingDefinitions } from '../../machines/index.js';
import { acceptancePlan, type SpecName } from '../acceptance/plan.js';
import { addAcceptanceSuite, type AcceptanceContext, type BailMode } from '../acceptance/suite.js';
import { ExperimentError, loadExperiment } from '../experiment/load.js';
import type { Experiment } from '../experiment/types.js';
import { faults } from '../faults/catalogue.js';
import { AllowlistError } from '../safety/allowlist.js';
import { formatResidue } from '../safety/residue.js';
import { BlastRadiusError, guardBlastRadius } from '../safety/blast-radius.js';
import { createSimTarget, simDefects } from '../targets/sim/index.js';
import { acceptanceDryRunLines } from './accept-dry-run.js';
import { acceptanceJunit, SpecCollector, type SpecResult, type SpecSink } from './accept-junit.js';
import { acceptanceHtml, type AcceptanceVerdict } from './accept-report.js';
import { confirmChanges, NotConfirmedError, planSummary, refuseUnattended } from './confirm.js';
import { readCredential, type Credential } from './credentials.js';
import { onStopSignals } from './interrupt.js';
import { createLogger } from './log.js';
import type { RunFlags } from './main.js';
import { realRun } from './run-command.js';
import { abandon, prepareOutDir, UsageError, type FolderLock } from './out-dir.js';
import { writeWholeSync } from '../trace/output.js';
import { checkFitsCluster, consent, powerShellTargetFor, type Consent, type RealTarget } from './powershell.js';
import { shellWords } from '../run/replay.js';
import { runExperiment } from '../run/run-experiment.js';
import { PACKAGE_ROOT } from './package-root.js';

/** The experiment whose cluster the suite runs on when --experiment is not given. */
const DEFAULT_ACCEPTANCE_EXPERIMENT = join(PACKAGE_ROOT, 'experiments', 'pre-upgrade.yaml');

/** `run`'s options but those of a single run (--resume, --no-shrink), and the experiment as an option. */
export type AcceptFlags = Omit<RunFlags, 'resume' | 'shrink'> & {
  experiment?: string;
  spec: SpecName[];
  /** --bail (true), --no-bail (false), neither (undefined: bail before impairing another node on a real cluster). */
  bail?: boolean;
};

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * `clusterchaos accept`: the pre-upgrade acceptance suite (src/acceptance) as mocha specs against the
 * simulator or a real cluster, one JUnit test case per node, VM (and the configuration) in <out>/junit.xml,
 * the whole suite in <out>/report.html linking each generated run's results in <out>/<run>/. Exit 0 when every
 * case passed, 1 when any failed or was not attempted, 2 on bad input (nothing done to any cluster), 3 for a
 * dry run or Ctrl-C.
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
    for (const line of acceptanceDryRunLines({ base, plan, target: flags.target, ...(allowed ? { consent: allowed } : {}), runId: randomUUID(), ...(flags.bail !== undefined ? { bail: flags.bail } : {}) })) io.out(line);
    io.out('acceptance: not run — dry run, nothing was done');
    return 3;
  }
  let credential: Credential | undefined;
  try {
    // no terminal to ask Proceed? on and no --yes: refused now, before the cluster is even read
    // a suite of read-only specs alone (--spec configuration) changes nothing, so asks nothing
    if (flags.target === 'powershell' && runs.length) refuseUnattended({ yes: flags.yes === true }, 'accept --target powershell');
    if (flags.target === 'powershell' && !flags.rehearse) credential = await readCredential(flags.credential, process.env, process.stdin, process.stderr, { vault: flags.vault });
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
    ...(flags.bail === true ? ['--bail'] : flags.bail === false ? ['--no-bail'] : []),
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
    // every check that can refuse has passed: the suite's plan, and the question, before its first change
    if (runs.length) {
      try {
        const where = flags.rehearse ? 'in the rehearsal lab (real PowerShell 7; nothing real is touched)' : 'through PowerShell';
        const heading = `about to run the pre-upgrade acceptance suite on the cluster ${base.cluster.name} ${where}: ${runs.length} runs, one after another`;
        await confirmChanges(planSummary(runs, { where, entry: allowed.entry, heading }), { yes: flags.yes === true }, 'accept --target powershell');
      } catch (e) {
        if (e instanceof NotConfirmedError) {
          io.err(e.message);
          io.out('acceptance: not run — not confirmed, nothing was done to the cluster');
          return 3;
        }
        if (e instanceof UsageError) return badInput(e.message);
        throw e;
      }
    }
  }

  // Ctrl-C (or SIGTERM, SIGHUP): the run in progress stops after its current step and reverts its faults; no further run starts.
  const ctrlC = onStopSignals(log, {
    first: (name) => `${name}: stopping the run in progress after its current step, reverting its faults; no further run will start`,
    again: (name) => `${name} again: the reverts are running; wait for them`,
  });
  const stoppedBy = (): string => (typeof ctrlC.signal.reason === 'string' ? ctrlC.signal.reason : 'Ctrl-C');
  // a real cluster stops impairing nodes after a drain or a kill failed, unless told otherwise; the simulator risks nothing
  const bail: BailMode = flags.bail === true ? 'first-failure' : flags.bail === false ? 'never' : flags.target === 'powershell' ? 'impairing' : 'never';
  /** The report.html each generated run wrote, by run. */
  const reports = new Map<Experiment, string>();
  const startedAt = new Date();
  const context: AcceptanceContext = {
    base,
    plan,
    bail,
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
      // said when the case ends: a run can pass the models and its case still fail (a VM not back home)
      ranIn = { dir, residue: run.residue ? formatResidue(run.residue) : [] };
      reports.set(experiment, run.files.html);
      return { result: run.result, tracePath: run.tracePath };
    },
  };

  const caseCount = (plan.specs.includes('configuration') ? 1 : 0) + runs.length;
  // progress: each spec's title, then one line per case as it ends ("[2/15] N1 drains …: pass (folder)")
  let lastSpec: string | undefined;
  let numbered = '';
  let ranIn: { dir: string; residue: string[] } | undefined;
  let heldBackSaid: string | undefined;
  const sink: SpecSink = {
    results: [],
    notAttempted: new Map(),
    runs: new Map(),
    began: (spec, _title, n) => {
      if (spec !== lastSpec) io.out(`  ${spec}`);
      lastSpec = spec;
      numbered = `[${n}/${caseCount}]`;
      ranIn = undefined;
    },
    ended: (r) => {
      const label = r.run?.title ?? r.title;
      const mark = r.state === 'passed' ? 'pass' : r.state === 'failed' ? 'FAIL' : 'not attempted';
      // the failure's first line, without the run's title and "fail —" the line already says
      const why = r.state === 'failed' ? ` — ${(r.message ?? '').split('\n')[0]!.replace(`${label}: `, '').replace(/^fail — /, '')}` : '';
      io.out(`    ${numbered} ${label}: ${mark}${why}${ranIn ? ` (${ranIn.dir})` : ''}`);
      for (const line of ranIn?.residue ?? []) io.out(`          ${line}`);
      if (r.state === 'not-attempted' && r.message !== heldBackSaid) io.out(`        ${r.message}`);
      heldBackSaid = r.state === 'not-attempted' ? r.message : undefined;
    },
  };
  const mocha = new Mocha({ reporter: SpecCollector as unknown as string, reporterOptions: { sink }, timeout: 0 });
  const suite = addAcceptanceSuite(mocha.suite, context);
  sink.notAttempted = suite.notAttempted;
  sink.runs = suite.runs;
  const where =
    flags.target === 'sim'
      ? `the simulator, seed ${base.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''}`
      : flags.rehearse
        ? `the rehearsal lab, through real PowerShell (seed ${base.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''})`
        : 'the cluster, through PowerShell';
  const bailSays: Record<BailMode, string> = {
    'first-failure': 'stops at the first failed case (--bail)',
    impairing: 'impairs no further node once a drain or a kill failed (--no-bail to go on)',
    never: 'runs every case',
  };
  io.out(`pre-upgrade acceptance of ${base.cluster.name} (${file}) on ${where}; ${caseCount} cases, ${bailSays[bail]}:`);
  try {
    await new Promise<void>((done) => mocha.run(() => done()));
  } finally {
    ctrlC.dispose();
    mocha.dispose();
  }

  const { results } = sink;
  const passed = results.filter((r) => r.state === 'passed').length;
  const failed = results.filter((r) => r.state === 'failed');
  const notAttempted = results.filter((r) => r.state === 'not-attempted').length;
  const label = (r: SpecResult): string => r.run?.title ?? `${r.spec} (${r.title})`;
  const ok = passed === results.length && results.length === caseCount;
  const verdict: AcceptanceVerdict = ctrlC.signal.aborted
    ? { verdict: 'unknown', reason: `interrupted (${stoppedBy()}) after ${passed} of ${caseCount} cases passed; the run in progress reverted its faults (see its residue line)` }
    : ok
      ? { verdict: 'pass', reason: `${passed} of ${caseCount} cases passed (${plan.specs.length} spec${plan.specs.length === 1 ? '' : 's'})` }
      : {
          verdict: 'fail',
          reason: `${failed.length ? `${label(failed[0]!)} failed first` : 'not every case ran'} (${passed} of ${caseCount} cases passed${notAttempted ? `, ${notAttempted} not attempted` : ''})`,
        };

  const junitPath = join(outDir, 'junit.xml');
  writeWholeSync(
    junitPath,
    acceptanceJunit({
      suite: `pre-upgrade acceptance of ${base.cluster.name}`,
      results,
      properties: { target: flags.target, experiment: file, seed: String(base.seed), defects: flags.defect.join(','), bail, replay },
      reportOf: (run) => reports.get(run),
    }),
  );
  const reportPath = join(outDir, 'report.html');
  writeWholeSync(
    reportPath,
    acceptanceHtml({
      title: `Pre-upgrade acceptance of ${base.cluster.name}`,
      where,
      experiment: file,
      startedAt,
      verdict,
      results,
      replay,
      // relative, with forward slashes: the folder opens the same wherever it is copied or unzipped
      linkOf: (run) => {
        const html = reports.get(run);
        return html && relative(outDir, html).split(sep).map(encodeURIComponent).join('/');
      },
    }),
  );
  io.out('results:');
  let said: string | undefined;
  for (const spec of [...new Set(results.map((r) => r.spec))]) {
    io.out(`  ${spec}`);
    for (const r of results.filter((x) => x.spec === spec)) {
      const mark = r.state === 'passed' ? 'pass' : r.state === 'failed' ? 'FAIL' : 'not attempted';
      io.out(`    ${mark.padEnd(13)} ${r.title}${r.state === 'passed' ? ` (${(r.ms / 1000).toFixed(1)} s)` : ''}`);
      if (r.state === 'failed') for (const line of (r.message ?? '').split('\n')) io.out(`        ${line}`);
      // the same reason for every case held back is said once
      if (r.state === 'not-attempted' && r.message !== said) io.out(`        ${r.message}`);
      said = r.state === 'not-attempted' ? r.message : undefined;
    }
  }
  io.out(`junit: ${junitPath}`);
  io.out(`report: ${reportPath} (every case, linking each run's report.html)`);
  io.out(`runs: ${outDir} (one folder per generated experiment: trace, report.html, junit.xml)`);
  if (verdict.verdict === 'unknown') {
    io.out(`acceptance: unknown — ${verdict.reason}`);
    return 3;
  }
  if (!ok) io.out(`replay: ${replay}`);
  io.out(`acceptance: ${verdict.verdict} — ${verdict.reason}`);
  return ok ? 0 : 1;
}
