import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TraceRecord } from './records.js';

export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/** A record with its raw text and line number, so evidence can be quoted exactly as written. */
export interface ReadRecord {
  record: TraceRecord;
  text: string;
  line: number;
}

/**
 * Streams a trace file record by record; never holds the whole trace in memory. A truncated last line
 * (a crash mid-write) is skipped; any other malformed line is an error naming the file and line.
 */
export async function* readTrace(file: string): AsyncGenerator<ReadRecord> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let held: { text: string; line: number } | undefined;
  for await (const text of lines) {
    lineNo++;
    if (held) {
      yield parse(file, held.text, held.line);
      held = undefined;
    }
    if (text.trim() === '') continue;
    held = { text, line: lineNo };
  }
  if (held) {
    let record: TraceRecord | undefined;
    try {
      record = JSON.parse(held.text) as TraceRecord;
    } catch {
      return; // the last line was cut short by a crash: the trace is append-only, so drop it
    }
    yield { record: check(file, record, held.line), text: held.text, line: held.line };
  }
}

function parse(file: string, text: string, line: number): ReadRecord {
  let record: TraceRecord;
  try {
    record = JSON.parse(text) as TraceRecord;
  } catch (e) {
    throw new TraceFormatError(file, line, `not a JSON object (${(e as Error).message}); a trace has one JSON object per line`);
  }
  return { record: check(file, record, line), text, line };
}

const KINDS = new Set(['header', 'op', 'observe', 'event', 'checkpoint', 'footer']);

function check(file: string, record: TraceRecord, line: number): TraceRecord {
  if (typeof record !== 'object' || record === null || !KINDS.has((record as { type?: string }).type ?? '')) {
    throw new TraceFormatError(
      file,
      line,
      `expected a record with "type" one of ${[...KINDS].join(', ')}, found ${JSON.stringify(record).slice(0, 80)}`,
    );
  }
  return record;
}
