import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import type { SoakProgress } from '../engine/runner.js';

/**
 * A soak's progress on stderr: a bar with iterations (or the run's clock), rate, ETA and anomalies on a
 * terminal; without one (CI, a log file) a log line every tenth of the way, so logs stay readable.
 */
export function soakProgress(log: Logger, stream: NodeJS.WriteStream = process.stderr): SoakProgress {
  return stream.isTTY ? new BarProgress(stream) : new LogProgress(log);
}

class BarProgress implements SoakProgress {
  private bar: cliProgress.SingleBar | undefined;
  private unit: 'iterations' | 'ms' = 'iterations';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(total: number, unit: 'iterations' | 'ms'): void {
    this.unit = unit;
    const what = unit === 'ms' ? '{elapsed_run} of {total_run} on the run\'s clock' : '{value}/{total} iterations';
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: `soak [{bar}] {percentage}% | ${what} | {rate}/s | ETA {eta_formatted} | anomalies: {anomalies}`,
        etaBuffer: 200,
        fps: 5,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { anomalies: 0, rate: '0', elapsed_run: '0 s', total_run: seconds(total) });
  }

  private readonly started = performance.now();

  update(done: number, anomalies: number): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = this.unit === 'iterations' ? (elapsed > 0 ? done / elapsed : 0).toFixed(0) : `${(done / 1000 / Math.max(elapsed, 1e-3)).toFixed(0)} s`;
    this.bar?.update(done, { anomalies, rate, elapsed_run: seconds(done) });
  }

  stop(): void {
    this.bar?.stop();
  }
}

class LogProgress implements SoakProgress {
  private total = 0;
  private unit: 'iterations' | 'ms' = 'iterations';
  private nextTenth = 1;
  private readonly started = performance.now();

  constructor(private readonly log: Logger) {}

  start(total: number, unit: 'iterations' | 'ms'): void {
    this.total = total;
    this.unit = unit;
  }

  update(done: number, anomalies: number): void {
    if (this.total <= 0 || done < (this.total * this.nextTenth) / 10) return;
    while (done >= (this.total * this.nextTenth) / 10) this.nextTenth++;
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const what = this.unit === 'iterations' ? `${done}/${this.total} iterations, ${rate.toFixed(0)}/s` : `${seconds(done)} of ${seconds(this.total)} on the run's clock`;
    this.log.info(`soak ${Math.floor((100 * done) / this.total)} %: ${what}, ETA ${eta.toFixed(0)} s, anomalies: ${anomalies}`);
  }

  stop(): void {}
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}
