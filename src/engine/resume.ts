import { closeSync, ftruncateSync, openSync, readSync } from 'node:fs';
import type { HeaderRecord, TraceRecord, Unsequenced } from '../trace/records.js';
import { TraceWriter } from '../trace/writer.js';
import type { TraceSink } from './trace-sink.js';

/**
 * Where a killed soak can go on from: after its last checkpoint line. A soak killed inside an iteration — in a
 * step, or in a `parallel:` block with operations of several branches in flight — loses that iteration's lines
 * and runs it again whole: the simulator replays up to the checkpoint from the same seed, and a block's branches
 * interleave the same way every time (src/targets/sim/activities.ts).
 */
export interface ResumePoint {
  tracePath: string;
  header: HeaderRecord;
  /** The last iteration with a checkpoint line (0: none yet). */
  lastIteration: number;
  /** Lines kept (header through the last checkpoint); everything after them belonged to an unfinished iteration. */
  keptLines: number;
  /** Byte length of the kept lines: the trace is cut there. */
  keptBytes: number;
  /**
   * The run had ended (a footer line). A completed run has nothing to resume; one aborted (Ctrl-C) can go on
   * after its last checkpoint like a killed one.
   */
  footer?: { verdict: string; reason: string; status?: 'completed' | 'aborted'; abortReason?: string };
}

export class ResumeError extends Error {
  override name = 'ResumeError';
}

const CHUNK = 1 << 20;

/** Each complete line of a file with its byte length (newline included), read synchronously in chunks. */
function* lines(path: string, limitBytes = Number.POSITIVE_INFINITY): Generator<{ text: string; bytes: number }> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    let carry = Buffer.alloc(0);
    let read = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK, limitBytes - read), null);
      if (n <= 0) break;
      read += n;
      let data = Buffer.concat([carry, buffer.subarray(0, n)]);
      let nl: number;
      while ((nl = data.indexOf(10)) >= 0) {
        yield { text: data.subarray(0, nl).toString('utf8'), bytes: nl + 1 };
        data = data.subarray(nl + 1);
      }
      carry = Buffer.from(data);
      if (read >= limitBytes) break;
    }
    // a last line without its newline was cut short by the kill: it is not a line
  } finally {
    closeSync(fd);
  }
}

/** Read a stored trace and find where a resumed run continues. Throws ResumeError for anything that is not a resumable trace. */
export function findResumePoint(tracePath: string): ResumePoint {
  let header: HeaderRecord | undefined;
  let count = 0;
  let bytes = 0;
  let kept = { lines: 0, bytes: 0, iteration: 0 };
  let footer: ResumePoint['footer'];
  for (const line of lines(tracePath)) {
    count++;
    bytes += line.bytes;
    if (line.text.trim() === '') continue;
    let record: TraceRecord;
    try {
      record = JSON.parse(line.text) as TraceRecord;
    } catch {
      throw new ResumeError(`${tracePath}:${count}: not a JSON object; is this a clusterchaos trace?`);
    }
    if (count === 1) {
      if (record.type !== 'header') throw new ResumeError(`${tracePath}:1: expected the header record first; is this a clusterchaos trace?`);
      header = record;
      kept = { lines: 1, bytes, iteration: 0 };
    } else if (record.type === 'checkpoint') {
      kept = { lines: count, bytes, iteration: record.iteration };
    } else if (record.type === 'footer') {
      footer = {
        verdict: record.verdict,
        reason: record.reason,
        ...(record.run ? { status: record.run.status } : {}),
        ...(record.run?.abortReason !== undefined ? { abortReason: record.run.abortReason } : {}),
      };
    }
  }
  if (!header) throw new ResumeError(`${tracePath}: the trace is empty; there is nothing to resume (run the experiment again)`);
  return { tracePath, header, lastIteration: kept.iteration, keptLines: kept.lines, keptBytes: kept.bytes, ...(footer ? { footer } : {}) };
}

/**
 * The trace sink of a resumed run on the simulator. The simulator's state died with the killed process, so
 * the run starts again from the same seed; while it regenerates the records already stored, this sink
 * compares each with the stored line (they must be identical: the simulator is deterministic) and writes
 * nothing; from the first record after the last checkpoint on, it appends to the trace, cut there. So no
 * completed iteration is lost or written twice, and a resumed trace is the trace of an uninterrupted run.
 */
export class ResumingTraceSink implements TraceSink {
  private readonly stored: Generator<{ text: string; bytes: number }>;
  private remaining: number;
  private seq = 0;
  private line = 0;
  private writer: TraceWriter | undefined;
  /** Set when the replay diverged: from then on nothing is written, and the caller reports this error. */
  diverged: ResumeError | undefined;

  constructor(private readonly point: ResumePoint) {
    // Cut off the unfinished iteration (and a line the kill left half-written) before anything is appended.
    const fd = openSync(point.tracePath, 'r+');
    try {
      ftruncateSync(fd, point.keptBytes);
    } finally {
      closeSync(fd);
    }
    this.stored = lines(point.tracePath, point.keptBytes);
    this.remaining = point.keptLines;
  }

  get nextSeq(): number {
    return this.writer ? this.writer.nextSeq : this.seq;
  }

  get broken(): NodeJS.ErrnoException | undefined {
    return this.writer?.broken;
  }

  /** Whether the stored prefix has been regenerated in full (records now go to the file). */
  get caughtUp(): boolean {
    return this.writer !== undefined;
  }

  write<R extends TraceRecord>(record: Unsequenced<R>): R {
    if (this.writer) return this.writer.write(record);
    if (this.diverged) throw this.diverged;
    const full = ('t' in record ? { ...record, seq: this.seq++ } : record) as unknown as R;
    const text = JSON.stringify(full);
    const stored = this.stored.next();
    this.line++;
    if (stored.done || stored.value.text !== text) {
      throw (this.diverged = new ResumeError(
        `cannot resume: replaying the run diverged from the stored trace at line ${this.line} of ${this.point.tracePath}` +
          ` (the experiment, the simulator or clusterchaos changed since the run started).\n  stored:     ${stored.done ? '(end of the kept lines)' : stored.value.text.slice(0, 300)}\n  replayed:   ${text.slice(0, 300)}\n` +
          'Run the experiment again from the start instead.',
      ));
    }
    if (--this.remaining === 0) {
      this.stored.return(undefined);
      this.writer = new TraceWriter(this.point.tracePath, { append: true, startSeq: this.seq });
    }
    return full;
  }

  flush(): void {
    this.writer?.flush();
  }

  sync(): void {
    this.writer?.sync();
  }

  close(): void {
    this.stored.return(undefined);
    this.writer?.close();
  }
}
