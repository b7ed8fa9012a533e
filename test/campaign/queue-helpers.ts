import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../helpers/cli.js';
import { BIN } from '../helpers/build.js';
import type { RunSpec, RunTarget } from '../../src/campaign/types.js';

/** Runs as expandCampaign makes them (matrix order: experiment, defect, seed), without a grid. */
export function specs(campaign: string, experiments: { name: string; sets?: string[] }[], defects: (string | null)[], seeds: number[], target: RunTarget = { kind: 'sim' }): RunSpec[] {
  const out: RunSpec[] = [];
  for (const e of experiments) {
    for (const defect of defects) {
      for (const seed of seeds) {
        const targetKey = target.kind === 'sim' ? 'sim' : target.cluster;
        out.push({
          campaign,
          index: out.length,
          key: `${e.name}/${defect ?? 'none'}/default/${targetKey}/seed-${seed}`,
          file: `experiments/${e.name}.yaml`,
          experiment: e.name,
          seed,
          defect,
          sets: e.sets ?? [],
          cell: {},
          target,
        });
      }
    }
  }
  return out;
}

/** One line of a worker's JSON log. */
export interface LogLine {
  msg: string;
  key?: string;
  job?: string;
  queues?: string[];
  [field: string]: unknown;
}

/** A real `clusterchaos worker` process, its JSON log lines read as they come. */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(url: string, args: string[] = []) {
    this.child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--log-format', 'json', ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: '1', CLUSTERCHAOS_ALLOWLIST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => {
      partial += d.toString();
      const whole = partial.split('\n');
      partial = whole.pop()!;
      for (const text of whole) {
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { msg: text };
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first log line (already written or to come) that passes `test`. */
  line(test: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Listening: its first line says which queues it takes runs from. */
  ready(): Promise<LogLine> {
    return this.line((l) => Array.isArray(l.queues));
  }

  /** The keys of the runs it took. */
  taken(): string[] {
    return this.lines.filter((l) => l.msg.startsWith('took run')).map((l) => l.key!);
  }

  /** SIGTERM, as a service manager stops it: it finishes what it holds and exits. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
