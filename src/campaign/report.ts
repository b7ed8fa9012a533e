import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { formatT } from '../check/time.js';
import { escapeHtml as esc } from '../report/escape.js';
import { REPORT_CSS } from '../report/style.js';
import { htmlPage } from '../report/html.js';
import { writeWholeSync } from '../trace/output.js';
import type { CampaignResult, GridAxis, RunRecord, RunTarget, Verdict } from './types.js';

/**
 * The campaign's report.html: one self-contained page (inline CSS, no script, nothing fetched) that answers
 * "is every baseline passing and every defect caught on every seed?" in a matrix of verdicts (defects ×
 * experiments, seeds aggregated), lists the runs behind each failing or unknown cell with their reports and
 * replay commands, and, for a settings grid, gives each cell's outcome (VMs failed over, unmonitored time).
 * Built as one string in a few passes over the runs, so a campaign of 10,000 runs still opens at once.
 */
export const CAMPAIGN_REPORT = 'report.html';

/** Write `<outDir>/report.html` (whole or not at all; throws OutputError) and return its path. */
export function writeCampaignReport(outDir: string, r: CampaignResult): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, CAMPAIGN_REPORT);
  writeWholeSync(file, campaignHtml(r, outDir));
  return file;
}

/** How a cell of the matrix or of the grid reads: as expected (green), not (red), never caught here (grey), unknown (amber). */
export type Tone = 'ok' | 'bad' | 'none' | 'unknown';

/** Rows of one cell's run list shown on the page; the rest are in campaign.json. */
const LISTED_PER_CELL = 100;
/**
 * A defect cell's catches listed after its misses and unknowns: a few show how it was caught; all of a detection
 * matrix's thousands would make the page megabytes long and slow to open.
 */
const CATCHES_LISTED = 5;
/** Seeds named in one cell's text before "… and N more". */
const SEEDS_NAMED = 12;

const CAMPAIGN_CSS = `
td.cell { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.cell a { color: inherit; }
.tone-ok { background: #e8f5e9; color: #1b5e20; }
.tone-bad { background: #ffcdd2; color: #b71c1c; font-weight: 600; }
.tone-none { background: #eeeeee; color: #757575; }
.tone-unknown { background: #ffe0b2; color: #e65100; font-weight: 600; }
table.matrix th.group { text-align: center; border-left: 2px solid #bdbdbd; }
table.matrix td.first-of-group, table.matrix th.first-of-group { border-left: 2px solid #bdbdbd; }
table.matrix tr.baseline td, table.matrix tr.baseline th { border-bottom: 2px solid #9e9e9e; }
table.grid td.cell { white-space: normal; min-width: 13em; }
table.grid .figure, table.grid .axis { display: block; }
div.grid h3 { margin-top: 16px; }
table.runs td.replay code { user-select: all; white-space: pre-wrap; overflow-wrap: anywhere; }
table.runs td.reason { max-width: 36em; overflow-wrap: anywhere; }
.verdict-pass { color: var(--pass); font-weight: 600; } .verdict-fail { color: var(--fail); font-weight: 600; } .verdict-unknown { color: #e65100; font-weight: 600; }
div.cell-runs { margin: 18px 0; content-visibility: auto; contain-intrinsic-size: auto 400px; } div.cell-runs:target { background: #fff9c4; }
`;

const VERDICT_WORD = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN' } as const;

/** The page for `r`; `outDir` is where it will be written (evidence recorded as an absolute path is linked relative to it). */
export function campaignHtml(r: CampaignResult, outDir = '.'): string {
  const m = new Model(r);
  const lists = new Lists(outDir);
  const body = [banner(r, m), matrixSection(m, lists), gridSection(m, lists), runsSection(lists.html)];
  return htmlPage(`${VERDICT_WORD[r.verdict]}: ${r.campaign.title} — clusterchaos campaign`, REPORT_CSS + CAMPAIGN_CSS, [
    ...body,
    `<footer>clusterchaos campaign ${esc(r.campaign.name)} · ${esc(r.campaign.file)} · started ${esc(r.startedAt)} · campaign.json holds every run</footer>`,
  ]);
}

// ── the runs, grouped once ───────────────────────────────────────────────────────────────────────────

const NONE = 'none';

function defectKey(d: string | null): string {
  return d ?? NONE;
}

export function targetLabel(t: RunTarget): string {
  return t.kind === 'sim' ? 'sim' : `${t.cluster}${t.rehearse ? ' (rehearsal)' : ''}`;
}

/** `settings.ResiliencyDefaultPeriod=60, faults.restartAfter=90`, or '' without a grid. */
function cellLabel(cell: Record<string, string>): string {
  return Object.entries(cell)
    .map(([p, v]) => `${p}=${v}`)
    .join(', ');
}

/** What must be caught (or pass) as one: a defect on one seed, in one grid cell, on one target. */
function caseOf(run: RunRecord): string {
  return `${defectKey(run.spec.defect)}\u0000${cellLabel(run.spec.cell)}\u0000${targetLabel(run.spec.target)}\u0000${run.spec.seed}`;
}

type CaseState = 'caught' | 'unknown' | 'missed';

class Model {
  readonly experiments: string[];
  readonly defects: (string | null)[];
  readonly targets: string[];
  /** (experiment, defect, target) → its runs, in matrix order. */
  readonly groups = new Map<string, RunRecord[]>();
  /** Per case of a defect: caught when some experiment's run failed, unknown when none failed and one was unknown. */
  readonly cases = new Map<string, CaseState>();
  /** More than one grid cell or target, so a seed alone does not name a case. */
  readonly multi: boolean;

  constructor(readonly r: CampaignResult) {
    const c = r.campaign;
    const experiments = new Set(c.experiments.map((e) => e.name));
    const defects = new Set<string | null>(c.defects);
    const targets = new Set(c.targets.map(targetLabel));
    const cells = new Set<string>();
    for (const run of r.runs) {
      experiments.add(run.spec.experiment);
      defects.add(run.spec.defect);
      targets.add(targetLabel(run.spec.target));
      cells.add(cellLabel(run.spec.cell));
      const k = groupKey(run.spec.experiment, run.spec.defect, targetLabel(run.spec.target));
      const g = this.groups.get(k);
      if (g) g.push(run);
      else this.groups.set(k, [run]);
      const ck = caseOf(run);
      const was = this.cases.get(ck);
      const now: CaseState = run.verdict === 'fail' ? 'caught' : run.verdict === 'unknown' ? 'unknown' : 'missed';
      if (was === undefined || rank(now) > rank(was)) this.cases.set(ck, now);
    }
    this.experiments = [...experiments];
    // the baseline first (when the campaign has one), then the defects as the campaign lists them
    this.defects = [...(defects.has(null) ? [null] : []), ...[...defects].filter((d) => d !== null)];
    this.targets = [...targets];
    this.multi = cells.size > 1 || this.targets.length > 1;
  }

  runs(experiment: string, defect: string | null, target: string): RunRecord[] {
    return this.groups.get(groupKey(experiment, defect, target)) ?? [];
  }

  /** Every run of a defect (or of the baseline), over experiments and targets. */
  rowRuns(defect: string | null): RunRecord[] {
    return this.experiments.flatMap((e) => this.targets.flatMap((t) => this.runs(e, defect, t)));
  }
}

function groupKey(experiment: string, defect: string | null, target: string): string {
  return `${experiment}\u0000${defectKey(defect)}\u0000${target}`;
}

function rank(s: CaseState): number {
  return s === 'caught' ? 2 : s === 'unknown' ? 1 : 0;
}

// ── seeds said briefly ───────────────────────────────────────────────────────────────────────────────

/** `seed 2`, `seeds 2, 4, 7–9`, `seeds 1–12 … and 30 more`: distinct seeds, runs of three or more as a range. */
export function seedsText(seeds: number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}–${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  const shown = parts.slice(0, SEEDS_NAMED).join(', ');
  const more = parts.length > SEEDS_NAMED ? ` … and ${parts.length - SEEDS_NAMED} more` : '';
  return `${sorted.length === 1 ? 'seed' : 'seeds'} ${shown}${more}`;
}

// ── judging a cell ───────────────────────────────────────────────────────────────────────────────────

interface Judged {
  text: string;
  tone: Tone;
  /** The runs to list under the matrix for this cell (none: the cell links nowhere). */
  listed: RunRecord[];
  /** Runs of the cell left out of `listed` on purpose, said under the list. */
  unlisted?: string;
}

function count(runs: RunRecord[], v: Verdict): number {
  let n = 0;
  for (const r of runs) if (r.verdict === v) n++;
  return n;
}

/** A baseline cell: `pass 5/5`, `fail 2/5`, `unknown 1/5`; red when a run failed, amber when one is unknown. */
function judgeBaseline(runs: RunRecord[]): Judged {
  const n = runs.length;
  if (!n) return { text: 'not run', tone: 'none', listed: [] };
  const fail = count(runs, 'fail');
  const unknown = count(runs, 'unknown');
  const parts: string[] = [];
  if (fail) parts.push(`fail ${fail}/${n} (${seedsText(runs.filter((r) => r.verdict === 'fail').map((r) => r.spec.seed))})`);
  if (unknown) parts.push(`unknown ${unknown}/${n} (${seedsText(runs.filter((r) => r.verdict === 'unknown').map((r) => r.spec.seed))})`);
  if (!parts.length) return { text: `pass ${n}/${n}`, tone: 'ok', listed: [] };
  return { text: parts.join('; '), tone: fail ? 'bad' : 'unknown', listed: runs.filter((r) => r.verdict !== 'pass') };
}

/**
 * A defect cell: `caught 5/5`, `caught 3/5 (missed: seeds 2, 4)`, or `—` when this experiment never caught it
 * (normal: another may). Red when it missed a case no experiment caught, amber when a run is unknown.
 */
function judgeDefect(runs: RunRecord[], m: Model): Judged {
  const n = runs.length;
  if (!n) return { text: 'not run', tone: 'none', listed: [] };
  const caught = count(runs, 'fail');
  const unknown = runs.filter((r) => r.verdict === 'unknown');
  const missed = runs.filter((r) => r.verdict === 'pass');
  // never caught here: grey even when no experiment caught it (the row's status says so, and links its runs)
  if (!caught && !unknown.length) return { text: '—', tone: 'none', listed: [] };
  const notes: string[] = [];
  if (missed.length) notes.push(`missed: ${seedsText(missed.map((r) => r.spec.seed))}`);
  if (unknown.length) notes.push(`unknown: ${seedsText(unknown.map((r) => r.spec.seed))}`);
  const text = `caught ${caught}/${n}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  const uncaught = missed.some((r) => m.cases.get(caseOf(r)) === 'missed');
  const tone: Tone = uncaught ? 'bad' : unknown.length ? 'unknown' : 'ok';
  // the runs behind the figure: misses and unknowns first (what to look into), then the catches
  const catches = runs.filter((r) => r.verdict === 'fail');
  const listed = [...missed, ...unknown, ...catches.slice(0, CATCHES_LISTED)];
  const left = catches.length - CATCHES_LISTED;
  return { text, tone, listed, ...(left > 0 ? { unlisted: `… and ${left} more runs that caught it (the first ${CATCHES_LISTED} are above): every run is in campaign.json.` } : {}) };
}

function judge(runs: RunRecord[], defect: string | null, m: Model): Judged {
  return defect === null ? judgeBaseline(runs) : judgeDefect(runs, m);
}

/** A row's status: the baseline passing on every seed, or a defect caught on every seed by some experiment. */
function rowStatus(defect: string | null, m: Model): Judged {
  const runs = m.rowRuns(defect);
  if (!runs.length) return { text: 'not run', tone: 'none', listed: [] };
  const where = (rs: RunRecord[]): string => `${seedsText(rs.map((r) => r.spec.seed))}${m.multi ? ` (${placesText(rs, m)})` : ''}`;
  if (defect === null) {
    const failed = runs.filter((r) => r.verdict === 'fail');
    const unknown = runs.filter((r) => r.verdict === 'unknown');
    if (failed.length) return { text: `failed on ${where(failed)}`, tone: 'bad', listed: [...failed, ...unknown] };
    if (unknown.length) return { text: `unknown on ${where(unknown)}`, tone: 'unknown', listed: unknown };
    return { text: 'passed on every seed', tone: 'ok', listed: [] };
  }
  const missed = runs.filter((r) => m.cases.get(caseOf(r)) === 'missed');
  if (missed.length) return { text: `missed on ${where(missed)}`, tone: 'bad', listed: missed };
  const unknown = runs.filter((r) => m.cases.get(caseOf(r)) === 'unknown');
  if (unknown.length) return { text: `unknown on ${where(unknown)}`, tone: 'unknown', listed: unknown };
  return { text: 'caught on every seed', tone: 'ok', listed: [] };
}

/** Where, besides the seed, runs were: `in P=240, R=90`, `on hv-lab-01`, or `in 7 settings cells × targets`. */
function placesText(rs: RunRecord[], m: Model): string {
  const cells = m.r.campaign.grid.length > 0;
  const places = [...new Set(rs.map((r) => `${cells ? `in ${cellLabel(r.spec.cell)}` : ''}${cells && m.targets.length > 1 ? ' ' : ''}${m.targets.length > 1 ? `on ${targetLabel(r.spec.target)}` : ''}`))];
  if (places.length <= 3) return places.join('; ');
  return `in ${places.length} ${cells ? 'settings cells' : ''}${cells && m.targets.length > 1 ? ' × ' : ''}${m.targets.length > 1 ? 'targets' : ''}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ── the page ─────────────────────────────────────────────────────────────────────────────────────────

function viaText(via: CampaignResult['via']): string {
  if (via.kind === 'process') return 'in one process';
  if (via.kind === 'pool') return `on a local pool of ${via.workers ?? '?'} worker processes`;
  return `through the queue ${via.queue ?? '?'}${via.workers ? ` (${via.workers} workers)` : ''}`;
}

function duration(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? formatT(ms) : '?';
}

const KEEP_WORDS: Record<string, string> = {
  all: "every run's folder",
  failing: 'the folders of failing and unknown runs',
  unexpected: 'the folders of runs that surprised (a baseline not passing, any unknown run)',
};

function banner(r: CampaignResult, m: Model): string {
  const c = r.campaign;
  const baselines = m.rowRuns(null);
  const defects = m.defects.filter((d): d is string => d !== null);
  const caught = defects.filter((d) => rowStatus(d, m).text === 'caught on every seed');
  const ran = r.runs.length;
  const facts: [string, string][] = [
    ['campaign', `${c.name} (${c.file})`],
    ['ran', viaText(r.via)],
    ['started', r.startedAt],
    ['finished', `${r.finishedAt} (${duration(r.startedAt, r.finishedAt)})`],
    ['runs', `${ran} of ${r.planned} planned${r.stopped ? ` — stopped: ${r.stopped}` : ''}`],
    ['verdicts', `${count(r.runs, 'pass')} pass · ${count(r.runs, 'fail')} fail · ${count(r.runs, 'unknown')} unknown`],
    ['baselines passing', `${count(baselines, 'pass')} of ${baselines.length} runs without a defect`],
    ['defects caught on every seed', defects.length ? `${caught.length} of ${defects.length}` : 'no defects in this campaign'],
    ['evidence kept', KEEP_WORDS[c.keep] ?? String(c.keep)],
    ['matrix', [plural(m.experiments.length, 'experiment'), `${plural(c.seeds.length, 'seed')} (${seedsText(c.seeds)})`, `${plural(c.defects.length, 'defect column')} (${c.defects.map((d) => d ?? 'none').join(', ')})`, ...c.grid.map((a) => `${plural(a.values.length, 'value')} of ${a.path}`), plural(m.targets.length, 'target')].join(' × ')],
  ];
  return `<header class="banner ${r.verdict}">
<p class="verdict">${VERDICT_WORD[r.verdict]}</p>
<p class="reason">${esc(r.reason)}</p>
<h1>${esc(c.title)}</h1>
<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd data-fact="${esc(k)}">${esc(v)}</dd>`).join('')}</dl>
</header>`;
}

/** The run lists the cells link to, each once: a row's status often names the very runs one of its cells does. */
class Lists {
  readonly html: string[] = [];
  private readonly ids = new Map<string, string>();
  constructor(readonly outDir: string) {}

  /** The anchor of the list of a cell's runs, or undefined when it has none to list. */
  anchor(title: string, j: Judged): string | undefined {
    if (!j.listed.length) return undefined;
    const same = j.listed.map((r) => r.key).join('\u0000');
    const known = this.ids.get(same);
    if (known) return known;
    const id = `runs-${this.html.length + 1}`;
    this.ids.set(same, id);
    this.html.push(runList(id, title, j, this.outDir));
    return id;
  }
}

function cellTd(j: Judged, anchor: string | undefined, attrs: string, extraClass = ''): string {
  const text = esc(j.text);
  return `<td class="cell tone-${j.tone}${extraClass}" ${attrs}>${anchor ? `<a href="#${anchor}">${text}</a>` : text}</td>`;
}

function matrixSection(m: Model, lists: Lists): string {
  const grouped = m.targets.length > 1;
  const columns = m.targets.flatMap((t) => m.experiments.map((e, i) => ({ t, e, first: grouped && i === 0 })));
  const head = [
    grouped
      ? `<tr><th rowspan="2">defect</th>${m.targets.map((t) => `<th class="group first-of-group" colspan="${m.experiments.length}">${esc(t)}</th>`).join('')}<th rowspan="2">status</th></tr>`
      : '',
    `<tr>${grouped ? '' : '<th>defect</th>'}${columns.map((c) => `<th${c.first ? ' class="first-of-group"' : ''}>${esc(c.e)}</th>`).join('')}${grouped ? '' : '<th>status</th>'}</tr>`,
  ].join('');
  const rows = m.defects.map((d) => {
    const name = d ?? 'no defect (baseline)';
    const cells = columns.map((c) => {
      const j = judge(m.runs(c.e, d, c.t), d, m);
      const anchor = lists.anchor(`${c.e} × ${name}${grouped ? ` on ${c.t}` : ''}`, j);
      return cellTd(j, anchor, `data-experiment="${esc(c.e)}" data-defect="${esc(defectKey(d))}" data-target="${esc(c.t)}"`, c.first ? ' first-of-group' : '');
    });
    const s = rowStatus(d, m);
    const anchor = s.tone === 'ok' ? undefined : lists.anchor(name, s);
    return `<tr class="${d === null ? 'baseline' : 'defect'}"><th>${esc(name)}</th>${cells.join('')}${cellTd(s, anchor, `data-status="${esc(defectKey(d))}"`, ' status')}</tr>`;
  });
  return `<section id="matrix"><h2>Verdicts: defects × experiments</h2>
<p class="note">Each cell aggregates its seeds${m.multi ? ', settings cells and targets' : ''}. Without a defect every run must pass; each defect must be caught (a fail) on every seed by at least one experiment — an experiment that never catches a defect (—) is normal, the row's status says whether some experiment caught it every time. Green: as expected; red: a baseline failing, or a miss no experiment made up for; amber: a run whose outcome is unknown; grey: not caught by this experiment. Click a cell for its runs.</p>
<div class="scroll"><table class="matrix"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table></div></section>`;
}

// ── the settings grid ────────────────────────────────────────────────────────────────────────────────

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** ms as seconds: `60 s`, `62.5 s`. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Every cell of the grid in the matrix's order (the first axis outermost). */
function gridCells(axes: GridAxis[]): Record<string, string>[] {
  let cells: Record<string, string>[] = [{}];
  for (const a of axes) cells = cells.flatMap((c) => a.values.map((v) => ({ ...c, [a.path]: v })));
  return cells;
}

interface GridFigures {
  failedOver: string;
  unmonitored: string;
  sentence: string;
}

function figures(runs: RunRecord[], cell: Record<string, string>): GridFigures {
  const n = runs.length;
  const over = runs.filter((r) => r.metrics.vmsFailedOver > 0).length;
  const un = runs.map((r) => r.metrics.unmonitoredMs);
  const failedOver = `VMs failed over in ${over}/${n}`;
  const unmonitored = `unmonitored median ${seconds(median(un))}, max ${seconds(Math.max(...un))}`;
  const settings = Object.entries(cell).map(([p, v]) => `${p} ${v}`).join(' and ');
  return { failedOver, unmonitored, sentence: `with ${settings}: VMs failed over in ${over}/${n} runs, unmonitored ${seconds(median(un))} (median; max ${seconds(Math.max(...un))})` };
}

function gridTd(runs: RunRecord[], cell: Record<string, string>, defect: string | null, m: Model, lists: Lists, title: string): string {
  const attrs = `data-cell="${esc(cellLabel(cell))}"`;
  if (!runs.length) return `<td class="cell tone-none" ${attrs}>not run</td>`;
  const f = figures(runs, cell);
  const j = judge(runs, defect, m);
  const anchor = lists.anchor(`${title}, ${cellLabel(cell)}`, j);
  const verdicts = anchor ? `<a href="#${anchor}">${esc(j.text)}</a>` : esc(j.text);
  return `<td class="cell tone-${j.tone}" ${attrs} title="${esc(f.sentence)}"><span class="figure failed-over">${esc(f.failedOver)}</span><span class="figure unmonitored">${esc(f.unmonitored)}</span><span class="figure verdicts">${verdicts}</span></td>`;
}

function gridSection(m: Model, lists: Lists): string {
  const axes = m.r.campaign.grid;
  if (!axes.length) return '';
  const cells = gridCells(axes);
  const tables: string[] = [];
  for (const e of m.experiments) {
    for (const d of m.defects) {
      for (const t of m.targets) {
        const runs = m.runs(e, d, t);
        if (!runs.length) continue;
        const byCell = new Map<string, RunRecord[]>();
        for (const r of runs) {
          const k = cellLabel(r.spec.cell);
          const g = byCell.get(k);
          if (g) g.push(r);
          else byCell.set(k, [r]);
        }
        const title = `${e} × ${d ?? 'no defect'}${m.targets.length > 1 ? ` on ${t}` : ''}`;
        const td = (cell: Record<string, string>): string => gridTd(byCell.get(cellLabel(cell)) ?? [], cell, d, m, lists, title);
        tables.push(`<div class="grid" data-experiment="${esc(e)}" data-defect="${esc(defectKey(d))}" data-target="${esc(t)}"><h3>${esc(title)}</h3>${gridTable(axes, cells, td)}</div>`);
      }
    }
  }
  return `<section id="grid"><h2>Settings grid</h2>
<p class="note">Per experiment and defect, each cell of the grid over its seeds: in how many runs VMs failed over (restarted on another node), how long VMs were Unmonitored (summed over VMs, on the run's clock: median and maximum over the seeds), and the verdicts. Hover a cell for it in one sentence.</p>
${tables.join('\n')}</section>`;
}

/** 2 axes: rows × columns; 1 axis: one row; more: one row per cell. */
function gridTable(axes: GridAxis[], cells: Record<string, string>[], td: (cell: Record<string, string>) => string): string {
  if (axes.length === 1) {
    const a = axes[0]!;
    return `<table class="grid"><thead><tr><th>${esc(a.path)}</th>${a.values.map((v) => `<th>${esc(v)}</th>`).join('')}</tr></thead>` +
      `<tbody><tr><th></th>${a.values.map((v) => td({ [a.path]: v })).join('')}</tr></tbody></table>`;
  }
  if (axes.length === 2) {
    const [rows, cols] = axes as [GridAxis, GridAxis];
    const head = `<tr><th class="corner"><span class="axis">${esc(rows.path)} ↓</span> <span class="axis">${esc(cols.path)} →</span></th>${cols.values.map((v) => `<th>${esc(v)}</th>`).join('')}</tr>`;
    const body = rows.values.map((rv) => `<tr><th>${esc(rv)}</th>${cols.values.map((cv) => td({ [rows.path]: rv, [cols.path]: cv })).join('')}</tr>`);
    return `<table class="grid"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
  }
  const head = `<tr>${axes.map((a) => `<th>${esc(a.path)}</th>`).join('')}<th>outcome</th></tr>`;
  const body = cells.map((c) => `<tr>${axes.map((a) => `<td>${esc(c[a.path])}</td>`).join('')}${td(c)}</tr>`);
  return `<table class="grid"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

// ── the runs behind the cells ────────────────────────────────────────────────────────────────────────

/** A run's report, relative to the campaign's report (evidence is `runs/<key>`, relative to the output folder). */
function reportLink(evidence: string, outDir: string): string {
  const rel = isAbsolute(evidence) ? relative(outDir, evidence) : evidence;
  return [...rel.split(sep === '\\' ? /[\\/]/ : /\//), 'report.html'].filter((s) => s !== '').map(encodeURIComponent).join('/');
}

function runList(id: string, title: string, j: Judged, outDir: string): string {
  const shown = j.listed.slice(0, LISTED_PER_CELL);
  const withCells = shown.some((r) => Object.keys(r.spec.cell).length);
  const rows = shown.map((r) => {
    const v = r.violations[0];
    const first = v ? `${esc(v.rule)} · ${esc(v.entity)}: ${esc(v.message)}` : '';
    const link = r.evidence ? `<a class="run-report" href="${esc(reportLink(r.evidence, outDir))}">report</a>` : '<span class="note">not kept</span>';
    return `<tr data-key="${esc(r.key)}"><td class="num">${r.spec.seed}</td>${withCells ? `<td>${esc(cellLabel(r.spec.cell))}</td>` : ''}<td>${esc(r.spec.experiment)}</td><td>${esc(targetLabel(r.spec.target))}</td>` +
      `<td class="verdict-${r.verdict}">${r.verdict}</td><td class="reason">${esc(r.reason)}</td><td class="detail">${first}</td><td>${link}</td><td class="replay"><code>${esc(r.replay)}</code></td></tr>`;
  });
  const more = [
    j.listed.length > shown.length ? `… and ${j.listed.length - shown.length} more runs: every run is in campaign.json.` : '',
    j.unlisted ?? '',
  ].filter(Boolean).map((t) => `<p class="note">${esc(t)}</p>`).join('');
  return `<div class="cell-runs" id="${id}"><h3>${esc(title)} — ${esc(j.text)}</h3>
<table class="runs"><thead><tr><th>seed</th>${withCells ? '<th>settings cell</th>' : ''}<th>experiment</th><th>target</th><th>verdict</th><th>reason</th><th>first violation</th><th>evidence</th><th>replay</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>${more}</div>`;
}

function runsSection(lists: string[]): string {
  if (!lists.length) return '<section id="runs"><h2>Runs to look at</h2><p>None: every baseline passed and every cell is as expected.</p></section>';
  return `<section id="runs"><h2>Runs behind the cells</h2>
<p class="note">Per cell of the matrix or the grid that failed, missed or is unknown: its runs, each with its report (when its evidence was kept) and the command that replays it alone.</p>
${lists.join('\n')}</section>`;
}
