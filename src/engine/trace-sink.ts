import type { TraceRecord, Unsequenced } from '../trace/records.js';

/** Where the runner's records go: a TraceWriter, or, when a soak resumes, one that checks the stored prefix first. */
export interface TraceSink {
  readonly nextSeq: number;
  /** The first write that failed (a full disk…): the lines after it went to stderr, and the run must stop and revert. */
  readonly broken?: NodeJS.ErrnoException | undefined;
  write<R extends TraceRecord>(record: Unsequenced<R>): R;
  /** Hand buffered lines to the operating system (a checkpoint survives SIGKILL from then on). */
  flush(): void;
  /** Flush and fsync (survives a power loss). */
  sync(): void;
  close(): void;
}
