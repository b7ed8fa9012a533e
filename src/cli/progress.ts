import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import type { SoakProgress } from '../engine/runner.js';
import { stderr, type Stderr } from './log.js';

/** How often, in wall time, a soak without a terminal says how far it is, at the least (a real iteration takes seconds). */
export const PROGRESS_LINE_EVERY_MS = 60_000;

export interface ProgressOptions {
  /** Where the bar is drawn and the log writes (this process's stderr unless a test gives its own). */
  out?: Stderr;
  /** Without a terminal: a progress line at least this often (wall time), besides each tenth of the way. */
  everyMs?: number;
  /** The wall clock, in ms (a test's own). */
  now?: () => number;
}

/**
 * A soak's progress on stderr: a bar with iterations (or the run's clock), rate, ETA and anomalies on a
 * terminal, with the log's lines printed above it; without one (CI, a log file) a log line every tenth of the
 * way and at least once a minute, so logs stay readable and a long soak still shows it is alive.
 */
export function soakProgress(log: Logger, o: ProgressOptions = {}): SoakProgress {
  const out = o.out ?? stderr();
  const now = o.now ?? (() => performance.now());
  return out.isTTY ? new BarProgress(out, now) : new LogProgress(log, o.everyMs ?? PROGRESS_LINE_EVERY_MS, now);
}

class BarProgress implements SoakProgress {
  private bars: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private release: (() => void) | undefined;
  private unit: 'iterations' | 'ms' = 'iterations';
  private readonly started: number;

  constructor(
    private readonly out: Stderr,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  start(total: number, unit: 'iterations' | 'ms'): void {
    this.unit = unit;
    const what = unit === 'ms' ? '{elapsed_run} of {total_run} on the run\'s clock' : '{value}/{total} iterations';
    // cli-progress's MultiBar (even for one bar) is the one that can print log lines above its bars
    this.bars = new cliProgress.MultiBar(
      {
        stream: this.out.stream as NodeJS.WritableStream,
        // the anomalies first after the count: a bar longer than the terminal is cut at its right edge
        format: `soak [{bar}] {percentage}% | ${what} | anomalies: {anomalies} | {rate}/s | ETA {eta_formatted}`,
        barsize: 20,
        etaBuffer: 200,
        fps: 5,
        hideCursor: true,
        // the bar is cut at the terminal's width, not the terminal's wrapping turned off: that would cut the log lines too
        linewrap: true,
        // drawn again after each log line, though its text has not changed
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.bars.create(total, 0, { anomalies: 0, rate: '0', elapsed_run: '0 s', total_run: seconds(total) });
    const bars = this.bars;
    this.release = this.out.drawing((line) => {
      bars.log(line);
      bars.update(); // at once: a warning must not wait for the next redraw (nor be lost if the process dies first)
    });
  }

  update(done: number, anomalies: number): void {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = this.unit === 'iterations' ? (elapsed > 0 ? done / elapsed : 0).toFixed(0) : `${(done / 1000 / Math.max(elapsed, 1e-3)).toFixed(0)} s`;
    this.bar?.update(done, { anomalies, rate, elapsed_run: seconds(done) });
  }

  /** The bar is left in the scrollback as it ended, on its own line, before the results are printed. */
  stop(): void {
    this.release?.();
    this.release = undefined;
    this.bars?.stop();
    this.bars = undefined;
  }
}

class LogProgress implements SoakProgress {
  private total = 0;
  private unit: 'iterations' | 'ms' = 'iterations';
  private nextTenth = 1;
  private readonly started: number;
  private lastLine: number;
  private done = 0;
  private anomalies = 0;
  /** A line comes when the soak advances, or from this timer while an iteration takes long (a drain of hours). */
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly everyMs: number,
    private readonly now: () => number,
  ) {
    this.started = now();
    this.lastLine = this.started;
  }

  start(total: number, unit: 'iterations' | 'ms'): void {
    this.total = total;
    this.unit = unit;
    this.timer = setInterval(() => this.heartbeat(), this.everyMs);
    this.timer.unref();
  }

  update(done: number, anomalies: number): void {
    this.done = done;
    this.anomalies = anomalies;
    if (this.total <= 0) return;
    const tenth = done >= (this.total * this.nextTenth) / 10;
    if (!tenth && this.now() - this.lastLine < this.everyMs) return;
    while (done >= (this.total * this.nextTenth) / 10) this.nextTenth++;
    this.line();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private heartbeat(): void {
    if (this.total > 0 && this.now() - this.lastLine >= this.everyMs) this.line();
  }

  private line(): void {
    const { done, total, anomalies } = this;
    const now = this.now();
    this.lastLine = now;
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const what = this.unit === 'iterations' ? `${done}/${total} iterations, ${rate.toFixed(0)}/s` : `${seconds(done)} of ${seconds(total)} on the run's clock`;
    const fields = this.unit === 'iterations' ? { iterations: done, of: total } : { runMs: done, of: total };
    this.log.info(
      { progress: { ...fields, anomalies, etaS: Math.round(eta) } },
      `soak ${Math.floor((100 * done) / total)} %: ${what}, ETA ${eta.toFixed(0)} s, anomalies: ${anomalies}`,
    );
  }
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}
