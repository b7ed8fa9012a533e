/**
 * A plan's size before it runs (issue 12: `iterations: 1000000000` was accepted without a word: ≈ 2.4 TB of
 * trace, days of a cluster): the estimate, what is wrong with it, and the CLI refusing it unless told
 * `--allow-large-plan`.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { main } from '../../src/cli/main.js';
import { estimatePlan, estimateText, freeBytesFor, MAX_SIM_TRACE_BYTES, planProblems } from '../../src/experiment/estimate.js';
import { formatProblem } from '../../src/experiment/errors.js';
import { experimentFile, load, shipped } from './helpers.js';

const GiB = 1024 ** 3;
const messages = (problems: ReturnType<typeof planProblems>): string[] => problems.map(formatProblem);

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** live-migration-soak.yaml with its iterations written in the file. */
function soakFile(iterations: number): { file: string; line: number } {
  const text = readFileSync(shipped('live-migration-soak.yaml'), 'utf8');
  const written = text.replace(/^iterations: 12000$/m, `iterations: ${iterations}`);
  return { file: experimentFile(written), line: written.split('\n').indexOf(`iterations: ${iterations}`) + 1 };
}

describe('the estimate of a plan', () => {
  it('says what the flagship costs: 90 s on its clock, 92 polls of 12 nodes and VMs, about 166 KiB of trace', () => {
    const e = estimatePlan(load(shipped('compute-resiliency.yaml')));
    expect(e).to.include({ target: 'sim', iterations: 1, clockMs: 90_000, polls: 92, entities: 12 });
    expect(estimateText(e)).to.equal('a run of at least 90 s on its clock (92 polls of 12 nodes and VMs) and a trace of about 166 KiB');
  });

  it('comes within 10 % of the trace the simulator writes', async function () {
    this.timeout(60_000);
    const out = join(mkdtempSync(join(tmpdir(), 'clusterchaos-estimate-')), 'run');
    const { code } = await cli(['run', shipped('compute-resiliency.yaml'), '--out', out, '--log-format', 'json']);
    expect(code).to.equal(0);
    const written = statSync(join(out, 'trace.ndjson')).size;
    const estimated = estimatePlan(load(shipped('compute-resiliency.yaml'))).traceBytes;
    expect(Math.abs(written - estimated) / written).to.be.below(0.1);
  });

  it('counts a soak: one poll, a checkpoint and the steps per iteration; live migrations by policy take at least 4 s', () => {
    const e = estimatePlan(load(shipped('live-migration-soak.yaml')));
    expect(e).to.include({ iterations: 12_000, iterationMs: 4000, clockMs: 48_000_000, polls: 12_002, entities: 10 });
    expect(e.traceBytes).to.be.within(25e6, 35e6);
    // on a real cluster every injection and poll is a round trip of 0.1 s at the least
    expect(estimatePlan(load(shipped('live-migration-soak.yaml')), 'powershell').iterationMs).to.equal(4300);
  });

  it('counts the iterations a soak by duration holds at the least', () => {
    const e = estimatePlan(load(shipped('compute-resiliency.yaml'), { sets: ['duration=1h'] }));
    expect(e).to.include({ iterations: 40, clockMs: 3_600_000 }); // 90 s of waiting an iteration
  });

  it('finds a billion iterations of the soak about 2 TiB of trace', () => {
    const { file, line } = soakFile(1_000_000_000);
    const e = estimatePlan(load(file));
    expect(e.traceBytes).to.be.within(2e12, 2.6e12);
    expect(e.cause).to.deep.equal({ path: 'iterations', at: { line, column: 13 } });
  });
});

describe('what is wrong with a plan', () => {
  it('refuses on the simulator a trace over 1 GiB, and one larger than the free space, at the iterations line', () => {
    const { file, line } = soakFile(1_000_000_000);
    const e = estimatePlan(load(file));
    const what =
      'a run of at least 127 years on its clock (1,000,000,000 iterations of at least 4 s, 1,000,000,002 polls of 10 nodes and VMs) and a trace of about 2.1 TiB';
    expect(messages(planProblems(e, { freeBytes: 50 * GiB }))).to.deep.equal([
      `${file}:${line}:13: iterations: expected a plan whose trace fits in the 50 GiB free where the results go, found ${what}. Lower iterations, or wait or observe less in each iteration; free some space or write the results elsewhere (--out); or run it anyway with --allow-large-plan (a soak that stops at its first anomaly may write far less).`,
      `${file}:${line}:13: iterations: expected a simulated run whose trace is at most 1 GiB, found ${what}. Lower iterations, or wait or observe less in each iteration; or run it anyway with --allow-large-plan.`,
    ]);
    expect(planProblems(e, { freeBytes: 50 * GiB, allowLargePlan: true })).to.deep.equal([]);
  });

  it('names the flag that set it', () => {
    const e = estimatePlan(load(shipped('live-migration-soak.yaml'), { sets: ['iterations=1000000000'] }));
    expect(messages(planProblems(e))[0]).to.match(/^experiments\/live-migration-soak\.yaml: --set iterations=1000000000: expected a simulated run whose trace is at most 1 GiB, found /);
  });

  it('refuses a wait that would outlast the disk, at its line', () => {
    const f = experimentFile(['title: T', 'cluster:', '  nodes: [N1, N2, N3]', 'method:', '  - wait: 1s', '  - wait: 1000000h', ''].join('\n'));
    expect(messages(planProblems(estimatePlan(load(f)), { freeBytes: 10 * GiB }))).to.deep.equal([
      `${f}:6:11: method[1].wait: expected a plan whose trace fits in the 10 GiB free where the results go, found a run of at least 114 years on its clock (3,600,000,003 polls of 3 nodes and VMs) and a trace of about 1.2 TiB. Wait for less time, or observe less often (observe.interval); free some space or write the results elsewhere (--out); or run it anyway with --allow-large-plan (a soak that stops at its first anomaly may write far less).`,
      `${f}:6:11: method[1].wait: expected a simulated run whose trace is at most 1 GiB, found a run of at least 114 years on its clock (3,600,000,003 polls of 3 nodes and VMs) and a trace of about 1.2 TiB. Wait for less time, or observe less often (observe.interval); or run it anyway with --allow-large-plan.`,
    ]);
  });

  it('refuses a run of more than a day on a real cluster, not on the simulator whose clock is virtual', () => {
    const e = load(shipped('compute-resiliency.yaml'), { sets: ['method[1].wait=25h'] });
    expect(planProblems(estimatePlan(e, 'sim'), { freeBytes: 10 * GiB })).to.deep.equal([]);
    expect(messages(planProblems(estimatePlan(e, 'powershell'), { freeBytes: 10 * GiB }))).to.deep.equal([
      'experiments/compute-resiliency.yaml: --set method[1].wait=25h: expected a run of at most 24 h on a real cluster, found a run of at least 25 h on its clock (90,002 polls of 12 nodes and VMs) and a trace of about 155 MiB. Wait for less time, or observe less often (observe.interval); or run it anyway with --allow-large-plan, if the cluster may be faulted that long unattended.',
    ]);
    const soak = (n: number) => planProblems(estimatePlan(load(shipped('live-migration-soak.yaml'), { sets: [`iterations=${n}`] }), 'powershell'));
    expect(soak(12_000)).to.deep.equal([]);
    expect(messages(soak(30_000))[0]).to.contain('expected a run of at most 24 h on a real cluster, found a run of at least 36 h on its clock (30,000 iterations of at least 4.3 s');
  });

  it('refuses a trace larger than the free space even when small', () => {
    const e = estimatePlan(load(shipped('compute-resiliency.yaml')));
    expect(messages(planProblems(e, { freeBytes: 100 * 1024 }))[0]).to.match(/^experiments\/compute-resiliency\.yaml:\d+:11: method\[1\]\.wait: expected a plan whose trace fits in the 100 KiB free where the results go, found .* a trace of about 166 KiB\./);
  });

  it('lets every shipped experiment run as written on both targets', () => {
    for (const name of readdirSync('experiments').filter((f) => f.endsWith('.yaml'))) {
      const e = load(shipped(name));
      for (const target of ['sim', 'powershell'] as const) expect(messages(planProblems(estimatePlan(e, target), { freeBytes: GiB })), `${name} on ${target}`).to.deep.equal([]);
    }
    expect(estimatePlan(load(shipped('live-migration-soak.yaml'), { sets: ['iterations=20000'] })).traceBytes).to.be.below(MAX_SIM_TRACE_BYTES / 10);
  });

  it('refuses a plan without end even with the flag', () => {
    const e = load(shipped('compute-resiliency.yaml'), { sets: ['duration=1h'] });
    const endless = { ...e, method: e.method.filter((s) => s.kind === 'fault') };
    expect(messages(planProblems(estimatePlan(endless), { allowLargePlan: true }))).to.deep.equal([
      `experiments/compute-resiliency.yaml: --set duration=1h: expected a plan that ends: a method that moves the clock in a soak by duration, found a method that takes no time, repeated without end. Add a wait step to the method, or give iterations instead of duration.`,
    ]);
  });

  it('reads the free space of the nearest folder that exists', () => {
    const free = freeBytesFor(join(tmpdir(), 'no', 'such', 'folder'));
    expect(free).to.be.a('number').and.greaterThan(0);
  });
});

describe('clusterchaos run and a large plan', function () {
  this.timeout(60_000);

  it('refuses it (exit 2, nothing run) with the line and the size, and runs it with --allow-large-plan', async () => {
    const { file, line } = soakFile(1_000_000_000);
    const refused = await cli(['run', file, '--dry-run']);
    expect(refused.code).to.equal(2);
    expect(refused.err.join('\n')).to.contain(`${file}:${line}:13: iterations: expected a simulated run whose trace is at most 1 GiB, found a run of at least 127 years`);
    expect(refused.out.at(-1)).to.equal('verdict: unknown — bad input, nothing was run');
    const allowed = await cli(['run', file, '--dry-run', '--allow-large-plan']);
    expect(allowed.code).to.equal(3);
    expect(allowed.out.at(-1)).to.equal('verdict: unknown — dry run, nothing was run');
  });

  it('refuses a day of a real cluster before the allowlist is even read', async () => {
    const r = await cli(['run', shipped('compute-resiliency.yaml'), '--set', 'method[1].wait=25h', '--target', 'powershell', '--allowlist', '/nonexistent', '--dry-run']);
    expect(r.code).to.equal(2);
    expect(r.err.join('\n')).to.contain('expected a run of at most 24 h on a real cluster');
  });
});
