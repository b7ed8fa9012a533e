/**
 * Issue 13, item 1: the steady state, an aborted run and the reverts are judged from the trace, by the checker,
 * with the same rules whichever command reads it. Each test edits a real simulator trace the way the review did
 * and requires `clusterchaos check` and `clusterchaos report` to give the verdict `run` would have given; before
 * issue 13 these outcomes were taken from the runner's memory (`withRunOutcome`), so `check` passed every one.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { readStoredTrace } from '../../src/cli/report-command.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { checkAndReport, realTrace, traceFile, type Outcome } from '../trace/stored.js';

type Json = Record<string, any>;
const edit = (lines: string[], i: number, change: (r: Json) => void): string[] => {
  const r = JSON.parse(lines[i]!) as Json;
  change(r);
  return lines.map((l, j) => (j === i ? JSON.stringify(r) : l));
};
const record = (line: string): Json => JSON.parse(line) as Json;
/** `added` put before line `at`, every later record's seq (and an op's id, its invoke's seq) moved on by as many. */
const insert = (lines: string[], at: number, added: Json[]): string[] => {
  const shift = (line: string): string => {
    const r = record(line);
    if (typeof r.seq === 'number') r.seq += added.length;
    if (r.type === 'op' && typeof r.id === 'number' && r.id >= added[0]!.seq) r.id += added.length;
    return JSON.stringify(r);
  };
  return [...lines.slice(0, at), ...added.map((r) => JSON.stringify(r)), ...lines.slice(at).map(shift)];
};

/** Both commands give this exit code and the same verdict line, which is returned. */
async function judged(lines: string[], code: number): Promise<{ check: Outcome; report: Outcome }> {
  const both = await checkAndReport(traceFile(lines));
  for (const [name, r] of Object.entries(both)) expect(r.code, `${name}: ${r.err.join('\n')}\n${r.out.join('\n')}`).to.equal(code);
  expect(both.report.last).to.equal(both.check.last);
  return both;
}

describe("the run's outcome is judged from the trace, alike by run, check and report (issue 13)", function () {
  this.timeout(120_000);
  let trace: string[];
  /** Indexes of the final steady-state check's invoke and completion. */
  let invoke: number;
  let done: number;
  before(async () => {
    trace = await realTrace('compute-resiliency');
    invoke = trace.findIndex((l) => l.includes('"f":"steady-state"') && l.includes('"phase":"invoke"') && l.includes('"when":"after"'));
    done = trace.findIndex((l, i) => i > invoke && l.includes('"f":"steady-state"'));
    expect(invoke).to.be.greaterThan(0);
    expect(record(trace[done]!).phase).to.equal('ok');
  });

  it("the final steady-state poll edited to show a node Down, the runner's ok kept: fail, the steady state did not come back", async () => {
    // the last observation of node N2 before the runner said the steady state held
    let n2 = -1;
    for (let i = invoke; i < done; i++) if (trace[i]!.includes('"entity":"node/N2"')) n2 = i;
    expect(n2).to.be.greaterThan(invoke);
    const lines = edit(trace, n2, (r) => (r.state = { State: 'Down', StatusInformation: [] }));
    // the models object to N2 going Down too; the steady-state rule must say that the runner's ok is refuted
    await judged(lines, 1);
    const { result } = await readStoredTrace(traceFile(lines));
    const v = result.violations.find((x) => x.rule === 'steady-state')!;
    expect(v.message).to.match(/runner recorded that the steady state came back, but the last observations before it show otherwise: node N2 is Down/);
    // the evidence quotes the observation and the runner's claim
    expect(v.context.map((l) => l.seq)).to.include.members([record(trace[n2]!).seq, record(trace[done]!).seq]);
  });

  it("the runner's own record that the steady state did not come back (steady-state fail): fail", async () => {
    const lines = edit(trace, done, (r) => {
      r.phase = 'fail';
      r.error = 'VM sql01 is Off, Offline on N3';
    });
    const { check } = await judged(lines, 1);
    expect(check.last).to.match(/^verdict: fail — .*VM sql01 is Off, Offline on N3/);
  });

  it('a footer recording a failed steady state, the lines saying it held: fail in check as in report', async () => {
    const lines = edit(trace, trace.length - 1, (r) => (r.run.steadyStateAfter = { ok: false, detail: 'node N2 is Down' }));
    const { check } = await judged(lines, 1);
    expect(check.last).to.match(/^verdict: fail — .*node N2 is Down/);
  });

  it('a revert that failed: unknown, naming it and saying to check the cluster', async () => {
    const revert = trace.findIndex((l) => l.includes('"f":"revert:kill-clussvc"') && l.includes('"phase":"ok"'));
    const lines = edit(trace, revert, (r) => {
      r.phase = 'fail';
      r.error = 'Start-Service clussvc: access denied';
    });
    const { check } = await judged(lines, 3);
    expect(check.out.join('\n')).to.include('revert:kill-clussvc N2 failed (Start-Service clussvc: access denied): check the cluster');
  });

  it('a restore of the cluster settings with an unknown outcome: unknown', async () => {
    const restore = trace.findIndex((l) => l.includes('"f":"restore-cluster-settings"') && l.includes('"phase":"ok"'));
    expect(restore).to.be.greaterThan(0);
    const lines = edit(trace, restore, (r) => {
      r.phase = 'info';
      r.error = 'the session was lost';
    });
    const { check } = await judged(lines, 3);
    expect(check.out.join('\n')).to.match(/restore-cluster-settings .* has an unknown outcome \(the session was lost\): check the cluster/);
  });

  it('a fault refused as not effective: unknown, it proved nothing', async () => {
    // an isolate-network of N3, refused, after the kill: its two lines inserted, later lines renumbered
    const kill = trace.findIndex((l) => l.includes('"f":"kill-clussvc"') && l.includes('"phase":"ok"'));
    const at = record(trace[kill]!);
    const isolate = { type: 'op', t: at.t, process: 'nemesis', f: 'isolate-network', args: { node: 'N3', duration: 20000 } };
    const lines = insert(trace, kill + 1, [
      { ...isolate, phase: 'invoke', id: at.seq + 1, seq: at.seq + 1 },
      { ...isolate, phase: 'fail', id: at.seq + 1, seq: at.seq + 2, value: { notEffective: true }, error: 'the firewall would not enforce the rules' },
    ]);
    const { check } = await judged(lines, 3);
    expect(check.last).to.equal('verdict: unknown — fault not effective: isolate-network {"node":"N3","duration":20000}: the firewall would not enforce the rules');
  });

  it('no final steady-state check, the footer kept: unknown (the run never got to the end of its method)', async () => {
    const lines = trace.filter((_, i) => i !== invoke && i !== done);
    const { check } = await judged(lines, 3);
    expect(check.last).to.match(/^verdict: unknown — the trace has no final steady-state check/);
  });

  it('the final steady state recorded as reached with a VM not observed in it: unknown, the claim is unchecked', async () => {
    const lines = trace.filter((l, i) => !(i > invoke && i < done && l.includes('"entity":"vm/sql01"')));
    const { check } = await judged(lines, 3);
    expect(check.out.join('\n')).to.include('the final steady state was recorded as reached, but vm/sql01 was not observed in it');
  });

  it("nodes the experiment expects to stay down (the op's args.down) are judged as the runner judged them", async () => {
    const nr = await realTrace('compute-resiliency', { defects: ['no-rejoin'] });
    const i = nr.findIndex((l) => l.includes('"f":"steady-state"') && l.includes('"when":"after"'));
    const j = nr.findIndex((l, k) => k > i && l.includes('"f":"steady-state"'));
    expect(record(nr[j]!).phase).to.equal('fail');
    // the run as it was: fail; with N2 expected down and the runner's ok, the same observations pass the rule
    await judged(nr, 1);
    const claimed = [i, j].reduce(
      (ls, k) =>
        edit(ls, k, (r) => {
          r.args.down = ['N2'];
          if (r.phase === 'fail') {
            r.phase = 'ok';
            delete r.error;
          }
        }),
      nr,
    );
    const footerless = claimed.slice(0, -1);
    const last = edit(nr, nr.length - 1, (r) => (r.run.steadyStateAfter = { ok: true, detail: 'every node Up but N2 (expected down), every VM Running' }));
    const { result } = await readStoredTrace(traceFile([...footerless, last.at(-1)!]));
    expect(result.violations.filter((v) => v.rule === 'steady-state')).to.deep.equal([]);
    // and with N2 not expected down, the same ok is refuted by N2's last observation
    const refuted = [i, j].reduce((ls, k) => edit(ls, k, (r) => delete r.args.down), [...footerless, last.at(-1)!]);
    const { result: again } = await readStoredTrace(traceFile(refuted));
    expect(again.violations.map((v) => `${v.rule} ${v.observed}`)).to.include('steady-state node N2 is Down');
  });

  it('an aborted run says so in its lines: unknown with its reason, even with a footer edited to say it completed', async () => {
    const experiment = loadExperiment('experiments/compute-resiliency.yaml', { settings: settingDefinitions, faults });
    const outDir = mkdtempSync(join(tmpdir(), 'run-outcome-'));
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const run = await runExperiment({ experiment, outDir, defects: [], replay: 'test', log: pino({ level: 'silent' }), signal: controller.signal });
    expect(run.result.verdict).to.equal('unknown');
    expect(run.result.reason).to.equal('the run was aborted: interrupted (SIGTERM): stopped before the next step');
    const lines = readFileSync(run.tracePath, 'utf8').trimEnd().split('\n');
    expect(lines.some((l) => l.includes('"f":"abort"'))).to.equal(true);
    const { check } = await judged(lines, 3);
    expect(check.last).to.equal('verdict: unknown — the run was aborted: interrupted (SIGTERM): stopped before the next step');
    const completed = edit(lines, lines.length - 1, (r) => {
      r.run.status = 'completed';
      delete r.run.abortReason;
    });
    const { check: edited } = await judged(completed, 3);
    expect(edited.last).to.equal(check.last);
  });
});
