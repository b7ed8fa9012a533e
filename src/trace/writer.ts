import { openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { describeWriteError } from './output.js';
import type { TraceRecord, Unsequenced } from './records.js';

export { describeWriteError };

/** Where lines go that the trace file would not take: stderr, unless a test says otherwise. */
export type Spill = (text: string) => void;

const toStderr: Spill = (text) => {
  try {
    writeSync(2, text);
  } catch {
    /* stderr is gone too: nothing is left to tell */
  }
};

/**
 * Appends trace records as NDJSON. Each record is written with one write() of a whole line, so a crash
 * (even SIGKILL) loses at most the line being written. Records are numbered here (`seq`), in write order.
 *
 * Writing never throws: recording what happened must never stand between the cluster and a revert. The first
 * write that fails (a full disk, a folder removed, an I/O error) marks the writer `broken`; that write's lines
 * and every later one go to stderr instead (after one line saying why), so nothing is lost without a word, and
 * the runner, seeing `broken`, stops and reverts.
 */
export class TraceWriter {
  readonly path: string;
  private fd: number;
  private nextSeqValue: number;
  /** Whole lines not yet written (one string: appending is cheaper than an array joined later). */
  private pending = '';
  /** The first write error; from then on lines are spilled. */
  broken: NodeJS.ErrnoException | undefined;
  private readonly spill: Spill;

  /** `startSeq` lets a resumed run continue numbering after the records already in the file. */
  constructor(path: string, options: { append?: boolean; startSeq?: number; spill?: Spill } = {}) {
    this.path = path;
    this.fd = openSync(path, options.append ? 'a' : 'w');
    this.nextSeqValue = options.startSeq ?? 0;
    this.spill = options.spill ?? toStderr;
  }

  get nextSeq(): number {
    return this.nextSeqValue;
  }

  /** Write a record; returns it with its sequence number (`seq`, its last field). */
  write<R extends TraceRecord>(record: Unsequenced<R>): R {
    let full = record as unknown as R;
    if ('t' in record) {
      // A copy with `seq` last, as `{ ...record, seq }` would make it (Object.assign is the faster copy in V8).
      full = Object.assign({}, record) as unknown as R;
      (full as { seq: number }).seq = this.nextSeqValue++;
    }
    this.pending += JSON.stringify(full) + '\n';
    if (this.pending.length >= 64 * 1024) this.flush();
    return full;
  }

  /** Push buffered lines to the file (whole lines only); after a write error, to stderr. */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    if (this.broken) {
      this.spill(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    try {
      // a write to a nearly full disk may take only part of the buffer without an error: write the rest
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (e) {
      // the line the write stopped in is spilled whole (a reader drops a line cut short at the end of a trace)
      const lineStart = done > 0 ? bytes.lastIndexOf(0x0a, done - 1) + 1 : 0;
      this.fail(e as NodeJS.ErrnoException, bytes.subarray(lineStart).toString('utf8'));
    }
  }

  /** Flush and fsync: a checkpoint that must survive a crash. */
  sync(): void {
    this.flush();
    if (this.broken) return;
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.fail(e as NodeJS.ErrnoException, '');
    }
  }

  close(): void {
    this.flush();
    try {
      closeSync(this.fd);
    } catch (e) {
      // close reports a deferred write error (NFS, SMB): the lines may not be on disk
      if (!this.broken) this.fail(e as NodeJS.ErrnoException, '');
    }
  }

  private fail(e: NodeJS.ErrnoException, unwritten: string): void {
    this.broken = e;
    this.spill(
      `clusterchaos: cannot write the trace ${this.path}: ${describeWriteError(e)}; ` +
        `the trace lines that could not be written follow on stderr, one JSON object per line:\n`,
    );
    if (unwritten) this.spill(unwritten);
  }
}
