import { createReadStream } from 'node:fs';
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

const LF = 0x0a;
const CR = 0x0d;

/**
 * Streams a trace file record by record; never holds the whole trace in memory. A truncated last line
 * (a crash mid-write) is skipped; any other malformed line is an error naming the file and line.
 *
 * Lines end at LF, CRLF or a lone CR (as `readline` reads them). Each line's text is decoded on its own, so a
 * line kept as evidence holds only itself, never the chunk of the file it was read from (memory stays flat
 * however long the trace and however many lines a consumer keeps).
 */
export async function* readTrace(file: string): AsyncGenerator<ReadRecord> {
  let lineNo = 0;
  let heldText: string | undefined;
  let heldLine = 0;
  let carry: Buffer | undefined;
  for await (const data of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    const chunk = carry ? Buffer.concat([carry, data]) : data;
    const hasCr = chunk.indexOf(CR) !== -1;
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      const text = chunk.toString('utf8', start, nl);
      start = nl + 1;
      for (const line of hasCr ? splitCr(text) : [text]) {
        lineNo++;
        // Any line after it, even a blank one, means the held line was written whole.
        if (heldText !== undefined) {
          yield parse(file, heldText, heldLine);
          heldText = undefined;
        }
        if (blank(line)) continue;
        heldText = line;
        heldLine = lineNo;
      }
    }
    carry = start < chunk.length ? chunk.subarray(start) : undefined;
  }
  if (carry) {
    // The last line has no line break after it (readline reads it all the same).
    for (const line of splitCr(carry.toString('utf8'))) {
      lineNo++;
      if (heldText !== undefined) {
        yield parse(file, heldText, heldLine);
        heldText = undefined;
      }
      if (blank(line)) continue;
      heldText = line;
      heldLine = lineNo;
    }
  }
  if (heldText !== undefined) {
    let record: TraceRecord | undefined;
    try {
      record = JSON.parse(heldText) as TraceRecord;
    } catch {
      return; // the last line was cut short by a crash: the trace is append-only, so drop it
    }
    yield { record: check(file, record, heldLine), text: heldText, line: heldLine };
  }
}

/** The lines in a piece of text without LF: a CR before the end breaks a line, one at the end only ends it. */
function splitCr(text: string): string[] {
  const body = text.endsWith('\r') ? text.slice(0, -1) : text;
  return body.includes('\r') ? body.split('\r') : [body];
}

function blank(text: string): boolean {
  return text.length === 0 || (text.charCodeAt(0) !== 0x7b /* { */ && text.trim() === '');
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
