import { expect } from 'chai';
import { create } from 'xmlbuilder2';
import type { CheckResult } from '../../src/check/result.js';
import { collectLanes, formatViolation, junitOf, type RunRecord } from '../../src/report/index.js';
import type { JunitExtras } from '../../src/report/junit.js';
import type { SoakOutcome } from '../../src/trace/records.js';
import { failing, flagship, reportInput, TraceFile, violation } from './fixtures/trace.js';

/** The few DOM calls the tests use on the parsed document (xmlbuilder2 parses into a DOM). */
interface El {
  nodeType: number;
  nodeName: string;
  childNodes: ArrayLike<El>;
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
  out: string | undefined;
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
    out: all(c, 'system-out')[0]?.textContent ?? undefined,
  }));
  const properties = Object.fromEntries(all(suite, 'property').map((p) => [p.getAttribute('name')!, p.getAttribute('value')!]));
  return { suites, suite, cases, properties };
}

async function junit(trace: TraceFile, result: Partial<CheckResult> = {}, run: Partial<RunRecord> = {}, extras: JunitExtras = {}): Promise<string> {
  const path = trace.write();
  return junitOf(reportInput(trace, path, result, run), await collectLanes(path, trace.header), extras);
}

/** Child elements of `el` (no text nodes). */
function children(el: El): El[] {
  return Array.from(el.childNodes).filter((n) => n.nodeType === 1);
}

/**
 * The shape CI tools read, checked on the parsed document: testsuites › testsuite › properties, testcase*,
 * system-out; a testcase holds only failure, error and system-out; the counts agree with the test cases.
 */
function expectJunitShape(xml: string): void {
  const { suites } = parse(xml);
  expect(suites.nodeName).to.equal('testsuites');
  const suiteEls = children(suites);
  expect(suiteEls.map((e) => e.nodeName)).to.deep.equal(['testsuite']);
  const suite = suiteEls[0]!;
  for (const attr of ['name', 'tests', 'failures', 'errors', 'skipped', 'time']) expect(suite.getAttribute(attr), attr).to.be.a('string');
  expect(suite.getAttribute('skipped')).to.equal('0');
  const kids = children(suite);
  expect(kids[0]!.nodeName).to.equal('properties');
  expect(kids[kids.length - 1]!.nodeName).to.equal('system-out');
  const testcases = kids.slice(1, -1);
  expect(new Set(testcases.map((e) => e.nodeName))).to.deep.equal(new Set(['testcase']));
  for (const tc of testcases) {
    for (const attr of ['classname', 'name', 'time']) expect(tc.getAttribute(attr), attr).to.be.a('string');
    expect(Number.isFinite(Number(tc.getAttribute('time')))).to.equal(true);
    for (const k of children(tc)) {
      expect(['failure', 'error', 'system-out']).to.include(k.nodeName);
      if (k.nodeName !== 'system-out') for (const attr of ['message', 'type']) expect(k.getAttribute(attr), attr).to.be.a('string');
    }
  }
  const failing = testcases.filter((tc) => children(tc).some((k) => k.nodeName === 'failure')).length;
  const erring = testcases.filter((tc) => !children(tc).some((k) => k.nodeName === 'failure') && children(tc).some((k) => k.nodeName === 'error')).length;
  for (const el of [suites, suite]) {
    expect(el.getAttribute('tests')).to.equal(String(testcases.length));
    expect(el.getAttribute('failures')).to.equal(String(failing));
    expect(el.getAttribute('errors')).to.equal(String(erring));
  }
}

const THREE_VMS = {
  nodes: ['N1', 'N2', 'N3'],
  vms: [
    { name: 'web01', owner: 'N1', storage: 'smb' as const, memoryGB: 4 },
    { name: 'sql01', owner: 'N2', storage: 'csv-block' as const, memoryGB: 16 },
    { name: 'app01', owner: 'N3', storage: 'smb' as const, memoryGB: 8 },
  ],
  name: 'live-migration-soak',
};

/** A live migration's value as a target reports it (passes and blackout measured). */
function moved(vm: string, source: string, target: string, startedAt: number) {
  return { vm, source, target, transport: 'SMB', startedAt, passes: 2, passMs: [3000, 400], blackoutMs: 120, totalMs: 4000 };
}

/**
 * web01 live-migrated N1 → N2 `times` times (back and forth); sql01 moved by a drain of N2; app01 never
 * migrated. One poll a second throughout.
 */
function migrations(times: number, t = new TraceFile(THREE_VMS)): TraceFile {
  t.op(0, 'steady-state', 'invoke', { when: 'before' }, { process: 'runner' }).op(0, 'steady-state', 'ok', { when: 'before' }, { process: 'runner' });
  let ms = 1000;
  for (let i = 0; i < times; i++, ms += 5000) {
    const [from, to] = i % 2 === 0 ? ['N1', 'N2'] : ['N2', 'N1'];
    t.op(ms, 'live-migrate', 'invoke', { vm: 'web01', to, timeout: 60_000 }, { process: 'workload' });
    t.op(ms + 4000, 'live-migrate', 'ok', { vm: 'web01', to, timeout: 60_000 }, { process: 'workload', value: moved('web01', from, to, ms) });
  }
  t.op(ms, 'drain-node', 'invoke', { node: 'N2' }).op(ms + 4000, 'drain-node', 'ok', { node: 'N2' }, { value: { node: 'N2', totalMs: 4000, migrations: [moved('sql01', 'N2', 'N3', ms)] } });
  for (const n of ['N1', 'N2', 'N3']) t.node(ms + 5000, n, n === 'N2' ? 'Paused' : 'Up');
  for (const vm of THREE_VMS.vms) t.vm(ms + 5000, vm.name, 'Running', vm.name === 'sql01' ? 'N3' : vm.name === 'web01' ? (times % 2 ? 'N2' : 'N1') : 'N3');
  t.op(ms + 6000, 'steady-state', 'invoke', { when: 'after' }, { process: 'runner' }).op(ms + 6000, 'steady-state', 'ok', { when: 'after' }, { process: 'runner' });
  return t;
}

const VM_RULES = ['migration-pass-limit', 'migration-blackout', 'migration-time', 'migration-failed', 'migration-owner', 'guest-crash'];

describe('junit.xml', () => {
  it('parses as XML: one suite named after the experiment, with the steady states, each entity and each revert as test cases', async () => {
    const { suites, suite, cases } = parse(await junit(flagship()));
    expect(suites.getAttribute('name')).to.equal('clusterchaos');
    expect(suite.getAttribute('name')).to.equal('compute-resiliency');
    expect(cases.map((c) => c.name)).to.deep.equal([
      'steady state before',
      'node/N1 conforms to the node-membership model',
      'node/N1 satisfies event-log',
      'node/N2 conforms to the node-membership model',
      'node/N2 satisfies event-log',
      'vm/sql01 conforms to the clustered-VM model',
      'steady state after',
      'revert kill-clussvc on N2',
    ]);
    expect(cases.every((c) => c.classname === 'clusterchaos.compute-resiliency')).to.equal(true);
    expect(suite.getAttribute('tests')).to.equal('8');
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

  it('has the shape CI tools read, for a passing, a failing and an unknown run', async () => {
    expectJunitShape(await junit(flagship()));
    expectJunitShape(await junit(flagship(), { verdict: 'fail', reason: '2 violations', violations: [violation(), violation({ t: 45_000 })] }));
    expectJunitShape(await junit(flagship(), { verdict: 'unknown', reason: 'x', unknowns: ['kill-clussvc on N2 has an unknown outcome'] }, { reverts: [{ fault: 'kill-clussvc N2', outcome: 'info' }] }));
    expectJunitShape(await junit(migrations(3), {}, { reverts: [] }));
  });

  it('has a test case for each live-migration rule on each migrated VM, migration-limit on each host and the cluster, none for a VM never migrated', async () => {
    const { cases } = parse(await junit(migrations(2), {}, { reverts: [] }));
    const names = cases.map((c) => c.name);
    for (const rule of VM_RULES) {
      expect(names).to.include(`vm/web01 satisfies ${rule}`);
      expect(names).to.include(`vm/sql01 satisfies ${rule}`); // moved by the drain of N2
      expect(names).not.to.include(`vm/app01 satisfies ${rule}`);
    }
    for (const n of ['N1', 'N2', 'N3']) expect(names).to.include(`node/${n} satisfies migration-limit`);
    expect(names).to.include('cluster satisfies migration-limit');
    expect(names).to.include('vm/app01 conforms to the clustered-VM model');
    expect(cases.every((c) => c.failures.length === 0 && c.errors.length === 0)).to.equal(true);
  });

  it('leaves out the pass-limit and blackout rules when the trace reports neither passes nor blackouts', async () => {
    const t = new TraceFile(THREE_VMS);
    t.op(1000, 'live-migrate', 'invoke', { vm: 'web01', to: 'N2', timeout: 60_000 }, { process: 'workload' });
    t.op(5000, 'live-migrate', 'ok', { vm: 'web01', to: 'N2', timeout: 60_000 }, { process: 'workload', value: { vm: 'web01', source: 'N1', target: 'N2' } });
    const names = parse(await junit(t, {}, { reverts: [] })).cases.map((c) => c.name);
    expect(names).to.include('vm/web01 satisfies migration-time');
    expect(names).not.to.include('vm/web01 satisfies migration-pass-limit');
    expect(names).not.to.include('vm/web01 satisfies migration-blackout');
  });

  it('fails a live-migration rule on its VM with the violation as the console prints it, leaving the other rules passing', async () => {
    const slow = violation({
      rule: 'migration-time',
      entity: 'vm/web01',
      expected: 'completed within LiveMigrationWithin = 600 s',
      observed: 'completed after 720.0 s',
      t: 9000,
      since: { what: 'live-migrate web01 to N2', t: 1000 },
      setting: { name: 'LiveMigrationWithin', value: 600, unit: 's' },
      message: "web01's live migration to N2 took 720.0 s, longer than LiveMigrationWithin = 600 s.",
    });
    const limit = violation({ rule: 'migration-limit', entity: 'cluster', expected: 'at most 2 at once', observed: '3 at once', since: undefined, setting: undefined, message: '3 migrations ran at once in the cluster' });
    const xml = await junit(migrations(2), { verdict: 'fail', reason: '2 violations', violations: [slow, limit] }, { reverts: [] });
    expectJunitShape(xml);
    const { suite, cases } = parse(xml);
    const time = cases.find((c) => c.name === 'vm/web01 satisfies migration-time')!;
    expect(time.failures).to.have.length(1);
    expect(time.failures[0]!.type).to.equal('migration-time');
    expect(time.failures[0]!.message).to.equal('vm/web01 observed completed after 720.0 s at 00:09.0; expected completed within LiveMigrationWithin = 600 s');
    expect(time.failures[0]!.text).to.equal(formatViolation(slow));
    expect(cases.find((c) => c.name === 'cluster satisfies migration-limit')!.failures[0]!.text).to.equal(formatViolation(limit));
    expect(cases.find((c) => c.name === 'vm/web01 satisfies migration-owner')!.failures).to.have.length(0);
    expect(cases.find((c) => c.name === 'vm/web01 conforms to the clustered-VM model')!.failures).to.have.length(0);
    expect(suite.getAttribute('failures')).to.equal('2');
  });

  it('gives a violation of a rule no entity foresaw a test case of its own', async () => {
    const odd = violation({ rule: 'live-migration', entity: 'vm/app01', message: 'cancelled during the blackout' });
    const { cases } = parse(await junit(migrations(1), failing(odd), { reverts: [] }));
    const c = cases.find((c) => c.name === 'vm/app01 satisfies live-migration')!;
    expect(c.failures[0]!.type).to.equal('live-migration');
    expect(c.failures[0]!.text).to.equal(formatViolation(odd));
  });

  it('puts a migration of unknown outcome on its VM\'s migration-time case as an error', async () => {
    const unknown = "web01's live migration to N2 (live-migrate web01 to N2, requested at 00:01.0) did not complete: no completion line, 4.0 s after it was requested, before LiveMigrationWithin = 600 s; whether it would have completed in time is unknown";
    const { cases } = parse(await junit(migrations(2), { verdict: 'unknown', reason: unknown, unknowns: [unknown] }, { reverts: [] }));
    const c = cases.find((c) => c.name === 'vm/web01 satisfies migration-time')!;
    expect(c.errors.map((e) => e.message)).to.deep.equal([unknown]);
    expect(cases.find((c) => c.name === 'run verdict')).to.equal(undefined);
  });

  it('keeps the number of test cases bounded however many migrations a soak ran (one per rule and entity)', async () => {
    const few = parse(await junit(migrations(4), {}, { reverts: [] })).cases.length;
    const xml = await junit(migrations(5000), {}, { reverts: [] });
    expectJunitShape(xml);
    const many = parse(xml).cases;
    // the report keeps the first 2000 operations only: every VM then counts as migrated (app01 too)
    expect(many.length).to.equal(few + VM_RULES.length);
    expect(many.length).to.be.below(40);
  });

  it('adds a soak case: failing with each anomaly when the run did not pass, passing with the anomalies told when the models explain them', async () => {
    const soak: SoakOutcome = {
      iterations: 412,
      planned: { iterations: 1000 },
      anomalyCount: 3,
      anomalies: [
        { iteration: 17, t: 85_000, what: 'live-migrate web01 to N2 failed: the target was not available' },
        { iteration: 412, t: 2_060_000, what: 'event 18590 (guest crash) on N2' },
      ],
      stoppedAt: 412,
    };
    const failed = parse(await junit(migrations(2), failing(violation({ rule: 'guest-crash', entity: 'vm/web01' })), { reverts: [], soak }));
    const c = failed.cases.find((c) => c.name === 'soak: every iteration without an anomaly')!;
    expect(c.failures.map((f) => f.type)).to.deep.equal(['soak-anomaly', 'soak-anomaly']);
    expect(c.failures[0]!.message).to.equal('anomaly in soak iteration 17 at 01:25.0: live-migrate web01 to N2 failed: the target was not available');
    expect(c.failures[1]!.text).to.include('… and 1 more anomalous iterations');
    expect(failed.cases.find((c) => c.name === 'vm/web01 satisfies guest-crash')!.failures).to.have.length(1);

    const passed = parse(await junit(migrations(2), {}, { reverts: [], soak }));
    const p = passed.cases.find((c) => c.name === 'soak: every iteration without an anomaly')!;
    expect(p.failures).to.have.length(0);
    expect(p.out).to.include('412 iterations done; 3 anomalous, each explained by the models');
    expect(passed.suite.getAttribute('failures')).to.equal('0');

    const clean = parse(await junit(migrations(2), {}, { reverts: [], soak: { ...soak, anomalyCount: 0, anomalies: [], stoppedAt: undefined } }));
    const none = clean.cases.find((c) => c.name === 'soak: every iteration without an anomaly')!;
    expect(none.failures).to.have.length(0);
    expect(none.out).to.equal('412 iterations done');
  });

  it('adds the residue scan when there was one: passing when clean, an error per finding when not', async () => {
    const none = parse(await junit(flagship())).cases.map((c) => c.name);
    expect(none.some((n) => n.startsWith('residue scan'))).to.equal(false);
    const clean = parse(await junit(flagship(), {}, {}, { residue: { clean: true, findings: [] } })).cases;
    expect(clean.find((c) => c.name === 'residue scan: the run left nothing behind on the cluster')!.errors).to.have.length(0);
    const finding = 'node N2 is still Paused: Resume-ClusterNode -Name N2';
    const unknown = `the run left residue on the cluster: ${finding}`;
    const xml = await junit(flagship(), { verdict: 'unknown', reason: unknown, unknowns: [unknown] }, {}, { residue: { clean: false, findings: [finding] } });
    expectJunitShape(xml);
    const dirty = parse(xml);
    const c = dirty.cases.find((c) => c.name === 'residue scan: the run left nothing behind on the cluster')!;
    expect(c.errors.map((e) => [e.type, e.message])).to.deep.equal([['residue', finding]]);
    expect(dirty.cases.find((c) => c.name === 'run verdict')).to.equal(undefined);
    expect(dirty.suite.getAttribute('errors')).to.equal('1');
  });
});
