import { isNemesis } from '../trace/process.js';
import type { QuotedLine } from '../check/index.js';
import { readTrace } from '../trace/reader.js';
import { displayState } from './states.js';

/** One time the entity was seen leaving `from` for `to`: its last observation in `from`, its first in `to`. */
export interface ObservedTransition {
  lastFrom: QuotedLine;
  firstTo: QuotedLine;
  /** The stimulus it is measured from (the latest fault injection before `firstTo`), if any. */
  stimulus?: { f: string; line: QuotedLine };
  /** What `within` compares: from the stimulus (or, without one, from `lastFrom`) to `firstTo`. */
  elapsedMs: number | undefined;
}

/** What the trace says about one entity, enough to decide a transition assertion and to explain a failure. */
export interface EntityStory {
  /** Observations of the entity in the trace. */
  observations: number;
  /** The entity's state changes in order (the first entries; `changeCount` says how many there were). */
  changes: { state: string; t: number; seq: number }[];
  changeCount: number;
  /** The observations where the state changed (quoted), in the same order (the first entries). */
  changeLines: QuotedLine[];
  /** Every time it went from `from` straight to `to` (the first entries; `transitionCount` says how many). */
  transitions: ObservedTransition[];
  transitionCount: number;
  /** The first transition whose elapsed time is within the limit, if a limit was given and one was. */
  inTime?: ObservedTransition;
}

const KEEP = 20;

/**
 * Streams the trace once and follows one entity (`node/N2`, `vm/sql01`) through its observations, by display
 * state (see states.ts). A transition from `from` to `to` is two consecutive distinct states of the entity:
 * the last observation in `from` directly followed, for that entity, by an observation in `to`.
 *
 * The stimulus of a transition is the latest `op` invoke line of a fault before its first observation in `to`:
 * with `fault` given, the latest invoke of that fault (`kill-clussvc`); otherwise the latest invoke by the
 * nemesis (the process that injects and reverts faults). Memory stays bounded: only the first KEEP changes and
 * transitions are kept, plus the first in time.
 */
export async function followEntity(
  tracePath: string,
  q: { entity: string; from: string; to: string; fault?: string; withinMs?: number },
): Promise<EntityStory> {
  const story: EntityStory = { observations: 0, changes: [], changeCount: 0, changeLines: [], transitions: [], transitionCount: 0 };
  let current: string | undefined;
  let last: QuotedLine | undefined;
  let stimulus: { f: string; line: QuotedLine } | undefined;
  for await (const { record, text } of readTrace(tracePath)) {
    if (record.type === 'op') {
      if (record.phase !== 'invoke') continue;
      if (q.fault ? record.f === q.fault : isNemesis(record.process)) stimulus = { f: record.f, line: { seq: record.seq, t: record.t, text } };
      continue;
    }
    if (record.type !== 'observe' || record.entity !== q.entity) continue;
    story.observations++;
    const state = displayState(record.entity, record.state);
    const line: QuotedLine = { seq: record.seq, t: record.t, text };
    if (state !== current) {
      story.changeCount++;
      if (story.changes.length < KEEP) {
        story.changes.push({ state, t: record.t, seq: record.seq });
        story.changeLines.push(line);
      }
      if (current === q.from && state === q.to && last) {
        const s = stimulus && stimulus.line.seq < record.seq ? stimulus : undefined;
        const start = s ? s.line.t : q.fault ? undefined : last.t;
        const seen: ObservedTransition = { lastFrom: last, firstTo: line, ...(s ? { stimulus: s } : {}), elapsedMs: start === undefined ? undefined : record.t - start };
        story.transitionCount++;
        if (story.transitions.length < KEEP) story.transitions.push(seen);
        if (!story.inTime && q.withinMs !== undefined && seen.elapsedMs !== undefined && seen.elapsedMs <= q.withinMs) story.inTime = seen;
      }
      current = state;
    }
    last = line;
  }
  return story;
}
