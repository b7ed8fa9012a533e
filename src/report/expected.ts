import type { Violation } from '../check/result.js';
import { formatT } from '../check/time.js';
import { escapeHtml as esc } from './escape.js';
import type { Lane } from './lanes.js';

/** Fills of the strip: the model allows what was observed; it expected something else; not fully checked. */
export const ALLOWED_FILL = '#a5d6a7';
export const EXPECTED_FILL = '#ffcdd2';
export const UNCHECKED_FILL = '#ffe0b2';

/** The rules that judge an entity's state against its model (checker.ts): their violations last as long as the state observed. */
const STATE_RULES = new Set(['node-membership', 'clustered-vm']);

const CHAR_W = 5.6; // average width of a character of the strip's 10px text

/**
 * What the model expected of one lane's entity, drawn as a strip under its observed states. The checker says
 * where observation and model part (its violations), not the model's state at every moment, so the strip is
 * green wherever every observation is a state the model allows, and red where it expected something else,
 * with its words (`expected Up or Isolated`): from the violation for as long as the state it rejected went on
 * being observed, up to the next operation (`stops`: after it the model expects anew) or the lane's next
 * violation. Amber when the checker reported this entity as not (fully) checked.
 */
export function expectedStripSvg(
  lane: Lane,
  violations: readonly { n: number; v: Violation }[],
  unknowns: readonly string[],
  stops: readonly number[],
  y: number,
  height: number,
  x: (t: number) => number,
  plotRight: number,
): string {
  if (!lane.intervals.length) return '';
  const from = lane.firstSeen ?? lane.intervals[0]!.from;
  const to = lane.lastSeen ?? lane.intervals.at(-1)!.to;
  const about = unknowns.filter((u) => u.startsWith(`${lane.entity} `));
  const base = about.length
    ? `${lane.name}: not fully checked against the model: ${about.join('; ')}`
    : `${lane.name}: every observation ${violations.length ? 'outside the red parts ' : ''}is a state the model allows`;
  const out: string[] = [`<g class="expected" data-entity="${esc(lane.entity)}">`];
  out.push(
    `<rect class="expected-${about.length ? 'unchecked' : 'allowed'}" x="${r1(x(from))}" y="${r1(y)}" width="${r1(Math.max(x(to) - x(from), 1.5))}" height="${height}" fill="${about.length ? UNCHECKED_FILL : ALLOWED_FILL}"><title>${esc(base)}</title></rect>`,
  );
  let textEnd = -Infinity;
  const groups = atSameTime(violations);
  for (const [k, group] of groups.entries()) {
    const { v } = group[0]!;
    const next = groups[k + 1]?.[0]!.v.t ?? Infinity;
    const x0 = x(v.t);
    const until = STATE_RULES.has(v.rule) ? Math.min(observedUntil(lane, v.t), next, stops.find((s) => s > v.t) ?? Infinity) : v.t;
    const x1 = Math.max(x(until), x0 + 3);
    const expected = [...new Set(group.map((g) => g.v.expected))].join('; ');
    const words = `expected ${expected}`;
    const tip = group.map(({ n, v: w }) => `violation ${n}: ${lane.name} expected ${w.expected}, observed ${w.observed} at ${formatT(w.t)}`).join('\n');
    out.push(
      `<rect class="expected-violated" x="${r1(x0)}" y="${r1(y)}" width="${r1(x1 - x0)}" height="${height}" fill="${EXPECTED_FILL}" stroke="#d50000" stroke-width="1"><title>${esc(tip)}</title></rect>`,
    );
    // Its words from its start, over the green beyond if need be, never over the previous one's, cut at the plot's edge.
    if (x0 + 3 < textEnd) continue;
    const room = Math.floor((Math.min(plotRight, Math.max(x1, next === Infinity ? plotRight : x(next))) - x0 - 6) / CHAR_W);
    if (room < 6) continue;
    const text = words.length > room ? `${words.slice(0, room - 1)}…` : words;
    out.push(`<text class="expected-text" x="${r1(x0 + 3)}" y="${r1(y + height - 2.5)}">${esc(text)}</text>`);
    textEnd = x0 + 3 + text.length * CHAR_W + 8;
  }
  out.push('</g>');
  return out.join('');
}

/** Violations of one lane grouped by the time they were observed (two rules can reject one observation). */
function atSameTime(violations: readonly { n: number; v: Violation }[]): { n: number; v: Violation }[][] {
  const groups = new Map<number, { n: number; v: Violation }[]>();
  for (const item of [...violations].sort((a, b) => a.v.t - b.v.t)) {
    const g = groups.get(item.v.t);
    if (g) g.push(item);
    else groups.set(item.v.t, [item]);
  }
  return [...groups.values()];
}

/** The end of the observed interval that holds `t`: how long the rejected state went on being observed. */
function observedUntil(lane: Lane, t: number): number {
  let until = t;
  for (const iv of lane.intervals) {
    if (iv.from > t) break;
    until = Math.max(iv.to, t); // intervals are in order: the last that starts by t holds it
  }
  return until;
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);
