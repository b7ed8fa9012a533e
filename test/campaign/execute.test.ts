import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeRun } from '../../src/campaign/execute.js';
import type { RunSpec } from '../../src/campaign/types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const FILE = join(ROOT, 'experiments', 'compute-resiliency.yaml');

function spec(o: Partial<RunSpec> = {}): RunSpec {
  const defect = o.defect ?? null;
  const seed = o.seed ?? 1;
  return {
    campaign: 'test',
    index: 0,
    key: `compute-resiliency/${defect ?? 'none'}/-/sim/seed-${seed}`,
    file: FILE,
    experiment: 'compute-resiliency',
    seed,
    defect,
    sets: [],
    cell: {},
    target: { kind: 'sim' },
    ...o,
  };
}

describe('campaign: one run (executeRun)', () => {
  let out: string;
  beforeEach(() => (out = mkdtempSync(join(tmpdir(), 'cc-execute-'))));
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('runs a simulator run as clusterchaos run does: its verdict, the replay line to paste, the trace written with it', async () => {
    const r = await executeRun(spec({ seed: 7 }), { outRoot: out, keep: 'all', via: 'process' });
    expect(r.verdict).to.equal('pass');
    expect(r.replay).to.equal(`npx clusterchaos run ${FILE} --seed 7`);
    expect(r.evidence).to.equal('runs/compute-resiliency/none/-/sim/seed-7');
    const header = JSON.parse(readFileSync(join(out, r.evidence!, 'trace.ndjson'), 'utf8').split('\n')[0]!);
    expect(header.seed).to.equal(7);
    expect(header.replay).to.equal(r.replay);
    expect(header.invocation).to.include({ file: FILE, target: 'sim', seed: 7 });
    expect(r.ran).to.include({ attempts: 1, via: 'process', pid: process.pid });
    expect(r.metrics.virtualMs).to.be.greaterThan(0);
  });

  it('a defect the checker catches: fail, its first violations (at most 5), the defect in the replay, its folder kept under keep: failing', async () => {
    const r = await executeRun(spec({ defect: 'csv-not-paused', sets: ['steady-state.timeout=90s'] }), { outRoot: out, keep: 'failing', via: 'process' });
    expect(r.verdict).to.equal('fail');
    expect(r.replay).to.equal(`npx clusterchaos run ${FILE} --seed 1 --set steady-state.timeout=90s --defect csv-not-paused`);
    expect(r.violations.length).to.be.within(1, 5);
    expect(r.violations[0]).to.have.keys('rule', 'entity', 'message');
    expect(r.violations[0]!.entity).to.equal('vm/sql01');
    expect(r.evidence).to.equal('runs/compute-resiliency/csv-not-paused/-/sim/seed-1');
    expect(existsSync(join(out, r.evidence!, 'summary.json'))).to.equal(true);

    // a defect this experiment does not see: pass, and a passing run's folder goes under keep: failing
    const missed = await executeRun(spec({ defect: 'no-failover-after-power-loss' }), { outRoot: out, keep: 'failing', via: 'process' });
    expect(missed.verdict).to.equal('pass');
    expect(missed.evidence).to.equal(undefined);
    expect(existsSync(join(out, 'runs', missed.key))).to.equal(false);
  });

  it('measures failovers and unmonitored time: clussvc back within the period → nothing fails over; back too late → the VMs restart elsewhere', async () => {
    const back = await executeRun(spec({ key: 'back' }), { outRoot: out, keep: 'all', via: 'process' });
    const late = await executeRun(spec({ key: 'late', sets: ['simulator.scmRestartDelay=300s'] }), { outRoot: out, keep: 'all', via: 'process' });
    expect(back.metrics.vmsFailedOver).to.equal(0);
    expect(back.metrics.unmonitoredMs).to.be.greaterThan(0);
    // N2's two VMs (web01, sql01) restart on N1 and N3 once the period is over
    expect(late.metrics.vmsFailedOver).to.equal(2);
    const summary = JSON.parse(readFileSync(join(out, 'runs/late/summary.json'), 'utf8'));
    expect(late.metrics.unmonitoredMs).to.equal(Object.values(summary.entities as Record<string, { states: Record<string, number> }>).reduce((s, e) => s + (e.states.Unmonitored ?? 0), 0));
    expect(late.metrics.virtualMs).to.equal(summary.run.virtualMs);
  });

  it('keeps evidence per keep: all keeps a passing run; unexpected keeps neither a passing baseline nor a defect run that passed; failing keeps no pass', async () => {
    const d = 'no-failover-after-power-loss';
    const all = await executeRun(spec({ key: 'all' }), { outRoot: out, keep: 'all', via: 'process' });
    const unexpectedBaseline = await executeRun(spec({ key: 'ub' }), { outRoot: out, keep: 'unexpected', via: 'process' });
    const unexpectedDefect = await executeRun(spec({ key: 'ud', defect: d }), { outRoot: out, keep: 'unexpected', via: 'process' });
    const failing = await executeRun(spec({ key: 'fd', defect: d }), { outRoot: out, keep: 'failing', via: 'process' });
    expect([all.evidence, unexpectedBaseline.evidence, unexpectedDefect.evidence, failing.evidence]).to.deep.equal(['runs/all', undefined, undefined, undefined]);
    expect(['all', 'ub', 'ud', 'fd'].map((k) => existsSync(join(out, 'runs', k)))).to.deep.equal([true, false, false, false]);
  });

  it('a run that cannot be made is an unknown record with the reason, never a throw', async () => {
    const noDefect = await executeRun(spec({ key: 'nd', defect: 'no-such-defect' }), { outRoot: out, keep: 'failing', via: 'process' });
    expect(noDefect.verdict).to.equal('unknown');
    expect(noDefect.reason).to.contain('--defect no-such-defect: no such defect profile');
    const badSet = await executeRun(spec({ key: 'bs', sets: ['settings.NoSuchSetting=3'] }), { outRoot: out, keep: 'failing', via: 'process' });
    expect(badSet.verdict).to.equal('unknown');
    expect(badSet.reason).to.contain('NoSuchSetting');
    const missing = await executeRun(spec({ key: 'mf', file: join(out, 'nope.yaml') }), { outRoot: out, keep: 'failing', via: 'process' });
    expect(missing.verdict).to.equal('unknown');
    expect(missing.reason).to.contain('nope.yaml');
    // unknown runs keep their folder (what there is of it)
    expect(noDefect.evidence).to.equal('runs/nd');
  });
});
