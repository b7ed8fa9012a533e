import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { tryParseDuration } from '../experiment/duration.js';
import { describeWriteError, OutputError } from '../trace/output.js';
import type { Verdict } from '../trace/records.js';
import { SPEC_NAMES } from '../acceptance/plan.js';
import { credentialHow, type CredentialHow } from './credentials.js';
import { defaultLogFormat, type LogFormat } from './log-format.js';
import { PACKAGE_VERSION } from './package-root.js';

/**
 * The command line: every command's options, then the command's own module, loaded when it runs (run-command.ts,
 * list-command.ts, accept.ts, …), so `--help`, `--version` and `list` start without loading the engine, the
 * checker, the reports and their packages (bench/startup.ts).
 */
export const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, unknown: 3 };
export const EXIT_USAGE = 2;
/** clusterchaos itself failed (an unwritable output, a full disk, a bug): never 1, which would blame the cluster. */
export const EXIT_OWN_FAILURE = 4;

export interface Io {
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

/** `--lab-latency 50ms`: a duration, in ms. */
function duration(value: string): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration, e.g. 50ms or 0.2s');
  return ms;
}

const CREDENTIAL_HELP =
  'for --target powershell: prompt (asks for a user name and password) or secret:<name> (a PSCredential from this host\'s SecretManagement vaults, Get-Secret); default: $CLUSTERCHAOS_USERNAME and $CLUSTERCHAOS_PASSWORD, else the signed-in user';

/** `--credential prompt` or `--credential secret:<name>`. */
function credentialOption(value: string): CredentialHow {
  try {
    return credentialHow(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A repeatable option whose every value must be one of `choices`. */
function collectChoice<T extends string>(choices: readonly T[]): (value: string, previous: T[]) => T[] {
  return (value, previous) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return [...previous, value as T];
  };
}

/** The options of `clusterchaos run`; `accept` takes all but those of a single run (resume, shrink). */
export interface RunFlags {
  target: 'sim' | 'powershell';
  seed?: number;
  set: string[];
  defect: string[];
  out?: string;
  dryRun?: boolean;
  resume?: string;
  shrink: boolean;
  allowlist?: string;
  credential?: CredentialHow;
  /** With --credential secret:<name>: the SecretManagement vault it is in (default: every registered vault). */
  vault?: string;
  /** Change the cluster without asking Proceed? [y/N] first (CI). */
  yes?: boolean;
  /** With --target powershell: rehearse in real PowerShell against the rehearsal lab instead of a real cluster. */
  rehearse?: boolean;
  /** With --rehearse: virtual ms every stand-in call costs (what a poll then costs is measured and printed). */
  labLatency?: number;
  /** Run a plan past the size limits of src/experiment/estimate.ts (trace beyond the free space or 1 GiB simulated, a real run beyond a day). */
  allowLargePlan?: boolean;
  logFormat: LogFormat;
}

/** The `clusterchaos` command. Returns the exit code: 0 pass, 1 fail, 2 bad input or usage, 3 unknown or aborted, 4 clusterchaos itself failed. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = new Command('clusterchaos')
    .description('Chaos and resiliency tests for Windows Server failover clusters running Hyper-V, checked against XState models')
    .version(PACKAGE_VERSION, '-V, --version', "print clusterchaos's version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run clusterchaos --help for usage)');

  program
    .command('run')
    .description('run an experiment against the simulated cluster (default) or a real one, then check it against the models')
    .argument('[experiment]', 'experiment file (YAML), e.g. experiments/compute-resiliency.yaml')
    .addOption(new Option('--target <target>', 'where to run').choices(['sim', 'powershell']).default('sim'))
    .option('--seed <n>', "the simulator's seed (default: the experiment's)", integer)
    .option('--set <path=value>', 'override an experiment value by its dotted path (repeatable)', collect, [])
    .option('--defect <name>', 'make the simulator misbehave in a named way (repeatable; see: clusterchaos list defects)', collect, [])
    .option('--out <dir>', 'where to write the results (default: reports/<timestamp>-<experiment>/)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--allow-large-plan', 'run a plan whose trace would not fit in the free space of --out (or pass 1 GiB on the simulator), or that would keep a real cluster busy for more than a day')
    .option('--allowlist <file>', 'the clusters and faults --target powershell may touch (default: $CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml)')
    .addOption(new Option('--credential <how>', CREDENTIAL_HELP).argParser(credentialOption))
    .option('--vault <name>', 'with --credential secret:<name>: the SecretManagement vault to read it from (default: every registered vault, the default one first)')
    .option('--yes', 'with --target powershell: change the cluster without asking "Proceed? [y/N]" after the plan summary (CI; required when stdin is not a terminal)')
    .option('--rehearse', 'with --target powershell: run the real PowerShell target in real PowerShell 7 against the rehearsal lab (stand-in commands backed by the simulated cluster) instead of a real cluster')
    .option('--lab-latency <duration>', "with --rehearse: what every stand-in call costs on the lab's clock (default 0ms), to see what slower round trips do to a run", duration)
    .option('--no-shrink', 'do not shrink the schedule of a soak that failed on the simulator')
    .option('--resume <out>', 'continue a soak that was killed, after its last checkpoint: give the folder of its results (nothing else)')
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default(defaultLogFormat()))
    .action(async (file: string | undefined, flags: RunFlags) => {
      code = await (await import('./run-command.js')).run(file, flags, io, ['clusterchaos', ...argv].join(' '));
    });

  program
    .command('check')
    .description('re-check a stored trace against the current models')
    .argument('<trace>', 'a trace.ndjson written by an earlier run')
    .action(async (file: string) => {
      code = await (await import('./run-command.js')).check(file, io);
    });

  program
    .command('report')
    .description("regenerate a stored run's summary.json, junit.xml and report.html from its trace, re-checked against the current models")
    .argument('<out>', 'the folder a run wrote its results to (or its trace.ndjson)')
    .option('--out <dir>', "where to write the reports (default: the run's folder)")
    .action(async (dir: string, flags: { out?: string }) => {
      const { reportCommand } = await import('./report-command.js');
      code = await reportCommand(dir, flags, io);
    });

  program
    .command('revert')
    .description("finish the reverts of a run on a real cluster that clusterchaos could not finish itself (it was killed): reads the run's undo journal, runs what is left, then scans for residue")
    .argument('<out>', 'the folder the run wrote its results to')
    .option('--allowlist <file>', 'the clusters and faults --target powershell may touch (default: $CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml)')
    .addOption(new Option('--credential <how>', CREDENTIAL_HELP).argParser(credentialOption))
    .option('--vault <name>', 'with --credential secret:<name>: the SecretManagement vault to read it from (default: every registered vault, the default one first)')
    .option('--yes', 'with --target powershell: change the cluster without asking "Proceed? [y/N]" after the plan summary (CI; required when stdin is not a terminal)')
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default(defaultLogFormat()))
    .action(async (out: string, flags: import('./revert.js').RevertFlags) => {
      code = await (await import('./revert.js')).revertCommand(out, flags, io);
    });

  program
    .command('runs')
    .description('list past runs, newest first: when, verdict, experiment, target, seed, how long, folder')
    .argument('[dir]', 'the folder the runs are in', 'reports')
    .option('--json', 'one JSON document for scripts instead of the table')
    .action(async (dir: string, flags: { json?: boolean }) => {
      code = await (await import('./runs.js')).runsCommand(dir, flags, io);
    });

  program
    .command('compare')
    .description('what changed between two runs: verdicts, settings, the time of each transition, live-migration figures')
    .argument('<a>', 'a run folder (or its trace.ndjson): the "before"')
    .argument('<b>', 'another run folder (or its trace.ndjson): the "after"')
    .option('--html <file>', 'also write the comparison as a self-contained HTML page')
    .action(async (a: string, b: string, flags: { html?: string }) => {
      code = await (await import('./compare.js')).compareCommand(a, b, flags, io);
    });

  program
    .command('list')
    .description('list what clusterchaos knows')
    .addArgument(new Argument('[what]', 'what to list').choices(['experiments', 'faults', 'defects', 'settings']))
    .action(async (what: string | undefined) => {
      (await import('./list-command.js')).list(what, io);
    });

  program
    .command('accept')
    .description('run the pre-upgrade acceptance suite (mocha specs; junit.xml with a case per node and VM; report.html) against the simulated cluster (default) or a real one')
    .addOption(new Option('--target <target>', 'where to run').choices(['sim', 'powershell']).default('sim'))
    .option('--experiment <file>', "the cluster to accept (an experiment file's cluster, settings and acceptance timings; default: experiments/pre-upgrade.yaml)")
    .option('--spec <name>', `run only this spec: ${SPEC_NAMES.join(', ')} (repeatable; default: all four, in order)`, collectChoice(SPEC_NAMES), [])
    .option('--seed <n>', "the simulator's seed (default: the experiment's)", integer)
    .option('--set <path=value>', 'override an experiment value by its dotted path, e.g. acceptance.after-kill=120s (repeatable)', collect, [])
    .option('--defect <name>', 'make the simulator misbehave in a named way (repeatable; see: clusterchaos list defects)', collect, [])
    .option('--out <dir>', 'where to write junit.xml and the runs (default: reports/<timestamp>-pre-upgrade-acceptance/)')
    .option('--bail', 'stop at the first failed case; the rest are reported not attempted (default: run every case on the simulator; on a real cluster, no further drain or kill once one failed)')
    .option('--no-bail', 'with --target powershell: go on draining and killing clussvc on the other nodes after one failed')
    .option('--dry-run', 'print the runs the suite would make (and, with --target powershell, the exact PowerShell) and change nothing')
    .option('--rehearse', 'with --target powershell: run against the rehearsal lab (real PowerShell 7, stand-in commands backed by the simulated cluster) instead of a real cluster')
    .option('--lab-latency <duration>', "with --rehearse: what every stand-in call costs on the lab's clock (default 0ms)", duration)
    .option('--allowlist <file>', 'the clusters and faults --target powershell may touch (default: $CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml)')
    .addOption(new Option('--credential <how>', CREDENTIAL_HELP).argParser(credentialOption))
    .option('--vault <name>', 'with --credential secret:<name>: the SecretManagement vault to read it from (default: every registered vault, the default one first)')
    .option('--yes', 'with --target powershell: change the cluster without asking "Proceed? [y/N]" after the plan summary (CI; required when stdin is not a terminal)')
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default(defaultLogFormat()))
    .action(async (flags: import('./accept.js').AcceptFlags) => {
      code = await (await import('./accept.js')).accept(flags, io, ['clusterchaos', ...argv].join(' '));
    });

  program
    .command('worker')
    .description("take a campaign's runs from a queue (clusterchaos campaign --queue) and make them on this machine, until Ctrl-C or SIGTERM: simulator runs, and runs on the clusters its allowlist names")
    .requiredOption('--queue <url>', 'the Redis the campaign put its runs in, e.g. redis://127.0.0.1:6379')
    .option('--allowlist <file>', 'the clusters this worker may touch, with its own credentials: it takes their runs and no others (default: $CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml if there is one; without one, simulator runs only)')
    .option('--concurrency <n>', 'simulator runs at once, each in a thread of its own (default: one per core); a cluster is never the target of two runs at once', (v: string) => {
      const n = integer(v);
      if (n < 1) throw new InvalidArgumentError('expected 1 or more');
      return n;
    })
    .option('--lock-duration <duration>', "how long a run stays with a worker that stopped answering before another worker takes it (default 30s)", duration)
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default(defaultLogFormat()))
    .action(async (flags: import('./worker-command.js').WorkerFlags) => {
      code = await (await import('./worker-command.js')).workerCommand(flags, io);
    });

  program
    .command('campaign')
    .description('run a campaign (experiments × seeds × defects × a settings grid × targets) on a local pool of worker processes or through a queue; writes campaign.json, junit.xml and report.html')
    .argument('<campaign>', 'campaign file (YAML), e.g. experiments/campaigns/detection-matrix.yaml')
    .option('--workers <n>', 'local worker processes (default: one per core; 0 runs every run in this process, one after another)', integer)
    .option('--queue <url>', 'put the runs in a BullMQ queue on this Redis instead, for `clusterchaos worker`s to take, e.g. redis://127.0.0.1:6379')
    .option('--seeds <seeds>', "the seeds to run instead of the campaign's: a range 1..100, a list 1,7,9 or one seed")
    .option('--out <dir>', 'where to write the results (default: reports/<timestamp>-campaign-<name>/)')
    .option('--allowlist <file>', 'with real clusters among the targets, on the local pool: the clusters and faults the runs may touch (default: $CLUSTERCHAOS_ALLOWLIST)')
    .option('--yes', 'with real clusters among the targets: change them without asking "Proceed? [y/N]" after the plan (CI; required when stdin is not a terminal)')
    .addOption(new Option('--log-format <format>', 'log lines on stderr').choices(['pretty', 'json']).default(defaultLogFormat()))
    .action(async (file: string, flags: import('./campaign-command.js').CampaignFlags) => {
      code = await (await import('./campaign-command.js')).campaignCommand(file, flags, io, ['clusterchaos', ...argv].join(' '));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      io.out('verdict: unknown — bad usage, nothing was run');
      return EXIT_USAGE;
    }
    return ownFailure(e, io);
  }
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  return code;
}

/**
 * clusterchaos itself failed, not the cluster: a clear message, the last line `verdict: unknown — …`, exit 4,
 * never a stack trace (a bug's goes to a file a person can attach to an issue).
 */
export function ownFailure(e: unknown, io: Io): number {
  const errno = e as NodeJS.ErrnoException;
  let said: string;
  const missingPackage = errno?.code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find package '([^']+)'/.exec(errno.message)?.[1] : undefined;
  if (e instanceof OutputError) said = e.message;
  else if (missingPackage !== undefined) {
    // an install without a runtime dependency (a broken node_modules, `npm ci --omit=dev` on an old lock file)
    said = `the package '${missingPackage}' it needs is not installed. Run \`npm ci\` in clusterchaos's folder, or reinstall clusterchaos (npm install clusterchaos)`;
  } else if (errno?.code && errno.syscall) {
    // the machine said no (a full disk, a permission, too many open files): the operating system's words, and where
    said = `${errno.syscall}${errno.path ? ` ${errno.path}` : ''}: ${describeWriteError(e)}`;
  } else {
    const file = join(tmpdir(), `clusterchaos-failure-${process.pid}-${Date.now()}.txt`);
    let where = '';
    try {
      writeFileSync(file, `${new Date().toISOString()} clusterchaos ${process.argv.slice(2).join(' ')}\n${(e as Error)?.stack ?? String(e)}\n`);
      where = ` The details are in ${file}; please attach them to an issue.`;
    } catch {
      /* the details stay unsaid */
    }
    said = `${(e as Error)?.message ?? String(e)} (a bug in clusterchaos, not a finding about the cluster).${where}`;
  }
  io.err(`clusterchaos itself failed: ${said}`);
  io.out(`verdict: unknown — clusterchaos itself failed: ${firstClause(said)}`);
  return EXIT_OWN_FAILURE;
}

/** The message up to its first full stop, for the verdict line. */
export function firstClause(message: string): string {
  const line = message.split('\n')[0]!;
  const stop = line.search(/\.\s/);
  return (stop > 0 ? line.slice(0, stop) : line).slice(0, 300);
}
