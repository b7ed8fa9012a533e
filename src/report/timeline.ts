import type { Violation } from '../check/result.js';
import type { MigrationSeries } from './migrations.js';
import { formatT, seconds } from '../check/time.js';
import { escapeHtml as esc } from './escape.js';
import { ALLOWED_FILL, EXPECTED_FILL, expectedStripSvg, UNCHECKED_FILL } from './expected.js';
import type { Interval, Lane, Lanes } from './lanes.js';
import { faultLabel, type FaultWindow } from './operations.js';
import { legendOrder, MANY_CHANGES, stateColour } from './states.js';

/** Geometry of the drawing, in SVG user units (the SVG scales to the page width). */
const LABEL_W = 170;
const PLOT_W = 1000;
const RIGHT = 24;
const WIDTH = LABEL_W + PLOT_W + RIGHT;
const FAULT_ROW = 15;
const MAX_FAULT_ROWS = 4;
const AXIS_H = 22;
const BOX_H = 20;
const EXPECTED_H = 11; // the model's strip under each lane's observed states (expected.ts)
const EVENT_H = 6;
const LANE_PITCH = BOX_H + 1 + EXPECTED_H + EVENT_H + 5;
/** Above this many owner changes on a lane, marking each would paint it black: the lane says how many instead. */
const MAX_OWNER_MARKS = 60;
const FAULT_CHAR_W = 7.2; // the fault labels are the same size, bold

/** `mm:ss` (or `h:mm:ss`) for the time axis. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

const TICK_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

function tickStep(endMs: number): number {
  for (const s of TICK_STEPS_S) if (endMs / (s * 1000) <= 12) return s * 1000;
  return Math.ceil(endMs / 12 / 86_400_000) * 86_400_000;
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

/** Dark text on light fills, white text on dark ones. */
function textColour(fill: string): string {
  const n = parseInt(fill.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#1a1a1a' : '#ffffff';
}

/** Where a lane's boxes go: its index and vertical position. */
interface Row {
  lane: Lane;
  y: number;
}

/**
 * The timeline as inline SVG: a time axis in mm:ss from the run's start, one lane per node then per VM
 * with a coloured box per state interval (state and owner written inside when there is room; a `<title>`
 * tooltip always), under it a strip of what the model expected (expected.ts), owner changes marked, fault
 * windows shaded across every lane and labelled, Windows events as ticks under their node's lane, and each
 * violation as a numbered red marker on its lane that links to its entry in the violations list. Needs no
 * script and no external resource.
 */
export function timelineSvg(
  lanes: Pick<Lanes, 'lanes' | 'faults' | 'operations' | 'events' | 'endT'>,
  violations: Violation[],
  endMs: number,
  unknowns: readonly string[] = [],
  /** Draw only these minutes (the zoom around the first violation): the lanes, faults and events given are theirs. */
  window?: { from: number; to: number },
): string {
  const start = window?.from ?? 0;
  const end = window ? Math.max(window.to, start + 1) : Math.max(endMs, lanes.endT, 1);
  const x = (t: number): number => LABEL_W + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * PLOT_W;
  const faults = window ? lanes.faults.filter((w) => w.end >= start && w.injectedAt <= end) : lanes.faults;
  const { rows: faultRows, placed } = placeFaultLabels(faults, x);
  const axisY = faultRows * FAULT_ROW + AXIS_H;
  const lanesTop = axisY + 6;
  const vmsFrom = firstVm(lanes);
  // A little gap between the nodes and the VMs.
  const rows: Row[] = lanes.lanes.map((lane, i) => ({ lane, y: lanesTop + i * LANE_PITCH + (i >= vmsFrom ? 8 : 0) }));
  const lanesBottom = rows.length ? rows.at(-1)!.y + LANE_PITCH : lanesTop + LANE_PITCH;
  // Under the lanes, each violation in words (the first MAX_CALLOUTS), tied to its marker by a dashed line.
  const seen = (v: Violation): boolean => v.t >= start && v.t <= end;
  const callouts = layoutCallouts(violations, x, lanesBottom + 10, seen);
  const height = lanesBottom + 8 + (callouts.height ? 10 + callouts.height : 0);
  const out: string[] = [];
  out.push(
    `<svg class="timeline" viewBox="0 0 ${WIDTH} ${r1(height)}" width="${WIDTH}" height="${r1(height)}" role="img" aria-label="timeline of every node and VM">`,
    '<defs><pattern id="many-changes" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">' +
      '<line x1="0" y1="0" x2="0" y2="6" stroke="#263238" stroke-opacity="0.55" stroke-width="2.5"/></pattern></defs>',
  );

  // Time axis and grid.
  const step = tickStep(end - start);
  out.push(`<g class="axis"><line x1="${LABEL_W}" y1="${axisY}" x2="${LABEL_W + PLOT_W}" y2="${axisY}" stroke="#90a4ae"/>`);
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    const tx = r1(x(t));
    out.push(`<line x1="${tx}" y1="${axisY - 4}" x2="${tx}" y2="${r1(lanesBottom)}" stroke="#eceff1"/>`);
    out.push(`<text x="${tx}" y="${axisY - 7}" text-anchor="middle" class="tick">${clock(t)}</text>`);
  }
  out.push('</g>');

  // Lanes: label, background, state boxes, owner changes, event ticks.
  // After an operation the model expects anew: a violation's red in the expected strip stops there.
  const stops = [...lanes.operations.map((o) => o.invokedAt), ...faults.flatMap((w) => [w.injectedAt, w.end])].sort((a, b) => a - b);
  for (const { lane, y } of rows) {
    out.push(laneSvg(lane, y, x));
    const own = violations.flatMap((v, i) => (v.entity === lane.entity && seen(v) ? [{ n: i + 1, v }] : []));
    out.push(`<text class="expected-label" x="${LABEL_W - 8}" y="${r1(y + BOX_H + EXPECTED_H - 1.5)}" text-anchor="end">expected</text>`);
    out.push(expectedStripSvg(lane, own, unknowns, stops, y + BOX_H + 1, EXPECTED_H, x, LABEL_W + PLOT_W));
  }
  out.push(eventTicks(lanes, rows, x));

  // Fault windows on top, translucent, so the states show through.
  out.push('<g class="faults">');
  for (const [i, w] of faults.entries()) {
    const x0 = x(w.injectedAt);
    const x1 = Math.max(x(w.end), x0 + 2);
    const top = placed[i] === undefined ? axisY : placed[i]! * FAULT_ROW + 4;
    // The shading lets the pointer through to the boxes below; the fault's own tooltip is on its band above the axis.
    out.push(
      `<g><rect class="fault" x="${r1(x0)}" y="${r1(top)}" width="${r1(x1 - x0)}" height="${r1(lanesBottom - top)}" fill="#5e35b1" fill-opacity="0.10" stroke="#5e35b1" stroke-opacity="0.6" stroke-dasharray="${w.revertedAt === undefined && w.resumedAt === undefined ? '4 3' : 'none'}" pointer-events="none"/>`,
      `<rect class="fault-band" x="${r1(x0)}" y="${r1(top)}" width="${r1(x1 - x0)}" height="${r1(Math.max(axisY - top, 4))}" fill="#5e35b1" fill-opacity="0.12"><title>${esc(faultTooltip(w))}</title></rect>`,
    );
    if (placed[i] !== undefined) {
      const text = `${faultLabel(w)}${w.outcome && w.outcome !== 'ok' ? ` (${w.outcome === 'fail' ? 'failed' : 'outcome unknown'})` : ''}`;
      // Near the right edge, written leftwards from the edge so it is not cut off.
      const lx = Math.min(x0 + 3, WIDTH - 4 - text.length * FAULT_CHAR_W);
      out.push(`<text class="fault-label" x="${r1(lx)}" y="${r1(top + 11)}">${esc(text)}</text>`);
    }
    out.push('</g>');
  }
  out.push('</g>');

  // Violations: a numbered red marker on the entity's lane (or on the axis for the cluster as a whole).
  // In reverse, so where two markers meet (two rules rejecting one observation) the lower number is on top.
  out.push('<g class="violations">');
  for (const [i, v] of [...violations.entries()].reverse()) {
    if (!seen(v)) continue;
    const row = rows.find((r) => r.lane.entity === v.entity);
    const cy = row ? row.y + BOX_H / 2 : axisY;
    const vx = r1(x(v.t));
    out.push(
      `<a href="#violation-${i + 1}"><title>${esc(`violation ${i + 1}: ${v.message}`)}</title>` +
        `<line x1="${vx}" y1="${r1(cy - BOX_H / 2 - 3)}" x2="${vx}" y2="${r1(cy + BOX_H / 2 + 3)}" stroke="#b71c1c" stroke-width="2"/>` +
        `<circle class="violation-marker" cx="${vx}" cy="${r1(cy)}" r="8" fill="#d50000" stroke="#ffffff" stroke-width="1.5"/>` +
        `<text x="${vx}" y="${r1(cy + 3.5)}" text-anchor="middle" class="violation-number">${i + 1}</text></a>`,
    );
  }
  out.push('</g>');
  if (callouts.height) out.push(calloutsSvg(callouts, rows, axisY, x));
  out.push('</svg>');
  return out.join('\n');
}

const MAX_CALLOUTS = 8;
const CALLOUT_H = 16;
const CALLOUT_CHAR_W = 6.9; // the callouts are a little larger than the boxes' text, and bold

interface Callout {
  n: number;
  v: Violation;
  full: string;
  /** One line, or two when the sentence does not fit beside its marker (split after its `;`). */
  lines: string[];
  leftward: boolean;
  y: number;
}

function layoutCallouts(violations: Violation[], x: (t: number) => number, top: number, seen: (v: Violation) => boolean): { items: Callout[]; more: number; moreY: number; height: number } {
  const mid = LABEL_W + PLOT_W / 2;
  const items: Callout[] = [];
  let y = top;
  const shown = [...violations.entries()].filter(([, v]) => seen(v));
  for (const [i, v] of shown.slice(0, MAX_CALLOUTS)) {
    const vx = x(v.t);
    // Written away from the nearer edge, on two lines if need be, cut to the room there is; the whole sentence is in the tooltip.
    const leftward = vx > mid;
    const maxChars = Math.max(12, Math.floor((leftward ? vx - 16 : WIDTH - vx - 16) / CALLOUT_CHAR_W));
    const full = `${i + 1}. ${explainViolation(v)}`;
    const split = full.indexOf('; ');
    const parts = full.length <= maxChars || split < 0 ? [full] : [full.slice(0, split + 1), `    ${full.slice(split + 2)}`];
    const lines = parts.map((p) => (p.length > maxChars ? `${p.slice(0, maxChars - 1)}…` : p));
    items.push({ n: i + 1, v, full, lines, leftward, y: y + CALLOUT_H / 2 });
    y += lines.length * CALLOUT_H + 2;
  }
  const more = Math.max(0, shown.length - MAX_CALLOUTS);
  const moreY = y + CALLOUT_H / 2 + 4;
  if (more) y += CALLOUT_H;
  return { items, more, moreY, height: y - top };
}

/**
 * A violation in one line a person reads without the trace: what the model expected, after what and under
 * which setting, and what was observed when. E.g. `N2: expected Isolated after kill-clussvc on N2 at 00:10.0
 * (ResiliencyDefaultPeriod = 60 s); observed Down at 00:21.0, 11.0 s after it`.
 */
export function explainViolation(v: Violation): string {
  const name = v.entity.includes('/') ? v.entity.slice(v.entity.indexOf('/') + 1) : v.entity;
  const after = v.since ? ` after ${v.since.what} at ${formatT(v.since.t)}` : '';
  const setting = v.setting ? ` (${v.setting.name} = ${v.setting.value} ${v.setting.unit})` : '';
  const later = v.since ? `, ${seconds(v.t - v.since.t)} after it` : '';
  return `${name}: expected ${v.expected}${after}${setting}; observed ${v.observed} at ${formatT(v.t)}${later}`;
}

function calloutsSvg(callouts: ReturnType<typeof layoutCallouts>, rows: Row[], axisY: number, x: (t: number) => number): string {
  const out: string[] = ['<g class="callouts">'];
  for (const { n, v, full, lines, leftward, y } of callouts.items) {
    const row = rows.find((r) => r.lane.entity === v.entity);
    const markerBottom = (row ? row.y + BOX_H / 2 : axisY) + 8;
    const vx = x(v.t);
    const tx = r1(leftward ? vx - 6 : vx + 6);
    const text = lines
      .map((line, k) => `<text class="callout" x="${tx}" y="${r1(y + 4 + k * CALLOUT_H)}" text-anchor="${leftward ? 'end' : 'start'}">${esc(line)}</text>`)
      .join('');
    out.push(
      `<a href="#violation-${n}"><title>${esc(full)}</title>` +
        `<line class="callout-leader" x1="${r1(vx)}" y1="${r1(markerBottom)}" x2="${r1(vx)}" y2="${r1(y)}" stroke="#b71c1c" stroke-width="1" stroke-dasharray="3 2"/>` +
        `<circle cx="${r1(vx)}" cy="${r1(y)}" r="2.5" fill="#b71c1c"/>${text}</a>`,
    );
  }
  if (callouts.more) {
    out.push(`<text class="callout" x="${LABEL_W}" y="${r1(callouts.moreY)}">… and ${callouts.more} more violations: see the list below</text>`);
  }
  out.push('</g>');
  return out.join('');
}

function firstVm(lanes: Pick<Lanes, 'lanes'>): number {
  const i = lanes.lanes.findIndex((l) => l.kind === 'vm');
  return i < 0 ? Infinity : i;
}

function laneSvg(lane: Lane, y: number, x: (t: number) => number): string {
  const out: string[] = [`<g class="lane" data-entity="${esc(lane.entity)}">`];
  const label = lane.label.length > 26 ? `${lane.label.slice(0, 25)}…` : lane.label;
  out.push(`<text class="lane-label" x="${LABEL_W - 8}" y="${r1(y + BOX_H / 2 + 4)}" text-anchor="end"><title>${esc(lane.entity)}</title>${esc(label)}</text>`);
  out.push(`<rect class="lane-bg" x="${LABEL_W}" y="${r1(y)}" width="${PLOT_W}" height="${BOX_H}" fill="#fafafa" stroke="#eceff1"/>`);
  if (!lane.intervals.length) {
    out.push(`<text class="box-text" x="${LABEL_W + 6}" y="${r1(y + BOX_H / 2 + 4)}" fill="#78909c">not observed</text>`);
  }
  let previousOwner: string | undefined;
  const marksOwners = lane.kind === 'vm' && lane.ownerChanges <= MAX_OWNER_MARKS;
  for (const iv of lane.intervals) {
    const x0 = x(iv.from);
    const w = Math.max(x(iv.to) - x0, 1.5);
    // A box of merged intervals takes the colour of the state it spent most time in, hatched over.
    // Merged intervals that all had one state (only the owner changed) are that state, not "many changes".
    const many = iv.merged !== undefined && Object.keys(iv.merged.states).length > 1;
    const fill = stateColour(iv.merged ? dominant(iv.merged.states) : iv.state);
    const tip = `<title>${esc(intervalTooltip(lane, iv))}</title>`;
    const box = `x="${r1(x0)}" y="${r1(y)}" width="${r1(w)}" height="${BOX_H}"`;
    out.push(`<rect class="state" ${box} fill="${fill}">${many ? '' : tip}</rect>`);
    if (many) out.push(`<rect class="many-changes" ${box} fill="url(#many-changes)">${tip}</rect>`);
    const text = boxText(lane, iv, w, iv.merged && !many ? dominant(iv.merged.states) : iv.state);
    if (text) {
      const attrs = many ? 'fill="#1a1a1a" stroke="#ffffff" stroke-width="3" paint-order="stroke"' : `fill="${textColour(fill)}"`;
      out.push(`<text class="box-text" x="${r1(x0 + 4)}" y="${r1(y + BOX_H / 2 + 4)}" ${attrs}>${esc(text)}</text>`);
    }
    if (marksOwners && previousOwner !== undefined && iv.owner !== undefined && iv.owner !== previousOwner) {
      out.push(
        `<g class="owner-change"><title>${esc(`${lane.name}: owner ${previousOwner} → ${iv.owner} at ${formatT(iv.from)}`)}</title>` +
          `<line x1="${r1(x0)}" y1="${r1(y - 3)}" x2="${r1(x0)}" y2="${r1(y + BOX_H + 3)}" stroke="#212121" stroke-width="2.5"/>` +
          `<path d="M${r1(x0 - 4)} ${r1(y - 5)} h8 l-4 5 z" fill="#212121"/></g>`,
      );
    }
    if (iv.owner !== undefined) previousOwner = iv.owner;
  }
  if (lane.kind === 'vm' && !marksOwners) {
    out.push(
      `<text class="owner-count" x="${LABEL_W + PLOT_W - 4}" y="${r1(y + BOX_H / 2 + 4)}" text-anchor="end"><title>${esc(`${lane.name} changed owner node ${lane.ownerChanges} times; hover a box for its owner`)}</title>${esc(`owner changed ${lane.ownerChanges} times`)}</text>`,
    );
  }
  out.push('</g>');
  return out.join('');
}

/**
 * The words inside a box, as many as fit: `Running on N2`, `Running`, or nothing. Never the owner alone: `N2`
 * in a red box reads as a node's name, not as the VM's state.
 */
function boxText(lane: Lane, iv: Interval, width: number, state: string): string | undefined {
  const fits = (s: string): boolean => textWidth(s, 11) + 8 <= width;
  const candidates = lane.kind === 'vm' && iv.owner !== undefined ? [`${state} on ${iv.owner}`, state] : [state];
  return candidates.find(fits);
}

/**
 * About how wide a string is in sans-serif at `px` (DejaVu Sans' advance widths, among the widest of the
 * fonts a browser picks for system-ui): narrow letters count for less, so `Isolated` is written in a box
 * a character count would call too small.
 */
export function textWidth(s: string, px: number): number {
  let em = 0;
  for (const c of s) {
    if ('iljI.,:;!|\''.includes(c)) em += 0.3;
    else if ('tfr '.includes(c)) em += 0.4;
    else if ('mwMW'.includes(c)) em += 0.95;
    else if (c >= 'A' && c <= 'Z') em += 0.72;
    else em += 0.62;
  }
  return em * px;
}

function dominant(states: Record<string, number>): string {
  return Object.entries(states).sort((a, b) => b[1] - a[1])[0]?.[0] ?? MANY_CHANGES;
}

function intervalTooltip(lane: Lane, iv: Interval): string {
  const span = `${formatT(iv.from)}–${formatT(iv.to)} (${seconds(iv.to - iv.from)})`;
  const owner = iv.owner !== undefined ? `, owner ${iv.owner}` : '';
  if (iv.merged) {
    const inside = Object.entries(iv.merged.states)
      .sort((a, b) => b[1] - a[1])
      .map(([s, ms]) => `${s} ${seconds(ms)}`)
      .join(', ');
    return `${lane.name}: ${iv.merged.count} intervals too short to draw, ${span}${owner}: ${inside}`;
  }
  return `${lane.name}: ${iv.state}${owner}, ${span}`;
}

function faultTooltip(w: FaultWindow): string {
  const injected = `${faultLabel(w)}: injected at ${formatT(w.injectedAt)} (${w.outcome ?? 'no completion'}${w.error ? `: ${w.error}` : ''})`;
  const resumed = w.resumedAt !== undefined ? `ended by resume-node at ${formatT(w.resumedAt)}; ` : '';
  const reverted =
    w.revertedAt !== undefined
      ? `reverted at ${formatT(w.revertedAt)} (${w.revertOutcome}${w.revertError ? `: ${w.revertError}` : ''})`
      : 'never reverted: shaded to the end of the run';
  return `${injected}; ${resumed}${reverted}`;
}

/** Give each fault label a row above the axis where it does not overlap another; undefined = no room. */
function placeFaultLabels(faults: FaultWindow[], x: (t: number) => number): { rows: number; placed: (number | undefined)[] } {
  const rowEnds: number[] = [];
  const placed = faults.map((w) => {
    const width = faultLabel(w).length * FAULT_CHAR_W;
    const x0 = Math.min(x(w.injectedAt), WIDTH - 4 - width); // as drawn: leftwards from the right edge when near it
    const x1 = x0 + width + 30;
    let row = rowEnds.findIndex((e) => e <= x0);
    if (row < 0 && rowEnds.length < MAX_FAULT_ROWS) row = rowEnds.push(0) - 1;
    if (row < 0) return undefined;
    rowEnds[row] = x1;
    return row;
  });
  return { rows: Math.max(rowEnds.length, 1), placed };
}

function eventTicks(lanes: Pick<Lanes, 'events'>, rows: Row[], x: (t: number) => number): string {
  const byNode = new Map(rows.filter((r) => r.lane.kind === 'node').map((r) => [r.lane.name, r.y]));
  const out: string[] = ['<g class="events">'];
  for (const e of lanes.events) {
    const y = byNode.get(e.node);
    if (y === undefined) continue;
    const colour = /error|critical/i.test(e.level) ? '#c62828' : /warn/i.test(e.level) ? '#ef6c00' : '#546e7a';
    const ex = r1(x(e.t));
    out.push(
      `<line class="event" x1="${ex}" y1="${r1(y + BOX_H + EXPECTED_H + 2)}" x2="${ex}" y2="${r1(y + BOX_H + EXPECTED_H + 2 + EVENT_H)}" stroke="${colour}" stroke-width="1.5"><title>${esc(`${formatT(e.t)} ${e.node} ${e.provider} ${e.id} (${e.level}): ${e.message}`)}</title></line>`,
    );
  }
  out.push('</g>');
  return out.join('');
}

/** The legend: the states drawn (in a fixed order), then the marks. */
export function legendHtml(lanes: Lanes, unknowns: readonly string[] = []): string {
  const states = new Set<string>();
  let many = false;
  for (const lane of lanes.lanes) {
    for (const iv of lane.intervals) {
      if (!iv.merged) states.add(iv.state);
      else for (const s of Object.keys(iv.merged.states)) states.add(s);
      if (iv.merged && Object.keys(iv.merged.states).length > 1) many = true;
    }
  }
  // States that share a colour share an entry (`Up / Running`: a node's and a VM's healthy state).
  const byColour = new Map<string, string[]>();
  for (const s of legendOrder(states)) byColour.set(stateColour(s), [...(byColour.get(stateColour(s)) ?? []), s]);
  const items = [...byColour].map(([fill, names]) => `<li><span class="swatch" style="background:${fill}"></span>${esc(names.join(' / '))}</li>`);
  if (many) items.push('<li><span class="swatch many"></span>many changes: intervals too short to draw, merged (coloured by the state they spent most time in)</li>');
  items.push(
    `<li><span class="swatch" style="background:${ALLOWED_FILL}"></span>expected strip under a lane: the model allows what was observed</li>`,
    `<li><span class="swatch expected-violated" style="background:${EXPECTED_FILL}"></span>expected strip: the model expected something else (said in the strip)</li>`,
  );
  if (lanes.lanes.some((l) => unknowns.some((u) => u.startsWith(`${l.entity} `)))) items.push(`<li><span class="swatch" style="background:${UNCHECKED_FILL}"></span>expected strip: not fully checked (see why the verdict is not pass)</li>`);
  items.push('<li><span class="swatch fault"></span>fault window, from injection to revert (dashed: never reverted)</li>');
  items.push('<li><span class="swatch owner"></span>VM owner change</li>');
  items.push('<li><span class="swatch violation"></span>violation (number in the list below)</li>');
  items.push(`<li><span class="swatch event"></span>Windows event on the node${lanes.eventCount > lanes.events.length ? ` (${lanes.events.length} of ${lanes.eventCount}, over the whole run: the most severe of each ${clockSpan(lanes.eventSliceMs)})` : ''}</li>`);
  return `<ul class="legend">${items.join('')}</ul>`;
}

/** A slice of the run in words: `8.5 min`, `2 s`. */
export function clockSpan(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** Round numbers for an axis from 0 to `max`: about `target` ticks at 1, 2 or 5 × 10^k. */
function niceStep(max: number, target: number): number {
  const raw = Math.max(max, 1e-9) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow);
}

const PLOT_LEFT = 64;
const PLOT_TOP = 14;
const PLOT_H = 200;

/**
 * Live-migration times over the run as inline SVG: x is the migration's place in the run (1 = the first),
 * y its time from request to completion. Up to SERIES_MAX_POINTS migrations one dot each (failed ones as
 * red crosses along the top); beyond, one bar per bucket of consecutive migrations, pale to the bucket's
 * maximum and dark to its median, so a soak of 100,000 migrations draws a few hundred bars.
 */
export function migrationPlotSvg(series: MigrationSeries): string {
  const plotW = WIDTH - PLOT_LEFT - RIGHT;
  const count = Math.max(series.count, 1);
  const times = series.points
    ? series.points.map((p) => p.totalMs ?? 0)
    : (series.buckets ?? []).map((b) => b.max ?? 0);
  const yStep = niceStep(Math.max(0, ...times) / 1000, 5) * 1000;
  const yMax = Math.max(yStep, Math.ceil(Math.max(0, ...times) / yStep) * yStep);
  const bottom = PLOT_TOP + PLOT_H;
  const height = bottom + 40;
  const xOf = (n: number): number => PLOT_LEFT + ((n - 0.5) / count) * plotW;
  const yOf = (ms: number): number => bottom - (ms / yMax) * PLOT_H;
  const out: string[] = [
    `<svg class="migrations" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="live-migration times over the run">`,
  ];
  out.push('<g class="axis">');
  for (let ms = 0; ms <= yMax + 1e-6; ms += yStep) {
    const y = r1(yOf(ms));
    out.push(`<line x1="${PLOT_LEFT}" y1="${y}" x2="${PLOT_LEFT + plotW}" y2="${y}" stroke="${ms ? '#eceff1' : '#90a4ae'}"/>`);
    out.push(`<text class="tick" x="${PLOT_LEFT - 6}" y="${r1(yOf(ms) + 4)}" text-anchor="end">${esc(seconds(ms).replace('.0 s', ' s'))}</text>`);
  }
  const nStep = Math.max(1, niceStep(count, 10));
  for (let n = nStep; n <= count; n += nStep) {
    const x = r1(xOf(n));
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#90a4ae"/><text class="tick" x="${x}" y="${bottom + 16}" text-anchor="middle">${n}</text>`);
  }
  out.push(`<text class="tick" x="${PLOT_LEFT + plotW / 2}" y="${bottom + 34}" text-anchor="middle">migration, in the order the run made them (${series.count} in all${series.buckets ? `; one bar per ${series.bucketSize}` : ''})</text>`);
  out.push('</g>');
  const cross = (x: number, title: string, colour: string): string =>
    `<path class="migration-failed" d="M${r1(x - 4)} ${PLOT_TOP - 4} l8 8 m0 -8 l-8 8" stroke="${colour}" stroke-width="2"><title>${esc(title)}</title></path>`;
  if (series.points) {
    out.push('<g class="points">');
    for (const p of series.points) {
      const x = xOf(p.n);
      if (p.outcome === 'fail') out.push(cross(x, `migration ${p.n}: failed`, '#d50000'));
      else if (p.outcome === 'info') out.push(cross(x, `migration ${p.n}: outcome unknown`, '#ef6c00'));
      else if (p.totalMs !== null) {
        out.push(`<circle class="migration" cx="${r1(x)}" cy="${r1(yOf(p.totalMs))}" r="2.5" fill="#1e88e5" fill-opacity="0.75"><title>migration ${p.n}: ${seconds(p.totalMs)}</title></circle>`);
      }
    }
    out.push('</g>');
  } else {
    out.push('<g class="buckets">');
    for (const b of series.buckets ?? []) {
      const x0 = xOf(b.from) - (0.5 / count) * plotW;
      const w = Math.max(((b.to - b.from + 1) / count) * plotW - 1, 1);
      const title = `migrations ${b.from}–${b.to}: ${b.completed} completed` +
        `${b.p50 !== null ? `, median ${seconds(b.p50)}, max ${seconds(b.max ?? b.p50)}` : ''}` +
        `${b.failed ? `, ${b.failed} failed` : ''}${b.unknown ? `, ${b.unknown} outcome unknown` : ''}`;
      out.push(`<g class="bucket"><title>${esc(title)}</title>`);
      if (b.max !== null) out.push(`<rect x="${r1(x0)}" y="${r1(yOf(b.max))}" width="${r1(w)}" height="${r1(bottom - yOf(b.max))}" fill="#90caf9"/>`);
      if (b.p50 !== null) out.push(`<rect x="${r1(x0)}" y="${r1(yOf(b.p50))}" width="${r1(w)}" height="${r1(bottom - yOf(b.p50))}" fill="#1565c0"/>`);
      out.push('</g>');
      if (b.failed) out.push(cross(x0 + w / 2, `migrations ${b.from}–${b.to}: ${b.failed} failed`, '#d50000'));
      else if (b.unknown) out.push(cross(x0 + w / 2, `migrations ${b.from}–${b.to}: ${b.unknown} outcome unknown`, '#ef6c00'));
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}
