import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cli } from '../helpers/cli.js';
import { headless } from '../helpers/browser.js';

/**
 * <out>/report.html of `clusterchaos accept`: one page for the whole suite, every case with its verdict and a
 * relative link to the report of the run behind it. Made by the real CLI on the simulator (--defect no-isolation
 * --bail: passes, one failure, cases not attempted), then read as a file and in headless Chromium (as
 * test/report/chromium.test.ts does), following a link from the page to the run's own report.
 */
const ARTIFACTS = resolve('reports/test-artifacts');

const chromium = (args: string[]): string => headless(args).stdout;

/** The rows of the page's case tables: the case ("spec › node or VM"), its verdict and the href of its run's link. */
function rows(html: string): { case: string; outcome: string; href?: string }[] {
  return [...html.matchAll(/<tr class="[^"]*" data-case="([^"]*)">([\s\S]*?)<\/tr>/g)].map((m) => {
    const outcome = /<td class="outcome">([^<]*)<\/td>/.exec(m[2]!)![1]!;
    const href = /<a href="([^"]*)"/.exec(m[2]!)?.[1];
    return { case: m[1]!.replaceAll('&gt;', '>'), outcome, ...(href ? { href: href.replaceAll('&amp;', '&') } : {}) };
  });
}

describe('clusterchaos accept: the combined report.html', function () {
  this.timeout(300_000);
  let dir: string;
  let out: string;
  let stdout: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-accept-report-'));
    out = join(dir, 'out');
    const r = cli(['accept', '--bail', '--defect', 'no-isolation', '--out', out]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    stdout = r.stdout;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every case with its verdict, links each run that ran to its report.html relatively, and fetches nothing', () => {
    expect(stdout).to.include(`report: ${join(out, 'report.html')} (every case, linking each run's report.html)`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const cases = rows(html);
    expect(cases).to.have.length(15);
    expect(cases.map((c) => c.outcome)).to.deep.equal([...Array(11).fill('pass'), 'FAIL', ...Array(3).fill('not attempted')]);
    expect(cases[11]).to.deep.equal({ case: 'Compute Resiliency holds, one node at a time › N1', outcome: 'FAIL', href: 'pre-upgrade-resiliency-N1/report.html' });
    // the configuration is read-only (no run), a case not attempted has no run to link
    expect(cases[0]!.href).to.equal(undefined);
    for (const c of cases.slice(12)) expect(c.href, c.case).to.equal(undefined);
    for (const c of cases.slice(1, 12)) {
      expect(c.href, c.case).to.match(/^pre-upgrade-[\w-]+\/report\.html$/);
      expect(existsSync(join(out, c.href!)), c.href).to.equal(true);
    }
    expect(html).to.include('<p class="verdict">FAIL</p>');
    expect(html).to.include('Compute Resiliency on N1 failed first (11 of 15 cases passed, 3 not attempted)');
    expect(html).to.include('not attempted: --bail, and Compute Resiliency on N1 failed first');
    expect(html).to.include('npx clusterchaos accept --target sim --seed 1 --defect no-isolation --bail');
    // self-contained: no script, style sheet, image or frame from elsewhere
    expect(html).to.not.match(/<(script|link|img|iframe)\b/i);
    expect(html).to.not.match(/(src|href)="(https?:)?\/\//i);
  });

  it('in headless Chromium, after the folder is moved: a case\'s link opens its run\'s own report', () => {
    // moved whole (as one zips it for a change-advisory board): relative links must still lead to the runs
    const moved = join(dir, 'handed-over');
    renameSync(out, moved);
    const page = pathToFileURL(join(moved, 'report.html')).href;
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, 'accept-report.png');
    rmSync(png, { force: true });
    chromium([`--screenshot=${png}`, page]);
    expect(existsSync(png)).to.equal(true);
    copyFileSync(join(moved, 'report.html'), join(ARTIFACTS, 'accept-report.html'));

    const dom = chromium(['--dump-dom', page]);
    const failed = rows(dom).find((c) => c.outcome === 'FAIL')!;
    expect(failed.case).to.equal('Compute Resiliency holds, one node at a time › N1');
    // follow the link as the browser resolves it, against the page's own address
    const target = new URL(failed.href!, page);
    expect(fileURLToPath(target)).to.equal(join(moved, 'pre-upgrade-resiliency-N1', 'report.html'));
    const run = chromium(['--dump-dom', target.href]);
    expect(run).to.include('<title>FAIL: Compute Resiliency on N1 — clusterchaos</title>');
    expect(run).to.include('data-entity="node/N1"');
  });
});
