import type { Experiment } from '../experiment/types.js';
import { escapeHtml } from '../report/escape.js';
import { REPORT_CSS } from '../report/style.js';
import type { SpecResult } from './accept-junit.js';

/** How the whole suite ended, as its last console line says it. */
export interface AcceptanceVerdict {
  verdict: 'pass' | 'fail' | 'unknown';
  reason: string;
}

/** Cases of the accept report that the run reports' style sheet has no rule for. */
const ACCEPT_CSS = `
tr.passed td.outcome { color: var(--pass); font-weight: 600; }
tr.failed td.outcome { color: var(--fail); font-weight: 600; }
tr.not-attempted td { color: var(--muted); }
td pre { margin: 0; white-space: pre-wrap; max-width: 900px; }
`;

const OUTCOME: Record<SpecResult['state'], string> = { passed: 'pass', failed: 'FAIL', 'not-attempted': 'not attempted' };

/**
 * <out>/report.html of `clusterchaos accept`: one page for the whole suite, to hand to a change-advisory board —
 * the verdict, where it ran, every spec with one row per node, VM or cluster check (its verdict, how long, why it
 * failed or was not attempted) and a link to the report of the run behind it (`linkOf`: a link relative to the
 * page, so the folder can be moved or zipped whole). Self-contained: the style is inlined, nothing is fetched.
 */
export function acceptanceHtml(o: {
  title: string;
  where: string;
  experiment: string;
  startedAt: Date;
  verdict: AcceptanceVerdict;
  results: SpecResult[];
  replay: string;
  /** The report of a case's run, relative to the page, or undefined when the run left none. */
  linkOf: (run: Experiment) => string | undefined;
}): string {
  const specs = [...new Set(o.results.map((r) => r.spec))];
  const count = (state: SpecResult['state']): number => o.results.filter((r) => r.state === state).length;
  const rows = (spec: string): string =>
    o.results
      .filter((r) => r.spec === spec)
      .map((r) => {
        const link = r.run && r.state !== 'not-attempted' ? o.linkOf(r.run) : undefined;
        const detail = r.state === 'passed' ? '' : `<pre>${escapeHtml(r.message ?? '')}</pre>`;
        return [
          `<tr class="${r.state}" data-case="${escapeHtml(`${spec} › ${r.title}`)}">`,
          `<td>${escapeHtml(r.title)}</td>`,
          `<td class="outcome">${OUTCOME[r.state]}</td>`,
          `<td class="num">${r.state === 'not-attempted' ? '' : `${(r.ms / 1000).toFixed(1)} s`}</td>`,
          `<td>${link ? `<a href="${escapeHtml(link)}">${escapeHtml(r.run!.title)}</a>` : r.run ? escapeHtml(r.run.title) : 'read-only, no run'}</td>`,
          `<td class="detail">${detail}</td>`,
          '</tr>',
        ].join('');
      })
      .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(`${o.verdict.verdict.toUpperCase()} — ${o.title}`)}</title>`,
    `<style>${REPORT_CSS}${ACCEPT_CSS}</style>`,
    '</head>',
    '<body>',
    `<header class="banner ${o.verdict.verdict}">`,
    `<h1>${escapeHtml(o.title)}</h1>`,
    `<p class="verdict">${o.verdict.verdict.toUpperCase()}</p>`,
    `<p class="reason">${escapeHtml(o.verdict.reason)}</p>`,
    '<dl class="facts">',
    `<dt>on</dt><dd>${escapeHtml(o.where)}</dd>`,
    `<dt>experiment</dt><dd>${escapeHtml(o.experiment)}</dd>`,
    `<dt>started</dt><dd>${escapeHtml(o.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'))}</dd>`,
    `<dt>cases</dt><dd>${o.results.length}: ${count('passed')} passed, ${count('failed')} failed, ${count('not-attempted')} not attempted</dd>`,
    '</dl>',
    '<p class="replay-label">replay</p>',
    `<pre class="replay">${escapeHtml(o.replay)}</pre>`,
    '</header>',
    ...specs.flatMap((spec) => [
      `<section class="spec">`,
      `<h2>${escapeHtml(spec)}</h2>`,
      '<table>',
      '<thead><tr><th>case</th><th>verdict</th><th>time</th><th>run</th><th>why</th></tr></thead>',
      `<tbody>\n${rows(spec)}\n</tbody>`,
      '</table>',
      '</section>',
    ]),
    '<p class="note">Each run\'s own report (timeline, violations, events, trace) is linked from its row; <a href="junit.xml">junit.xml</a> has the same cases for CI.</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
