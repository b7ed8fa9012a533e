import type { Violation } from '../check/result.js';
import { formatT } from '../check/time.js';
import { isObservation, migrationLines, quoteLine, realTime, settingOf, soakLines, whenOf } from './console.js';
import { escapeHtml as esc } from './escape.js';
import type { Lanes, Operation } from './lanes.js';
import { argText } from './operations.js';
import type { ReportInput } from './summary.js';
import { REPORT_CSS } from './style.js';
import { explainViolation, legendHtml, migrationPlotSvg, timelineSvg } from './timeline.js';

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
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)} — clusterchaos</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    banner(input),
    timelineSection(input, lanes),
    settingsSection(input),
    violationsSection(result.violations),
    migrationsSection(input, lanes),
    operationsSection(lanes),
    eventsSection(lanes),
    coverageSection(input),
    `<footer>clusterchaos · run ${esc(header.runId)} · started ${esc(header.startTime)} · trace: ${esc(input.tracePath)}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function banner({ header, result, run }: ReportInput): string {
  const facts: [string, string][] = [
    ['experiment', `${header.experiment.name} (${header.experiment.file})`],
    ['target', header.target === 'sim' ? 'sim (the simulated cluster)' : header.target],
    ['cluster', `${header.cluster.name}: ${header.cluster.nodes.length} nodes, ${header.cluster.vms.length} VMs`],
    ['seed', String(header.seed)],
    ['defects', header.defects.length ? header.defects.join(', ') : 'none'],
    ['run', `${run.status}${run.abortReason ? `: ${run.abortReason}` : ''}${run.methodStopped ? ` — ${run.methodStopped}` : ''} · ${formatT(run.virtualMs)} on the run's clock · ${realTime(run.wallMs)} of real time`],
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

function steady(s: { ok: boolean; detail: string } | undefined): string {
  return s ? `${s.ok ? 'ok' : 'NOT REACHED'}: ${s.detail}` : 'not checked';
}

function settingsSection({ header }: ReportInput): string {
  const rows = Object.entries(header.settings).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${esc(v)}</td></tr>`);
  rows.push(`<tr><td>checker timing tolerance (ms)</td><td class="num">${esc(header.check.toleranceMs)}</td></tr>`);
  // Side by side in up to three columns, so a long list stays short.
  const per = Math.ceil(rows.length / Math.min(3, Math.ceil(rows.length / 6)));
  const tables: string[] = [];
  for (let i = 0; i < rows.length; i += per) {
    tables.push(`<table><thead><tr><th>name</th><th>value</th></tr></thead><tbody>${rows.slice(i, i + per).join('')}</tbody></table>`);
  }
  return `<section id="settings"><h2>Settings</h2>
<div class="settings">${tables.join('\n')}</div></section>`;
}

function timelineSection({ result, run }: ReportInput, lanes: Lanes): string {
  return `<section id="timeline"><h2>Timeline</h2>
<p class="note">Time from the start of the run (${Math.max(run.virtualMs, lanes.endT) >= 3_600_000 ? 'h:mm:ss' : 'mm:ss'}). One lane per node, then per VM: the states observed (polled), and under them the strip of what the model expected; hover a box for its state, times and owner.</p>
<div class="scroll">${timelineSvg(lanes, result.violations, run.virtualMs, result.unknowns)}</div>
${legendHtml(lanes, result.unknowns)}
${calloutList(result.violations)}</section>`;
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

function violationsSection(violations: Violation[]): string {
  if (!violations.length) return '<section id="violations"><h2>Violations</h2><p>None: every observation fits the models.</p></section>';
  const items = violations.map((v, i) => {
    const facts: [string, string][] = [
      ['rule', v.rule],
      ['entity', v.entity],
      ['expected', v.expected],
      ['observed', v.observed],
      ['when', whenOf(v)],
    ];
    if (v.setting) facts.push(['setting', settingOf(v.setting)]);
    const width = Math.max(0, ...v.context.map((q) => String(q.seq).length));
    const quoted = v.context.map((q) => {
      const line = esc(quoteLine(q, width));
      return isObservation(v, q) ? `<mark>${line}</mark>` : line;
    });
    return `<li id="violation-${i + 1}"><h3><span class="badge">${i + 1}</span> ${esc(v.entity)}: observed ${esc(v.observed)}, expected ${esc(v.expected)}</h3>
<dl class="facts">${facts.map(([k, val]) => `<dt>${esc(k)}</dt><dd>${esc(val)}</dd>`).join('')}</dl>
<p class="message">${esc(v.message)}</p>
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

function operationsSection(lanes: Lanes): string {
  if (!lanes.operations.length) return '<section id="operations"><h2>Operations</h2><p>No operations in the trace.</p></section>';
  const first = lanes.operations.slice(0, OPERATION_ROWS);
  const notOk = lanes.operations.slice(OPERATION_ROWS).filter((o) => o.outcome !== 'ok');
  const shown = [...first, ...notOk.slice(0, OPERATION_ROWS)];
  const rows = shown.map((o, i) => {
    const outcome = o.outcome ?? 'no completion';
    const gap = i === first.length && notOk.length ? '<tr class="gap"><td colspan="7">… after these, only the operations that did not complete ok:</td></tr>\n' : '';
    return `${gap}<tr class="${esc(o.outcome ?? 'open')}"><td class="num">${formatT(o.invokedAt)}</td><td class="num">${o.completedAt === undefined ? '' : formatT(o.completedAt)}</td>` +
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
<table><thead><tr><th>invoked</th><th>completed</th><th>process</th><th>operation</th><th>arguments</th><th>outcome</th><th>error / value</th></tr></thead>
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
  const text = typeof o.value === 'string' ? o.value : JSON.stringify(o.value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function eventsSection(lanes: Lanes): string {
  if (!lanes.eventCount) return '<section id="events"><h2>Windows events</h2><p>No events were collected.</p></section>';
  const rows = lanes.events.map(
    (e) =>
      `<tr class="level-${esc(e.level.toLowerCase())}"><td class="num">${formatT(e.t)}</td><td>${esc(e.node)}</td><td>${esc(e.log)}</td><td>${esc(e.provider)}</td>` +
      `<td class="num">${esc(e.id)}</td><td>${esc(e.level)}</td><td>${esc(e.message)}</td></tr>`,
  );
  const note =
    lanes.eventCount > lanes.events.length
      ? `<p class="note">Showing the first ${lanes.events.length} of ${lanes.eventCount} events; all of them are in the trace.</p>`
      : '';
  return `<section id="events"><h2>Windows events (${lanes.eventCount})</h2>
<table><thead><tr><th>time</th><th>node</th><th>log</th><th>provider</th><th>id</th><th>level</th><th>message</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>${note}</section>`;
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
