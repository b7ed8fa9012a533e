/**
 * Real clusters in a campaign (issue 16, part 4): a run on a named cluster is `clusterchaos run --target powershell`
 * itself, in a child process, so it is exactly as safe as that command (allowlist, blast-radius guard, reverts on
 * every exit path, the undo journal, the residue scan, the folder lock). Its undo journal is mirrored line by line
 * as it grows, so that if the machine running it dies, the next worker for that cluster can finish its reverts
 * with `clusterchaos revert` (takeOver) instead of running it again blindly.
 *
 * What is mirrored (`onJournal`): first the run's trace header (a `{"type":"header",…}` line: the run id, whose tag
 * names what the run created on the nodes, and how the run was started, which `clusterchaos revert` needs to reopen
 * the cluster), then every line of `<out>/undo.ndjson`, in order, each once. The journal's reader
 * (`clusterchaos revert`) ignores lines of any other type, so the mirrored lines can be written back as they are.
 *
 * The rules, for the campaign's loader and its workers:
 *  (a) A campaign target `{ kind: 'powershell', cluster: C }` runs an experiment only when that experiment's own
 *      `cluster.name` (after the run's --set) is C, compared without case as Windows does. The experiment
 *      describes that cluster's nodes and VMs, which the run checks on first contact; one file per cluster.
 *  (b) A worker takes a real-cluster job only when refusalOf() says nothing: its own allowlist names the cluster and
 *      allows every fault of the experiment, and the experiment fits (a). It never reads credentials from a job.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingDefinitions } from '../../machines/index.js';
import { ExperimentError, loadExperiment } from '../experiment/load.js';
import { faults } from '../faults/catalogue.js';
import { AllowlistError, allowlistLocation, consentFor, loadAllowlist } from '../safety/allowlist.js';
import { BlastRadiusError, guardBlastRadius } from '../safety/blast-radius.js';
import type { RunSpec, Verdict } from './types.js';

/** `bin/clusterchaos.js`, from dist/src/campaign/real-run.js (built) or src/campaign/real-run.ts (under tsx). */
export const CLUSTERCHAOS_BIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../bin/clusterchaos.js' : '../../../bin/clusterchaos.js', import.meta.url));

/**
 * Between the worker and `clusterchaos run`: a worker killed outright (SIGKILL, the OOM killer) cannot stop its run,
 * which would go on alone on the cluster while the next worker takes the run over. This small process holds a pipe
 * from the worker on its stdin; when the worker is gone the pipe ends, and the run is stopped as by Ctrl-C (it
 * reverts its faults at once). SIGINT and SIGTERM are passed on; it ends as the run ends.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const [bin, ...args] = process.argv.slice(1);
const run = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => run.kill(s));
let orphaned = false;
const gone = () => { if (!orphaned && run.exitCode === null && run.signalCode === null) { orphaned = true; run.kill('SIGINT'); } };
process.stdin.on('end', gone);
process.stdin.on('error', gone);
process.stdin.resume();
run.on('error', (e) => { process.stderr.write('clusterchaos itself failed: cannot start clusterchaos run: ' + e.message + '\\n'); process.exit(4); });
run.on('exit', (code, signal) => {
  if (signal === null) process.exit(code);
  for (const s of ['SIGINT', 'SIGTERM']) process.removeAllListeners(s);
  process.kill(process.pid, signal);
});
`;

/** How often the journal is read besides when the folder or the child says something (fs.watch misses events on some file systems). */
const POLL_MS = 200;

export interface RealRunResult {
  verdict: Verdict;
  reason: string;
  exitCode: number;
}

const VERDICTS: Record<number, Verdict> = { 0: 'pass', 1: 'fail', 3: 'unknown' };

/**
 * Rule (a): the experiment's own cluster is the target's. A refusal's message (bad input: nothing is run), or
 * undefined. Loads the experiment with the run's --set and seed, as `clusterchaos run` will.
 */
export function clusterRefusal(spec: RunSpec): string | undefined {
  if (spec.target.kind !== 'powershell') return `${spec.key}: not a run on a real cluster (its target is the simulator)`;
  let experiment;
  try {
    experiment = loadExperiment(spec.file, { sets: spec.sets, seed: spec.seed, settings: settingDefinitions, faults });
  } catch (e) {
    if (e instanceof ExperimentError) return e.message;
    throw e;
  }
  if (experiment.cluster.name.toLowerCase() !== spec.target.cluster.toLowerCase()) {
    return (
      `${spec.file}: cluster.name is ${experiment.cluster.name}, but the campaign targets the cluster ${spec.target.cluster} with it; ` +
      `an experiment describes one cluster's nodes and VMs, so give ${spec.target.cluster} an experiment whose cluster.name is ${spec.target.cluster}. Nothing was done to any cluster.`
    );
  }
  return undefined;
}

/**
 * Rule (b), what a worker checks before it takes a real-cluster job (from files alone, nothing sent to any
 * cluster): rule (a), then its allowlist (`allowlist`, else CLUSTERCHAOS_ALLOWLIST, else
 * ./clusterchaos-allowlist.yaml) names the cluster and allows every fault the experiment injects, within its
 * max-impaired-nodes. The refusal's message, or undefined. `clusterchaos run` checks all of it again.
 */
export function refusalOf(spec: RunSpec, allowlist: string | undefined): string | undefined {
  const wrongCluster = clusterRefusal(spec);
  if (wrongCluster) return wrongCluster;
  const experiment = loadExperiment(spec.file, { sets: spec.sets, seed: spec.seed, settings: settingDefinitions, faults });
  try {
    const entry = consentFor(loadAllowlist(allowlistLocation(allowlist), faults.keys()), experiment);
    guardBlastRadius(experiment, faults, { maxImpairedNodes: entry.maxImpairedNodes, quarantineCap: true });
  } catch (e) {
    if (e instanceof AllowlistError || e instanceof BlastRadiusError) return e.message;
    throw e;
  }
  return undefined;
}

/** `clusterchaos run <file> --target powershell …` for the run, as a command line's arguments (after the bin). */
export function runArguments(spec: RunSpec, o: { outDir: string; allowlist: string }): string[] {
  const target = spec.target.kind === 'powershell' ? spec.target : undefined;
  return [
    'run',
    spec.file,
    '--target',
    'powershell',
    ...(target?.rehearse ? ['--rehearse'] : []),
    '--allowlist',
    o.allowlist,
    '--yes',
    '--seed',
    String(spec.seed),
    ...spec.sets.flatMap((s) => ['--set', s]),
    // the run refuses a defect without --rehearse (a real cluster has its own): that refusal is the answer
    ...(spec.defect !== null ? ['--defect', spec.defect] : []),
    '--out',
    o.outDir,
    '--log-format',
    'json',
  ];
}

/**
 * Reads the complete lines a file gains, each once, in order; a line still being written waits for its newline.
 * Synchronous, so two readers of one tail never interleave.
 */
class Tail {
  private offset = 0;
  private partial = '';
  constructor(readonly file: string) {}

  read(): string[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      const got = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += got;
      const text = this.partial + buffer.subarray(0, got).toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      return parts.filter((l) => l.trim() !== '');
    } finally {
      closeSync(fd);
    }
  }
}

/** The first line of the trace once it is complete and is the header, else undefined. */
function headerLine(trace: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(trace, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(Math.min(fstatSync(fd).size, 4 * 1024 * 1024));
    const text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    const line = text.slice(0, end);
    try {
      return (JSON.parse(line) as { type?: unknown }).type === 'header' ? line : undefined;
    } catch {
      return undefined;
    }
  } finally {
    closeSync(fd);
  }
}

/** The message of a refusal or a failure on the child's stderr: its lines that are not JSON log records. */
function messageOf(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\{.*"level"/.test(l))
    .join('\n')
    .trim();
}

/** `verdict: fail — …` → its verdict and reason. */
function verdictLine(stdout: string): { verdict: Verdict; reason: string } | undefined {
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  const m = /^verdict: (pass|fail|unknown)(?: — (.*))?$/.exec(last);
  return m ? { verdict: m[1] as Verdict, reason: m[2] ?? '' } : undefined;
}

/**
 * One run on a real cluster (or its rehearsal): `clusterchaos run … --target powershell` as a child process,
 * writing into `o.outDir` (which must not exist yet or be empty), with this process's environment (the worker's own
 * credentials; a job never carries any). Every line the run's undo journal gains reaches `o.onJournal` (after the
 * trace's header, see the top of this file). Aborting `o.signal` is Ctrl-C: the run stops after its current step,
 * reverts and ends with its verdict.
 */
export async function executeRealRun(spec: RunSpec, o: { outDir: string; allowlist: string; onJournal: (line: string) => void; signal?: AbortSignal }): Promise<RealRunResult> {
  const refused = clusterRefusal(spec);
  if (refused) return { verdict: 'unknown', reason: `bad input, nothing was run: ${refused}`, exitCode: 2 };
  if (o.signal?.aborted) return { verdict: 'unknown', reason: `stopped before it started (${String(o.signal.reason ?? 'aborted')}), nothing was run`, exitCode: 3 };

  const journal = new Tail(join(o.outDir, 'undo.ndjson'));
  const trace = join(o.outDir, 'trace.ndjson');
  let headerSent = false;
  let mirrorFailed: unknown;
  const send = (line: string): void => {
    try {
      o.onJournal(line);
    } catch (e) {
      // a journal that cannot be mirrored leaves nothing to take the run over from: the run is stopped (it reverts)
      if (mirrorFailed === undefined) child.kill('SIGINT');
      mirrorFailed ??= e;
    }
  };
  const mirror = (final: boolean): void => {
    if (!headerSent) {
      const header = headerLine(trace);
      // the header is on disk before the first change (review R12): journal lines wait for it, so a take-over can reopen the cluster
      if (header !== undefined) {
        send(header);
        headerSent = true;
      } else if (!final) return;
    }
    for (const line of journal.read()) send(line);
  };

  const child = spawn(process.execPath, ['-e', WATCHDOG, CLUSTERCHAOS_BIN, ...runArguments(spec, o)], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  child.stdin.on('error', () => undefined);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    mirror(false);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    mirror(false);
  });
  let watcher: FSWatcher | undefined;
  const poll = setInterval(() => {
    if (!watcher && existsSync(o.outDir)) {
      try {
        watcher = watch(o.outDir, () => mirror(false));
        watcher.on('error', () => undefined);
      } catch {
        // the poll goes on reading
      }
    }
    mirror(false);
  }, POLL_MS);
  const interrupt = (): void => {
    child.kill('SIGINT');
  };
  o.signal?.addEventListener('abort', interrupt, { once: true });

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => {
    clearInterval(poll);
    watcher?.close();
    o.signal?.removeEventListener('abort', interrupt);
  });
  mirror(true);
  if (mirrorFailed !== undefined) {
    const why = mirrorFailed instanceof Error ? mirrorFailed.message : String(mirrorFailed);
    return { verdict: 'unknown', reason: `clusterchaos itself failed: the undo journal could not be mirrored (${why}), so the run was stopped as by Ctrl-C (it said: ${verdictLine(stdout)?.verdict ?? 'no verdict'}); its folder: ${o.outDir}`, exitCode: 4 };
  }

  if (code === null) return { verdict: 'unknown', reason: `clusterchaos run was killed (${signal}) before it said its verdict; its reverts may be owed: clusterchaos revert ${o.outDir}`, exitCode: 3 };
  const said = verdictLine(stdout);
  if (code === 2) return { verdict: 'unknown', reason: `bad input on ${spec.target.kind === 'powershell' ? spec.target.cluster : 'the target'}, nothing was run: ${messageOf(stderr) || said?.reason || 'no message'}`, exitCode: 2 };
  if (code === 4) return { verdict: 'unknown', reason: `clusterchaos itself failed (not a finding about the cluster): ${messageOf(stderr) || said?.reason || 'no message'}`, exitCode: 4 };
  const verdict = VERDICTS[code];
  if (verdict === undefined || said === undefined || said.verdict !== verdict) {
    return { verdict: 'unknown', reason: `clusterchaos run exited ${code}${said ? ` saying verdict: ${said.verdict}` : ' without a verdict line'}: ${messageOf(stderr) || 'no message'}`, exitCode: code };
  }
  return { verdict, reason: said.reason, exitCode: code };
}

/** The reverts a journal registered and did not mark done, newest first (as `clusterchaos revert` reads it). */
export function owedReverts(lines: readonly string[]): { id: number; label: string }[] {
  const owed = new Map<number, string>();
  for (const text of lines) {
    let line: { type?: string; id?: number; label?: string; outcome?: string };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    if (line.type === 'revert' && typeof line.id === 'number') owed.set(line.id, line.label ?? `revert ${line.id}`);
    else if (line.type === 'done' && line.outcome === 'ok' && typeof line.id === 'number') owed.delete(line.id);
  }
  return [...owed.entries()].sort((a, b) => b[0] - a[0]).map(([id, label]) => ({ id, label }));
}

/** What `clusterchaos revert` printed and its exit code, read as a take-over's answer. */
export function revertAnswer(code: number | null, stdout: string, stderr: string): { reverted: boolean; residueClean: boolean; said: string } {
  const lines = stdout.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const last = lines.at(-1) ?? '';
  const step = /^ {2}(ok|FAIL) {2,}/;
  const steps = lines.filter((l) => step.test(l)).map((l) => l.trim().replace(/ {2,}/, ' '));
  const residueAt = lines.findIndex((l) => l.startsWith('residue: '));
  const residue = residueAt < 0 ? [] : lines.slice(residueAt).filter((l) => !l.startsWith('revert: ')).map((l) => l.trim());
  const residueClean = residue[0]?.startsWith('residue: clean') === true;
  if ((code === 0 || code === 3) && /^revert: (done|unknown)/.test(last)) {
    const said = [...steps, ...(residue.length ? [residue.join(' ')] : ['residue: not scanned'])].join('; ');
    return { reverted: code === 0 || !steps.some((s) => s.startsWith('FAIL')), residueClean, said: `${said} (${last})` };
  }
  const message = messageOf(stderr) || last || 'no message';
  if (code === 2 && message.includes('that run was a rehearsal; its lab ended with it')) {
    return { reverted: true, residueClean: true, said: `it was a rehearsal, whose lab (a simulated cluster inside that worker) ended with it, so nothing on any cluster is left to revert (clusterchaos revert: ${message}); residue: none possible` };
  }
  return { reverted: false, residueClean: false, said: `clusterchaos revert did not run the reverts (exit ${code ?? 'killed'}): ${message}; residue: not scanned` };
}

/**
 * A worker died during a real-cluster run: restore the cluster from the run's mirrored journal (`o.journal`, the
 * lines executeRealRun gave onJournal, header first) with `clusterchaos revert`, in `o.outDir` (new or empty),
 * with this worker's allowlist and credentials. The run itself is never run again: it is recorded unknown with
 * what the revert did and what the residue scan found.
 */
export async function takeOver(spec: RunSpec, o: { outDir: string; journal: string[]; allowlist: string }): Promise<{ verdict: 'unknown'; reason: string; reverted: boolean; residueClean: boolean }> {
  const died = 'the worker running this run died';
  const parsed = o.journal.map((l) => {
    try {
      return JSON.parse(l) as { type?: string; invocation?: { file?: string } };
    } catch {
      return undefined;
    }
  });
  const headerAt = parsed.findIndex((p) => p?.type === 'header');
  const lines = o.journal.filter((_, i) => i !== headerAt);
  const owed = owedReverts(lines);
  const owedSaid = owed.length ? `its journal owed ${owed.map((r) => r.label).join('; ')}` : 'its journal owed nothing';
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, 'undo.ndjson'), lines.map((l) => `${l}\n`).join(''));
  if (headerAt < 0) {
    const nothing = lines.length === 0;
    return {
      verdict: 'unknown',
      reason: nothing
        ? `${died} before its run had read or changed the cluster (no trace header, no journal line was mirrored): nothing to revert; residue: not scanned`
        : `${died} and its trace header was not mirrored, so its cluster cannot be reopened: ${owedSaid}: revert them by hand; residue: not scanned`,
      reverted: nothing,
      residueClean: false,
    };
  }
  // the experiment as this machine names it (the dead worker's path may differ): revert loads it to reopen the cluster
  const header = parsed[headerAt]!;
  writeFileSync(join(o.outDir, 'trace.ndjson'), `${JSON.stringify({ ...header, invocation: { ...header.invocation, file: spec.file } })}\n`);

  const child = spawn(process.execPath, [CLUSTERCHAOS_BIN, 'revert', o.outDir, '--yes', '--allowlist', o.allowlist, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const answer = revertAnswer(code, stdout, stderr);
  return { verdict: 'unknown', reason: `${died}; ${owedSaid}; reverted from its journal: ${answer.said}`, reverted: answer.reverted, residueClean: answer.residueClean };
}
