import { statSync } from 'node:fs';
import { join } from 'node:path';
import { checkSchema } from '../check/index.js';
import { comparisonHtml } from '../report/compare-html.js';
import { formatComparison } from '../report/compare-text.js';
import { compareRuns, type ComparedRun } from '../report/compare.js';
import { LaneCollector } from '../report/lanes.js';
import { OutputError, describeWriteError, writeWholeSync } from '../trace/output.js';
import { readTrace, TraceFormatError } from '../trace/reader.js';
import type { FooterRecord } from '../trace/records.js';
import { TRACE_OPERATIONS } from '../run/run-experiment.js';

const EXIT_USAGE = 2;

export interface CompareIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Input that is not a stored run (exit 2): the message says what was given and what was expected. */
export class NotARunError extends Error {
  override name = 'NotARunError';
}

const EXPECTED = 'give the folder a run wrote its results to (reports/<timestamp>-<experiment>/, or its --out folder; `clusterchaos runs` lists them) or its trace.ndjson';

/**
 * `clusterchaos compare <a> <b>`: what changed between two stored runs, on stdout and, with `--html FILE`, as a
 * self-contained page. Each trace is read as `report` reads it (every record checked against the trace schema),
 * and its lanes collected as the report draws them; the verdicts are the ones the runs recorded. Exit 0 when the
 * two could be compared, 2 when either is not a run.
 */
export async function compareCommand(a: string, b: string, flags: { html?: string }, io: CompareIo): Promise<number> {
  let runs: ComparedRun[];
  try {
    runs = [await readRun(a), await readRun(b)];
  } catch (e) {
    if (e instanceof NotARunError || e instanceof TraceFormatError) {
      io.err(e.message);
      io.out('compared: nothing — bad input');
      return EXIT_USAGE;
    }
    throw e;
  }
  const comparison = compareRuns(runs[0]!, runs[1]!);
  const lines = formatComparison(comparison);
  if (flags.html !== undefined) {
    try {
      writeWholeSync(flags.html, comparisonHtml(comparison));
    } catch (e) {
      if (e instanceof OutputError) throw e;
      throw new OutputError(`cannot write ${flags.html}: ${describeWriteError(e)}`, { cause: e });
    }
    lines.splice(lines.length - 1, 0, `written: ${flags.html} (open it in a browser)`);
  }
  for (const line of lines) io.out(line);
  return 0;
}

/** One stored run: its folder or its trace, read once as a stream into the report's lanes. */
export async function readRun(where: string): Promise<ComparedRun> {
  let tracePath = where;
  try {
    if (statSync(where).isDirectory()) tracePath = join(where, 'trace.ndjson');
    statSync(tracePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new NotARunError(
      tracePath === where ? `${where}: no such run folder or trace (${code}); ${EXPECTED}` : `${where}: not a run folder: it holds no trace.ndjson; ${EXPECTED}`,
    );
  }
  let collector: LaneCollector | undefined;
  let run: Omit<ComparedRun, 'lanes'> | undefined;
  let footer: FooterRecord | undefined;
  try {
    for await (const { record } of readTrace(tracePath, { schema: checkSchema({ operations: TRACE_OPERATIONS }) })) {
      if (record.type === 'header') {
        collector = new LaneCollector(record);
        run = { where, header: record };
        continue;
      }
      if (record.type === 'footer') footer = record;
      collector!.feed(record);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') throw new NotARunError(`${tracePath}: cannot read the trace (${code}); ${EXPECTED}`);
    throw e;
  }
  if (!collector || !run) throw new NotARunError(`${tracePath}:1: empty: a trace begins with its header line; ${EXPECTED}`);
  return { ...run, ...(footer ? { footer } : {}), lanes: collector.finish() };
}
