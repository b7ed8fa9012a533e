import { expect } from 'chai';
import { collectLanes, formatRunResult, formatViolation } from '../../src/report/index.js';
import { whatHappened } from '../../src/report/console.js';
import { failing, flagship, reportInput, TraceFile, violation } from './fixtures/trace.js';

const files = { summary: '/runs/a/summary.json', junit: '/runs/a/junit.xml', html: '/runs/a/report.html' };

describe('console output', () => {
  it('shows a violation with entity, expected, observed, time since the stimulus, setting and the quoted trace lines', () => {
    const text = formatViolation(violation());
    expect(text).to.match(/^node\/N2 \(node-membership\)/);
    expect(text).to.match(/expected: Isolated/);
    expect(text).to.match(/observed: Down/);
    expect(text).to.match(/when: +00:21\.0, 11\.0 s after kill-clussvc on N2 \(at 00:10\.0\)/);
    expect(text).to.match(/setting: +ResiliencyDefaultPeriod = 60 s/);
    expect(text).to.include(violation().message);
    expect(text).to.include(violation().context[0]!.text);
    expect(text).to.include(violation().context[1]!.text);
    expect(text).not.to.match(/\u001b\[/);
  });

  it('marks the observation the violation is about among the quoted lines', () => {
    const lines = formatViolation(violation()).split('\n');
    expect(lines.find((l) => l.includes('"f":"kill-clussvc"'))).to.match(/^ {4}#30/);
    expect(lines.find((l) => l.includes('"entity":"node/N2"'))).to.match(/^ {2}> #95/);
  });

  it('shows a violation without stimulus or setting by its time alone', () => {
    const text = formatViolation(violation({ since: undefined, setting: undefined, context: [] }));
    expect(text).to.match(/when: +00:21\.0$/m);
    expect(text).not.to.match(/setting:/);
    expect(text).not.to.match(/trace:/);
  });

  it('ends a failed run with its violations, the replay command and where the reports are, but not the verdict line', () => {
    const trace = flagship();
    const lines = formatRunResult(reportInput(trace, '/runs/a/trace.ndjson', failing()), files);
    const text = lines.join('\n');
    expect(lines[0]).to.include('seed 42');
    expect(text).to.include('violation 1:');
    expect(text).to.include('node/N2 (node-membership)');
    expect(text).to.include(`replay: ${trace.header.replay}`);
    expect(text).to.include('/runs/a/');
    expect(text).to.include('report.html');
    expect(lines.some((l) => l.startsWith('verdict:'))).to.equal(false);
  });

  it('leaves the replay command out of a passing run and tells how the steady state and the reverts went', () => {
    const lines = formatRunResult(reportInput(flagship(), '/runs/a/trace.ndjson'), files);
    expect(lines.some((l) => l.startsWith('replay:'))).to.equal(false);
    expect(lines).to.include('steady state before: ok (every node Up, every VM Running)');
    expect(lines).to.include('reverts: kill-clussvc N2 ok');
  });

  it('says why an aborted run stopped and lists its unknowns', () => {
    const input = reportInput(
      flagship(),
      '/runs/a/trace.ndjson',
      { verdict: 'unknown', reason: 'the run was aborted', unknowns: ['the run was aborted: interrupted (Ctrl-C)'] },
      { status: 'aborted', abortReason: 'interrupted (Ctrl-C)', steadyStateAfter: undefined },
    );
    const lines = formatRunResult(input, files);
    expect(lines.find((l) => l.startsWith('run aborted'))).to.include('interrupted (Ctrl-C)');
    expect(lines).to.include('steady state after:  not checked');
    expect(lines).to.include('unknown: the run was aborted: interrupted (Ctrl-C)');
    expect(lines.some((l) => l.startsWith('replay:'))).to.equal(true);
  });
});

describe('console output of a node or VM with many changes', () => {
  /** A soak's VM: sql01 moved round-robin over four nodes every 12 s, `moves` times; a guest crash at the last move. */
  async function soak(moves: number) {
    const nodes = ['N1', 'N2', 'N3', 'N4'];
    const trace = new TraceFile({ nodes, vms: [{ name: 'sql01', owner: 'N1', storage: 'csv-block', memoryGB: 16 }] });
    for (let i = 0; i <= moves; i++) trace.vm(i * 12_000, 'sql01', 'Running', nodes[i % 4]!);
    for (const n of nodes) trace.node(0, n, 'Up').node(moves * 12_000, n, 'Up');
    const path = trace.write();
    const crash = violation({ rule: 'guest-crash', entity: 'vm/sql01', expected: 'a guest that keeps running through its live migrations', observed: 'a guest crash (event 18590)', t: moves * 12_000 - 2_000 });
    return formatRunResult(reportInput(trace, path, failing(crash)), files, await collectLanes(path, trace.header));
  }

  it('says how often a soak’s VM moved, where it ran, its first and last move and the violation on it, not "many changes"', async () => {
    const lines = await soak(2291);
    const text = lines.join('\n');
    expect(text).not.to.include('many changes');
    const at = lines.findIndex((l) => l.startsWith('  sql01 (csv-block)'));
    expect(lines.slice(at, at + 4)).to.deep.equal([
      '  sql01 (csv-block)  Running throughout, moved 2291 times (on N1 25 %, N2 25 %, N3 25 %, N4 25 % of the time)',
      '                     first:       00:12.0  N1 → N2',
      '                     last:      7:38:12.0  N3 → N4 (as it ended)',
      '                     anomalous: 7:38:10.0  a guest crash (event 18590): guest-crash, violation 1 below',
    ]);
    expect(lines[at + 4]).to.match(/^checked /);
  });

  it('says how often a flapping node changed state and where it spent its time', async () => {
    const trace = new TraceFile({ nodes: ['N1', 'N2'], vms: [] });
    for (let s = 0; s <= 40; s++) trace.node(s * 1000, 'N2', s === 40 ? 'Up' : s % 4 === 3 ? 'Down' : s % 2 ? 'Joining' : 'Up').node(s * 1000, 'N1', 'Up');
    const path = trace.write();
    const lines = whatHappened(await collectLanes(path, trace.header));
    expect(lines).to.deep.equal([
      'observed:',
      '  N2  state changed 40 times (Up 50 %, Joining 25 %, Down 25 %)',
      '      first:     00:01.0  Up → Joining',
      '      last:      00:40.0  Down → Up (as it ended)',
    ]);
  });

  it('still lists each change of a node or VM that changed a few times', async () => {
    const lines = await soak(3);
    expect(lines).to.include('  sql01 (csv-block)  Running on N1 → Running on N2 00:12.0 → Running on N3 00:24.0 → Running on N4 00:36.0');
  });
});
