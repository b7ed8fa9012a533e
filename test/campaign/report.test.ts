import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeCampaignReport } from '../../src/campaign/report.js';
import type { Campaign, CampaignResult, RunRecord, RunTarget, Verdict } from '../../src/campaign/types.js';
import { browser, headless } from '../helpers/browser.js';

/**
 * The campaign's report.html as a person sees it: campaigns built by hand (a detection matrix with a defect missed
 * on one seed and an unknown run, a what-if grid of 2×2 cells × 3 seeds, two targets), written by
 * writeCampaignReport and read back from headless Chromium's DOM. A probe script, added to a copy of the page for
 * the test only (the report has none), reads each cell's text, class and computed colour and each link's target.
 */
const ARTIFACTS = resolve('reports/test-artifacts');
const SIM: RunTarget = { kind: 'sim' };

function campaign(over: Partial<Campaign>): Campaign {
  return {
    name: 'detection-matrix',
    title: 'Every experiment × every defect × many seeds',
    file: 'experiments/campaigns/detection-matrix.yaml',
    experiments: [],
    seeds: [1, 2, 3, 4, 5],
    defects: [null],
    grid: [],
    targets: [SIM],
    stopOn: 'never',
    keep: 'failing',
    ...over,
  };
}

interface RunOf {
  experiment: string;
  defect: string | null;
  seed: number;
  verdict: Verdict;
  cell?: Record<string, string>;
  target?: RunTarget;
  reason?: string;
  vmsFailedOver?: number;
  unmonitoredMs?: number;
}

/** A run's record as execute.ts makes it: evidence kept (`runs/<key>`) for failing and unknown runs. */
function record(r: RunOf, index: number): RunRecord {
  const target = r.target ?? SIM;
  const cell = r.cell ?? {};
  const cellPart = Object.entries(cell).map(([p, v]) => `${p.replace(/[^\w]+/g, '_')}-${v}`).join('_') || 'no-grid';
  const targetPart = target.kind === 'sim' ? 'sim' : target.cluster;
  const key = `${r.experiment}/${r.defect ?? 'none'}/${cellPart}/${targetPart}/seed-${r.seed}`;
  const sets = Object.entries(cell).map(([p, v]) => `${p}=${v}`);
  const replay = `npx clusterchaos run experiments/${r.experiment}.yaml --seed ${r.seed}${r.defect ? ` --defect ${r.defect}` : ''}${sets.map((s) => ` --set ${s}`).join('')}${target.kind === 'powershell' ? ' --target powershell' : ''}`;
  const violations = r.verdict === 'fail' ? [{ rule: 'node-membership', entity: 'node/N2', message: `node/N2 was observed Down on seed ${r.seed}; the model reaches Down only through Isolated` }] : [];
  return {
    key,
    index,
    spec: { campaign: 'c', index, key, file: `experiments/${r.experiment}.yaml`, experiment: r.experiment, seed: r.seed, defect: r.defect, sets, cell, target },
    verdict: r.verdict,
    reason: r.reason ?? (r.verdict === 'fail' ? '1 violation: node/N2 observed Down' : r.verdict === 'unknown' ? 'the outcome of kill-clussvc N2 is unknown' : 'every observation fits the models'),
    violations,
    replay,
    metrics: { vmsFailedOver: r.vmsFailedOver ?? 0, unmonitoredMs: r.unmonitoredMs ?? 0, virtualMs: 600_000 },
    ...(r.verdict === 'pass' ? {} : { evidence: `runs/${key}` }),
    ran: { host: 'lab', pid: 1, attempts: 1, wallMs: 100, via: 'pool' },
  };
}

function result(c: Campaign, runs: RunOf[], over: Partial<CampaignResult>): CampaignResult {
  return {
    format: 1,
    campaign: c,
    via: { kind: 'pool', workers: 8 },
    startedAt: '2026-12-06T10:00:00.000Z',
    finishedAt: '2026-12-06T10:02:30.000Z',
    planned: runs.length,
    runs: runs.map(record),
    verdict: 'pass',
    reason: 'every baseline passed and every defect was caught on every seed',
    ...over,
  };
}

interface Cell {
  experiment?: string;
  defect?: string;
  target?: string;
  status?: string;
  cell?: string;
  text: string;
  tone: string;
  bg: string;
  href: string | null;
  title: string;
}
interface Probe {
  facts: Record<string, string>;
  verdict: string;
  reason: string;
  matrixHead: string[][];
  cells: Cell[];
  lists: Record<string, { title: string; head: string[]; rows: { key: string; cells: string[]; report: string | null; replay: string }[] }>;
  grids: { experiment: string; defect: string; title: string; head: string[]; rows: string[][]; cells: Cell[] }[];
}

const PROBE = `<script>
const cellOf = (td) => ({ ...td.dataset, text: td.textContent, tone: [...td.classList].find((c) => c.startsWith('tone-')) ?? '',
  bg: getComputedStyle(td).backgroundColor, href: td.querySelector('a')?.getAttribute('href') ?? null, title: td.title });
const rowsOf = (table) => [...table.rows].map((tr) => [...tr.cells].map((c) => c.textContent));
const probe = {
  facts: Object.fromEntries([...document.querySelectorAll('dl.facts dd')].map((dd) => [dd.dataset.fact, dd.textContent])),
  verdict: document.querySelector('p.verdict').textContent,
  reason: document.querySelector('p.reason').textContent,
  matrixHead: rowsOf(document.querySelector('table.matrix thead')),
  cells: [...document.querySelectorAll('table.matrix td.cell')].map(cellOf),
  lists: Object.fromEntries([...document.querySelectorAll('div.cell-runs')].map((d) => [d.id, {
    title: d.querySelector('h3').textContent,
    head: [...d.querySelectorAll('thead th')].map((th) => th.textContent),
    rows: [...d.querySelectorAll('tbody tr')].map((tr) => ({ key: tr.dataset.key, cells: [...tr.cells].map((c) => c.textContent),
      report: tr.querySelector('a.run-report')?.href ?? null, replay: tr.querySelector('td.replay code').textContent })),
  }])),
  grids: [...document.querySelectorAll('div.grid')].map((g) => ({ ...g.dataset, title: g.querySelector('h3').textContent,
    head: [...g.querySelectorAll('thead th')].map((th) => th.textContent), rows: rowsOf(g.querySelector('tbody')),
    cells: [...g.querySelectorAll('td.cell')].map(cellOf) })),
};
const out = document.createElement('pre');
out.id = 'probe';
out.textContent = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(probe))));
document.body.append(out);
</script>`;

/** Write the report into a fresh folder (with a stub report.html in each kept run's folder), open it in Chromium, read the probe. */
function render(name: string, r: CampaignResult): { probe: Probe; dir: string; html: string } {
  const dir = mkdtempSync(join(tmpdir(), `campaign-report-${name}-`));
  for (const run of r.runs) {
    if (!run.evidence) continue;
    mkdirSync(join(dir, run.evidence), { recursive: true });
    writeFileSync(join(dir, run.evidence, 'report.html'), `<!doctype html><title>${run.key}</title>`);
  }
  const file = writeCampaignReport(dir, r);
  expect(file).to.equal(join(dir, 'report.html'));
  const html = readFileSync(file, 'utf8');
  mkdirSync(ARTIFACTS, { recursive: true });
  copyFileSync(file, join(ARTIFACTS, `campaign-${name}.html`));
  const probed = join(dir, 'probed.html');
  writeFileSync(probed, html.replace('</body>', `${PROBE}</body>`));
  const { stdout } = headless(['--dump-dom', pathToFileURL(probed).href]);
  const b64 = stdout.match(/<pre id="probe">([A-Za-z0-9+/=]+)<\/pre>/)?.[1];
  expect(b64, 'the probe did not run').to.be.a('string');
  return { probe: JSON.parse(Buffer.from(b64!, 'base64').toString('utf8')) as Probe, dir, html };
}

const GREEN = 'rgb(232, 245, 233)';
const RED = 'rgb(255, 205, 210)';
const GREY = 'rgb(238, 238, 238)';
const AMBER = 'rgb(255, 224, 178)';

function cell(p: Probe, experiment: string, defect: string): Cell {
  const c = p.cells.find((x) => x.experiment === experiment && x.defect === defect);
  expect(c, `no cell ${experiment} × ${defect}`).to.not.equal(undefined);
  return c!;
}

function status(p: Probe, defect: string): Cell {
  const c = p.cells.find((x) => x.status === defect);
  expect(c, `no status for ${defect}`).to.not.equal(undefined);
  return c!;
}

function listOf(p: Probe, c: Cell): Probe['lists'][string] {
  expect(c.href, `${c.text} links nowhere`).to.match(/^#runs-\d+$/);
  const l = p.lists[c.href!.slice(1)];
  expect(l, `no list ${c.href}`).to.not.equal(undefined);
  return l!;
}

/**
 * compute-resiliency and node-drain × seeds 1–5 × no defect, no-isolation and keeps-vms: node-drain's baseline is
 * unknown on seed 3; no-isolation is caught by compute-resiliency on every seed and by node-drain on 1, 3, 5;
 * keeps-vms is caught by compute-resiliency on every seed but 2 and never by node-drain: missed on seed 2.
 */
function detectionMatrix(): CampaignResult {
  const runs: RunOf[] = [];
  const fails: Record<string, Record<string, number[]>> = {
    'compute-resiliency': { 'no-isolation': [1, 2, 3, 4, 5], 'keeps-vms': [1, 3, 4, 5] },
    'node-drain': { 'no-isolation': [1, 3, 5], 'keeps-vms': [] },
  };
  for (const experiment of ['compute-resiliency', 'node-drain']) {
    for (const defect of [null, 'no-isolation', 'keeps-vms']) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const verdict: Verdict = defect === null ? (experiment === 'node-drain' && seed === 3 ? 'unknown' : 'pass') : fails[experiment]![defect]!.includes(seed) ? 'fail' : 'pass';
        runs.push({ experiment, defect, seed, verdict, ...(experiment === 'compute-resiliency' && defect === 'keeps-vms' && seed === 2 ? { reason: 'no violation: <b>all</b> observations fit & pass' } : {}) });
      }
    }
  }
  const c = campaign({
    experiments: ['compute-resiliency', 'node-drain'].map((name) => ({ name, file: `../${name}.yaml`, sets: [] })),
    defects: [null, 'no-isolation', 'keeps-vms'],
  });
  return result(c, runs, { verdict: 'fail', reason: 'keeps-vms was not caught on seed 2 by any experiment' });
}

describe('campaign report.html in headless Chromium', function () {
  this.timeout(120_000);

  before(function () {
    const found = spawnSync(browser(), ['--version'], { encoding: 'utf8' });
    if (found.error || found.status !== 0) {
      throw new Error(`A headless browser is needed to test the campaign's report.html and was not found (${found.error?.message ?? found.stderr}): install Chromium (npm test's pretest does) or set CLUSTERCHAOS_BROWSER.`);
    }
  });

  it('shows the detection matrix: every cell aggregated over seeds, coloured by whether it is as expected, the missed seed named', () => {
    const { probe: p } = render('detection-matrix', detectionMatrix());
    expect(p.verdict).to.equal('FAIL');
    expect(p.reason).to.equal('keeps-vms was not caught on seed 2 by any experiment');
    expect(p.facts).to.include({
      campaign: 'detection-matrix (experiments/campaigns/detection-matrix.yaml)',
      ran: 'on a local pool of 8 worker processes',
      started: '2026-12-06T10:00:00.000Z',
      runs: '30 of 30 planned',
      verdicts: '17 pass · 12 fail · 1 unknown',
      'baselines passing': '9 of 10 runs without a defect',
      'defects caught on every seed': '1 of 2',
      'evidence kept': 'the folders of failing and unknown runs',
      matrix: '2 experiments × 5 seeds (seeds 1–5) × 3 defect columns (none, no-isolation, keeps-vms) × 1 target',
    });
    expect(p.facts.finished).to.equal('2026-12-06T10:02:30.000Z (02:30.0)');
    expect(p.matrixHead).to.deep.equal([['defect', 'compute-resiliency', 'node-drain', 'status']]);

    const expectCell = (c: Cell, text: string, tone: string, bg: string): void => {
      expect([c.text, c.tone, c.bg]).to.deep.equal([text, tone, bg]);
    };
    // the baseline row first: compute-resiliency passes on every seed, node-drain is unknown on seed 3
    expect(p.cells[0]!.defect).to.equal('none');
    expectCell(cell(p, 'compute-resiliency', 'none'), 'pass 5/5', 'tone-ok', GREEN);
    expectCell(cell(p, 'node-drain', 'none'), 'unknown 1/5 (seed 3)', 'tone-unknown', AMBER);
    expectCell(status(p, 'none'), 'unknown on seed 3', 'tone-unknown', AMBER);
    // no-isolation: node-drain's misses are made up for by compute-resiliency, so green
    expectCell(cell(p, 'compute-resiliency', 'no-isolation'), 'caught 5/5', 'tone-ok', GREEN);
    expectCell(cell(p, 'node-drain', 'no-isolation'), 'caught 3/5 (missed: seeds 2, 4)', 'tone-ok', GREEN);
    expectCell(status(p, 'no-isolation'), 'caught on every seed', 'tone-ok', GREEN);
    // keeps-vms: seed 2 caught by no experiment: red where it was missed; node-drain never catches it, grey
    expectCell(cell(p, 'compute-resiliency', 'keeps-vms'), 'caught 4/5 (missed: seed 2)', 'tone-bad', RED);
    expectCell(cell(p, 'node-drain', 'keeps-vms'), '—', 'tone-none', GREY);
    expect(cell(p, 'node-drain', 'keeps-vms').href).to.equal(null);
    expectCell(status(p, 'keeps-vms'), 'missed on seed 2', 'tone-bad', RED);
    // a passing baseline and a caught-everywhere status link nowhere
    expect(cell(p, 'compute-resiliency', 'none').href).to.equal(null);
    expect(status(p, 'no-isolation').href).to.equal(null);
  });

  it('links each failing, missed or unknown cell to its runs: seed, verdict, reason, first violation, the run\'s report, the replay command', () => {
    const r = detectionMatrix();
    const { probe: p, dir, html } = render('detection-matrix-runs', r);

    // the unknown baseline run, with its kept report (relative to the campaign's report) and its replay command
    const unknown = listOf(p, cell(p, 'node-drain', 'none'));
    expect(unknown.head).to.deep.equal(['seed', 'experiment', 'target', 'verdict', 'reason', 'first violation', 'evidence', 'replay']);
    expect(unknown.rows.map((x) => x.cells.slice(0, 5))).to.deep.equal([['3', 'node-drain', 'sim', 'unknown', 'the outcome of kill-clussvc N2 is unknown']]);
    const key = 'node-drain/none/no-grid/sim/seed-3';
    expect(unknown.rows[0]!.key).to.equal(key);
    expect(html).to.include(`href="runs/${key}/report.html"`);
    expect(unknown.rows[0]!.report).to.equal(pathToFileURL(join(dir, 'runs', key, 'report.html')).href);
    expect(existsSync(fileURLToPath(unknown.rows[0]!.report!))).to.equal(true);
    expect(unknown.rows[0]!.replay).to.equal('npx clusterchaos run experiments/node-drain.yaml --seed 3');
    // the baseline's status names the same run: it links to the same list, not a copy
    expect(status(p, 'none').href).to.equal(cell(p, 'node-drain', 'none').href);

    // the cell that missed seed 2: the miss first (no report kept for a pass, its reason as text, not markup), then the catches
    const missed = listOf(p, cell(p, 'compute-resiliency', 'keeps-vms'));
    expect(missed.title).to.equal('compute-resiliency × keeps-vms — caught 4/5 (missed: seed 2)');
    expect(missed.rows.map((x) => [x.cells[0], x.cells[3]])).to.deep.equal([['2', 'pass'], ['1', 'fail'], ['3', 'fail'], ['4', 'fail'], ['5', 'fail']]);
    expect(missed.rows[0]!.cells[4]).to.equal('no violation: <b>all</b> observations fit & pass');
    expect(missed.rows[0]!.cells[6]).to.equal('not kept');
    expect(missed.rows[0]!.replay).to.equal('npx clusterchaos run experiments/compute-resiliency.yaml --seed 2 --defect keeps-vms');
    expect(missed.rows[1]!.cells[5]).to.equal('node-membership · node/N2: node/N2 was observed Down on seed 1; the model reaches Down only through Isolated');
    for (const row of missed.rows.slice(1)) {
      expect(row.report).to.equal(pathToFileURL(join(dir, 'runs', row.key, 'report.html')).href);
      expect(existsSync(fileURLToPath(row.report!)), row.report!).to.equal(true);
    }

    // the row's status names the missed seed and lists every experiment's run of it, each with its replay command
    const row = listOf(p, status(p, 'keeps-vms'));
    expect(row.rows.map((x) => [x.cells[0], x.cells[1], x.cells[3]])).to.deep.equal([['2', 'compute-resiliency', 'pass'], ['2', 'node-drain', 'pass']]);
    expect(row.rows[1]!.replay).to.equal('npx clusterchaos run experiments/node-drain.yaml --seed 2 --defect keeps-vms');
  });

  it('answers the what-if grid: per cell of 2 axes × 2 values, VMs failed over, median and max unmonitored time, verdicts', () => {
    const P = 'settings.ResiliencyDefaultPeriod';
    const R = 'faults.kill-clussvc.restartAfterS';
    // [period, restart] → per seed 1–3: [vmsFailedOver, unmonitoredMs, verdict]
    const outcomes: Record<string, [number, number, Verdict][]> = {
      '60/30': [[0, 30_000, 'pass'], [0, 30_000, 'pass'], [0, 31_000, 'pass']],
      '60/90': [[2, 60_000, 'pass'], [2, 60_000, 'pass'], [1, 60_000, 'pass']],
      '240/30': [[0, 30_000, 'pass'], [0, 32_000, 'pass'], [0, 45_500, 'pass']],
      '240/90': [[0, 90_000, 'pass'], [2, 90_000, 'pass'], [0, 91_000, 'fail']],
    };
    const runs: RunOf[] = [];
    for (const [k, seeds] of Object.entries(outcomes)) {
      const [period, restart] = k.split('/') as [string, string];
      seeds.forEach(([vmsFailedOver, unmonitoredMs, verdict], i) =>
        runs.push({ experiment: 'compute-resiliency', defect: null, seed: i + 1, verdict, cell: { [P]: period, [R]: restart }, vmsFailedOver, unmonitoredMs }),
      );
    }
    const c = campaign({
      name: 'what-if-resiliency',
      title: 'What if: ResiliencyDefaultPeriod × the service back after',
      file: 'experiments/campaigns/what-if-resiliency.yaml',
      experiments: [{ name: 'compute-resiliency', file: '../compute-resiliency.yaml', sets: [] }],
      seeds: [1, 2, 3],
      grid: [{ path: P, values: ['60', '240'] }, { path: R, values: ['30', '90'] }],
    });
    const { probe: p } = render('what-if', result(c, runs, { verdict: 'fail', reason: 'compute-resiliency failed without a defect on seed 3' }));

    expect(p.grids).to.have.length(1);
    const g = p.grids[0]!;
    expect([g.experiment, g.defect, g.title]).to.deep.equal(['compute-resiliency', 'none', 'compute-resiliency × no defect']);
    // rows are the first axis, columns the second
    expect(g.head).to.deep.equal([`${P} ↓ ${R} →`, '30', '90']);
    expect(g.rows.map((row) => row[0])).to.deep.equal(['60', '240']);
    const at = (period: string, restart: string): Cell => {
      const found = g.cells.find((x) => x.cell === `${P}=${period}, ${R}=${restart}`);
      expect(found, `${period}/${restart}`).to.not.equal(undefined);
      return found!;
    };
    expect(g.rows[0]![2]).to.equal(at('60', '90').text);
    expect(at('60', '30').text).to.equal('VMs failed over in 0/3unmonitored median 30 s, max 31 spass 3/3');
    expect(at('60', '90').text).to.equal('VMs failed over in 3/3unmonitored median 60 s, max 60 spass 3/3');
    expect(at('60', '90').title).to.equal(`with ${P} 60 and ${R} 90: VMs failed over in 3/3 runs, unmonitored 60 s (median; max 60 s)`);
    expect(at('240', '30').text).to.equal('VMs failed over in 0/3unmonitored median 32 s, max 45.5 s' + 'pass 3/3');
    expect(at('240', '90').text).to.equal('VMs failed over in 1/3unmonitored median 90 s, max 91 sfail 1/3 (seed 3)');
    expect([at('60', '90').tone, at('240', '90').tone]).to.deep.equal(['tone-ok', 'tone-bad']);
    expect(at('240', '90').bg).to.equal(RED);
    // the failing grid cell links to its run, which names its settings cell
    const l = listOf(p, at('240', '90'));
    expect(l.head).to.include('settings cell');
    expect(l.rows.map((x) => x.cells.slice(0, 2))).to.deep.equal([['3', `${P}=240, ${R}=90`]]);
    expect(l.rows[0]!.replay).to.equal(`npx clusterchaos run experiments/compute-resiliency.yaml --seed 3 --set ${P}=240 --set ${R}=90`);
    // the matrix aggregates the 12 runs into one cell
    expect(cell(p, 'compute-resiliency', 'none').text).to.equal('fail 1/12 (seed 3)');
    expect(status(p, 'none').text).to.equal(`failed on seed 3 (in ${P}=240, ${R}=90)`);
  });

  it('lays out a one-axis grid as one row and a three-axis grid as one row per cell', () => {
    const one = campaign({ experiments: [{ name: 'e', file: 'e.yaml', sets: [] }], seeds: [1], grid: [{ path: 'a', values: ['1', '2', '3'] }] });
    const { probe: p1 } = render('grid-one-axis', result(one, ['1', '2', '3'].map((a) => ({ experiment: 'e', defect: null, seed: 1, verdict: 'pass' as const, cell: { a } })), {}));
    expect(p1.grids[0]!.head).to.deep.equal(['a', '1', '2', '3']);
    expect(p1.grids[0]!.rows).to.have.length(1);
    expect(p1.grids[0]!.cells.map((x) => x.cell)).to.deep.equal(['a=1', 'a=2', 'a=3']);

    const axes = [{ path: 'a', values: ['1', '2'] }, { path: 'b', values: ['x', 'y'] }, { path: 'c', values: ['p', 'q'] }];
    const three = campaign({ experiments: [{ name: 'e', file: 'e.yaml', sets: [] }], seeds: [1], grid: axes });
    const runs: RunOf[] = [];
    for (const a of ['1', '2']) for (const b of ['x', 'y']) for (const c of ['p', 'q']) runs.push({ experiment: 'e', defect: null, seed: 1, verdict: 'pass', cell: { a, b, c }, unmonitoredMs: 5000 });
    const { probe: p3 } = render('grid-three-axes', result(three, runs, {}));
    const g = p3.grids[0]!;
    expect(g.head).to.deep.equal(['a', 'b', 'c', 'outcome']);
    expect(g.rows).to.have.length(8);
    expect(g.rows[5]!.slice(0, 3)).to.deep.equal(['2', 'x', 'q']);
    expect(g.rows[5]![3]).to.equal('VMs failed over in 0/1unmonitored median 5 s, max 5 spass 1/1');
  });

  it('groups the columns per target when the campaign has several, and says why it stopped', () => {
    const lab: RunTarget = { kind: 'powershell', cluster: 'hv-lab-01' };
    const c = campaign({
      experiments: [{ name: 'node-drain', file: '../node-drain.yaml', sets: [] }, { name: 'rolling-restart', file: '../rolling-restart.yaml', sets: [] }],
      seeds: [1, 2],
      targets: [SIM, lab],
    });
    const runs: RunOf[] = [];
    for (const target of [SIM, lab]) for (const experiment of ['node-drain', 'rolling-restart']) for (const seed of [1, 2]) {
      if (target === lab && experiment === 'rolling-restart' && seed === 2) continue;
      runs.push({ experiment, defect: null, seed, verdict: target === lab && experiment === 'rolling-restart' ? 'fail' : 'pass', target });
    }
    const r = result(c, runs, { planned: 8, stopped: 'stop-on first-failure: rolling-restart failed on hv-lab-01', via: { kind: 'queue', queue: 'redis://10.0.0.5:6379' }, verdict: 'fail', reason: 'rolling-restart failed without a defect on hv-lab-01' });
    const { probe: p } = render('targets', r);
    expect(p.facts.runs).to.equal('7 of 8 planned — stopped: stop-on first-failure: rolling-restart failed on hv-lab-01');
    expect(p.facts.ran).to.equal('through the queue redis://10.0.0.5:6379');
    expect(p.matrixHead).to.deep.equal([['defect', 'sim', 'hv-lab-01', 'status'], ['node-drain', 'rolling-restart', 'node-drain', 'rolling-restart']]);
    expect(p.cells.map((x) => [x.target ?? 'status', x.experiment ?? '', x.text])).to.deep.equal([
      ['sim', 'node-drain', 'pass 2/2'],
      ['sim', 'rolling-restart', 'pass 2/2'],
      ['hv-lab-01', 'node-drain', 'pass 2/2'],
      ['hv-lab-01', 'rolling-restart', 'fail 1/1 (seed 1)'],
      ['status', '', 'failed on seed 1 (on hv-lab-01)'],
    ]);
    const l = listOf(p, p.cells[3]!);
    expect(l.rows[0]!.cells.slice(0, 4)).to.deep.equal(['1', 'rolling-restart', 'hv-lab-01', 'fail']);
    expect(l.rows[0]!.replay).to.equal('npx clusterchaos run experiments/rolling-restart.yaml --seed 1 --target powershell');
  });
});
