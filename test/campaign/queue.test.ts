import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { runOnPool } from '../../src/campaign/pool.js';
import { redisConnection, runOnQueue, SIM_QUEUE } from '../../src/campaign/queue.js';
import type { RunRecord, RunSpec } from '../../src/campaign/types.js';
import { TestRedis } from '../helpers/redis.js';
import { specs, WorkerProcess } from './queue-helpers.js';

/**
 * Campaigns through BullMQ on a real Redis (test/helpers/redis.ts) with real `clusterchaos worker` processes.
 * About two minutes on two cores, most of it the campaign of three hundred runs.
 */
describe('campaigns on a queue: clusterchaos worker processes on a real Redis', function () {
  this.timeout(300_000);
  let redis: TestRedis;
  let workers: WorkerProcess[] = [];
  let out: string;

  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.close();
  });
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'clusterchaos-queue-'));
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    workers = [];
    rmSync(out, { recursive: true, force: true });
  });

  async function startWorkers(n: number, args: string[] = ['--concurrency', '1']): Promise<WorkerProcess[]> {
    const started = Array.from({ length: n }, () => new WorkerProcess(redis.url, args));
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready()));
    return started;
  }

  /** Run on the queue, with every record given to onRecord counted by key. */
  async function campaign(runs: RunSpec[], o: { keep?: 'all' | 'failing'; onRecord?: (r: RunRecord, seen: number) => void } = {}) {
    const seen = new Map<string, number>();
    const result = await runOnQueue(runs, {
      url: redis.url,
      outRoot: out,
      keep: o.keep ?? 'failing',
      stopOn: 'never',
      onRecord: (r) => {
        seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
        o.onRecord?.(r, [...seen.values()].reduce((a, b) => a + b, 0));
      },
    });
    return { ...result, seen };
  }

  async function jobsLeft(name = SIM_QUEUE): Promise<number> {
    const q = new Queue(name, { connection: redisConnection(redis.url) });
    try {
      const counts = await q.getJobCounts();
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } finally {
      await q.close();
    }
  }

  function reindexed(...lists: RunSpec[][]): RunSpec[] {
    return lists.flat().map((s, index) => ({ ...s, index }));
  }

  it('runs a campaign of three hundred runs on three workers: each run once, in matrix order, the failing runs with their evidence, nothing left in Redis', async () => {
    const runs = reindexed(
      specs('several-hundred', [{ name: 'placement' }, { name: 'pre-upgrade' }], [null], range(1, 140)),
      specs('several-hundred', [{ name: 'graceful-stop' }], ['graceful-isolates'], range(1, 20)),
    );
    const three = await startWorkers(3);
    const started = Date.now();
    const { records, stopped, seen } = await campaign(runs);
    const seconds = (Date.now() - started) / 1000;
    console.log(`      ${runs.length} runs on 3 workers in ${seconds.toFixed(1)} s (${(runs.length / seconds).toFixed(1)} runs/s)`);

    expect(stopped).to.equal(undefined);
    expect(records.map((r) => r.key)).to.deep.equal(runs.map((s) => s.key));
    expect([...seen.values()].every((n) => n === 1), 'every run given to onRecord once').to.equal(true);
    for (const r of records) {
      expect(r.verdict, r.key).to.equal(r.spec.defect === null ? 'pass' : 'fail');
      expect(r.ran.via).to.equal('queue');
      if (r.verdict === 'fail') {
        expect(r.evidence).to.equal(`runs/${r.key}`);
        for (const file of ['trace.ndjson', 'summary.json', 'report.html']) expect(existsSync(join(out, r.evidence!, file)), `${r.key}: ${file}`).to.equal(true);
        expect(readFileSync(join(out, r.evidence!, 'trace.ndjson'), 'utf8')).to.match(/"type":"footer".*"verdict":"fail"/);
      } else {
        expect(r.evidence).to.equal(undefined);
        expect(existsSync(join(out, 'runs', r.key))).to.equal(false);
      }
    }
    // every worker took its share
    for (const w of three) expect(w.taken().length, `worker ${w.pid}`).to.be.greaterThan(0);
    expect(new Set(records.map((r) => r.ran.pid)).size).to.equal(3);
    expect(await jobsLeft()).to.equal(0);
  });

  it('gives the same answer as the local pool: verdicts, reasons, violations, metrics, replay commands and traces apart from their header', async () => {
    const runs = specs('same-answer', [{ name: 'graceful-stop' }, { name: 'compute-resiliency' }], [null, 'graceful-isolates', 'no-isolation'], range(1, 3));
    await startWorkers(2);
    const onQueue = await campaign(runs, { keep: 'all' });
    const local = mkdtempSync(join(tmpdir(), 'clusterchaos-pool-'));
    try {
      const inProcess = await runOnPool(runs, { workers: 0, outRoot: local, keep: 'all', stopOn: 'never', onRecord: () => undefined });
      const answer = (r: RunRecord) => ({ key: r.key, index: r.index, verdict: r.verdict, reason: r.reason, violations: r.violations, metrics: r.metrics, replay: r.replay, evidence: r.evidence });
      expect(onQueue.records.map(answer)).to.deep.equal(inProcess.records.map(answer));
      expect(new Set(onQueue.records.map((r) => r.verdict))).to.deep.equal(new Set(['pass', 'fail']));
      for (const r of onQueue.records) {
        const body = (root: string) => readFileSync(join(root, r.evidence!, 'trace.ndjson'), 'utf8').split('\n').filter((l) => !l.includes('"type":"header"'));
        expect(body(out), r.key).to.deep.equal(body(local));
      }
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  it('finishes a run elsewhere when its worker is killed with SIGKILL in the middle of it, and counts it once', async () => {
    // soaks of a second or more each, so the kill lands inside a run
    const runs = specs('killed-worker', [{ name: 'live-migration-soak', sets: ['iterations=3000'] }], [null], range(1, 3));
    const [victim, survivor] = await startWorkers(2, ['--concurrency', '1', '--lock-duration', '2s']);
    let killedKey: string | undefined;
    const killed = victim!.line((l) => l.msg.startsWith('took run')).then(async (l) => {
      killedKey = l.key;
      await victim!.kill();
    });
    const { records, seen } = await campaign(runs);
    await killed;

    expect(killedKey).to.be.a('string');
    expect(records.map((r) => r.key)).to.deep.equal(runs.map((s) => s.key));
    expect(seen.get(killedKey!)).to.equal(1);
    const r = records.find((x) => x.key === killedKey)!;
    expect(r.verdict).to.equal('pass');
    expect(r.ran.pid).to.equal(survivor!.pid);
    expect(r.ran.attempts, 'started twice: on the killed worker, then on the survivor').to.equal(2);
    expect(survivor!.taken()).to.include(killedKey);
  });

  it('completes a campaign when Redis is restarted (without its data) in the middle of it', async () => {
    const runs = specs('redis-restart', [{ name: 'placement' }], [null], range(1, 60));
    const two = await startWorkers(2);
    let restarted: Promise<void> | undefined;
    const { records, seen } = await campaign(runs, {
      onRecord: (_r, n) => {
        if (n === 10) restarted = redis.restart(1000);
      },
    });
    await restarted;
    expect(restarted, 'Redis was restarted').to.not.equal(undefined);
    expect(records.map((r) => r.key)).to.deep.equal(runs.map((s) => s.key));
    expect([...seen.values()].every((n) => n === 1)).to.equal(true);
    expect(records.every((r) => r.verdict === 'pass')).to.equal(true);
    // the workers rode it out
    for (const w of two) expect(w.child.exitCode).to.equal(null);
    expect(await jobsLeft()).to.equal(0);
  });

  it('keeps two campaigns at once apart, even with the same name and overlapping runs', async () => {
    const alpha = specs('twin', [{ name: 'placement' }], [null], range(1, 20));
    const beta = specs('twin', [{ name: 'placement' }], [null], range(11, 30));
    await startWorkers(2);
    const [a, b] = await Promise.all([campaign(alpha), campaign(beta)]);
    expect(a.records.map((r) => r.key)).to.deep.equal(alpha.map((s) => s.key));
    expect(b.records.map((r) => r.key)).to.deep.equal(beta.map((s) => s.key));
    expect(a.records.map((r) => r.spec.seed)).to.deep.equal(range(1, 20));
    expect(b.records.map((r) => r.spec.seed)).to.deep.equal(range(11, 30));
    expect([...a.seen.values(), ...b.seen.values()].every((n) => n === 1)).to.equal(true);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
