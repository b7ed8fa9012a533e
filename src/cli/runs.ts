import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkSchema } from '../check/index.js';
import { formatT } from '../check/time.js';
import { localTime, table } from '../report/compare-text.js';
import { readTrace } from '../trace/reader.js';
import type { HeaderRecord, Verdict } from '../trace/records.js';
import { LOCK_FILE } from './out-dir.js';
import { TRACE_OPERATIONS } from '../run/run-experiment.js';

const EXIT_USAGE = 2;
const TRACE = 'trace.ndjson';
/** How much of a trace's end is read for its footer or last checkpoint: far more than a footer (a few KB). */
const TAIL_BYTES = 1024 * 1024;

export interface RunsIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * How a run ended, as its trace says: `finished` (a footer, the run completed), `aborted` (a footer, stopped by a
 * signal or without a steady state), `unfinished` (no footer: killed, or the machine died; a soak goes on with
 * --resume), `running` (no footer, and the clusterchaos that holds the folder is alive).
 */
export type RunStatus = 'finished' | 'aborted' | 'unfinished' | 'running';

/** One past run, as `clusterchaos runs --json` gives it. */
export interface RunEntry {
  folder: string;
  startTime: string;
  /** The verdict the run recorded (or, if its reports were rebuilt since, the one summary.json now says); null without a footer. */
  verdict: Verdict | null;
  reason: string | null;
  status: RunStatus;
  experiment: string;
  title: string;
  target: HeaderRecord['target'];
  seed: number;
  defects: string[];
  /** How far the run got on its own clock (virtual time on the simulator). */
  virtualMs: number;
  /** How long it really took, when summary.json says. */
  wallMs: number | null;
  /** A soak's last completed iteration (its last checkpoint). */
  iteration: number | null;
}

/** A folder that looks like a run (it holds a trace.ndjson) but could not be read as one. */
export interface Unreadable {
  folder: string;
  problem: string;
}

/**
 * `clusterchaos runs [DIR]`: every run under DIR (default `reports/`), newest first, one line each; the runs of
 * an acceptance suite (one folder down) too. Folders that are not runs are passed over; a run that cannot be
 * read is named with why, and the listing goes on. Only each trace's first line and its end are read, so a
 * folder of 40 MB soaks lists at once. Exit 0, or 2 when DIR is not a folder.
 */
export async function runsCommand(dir: string, flags: { json?: boolean }, io: RunsIo): Promise<number> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    names = readdirSync(dir).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    io.err(
      code === 'ENOENT'
        ? `${dir}: no such folder; give the folder your runs are in (default reports/, where clusterchaos run writes them, or the parent of the --out folders you gave)`
        : `${dir}: not a folder of runs (${code}); give the folder your runs are in (default reports/, or the parent of the --out folders you gave)`,
    );
    io.out('runs: none listed — bad input');
    return EXIT_USAGE;
  }
  const runs: RunEntry[] = [];
  const unreadable: Unreadable[] = [];
  const visit = async (folder: string, depth: number): Promise<void> => {
    if (isFile(join(folder, TRACE))) {
      try {
        runs.push(await readEntry(folder));
      } catch (e) {
        unreadable.push({ folder, problem: (e as Error).message });
      }
      return;
    }
    if (depth === 0) return;
    let inner: string[];
    try {
      inner = readdirSync(folder).sort();
    } catch {
      return; // not a folder (a file beside the runs), or one we may not look into: not a run either way
    }
    for (const name of inner) await visit(join(folder, name), depth - 1);
  };
  // a run's folder, or (one level down) the runs of `clusterchaos accept`
  for (const name of names) await visit(join(dir, name), 1);
  runs.sort((x, y) => (x.startTime < y.startTime ? 1 : x.startTime > y.startTime ? -1 : x.folder.localeCompare(y.folder)));

  if (flags.json) {
    io.out(JSON.stringify({ dir, runs, unreadable }, null, 2));
    return 0;
  }
  if (!runs.length && !unreadable.length) {
    io.out(`runs: none in ${dir} (a run's folder holds a trace.ndjson; clusterchaos run writes one under reports/)`);
    return 0;
  }
  const rows = [['when', 'verdict', 'experiment', 'target', 'seed', 'duration', 'folder']];
  for (const r of runs) rows.push([localTime(r.startTime), verdictCell(r), r.experiment, r.target, String(r.seed), formatT(r.virtualMs), `${r.folder}${note(r)}`]);
  for (const line of table(rows, '')) io.out(line);
  // the first line says what is wrong; `check` says it all, line by line
  for (const u of unreadable) io.out(`unreadable: ${u.folder}: ${u.problem.split('\n')[0]} (clusterchaos check ${join(u.folder, TRACE)} says more)`);
  const counts = (['pass', 'fail', 'unknown'] as const).map((v) => `${runs.filter((r) => r.verdict === v).length} ${v}`);
  const open = runs.filter((r) => r.status === 'unfinished' || r.status === 'running').length;
  io.out(`runs: ${runs.length} in ${dir} (${counts.join(', ')}${open ? `, ${open} unfinished` : ''})${unreadable.length ? `; ${unreadable.length} unreadable` : ''}`);
  return 0;
}

function verdictCell(r: RunEntry): string {
  if (r.status === 'running') return 'running';
  if (r.status === 'unfinished') return 'unfinished';
  return r.status === 'aborted' ? `${r.verdict} (aborted)` : r.verdict!;
}

/** What a person does next with an unfinished run. */
function note(r: RunEntry): string {
  const at = r.iteration !== null ? `, at iteration ${r.iteration}` : '';
  if (r.status === 'running') return `  (still running${at})`;
  if (r.status !== 'unfinished') return '';
  return r.iteration !== null
    ? `  (killed${at}; go on with: clusterchaos run --resume ${r.folder})`
    : `  (killed before its end: no footer${r.target === 'powershell' ? `; finish its reverts with: clusterchaos revert ${r.folder}` : ''})`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A run's line: its header (checked as `check` checks it), how its trace ends, and what summary.json adds. */
async function readEntry(folder: string): Promise<RunEntry> {
  const tracePath = join(folder, TRACE);
  let header: HeaderRecord | undefined;
  try {
    for await (const { record } of readTrace(tracePath, { schema: checkSchema({ operations: TRACE_OPERATIONS }) })) {
      if (record.type === 'header') header = record;
      break;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code ? `cannot read ${tracePath} (${code})` : (e as Error).message);
  }
  if (!header) throw new Error(`${tracePath} is empty: a trace begins with its header line`);
  const end = tailOf(tracePath);
  const summary = summaryOf(join(folder, 'summary.json'), header.runId);
  const status: RunStatus = end.footer ? (end.footer.run?.status === 'aborted' ? 'aborted' : 'finished') : heldByLiveProcess(folder) ? 'running' : 'unfinished';
  return {
    folder,
    startTime: header.startTime,
    verdict: end.footer ? (summary.verdict ?? end.footer.verdict) : null,
    reason: end.footer ? (summary.reason ?? end.footer.reason) : null,
    status,
    experiment: header.experiment.name,
    title: header.experiment.title,
    target: header.target,
    seed: header.seed,
    defects: header.defects,
    virtualMs: end.footer?.run?.virtualMs ?? end.lastT,
    wallMs: end.footer ? (summary.wallMs ?? null) : null,
    iteration: end.iteration,
  };
}

interface TraceEnd {
  footer?: { verdict: Verdict; reason: string; run?: { status: string; virtualMs: number } };
  lastT: number;
  iteration: number | null;
}

/**
 * The end of a trace without reading it whole: the footer if the run wrote one, else the last time any
 * record mentions and the soak's last checkpoint. Its last line may be cut short (a crash mid-write): skipped.
 */
function tailOf(tracePath: string): TraceEnd {
  const fd = openSync(tracePath, 'r');
  let text: string;
  let from: number;
  try {
    const size = fstatSync(fd).size;
    from = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    text = buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (from > 0) lines.shift(); // began mid-line
  const end: TraceEnd = { lastT: 0, iteration: null };
  for (const line of lines.reverse()) {
    let record: { type?: unknown; t?: unknown; iteration?: unknown; verdict?: unknown; reason?: unknown; run?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      continue; // the blank after the last newline, or a line cut short
    }
    if (typeof record?.t === 'number' && Number.isFinite(record.t)) end.lastT = Math.max(end.lastT, record.t);
    if (record.type === 'footer' && !end.footer && typeof record.verdict === 'string') {
      end.footer = { verdict: record.verdict as Verdict, reason: String(record.reason), ...(record.run ? { run: record.run as { status: string; virtualMs: number } } : {}) };
    }
    if (record.type === 'checkpoint' && end.iteration === null && typeof record.iteration === 'number') end.iteration = record.iteration;
    if (end.footer) {
      // a soak's footer counts its iterations; nothing before it can say more
      const soak = (end.footer.run as { soak?: { iterations?: unknown } } | undefined)?.soak;
      if (typeof soak?.iterations === 'number') end.iteration = soak.iterations;
      break;
    }
    if (end.iteration !== null) break;
  }
  return end;
}

/** What summary.json adds: the real time the run took, and the verdict if its reports were rebuilt since (same run only). */
function summaryOf(file: string, runId: string): { verdict?: Verdict; reason?: string; wallMs?: number } {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { runId?: unknown; verdict?: unknown; reason?: unknown; run?: { wallMs?: unknown } };
    if (s.runId !== runId) return {};
    return {
      ...(s.verdict === 'pass' || s.verdict === 'fail' || s.verdict === 'unknown' ? { verdict: s.verdict } : {}),
      ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
      ...(typeof s.run?.wallMs === 'number' ? { wallMs: s.run.wallMs } : {}),
    };
  } catch {
    return {};
  }
}

/** Whether a clusterchaos on this machine that is still alive holds the folder (a run in progress). */
function heldByLiveProcess(folder: string): boolean {
  try {
    const holder = JSON.parse(readFileSync(join(folder, LOCK_FILE), 'utf8')) as { pid?: unknown; host?: unknown };
    if (typeof holder.pid !== 'number' || holder.host !== hostname()) return false;
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
