/**
 * A campaign's runs as BullMQ jobs (issue 16): `clusterchaos campaign --queue redis://host:port` puts every run in
 * a queue, `clusterchaos worker` processes on any machine take them (worker.ts), and this machine gathers the
 * records and the evidence of the runs whose evidence is kept.
 *
 * Queues, shared by every campaign on the same Redis (workers need fixed names to listen on):
 * - `clusterchaos-sim`: simulator runs. Deterministic, so a failed attempt is retried with exponential backoff.
 * - `clusterchaos-cluster-<name>`: one queue per real cluster with BullMQ's global concurrency 1, so a cluster is
 *   never the target of two runs at once, whichever workers listen; only workers whose allowlist names the
 *   cluster listen on its queue. Never retried: a run taken again after its worker died is taken over instead.
 * Two campaigns at once do not mix: every job id starts with its campaign's id (unique per `campaign` command),
 * and a campaign reads, removes and cleans only its own jobs.
 *
 * This machine learns of finished runs from QueueEvents and, every few seconds and after Redis comes back, by
 * reading its jobs' states: a Redis that went away without its data (a restart without persistence) has lost
 * the jobs, and the simulator runs among them are added again (a run is still recorded once: by its job id).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Queue, QueueEvents, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { replayOf, runFolder } from './execute.js';
import type { Keep, RunRecord, RunSpec, StopOn } from './types.js';

export const SIM_QUEUE = 'clusterchaos-sim';
const CLUSTER_QUEUE_PREFIX = 'clusterchaos-cluster-';

/** The queue of a real cluster's runs (cluster names compare without case, as Windows does; BullMQ forbids ':'). */
export function clusterQueue(cluster: string): string {
  return CLUSTER_QUEUE_PREFIX + encodeURIComponent(cluster.toLowerCase());
}

export function queueFor(spec: RunSpec): string {
  return spec.target.kind === 'powershell' ? clusterQueue(spec.target.cluster) : SIM_QUEUE;
}

/** What a job carries. */
export interface RunJobData {
  format: 1;
  /** The campaign run this job belongs to (unique per `campaign` command). */
  campaignId: string;
  keep: Keep;
  spec: RunSpec;
}

/** The files of a run's folder a worker sends back when its evidence is kept (undo.ndjson: a real cluster's journal). */
export const EVIDENCE_FILES = ['trace.ndjson', 'summary.json', 'report.html', 'undo.ndjson'] as const;
/**
 * The most evidence one job carries back, gzipped (base64 adds a third in Redis): a larger run's evidence stays
 * with the worker and the campaign says so. A soak's trace compresses about 20:1.
 */
export const EVIDENCE_LIMIT_BYTES = 32 * 1024 * 1024;

/** A job's return value. */
export interface RunJobResult {
  record: RunRecord;
  /** File name → gzip, base64. */
  evidence?: Record<string, string>;
  /** Why evidence that should have come back did not. */
  evidenceMissing?: string;
}

/** BullMQ connection options from `redis://[user:password@]host:port[/db]` (rediss:// for TLS). */
export function redisConnection(url: string): ConnectionOptions {
  const u = parseRedisUrl(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // wait for a Redis that went away instead of failing (BullMQ requires it of workers)
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** The URL checked: redis:// or rediss://, a host, a port if any in range, a whole db number if any. Throws with what is wrong. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`expected a Redis URL such as redis://127.0.0.1:6379, found ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`expected a redis:// or rediss:// URL, found ${JSON.stringify(url)}`);
  if (!u.hostname) throw new Error(`expected a host in the Redis URL, e.g. redis://127.0.0.1:6379, found ${JSON.stringify(url)}`);
  if (u.port && (Number(u.port) < 1 || Number(u.port) > 65535)) throw new Error(`expected a port from 1 to 65535, found ${u.port}`);
  if (u.pathname.length > 1 && !/^\/\d+$/.test(u.pathname)) throw new Error(`expected a database number after the port (redis://host:port/0), found ${JSON.stringify(u.pathname)}`);
  return u;
}

/** The URL as campaign.json may show it: no credentials. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Job ids may not contain ':' (BullMQ keeps them in its own key names). */
export function jobId(campaignId: string, key: string): string {
  return `${campaignId}.${key}`.replaceAll(':', '%3A');
}

/** Simulator runs are retried after 1 s, 2 s (deterministic: a retry can only repeat the answer). */
const SIM_ATTEMPTS = 3;
const BACKOFF_MS = 1000;
/**
 * Besides listening to events, this machine looks at one of its pending jobs every few seconds (Redis lost it, or
 * it finished unheard: then every job is read) and reads every job's state now and then, for events missed while
 * a connection was down. Reading all of a large campaign's jobs every few seconds would load Redis for nothing.
 */
const PROBE_MS = 3000;
const RECONCILE_MS = 30_000;

function jobOptions(id: string, spec: RunSpec): JobsOptions {
  const common: JobsOptions = { jobId: id, removeOnComplete: false, removeOnFail: false };
  return spec.target.kind === 'powershell' ? { ...common, attempts: 1 } : { ...common, attempts: SIM_ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS } };
}

/** A run the queue could not make: unknown, with the reason (an exception, a malformed job, a job Redis lost). */
export function unmadeRecord(spec: RunSpec, reason: string, attempts: number): RunRecord {
  return {
    key: spec.key,
    index: spec.index,
    spec,
    verdict: 'unknown',
    reason,
    violations: [],
    replay: replayOf(spec),
    metrics: { vmsFailedOver: 0, unmonitoredMs: 0, virtualMs: 0 },
    ran: { host: hostname(), pid: process.pid, attempts, wallMs: 0, via: 'queue' },
  };
}

/** Write evidence a worker sent back into `<outRoot>/runs/<key>/`; returns the folder as records name it (relative). */
export function writeEvidence(outRoot: string, spec: RunSpec, evidence: Record<string, string>): string {
  const rel = runFolder(spec);
  const dir = join(outRoot, rel);
  mkdirSync(dir, { recursive: true });
  // only the files asked for, by their own names: a worker does not choose where this machine writes
  for (const name of EVIDENCE_FILES) {
    const packed = evidence[name];
    if (typeof packed === 'string') writeFileSync(join(dir, name), gunzipSync(Buffer.from(packed, 'base64')));
  }
  return rel;
}

/** As the local pool: a run that did not do what was expected (a baseline not passing, any unknown) stops the campaign. */
function stopsCampaign(r: RunRecord): boolean {
  return r.verdict === 'unknown' || (r.spec.defect === null && r.verdict !== 'pass');
}

interface Pending {
  spec: RunSpec;
  queue: string;
  id: string;
  /** Seen taken by a worker (its progress mark): a real-cluster run Redis then loses is not added again. */
  started: boolean;
}

/** Run the specs as jobs; resolves when every run is recorded (or removed by a stop). Records come back in matrix order. */
export async function runOnQueue(
  specs: RunSpec[],
  o: { url: string; outRoot: string; keep: Keep; stopOn: StopOn; onRecord: (r: RunRecord) => void; signal?: AbortSignal; onWarning?: (message: string) => void },
): Promise<{ records: RunRecord[]; stopped?: string }> {
  const connection = redisConnection(o.url);
  const campaignId = `${specs[0]?.campaign ?? 'campaign'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.replaceAll(':', '-');
  // a Redis that is away makes every connection say so at each reconnection attempt: each message once until a run is recorded
  const said = new Set<string>();
  const warn = (message: string) => {
    if (said.has(message)) return;
    said.add(message);
    o.onWarning?.(message);
  };
  const queues = new Map<string, Queue>();
  const events: QueueEvents[] = [];
  const pending = new Map<string, Pending>();
  const records: RunRecord[] = [];
  const every: Pending[] = [];
  for (const spec of specs) {
    const p: Pending = { spec, queue: queueFor(spec), id: jobId(campaignId, spec.key), started: false };
    if (pending.has(p.id)) continue; // one run per key
    pending.set(p.id, p);
    every.push(p);
    if (!queues.has(p.queue)) queues.set(p.queue, new Queue(p.queue, { connection }));
  }
  for (const q of queues.values()) q.on('error', (e) => warn(`the queue ${q.name}: ${e.message}`));

  let stopped: string | undefined;
  let wake: () => void = () => undefined;
  const woken = () => new Promise<void>((resolve) => (wake = resolve));

  const record = (p: Pending, r: RunRecord) => {
    if (!pending.delete(p.id)) return;
    said.clear();
    records.push(r);
    o.onRecord(r);
    if (o.stopOn === 'first-failure' && stopsCampaign(r) && !stopped) void stop(`stop-on first-failure: ${r.key} ended ${r.verdict} (${r.reason}); no new run was started after it`);
    wake();
  };

  const completed = (p: Pending, value: unknown) => {
    const result = value as RunJobResult | null;
    if (!result?.record) {
      record(p, unmadeRecord(p.spec, `the worker returned no record for this run (${JSON.stringify(value)?.slice(0, 200)})`, 1));
      return;
    }
    const r: RunRecord = { ...result.record };
    delete r.evidence;
    if (result.evidence) {
      try {
        r.evidence = writeEvidence(o.outRoot, p.spec, result.evidence);
      } catch (e) {
        warn(`the evidence of ${p.spec.key} could not be written: ${(e as Error).message}`);
      }
    } else if (result.evidenceMissing) warn(`the evidence of ${p.spec.key} stayed with its worker: ${result.evidenceMissing}`);
    record(p, r);
  };

  const failed = (p: Pending, reason: string, attempts: number) =>
    record(p, unmadeRecord(p.spec, `the run could not be made on the queue after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, attempts));

  const add = async (ps: Pending[]) => {
    for (const [name, q] of queues) {
      const mine = ps.filter((p) => p.queue === name);
      if (name !== SIM_QUEUE && mine.length) await q.setGlobalConcurrency(1);
      for (let i = 0; i < mine.length; i += 500) {
        if (stopped) return; // a stop while adding: the rest is never added
        await q.addBulk(mine.slice(i, i + 500).map((p) => ({ name: p.spec.key, data: { format: 1, campaignId, keep: o.keep, spec: p.spec } satisfies RunJobData, opts: jobOptions(p.id, p.spec) })));
      }
    }
  };

  /** One job's state: recorded when finished (a failed attempt that will be retried is not). False when Redis lost it. */
  const check = async (p: Pending): Promise<boolean> => {
    const job = await queues.get(p.queue)!.getJob(p.id);
    if (!job) return false;
    if (job.progress && typeof job.progress === 'object') p.started = true;
    const state = await job.getState();
    if (state === 'completed') completed(p, job.returnvalue);
    else if (state === 'failed') failed(p, job.failedReason, job.attemptsMade);
    return true;
  };

  /** Read every pending job's state: record finished ones, add again what Redis lost. */
  const reconcile = async () => {
    const lost: Pending[] = [];
    await Promise.all([...pending.values()].map(async (p) => (await check(p)) || lost.push(p)));
    const again: Pending[] = [];
    for (const p of lost) {
      if (!pending.has(p.id)) continue;
      if (stopped) pending.delete(p.id);
      else if (p.spec.target.kind === 'powershell' && p.started)
        record(p, unmadeRecord(p.spec, `the queue lost this run's job (Redis restarted without its data) after a worker had started it on ${p.spec.target.cluster}: what it changed may not be undone; run clusterchaos revert on that worker's run folder and look for residue`, 1));
      else again.push(p);
    }
    if (again.length) {
      warn(`Redis lost ${again.length} job${again.length === 1 ? '' : 's'} of this campaign (restarted without its data?): adding ${again.length === 1 ? 'it' : 'them'} again`);
      await add(again);
    }
  };

  const stop = async (why: string) => {
    stopped ??= why;
    // runs not yet taken are removed; runs a worker holds (locked) finish and are recorded
    await Promise.all(
      [...pending.values()].map(async (p) => {
        const removed = await queues.get(p.queue)!.remove(p.id).catch(() => 0);
        if (removed) pending.delete(p.id);
      }),
    );
    wake();
  };
  const interrupted = () => `${String(o.signal?.reason ?? 'stopped')}: no new run was started; the runs in progress finished`;
  const onAbort = () => void stop(interrupted());
  o.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    if (o.signal?.aborted) stopped = interrupted();
    else {
      for (const name of queues.keys()) {
        const qe = new QueueEvents(name, { connection });
        qe.on('error', (e) => warn(`the queue events of ${name}: ${e.message}`));
        qe.on('completed', ({ jobId: id, returnvalue }) => {
          const p = pending.get(id);
          if (p) completed(p, returnvalue);
        });
        qe.on('failed', ({ jobId: id }) => {
          const p = pending.get(id);
          if (p) void check(p).catch((e) => warn(`reading job ${id}: ${(e as Error).message}`));
        });
        qe.on('progress', ({ jobId: id }) => {
          const p = pending.get(id);
          if (p) p.started = true;
        });
        events.push(qe);
      }
      await Promise.all(events.map((e) => e.waitUntilReady()));
      await add(every);
      if (stopped) await stop(stopped); // what was added while the stop removed jobs
    }
    // events record most runs as they finish; the reads catch what events miss (Redis restarted, a connection down)
    let reconciledAt = Date.now();
    while (pending.size > 0) {
      let timedOut = false;
      const next = woken();
      const timer = setTimeout(() => {
        timedOut = true;
        wake();
      }, PROBE_MS);
      await next;
      clearTimeout(timer);
      if (!timedOut || pending.size === 0) continue;
      const first = pending.values().next().value!;
      const state = await queues.get(first.queue)!.getJobState(first.id);
      if (state === 'unknown' || state === 'completed' || state === 'failed' || Date.now() - reconciledAt >= RECONCILE_MS) {
        await reconcile();
        reconciledAt = Date.now();
      }
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.all(events.map((e) => e.close().catch(() => undefined)));
    // clean up: this campaign's jobs (and their logs) leave Redis
    await Promise.all(every.map((p) => queues.get(p.queue)!.remove(p.id).catch(() => 0)));
    await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
  }
  records.sort((a, b) => a.index - b.index);
  return { records, ...(stopped ? { stopped } : {}) };
}
