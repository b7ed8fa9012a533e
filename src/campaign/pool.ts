/**
 * The embedded default: a campaign's runs on N local worker processes (pool-child), or, with `workers: 0`, one
 * after another in this process. A simulator run whose worker process died is started once more on a fresh one
 * (it is deterministic); a real cluster's is never run again blindly: its journal is taken over (real-run.ts's
 * takeOver reverts what the run left and scans for residue) and the run is recorded unknown.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeRun, replayOf, runFolder } from './execute.js';
import type { FromChild, ToChild } from './pool-child.js';
import type { Keep, RunRecord, RunSpec, StopOn } from './types.js';

export interface PoolOptions {
  workers: number;
  outRoot: string;
  keep: Keep;
  stopOn: StopOn;
  onRecord: (r: RunRecord) => void;
  /** Aborted (Ctrl-C): no new run is handed out; the runs in progress finish. */
  signal?: AbortSignal;
  allowlist?: string;
  /** A run was handed to a process (`pid`): for progress and for tests that kill it. */
  onStart?: (spec: RunSpec, pid: number) => void;
}

/** A worker process's module, next to this one: .js from dist/, .ts under tsx. */
function childModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./pool-child${ext}`, import.meta.url));
}

/** Why the campaign stops before its last run, once it must: stop-on first-failure or the signal. */
class Stopper {
  reason: string | undefined;
  constructor(private readonly o: PoolOptions) {}
  get stopped(): boolean {
    if (this.reason === undefined && this.o.signal?.aborted) {
      this.reason = `${String(this.o.signal.reason ?? 'stopped')}: no new run was started; the runs in progress finished`;
    }
    return this.reason !== undefined;
  }
  /**
   * A failure here is a run that did not do what was expected of it: a run without a defect that did not pass,
   * or any unknown run. A defect run failing is the defect caught, as expected; one passing is not a miss until
   * every experiment ran that seed, so it stops nothing.
   */
  saw(r: RunRecord): void {
    if (this.reason !== undefined || this.o.stopOn !== 'first-failure') return;
    if (r.verdict === 'unknown' || (r.spec.defect === null && r.verdict !== 'pass')) {
      this.reason = `stop-on first-failure: ${r.key} ended ${r.verdict} (${r.reason}); no new run was started after it`;
    }
  }
}

export async function runOnPool(specs: RunSpec[], o: PoolOptions): Promise<{ records: RunRecord[]; stopped?: string }> {
  const stopper = new Stopper(o);
  const records: RunRecord[] = [];
  const done = (r: RunRecord): void => {
    records.push(r);
    stopper.saw(r);
    o.onRecord(r);
  };
  if (o.workers <= 0) {
    for (const spec of specs) {
      if (stopper.stopped) break;
      o.onStart?.(spec, process.pid);
      done(await executeRun(spec, { outRoot: o.outRoot, keep: o.keep, via: 'process', ...(o.allowlist !== undefined ? { allowlist: o.allowlist } : {}) }));
    }
  } else {
    await new Pool(specs, o, stopper, done).run();
  }
  records.sort((a, b) => a.index - b.index);
  return { records, ...(stopper.reason !== undefined ? { stopped: stopper.reason } : {}) };
}

interface Job {
  spec: RunSpec;
  attempts: number;
}

interface Worker {
  child: ChildProcess;
  job?: Job;
  journal: string[];
}

/** The cluster a run changes, if it changes one (a rehearsal touches nothing real). */
function realCluster(spec: RunSpec): string | undefined {
  return spec.target.kind === 'powershell' && !spec.target.rehearse ? spec.target.cluster.toLowerCase() : undefined;
}

class Pool {
  private readonly queue: Job[];
  private readonly workers = new Set<Worker>();
  /** Runs handed out and not recorded yet (a dead real run's take-over included). */
  private pending = 0;
  /** A cluster is never the target of two runs at once. */
  private readonly busy = new Set<string>();
  private readonly size: number;
  private finish!: () => void;
  private fail!: (e: unknown) => void;

  constructor(
    specs: RunSpec[],
    private readonly o: PoolOptions,
    private readonly stopper: Stopper,
    private readonly done: (r: RunRecord) => void,
  ) {
    this.queue = specs.map((spec) => ({ spec, attempts: 1 }));
    this.size = Math.min(o.workers, specs.length);
  }

  async run(): Promise<void> {
    const finished = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    const onAbort = (): void => this.pump();
    this.o.signal?.addEventListener('abort', onAbort);
    try {
      this.pump();
      await finished;
    } finally {
      this.o.signal?.removeEventListener('abort', onAbort);
      await Promise.all([...this.workers].map((w) => this.retire(w)));
    }
  }

  private spawn(): Worker {
    const child = fork(childModule(), [], { execArgv: process.execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w: Worker = { child, journal: [] };
    this.workers.add(w);
    child.on('message', (m: FromChild) => {
      if (m.type === 'journal') w.journal.push(m.line);
      else if (m.type === 'record' && w.job) {
        this.release(w.job);
        w.job = undefined;
        this.done(m.record);
        this.pump();
      }
    });
    child.on('exit', (code, signal) => void this.died(w, code, signal).catch((e: unknown) => this.fail(e)));
    return w;
  }

  /** The next run that may start now: the first in matrix order whose cluster (if any) is free. */
  private next(): Job | undefined {
    const i = this.queue.findIndex((j) => {
      const cluster = realCluster(j.spec);
      return cluster === undefined || !this.busy.has(cluster);
    });
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  private release(job: Job): void {
    this.pending--;
    const cluster = realCluster(job.spec);
    if (cluster !== undefined) this.busy.delete(cluster);
  }

  /** Hand out what may start (unless the campaign is stopping), keep the pool at its size, and end when all is done. */
  private pump(): void {
    if (!this.stopper.stopped) {
      for (;;) {
        const idle = [...this.workers].find((w) => !w.job && w.child.connected);
        const w = idle ?? (this.workers.size < this.size && this.queue.length ? this.spawn() : undefined);
        if (!w) break;
        const job = this.next();
        if (!job) break;
        this.start(w, job);
      }
    }
    if (this.pending === 0 && (this.stopper.stopped || !this.queue.length)) this.finish();
  }

  private start(w: Worker, job: Job): void {
    w.job = job;
    w.journal = [];
    this.pending++;
    const cluster = realCluster(job.spec);
    if (cluster !== undefined) this.busy.add(cluster);
    const m: ToChild = { type: 'run', spec: job.spec, outRoot: this.o.outRoot, keep: this.o.keep, attempts: job.attempts, ...(this.o.allowlist !== undefined ? { allowlist: this.o.allowlist } : {}) };
    w.child.send(m);
    this.o.onStart?.(job.spec, w.child.pid!);
  }

  private async died(w: Worker, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    this.workers.delete(w);
    const job = w.job;
    w.job = undefined;
    if (job) {
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (job.spec.target.kind === 'powershell') {
        // the cluster stays taken until what the run did is undone
        const record = await tookOver(job, w.journal, how, this.o);
        this.release(job);
        this.done(record);
      } else if (job.attempts < 2 && !this.stopper.stopped) {
        // deterministic: the same run again, on a fresh process, first in line
        this.release(job);
        this.queue.unshift({ spec: job.spec, attempts: job.attempts + 1 });
      } else {
        this.release(job);
        const why = job.attempts < 2 ? `while the campaign was stopping: it was not started again` : `on each of its ${job.attempts} attempts`;
        this.done(lost(job, `its worker process ${how} ${why}`, this.o));
      }
    }
    this.pump();
  }

  private async retire(w: Worker): Promise<void> {
    if (w.child.exitCode !== null || w.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => w.child.once('exit', () => resolve()));
    if (w.child.connected) w.child.disconnect();
    else w.child.kill();
    await exited;
  }
}

/** A run that could not be made because its process died: unknown, with how. */
function lost(job: Job, why: string, o: PoolOptions): RunRecord {
  return {
    key: job.spec.key,
    index: job.spec.index,
    spec: job.spec,
    verdict: 'unknown',
    reason: `${job.spec.key}: ${why}`,
    violations: [],
    replay: replayOf(job.spec),
    metrics: { vmsFailedOver: 0, unmonitoredMs: 0, virtualMs: 0 },
    ...(existsSync(join(o.outRoot, runFolder(job.spec))) ? { evidence: runFolder(job.spec) } : {}),
    ran: { host: hostname(), pid: process.pid, attempts: job.attempts, wallMs: 0, via: 'pool' },
  };
}

/** A real cluster's run whose process died: never run again blindly; what it did is undone from its journal first. */
async function tookOver(job: Job, journal: string[], how: string, o: PoolOptions): Promise<RunRecord> {
  const outDir = join(o.outRoot, runFolder(job.spec));
  if (o.allowlist === undefined) return lost(job, `its worker process ${how} during a run on a real cluster, and there is no allowlist to restore the cluster with: run clusterchaos revert ${outDir}`, o);
  try {
    const { takeOver } = await import('./real-run.js');
    const t = await takeOver(job.spec, { outDir, journal, allowlist: o.allowlist });
    return { ...lost(job, `its worker process ${how} during a run on a real cluster; ${t.reason}`, o), evidence: runFolder(job.spec) };
  } catch (e) {
    return lost(job, `its worker process ${how} during a run on a real cluster, and restoring the cluster failed: ${(e as Error)?.message ?? String(e)}; run clusterchaos revert ${outDir}`, o);
  }
}
