import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkTrace } from '../check/index.js';
import { formatRunResult, REPORT_FILES, writeReports, type ReportInput } from '../report/index.js';
import { junitOf, type ResidueRecord } from '../report/junit.js';
import { readTrace, TraceFormatError } from '../trace/reader.js';
import type { FooterRecord, HeaderRecord, RunOutcome, Verdict } from '../trace/records.js';
import { withResidue, withRunOutcome } from './run-experiment.js';

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
 * alone. The trace is re-checked against the current models (checkTrace); the footer's `run` gives the run's
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
    io.err(`--out ${outDir}: cannot create the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    io.out('verdict: unknown — bad input, no report was written');
    return EXIT_USAGE;
  }
  const { lanes, ...files } = await writeReports(outDir, stored.input);
  if (stored.residue) {
    // the residue scan sits beside the verdict in summary.json, and is a test case of its own in junit.xml
    const summary = JSON.parse(readFileSync(files.summary, 'utf8')) as Record<string, unknown>;
    writeFileSync(files.summary, JSON.stringify({ ...summary, residue: stored.residue }, null, 2) + '\n');
    writeFileSync(files.junit, junitOf(stored.input, lanes, { residue: stored.residue }));
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
  let checked;
  try {
    await checkHeader(tracePath);
    checked = await checkTrace(tracePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
      throw new ReportInputError(`${tracePath}: cannot read the trace (${code}); give the folder a run wrote its results to (its --out folder)`);
    }
    throw e;
  }
  const { header } = checked;
  const { footer, lastT } = await footerOf(tracePath);
  const before = previousSummary(join(dirname(tracePath), REPORT_FILES.summary));
  const run: RunOutcome = footer?.run
    ? { ...footer.run, wallMs: before.wallMs ?? 0 }
    : {
        status: footer ? 'completed' : 'aborted',
        ...(footer ? {} : { abortReason: 'the trace has no footer: the run did not finish' }),
        virtualMs: footer?.t ?? lastT,
        wallMs: before.wallMs ?? 0,
        reverts: [],
      };
  const result = withResidue(withRunOutcome(checked.result, run), before.residue);
  return {
    input: { header, tracePath, result, run },
    ...(footer ? { recorded: { verdict: footer.verdict, reason: footer.reason } } : {}),
    ...(before.residue ? { residue: before.residue } : {}),
  };
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

/**
 * The header has what the checker and the reports read (a header cut down or from another tool would fail
 * deep inside them): a TraceFormatError naming its line otherwise. A trace not starting with a header is left
 * to checkTrace, which says so.
 */
async function checkHeader(tracePath: string): Promise<void> {
  for await (const { record, line } of readTrace(tracePath)) {
    if (record.type !== 'header') return;
    const h = record as Partial<HeaderRecord>;
    const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;
    const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
    const missing = [
      !isObject(h.experiment) || typeof h.experiment?.name !== 'string' || typeof h.experiment?.title !== 'string' ? 'experiment {name, title, file}' : '',
      h.target !== 'sim' && h.target !== 'powershell' ? 'target' : '',
      typeof h.seed !== 'number' ? 'seed' : '',
      !strings(h.defects) ? 'defects' : '',
      !isObject(h.cluster) || !strings(h.cluster?.nodes) || !Array.isArray(h.cluster?.vms) || !h.cluster!.vms.every((vm) => isObject(vm) && typeof vm.name === 'string') ? 'cluster {nodes, vms}' : '',
      !isObject(h.settings) ? 'settings' : '',
      !isObject(h.check) || typeof h.check?.toleranceMs !== 'number' ? 'check {toleranceMs}' : '',
      typeof h.runId !== 'string' ? 'runId' : '',
      typeof h.startTime !== 'string' ? 'startTime' : '',
      typeof h.replay !== 'string' ? 'replay' : '',
    ].filter(Boolean);
    if (missing.length) throw new TraceFormatError(tracePath, line, `the header lacks ${missing.join(', ')}; is this a trace written by clusterchaos run?`);
    return;
  }
}

/**
 * The trace's last footer line and the last time any line mentions, streaming the trace (a soak's trace is
 * large). A footer whose `run` is not a run outcome is a TraceFormatError naming its line.
 */
async function footerOf(tracePath: string): Promise<{ footer: FooterRecord | undefined; lastT: number }> {
  let footer: FooterRecord | undefined;
  let lastT = 0;
  for await (const { record, line } of readTrace(tracePath)) {
    if ('t' in record && typeof record.t === 'number' && record.t > lastT) lastT = record.t;
    if (record.type !== 'footer') continue;
    const run = record.run as Partial<RunOutcome> | undefined;
    if (run !== undefined && (typeof run !== 'object' || run === null || (run.status !== 'completed' && run.status !== 'aborted') || typeof run.virtualMs !== 'number' || !Array.isArray(run.reverts))) {
      throw new TraceFormatError(tracePath, line, "the footer's run is not a run outcome (expected status, virtualMs and reverts); was the trace edited?");
    }
    footer = record;
  }
  return { footer, lastT };
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

