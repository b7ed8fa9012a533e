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
  private pending: string[] = [];
  private pendingBytes = 0;

  /** `startSeq` lets a resumed run continue numbering after the records already in the file. */
  constructor(path: string, options: { append?: boolean; startSeq?: number } = {}) {
    this.path = path;
    this.fd = openSync(path, options.append ? 'a' : 'w');
    this.nextSeqValue = options.startSeq ?? 0;
  }

  get nextSeq(): number {
    return this.nextSeqValue;
  }

  /** Write a record; returns it with its sequence number. */
  write<R extends TraceRecord>(record: Unsequenced<R>): R {
    const full = ('t' in record ? { ...record, seq: this.nextSeqValue++ } : record) as unknown as R;
    const line = JSON.stringify(full) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= 64 * 1024) this.flush();
    return full;
  }

  /** Push buffered lines to the file (whole lines only). */
  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
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
