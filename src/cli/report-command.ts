import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkTrace, type CheckResult } from '../check/index.js';
import { formatRunResult, REPORT_FILES, writeReports, type ReportInput } from '../report/index.js';
import { junitOf, type ResidueRecord } from '../report/junit.js';
import { describeWriteError, OutputError, writeWholeSync } from '../trace/output.js';
import { TraceFormatError } from '../trace/reader.js';
import type { FooterRecord, HeaderRecord, RunOutcome, Verdict } from '../trace/records.js';
import { FolderBusyError, lockFolder } from './out-dir.js';
import { TRACE_OPERATIONS, withResidue } from '../run/run-experiment.js';

const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, unknown: 3 };
const EXIT_USAGE = 2;

export interface ReportIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Thrown for input that cannot be reported on: a missing folder or trace, a malformed trace (exit 2). */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

/** What a stored run's reports are rebuilt from: its trace, re-checked, and the run's own outcome from the footer. */
export interface StoredRun {
  input: ReportInput;
  /** The verdict the footer recorded when the run ended (absent: the run never wrote its footer). */
  recorded?: { verdict: Verdict; reason: string };
  /** The residue scan summary.json kept (a real cluster's run), carried into the new reports. */
  residue?: ResidueRecord;
}

/**
 * `clusterchaos report <out>`: rebuild summary.json, junit.xml and report.html of a stored run from its trace
 * alone. The trace is re-checked against the current models as `check` reads it (readStoredTrace); the footer's `run` gives the run's
 * own outcome (steady states, reverts, soak); what the trace does not keep — the real time the run took, a
 * residue scan — is taken from the summary.json already there, if any. Writes into the run's folder, or `outDir`.
 * Returns the exit code as `check` does: 0 pass, 1 fail, 3 unknown, 2 bad input.
 */
export async function reportCommand(target: string, options: { out?: string }, io: ReportIo): Promise<number> {
  let stored: StoredRun;
  try {
    stored = await readStoredRun(target);
  } catch (e) {
    if (e instanceof ReportInputError || e instanceof TraceFormatError) {
      io.err(e.message);
      io.out('verdict: unknown — bad input, no report was written');
      return EXIT_USAGE;
    }
    throw e;
  }
  const outDir = options.out ?? dirname(stored.input.tracePath);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new OutputError(`cannot create the folder ${outDir} for the reports: ${describeWriteError(e)}`, { cause: e });
  }
  // where the reports go is held while they are written: not beside a run still writing there, nor another report
  let lock;
  try {
    lock = lockFolder(outDir, `clusterchaos report ${target}${options.out ? ` --out ${options.out}` : ''}`);
  } catch (e) {
    if (!(e instanceof FolderBusyError)) throw e;
    io.err(e.message);
    io.out('verdict: unknown — bad input, no report was written');
    return EXIT_USAGE;
  }
  let files, lanes;
  try {
    ({ lanes, ...files } = await writeReports(outDir, stored.input));
    if (stored.residue) {
      // the residue scan sits beside the verdict in summary.json, and is a test case of its own in junit.xml
      const summary = JSON.parse(readFileSync(files.summary, 'utf8')) as Record<string, unknown>;
      writeWholeSync(files.summary, JSON.stringify({ ...summary, residue: stored.residue }, null, 2) + '\n');
      writeWholeSync(files.junit, junitOf(stored.input, lanes, { residue: stored.residue }));
    }
  } finally {
    lock.release();
  }
  const { result } = stored.input;
  for (const line of formatRunResult(stored.input, files, lanes)) io.out(line);
  if (!stored.recorded) {
    io.out('the trace has no footer: the run did not finish (killed, or still running); reported as aborted');
  } else if (stored.recorded.verdict !== result.verdict) {
    io.out(`the run recorded verdict ${stored.recorded.verdict} (${stored.recorded.reason}); against the current models it is ${result.verdict}`);
  }
  io.out(`verdict: ${result.verdict} — ${result.reason}`);
  return EXIT[result.verdict];
}

/**
 * Read a stored run: `target` is the run's folder (holding trace.ndjson) or the trace itself. Throws
 * ReportInputError for a missing folder or trace, TraceFormatError (file and line) for a malformed one.
 */
export async function readStoredRun(target: string): Promise<StoredRun> {
  const tracePath = tracePathOf(target);
  const before = previousSummary(join(dirname(tracePath), REPORT_FILES.summary));
  let stored: StoredTrace;
  try {
    stored = await readStoredTrace(tracePath, before.wallMs ?? 0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
      throw new ReportInputError(`${tracePath}: cannot read the trace (${code}); give the folder a run wrote its results to (its --out folder)`);
    }
    throw e;
  }
  const { header, footer, run } = stored;
  const result = withResidue(stored.result, before.residue);
  return {
    input: { header, tracePath, result, run },
    ...(footer ? { recorded: { verdict: footer.verdict, reason: footer.reason } } : {}),
    ...(before.residue ? { residue: before.residue } : {}),
  };
}

export { INCOMPLETE_TRACE } from '../check/index.js';

/** A stored trace re-checked, with the run's own outcome as its footer recorded it. */
export interface StoredTrace {
  header: HeaderRecord;
  /** The check against the current models, with the run's outcome (steady states, reverts, an abort) judged from the trace. */
  result: CheckResult;
  run: RunOutcome;
  footer?: FooterRecord;
}

/**
 * A stored trace as `clusterchaos check` and `clusterchaos report` both read it, so they accept and refuse the
 * same traces and give the same verdict: every record checked for its shape (op names against the fault
 * catalogue, settings against the models'), then against the models, and the run's outcome judged from its
 * lines by the rules `run` used (src/check/outcome.ts). A trace without its footer (killed, still running, cut short) is never
 * a pass: violations found in what is there still fail it (that evidence is real), else it is unknown.
 * Throws TraceFormatError for a malformed trace, an errno error for one that cannot be read.
 */
export async function readStoredTrace(tracePath: string, wallMs = 0): Promise<StoredTrace> {
  const { header, result, footer, lastT } = await checkTrace(tracePath, { operations: TRACE_OPERATIONS, footer: 'required' });
  const run: RunOutcome = footer
    ? footer.run
      ? { ...footer.run, wallMs }
      : { status: 'completed', virtualMs: footer.t, wallMs, reverts: [] }
    : { status: 'aborted', abortReason: 'the trace has no footer: the run did not finish', virtualMs: lastT, wallMs, reverts: [] };
  return { header, result, run, ...(footer ? { footer } : {}) };
}

/**
 * What `clusterchaos check` says of a trace it cannot read as one (exit 2): a malformed trace's file, line and
 * problem, or why the file cannot be read. Undefined for any other error (clusterchaos itself failed).
 */
export function unreadable(e: unknown, tracePath: string): string | undefined {
  if (e instanceof TraceFormatError) return e.message;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
    return `${tracePath}: cannot read the trace (${code}); give the path of a trace.ndjson written by clusterchaos run`;
  }
  return undefined;
}

function tracePathOf(target: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ReportInputError(`${target}: no such folder or trace (${code}); give the folder a run wrote its results to (its --out folder, or reports/<timestamp>-<experiment>/)`);
  }
  if (!isDir) return target;
  const trace = join(target, 'trace.ndjson');
  if (!existsSync(trace)) {
    throw new ReportInputError(`${target}: no trace.ndjson in this folder; give the folder a run wrote its results to (its --out folder, or reports/<timestamp>-<experiment>/)`);
  }
  return trace;
}

/** What summary.json kept that the trace does not: the real time the run took and the residue scan. Nothing when it is missing or unreadable. */
function previousSummary(file: string): { wallMs?: number; residue?: ResidueRecord } {
  let summary: { run?: { wallMs?: unknown }; residue?: { clean?: unknown; findings?: unknown } };
  try {
    summary = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  const out: { wallMs?: number; residue?: ResidueRecord } = {};
  const wallMs = summary?.run?.wallMs;
  if (typeof wallMs === 'number' && Number.isFinite(wallMs) && wallMs >= 0) out.wallMs = wallMs;
  const r = summary?.residue;
  if (r && typeof r.clean === 'boolean' && Array.isArray(r.findings) && r.findings.every((f) => typeof f === 'string')) {
    out.residue = { clean: r.clean, findings: r.findings as string[] };
  }
  return out;
}

