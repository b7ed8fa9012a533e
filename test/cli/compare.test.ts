import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import { cli } from '../helpers/cli.js';

const STAYS_DOWN = 'experiments/clussvc-stays-down.yaml';
const FLAGSHIP = 'experiments/compute-resiliency.yaml';
const SOAK = 'experiments/live-migration-soak.yaml';

interface El {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<El>;
  textContent: string | null;
}

/** A table of the HTML page, parsed back as XML: each row's cells' text. */
function tableRows(root: El, cls: string): string[][] {
  const table = Array.from(root.getElementsByTagName('table')).find((t) => t.getAttribute('class') === cls);
  expect(table, `a table of class ${cls}`).to.exist;
  return Array.from(table!.getElementsByTagName('tr')).map((tr) => {
    const cells: string[] = [];
    for (const c of Array.from((tr as unknown as { childNodes: ArrayLike<El & { nodeName: string }> }).childNodes)) {
      if (c.nodeName === 'td' || c.nodeName === 'th') cells.push((c.textContent ?? '').trim());
    }
    return cells;
  });
}

function run(args: string[]): void {
  const r = cli(['run', ...args]);
  expect(r.code, r.stderr + r.stdout).to.equal(0);
}

describe('clusterchaos compare <a> <b>', function () {
  this.timeout(300_000);
  let dir: string;
  let p30: string;
  let p60: string;
  let flagship: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-compare-'));
    p30 = join(dir, 'period-30');
    p60 = join(dir, 'period-60');
    flagship = join(dir, 'flagship');
    // the same experiment before and after a settings change: N2's Isolated → Down comes 30 s later
    run([STAYS_DOWN, '--out', p30, '--set', 'settings.ResiliencyDefaultPeriod=30']);
    run([STAYS_DOWN, '--out', p60, '--set', 'settings.ResiliencyDefaultPeriod=60']);
    run([FLAGSHIP, '--out', flagship]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows each transition of N2 and its VMs in both runs, with the difference and how long the state left lasted', () => {
    const r = cli(['compare', p30, p60]);
    expect(r.code, r.stderr).to.equal(0);
    const out = r.stdout;
    expect(out).not.to.match(/different experiments/);
    expect(out).to.match(/^A {2}.*period-30 {2}\(clussvc-stays-down, sim, seed 1, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, 03:00\.0 on the run's clock\)$/m);
    expect(out).to.match(/^ {2}A {2}pass {2}— \d+ observations of 12 entities conform to the models$/m);
    expect(out).to.match(/^ {2}B {2}pass {2}— /m);
    // the settings that differ, and only those
    expect(out).to.match(/^ {2}ResiliencyDefaultPeriod +30 +60$/m);
    expect(out).to.match(/^ {2}--set +settings\.ResiliencyDefaultPeriod=30 +settings\.ResiliencyDefaultPeriod=60$/m);
    expect(out).not.to.match(/^ {2}seed /m);
    // node/N2: isolated at the same moment, down 30 s later, after 30 s vs 60 s Isolated
    expect(out).to.match(/^ {2}node\/N2$/m);
    expect(out).to.match(/^ {4}Up → Isolated +00:10\.0 +00:10\.0 +same +Up for 10\.0 s vs 10\.0 s$/m);
    expect(out).to.match(/^ {4}Isolated → Down +00:40\.0 +01:10\.0 +\+30\.0 s +Isolated for 30\.0 s vs 60\.0 s \(\+30\.0 s\)$/m);
    expect(out).to.match(/^ {4}Unmonitored on N2 → Starting on N1 +00:40\.0 +01:10\.0 +\+30\.0 s /m);
    expect(out).to.match(/^no change of state in either: node\/N1, node\/N3, node\/N4, /m);
    expect(out).to.match(/^live migrations: none in either run$/m);
    expect(r.lastLine).to.equal(
      'compared: verdicts: both pass; 2 setup differences; 3 of 12 entities changed differently (node/N2, vm/web01, vm/sql01); no live migrations',
    );
  });

  it('takes trace.ndjson paths as well as run folders', () => {
    const r = cli(['compare', join(p30, 'trace.ndjson'), join(p60, 'trace.ndjson')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Isolated → Down +00:40\.0 +01:10\.0 +\+30\.0 s/);
  });

  it('says first that two runs are of different experiments, then compares them', () => {
    const r = cli(['compare', flagship, p60]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n')[0]).to.equal(
      'note: these are runs of different experiments (A compute-resiliency, B clussvc-stays-down): what they did differs by design, not only by what changed between them',
    );
    expect(r.stdout).to.match(/^ {2}experiment +compute-resiliency \(experiments\/compute-resiliency\.yaml\) +clussvc-stays-down \(experiments\/clussvc-stays-down\.yaml\)$/m);
    // N2 rejoins without going Down in A; goes Down only in B
    expect(r.stdout).to.match(/^ {4}Isolated → Down +— +01:10\.0 +only in B +Isolated for 60\.0 s$/m);
  });

  it('compares live-migration figures: count, median and p95 time, failures, as summary.json has them', () => {
    const s20 = join(dir, 'soak-20');
    const s200 = join(dir, 'soak-200');
    run([SOAK, '--out', s20, '--set', 'iterations=20']);
    run([SOAK, '--out', s200, '--set', 'iterations=200']);
    const r = cli(['compare', s20, s200]);
    expect(r.code, r.stderr).to.equal(0);
    const m20 = JSON.parse(readFileSync(join(s20, 'summary.json'), 'utf8')).migrations;
    const m200 = JSON.parse(readFileSync(join(s200, 'summary.json'), 'utf8')).migrations;
    const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`.replace('.', '\\.');
    expect(r.stdout).to.match(/^ {2}--set +iterations=20 +iterations=200$/m);
    expect(r.stdout).to.match(/^ {2}live migrations +20 +200 +\+180$/m);
    expect(r.stdout).to.match(/^ {2}failed +0 +0 +same$/m);
    expect(r.stdout).to.match(new RegExp(`^  time, median +${s(m20.totalMs.p50)} +${s(m200.totalMs.p50)} `, 'm'));
    expect(r.stdout).to.match(new RegExp(`^  time, p95 +${s(m20.totalMs.p95)} +${s(m200.totalMs.p95)} `, 'm'));
    // a VM that moved some 33 times is counted, not listed move by move
    expect(r.stdout).to.match(/^ {2}vm\/sqltest01\n {4}0 vs 0 changes of state, [34] vs 3\d moves between nodes; time in each state:\n {6}Running +\d+\.\d s +\d+\.\d s +\+\d+\.\d s$/m);
    expect(r.lastLine).to.match(/; live-migration figures differ$/);
  });

  it('--html writes a self-contained, well-formed page with the same figures', () => {
    const html = join(dir, 'compare.html');
    const r = cli(['compare', p30, p60, '--html', html]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`written: ${html} (open it in a browser)`);
    const text = readFileSync(html, 'utf8');
    expect(text).not.to.match(/<script|<link|src=|href="http/);
    const root = create(text).root().node as unknown as El; // throws unless well-formed
    const runs = tableRows(root, 'runs');
    expect(runs.slice(1).map((row) => [row[0], row[1], row[3], row[5]])).to.deep.equal([
      ['A', 'pass', 'clussvc-stays-down', '1'],
      ['B', 'pass', 'clussvc-stays-down', '1'],
    ]);
    expect(tableRows(root, 'differences')).to.deep.include(['ResiliencyDefaultPeriod', '30', '60']);
    const transitions = tableRows(root, 'transitions');
    expect(transitions).to.deep.include(['node/N2', 'Up → Isolated', '00:10.0', '00:10.0', 'same', 'Up for 10.0 s vs 10.0 s']);
    expect(transitions).to.deep.include(['', 'Isolated → Down', '00:40.0', '01:10.0', '+30.0 s', 'Isolated for 30.0 s vs 60.0 s (+30.0 s)']);
    expect(transitions).to.deep.include(['node/N1', 'no change of state in either run', '', '', '', '']);
  });

  describe('bad input: exit 2, saying what was expected', () => {
    it('a folder that is not a run', () => {
      const notRun = join(dir, 'not-a-run');
      mkdirSync(notRun, { recursive: true });
      const r = cli(['compare', p30, notRun]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`${notRun}: not a run folder: it holds no trace.ndjson; give the folder a run wrote its results to`);
      expect(r.lastLine).to.equal('compared: nothing — bad input');
    });

    it('a path that does not exist', () => {
      const r = cli(['compare', join(dir, 'nowhere'), p60]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`${join(dir, 'nowhere')}: no such run folder or trace (ENOENT)`);
    });

    it('a file that is not a trace, by its line', () => {
      const bad = join(dir, 'bad.ndjson');
      writeFileSync(bad, 'not json\n');
      const r = cli(['compare', bad, p60]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: `, 'm'));
    });

    it('a missing argument', () => {
      const r = cli(['compare', p30]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("missing required argument 'b'");
    });
  });
});
