import { openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import type { TraceRecord, Unsequenced } from './records.js';

/**
 * Appends trace records as NDJSON. Each record is written with one write() of a whole line, so a crash
 * (even SIGKILL) loses at most the line being written. Records are numbered here (`seq`), in write order.
 */
export class TraceWriter {
  readonly path: string;
  private fd: number;
  private nextSeqValue: number;
  /** Whole lines not yet written (one string: appending is cheaper than an array joined later). */
  private pending = '';

  /** `startSeq` lets a resumed run continue numbering after the records already in the file. */
  constructor(path: string, options: { append?: boolean; startSeq?: number } = {}) {
    this.path = path;
    this.fd = openSync(path, options.append ? 'a' : 'w');
    this.nextSeqValue = options.startSeq ?? 0;
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

  /** Push buffered lines to the file (whole lines only). */
  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending);
    this.pending = '';
  }

  /** Flush and fsync: a checkpoint that must survive a crash. */
  sync(): void {
    this.flush();
    fsyncSync(this.fd);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
