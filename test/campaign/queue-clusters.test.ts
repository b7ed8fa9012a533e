import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { clusterQueue, redisConnection, runOnQueue } from '../../src/campaign/queue.js';
import type { RunRecord, RunSpec } from '../../src/campaign/types.js';
import { ROOT } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis.js';
import { LAB_FIXTURES } from '../powershell/lab-target.js';
import { WorkerProcess, type LogLine } from './queue-helpers.js';

const ALLOWLIST = join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml');

/**
 * Real-cluster runs on the queue, through the rehearsal lab (real PowerShell 7, `clusterchaos run --target
 * powershell --rehearse` children): one run at a time per cluster whatever the workers, and a run whose worker
 * is killed is taken over from its mirrored journal, never run again. Two to three minutes (each lab run is about
 * twenty seconds).
 */
describe('real-cluster runs on the queue (through the rehearsal lab)', function () {
  this.timeout(600_000);
  let redis: TestRedis;
  let workers: WorkerProcess[] = [];
  let out: string;

  before(async () => {
    redis = await TestRedis.start();
    out = mkdtempSync(join(tmpdir(), 'clusterchaos-queue-clusters-'));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.close();
    rmSync(out, { recursive: true, force: true });
  });

  const run = (seed: number, index: number): RunSpec => ({
    campaign: 'lab',
    index,
    key: `kill/none/default/HVCLUSTER01/seed-${seed}`,
    file: join(LAB_FIXTURES, 'kill.yaml'),
    experiment: 'kill',
    seed,
    defect: null,
    sets: [],
    cell: {},
    target: { kind: 'powershell', cluster: 'HVCLUSTER01', rehearse: true },
  });

  it('never runs two runs on one cluster at once, and takes over (never re-runs) the run of a worker killed in the middle of it', async () => {
    const runs = [run(1, 0), run(2, 1)];
    const [a, b] = [0, 1].map(() => new WorkerProcess(redis.url, ['--allowlist', ALLOWLIST, '--concurrency', '2', '--lock-duration', '3s']));
    workers.push(a!, b!);
    await Promise.all(workers.map((w) => w.ready()));

    const records: RunRecord[] = [];
    const campaign = runOnQueue(runs, { url: redis.url, outRoot: out, keep: 'failing', stopOn: 'never', onRecord: (r) => records.push(r) });

    // kill whichever worker holds the first run once its journal has lines past the header (the run changed the lab)
    const q = new Queue(clusterQueue('HVCLUSTER01'), { connection: redisConnection(redis.url) });
    let victim: WorkerProcess | undefined;
    let killedKey: string | undefined;
    let mirrored: string[] = [];
    try {
      while (!victim) {
        for (const job of await q.getJobs(['active'])) {
          const logs = (await q.getJobLogs(job.id!)).logs;
          if (logs.length >= 3) {
            killedKey = (job.data as { spec: RunSpec }).spec.key;
            victim = workers.find((w) => w.taken().includes(killedKey!));
            mirrored = logs;
          }
        }
        // the journal's lines come with no event of their own: read again shortly
        if (!victim) await new Promise((r) => setTimeout(r, 200));
      }
      const killedAt = Date.now();
      await victim.kill();
      const r = await campaign;
      const survivor = victim === a ? b! : a!;

      expect(r.records.map((x) => x.key)).to.deep.equal(runs.map((s) => s.key));
      expect(records.length).to.equal(2);
      const taken = r.records.find((x) => x.key === killedKey)!;
      expect(taken.verdict).to.equal('unknown');
      expect(taken.reason).to.match(/^the worker running this run died; its journal owed /);
      expect(taken.ran.pid).to.equal(survivor.pid);
      // the survivor took it over from the journal the victim mirrored; it did not run it
      expect(survivor.lines.some((l) => l.key === killedKey && /taking it over from its journal/.test(l.msg))).to.equal(true);
      expect(mirrored[0]).to.match(/"type":"header"/);
      // its evidence holds the journal it reverted from: what the victim had mirrored when we looked, and on
      const undo = readFileSync(join(out, taken.evidence!, 'undo.ndjson'), 'utf8').split('\n').filter(Boolean);
      expect(undo.slice(0, mirrored.length - 1)).to.deep.equal(mirrored.slice(1));
      const other = r.records.find((x) => x.key !== killedKey)!;
      expect(other.verdict).to.equal('pass');

      // one run at a time on HVCLUSTER01: each run's span (taken → finished, or killed) ends before the next begins
      const spans = [...spansOf(a!, killedAt), ...spansOf(b!, killedAt)].sort((x, y) => x.from - y.from);
      expect(spans.length).to.be.at.least(3);
      for (let i = 1; i < spans.length; i++) expect(spans[i]!.from, `${spans[i]!.key} began after ${spans[i - 1]!.key} ended`).to.be.at.least(spans[i - 1]!.to);
    } finally {
      await q.close();
    }
  });
});

/** When a worker held each run: from `took run` to `finished run` (or to the kill, for the run it died with). */
function spansOf(w: WorkerProcess, killedAt: number): { key: string; from: number; to: number }[] {
  const time = (l: LogLine) => Date.parse(l.time as string);
  const spans: { key: string; from: number; to: number }[] = [];
  for (const took of w.lines.filter((l) => l.msg.startsWith('took run'))) {
    const finished = w.lines.find((l) => l.msg.startsWith(`finished run ${took.key}:`) && time(l) >= time(took));
    spans.push({ key: took.key!, from: time(took), to: finished ? time(finished) : killedAt });
  }
  return spans;
}
