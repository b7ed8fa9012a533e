import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

import type { LogFormat } from './log-format.js';

export type { LogFormat } from './log-format.js';

/**
 * The fields a run's records carry beside their message, for a log shipper's queries (Splunk, Loki, Log
 * Analytics) rather than a regex over `msg`: bound per run (runId, experiment, seed), per soak iteration
 * (iteration), or given by the line itself (entity, node, eventId, rule, fault).
 */
export const RUN_FIELDS = ['runId', 'experiment', 'seed', 'iteration', 'entity', 'node', 'eventId', 'rule', 'fault'] as const;


/** What stderr is written through: a terminal, a pipe, a file (or a test's fake terminal). */
export interface StderrStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Stderr, shared by the log and a soak's progress bar. While the bar is drawn a log line goes above it and the
 * bar is drawn again under it, so the line stays whole in the scrollback instead of being written into the bar
 * and then over by its next redraw (newcomer review, 17 and 18).
 */
export class Stderr {
  private bar: ((line: string) => void) | undefined;

  constructor(readonly stream: StderrStream) {}

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  /**
   * A log line (ending in a newline). One that cannot be written (stderr on a full disk, a terminal closed under
   * a run: EIO after SIGHUP) is dropped: logging must never stand between the cluster and a revert.
   */
  line(text: string): void {
    try {
      if (this.bar) this.bar(text);
      else this.stream.write(text);
    } catch {
      // dropped, as above
    }
  }

  /** A progress bar is drawn from now on: log lines are handed to `above` until the returned function is called. */
  drawing(above: (line: string) => void): () => void {
    this.bar = above;
    return () => {
      if (this.bar === above) this.bar = undefined;
    };
  }
}

let processStderr: Stderr | undefined;

/** This process's stderr: one synchronous writer on fd 2 whose errors are dropped (see Stderr.line). */
export function stderr(): Stderr {
  if (!processStderr) {
    const fd2 = pino.destination({ dest: 2, sync: true });
    fd2.on('error', () => undefined);
    processStderr = new Stderr({
      write: (text: string) => fd2.write(text),
      get isTTY() {
        return process.stderr.isTTY;
      },
      get columns() {
        return process.stderr.columns;
      },
    });
  }
  return processStderr;
}

/**
 * A logger on `out` (this process's stderr unless a test gives its own). The JSON lines carry the RUN_FIELDS as
 * top-level keys (a soak's progress lines, `progress`); the readable lines leave them out, because their message
 * already says them in words.
 */
export function createLogger(format: LogFormat, level = 'info', out: Stderr = stderr()): Logger {
  if (format === 'json') {
    return pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => out.line(line) });
  }
  const pretty = prettyFactory({ colorize: out.isTTY, translateTime: 'SYS:HH:MM:ss', ignore: ['pid', 'hostname', 'progress', ...RUN_FIELDS].join(',') });
  return pino({ level }, { write: (line: string) => out.line(pretty(line)) });
}
