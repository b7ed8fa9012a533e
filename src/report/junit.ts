import { create } from 'xmlbuilder2';
import type { Violation } from '../check/result.js';
import { formatT } from '../check/time.js';
import { formatViolation } from './console.js';
import { printable } from './escape.js';
import type { Lane, Lanes } from './lanes.js';
import type { ReportInput } from './summary.js';

interface Problem {
  message: string;
  type: string;
  text: string;
}

/** One `<testcase>`: a failure is a broken expectation, an error a check that could not be made. */
interface Case {
  name: string;
  ms: number;
  failures: Problem[];
  errors: Problem[];
}

/** The model each kind of entity is checked against, as the testcase names it. */
const MODEL: Record<string, string> = { node: 'node-membership', vm: 'clustered-VM' };

/**
 * junit.xml, the shape CI tools read: one testsuite for the experiment, with a testcase for the steady state
 * before, one per node and VM (does it conform to its model), the steady state after, and one per revert.
 * Each violation is a `<failure>` holding its full text and quoted trace lines; anything that kept the verdict
 * from being known (an aborted run, an unknown outcome) is an `<error>`, so a CI never reads unknown as pass.
 * Times are seconds on the run's clock; the seed, the replay command and the settings are `<properties>`.
 */
export function junitOf(input: ReportInput, lanes?: Lanes): string {
  const cases = testCases(input, lanes);
  const { header, run, result } = input;
  const failures = cases.filter((c) => c.failures.length).length;
  const errors = cases.filter((c) => !c.failures.length && c.errors.length).length;
  const time = secs(run.virtualMs);
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const suites = doc.ele('testsuites', { name: 'clusterchaos', tests: cases.length, failures, errors, time });
  const suite = suites.ele('testsuite', {
    name: printable(header.experiment.name),
    tests: cases.length,
    failures,
    errors,
    skipped: 0,
    time,
    timestamp: printable(header.startTime),
  });
  const props = suite.ele('properties');
  const property = (name: string, value: string | number): void => void props.ele('property', { name, value: printable(String(value)) });
  property('seed', header.seed);
  property('replay', header.replay);
  property('runId', header.runId);
  property('experiment.file', header.experiment.file);
  property('target', header.target);
  property('defects', header.defects.join(','));
  property('status', run.status);
  property('virtualMs', run.virtualMs);
  property('wallMs', run.wallMs);
  property('check.toleranceMs', header.check.toleranceMs);
  for (const [name, value] of Object.entries(header.settings)) property(`settings.${name}`, value);

  const classname = printable(`clusterchaos.${header.experiment.name}`);
  for (const c of cases) {
    const tc = suite.ele('testcase', { classname, name: printable(c.name), time: secs(c.ms) });
    for (const f of c.failures) tc.ele('failure', { message: printable(f.message), type: printable(f.type) }).txt(printable(f.text));
    for (const e of c.errors) tc.ele('error', { message: printable(e.message), type: printable(e.type) }).txt(printable(e.text));
  }
  suite.ele('system-out').txt(printable(`verdict: ${result.verdict} — ${result.reason}\nreplay: ${header.replay}`));
  return doc.end({ prettyPrint: true });
}

function testCases(input: ReportInput, lanes: Lanes | undefined): Case[] {
  const { header, result, run } = input;
  const unknowns = new Set(result.unknowns);
  const take = (prefix: string): string[] => {
    const found = [...unknowns].filter((u) => u.startsWith(prefix));
    for (const u of found) unknowns.delete(u);
    return found;
  };
  const placed = new Set<Violation>();
  const cases: Case[] = [];

  cases.push(steadyStateCase('before', run.steadyStateBefore, run.abortReason, opMs(lanes, 'steady-state', { when: 'before' })));

  const entities: Pick<Lane, 'entity' | 'kind'>[] = lanes?.lanes ?? [
    ...header.cluster.nodes.map((n) => ({ entity: `node/${n}`, kind: 'node' as const })),
    ...header.cluster.vms.map((v) => ({ entity: `vm/${v.name}`, kind: 'vm' as const })),
  ];
  for (const e of entities) {
    // Entities are checked together over the whole run, not one after another: no time of their own.
    const c: Case = { name: `${e.entity} conforms to the ${MODEL[e.kind]} model`, ms: 0, failures: [], errors: [] };
    const own = result.violations.filter((v) => v.entity === e.entity && v.rule !== 'steady-state');
    for (const [i, v] of own.entries()) {
      c.failures.push(failureOf(v, own.length > 1 ? ` (violation ${i + 1} of ${own.length} on ${e.entity})` : ''));
      placed.add(v);
    }
    for (const u of take(`${e.entity} `)) c.errors.push({ message: u, type: 'unknown', text: u });
    cases.push(c);
  }

  // Violations of anything that has no lane (e.g. the cluster as a whole), one testcase per entity and rule.
  const others = new Map<string, Case>();
  for (const v of result.violations) {
    if (placed.has(v) || v.rule === 'steady-state') continue;
    const name = `${v.entity} conforms to the ${v.rule} model`;
    const c = others.get(name) ?? { name, ms: 0, failures: [], errors: [] };
    c.failures.push(failureOf(v, ''));
    others.set(name, c);
  }
  cases.push(...others.values());

  const after = steadyStateCase('after', run.steadyStateAfter, run.abortReason, opMs(lanes, 'steady-state', { when: 'after' }));
  const steadyViolations = result.violations.filter((v) => v.rule === 'steady-state');
  if (steadyViolations.length) after.failures = steadyViolations.map((v) => failureOf(v, ''));
  cases.push(after);

  const revertOps = (lanes?.operations ?? []).filter((o) => o.f.startsWith('revert:') || o.f === 'restore-cluster-settings');
  const faultNames = new Set((lanes?.faults ?? []).map((w) => w.f));
  for (const [i, r] of run.reverts.entries()) {
    const op = revertOps[i];
    const c: Case = { name: revertName(r.fault, faultNames), ms: op?.completedAt !== undefined ? op.completedAt - op.invokedAt : 0, failures: [], errors: [] };
    take(`revert ${r.fault} `);
    if (r.outcome !== 'ok') {
      const what = r.outcome === 'fail' ? 'failed' : 'has an unknown outcome (it may or may not have happened)';
      const message = `revert ${r.fault} ${what}${r.error ? `: ${r.error}` : ''}; check the cluster`;
      c.errors.push({ message, type: r.outcome === 'fail' ? 'revert-failed' : 'revert-unknown', text: message });
    }
    cases.push(c);
  }

  // Whatever else kept the verdict from pass, so the suite never reads as passing when the run did not pass.
  const verdict: Case = { name: 'run verdict', ms: 0, failures: [], errors: [] };
  for (const u of unknowns) verdict.errors.push({ message: u, type: 'unknown', text: u });
  const anyFailure = cases.some((c) => c.failures.length);
  const anyError = cases.some((c) => c.errors.length) || verdict.errors.length > 0;
  if (result.verdict === 'fail' && !anyFailure) verdict.failures.push({ message: result.reason, type: 'verdict', text: result.reason });
  if (result.verdict === 'unknown' && !anyError) verdict.errors.push({ message: result.reason, type: 'unknown', text: result.reason });
  if (verdict.failures.length || verdict.errors.length) cases.push(verdict);
  return cases;
}

function steadyStateCase(when: 'before' | 'after', s: { ok: boolean; detail: string } | undefined, abortReason: string | undefined, ms: number): Case {
  const c: Case = { name: `steady state ${when}`, ms, failures: [], errors: [] };
  if (!s) {
    const message = `steady state ${when} was not checked: ${abortReason ?? 'the run ended before it'}`;
    c.errors.push({ message, type: 'not-checked', text: message });
  } else if (!s.ok) {
    const message = `steady state ${when} not reached: ${s.detail}`;
    c.failures.push({ message, type: 'steady-state', text: message });
  }
  return c;
}

function failureOf(v: Violation, suffix: string): Problem {
  return { message: `${v.entity} observed ${v.observed} at ${formatT(v.t)}; expected ${v.expected}${suffix}`, type: v.rule, text: formatViolation(v) };
}

/** `revert kill-clussvc on N2` for the runner's revert label `kill-clussvc N2`; other labels as they are. */
export function revertName(label: string, faultNames: Set<string>): string {
  for (const f of faultNames) {
    if (label === f) return `revert ${f}`;
    if (label.startsWith(`${f} `)) return `revert ${f} on ${label.slice(f.length + 1)}`;
  }
  const m = /^(\S+-\S+) (.+)$/.exec(label);
  return m ? `revert ${m[1]} on ${m[2]}` : label;
}

function opMs(lanes: Lanes | undefined, f: string, args: Record<string, unknown>): number {
  const want = JSON.stringify(args);
  const op = lanes?.operations.find((o) => o.f === f && JSON.stringify(o.args) === want);
  return op?.completedAt !== undefined ? op.completedAt - op.invokedAt : 0;
}

function secs(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
