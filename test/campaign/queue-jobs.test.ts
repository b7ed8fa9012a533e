import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { expect } from 'chai';
import { clusterQueue, jobId, redisConnection, runOnQueue, SIM_QUEUE, type RunJobData, type RunJobResult } from '../../src/campaign/queue.js';
import type { RunRecord, RunSpec } from '../../src/campaign/types.js';
import { cli } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis.js';
import { specs, WorkerProcess } from './queue-helpers.js';

/**
 * What a worker does with the jobs it is given (malformed ones, other clusters' runs, a real-cluster run whose
 * worker died), how a campaign on the queue stops, and the `worker` command's own contract. Under a minute.
 */
describe('clusterchaos worker: the jobs it takes, and how a campaign on the queue stops', function () {
  this.timeout(180_000);
  let redis: TestRedis;
  let workers: WorkerProcess[] = [];
  let queues: Queue[] = [];
  let events: QueueEvents[] = [];
  let dir: string;

  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.close();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-worker-test-'));
    // each test starts from an empty Redis: jobs added by hand in one are not another's
    for (const name of [SIM_QUEUE, clusterQueue('HVCLUSTER01'), clusterQueue('OTHERCLUSTER')]) {
      const q = new Queue(name, { connection: redisConnection(redis.url) });
      await q.obliterate({ force: true });
      await q.close();
    }
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await Promise.all([...events, ...queues].map((q) => q.close()));
    workers = [];
    queues = [];
    events = [];
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWorker(args: string[] = []): Promise<WorkerProcess> {
    const w = new WorkerProcess(redis.url, ['--concurrency', '1', ...args]);
    workers.push(w);
    await w.ready();
    return w;
  }

  async function queue(name: string): Promise<{ q: Queue; qe: QueueEvents }> {
    const q = new Queue(name, { connection: redisConnection(redis.url) });
    const qe = new QueueEvents(name, { connection: redisConnection(redis.url) });
    queues.push(q);
    events.push(qe);
    await qe.waitUntilReady();
    return { q, qe };
  }

  function allowlist(...clusters: string[]): string {
    const file = join(dir, 'allowlist.yaml');
    writeFileSync(file, `clusters:\n${clusters.map((c) => `  - name: ${c}\n    faults: [kill-clussvc]\n    max-impaired-nodes: 1\n`).join('')}`);
    return file;
  }

  const good = specs('jobs', [{ name: 'placement' }], [null], [1])[0]!;
  const data = (spec: unknown): RunJobData => ({ format: 1, campaignId: 'by-hand', keep: 'failing', spec: spec as RunSpec });

  async function failure(job: Job, qe: QueueEvents): Promise<string> {
    try {
      await job.waitUntilFinished(qe);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`job ${job.id} completed; expected it to fail`);
  }

  it('fails a malformed job at once with a clear reason, never retries it, and goes on with the next', async () => {
    const w = await startWorker();
    const { q, qe } = await queue(SIM_QUEUE);
    const opts = { attempts: 3, backoff: { type: 'fixed', delay: 10 } };
    const noSeed = await q.add('no-seed', data({ ...good, seed: 'one' }), opts);
    const noFile = await q.add('no-file', data({ ...good, file: 'experiments/no-such-experiment.yaml' }), opts);
    const junk = await q.add('junk', 'not a run' as unknown as RunJobData, opts);
    const next = await q.add('good', data(good), opts);

    expect(await failure(noSeed, qe)).to.match(/seed: expected a whole number, found "one"/);
    expect(await failure(noFile, qe)).to.match(/experiment file experiments\/no-such-experiment.yaml does not exist on this worker/);
    expect(await failure(junk, qe)).to.match(/expected the job's data to be an object/);
    for (const job of [noSeed, noFile, junk]) expect((await q.getJob(job.id!))!.attemptsMade, `${job.name}: tried once`).to.equal(1);
    const result = (await next.waitUntilFinished(qe)) as RunJobResult;
    expect(result.record.verdict).to.equal('pass');
    expect(w.child.exitCode).to.equal(null);
  });

  it('never takes a run for a cluster its allowlist does not name', async () => {
    const other = await queue(clusterQueue('OTHERCLUSTER'));
    const named = await queue(clusterQueue('HVCLUSTER01'));
    const sim = await queue(SIM_QUEUE);
    const target = (cluster: string) => ({ kind: 'powershell', cluster, rehearse: true });
    // waiting before the worker starts: it would take it at once if it listened there
    const elsewhere = await other.q.add('elsewhere', data({ ...good, key: 'a/none/default/OTHERCLUSTER/seed-1', target: target('OTHERCLUSTER') }));
    const w = await startWorker(['--allowlist', allowlist('HVCLUSTER01')]);
    expect((await w.ready()).queues).to.deep.equal([SIM_QUEUE, clusterQueue('HVCLUSTER01')]);

    // a run for the named cluster is taken (its experiment file is missing here, so nothing touches a cluster)
    const mine = await named.q.add('mine', data({ ...good, file: 'experiments/missing.yaml', key: 'a/none/default/HVCLUSTER01/seed-1', target: target('HVCLUSTER01') }));
    expect(await failure(mine, named.qe)).to.match(/does not exist on this worker/);
    const simRun = await sim.q.add('sim', data(good));
    await simRun.waitUntilFinished(sim.qe);

    expect(await elsewhere.getState()).to.equal('waiting');
    expect(w.taken()).to.deep.equal([mine.data.spec.key, good.key]);
  });

  it('takes over a real-cluster run whose worker died instead of running it again: reverts from the mirrored journal, records it unknown', async () => {
    const named = await queue(clusterQueue('HVCLUSTER01'));
    const spec = { ...good, file: 'experiments/compute-resiliency.yaml', key: 'compute-resiliency/none/default/HVCLUSTER01/seed-1', target: { kind: 'powershell', cluster: 'HVCLUSTER01', rehearse: true } };
    // as a worker leaves it when it is killed after marking the run started and before mirroring any journal line
    const job = await named.q.add('died', data(spec), { jobId: jobId('by-hand', spec.key), attempts: 1 });
    await job.updateProgress({ started: { host: 'dead-host', pid: 1, at: new Date().toISOString() } });
    const w = await startWorker(['--allowlist', allowlist('HVCLUSTER01')]);
    const result = (await job.waitUntilFinished(named.qe)) as RunJobResult;

    expect(result.record.verdict).to.equal('unknown');
    expect(result.record.reason).to.match(/the worker running this run died before its run had read or changed the cluster/);
    expect(result.record.ran.pid).to.equal(w.pid);
    expect(w.lines.some((l) => /started by dead-host .* taking it over from its journal/.test(l.msg))).to.equal(true);
  });

  it('stops on the first failure: removes the runs not yet taken, records the runs in progress, leaves nothing in Redis', async () => {
    const runs = [{ ...good, key: 'missing/none/default/sim/seed-1', file: 'experiments/missing.yaml' }, ...specs('jobs', [{ name: 'placement' }], [null], range(1, 40))].map((s, index) => ({ ...s, index }));
    const w = await startWorker();
    const records: RunRecord[] = [];
    const r = await runOnQueue(runs, { url: redis.url, outRoot: dir, keep: 'failing', stopOn: 'first-failure', onRecord: (x) => records.push(x) });

    expect(r.stopped).to.match(/^stop-on first-failure: missing\/none\/default\/sim\/seed-1 ended unknown/);
    expect(r.records[0]!.verdict).to.equal('unknown');
    expect(r.records[0]!.reason).to.match(/could not be made on the queue after 1 attempt: the experiment file experiments\/missing.yaml does not exist/);
    expect(r.records.length).to.be.lessThan(runs.length);
    expect(r.records).to.deep.equal(records.sort((a, b) => a.index - b.index));
    expect(w.taken().length, 'the worker took only the runs recorded').to.equal(r.records.length);
    const { q } = await queue(SIM_QUEUE);
    expect(Object.values(await q.getJobCounts()).reduce((a, b) => a + b, 0)).to.equal(0);
  });

  it('stops when its signal aborts (Ctrl-C): no new run is taken, and the campaign says why', async () => {
    const runs = specs('jobs', [{ name: 'placement' }], [null], range(1, 60));
    const w = await startWorker();
    const stop = new AbortController();
    const r = await runOnQueue(runs, {
      url: redis.url,
      outRoot: dir,
      keep: 'failing',
      stopOn: 'never',
      signal: stop.signal,
      onRecord: () => {
        if (!stop.signal.aborted) stop.abort('SIGINT');
      },
    });
    expect(r.stopped).to.equal('SIGINT: no new run was started; the runs in progress finished');
    expect(r.records.length).to.be.within(1, 3);
    expect(w.taken().length).to.equal(r.records.length);
  });

  it('finishes the run it holds on SIGTERM, then exits 0', async () => {
    const runs = specs('jobs', [{ name: 'live-migration-soak', sets: ['iterations=1500'] }], [null], [1, 2]);
    const first = await startWorker();
    const records: RunRecord[] = [];
    const campaign = runOnQueue(runs, { url: redis.url, outRoot: dir, keep: 'failing', stopOn: 'never', onRecord: (x) => records.push(x) });
    const took = await first.line((l) => l.msg.startsWith('took run'));
    first.child.kill('SIGTERM');
    const ended = await first.exited;
    expect(ended.code).to.equal(0);
    expect(first.stdout.trimEnd().split('\n').at(-1)).to.match(/^verdict: pass — the worker on redis:\/\/127\.0\.0\.1:\d+ stopped/);
    expect(first.taken()).to.deep.equal([took.key]);
    // the run it held finished there; the other waits for the next worker
    await startWorker();
    const r = await campaign;
    expect(r.records.find((x) => x.key === took.key)!.ran.pid).to.equal(first.pid);
    expect(r.records.map((x) => x.verdict)).to.deep.equal(['pass', 'pass']);
  });

  it('refuses a bad --queue URL and an unreadable allowlist before taking anything (exit 2)', () => {
    const url = cli(['worker', '--queue', 'http://127.0.0.1:6379']);
    expect(url.code).to.equal(2);
    expect(url.stderr).to.include('expected a redis:// or rediss:// URL');
    const missing = cli(['worker', '--queue', redis.url, '--allowlist', join(dir, 'none.yaml')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/none\.yaml.*no such file/);
    writeFileSync(join(dir, 'bad.yaml'), 'clusters: 3\n');
    const bad = cli(['worker', '--queue', redis.url, '--allowlist', join(dir, 'bad.yaml')]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('bad.yaml:1');
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
