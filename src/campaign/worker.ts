/**
 * `clusterchaos worker`: takes a campaign's runs from BullMQ queues (queue.ts) and makes them on this machine.
 * It listens on the simulator's queue and on the queue of every cluster its allowlist names, nothing else, so
 * a real cluster's runs go only to the machines allowed to touch it, with their own credentials.
 *
 * A real cluster's run marks its job started (job progress) and mirrors its undo journal into the job's log,
 * line by line. When its worker dies, BullMQ's stalled-job check hands the job to another worker after the lock
 * duration; that worker finds the mark and does not run it again: it restores the cluster from the mirrored
 * journal and scans for residue (real-run.ts's takeOver), and the run is recorded unknown with what it found.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { faults } from '../faults/catalogue.js';
import { allowlistLocation, loadAllowlist, type Allowlist } from '../safety/allowlist.js';
import { executeRun, runFolder } from './execute.js';
import { clusterQueue, EVIDENCE_FILES, EVIDENCE_LIMIT_BYTES, queueFor, redisConnection, SIM_QUEUE, unmadeRecord, type RunJobData, type RunJobResult } from './queue.js';
import { keepEvidence } from './results.js';
import type { Keep, RunRecord, RunSpec } from './types.js';

export interface WorkerOptions {
  url: string;
  /** The allowlist naming the clusters this worker may touch (else CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml if there is one); without one, simulator runs only. */
  allowlist?: string;
  concurrency: number;
  signal: AbortSignal;
  log: Logger;
  /** How long a job stays with a worker that stopped answering before another takes it (BullMQ's lockDuration, default 30 s). */
  lockDurationMs?: number;
}

/** BullMQ's default lock duration. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;

/** The worker's allowlist, if it has one: `--allowlist`, else CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml when it exists. Throws AllowlistError. */
export function workerAllowlist(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Allowlist | undefined {
  const where = allowlistLocation(flag, env);
  if (where.via === 'the default' && !existsSync(where.file)) return undefined;
  return loadAllowlist(where, faults.keys());
}

/** The progress a run's job carries once a worker started it. */
interface StartedMark {
  started: { host: string; pid: number; at: string };
}

function startedMark(progress: unknown): StartedMark['started'] | undefined {
  const p = progress as Partial<StartedMark> | null;
  return p && typeof p === 'object' && p.started && typeof p.started === 'object' ? p.started : undefined;
}

const KEEPS: readonly Keep[] = ['all', 'failing', 'unexpected'];

/** Why a job's data is not a run this worker can make, or undefined when it is. */
export function malformed(data: unknown, queueName: string): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (!isObject(data)) return `expected the job's data to be an object {format, campaignId, keep, spec}, found ${JSON.stringify(data)?.slice(0, 100)}`;
  if (data.format !== 1) return `expected format 1 (a job from this version of clusterchaos campaign), found ${JSON.stringify(data.format)}`;
  if (typeof data.campaignId !== 'string' || !data.campaignId) return `expected campaignId, a string, found ${JSON.stringify(data.campaignId)}`;
  if (!KEEPS.includes(data.keep as Keep)) return `expected keep to be one of ${KEEPS.join(', ')}, found ${JSON.stringify(data.keep)}`;
  const s = data.spec;
  if (!isObject(s)) return `expected spec, a run (campaign, index, key, file, experiment, seed, defect, sets, cell, target), found ${JSON.stringify(s)}`;
  const wrong: string[] = [];
  if (typeof s.campaign !== 'string') wrong.push(`campaign: expected a string, found ${JSON.stringify(s.campaign)}`);
  if (!Number.isInteger(s.index) || (s.index as number) < 0) wrong.push(`index: expected a whole number, found ${JSON.stringify(s.index)}`);
  if (typeof s.key !== 'string' || !s.key || s.key.startsWith('/') || s.key.split('/').some((part) => part === '..' || part === '')) wrong.push(`key: expected a relative folder path, found ${JSON.stringify(s.key)}`);
  if (typeof s.file !== 'string' || !s.file) wrong.push(`file: expected an experiment file, found ${JSON.stringify(s.file)}`);
  if (typeof s.experiment !== 'string') wrong.push(`experiment: expected a string, found ${JSON.stringify(s.experiment)}`);
  if (!Number.isInteger(s.seed)) wrong.push(`seed: expected a whole number, found ${JSON.stringify(s.seed)}`);
  if (s.defect !== null && typeof s.defect !== 'string') wrong.push(`defect: expected a defect's name or null, found ${JSON.stringify(s.defect)}`);
  if (!strings(s.sets)) wrong.push(`sets: expected a list of path=value strings, found ${JSON.stringify(s.sets)}`);
  if (!isObject(s.cell) || !Object.values(s.cell).every((v) => typeof v === 'string')) wrong.push(`cell: expected path → value strings, found ${JSON.stringify(s.cell)}`);
  const t = s.target;
  if (!isObject(t) || !(t.kind === 'sim' || (t.kind === 'powershell' && typeof t.cluster === 'string' && t.cluster !== '' && (t.rehearse === undefined || typeof t.rehearse === 'boolean')))) {
    wrong.push(`target: expected {kind: sim} or {kind: powershell, cluster}, found ${JSON.stringify(t)}`);
  }
  if (wrong.length) return `the job's spec is malformed: ${wrong.join('; ')}`;
  const spec = s as unknown as RunSpec;
  if (queueFor(spec) !== queueName) return `a run for ${spec.target.kind === 'powershell' ? `the cluster ${spec.target.cluster}` : 'the simulator'} was put on the queue ${queueName}`;
  if (!existsSync(spec.file) || !statSync(spec.file).isFile()) return `the experiment file ${spec.file} does not exist on this worker (${hostname()}, working folder ${process.cwd()}): start the worker where the campaign's experiment files are, with the same relative paths`;
  return undefined;
}

/** The kept files of a run's folder, gzipped and base64'd, or why they stay here. */
function packEvidence(folder: string): Pick<RunJobResult, 'evidence' | 'evidenceMissing'> {
  const evidence: Record<string, string> = {};
  let size = 0;
  for (const name of EVIDENCE_FILES) {
    const file = join(folder, name);
    if (!existsSync(file)) continue;
    const packed = gzipSync(readFileSync(file));
    size += packed.length;
    if (size > EVIDENCE_LIMIT_BYTES) {
      return { evidenceMissing: `over ${EVIDENCE_LIMIT_BYTES / 1024 / 1024} MiB gzipped, it was not sent; it is gone with the worker's temporary folder: replay the run to see it` };
    }
    evidence[name] = packed.toString('base64');
  }
  return { evidence };
}

/** What makeRun needs of a job: a BullMQ Job in this process, or a SandboxedJob in a worker thread (sim-job.ts). */
export interface RunJob {
  id?: string | undefined;
  data: unknown;
  attemptsMade: number;
  attemptsStarted?: number;
  progress: unknown;
  updateProgress(value: object): Promise<unknown>;
  log(line: string): unknown;
}

/**
 * One job: checked, then run with executeRun in a temporary folder (or, for a real cluster's run that a dead
 * worker had started, taken over from its journal), its evidence packed when kept. A malformed job fails at once
 * (UnrecoverableError: BullMQ does not retry it).
 */
export async function makeRun(
  job: RunJob,
  queueName: string,
  o: { allowlist?: string; journal?: () => Promise<string[]>; onTakeOver?: (earlier: StartedMark['started']) => void } = {},
): Promise<RunJobResult> {
  const bad = malformed(job.data, queueName);
  if (bad) throw new UnrecoverableError(bad);
  const { spec, keep } = job.data as RunJobData;
  const attempts = Math.max(job.attemptsMade + 1, job.attemptsStarted ?? 0);
  const outRoot = mkdtempSync(join(tmpdir(), 'clusterchaos-worker-'));
  try {
    let record: RunRecord;
    const earlier = startedMark(job.progress);
    if (spec.target.kind === 'powershell' && earlier && o.journal && o.allowlist) {
      // its worker died during the run: never run it again blindly
      o.onTakeOver?.(earlier);
      const journal = await o.journal();
      const t0 = performance.now();
      const t = await (await import('./real-run.js')).takeOver(spec, { outDir: join(outRoot, runFolder(spec)), journal, allowlist: o.allowlist });
      record = { ...unmadeRecord(spec, t.reason, attempts), evidence: runFolder(spec) };
      record.ran = { ...record.ran, wallMs: Math.round(performance.now() - t0) };
    } else {
      await job.updateProgress({ started: { host: hostname(), pid: process.pid, at: new Date().toISOString() } } satisfies StartedMark);
      const mirrored: unknown[] = [];
      record = await executeRun(spec, {
        outRoot,
        keep,
        via: 'queue',
        attempts,
        ...(o.allowlist ? { allowlist: o.allowlist } : {}),
        onJournal: (line) => mirrored.push(job.log(line)),
      });
      await Promise.all(mirrored);
    }
    const kept = record.evidence !== undefined && keepEvidence(keep, spec, record.verdict);
    return { record, ...(kept ? packEvidence(join(outRoot, record.evidence!)) : {}) };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

/** The simulator's runs go to worker threads (BullMQ's sandboxed processors): one core each, and this thread stays free to renew the jobs' locks. */
function simJobModule(): string {
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './sim-job.ts' : './sim-job.js', import.meta.url));
}

/** Take runs until the signal aborts; resolves once the runs in progress ended and the connections closed. */
export async function startWorker(o: WorkerOptions): Promise<void> {
  const allowlist = workerAllowlist(o.allowlist);
  const connection = redisConnection(o.url);
  const lockDuration = o.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
  const clusters = allowlist?.clusters.map((c) => c.name) ?? [];
  const log = o.log;

  // a Redis that is away makes every connection say so at each reconnection attempt: each message once until a run ends
  const said = new Set<string>();
  const redisSays = (queue: string, e: Error) => {
    if (said.has(e.message)) return;
    said.add(e.message);
    log.warn({ queue }, `Redis: ${e.message} (waiting for it to come back)`);
  };

  // a job's logs (the mirrored journal) are read through a Queue; global concurrency 1 is set here too, in case
  // no campaign has set it since Redis last started
  const clusterQueues = new Map(clusters.map((c) => [clusterQueue(c), new Queue(clusterQueue(c), { connection })]));
  for (const q of clusterQueues.values()) {
    q.on('error', (e) => redisSays(q.name, e));
    void q.setGlobalConcurrency(1).catch((e: Error) => log.warn({ queue: q.name }, `could not set the queue's global concurrency: ${e.message}`));
  }

  // a real cluster's run, in this process: its journal goes to the job's log line by line, awaited
  const clusterRun = (job: Job<RunJobData, RunJobResult>) =>
    makeRun(job, job.queueName, {
      ...(allowlist ? { allowlist: allowlist.file } : {}),
      journal: async () => (await clusterQueues.get(job.queueName)!.getJobLogs(job.id!, 0, -1, true)).logs,
      onTakeOver: (earlier) => log.warn({ job: job.id, key: job.data.spec.key }, `run ${job.data.spec.key} was started by ${earlier.host} (pid ${earlier.pid}) at ${earlier.at}, which stopped answering: taking it over from its journal`),
    });

  const options = { connection, lockDuration, stalledInterval: lockDuration };
  const workers = [
    new Worker<RunJobData, RunJobResult>(SIM_QUEUE, simJobModule(), { ...options, concurrency: o.concurrency, maxStalledCount: 2, useWorkerThreads: true }),
    // one run at a time per cluster, whatever else runs (the queue's global concurrency is 1 too)
    ...[...clusterQueues.keys()].map((name) => new Worker<RunJobData, RunJobResult>(name, clusterRun, { ...options, concurrency: 1, maxStalledCount: 1 })),
  ];
  for (const w of workers) {
    w.on('active', (job) => log.info({ job: job.id, queue: w.name, key: job.data?.spec?.key }, `took run ${job.data?.spec?.key ?? job.id}`));
    w.on('completed', (job, result) => {
      said.clear();
      log.info({ job: job.id, queue: w.name, key: result.record.key, verdict: result.record.verdict }, `finished run ${result.record.key}: ${result.record.verdict}`);
    });
    w.on('failed', (job, e) => log.warn({ job: job?.id, queue: w.name }, `run ${job?.data?.spec?.key ?? job?.id} failed: ${e.message}`));
    w.on('error', (e) => redisSays(w.name, e));
  }
  log.info(
    { queues: workers.map((w) => w.name), concurrency: o.concurrency, lockDurationMs: lockDuration },
    `worker ${hostname()} (pid ${process.pid}) takes runs from ${workers.map((w) => w.name).join(', ')}${clusters.length ? '' : ' (no allowlist: simulator runs only)'}`,
  );

  if (!o.signal.aborted) await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
  log.info('stopping: the runs in progress finish, no new run is taken');
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all([...clusterQueues.values()].map((q) => q.close()));
  log.info('stopped');
}
