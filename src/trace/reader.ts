import { createReadStream } from 'node:fs';
import type { TraceRecord } from './records.js';
import { shown, traceSchema, type TraceSchema } from './schema.js';

/**
 * A trace that is not one clusterchaos wrote, or one changed since: bad input (exit 2), naming the file and the
 * line. A message of several lines has each line prefixed with both, as compilers do.
 */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(
      message
        .split('\n')
        .map((l) => `${file}:${line}: ${l}`)
        .join('\n'),
    );
  }
}

/** A record with its raw text and line number, so evidence can be quoted exactly as written. */
export interface ReadRecord {
  record: TraceRecord;
  text: string;
  line: number;
}

/**
 * The longest line a trace may hold, in bytes; a longer one is bad input. The trace's longest legitimate
 * records are an event's message (Windows caps an event record at 64 KB), a header describing the largest
 * cluster Windows supports (64 nodes, 8,000 VMs: about 2 MB) and a drain's value listing every move (1,024
 * VMs a node with their pre-copy passes: well under 1 MB). 16 MiB is eight times the largest of these, and
 * bounds what one line costs to hold (its bytes, its string, its parsed object) however the file was damaged.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface ReadOptions {
  /** The schema every record must fit (TraceSchema, e.g. with the fault catalogue's operation names); default: the record types' shapes alone. */
  schema?: TraceSchema;
}

const LF = 0x0a;
const CR = 0x0d;
const CHUNK = 256 * 1024;

/** What to do about a record of the wrong shape. */
const DAMAGED =
  "a trace is written by clusterchaos run and never edited: was this line changed, or the file written by another tool or a newer clusterchaos? Restore the trace from the run's folder, run the experiment again, or check the trace with the clusterchaos that wrote it";

/**
 * Streams a trace file record by record; never holds the whole trace in memory. A truncated last line
 * (a crash mid-write) is skipped; any other malformed line, a record of the wrong shape (the schema: schema.ts)
 * or out of place (a header not first, anything after the footer), or a line longer than MAX_LINE_BYTES is
 * a TraceFormatError naming the file and line.
 *
 * Lines end at LF, CRLF or a lone CR (as `readline` reads them). Each byte is looked at a bounded number of
 * times however long its line (a long line's pieces are joined once, at its end), so reading is linear in the
 * file's size. Each line's text is decoded on its own, so a line kept as evidence holds only itself, never
 * the chunk of the file it was read from (memory stays flat however long the trace and however many lines a
 * consumer keeps).
 */
export async function* readTrace(file: string, options: ReadOptions = {}): AsyncGenerator<ReadRecord> {
  const schema = options.schema ?? traceSchema();
  const order = new Order(file);
  let lineNo = 0;
  /** The last line read: yielded once a line after it shows it was written whole (the last line may be cut short). */
  let heldText: string | undefined;
  let heldLine = 0;
  /** The line so far, when it began in an earlier chunk: its pieces, joined once it ends. */
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  /** The previous chunk ended with a CR: an LF first in this one belongs to it (CRLF). */
  let afterCr = false;

  /** A line has ended: the one held before it was written whole (any line after it proves it), and is returned; this one is held. */
  const ended = (text: string): ReadRecord | undefined => {
    lineNo++;
    let whole: ReadRecord | undefined;
    if (heldText !== undefined) {
      whole = order.check(parse(file, heldText, heldLine, schema));
      heldText = undefined;
    }
    if (!blank(text)) {
      heldText = text;
      heldLine = lineNo;
    }
    return whole;
  };

  for await (const data of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    let start = 0;
    if (afterCr && data.length > 0 && data[0] === LF) start = 1;
    afterCr = false;
    // the next LF and the next CR at or after `start` (-1: none left in this chunk), each searched for once
    let lf = data.indexOf(LF, start);
    let cr = data.indexOf(CR, start);
    while (lf !== -1 || cr !== -1) {
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (pieceBytes + (end - start) > MAX_LINE_BYTES) tooLong(file, lineNo + 1);
      let text: string;
      if (pieces.length === 0) text = data.toString('utf8', start, end);
      else {
        pieces.push(data.subarray(start, end));
        text = Buffer.concat(pieces, pieceBytes + (end - start)).toString('utf8');
        pieces = [];
        pieceBytes = 0;
      }
      const whole = ended(text);
      if (whole) yield whole;
      start = end + 1;
      if (end === cr) {
        if (start < data.length && data[start] === LF) start++;
        else if (start === data.length) afterCr = true;
      }
      if (lf !== -1 && lf < start) lf = data.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = data.indexOf(CR, start);
    }
    if (start < data.length) {
      pieceBytes += data.length - start;
      if (pieceBytes > MAX_LINE_BYTES) tooLong(file, lineNo + 1);
      pieces.push(start === 0 ? data : data.subarray(start));
    }
  }
  if (pieces.length) {
    // The last line has no line break after it (readline reads it all the same).
    const text = Buffer.concat(pieces, pieceBytes).toString('utf8');
    pieces = [];
    const whole = ended(text);
    if (whole) yield whole;
  }
  if (heldText !== undefined) {
    let record: unknown;
    try {
      record = JSON.parse(heldText);
    } catch {
      return; // the last line was cut short by a crash: the trace is append-only, so drop it
    }
    yield order.check(shaped(file, record, heldText, heldLine, schema));
  }
}

function tooLong(file: string, line: number): never {
  throw new TraceFormatError(
    file,
    line,
    `the line is longer than ${MAX_LINE_BYTES / 2 ** 20} MiB, the most a trace line may be (no record clusterchaos writes comes near it): the file is damaged or is not a trace`,
  );
}

function blank(text: string): boolean {
  return text.length === 0 || (text.charCodeAt(0) !== 0x7b /* { */ && text.trim() === '');
}

/** The record on a line, checked against the schema; a line is never quoted by walking its value (it may nest 100,000 deep), only as written. */
function parse(file: string, text: string, line: number, schema: TraceSchema): ReadRecord {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (e) {
    throw new TraceFormatError(file, line, `not a JSON object (${(e as Error).message}); a trace has one JSON object per line\nthe line reads: ${quote(text)}`);
  }
  return shaped(file, record, text, line, schema);
}

function shaped(file: string, record: unknown, text: string, line: number, schema: TraceSchema): ReadRecord {
  const problem = schema.problem(record);
  if (problem !== undefined) throw new TraceFormatError(file, line, `${problem}\nthe line reads: ${quote(text)}\n${DAMAGED}`);
  return { record: record as TraceRecord, text, line };
}

/** The start of a line as written, for a message. */
function quote(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}… (${text.length.toLocaleString('en-US')} characters)` : text;
}

/** Where records may stand: the header first and once, the footer last and once. */
class Order {
  private seenHeader = false;
  private footerLine: number | undefined;

  constructor(private readonly file: string) {}

  check(read: ReadRecord): ReadRecord {
    const { record, line } = read;
    if (this.footerLine !== undefined) {
      throw new TraceFormatError(
        this.file,
        line,
        `${/^[aeio]/.test(record.type) ? 'an' : 'a'} ${record.type} record after the footer (line ${this.footerLine}); the footer is a trace's last record: was something appended to the trace after its run ended?`,
      );
    }
    if (record.type === 'header') {
      if (this.seenHeader) throw new TraceFormatError(this.file, line, 'a second header: a trace has one, on its first line; were two traces joined into one file?');
      this.seenHeader = true;
    } else if (!this.seenHeader) {
      throw new TraceFormatError(this.file, line, `expected the header record first, found ${shown(record.type)}; is this a clusterchaos trace?`);
    } else if (record.type === 'footer') this.footerLine = line;
    return read;
  }
}
