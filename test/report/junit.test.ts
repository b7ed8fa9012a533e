import { expect } from 'chai';
import { create } from 'xmlbuilder2';
import type { CheckResult } from '../../src/check/result.js';
import { collectLanes, junitOf, type RunRecord } from '../../src/report/index.js';
import { failing, flagship, reportInput, TraceFile, violation } from './fixtures/trace.js';

/** The few DOM calls the tests use on the parsed document (xmlbuilder2 parses into a DOM). */
interface El {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<El>;
  textContent: string | null;
}

interface Case {
  name: string;
  time: string;
  classname: string;
  failures: { message: string; type: string; text: string }[];
  errors: { message: string; type: string; text: string }[];
}

/** Parse junit.xml back (throws on malformed XML): the root, its suite, its test cases and properties. */
function parse(xml: string): { suites: El; suite: El; cases: Case[]; properties: Record<string, string> } {
  const suites = create(xml).root().node as unknown as El;
  const all = (el: El, tag: string): El[] => Array.from(el.getElementsByTagName(tag));
  const suite = all(suites, 'testsuite')[0]!;
  const problems = (el: El, tag: string) =>
    all(el, tag).map((p) => ({ message: p.getAttribute('message')!, type: p.getAttribute('type')!, text: p.textContent ?? '' }));
  const cases = all(suite, 'testcase').map((c) => ({
    name: c.getAttribute('name')!,
    time: c.getAttribute('time')!,
    classname: c.getAttribute('classname')!,
    failures: problems(c, 'failure'),
    errors: problems(c, 'error'),
  }));
  const properties = Object.fromEntries(all(suite, 'property').map((p) => [p.getAttribute('name')!, p.getAttribute('value')!]));
  return { suites, suite, cases, properties };
}

async function junit(trace: TraceFile, result: Partial<CheckResult> = {}, run: Partial<RunRecord> = {}): Promise<string> {
  const path = trace.write();
  return junitOf(reportInput(trace, path, result, run), await collectLanes(path, trace.header));
}

describe('junit.xml', () => {
  it('parses as XML: one suite named after the experiment, with the steady states, each entity and each revert as test cases', async () => {
    const { suites, suite, cases } = parse(await junit(flagship()));
    expect(suites.getAttribute('name')).to.equal('clusterchaos');
    expect(suite.getAttribute('name')).to.equal('compute-resiliency');
    expect(cases.map((c) => c.name)).to.deep.equal([
      'steady state before',
      'node/N1 conforms to the node-membership model',
      'node/N2 conforms to the node-membership model',
      'vm/sql01 conforms to the clustered-VM model',
      'steady state after',
      'revert kill-clussvc on N2',
    ]);
    expect(cases.every((c) => c.classname === 'clusterchaos.compute-resiliency')).to.equal(true);
    expect(suite.getAttribute('tests')).to.equal('6');
    expect(suite.getAttribute('failures')).to.equal('0');
    expect(suite.getAttribute('errors')).to.equal('0');
    expect(cases.find((c) => c.name === 'revert kill-clussvc on N2')!.time).to.equal('0.200');
  });

  it('puts the seed, the replay command and the settings in the properties', async () => {
    const { properties } = parse(await junit(flagship()));
    expect(properties.seed).to.equal('42');
    expect(properties.replay).to.equal('npx clusterchaos run experiments/compute-resiliency.yaml --seed 42');
    expect(properties['settings.ResiliencyDefaultPeriod']).to.equal('60');
  });

  it('gives each violation a failure on its entity, typed by rule, with the full text and the quoted trace lines', async () => {
    const second = violation({ t: 45_000, observed: 'Up', expected: 'Isolated', message: 'node/N2 was observed Up at 00:45.0' });
    const vmViolation = violation({ entity: 'vm/sql01', rule: 'clustered-vm', observed: 'Running', expected: 'PausedCritical', message: 'sql01 kept running' });
    const { suite, cases } = parse(await junit(flagship(), { verdict: 'fail', reason: '3 violations', violations: [violation(), second, vmViolation] }));
    const n2 = cases.find((c) => c.name === 'node/N2 conforms to the node-membership model')!;
    const failures = n2.failures;
    expect(failures).to.have.length(2);
    expect(failures[0]!.type).to.equal('node-membership');
    expect(failures[0]!.message).to.equal('node/N2 observed Down at 00:21.0; expected Isolated (violation 1 of 2 on node/N2)');
    const text = failures[0]!.text;
    expect(text).to.include('when:     00:21.0, 11.0 s after kill-clussvc on N2');
    expect(text).to.include('ResiliencyDefaultPeriod = 60 s');
    expect(text).to.include(violation().context[1]!.text);
    expect(cases.find((c) => c.name === 'vm/sql01 conforms to the clustered-VM model')!.failures).to.have.length(1);
    expect(cases.filter((c) => c.failures.length).length).to.equal(2);
    expect(suite.getAttribute('failures')).to.equal('2');
  });

  it('reports an unknown verdict as an error, never as a pass', async () => {
    const xml = await junit(flagship(), { verdict: 'unknown', reason: 'kill-clussvc on N2 has an unknown outcome', unknowns: ['kill-clussvc on N2 has an unknown outcome and nothing shows it took effect'] });
    const { suite, cases } = parse(xml);
    const errors = cases.flatMap((c) => c.errors);
    expect(errors).to.have.length(1);
    expect(errors[0]!.message).to.equal('kill-clussvc on N2 has an unknown outcome and nothing shows it took effect');
    expect(Number(suite.getAttribute('errors'))).to.be.greaterThan(0);
  });

  it('puts an entity-specific unknown on that entity, and an aborted run as errors on the steady state it never checked', async () => {
    const xml = await junit(
      flagship(),
      { verdict: 'unknown', reason: 'aborted', unknowns: ['the run was aborted: interrupted (Ctrl-C)', 'vm/sql01 was observed Saved, which no model state allows; it was not checked after 00:40.0'] },
      { status: 'aborted', abortReason: 'interrupted (Ctrl-C)', steadyStateAfter: undefined },
    );
    const { cases } = parse(xml);
    const byName = (n: string) => cases.find((c) => c.name === n)!;
    expect(byName('vm/sql01 conforms to the clustered-VM model').errors[0]!.type).to.equal('unknown');
    expect(byName('steady state after').errors[0]!.message).to.include('interrupted (Ctrl-C)');
    expect(byName('run verdict').errors[0]!.message).to.equal('the run was aborted: interrupted (Ctrl-C)');
  });

  it('reports a revert that failed as an error on its test case', async () => {
    const xml = await junit(
      flagship(),
      { verdict: 'unknown', reason: 'revert failed', unknowns: ['revert kill-clussvc N2 failed: check the cluster'] },
      { reverts: [{ fault: 'kill-clussvc N2', outcome: 'fail', error: 'node unreachable' }] },
    );
    const { cases } = parse(xml);
    const revert = cases.find((c) => c.name === 'revert kill-clussvc on N2')!;
    expect(revert.errors[0]!.type).to.equal('revert-failed');
    expect(revert.errors[0]!.message).to.include('node unreachable');
    expect(cases.find((c) => c.name === 'run verdict')).to.equal(undefined);
  });

  it('fails the steady state after when it did not come back', async () => {
    const xml = await junit(flagship(), { verdict: 'fail', reason: 'steady state', violations: [violation({ rule: 'steady-state', entity: 'cluster', observed: 'N2 Down' })] }, { steadyStateAfter: { ok: false, detail: 'N2 Down' } });
    const { cases } = parse(xml);
    const after = cases.find((c) => c.name === 'steady state after')!;
    expect(after.failures).to.have.length(1);
    expect(after.failures[0]!.type).to.equal('steady-state');
  });

  it('stays well-formed with markup and control characters in names and messages', async () => {
    const trace = new TraceFile({ vms: [{ name: '<script>alert(1)</script>', owner: 'N1', storage: 'smb', memoryGB: 1 }] });
    trace.vm(0, '<script>alert(1)</script>', 'Running', 'N1');
    const v = violation({ entity: 'vm/<script>alert(1)</script>', rule: 'clustered-vm', message: 'a & b "quoted" \u0007 bell' });
    const xml = await junit(trace, failing(v));
    expect(xml).not.to.include('<script>');
    const { cases } = parse(xml);
    const vm = cases.find((c) => c.name === 'vm/<script>alert(1)</script> conforms to the clustered-VM model')!;
    expect(vm.failures[0]!.text).to.include('a & b "quoted"');
  });
});
