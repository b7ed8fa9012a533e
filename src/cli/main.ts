import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { settingDefinitions } from '../../machines/index.js';
import { checkTrace } from '../check/index.js';
import { ExperimentError, listExperiments, loadExperiment } from '../experiment/load.js';
import { faults } from '../faults/catalogue.js';
import { formatRunResult, formatViolation } from '../report/index.js';
import { simDefects } from '../targets/sim/index.js';
import { TraceFormatError } from '../trace/reader.js';
import type { Verdict } from '../trace/records.js';
import { createLogger, defaultLogFormat, type LogFormat } from './log.js';
import { prepareOutDir, UsageError } from './out-dir.js';
import { replayCommand } from './replay.js';
import { runExperiment } from './run-experiment.js';

const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, unknown: 3 };
const EXIT_USAGE = 2;
const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, e.g. --seed 42');
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface RunFlags {
  target: 'sim' | 'powershell';
  seed?: number;
  set: string[];
  defect: string[];
  out?: string;
  dryRun?: boolean;
  logFormat: LogFormat;
}

/** The `clusterchaos` command. Returns the exit code: 0 pass, 1 fail, 2 bad input or usage, 3 unknown or aborted. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = new Command('clusterchaos')
    .description('Chaos and resiliency tests for Windows Server failover clusters running Hyper-V, checked against XState models')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run clusterchaos --help for usage)');

  program
    .command('run')
    .description('run an experiment against the simulated cluster (default) or a real one, then check it against the models')
    .argument('<experiment>', 'experiment file (YAML), e.g. experiments/compute-resiliency.yaml')
    .addOption(new Option('--target <target>', 'where to run').choices(['sim', 'powershell']).default('sim'))
    .option('--seed <n>', "the simulator's seed (default: the experiment's)", integer)
    .option('--set <path=value>', 'override an experiment value by its dotted path (repeatable)', collect, [])
    .option('--defect <name>', 'make the simulator misbehave in a named way (repeatable; see: clusterchaos list defects)', collect, [])
    .option('--out <dir>', 'where to write the results (default: reports/<timestamp>-<experiment>/)')
    .option('--dry-run', 'print the plan and change nothing')
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default(defaultLogFormat()))
    .action(async (file: string, flags: RunFlags) => {
      code = await run(file, flags, io);
    });

  program
    .command('check')
    .description('re-check a stored trace against the current models')
    .argument('<trace>', 'a trace.ndjson written by an earlier run')
    .action(async (file: string) => {
      code = await check(file, io);
    });

  program
    .command('list')
    .description('list what clusterchaos knows')
    .addArgument(new Argument('[what]', 'what to list').choices(['experiments', 'faults', 'defects', 'settings']))
    .action((what: string | undefined) => {
      list(what, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      io.out('verdict: unknown — bad usage, nothing was run');
      return EXIT_USAGE;
    }
    throw e;
  }
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  return code;
}

async function run(file: string, flags: RunFlags, io: Io): Promise<number> {
  const log = createLogger(flags.logFormat);
  const badInput = (message: string): number => {
    io.err(message);
    io.out('verdict: unknown — bad input, nothing was run');
    return EXIT_USAGE;
  };

  let experiment;
  try {
    experiment = loadExperiment(file, { sets: flags.set, seed: flags.seed, settings: settingDefinitions, faults });
  } catch (e) {
    if (e instanceof ExperimentError) return badInput(e.message);
    throw e;
  }
  const unknownDefects = flags.defect.filter((d) => !simDefects.some((s) => s.name === d));
  if (unknownDefects.length) {
    return badInput(
      `--defect ${unknownDefects.join(', ')}: no such defect profile; expected one of ${simDefects.map((d) => d.name).join(', ')} (clusterchaos list defects)`,
    );
  }
  if (flags.target === 'powershell') {
    return badInput(
      '--target powershell: the PowerShell target for real clusters is not in this version yet; run on the simulator (--target sim). Nothing was done to any cluster.',
    );
  }
  if (flags.dryRun) {
    io.out(`plan for ${experiment.title} (${file}) on the simulator, seed ${experiment.seed}:`);
    for (const step of experiment.method) {
      io.out(step.kind === 'wait' ? `  wait ${step.ms / 1000} s, observing every ${experiment.observe.intervalMs / 1000} s` : `  ${step.fault} ${JSON.stringify(step.params)}`);
    }
    io.out('verdict: unknown — dry run, nothing was run');
    return EXIT.unknown;
  }

  let outDir: string;
  try {
    outDir = prepareOutDir(flags.out, experiment.name);
  } catch (e) {
    if (e instanceof UsageError) return badInput(e.message);
    throw e;
  }

  const replay = replayCommand({ file, seed: experiment.seed, sets: flags.set, defects: flags.defect, target: flags.target });
  const abort = new AbortController();
  const onSigint = (): void => {
    log.warn('Ctrl-C: stopping after the current step and reverting every fault');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  log.info(`running ${experiment.name} on the simulator (seed ${experiment.seed}${flags.defect.length ? `, defects: ${flags.defect.join(', ')}` : ''})`);
  let run;
  try {
    run = await runExperiment({ experiment, outDir, defects: flags.defect, replay, log, signal: abort.signal });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const { header, tracePath, result, outcome, files, lanes } = run;
  for (const line of formatRunResult({ header, tracePath, result, run: outcome }, files, lanes)) io.out(line);
  io.out(`verdict: ${result.verdict} — ${result.reason}`);
  return EXIT[result.verdict];
}

async function check(file: string, io: Io): Promise<number> {
  let checked;
  try {
    checked = await checkTrace(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof TraceFormatError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      io.err(e instanceof TraceFormatError ? e.message : `${file}: cannot read the trace (${code}); give the path of a trace.ndjson written by clusterchaos run`);
      io.out('verdict: unknown — bad input, nothing was checked');
      return EXIT_USAGE;
    }
    throw e;
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

function list(what: string | undefined, io: Io): void {
  const sections = what ? [what] : ['experiments', 'faults', 'defects', 'settings'];
  for (const section of sections) {
    if (sections.length > 1) io.out(`${section}:`);
    const indent = sections.length > 1 ? '  ' : '';
    if (section === 'experiments') {
      for (const e of listExperiments(join(PACKAGE_ROOT, 'experiments'))) io.out(`${indent}${e.name.padEnd(28)} ${e.title}`);
    } else if (section === 'faults') {
      for (const f of faults.values()) io.out(`${indent}${f.name.padEnd(28)} ${f.summary}`);
    } else if (section === 'defects') {
      for (const d of simDefects) io.out(`${indent}${d.name.padEnd(28)} ${d.summary}`);
    } else {
      for (const s of settingDefinitions) {
        io.out(`${indent}${s.name.padEnd(28)} default ${s.default} ${s.unit}  (${s.kind}) ${s.description} Source: ${s.source}${s.conflict ? ` Conflict: ${s.conflict}` : ''}`);
      }
    }
  }
}
