import { formatT } from '../check/time.js';
import { span, delta, type Comparison, type RunFacts } from './compare.js';
import { conclusion, localTime, manyChanges, migrationCell, migrationDelta, transitionCells, transitionName } from './compare-text.js';
import { escapeHtml as esc } from './escape.js';
import { REPORT_CSS } from './style.js';

/** What the report's style sheet lacks: rows that differ stand out, as does the note on different experiments. */
const COMPARE_CSS = `
tr.changed td { background: #fff8e1; }
p.note { background: #fff8e1; border-left: 6px solid var(--unknown); padding: 8px 12px; }
.verdict-pass { color: var(--pass); font-weight: 600; } .verdict-fail { color: var(--fail); font-weight: 600; } .verdict-unknown { color: #e65100; font-weight: 600; }
`;

const VERDICT_CLASS = { pass: 'pass', fail: 'fail', unknown: 'unknown', unfinished: 'unknown' } as const;

/**
 * compare.html: the terminal's comparison as one self-contained page (inline CSS, no script, nothing fetched),
 * written as XHTML so any XML parser reads it back. Every string from the traces is escaped.
 */
export function comparisonHtml(c: Comparison): string {
  const title = `${c.a.experiment} vs ${c.b.experiment}: ${conclusion(c).replace(/^compared: /, '')}`;
  return [
    '<!DOCTYPE html>',
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${esc(`compare — ${c.a.experiment} vs ${c.b.experiment}`)} — clusterchaos</title>`,
    `<style>${REPORT_CSS}${COMPARE_CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(title)}</h1>`,
    c.sameExperiment
      ? ''
      : `<p class="note">These are runs of different experiments (A ${esc(c.a.experiment)}, B ${esc(c.b.experiment)}): what they did differs by design, not only by what changed between them.</p>`,
    runsSection(c),
    differencesSection(c),
    transitionsSection(c),
    migrationsSection(c),
    `<footer>clusterchaos compare · ${esc(conclusion(c))}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function runsSection(c: Comparison): string {
  const row = (side: string, r: RunFacts): string =>
    `<tr class="${VERDICT_CLASS[r.verdict]}"><th>${side}</th><td class="outcome verdict-${VERDICT_CLASS[r.verdict]}">${esc(r.verdict)}</td><td class="detail">${esc(r.reason)}</td>` +
    `<td>${esc(r.experiment)}</td><td>${esc(r.target)}</td><td class="num">${r.seed}</td><td>${esc(localTime(r.startTime))}</td><td class="num">${esc(formatT(r.virtualMs))}</td><td><code>${esc(r.where)}</code></td></tr>`;
  return [
    '<h2>Runs and verdicts</h2>',
    '<table class="runs">',
    '<tr><th></th><th>verdict</th><th>reason</th><th>experiment</th><th>target</th><th>seed</th><th>started (local time)</th><th>run clock</th><th>folder</th></tr>',
    row('A', c.a),
    row('B', c.b),
    '</table>',
  ].join('\n');
}

function differencesSection(c: Comparison): string {
  if (!c.differences.length) return '<h2>Set up</h2>\n<p>The same in both: experiment, target, seed, defects, --set, cluster and every setting.</p>';
  return [
    '<h2>Set up differently</h2>',
    '<table class="differences">',
    '<tr><th></th><th>A</th><th>B</th></tr>',
    ...c.differences.map((d) => `<tr><th>${esc(d.what)}</th><td>${esc(d.a)}</td><td>${esc(d.b)}</td></tr>`),
    '</table>',
  ].join('\n');
}

function transitionsSection(c: Comparison): string {
  const out = ['<h2>Transitions</h2>', "<p>When each change of state was first observed, on each run's clock, and how long the state it left had lasted.</p>", '<table class="transitions">'];
  out.push('<tr><th>entity</th><th>transition</th><th>A</th><th>B</th><th>B − A</th><th>state left</th></tr>');
  for (const e of c.entities) {
    const mark = e.changed ? ' class="changed"' : '';
    if (e.many) {
      out.push(`<tr${mark}><th>${esc(e.entity)}</th><td>${esc(manyChanges(e.many))}</td><td></td><td></td><td></td><td></td></tr>`);
      for (const s of e.many.states) out.push(`<tr${mark}><td></td><td>time ${esc(s.state)}</td><td class="num">${span(s.a)}</td><td class="num">${span(s.b)}</td><td class="num">${esc(delta(s.a, s.b))}</td><td></td></tr>`);
      continue;
    }
    if (!e.rows.length) {
      out.push(`<tr><th>${esc(e.entity)}</th><td>no change of state in either run</td><td></td><td></td><td></td><td></td></tr>`);
      continue;
    }
    e.rows.forEach((r, i) => {
      const [a, b, d, held] = transitionCells(r);
      const cls = !r.a || !r.b || r.a.at !== r.b.at || r.a.held !== r.b.held ? ' class="changed"' : '';
      out.push(`<tr${cls}><th>${i === 0 ? esc(e.entity) : ''}</th><td>${esc(transitionName(r))}</td><td class="num">${esc(a)}</td><td class="num">${esc(b)}</td><td class="num">${esc(d)}</td><td>${esc(held)}</td></tr>`);
    });
  }
  out.push('</table>');
  return out.join('\n');
}

function migrationsSection(c: Comparison): string {
  if (!c.migrations) return '<h2>Live migrations</h2>\n<p>None in either run.</p>';
  return [
    '<h2>Live migrations</h2>',
    '<table class="migrations">',
    '<tr><th></th><th>A</th><th>B</th><th>B − A</th></tr>',
    ...c.migrations.map((m) => `<tr><th>${esc(m.what)}</th><td class="num">${esc(migrationCell(m, m.a))}</td><td class="num">${esc(migrationCell(m, m.b))}</td><td class="num">${esc(migrationDelta(m))}</td></tr>`),
    '</table>',
  ].join('\n');
}
