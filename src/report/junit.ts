import { create } from 'xmlbuilder2';
import type { Violation } from '../check/result.js';
import { formatT } from '../check/time.js';
import type { DrainValue } from '../trace/records.js';
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
  /** Said in the test case's `<system-out>` (what a passing case saw worth telling). */
  out?: string;
}

/** The residue scan's result, as summary.json keeps it (src/safety's Residue; the report reads only these). */
export interface ResidueRecord {
  clean: boolean;
  findings: string[];
}

/** What the junit.xml tells beyond the run: the residue scan, when the run had one (a real cluster). */
export interface JunitExtras {
  residue?: ResidueRecord;
}

/** The model each kind of entity is checked against, as the testcase names it. */
const MODEL: Record<string, string> = { node: 'node-membership', vm: 'clustered-VM' };

/**
 * The live-migration rules (src/check/migrations.ts) checked on each migrated VM, in the order they are told.
 * `migration-pass-limit` and `migration-blackout` apply only where the trace reports passes and blackouts.
 */
const VM_MIGRATION_RULES = ['migration-pass-limit', 'migration-blackout', 'migration-time', 'migration-failed', 'migration-owner', 'guest-crash'] as const;
/** Checked on every host, and on the cluster as a whole, once any migration ran. */
const LIMIT_RULE = 'migration-limit';

/**
 * junit.xml, the shape CI tools read: one testsuite for the experiment, with one testcase per rule checked on
 * each entity — the model it conforms to (node-membership, clustered-VM), the event-log rule on each node when
 * events were collected, each live-migration rule that applied — plus the steady state before and after, one
 * per revert, the soak's anomalies and the residue scan when there were any. Cases are one per rule × entity,
 * never one per observation or migration, so a soak of 100,000 migrations has as many as a single one.
 * Each violation is a `<failure>` typed by its rule holding the text the console prints (with the quoted
 * trace lines); anything that kept the verdict from being known (an aborted run, an unknown outcome) is an
 * `<error>`, so a CI never reads unknown as pass. Times are seconds on the run's clock; the seed, the replay
 * command and the settings are `<properties>`.
 */
export function junitOf(input: ReportInput, lanes?: Lanes, extras: JunitExtras = {}): string {
  const cases = testCases(input, lanes, extras);
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
    if (c.out !== undefined) tc.ele('system-out').txt(printable(c.out));
  }
  suite.ele('system-out').txt(printable(`verdict: ${result.verdict} — ${result.reason}\nreplay: ${header.replay}`));
  return doc.end({ prettyPrint: true });
}

/** `vm/web01 satisfies migration-time`: the test case of one rule on one entity (other than its model). */
export function ruleCaseName(entity: string, rule: string): string {
  return `${entity} satisfies ${rule}`;
}

function modelCaseName(entity: string, kind: string): string {
  return `${entity} conforms to the ${MODEL[kind] ?? kind} model`;
}

function testCases(input: ReportInput, lanes: Lanes | undefined, extras: JunitExtras): Case[] {
  const { header, result, run } = input;
  const unknowns = new Set(result.unknowns);
  const take = (prefix: string): string[] => {
    const found = [...unknowns].filter((u) => u.startsWith(prefix));
    for (const u of found) unknowns.delete(u);
    return found;
  };
  const cases: Case[] = [];

  cases.push(steadyStateCase('before', run.steadyStateBefore, run.abortReason, opMs(lanes, 'steady-state', { when: 'before' })));

  // One case per rule and entity, in the order they are told; violations join the case of their rule.
  const byKey = new Map<string, Case>();
  const add = (entity: string, rule: string, name: string): Case => {
    const key = `${entity}\u0000${rule}`;
    let c = byKey.get(key);
    if (!c) {
      // Entities are checked together over the whole run, not one after another: no time of their own.
      c = { name, ms: 0, failures: [], errors: [] };
      byKey.set(key, c);
      cases.push(c);
    }
    return c;
  };

  const entities: Pick<Lane, 'entity' | 'kind' | 'name'>[] = lanes?.lanes ?? [
    ...header.cluster.nodes.map((n) => ({ entity: `node/${n}`, kind: 'node' as const, name: n })),
    ...header.cluster.vms.map((v) => ({ entity: `vm/${v.name}`, kind: 'vm' as const, name: v.name })),
  ];
  const migrated = lanes?.migrations.count ? migratedVms(lanes, header.cluster.vms.map((v) => v.name)) : new Set<string>();
  const reported = lanes?.migrations;
  for (const e of entities) {
    const model = add(e.entity, e.kind === 'vm' ? 'clustered-vm' : 'node-membership', modelCaseName(e.entity, e.kind));
    for (const u of take(`${e.entity} `)) model.errors.push({ message: u, type: 'unknown', text: u });
    if (e.kind === 'node') {
      if (lanes?.eventCount) add(e.entity, 'event-log', ruleCaseName(e.entity, 'event-log'));
      if (reported?.count) add(e.entity, LIMIT_RULE, ruleCaseName(e.entity, LIMIT_RULE));
    } else if (migrated.has(e.name)) {
      for (const rule of VM_MIGRATION_RULES) {
        if (rule === 'migration-pass-limit' && !reported?.passes) continue;
        if (rule === 'migration-blackout' && !reported?.blackoutMs) continue;
        const c = add(e.entity, rule, ruleCaseName(e.entity, rule));
        if (rule === 'migration-time') {
          for (const u of take(`${e.name}'s live migration `)) c.errors.push({ message: u, type: 'unknown', text: u });
        }
      }
    }
  }
  if (reported?.count) add('cluster', LIMIT_RULE, ruleCaseName('cluster', LIMIT_RULE));

  // Each violation on the case of its rule and entity (one made for a rule no lane foresaw).
  const own = new Map<Case, Violation[]>();
  for (const v of result.violations) {
    if (v.rule === 'steady-state') continue;
    const kind = v.entity.startsWith('vm/') ? 'vm' : 'node';
    const isModel = v.rule === (kind === 'vm' ? 'clustered-vm' : 'node-membership') && v.entity !== 'cluster';
    const c = add(v.entity, v.rule, isModel ? modelCaseName(v.entity, kind) : ruleCaseName(v.entity, v.rule));
    own.set(c, [...(own.get(c) ?? []), v]);
  }
  for (const [c, vs] of own) {
    for (const [i, v] of vs.entries()) c.failures.push(failureOf(v, vs.length > 1 ? ` (violation ${i + 1} of ${vs.length} on ${v.entity})` : ''));
  }

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

  if (run.soak) cases.push(soakCase(run.soak, result.verdict));

  if (extras.residue) {
    const c: Case = { name: 'residue scan: the run left nothing behind on the cluster', ms: 0, failures: [], errors: [] };
    take('the run left residue on the cluster');
    // A dirty residue makes the verdict unknown, not fail (the models were not broken): an error, as CI reads it.
    for (const f of extras.residue.findings) c.errors.push({ message: f, type: 'residue', text: f });
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

/**
 * The VMs live-migrated in the run (what the migration checker replays): named by a live-migrate op, or moved
 * by a drain or failback (its value). When the report kept only the first operations, every VM is counted in.
 */
function migratedVms(lanes: Lanes, all: string[]): Set<string> {
  if (lanes.operationsOmitted > 0) return new Set(all);
  const vms = new Set<string>();
  for (const o of lanes.operations) {
    if (o.f === 'live-migrate') for (const vm of [o.args.vm].flat()) if (typeof vm === 'string') vms.add(vm);
    const moves = (o.value as Partial<DrainValue> | undefined)?.migrations;
    if (Array.isArray(moves)) for (const m of moves) if (typeof m?.vm === 'string') vms.add(m.vm);
  }
  return vms;
}

/**
 * The soak's account as one case: it fails with each anomaly listed when the run did not pass; when the
 * models explain every anomaly (the verdict is pass), the case passes and says so in its output.
 */
function soakCase(soak: NonNullable<ReportInput['run']['soak']>, verdict: string): Case {
  // A name that stays the same run after run (CI tools follow a test case by its name); the figures go in its output.
  const c: Case = { name: 'soak: every iteration without an anomaly', ms: 0, failures: [], errors: [], out: `${soak.iterations} iterations done` };
  if (!soak.anomalyCount) return c;
  const listed = soak.anomalies.map((a) => `iteration ${a.iteration} at ${formatT(a.t)}: ${a.what}`);
  const more = soak.anomalyCount > listed.length ? [`… and ${soak.anomalyCount - listed.length} more anomalous iterations`] : [];
  if (verdict === 'pass') {
    c.out = [`${soak.iterations} iterations done; ${soak.anomalyCount} anomalous, each explained by the models:`, ...listed, ...more].join('\n');
    return c;
  }
  for (const [i, a] of soak.anomalies.entries()) {
    const message = `anomaly in soak iteration ${a.iteration} at ${formatT(a.t)}: ${a.what}`;
    c.failures.push({ message, type: 'soak-anomaly', text: i === soak.anomalies.length - 1 && more.length ? `${message}\n${more[0]}` : message });
  }
  return c;
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
