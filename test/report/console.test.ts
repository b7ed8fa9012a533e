import { expect } from 'chai';
import { formatRunResult, formatViolation } from '../../src/report/index.js';
import { failing, flagship, reportInput, violation } from './fixtures/trace.js';

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
