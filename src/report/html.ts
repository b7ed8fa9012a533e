import { models, settingDefinitions, type Model } from '../../machines/index.js';
import { citedKeys, sources } from '../../machines/sources.js';
import type { Violation } from '../check/result.js';
import { formatT } from '../check/time.js';
import { allStates, machineGraph } from '../check/machine-graph.js';
import { wallClock, type WallClock } from './clock.js';
import { isObservation, migrationLines, quoteLine, realTime, settingOf, soakLines, whenOf } from './console.js';
import { escapeHtml as esc } from './escape.js';
import type { Lanes, Operation } from './lanes.js';
import { argText, valueText } from './operations.js';
import type { ReportInput } from './summary.js';
import { REPORT_CSS } from './style.js';
import { clockSpan, explainViolation, legendHtml, migrationPlotSvg, timelineSvg } from './timeline.js';

const VERDICT_WORD = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN' } as const;

/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no external resource) that reads top
 * to bottom: the verdict, seed and how to replay the run, the timeline with each violation said in words
 * under it (so one screen shows both), the settings, the violations with their evidence, the live migrations
 * (their times plotted over the run), the operations and the Windows events. Every string that comes from
 * the trace is escaped.
 */
export function htmlOf(input: ReportInput, lanes: Lanes): string {
  const { header, result } = input;
  const title = `${VERDICT_WORD[result.verdict]}: ${header.experiment.title}`;
  const clock = wallClock(header);
  const body = [
    banner(input, lanes, clock),
    timelineSection(input, lanes, clock),
    zoomSection(input, lanes),
    settingsSection(input),
    violationsSection(result.violations, clock),
    migrationsSection(input, lanes),
    operationsSection(lanes, clock),
    eventsSection(lanes, clock),
    modelsSection(input),
    coverageSection(input),
  ];
  return htmlPage(`${title} — clusterchaos`, REPORT_CSS, [
    ...body,
    sourcesSection(body.join('\n')),
    `<footer>clusterchaos · run ${esc(header.runId)} · started ${esc(header.startTime)} · trace: ${esc(input.tracePath)}</footer>`,
  ]);
}

/** One self-contained page: a run's report and a campaign's share its head. `title` is text (escaped here); `body` is HTML. */
export function htmlPage(title: string, css: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function banner({ header, result, run }: ReportInput, lanes: Lanes, clock: WallClock): string {
  const facts: [string, string][] = [
    ['experiment', `${header.experiment.name} (${header.experiment.file})`],
    ['target', header.target === 'sim' ? 'sim (the simulated cluster)' : header.target],
    ['cluster', `${header.cluster.name}: ${header.cluster.nodes.length} nodes, ${header.cluster.vms.length} VMs`],
    ['seed', String(header.seed)],
    ['defects', header.defects.length ? header.defects.join(', ') : 'none'],
    ['run', `${run.status}${run.abortReason ? `: ${run.abortReason}` : ''}${run.methodStopped ? ` — ${run.methodStopped}` : ''} · ${formatT(run.virtualMs)} on the run's clock · ${realTime(run.wallMs)} of real time`],
    ['started', wallText(clock, 0)],
    ['ended', `${wallText(clock, Math.max(run.virtualMs, lanes.endT))}${header.target === 'sim' ? ' (the simulator\'s clock is virtual: its wall-clock times are the start plus the run\'s clock)' : ''}`],
    ['cluster time zone', clock.zone],
    ...firstViolation(result.violations, lanes, clock),
    ['steady state before', steady(run.steadyStateBefore)],
    ['steady state after', steady(run.steadyStateAfter)],
  ];
  if (run.reverts.length) {
    facts.push(['reverts', run.reverts.map((r) => `${r.fault}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`).join('; ')]);
  }
  const unknowns = result.unknowns.length
    ? `<h2>Why the verdict is not pass</h2><ul class="unknowns">${result.unknowns.map((u) => `<li>${esc(u)}</li>`).join('')}</ul>`
    : '';
  return `<header class="banner ${result.verdict}">
<p class="verdict">${VERDICT_WORD[result.verdict]}</p>
<p class="reason">${esc(result.reason)}</p>
<h1>${esc(header.experiment.title)}</h1>
<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<p class="replay-label">Replay this run:</p>
<pre class="replay"><code>${esc(header.replay)}</code></pre>
${unknowns}
</header>`;
}

/** `2026-03-14 02:10:07 UTC · 03:10:07 cluster local time`. */
function wallText(clock: WallClock, t: number): string {
  const utc = clock.utc(t);
  if (!utc) return 'not recorded (the trace header has no start time)';
  const local = clock.local(t);
  return local ? `${utc} · ${local} cluster local time` : utc;
}

/** The first violation in the banner: when on both clocks, and in a soak its iteration (what the replay reaches). */
function firstViolation(violations: readonly Violation[], lanes: Lanes, clock: WallClock): [string, string][] {
  if (!violations.length) return [];
  const first = violations.reduce((a, b) => (b.t < a.t ? b : a));
  const iteration = lanes.zoom?.iteration;
  return [['first violation', `${formatT(first.t)} on the run's clock (${wallText(clock, first.t)})${iteration !== undefined ? `, in iteration ${iteration}` : ''}: ${first.entity} observed ${first.observed}`]];
}

function steady(s: { ok: boolean; detail: string } | undefined): string {
  return s ? `${s.ok ? 'ok' : 'NOT REACHED'}: ${s.detail}` : 'not checked';
}

const UNIT_WORDS: Record<string, string> = { s: 's', ms: 'ms', count: '', level: '' };

/** A setting's value with its unit: `60 s`, `3`, `2 (AlwaysIsolate)` stays `2`. */
function withUnit(value: number, unit: string | undefined): string {
  const u = unit === undefined ? '' : (UNIT_WORDS[unit] ?? unit);
  return u ? `${value} ${u}` : String(value);
}

/**
 * Every setting in force: its value with its unit, the documented default beside it and a mark where the run
 * differs from it (what the experiment chose, or the cluster was found at), and where the default comes from.
 */
function settingsSection({ header }: ReportInput): string {
  const known = new Map(settingDefinitions.map((d) => [d.name, d]));
  let changed = 0;
  const rows = Object.entries(header.settings).map(([k, v]) => {
    const d = known.get(k);
    const differs = d !== undefined && d.default !== v;
    if (differs) changed++;
    const unit = d?.unit === 'count' ? 'count' : d?.unit === 'level' ? 'level' : d?.unit ?? '';
    return `<tr class="${differs ? 'changed' : 'default'}" data-setting="${esc(k)}"><td>${esc(k)}</td><td class="num">${esc(withUnit(v, d?.unit))}</td><td>${esc(unit)}</td>` +
      `<td class="num">${d ? esc(withUnit(d.default, d.unit)) : '—'}</td><td class="mark">${differs ? `<span class="changed-mark" title="differs from the documented default">≠ default</span>` : ''}</td>` +
      `<td class="source">${d ? cite(d.source) : 'not a model setting'}</td></tr>`;
  });
  rows.push(`<tr class="default"><td>checker timing tolerance</td><td class="num">${esc(header.check.toleranceMs)} ms</td><td>ms</td><td></td><td></td><td class="source">the experiment's check.toleranceMs</td></tr>`);
  return `<section id="settings"><h2>Settings</h2>
<p class="note">${changed ? `${changed} setting${changed === 1 ? ' differs' : 's differ'} from the documented default (marked ≠).` : 'Every setting is at its documented default.'} Sources are listed at the end of the page.</p>
<table class="settings"><thead><tr><th>name</th><th>value</th><th>unit</th><th>documented default</th><th></th><th>source of the default</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function timelineSection({ result, run }: ReportInput, lanes: Lanes, clock: WallClock): string {
  return `<section id="timeline"><h2>Timeline</h2>
<p class="note">Time from the start of the run (${Math.max(run.virtualMs, lanes.endT) >= 3_600_000 ? 'h:mm:ss' : 'mm:ss'}), which was <span class="wall-start">${esc(wallText(clock, 0))}</span>: add a time to it to find the moment in Get-ClusterLog or the event viewer. One lane per node, then per VM: the states observed (polled), and under them the strip of what the model expected; hover a box for its state, times and owner.</p>
<div class="scroll">${timelineSvg(lanes, result.violations, run.virtualMs, result.unknowns)}</div>
${legendHtml(lanes, result.unknowns)}
${calloutList(result.violations)}</section>`;
}

/**
 * The minutes around the first violation at full detail: on a long run the whole-run timeline squeezes them into
 * a pixel or two (and merges their changes), yet they are what the morning-after reader wants to see.
 */
function zoomSection({ result, run }: ReportInput, lanes: Lanes): string {
  const z = lanes.zoom;
  const end = Math.max(run.virtualMs, lanes.endT);
  if (!z || !result.violations.length || (z.from <= 0 && z.to >= end)) return '';
  return `<section id="zoom"><h2>The ${clockSpan(z.to - z.from)} around the first violation${z.iteration !== undefined ? ` (iteration ${z.iteration})` : ''}</h2>
<p class="note">${formatT(z.from)}–${formatT(z.to)} of the run, every observation in it drawn (the timeline above merges what is too short to see at its scale).</p>
<div class="scroll">${timelineSvg({ lanes: z.lanes, faults: lanes.faults, operations: lanes.operations, events: z.events, endT: z.to }, result.violations, z.to, result.unknowns, { from: z.from, to: z.to })}</div></section>`;
}

const MAX_CALLOUT_ITEMS = 100;

/** Under the timeline, each violation in one sentence, numbered as its marker and linked to its evidence. */
function calloutList(violations: Violation[]): string {
  if (!violations.length) return '<p class="callouts-none">No violations: every observation fits the models.</p>';
  const items = violations
    .slice(0, MAX_CALLOUT_ITEMS)
    .map((v, i) => `<li><a class="badge" href="#violation-${i + 1}">${i + 1}</a> ${esc(explainViolation(v))}.</li>`);
  const more = violations.length > MAX_CALLOUT_ITEMS ? `<p class="note">… and ${violations.length - MAX_CALLOUT_ITEMS} more in the list below.</p>` : '';
  return `<div class="callouts"><h3>What went wrong, on the timeline above</h3><ol class="callouts">${items.join('\n')}</ol>${more}</div>`;
}

function migrationsSection({ header, run }: ReportInput, lanes: Lanes): string {
  const m = lanes.migrations;
  if (!m.count && !run.soak) return '';
  const lines = [...(run.soak ? soakLines(run.soak, header.replay) : []), ...(m.count ? migrationLines(m) : [])];
  const plot = m.series && m.series.count
    ? `<p class="note">Each migration's time from request to completion, in the order the run made them${m.series.buckets ? ` (${m.series.count} migrations: each bar is ${m.series.bucketSize} of them, pale to their maximum, dark to their median)` : ''}; failed ones are red crosses along the top. Hover for the figures.</p>
<div class="scroll">${migrationPlotSvg(m.series)}</div>`
    : '';
  return `<section id="migrations"><h2>Live migrations${m.count ? ` (${m.count})` : ''}</h2>
<pre class="migrations">${esc(lines.join('\n'))}</pre>
${plot}</section>`;
}

function violationsSection(violations: Violation[], clock: WallClock): string {
  if (!violations.length) return '<section id="violations"><h2>Violations</h2><p>None: every observation fits the models.</p></section>';
  const items = violations.map((v, i) => {
    const facts: [string, string][] = [
      ['rule', v.rule],
      ['entity', v.entity],
      ['expected', v.expected],
      ['observed', v.observed],
      ['when', whenOf(v)],
      ['wall clock', wallText(clock, v.t)],
    ];
    if (v.setting) facts.push(['setting', settingOf(v.setting)]);
    const width = Math.max(0, ...v.context.map((q) => String(q.seq).length));
    const quoted = v.context.map((q) => {
      const line = esc(quoteLine(q, width));
      return isObservation(v, q) ? `<mark>${line}</mark>` : line;
    });
    return `<li id="violation-${i + 1}"><h3><span class="badge">${i + 1}</span> ${esc(v.entity)}: observed ${esc(v.observed)}, expected ${esc(v.expected)}</h3>
<dl class="facts">${facts.map(([k, val]) => `<dt>${esc(k)}</dt><dd>${esc(val)}</dd>`).join('')}</dl>
<p class="message">${cite(v.message)}</p>
${quoted.length ? `<pre class="evidence">${quoted.join('\n')}</pre>` : ''}</li>`;
  });
  return `<section id="violations"><h2>Violations (${violations.length})</h2><ol class="violations">${items.join('\n')}</ol></section>`;
}

/**
 * Rows of the operations table shown in full; past them only the operations that did not complete ok. A soak's
 * thousands of rows of completed migrations (their figures are in the live-migration section) made the page
 * slow to open and hid the few that matter.
 */
const OPERATION_ROWS = 200;

function operationsSection(lanes: Lanes, clock: WallClock): string {
  if (!lanes.operations.length) return '<section id="operations"><h2>Operations</h2><p>No operations in the trace.</p></section>';
  const first = lanes.operations.slice(0, OPERATION_ROWS);
  const notOk = lanes.operations.slice(OPERATION_ROWS).filter((o) => o.outcome !== 'ok');
  const shown = [...first, ...notOk.slice(0, OPERATION_ROWS)];
  const rows = shown.map((o, i) => {
    const outcome = o.outcome ?? 'no completion';
    const gap = i === first.length && notOk.length ? '<tr class="gap"><td colspan="7">… after these, only the operations that did not complete ok:</td></tr>\n' : '';
    return `${gap}<tr class="${esc(o.outcome ?? 'open')}"><td class="num">${timeCell(clock, o.invokedAt)}</td><td class="num">${o.completedAt === undefined ? '' : timeCell(clock, o.completedAt)}</td>` +
      `<td>${esc(o.process)}</td><td>${esc(o.f)}</td><td>${esc(argsText(o))}</td><td class="outcome">${esc(outcome)}</td><td class="detail">${esc(detailText(o))}</td></tr>`;
  });
  const total = lanes.operations.length + lanes.operationsOmitted;
  const note =
    shown.length < total
      ? `<p class="note">Showing the first ${first.length} of the run's ${total} operations${notOk.length ? ` and ${Math.min(notOk.length, OPERATION_ROWS)} after them that did not complete ok` : ''}` +
        `${lanes.operationsOmitted ? ` (the report looked at the first ${lanes.operations.length})` : ''}; every operation is in trace.ndjson.</p>`
      : '';
  return `<section id="operations"><h2>Operations</h2>
<p class="note">Every fault, revert and runner step: its invoke and its completion (ok; fail = did not happen; info = may or may not have happened).</p>
<table class="operations"><thead><tr><th>invoked</th><th>completed</th><th>process</th><th>operation</th><th>arguments</th><th>outcome</th><th>error / value</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>${note}</section>`;
}

function argsText(o: Operation): string {
  return Object.entries(o.args)
    .map(([k, v]) => argText(k, v))
    .join(' ');
}

function detailText(o: Operation): string {
  if (o.error !== undefined) return o.error;
  if (o.value === undefined) return '';
  return valueText(o.value);
}

/** A moment on the run's clock, with its UTC time of day under it (the date is in the banner). */
function timeCell(clock: WallClock, t: number): string {
  const utc = clock.utc(t);
  return `${formatT(t)}${utc ? `<br><span class="wall" title="${esc(wallText(clock, t))}">${esc(utc.slice(11))}</span>` : ''}`;
}

function eventsSection(lanes: Lanes, clock: WallClock): string {
  if (!lanes.eventCount) return '<section id="events"><h2>Windows events</h2><p>No events were collected.</p></section>';
  const rows = lanes.events.map(
    (e) =>
      `<tr class="level-${esc(e.level.toLowerCase())}"><td class="num">${formatT(e.t)}</td><td class="num">${esc(clock.utc(e.t) ?? '')}</td><td class="num">${esc(clock.local(e.t) ?? '')}</td><td>${esc(e.node)}</td><td>${esc(e.log)}</td><td>${esc(e.provider)}</td>` +
      `<td class="num">${esc(e.id)}</td><td>${esc(e.level)}</td><td>${esc(e.message)}</td></tr>`,
  );
  const note =
    lanes.eventCount > lanes.events.length
      ? `<p class="note">Showing ${lanes.events.length} of the ${lanes.eventCount} events, spread over the whole run: the most severe of each ${clockSpan(lanes.eventSliceMs)}. All of them are in the trace.</p>`
      : '';
  return `<section id="events"><h2>Windows events (${lanes.eventCount})</h2>
<table class="events"><thead><tr><th>time</th><th>UTC</th><th>cluster local time</th><th>node</th><th>log</th><th>provider</th><th>id</th><th>level</th><th>message</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>${note}</section>`;
}

/** The models this run was checked against (the ones its coverage or violations name), as state and transition tables. */
function modelsSection({ result }: ReportInput): string {
  const involved = (Object.values(models) as Model[]).filter(
    (m) => result.coverage.some((c) => c.model === m.name) || result.violations.some((v) => v.rule === m.name),
  );
  if (!involved.length) return '';
  const parts = involved.map((m) => {
    const graph = machineGraph(m.machine);
    const exercised = new Map<string, number>();
    for (const c of result.coverage) if (c.model === m.name) exercised.set(`${c.from}\u0000${c.to}\u0000${c.event}`, c.count);
    const states = allStates(graph).map((st) => {
      const seen = st.tags.length ? st.tags.join(', ') : st.children.length ? 'as its substates' : 'not observable';
      const notes = [st.type === 'compound' ? `starts in ${st.initial ?? '?'}` : '', st.description ?? '', ...st.meta].filter(Boolean).join('; ');
      return `<tr><td><code>${esc(st.path)}</code></td><td>${esc(seen)}</td><td>${cite(notes)}</td></tr>`;
    });
    const transitions = graph.transitions.map((t) => {
      const to = t.to.length ? t.to.join(', ') : 'stays';
      return `<tr><td><code>${esc(t.from || 'any state')}</code></td><td>${esc(t.event)}</td><td><code>${esc(to)}</code></td><td>${esc(t.guard ?? (t.otherwise ? 'otherwise' : ''))}</td></tr>`;
    });
    return `<details class="model" data-model="${esc(m.name)}"><summary><strong>${esc(m.name)}</strong>: ${esc(m.summary)}</summary>
<table class="model-states"><thead><tr><th>state</th><th>seen as</th><th>notes</th></tr></thead><tbody>${states.join('')}</tbody></table>
<table class="model-transitions"><thead><tr><th>from</th><th>event</th><th>to</th><th>guard</th></tr></thead><tbody>${transitions.join('')}</tbody></table></details>`;
  });
  return `<section id="models"><h2>Models</h2>
<p class="note">What the cluster should do, as the run was checked against it: each model's states (as Get-ClusterNode, Get-ClusterGroup and Get-VM show them) and its transitions, in declaration order (for one event, the first whose guard holds is taken). Open one to read it.</p>
${parts.join('\n')}</section>`;
}

/** Escaped text with each source key (`[PETRI]`) a link to its entry in the sources section. */
function cite(text: string): string {
  return esc(text).replace(/\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)\]/g, (whole, key: string) =>
    sources[key] ? `<a class="cite" href="#source-${key}">[${key}]</a>` : whole,
  );
}

/** Every source the page cites, with its title and address: the targets of its source links. */
function sourcesSection(body: string): string {
  const keys = [...new Set([...body.matchAll(/href="#source-([A-Z0-9-]+)"/g)].map((m) => m[1]!))].filter((k) => citedKeys(`[${k}]`).length);
  if (!keys.length) return '';
  const items = keys.sort().map((k) => {
    const src = sources[k]!;
    return `<li id="source-${k}"><strong>[${esc(k)}]</strong> ${esc(src.title)} — <a href="${esc(src.url)}">${esc(src.url)}</a>${src.note ? ` <span class="note">(${esc(src.note).replace(/https?:\/\/[^\s;)]+/g, (u) => `<a href="${u}">${u}</a>`)})</span>` : ''}</li>`;
  });
  return `<section id="sources"><h2>Sources (${keys.length})</h2>
<p class="note">What the settings, the models and the violations above cite; docs/sources.md lists every source of clusterchaos.</p>
<ul class="sources">${items.join('\n')}</ul></section>`;
}

function coverageSection({ result }: ReportInput): string {
  if (!result.coverage.length) return '';
  const exercised = result.coverage.filter((c) => c.count > 0).length;
  const rows = result.coverage.map(
    (c) => `<tr${c.count ? '' : ' class="unexercised"'}><td>${esc(c.model)}</td><td>${esc(c.from)} → ${esc(c.to)}</td><td>${esc(c.event)}</td><td class="num">${c.count}</td></tr>`,
  );
  return `<section id="coverage"><details><summary>Model coverage: ${exercised} of ${result.coverage.length} transitions exercised</summary>
<table><thead><tr><th>model</th><th>transition</th><th>event</th><th>times</th></tr></thead><tbody>${rows.join('')}</tbody></table></details></section>`;
}
