/**
 * A chai plugin so acceptance suites read like tests:
 *
 * ```ts
 * import { use, expect } from 'chai';
 * import { clusterchaos } from '../src/testing/index.js';
 * use(clusterchaos);
 *
 * expect(run).to.conform();
 * await expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('15s');
 * await expect(run).to.have.transition('node/N2', 'Up', 'Isolated').after('kill-clussvc').within('15s');
 * ```
 *
 * `run` is anything with `{ tracePath, result }` (what the CLI's runExperiment and storedRun give).
 *
 * What `within(d)` measures: from the stimulus to the first observation in the second state. The stimulus is
 * the latest fault injected before that observation (the `op` invoke line of the nemesis), or with
 * `.after('kill-clussvc')` the latest invoke of that fault (none: the assertion fails). Without any fault
 * before it (and no `after`), from the last observation in the first state.
 * A transition is the entity's last observation in the first state followed, for that entity, by one in the
 * second (nothing observed in between), compared by display state (see states.ts).
 * `conform()` is synchronous: it reads the check result only. `transition()` reads the trace (streaming), so it
 * is asynchronous and must be awaited; one that is never awaited fails loudly (an uncaught error) instead of
 * passing silently.
 */
import type { CheckResult } from '../check/index.js';
import { formatT, seconds } from '../check/time.js';
import { formatViolation, quoteLines } from './format.js';
import { followEntity, type EntityStory, type ObservedTransition } from './transitions.js';

/** A checked run: its trace file and the checker's result for it. */
export interface CheckedRun {
  tracePath: string;
  result: CheckResult;
}

/** The pending assertion `transition()` returns: narrow it with `after` and `within`, then await it. */
export interface TransitionAssertion extends PromiseLike<void> {
  /** Measure `within` from the latest injection of this fault (its `op` invoke line), e.g. `'kill-clussvc'`. */
  after(fault: string): TransitionAssertion;
  /** The transition's second state was first observed at most this long after the stimulus: `'15s'`, `'1m30s'`, `500` (ms). */
  within(duration: string | number): TransitionAssertion;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** The run's check found no violation and no unknown. */
      conform(): Assertion;
      /**
       * The entity (`node/N2`, `vm/sql01`) was observed going from one state straight to the other. States are
       * display states: a node's State, or `Isolated` / `Quarantined` when its StatusInformation says so; a VM's
       * Get-VM State, or `Unmonitored` for a Running VM whose group is flagged Unmonitored. Await it.
       */
      transition(entity: string, from: string, to: string): TransitionAssertion;
    }
  }
}

export function isCheckedRun(x: unknown): x is CheckedRun {
  const r = x as CheckedRun | null | undefined;
  return typeof r === 'object' && r !== null && typeof r.tracePath === 'string' && typeof r.result === 'object' && r.result !== null && Array.isArray(r.result.violations);
}

function requireRun(x: unknown, what: string): CheckedRun {
  if (!isCheckedRun(x)) throw new TypeError(`${what}: expected a checked run ({ tracePath, result }), got ${describe(x)}`);
  return x;
}

function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  return `an object with keys ${Object.keys(x).join(', ') || '(none)'}`;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** `'15s'`, `'500ms'`, `'1m30s'`, `'2.5s'`, or a number of milliseconds. */
export function parseDuration(d: string | number): number {
  if (typeof d === 'number') {
    if (Number.isFinite(d) && d >= 0) return d;
  } else if (/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(d)) {
    let total = 0;
    for (const m of d.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
    return total;
  }
  throw new TypeError(`within(${JSON.stringify(d)}): expected a duration such as '15s', '500ms' or '1m30s', or a number of milliseconds`);
}

/** The plugin: `chai.use(clusterchaos)`. */
export const clusterchaos: Chai.ChaiPlugin = (chai) => {
  chai.Assertion.addMethod('conform', function (this: Chai.AssertionStatic) {
    const run = requireRun(this._obj, 'conform()');
    const { violations, unknowns, verdict, reason } = run.result;
    const ok = violations.length === 0 && unknowns.length === 0;
    const found = [
      violations.length ? `${violations.length} violation${violations.length === 1 ? '' : 's'}` : '',
      unknowns.length ? `${unknowns.length} unknown${unknowns.length === 1 ? '' : 's'}` : '',
    ].filter(Boolean).join(' and ');
    const details = [
      ...violations.flatMap((v, i) => ['', `violation ${i + 1}:`, formatViolation(v)]),
      ...(unknowns.length ? [''] : []),
      ...unknowns.map((u) => `unknown: ${u}`),
    ];
    this.assert(
      ok,
      () => [`expected the run to conform to the models, but the checker found ${found} (verdict: ${verdict} — ${reason})`, ...details, '', `trace: ${run.tracePath}`].join('\n'),
      () => `expected the run not to conform to the models, but the checker found no violation and no unknown (verdict: ${verdict} — ${reason}); trace: ${run.tracePath}`,
      'no violations, no unknowns',
      found,
      false,
    );
  });

  chai.Assertion.addMethod('transition', function (this: Chai.AssertionStatic, entity: string, from: string, to: string) {
    const run = requireRun(this._obj, `transition(${JSON.stringify(entity)}, …)`);
    return pendingTransition(this, run, { entity, from, to });
  });
};

interface TransitionQuery {
  entity: string;
  from: string;
  to: string;
  fault?: string;
  withinMs?: number;
  within?: string;
}

function pendingTransition(assertion: Chai.AssertionStatic, run: CheckedRun, query: TransitionQuery): TransitionAssertion {
  const q = { ...query };
  let started: Promise<void> | undefined;
  let abandoned = false;
  const call = `transition(${JSON.stringify(q.entity)}, ${JSON.stringify(q.from)}, ${JSON.stringify(q.to)})`;
  // An assertion nobody awaits would never run: fail loudly rather than pass in silence.
  const stack = new Error().stack;
  setImmediate(() => {
    if (started || abandoned) return;
    const e = new Error(`expect(run).to.have.${call} was never awaited, so it checked nothing: write \`await expect(run)…\``);
    e.stack = `${e.message}\n${stack?.split('\n').slice(1).join('\n') ?? ''}`;
    throw e;
  });
  const pending: TransitionAssertion = {
    after(fault: string) {
      if (started) throw new Error(`${call}: after() must come before the assertion is awaited`);
      q.fault = fault;
      return pending;
    },
    within(duration: string | number) {
      if (started) throw new Error(`${call}: within() must come before the assertion is awaited`);
      try {
        q.withinMs = parseDuration(duration);
      } catch (e) {
        abandoned = true; // the error says what is wrong; the never-awaited guard would only repeat it
        throw e;
      }
      q.within = typeof duration === 'number' ? `${duration} ms` : duration;
      return pending;
    },
    then(onFulfilled, onRejected) {
      started ??= decide(assertion, run, q);
      return started.then(onFulfilled, onRejected);
    },
  };
  return pending;
}

async function decide(assertion: Chai.AssertionStatic, run: CheckedRun, q: TransitionQuery): Promise<void> {
  const story = await followEntity(run.tracePath, q);
  const seen = q.withinMs === undefined ? story.transitions[0] : story.inTime;
  const what = (not: string) => `${q.entity} ${not}to go from ${q.from} to ${q.to}${q.within ? ` within ${q.within} ${measuredFrom(q)}` : ''}`;
  const listAll = q.withinMs !== undefined && story.transitionCount > 0;
  assertion.assert(
    seen !== undefined,
    () => [`expected ${what('')}, but ${notSeen(story, q)}`, ...(listAll ? transitionList(story, q) : []), ...explain(story, q, run)].join('\n'),
    () => [`expected ${what('not ')}, but it did:`, ...transitionLines(seen!, q), ...explain(story, q, run)].join('\n'),
    `${q.from} → ${q.to}`,
    story.changes.map((c) => c.state).join(' → '),
    false,
  );
}

function measuredFrom(q: TransitionQuery): string {
  return q.fault ? `of the latest ${q.fault} before it` : 'of the latest fault injected before it';
}

function notSeen(story: EntityStory, q: TransitionQuery): string {
  if (story.observations === 0) return `the trace has no observation of ${q.entity}`;
  if (story.transitionCount === 0) return `${q.entity} never went from ${q.from} straight to ${q.to}`;
  const times = story.transitionCount === 1 ? 'once' : `${story.transitionCount} times`;
  return `it went from ${q.from} to ${q.to} ${times}, never in time:`;
}

function transitionLines(t: ObservedTransition, q: TransitionQuery): string[] {
  const from = t.stimulus ? `after ${t.stimulus.f} at ${formatT(t.stimulus.line.t)}` : q.fault ? `(no ${q.fault} before it)` : `after the last ${q.from} observation at ${formatT(t.lastFrom.t)}`;
  const took = t.elapsedMs === undefined ? '' : `${seconds(t.elapsedMs)} `;
  return [`  ${q.to} first observed at ${formatT(t.firstTo.t)}, ${took}${from} (last ${q.from} at ${formatT(t.lastFrom.t)})`];
}

/** Each time the entity made the transition (the first five), with how long it took. */
function transitionList(story: EntityStory, q: TransitionQuery): string[] {
  const out = story.transitions.slice(0, 5).flatMap((t) => transitionLines(t, q));
  if (story.transitionCount > 5) out.push(`  … (${story.transitionCount - 5} more)`);
  return out;
}

/** What was observed for the entity, and the trace lines around the transition (or around its state changes). */
function explain(story: EntityStory, q: TransitionQuery, run: CheckedRun): string[] {
  const out: string[] = [];
  if (story.observations) {
    const steps = story.changes.map((c, i) => (i === 0 ? `${c.state} (${formatT(c.t)})` : `${c.state} ${formatT(c.t)}`));
    const more = story.changeCount > story.changes.length ? ` … (${story.changeCount - story.changes.length} more changes)` : '';
    out.push(`observed ${q.entity} (${story.observations} observations): ${steps.join(' → ')}${more}`);
  }
  const t = story.inTime ?? story.transitions[0];
  if (t) {
    const lines = [...(t.stimulus ? [t.stimulus.line] : []), t.lastFrom, t.firstTo];
    out.push('trace:', ...quoteLines(lines, lines.map((l) => l === t.firstTo)));
  } else if (story.changeLines.length) {
    out.push(`trace (where ${q.entity} changed state):`, ...quoteLines(story.changeLines));
  }
  out.push(`trace file: ${run.tracePath}`);
  return out;
}
