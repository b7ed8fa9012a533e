import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { findResumePoint, ResumeError, ResumingTraceSink } from '../../src/engine/resume.js';
import { Runner, type SoakProgress } from '../../src/engine/runner.js';
import type { Experiment, Soak } from '../../src/experiment/types.js';
import type { FaultDefinition } from '../../src/faults/fault.js';
import { faults as catalogue } from '../../src/faults/catalogue.js';
import { OperationError } from '../../src/targets/target.js';
import type { TraceSink } from '../../src/engine/trace-sink.js';
import { experiment as base, FakeTarget } from './fake-target.js';

/** A workload step for these tests: migrate `vm` to a node drawn from the run's seeded random source. */
const migrate: FaultDefinition<{ vm: string; to?: string }> = {
  name: 'migrate',
  summary: 'test workload',
  params: {},
  impairs: () => [],
  resolve: async (_t, p, context) => ({ vm: p.vm, to: context.random() < 0.5 ? 'N1' : 'N2' }),
  inject: (target, p) => target.liveMigrate(p.vm, p.to!),
};
const faults = new Map<string, FaultDefinition<any>>([...catalogue, ['migrate', migrate]]);

const soak = (over: Partial<Soak> = {}): Soak => ({
  iterations: 10,
  stopOn: 'first-anomaly',
  anomalyEvents: [18590, 20417, 21502, 21111],
  migrationTimeoutMs: 600_000,
  ...over,
});

function soakExperiment(s: Soak, method: Experiment['method'] = [{ kind: 'fault', fault: 'migrate', params: { vm: 'sql01' } }]): Experiment {
  return { ...base, settings: {}, method, soak: s };
}

function runner(target: FakeTarget, experiment: Experiment, tracePath: string, o: { trace?: TraceSink; progress?: SoakProgress } = {}): Runner {
  return new Runner({
    experiment,
    target,
    faults,
    tracePath,
    runId: 'r',
    startTime: '2026-01-01T00:00:00.000Z',
    defects: [],
    replay: 'x',
    clusterSettings: {},
    modelSettings: {},
    log: pino({ level: 'silent' }),
    ...(o.trace ? { trace: o.trace } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
}

async function run(target: FakeTarget, experiment: Experiment, o: { tracePath?: string; trace?: TraceSink; progress?: SoakProgress } = {}) {
  const tracePath = o.tracePath ?? join(mkdtempSync(join(tmpdir(), 'soak-')), 'trace.ndjson');
  const outcome = await runner(target, experiment, tracePath, o).run();
  const records = readFileSync(tracePath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  return { outcome, records, tracePath, text: readFileSync(tracePath, 'utf8') };
}

describe('runner: soaks', () => {
  it('repeats the method, with one checkpoint line after each iteration, numbered from 1', async () => {
    const target = new FakeTarget();
    const { outcome, records } = await run(target, soakExperiment(soak({ iterations: 5 })));
    expect(outcome.soak).to.include({ iterations: 5, anomalyCount: 0 });
    expect(records.filter((r) => r.type === 'checkpoint').map((r) => r.iteration)).to.deep.equal([1, 2, 3, 4, 5]);
    // every checkpoint comes after its iteration's migration completed
    const kinds = records.filter((r) => r.type === 'checkpoint' || (r.type === 'op' && r.f === 'migrate')).map((r) => (r.type === 'op' ? r.phase : 'checkpoint'));
    expect(kinds.join(' ')).to.equal(Array(5).fill('invoke ok checkpoint').join(' '));
    expect(target.calls.filter((c) => c.startsWith('live-migrate'))).to.have.length(5);
  });

  it('records the concrete target the seeded random source chose, and the same choices on every run', async () => {
    const choices = async () =>
      (await run(new FakeTarget(), soakExperiment(soak({ iterations: 12 })))).records.filter((r) => r.type === 'op' && r.phase === 'invoke' && r.f === 'migrate').map((r) => r.args.to);
    const first = await choices();
    expect(new Set(first)).to.deep.equal(new Set(['N1', 'N2']));
    expect(await choices()).to.deep.equal(first);
  });

  it('stops at the first anomalous iteration (a migration that failed) and says which and why', async () => {
    const target = new FakeTarget();
    let n = 0;
    const ok = target.migrate;
    target.migrate = async (vm, node) => {
      if (++n === 3) throw new OperationError("Live migration of 'sql01' failed (21502)");
      return ok(vm, node);
    };
    const { outcome, records } = await run(target, soakExperiment(soak({ iterations: 10 })));
    expect(outcome.soak).to.include({ iterations: 3, stoppedAt: 3, anomalyCount: 1 });
    expect(outcome.soak!.anomalies[0]).to.include({ iteration: 3 });
    expect(outcome.soak!.anomalies[0]!.what).to.match(/migrate failed: Live migration of 'sql01' failed/);
    expect(records.filter((r) => r.type === 'checkpoint').at(-1).iteration).to.equal(3);
    expect(outcome.status).to.equal('completed');
  });

  it('keeps going and counts anomalies when told to (stop-on: never)', async () => {
    const target = new FakeTarget();
    let n = 0;
    const ok = target.migrate;
    target.migrate = async (vm, node) => {
      if (++n % 4 === 0) throw new OperationError('failed');
      return ok(vm, node);
    };
    const { outcome } = await run(target, soakExperiment(soak({ iterations: 10, stopOn: 'never' })));
    expect(outcome.soak).to.include({ iterations: 10, anomalyCount: 2 });
    expect(outcome.soak!.stoppedAt).to.equal(undefined);
    expect(outcome.soak!.anomalies.map((a) => a.iteration)).to.deep.equal([4, 8]);
  });

  it('counts an anomaly event (a guest crash, 18590) logged during an iteration, but not other events', async () => {
    const target = new FakeTarget();
    let n = 0;
    target.collectEvents = async () => {
      n++;
      const event = (id: number) => ({ t: target.t, node: 'N2', log: 'Microsoft-Windows-Hyper-V-Worker-Admin', provider: 'x', id, level: 'Critical', time: 'x', message: `event ${id}` });
      return n === 6 ? [event(1641)] : n === 8 ? [event(18590)] : [];
    };
    const { outcome } = await run(target, soakExperiment(soak({ iterations: 10 })));
    expect(outcome.soak!.stoppedAt).to.be.a('number');
    expect(outcome.soak!.anomalyCount).to.equal(1);
    expect(outcome.soak!.anomalies[0]!.what).to.match(/^event 18590 on N2/);
  });

  it('undoes each iteration’s faults at the end of that iteration, so the next starts from a whole cluster', async () => {
    const target = new FakeTarget();
    const method: Experiment['method'] = [{ kind: 'fault', fault: 'kill-clussvc', params: { node: 'N2' } }, { kind: 'wait', ms: 2000 }];
    const { outcome } = await run(target, soakExperiment(soak({ iterations: 3 }), method));
    expect(target.calls.filter((c) => /^(kill|start) /.test(c))).to.deep.equal(['kill N2', 'start N2', 'kill N2', 'start N2', 'kill N2', 'start N2']);
    expect(outcome.reverts).to.deep.equal([]); // every iteration's revert worked: none left to list
  });

  it('runs for a duration on the run’s clock when given one instead of iterations', async () => {
    const target = new FakeTarget();
    const { outcome } = await run(target, soakExperiment(soak({ iterations: undefined, durationMs: 55_000 })));
    // each iteration is a 10 s migration: iterations start at 0, 10, …, 50 s
    expect(outcome.soak!.iterations).to.equal(6);
  });

  it('stops a soak by duration whose iterations take no time on the run\'s clock (it would never end), as aborted', async () => {
    const target = new FakeTarget();
    target.migrate = async () => {
      throw new OperationError('the VM is already on that node'); // fails at once: no time passes
    };
    const { outcome } = await run(target, soakExperiment(soak({ iterations: undefined, durationMs: 60_000, stopOn: 'never' })));
    expect(outcome.status).to.equal('aborted');
    expect(outcome.abortReason).to.match(/^the soak's last 1000 iterations took no time on the run's clock, so a soak by duration would never end: stopped after iteration 1000/);
    expect(outcome.soak!.iterations).to.equal(1000);
  });

  it('tells a progress display how far it got', async () => {
    const seen: string[] = [];
    const progress: SoakProgress = { start: (total, unit) => seen.push(`start ${total} ${unit}`), update: (done, a) => seen.push(`${done}/${a}`), stop: () => seen.push('stop') };
    await run(new FakeTarget(), soakExperiment(soak({ iterations: 3 })), { progress });
    expect(seen).to.deep.equal(['start 3 iterations', '1/0', '2/0', '3/0', 'stop']);
  });
});

describe('runner: resuming a killed soak', () => {
  const experiment = soakExperiment(soak({ iterations: 20 }));

  /** The trace of a soak killed after `iteration`'s checkpoint, halfway through writing the next line. */
  function killedAfter(full: string, iteration: number): string {
    const lines = full.split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"checkpoint"') && JSON.parse(l).iteration === iteration);
    const path = join(mkdtempSync(join(tmpdir(), 'killed-')), 'trace.ndjson');
    writeFileSync(path, lines.slice(0, at + 4).join('\n') + '\n');
    appendFileSync(path, lines[at + 4]!.slice(0, 25)); // the line being written when the kill came
    return path;
  }

  it('finds the last checkpoint and continues after it: the resumed trace is the uninterrupted one', async () => {
    const { text: full } = await run(new FakeTarget(), experiment);
    const path = killedAfter(full, 7);
    const point = findResumePoint(path);
    expect(point.lastIteration).to.equal(7);
    expect(point.footer).to.equal(undefined);
    const { outcome, text } = await run(new FakeTarget(), experiment, { tracePath: path, trace: new ResumingTraceSink(point) });
    expect(outcome.soak!.iterations).to.equal(20);
    expect(text).to.equal(full);
    const checkpoints = text.split('\n').filter((l) => l.includes('"checkpoint"')).map((l) => JSON.parse(l).iteration);
    expect(checkpoints).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('refuses to continue when the replay does not reproduce the stored trace, naming the line', async () => {
    const { text: full } = await run(new FakeTarget(), experiment);
    const path = killedAfter(full.replace('"to":"N1"', '"to":"N9"'), 7);
    const sink = new ResumingTraceSink(findResumePoint(path));
    await runner(new FakeTarget(), experiment, path, { trace: sink })
      .run()
      .catch(() => undefined);
    expect(sink.diverged).to.be.instanceOf(ResumeError);
    expect(sink.diverged!.message).to.match(/diverged from the stored trace at line \d+/);
  });

  it('says there is nothing to resume in a finished run', async () => {
    const { tracePath } = await run(new FakeTarget(), experiment);
    appendFileSync(tracePath, JSON.stringify({ type: 'footer', seq: 9999, t: 0, verdict: 'pass', reason: 'ok' }) + '\n');
    expect(findResumePoint(tracePath).footer).to.deep.equal({ verdict: 'pass', reason: 'ok' });
  });
});
