import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOnPool } from '../../src/campaign/pool.js';
import type { RunRecord, RunSpec } from '../../src/campaign/types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** compute-resiliency and graceful-stop × (none, a defect only the first catches) × seeds 1–2: 8 short runs, passing and failing. */
function matrix(): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const experiment of ['compute-resiliency', 'graceful-stop']) {
    for (const defect of [null, 'csv-not-paused']) {
      for (const seed of [1, 2]) {
        specs.push({
          campaign: 'pool-test',
          index: specs.length,
          key: `${experiment}/${defect ?? 'none'}/-/sim/seed-${seed}`,
          file: join(ROOT, 'experiments', `${experiment}.yaml`),
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

/** What must not depend on the scale: the record but how it ran, and the trace but its header. */
function answer(out: string, r: RunRecord): unknown {
  const { ran: _ran, ...rest } = r;
  const trace = readFileSync(join(out, r.evidence!, 'trace.ndjson'), 'utf8').split('\n').slice(1).join('\n');
  return { ...rest, trace };
}

describe('campaign: the local pool (runOnPool)', () => {
  const outs: string[] = [];
  const out = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pool-'));
    outs.push(dir);
    return dir;
  };
  after(() => outs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('gives the same answer at any scale: in this process, on 1 and on 2 worker processes (verdicts, violations, traces but their header)', async () => {
    const specs = matrix();
    const answers: unknown[][] = [];
    for (const workers of [0, 1, 2]) {
      const dir = out();
      const seen: RunRecord[] = [];
      const { records, stopped } = await runOnPool(specs, { workers, outRoot: dir, keep: 'all', stopOn: 'never', onRecord: (r) => seen.push(r) });
      expect(stopped).to.equal(undefined);
      expect(records.map((r) => r.index)).to.deep.equal(specs.map((s) => s.index));
      expect(seen).to.have.length(specs.length);
      expect(new Set(records.map((r) => r.ran.via))).to.deep.equal(new Set([workers ? 'pool' : 'process']));
      if (workers === 2) expect(new Set(records.map((r) => r.ran.pid)).size).to.equal(2);
      answers.push(records.map((r) => answer(dir, r)));
    }
    // the matrix says something: both verdicts occur
    const verdicts = (answers[0] as { verdict: string }[]).map((a) => a.verdict);
    expect(verdicts).to.include('pass').and.to.include('fail');
    expect(answers[1]).to.deep.equal(answers[0]);
    expect(answers[2]).to.deep.equal(answers[0]);
  });

  it('a worker process killed with SIGKILL mid-run: the run is done once more on a fresh process, recorded once, attempts 2', async () => {
    const specs = matrix().slice(0, 3);
    // clussvc back too late: a run of 210 s on its clock, long enough to be caught writing its trace
    specs[1] = { ...specs[1]!, key: 'slow', sets: ['simulator.scmRestartDelay=300s'] };
    const dir = out();
    const alone = await runOnPool([specs[1]], { workers: 0, outRoot: out(), keep: 'all', stopOn: 'never', onRecord: () => undefined });
    let killed: number | undefined;
    let watcher: FSWatcher | undefined;
    const { records } = await runOnPool(specs, {
      workers: 1,
      outRoot: dir,
      keep: 'all',
      stopOn: 'never',
      onRecord: () => undefined,
      onStart: (spec, pid) => {
        if (spec.key !== 'slow' || watcher) return;
        // killed once the run is under way: its trace is being written
        watcher = watch(dir, { recursive: true }, (_, name) => {
          if (killed === undefined && String(name).endsWith(join('slow', 'trace.ndjson'))) {
            killed = pid;
            process.kill(pid, 'SIGKILL');
          }
        });
      },
    });
    watcher?.close();
    expect(killed).to.be.a('number');
    expect(records.map((r) => r.key)).to.deep.equal(specs.map((s) => s.key));
    const again = records[1]!;
    expect(again.ran.attempts).to.equal(2);
    expect(again.ran.pid).to.not.equal(killed);
    expect(again.verdict).to.equal(alone.records[0]!.verdict);
    expect(again.violations).to.deep.equal(alone.records[0]!.violations);
    expect([records[0]!.ran.attempts, records[2]!.ran.attempts]).to.deep.equal([1, 1]);
    // one trace, whole: the second attempt's, with its footer
    const trace = readFileSync(join(dir, again.evidence!, 'trace.ndjson'), 'utf8').trim().split('\n');
    expect(trace.filter((l) => l.includes('"type":"header"'))).to.have.length(1);
    expect(JSON.parse(trace.at(-1)!).type).to.equal('footer');
  });

  it('stop-on first-failure: no run is started after the first run that did not do what was expected; the runs in progress finish', async () => {
    // in this process: seed 2's baseline of compute-resiliency fails (clussvc comes back too late); on the pool the
    // first run cannot even be made (unknown, at once), so the runs after it cannot all have started before
    const failing = matrix();
    failing[1] = { ...failing[1]!, sets: ['simulator.scmRestartDelay=300s'] };
    const unknown = matrix();
    unknown[0] = { ...unknown[0]!, sets: ['settings.NoSuchSetting=1'] };
    for (const [workers, specs, first] of [[0, failing, 'fail 1'], [2, unknown, 'unknown 0']] as const) {
      const dir = out();
      const events: string[] = [];
      const { records, stopped } = await runOnPool(specs, {
        workers,
        outRoot: dir,
        keep: 'failing',
        stopOn: 'first-failure',
        onStart: (spec) => events.push(`start ${spec.index}`),
        onRecord: (r) => events.push(`${r.verdict} ${r.index}`),
      });
      expect(stopped).to.match(workers ? /^stop-on first-failure: compute-resiliency\/none\/-\/sim\/seed-1 ended unknown/ : /^stop-on first-failure: compute-resiliency\/none\/-\/sim\/seed-2 ended fail/);
      // nothing started after the failure was known; every run started was finished and recorded
      const failed = events.indexOf(first);
      expect(failed, events.join(', ')).to.be.greaterThan(0);
      expect(events.slice(failed).filter((e) => e.startsWith('start')), events.join(', ')).to.deep.equal([]);
      expect(records.length).to.equal(events.filter((e) => e.startsWith('start')).length);
      expect(records.length).to.be.lessThan(specs.length);
      // in this process, one after another: exactly the runs up to the failing one
      if (!workers) expect(records.map((r) => r.index)).to.deep.equal([0, 1]);
    }
  });

  it('the signal (Ctrl-C) stops handing out runs and cuts none short', async () => {
    const specs = matrix();
    const stop = new AbortController();
    const events: string[] = [];
    const { records, stopped } = await runOnPool(specs, {
      workers: 2,
      outRoot: out(),
      keep: 'all',
      stopOn: 'never',
      signal: stop.signal,
      onStart: (spec) => events.push(`start ${spec.index}`),
      onRecord: (r) => {
        events.push(`${r.verdict} ${r.index}`);
        if (!stop.signal.aborted) {
          stop.abort('Ctrl-C');
          events.push('Ctrl-C');
        }
      },
    });
    expect(stopped).to.match(/^Ctrl-C: no new run was started/);
    const at = events.indexOf('Ctrl-C');
    expect(events.slice(at).filter((e) => e.startsWith('start')), events.join(', ')).to.deep.equal([]);
    // the run in progress on the other process finished with its verdict, not aborted
    expect(records).to.have.length(2);
    for (const r of records) expect(r.verdict, r.key).to.not.equal('unknown');
  });
});
