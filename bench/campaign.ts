/**
 * How fast a campaign's simulator runs go (issue 16): the same 300 quick runs — 5 catalogue experiments of
 * 40–100 ms each × no defect and 3 defects × seeds 1..15 — in one process (`--workers 0`), on the local pool
 * (1 worker process, and one per core), and through a BullMQ queue on a throwaway redis-server taken by two
 * `clusterchaos worker --concurrency 1` processes: started once, before the first repetition, as a farm's
 * workers are already up; and started with each campaign (their start-up timed, on a Redis of their own), to
 * compare like with like against the pool, whose processes start with the campaign too. The in-process and pool campaigns each run in a fresh process, as `clusterchaos
 * campaign` does (their time counts from the runs' start, not Node's). Median wall time of `reps` repetitions
 * per mode, runs per second, the ratio to one process, how many runs were in progress on average and the median
 * run's own time (both say how busy the machine was). Then the queue's cost per run, measured on each job from BullMQ's own times (timestamp,
 * processedOn, finishedOn) and the run's own wall time, and as the difference of wall times against the pool.
 *
 *   npx tsx bench/campaign.ts [reps=3]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job, Queue, QueueEvents } from 'bullmq';
import { runOnPool } from '../src/campaign/pool.js';
import { redisConnection, runOnQueue, SIM_QUEUE } from '../src/campaign/queue.js';
import type { RunRecord, RunSpec } from '../src/campaign/types.js';
import { BIN } from '../test/helpers/build.js';
import { ROOT } from '../test/helpers/cli.js';
import { TestRedis } from '../test/helpers/redis.js';
import { machine, median, timed } from './shared.js';

const EXPERIMENTS = ['compute-resiliency', 'graceful-stop', 'network-isolation', 'per-vm-overrides', 'storage-failure'];
const DEFECTS = [null, 'no-isolation', 'down-early', 'csv-not-paused'];
const SEEDS = Array.from({ length: 15 }, (_, i) => i + 1);
const QUEUE_WORKERS = 2;

/** The runs, as expandCampaign makes them (matrix order: experiment, defect, seed; no grid, the simulator). */
function campaignSpecs(): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const experiment of EXPERIMENTS) {
    for (const defect of DEFECTS) {
      for (const seed of SEEDS) {
        specs.push({
          campaign: 'bench',
          index: specs.length,
          key: `${experiment}/${defect ?? 'none'}/default/sim/seed-${seed}`,
          file: `experiments/${experiment}.yaml`,
          experiment,
          seed,
          defect,
          sets: [],
          cell: {},
          target: { kind: 'sim' },
        });
      }
    }
  }
  return specs;
}

/**
 * CPU time (user + system, every thread) of a process, in ms, from /proc: with `children`, that of its children
 * that ended too (a pool's worker processes). On a shared machine this is the steadier figure.
 */
function cpuMs(pid: number | 'self', children = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number); // f[0] is field 3 (state)
  const ticks = f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** What the queue adds to one run, from one job's times (ms). */
interface JobTimes {
  /** From one run finished by a worker to its next run taken (the hand-off: the next job moved to active). */
  handOff?: number;
  /** Taken to finished, less the run itself: dispatch to the worker thread, the started mark, the result written back. */
  inJob: number;
  /** Finished (written to Redis) to the campaign's record of it (event delivered, record made). */
  toCampaign: number;
  /** Taken by the worker that ran it (its pid). */
  pid: number;
  processedOn: number;
  finishedOn: number;
}

interface Mode {
  name: string;
  wallMs: number[];
  /** CPU time of everything the mode ran (the campaign's process, pool processes; queue workers and redis-server). */
  cpuMs: number[];
  /** Σ of the runs' own wall times / the campaign's wall time: how many runs were in progress on average. */
  busy: number[];
  /** The runs' own wall times (record.ran.wallMs), every repetition. */
  runMs: number[];
  verdicts?: string;
}

function note(m: Mode, wallMs: number, cpu: number, records: RunRecord[]): void {
  m.wallMs.push(wallMs);
  m.cpuMs.push(cpu);
  const runs = records.map((r) => r.ran.wallMs);
  m.runMs.push(...runs);
  m.busy.push(runs.reduce((a, b) => a + b, 0) / wallMs);
  m.verdicts ??= verdictsOf(records);
}

const verdictsOf = (records: RunRecord[]): string => records.map((r) => `${r.key}=${r.verdict}`).join('\n');

/** The campaign by runOnPool in this process, timed from the call (the modules already loaded). */
async function runHere(specs: RunSpec[], workers: number): Promise<{ wallMs: number; cpuMs: number; records: RunRecord[] }> {
  const outRoot = mkdtempSync(join(tmpdir(), 'clusterchaos-bench-campaign-'));
  try {
    const cpu0 = cpuMs('self', true);
    const { value, wallMs } = await timed(() => runOnPool(specs, { workers, outRoot, keep: 'unexpected', stopOn: 'never', onRecord: () => undefined }));
    const cpu = cpuMs('self', true) - cpu0;
    if (value.records.length !== specs.length) throw new Error(`${value.records.length} of ${specs.length} runs recorded`);
    return { wallMs, cpuMs: cpu, records: value.records };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

/**
 * One repetition in a fresh process, as `clusterchaos campaign` starts one: the simulator's code is not yet
 * optimised by the JIT, as it is not in a pool's fresh worker processes.
 */
function inFreshProcess(workers: number): Promise<{ wallMs: number; cpuMs: number; records: RunRecord[] }> {
  const child = fork(fileURLToPath(import.meta.url), ['--workers', String(workers)], { cwd: ROOT, execArgv: process.execArgv, serialization: 'advanced' });
  return new Promise((resolve, reject) => {
    let got: { wallMs: number; cpuMs: number; records: RunRecord[] } | undefined;
    child.on('message', (m: { wallMs: number; cpuMs: number; records: RunRecord[] }) => (got = m));
    child.on('exit', (code) => (got && code === 0 ? resolve(got) : reject(new Error(`the bench's campaign process (--workers ${workers}) exited ${code}`))));
  });
}

/** A `clusterchaos worker` process; resolves once it listens (its first JSON log line names its queues). */
function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--concurrency', '1', '--log-format', 'json'], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', CLUSTERCHAOS_ALLOWLIST: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (/"queues":\[/.test(log)) {
        child.stderr!.off('data', onData);
        child.stderr!.resume(); // keep draining its log
        resolve(child);
      }
    };
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`clusterchaos worker exited (${code}) before listening:\n${log}`)));
  });
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.splice(0).map((w) => {
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

/**
 * The campaign through the queue at `url`, taken by `workers` (already up), or, with `fresh`, by as many workers
 * started for it: their start-up timed, as a pool's processes' is, and stopped afterwards.
 */
async function throughQueue(specs: RunSpec[], url: string, o: { workers: ChildProcess[]; fresh?: number }): Promise<{ wallMs: number; cpuMs: number; records: RunRecord[]; jobs: JobTimes[] }> {
  const outRoot = mkdtempSync(join(tmpdir(), 'clusterchaos-bench-campaign-'));
  const connection = redisConnection(url);
  const queue = new Queue(SIM_QUEUE, { connection });
  const events = new QueueEvents(SIM_QUEUE, { connection });
  await events.waitUntilReady();
  const redisPid = Number(/process_id:(\d+)/.exec(await (await queue.client).info())![1]);
  // everything the queue's runs cost: the workers, Redis, and this process (the campaign's side)
  const cpuNow = (): number => [...o.workers.map((w) => w.pid!), redisPid].reduce((sum, pid) => sum + cpuMs(pid), cpuMs('self'));
  // each job is read as soon as it completes: runOnQueue removes the campaign's jobs once the last is recorded
  const seen = new Map<string, number>();
  const reads: Promise<Job | undefined>[] = [];
  events.on('completed', ({ jobId }) => reads.push(Job.fromId(queue, jobId).catch(() => undefined)));
  try {
    const cpu0 = cpuNow();
    const { value, wallMs } = await timed(async () => {
      for (let i = 0; i < (o.fresh ?? 0); i++) o.workers.push(await startWorker(url));
      return runOnQueue(specs, { url, outRoot, keep: 'unexpected', stopOn: 'never', onRecord: (r) => seen.set(r.key, Date.now()), onWarning: (m) => console.error(`  queue: ${m}`) });
    });
    const cpu = cpuNow() - cpu0;
    if (value.records.length !== specs.length) throw new Error(`${value.records.length} of ${specs.length} runs recorded`);
    const byKey = new Map(value.records.map((r) => [r.key, r]));
    const jobs: JobTimes[] = [];
    for (const job of await Promise.all(reads)) {
      const r = job ? byKey.get(job.name) : undefined;
      if (!job?.processedOn || !job.finishedOn || !r) continue;
      jobs.push({ inJob: job.finishedOn - job.processedOn - r.ran.wallMs, toCampaign: seen.get(r.key)! - job.finishedOn, pid: r.ran.pid, processedOn: job.processedOn, finishedOn: job.finishedOn });
    }
    // the hand-off: per worker (concurrency 1), from one job finished to its next taken
    for (const pid of new Set(jobs.map((j) => j.pid))) {
      const mine = jobs.filter((j) => j.pid === pid).sort((a, b) => a.processedOn - b.processedOn);
      for (let i = 1; i < mine.length; i++) mine[i]!.handOff = mine[i]!.processedOn - mine[i - 1]!.finishedOn;
    }
    return { wallMs, cpuMs: cpu, records: value.records, jobs };
  } finally {
    if (o.fresh) await stopWorkers(o.workers);
    await events.close();
    await queue.close();
    rmSync(outRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const reps = Math.max(1, Number(process.argv[2] ?? 3));
  const specs = campaignSpecs();
  const cores = availableParallelism();
  // a shared machine: its load says how much the figures can be trusted
  console.log(`campaign throughput: ${specs.length} simulator runs (${EXPERIMENTS.join(', ')} × no defect, ${DEFECTS.filter(Boolean).join(', ')} × seeds ${SEEDS[0]}..${SEEDS.at(-1)}), median of ${reps}, on ${machine()}; load average ${loadavg()[0]!.toFixed(1)} at start`);

  const modes: Mode[] = [];
  const poolSizes = [...new Set([1, cores])];
  const process0: Mode = { name: 'one process (--workers 0)', wallMs: [], cpuMs: [], busy: [], runMs: [] };
  const pools: Mode[] = poolSizes.map((n) => ({ name: `local pool, ${n} worker process${n === 1 ? '' : 'es'}`, wallMs: [], cpuMs: [], busy: [], runMs: [] }));
  const queued: Mode = { name: `queue, ${QUEUE_WORKERS} workers already up`, wallMs: [], cpuMs: [], busy: [], runMs: [] };
  const queuedFresh: Mode = { name: `queue, ${QUEUE_WORKERS} workers started with it`, wallMs: [], cpuMs: [], busy: [], runMs: [] };
  modes.push(process0, ...pools, queued, queuedFresh);
  const jobTimes: JobTimes[] = [];
  const freshJobTimes: JobTimes[] = [];

  // two Redis: the fresh workers must not share their queue with the ones already up
  const redis = await TestRedis.start();
  const redisFresh = await TestRedis.start();
  const workers: ChildProcess[] = [];
  const freshWorkers: ChildProcess[] = [];
  try {
    for (let i = 0; i < QUEUE_WORKERS; i++) workers.push(await startWorker(redis.url));
    // interleaved, so a slow spell of the machine falls on every mode alike
    for (let rep = 0; rep < reps; rep++) {
      const p = await inFreshProcess(0);
      note(process0, p.wallMs, p.cpuMs, p.records);
      for (const [i, n] of poolSizes.entries()) {
        const r = await inFreshProcess(n);
        note(pools[i]!, r.wallMs, r.cpuMs, r.records);
      }
      const q = await throughQueue(specs, redis.url, { workers });
      note(queued, q.wallMs, q.cpuMs, q.records);
      jobTimes.push(...q.jobs);
      const f = await throughQueue(specs, redisFresh.url, { workers: freshWorkers, fresh: QUEUE_WORKERS });
      note(queuedFresh, f.wallMs, f.cpuMs, f.records);
      freshJobTimes.push(...f.jobs);
    }
  } finally {
    await stopWorkers(workers);
    await stopWorkers(freshWorkers);
    await redis.close();
    await redisFresh.close();
  }

  const one = median(process0.wallMs);
  for (const m of modes) {
    const wall = median(m.wallMs);
    const perSecond = specs.length / (wall / 1000);
    console.log(
      `  ${m.name.padEnd(38)} ${(wall / 1000).toFixed(1).padStart(6)} s  ${perSecond.toFixed(1).padStart(6)} runs/s  ${(one / wall).toFixed(2).padStart(5)} × one process  ${(median(m.cpuMs) / specs.length).toFixed(1).padStart(5)} ms CPU/run` +
        `   runs in progress ${median(m.busy).toFixed(2)}, median run ${median(m.runMs).toFixed(0)} ms   (${m.wallMs.map((w) => (w / 1000).toFixed(1)).join(', ')} s)`,
    );
  }
  const same = modes.every((m) => m.verdicts === process0.verdicts);
  console.log(`  load average ${loadavg()[0]!.toFixed(1)} at the end; verdicts of the ${specs.length} runs identical in every mode: ${same ? 'yes' : 'NO'}`);

  const poolSame = pools.find((_, i) => poolSizes[i] === QUEUE_WORKERS);
  const ms = (x: number): string => `${x.toFixed(1)} ms`;
  const med = (xs: number[]): number => (xs.length ? median(xs) : NaN);
  const row = (what: string, ...xs: number[]): void => console.log(`  ${what.padEnd(62)} ${xs.map((x) => ms(x).padStart(9)).join('  ')}`);
  const columns = [
    { name: 'workers already up', jobs: jobTimes, mode: queued },
    { name: 'workers started with it', jobs: freshJobTimes, mode: queuedFresh },
  ];
  const each = (f: (j: JobTimes) => number | undefined): number[] => columns.map((c) => med(c.jobs.flatMap((j) => f(j) ?? [])));
  console.log(`queue overhead per run: medians over each job (BullMQ's processedOn, finishedOn; the run's own wall time), then from the totals`);
  console.log(`  ${''.padEnd(62)} ${columns.map((c) => c.name).join(' | ')} (${columns.map((c) => c.jobs.length).join(', ')} of ${specs.length * reps} jobs read)`);
  row('hand-off (run finished → next run taken by that worker)', ...each((j) => j.handOff));
  row('in the job beyond the run (thread dispatch, result back)', ...each((j) => j.inJob));
  row('result written → recorded by the campaign (latency)', ...each((j) => j.toCampaign));
  if (poolSame) {
    row(`from wall times: (queue − pool of ${QUEUE_WORKERS}) × ${QUEUE_WORKERS} / ${specs.length} runs`, ...columns.map((c) => ((median(c.mode.wallMs) - median(poolSame.wallMs)) * QUEUE_WORKERS) / specs.length));
    row(`from CPU times: (queue − pool of ${QUEUE_WORKERS}) / ${specs.length} runs`, ...columns.map((c) => (median(c.mode.cpuMs) - median(poolSame.cpuMs)) / specs.length));
  }
}

if (process.argv[2] === '--workers') {
  const r = await runHere(campaignSpecs(), Number(process.argv[3]));
  process.send!(r, () => process.disconnect());
} else {
  await main();
}
