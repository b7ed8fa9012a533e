import type { Millis } from '../trace/records.js';
import { MANY_CHANGES } from './states.js';

/**
 * A stretch of time during which every observation of one entity showed the same display state (and, for a
 * VM, the same owner node). It runs from the first observation that showed it to the first one that showed
 * something else (or, for the last one, to the entity's last observation).
 */
export interface Interval {
  from: Millis;
  to: Millis;
  state: string;
  /** A VM's owner node during the interval (a box of merged intervals has one only if they all agree). */
  owner?: string;
  /** Set on a MANY_CHANGES box: how many intervals it stands for and the time spent in each state within it. */
  merged?: { count: number; states: Record<string, Millis> };
}

/** What one entity did over the run: its intervals and the time it spent in each state. */
export interface EntityHistory {
  intervals: Interval[];
  /** Milliseconds spent in each display state (exact: never affected by merging intervals for drawing). */
  states: Record<string, Millis>;
  /** Changes of display state. */
  transitions: number;
  /** A VM's time per owner node. */
  owners: Record<string, Millis>;
  ownerChanges: number;
  observations: number;
  firstSeen?: Millis;
  lastSeen?: Millis;
  /** The first and the last change, exact whatever was merged for drawing: what a summary of many changes names. */
  firstChange?: Change;
  lastChange?: Change;
}

/** A change of display state or owner: at `t`, from one state (and owner) to the next. */
export interface Change {
  t: Millis;
  from: { state: string; owner?: string };
  to: { state: string; owner?: string };
}

/**
 * Folds one entity's observations into intervals as they stream past: equal consecutive observations
 * extend the current interval. Memory stays bounded on any run length: once there are more than twice
 * `maxIntervals`, the shortest neighbouring intervals are merged (see compactIntervals).
 */
export class IntervalBuilder {
  private kept: Interval[] = [];
  private current: Interval | undefined;
  private readonly history: Omit<EntityHistory, 'intervals'> = { states: {}, transitions: 0, owners: {}, ownerChanges: 0, observations: 0 };

  constructor(private readonly maxIntervals: number) {}

  observe(t: Millis, state: string, owner?: string): void {
    const h = this.history;
    h.observations++;
    h.firstSeen ??= t;
    h.lastSeen = t;
    const cur = this.current;
    if (cur && cur.state === state && cur.owner === owner) {
      cur.to = t;
      return;
    }
    if (cur) {
      cur.to = t;
      this.account(cur);
      if (cur.state !== state) h.transitions++;
      if (cur.owner !== owner) h.ownerChanges++;
      const change: Change = { t, from: stateOf(cur), to: owner === undefined ? { state } : { state, owner } };
      h.firstChange ??= change;
      h.lastChange = change;
      this.kept.push(cur);
      if (this.kept.length > 2 * this.maxIntervals) this.kept = compactIntervals(this.kept, this.maxIntervals);
    }
    this.current = owner === undefined ? { from: t, to: t, state } : { from: t, to: t, state, owner };
  }

  finish(): EntityHistory {
    const intervals = [...this.kept];
    if (this.current) {
      this.account(this.current);
      intervals.push(this.current);
      this.current = undefined;
    }
    return { ...this.history, intervals: compactIntervals(intervals, this.maxIntervals) };
  }

  private account(iv: Interval): void {
    const d = iv.to - iv.from;
    this.history.states[iv.state] = (this.history.states[iv.state] ?? 0) + d;
    if (iv.owner !== undefined) this.history.owners[iv.owner] = (this.history.owners[iv.owner] ?? 0) + d;
  }
}

function stateOf(iv: Interval): Change['from'] {
  return iv.owner === undefined ? { state: iv.state } : { state: iv.state, owner: iv.owner };
}

/**
 * At most `limit` intervals: runs of neighbouring intervals shorter than a threshold are merged into
 * MANY_CHANGES boxes (each at most about one threshold long, so the lane keeps its shape), doubling the
 * threshold until the lane fits. The threshold starts at the lane's span / `limit`, which is narrower than
 * anyone could see on a drawn lane.
 */
export function compactIntervals(intervals: Interval[], limit: number): Interval[] {
  if (intervals.length <= limit || intervals.length < 2) return intervals;
  const span = intervals.at(-1)!.to - intervals[0]!.from;
  let threshold = Math.max(1, span / limit);
  let out = intervals;
  while (out.length > limit) {
    out = mergeShort(out, threshold);
    threshold *= 2;
  }
  return out;
}

function mergeShort(intervals: Interval[], threshold: number): Interval[] {
  const out: Interval[] = [];
  let run: Interval[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(mergeRun(run));
    run = [];
  };
  for (const iv of intervals) {
    if (iv.to - iv.from >= threshold) {
      flush();
      out.push(iv);
      continue;
    }
    run.push(iv);
    if (iv.to - run[0]!.from >= threshold) flush();
  }
  flush();
  return out;
}

function mergeRun(run: Interval[]): Interval {
  const states: Record<string, Millis> = {};
  let count = 0;
  for (const iv of run) {
    if (iv.merged) {
      count += iv.merged.count;
      for (const [s, ms] of Object.entries(iv.merged.states)) states[s] = (states[s] ?? 0) + ms;
    } else {
      count++;
      states[iv.state] = (states[iv.state] ?? 0) + (iv.to - iv.from);
    }
  }
  const owner = run[0]!.owner;
  const box: Interval = { from: run[0]!.from, to: run.at(-1)!.to, state: MANY_CHANGES, merged: { count, states } };
  if (owner !== undefined && run.every((iv) => iv.owner === owner)) box.owner = owner;
  return box;
}
