import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { runExperiment, type ExperimentRun } from '../../src/cli/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { escapeHtml } from '../../src/report/escape.js';
import { collectLanes, htmlOf } from '../../src/report/index.js';
import { explainViolation } from '../../src/report/timeline.js';
import { flagship, reportInput } from './fixtures/trace.js';

/**
 * report.html as a person sees it: the flagship's and a failing run's reports rendered by headless Chromium
 * (Debian's `chromium` package; .ci/run installs it). The screenshots are kept in reports/test-artifacts/.
 */
const CHROMIUM = 'chromium';
const ARTIFACTS = resolve('reports/test-artifacts');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chromium(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(CHROMIUM, ['--headless', '--disable-gpu', '--no-sandbox', '--window-size=1400,1000', ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  expect(r.status, `chromium ${args.join(' ')} exited ${r.status}: ${r.stderr}`).to.equal(0);
  return { stdout: r.stdout, stderr: r.stderr };
}

async function run(name: string, defects: string[]): Promise<ExperimentRun> {
  const experiment = loadExperiment('experiments/compute-resiliency.yaml', { settings: settingDefinitions, faults });
  const outDir = mkdtempSync(join(tmpdir(), `chromium-${name}-`));
  const replay = `npx clusterchaos run experiments/compute-resiliency.yaml${defects.map((d) => ` --defect ${d}`).join('')}`;
  return runExperiment({ experiment, outDir, defects, replay, log: pino({ level: 'silent' }) });
}

/** Render a report: its screenshot (kept as an artifact with the page itself) and the DOM Chromium built from it. */
function render(name: string, html: string): { dom: string; png: string } {
  mkdirSync(ARTIFACTS, { recursive: true });
  const png = join(ARTIFACTS, `report-${name}.png`);
  copyFileSync(html, join(ARTIFACTS, `report-${name}.html`));
  const url = pathToFileURL(html).href;
  const shot = chromium([`--screenshot=${png}`, url]);
  expect(existsSync(png), `no screenshot at ${png}: ${shot.stderr}`).to.equal(true);
  const { stdout: dom } = chromium(['--dump-dom', url]);
  return { dom, png };
}

function expectScreenshot(png: string): void {
  const bytes = readFileSync(png);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${png} is not a PNG`).to.equal(true);
  expect(bytes.subarray(12, 16).toString('latin1')).to.equal('IHDR');
  // the window's size, and far more than an empty page's few kilobytes
  expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).to.deep.equal([1400, 1000]);
  expect(statSync(png).size).to.be.above(30_000);
}

function expectLanes(dom: string, r: ExperimentRun): void {
  const { nodes, vms } = r.header.cluster;
  expect(nodes).to.deep.equal(['N1', 'N2', 'N3', 'N4']);
  for (const n of nodes) {
    expect(dom).to.include(`data-entity="node/${n}"`);
    expect(dom).to.match(new RegExp(`class="lane-label"[^>]*><title>node/${n}</title>${n}</text>`));
  }
  expect(vms.length).to.be.above(0);
  for (const vm of vms) {
    expect(dom).to.include(`data-entity="vm/${escapeHtml(vm.name)}"`);
    expect(dom).to.include(`>${escapeHtml(`${vm.name} (${vm.storage})`)}</text>`);
  }
}

describe('report.html in headless Chromium', function () {
  it('fits the window\'s width: a long operation value wraps in its cell', async () => {
    const trace = flagship();
    trace.op(61_000, 'live-migrate', 'invoke', { vm: 'sql01', to: 'N1' }, { process: 'workload' });
    trace.op(70_000, 'live-migrate', 'ok', { vm: 'sql01', to: 'N1' }, { process: 'workload', value: { passMs: Array.from({ length: 60 }, (_, i) => 1000 + i) } });
    const path = trace.write();
    const page = `${htmlOf(reportInput(trace, path), await collectLanes(path, trace.header))}`;
    // a test-only script measures the page as laid out; the report itself has none
    const file = join(mkdtempSync(join(tmpdir(), 'chromium-width-')), 'report.html');
    writeFileSync(file, page.replace('</body>', '<script>document.body.dataset.scrollWidth = String(document.documentElement.scrollWidth)</script></body>'));
    const { stdout: dom } = chromium(['--dump-dom', pathToFileURL(file).href]);
    const width = Number(dom.match(/data-scroll-width="(\d+)"/)?.[1]);
    expect(width).to.be.above(0);
    expect(width).to.be.at.most(1400);
  });

  this.timeout(240_000);

  before(function () {
    const found = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
    if (found.error || found.status !== 0) {
      throw new Error(
        `Chromium is needed to test report.html and was not found (${found.error?.message ?? found.stderr}): ` +
          'install it with `sudo apt-get install chromium` (Debian); .ci/run installs it when missing.',
      );
    }
  });

  it('renders the flagship: a PASS, one lane per node N1..N4 and per VM, the fault window, no violation', async () => {
    const r = await run('flagship', []);
    expect(r.result.verdict, r.result.reason).to.equal('pass');
    const { dom, png } = render('flagship', r.files.html);
    expectScreenshot(png);
    expect(dom).to.include('<p class="verdict">PASS</p>');
    expectLanes(dom, r);
    expect(dom).to.match(/class="fault-label"[^>]*>kill-clussvc N2<\/text>/);
    expect(dom).to.include('No violations: every observation fits the models.');
    expect(dom).not.to.include('class="violation-marker"');
    // N2's Isolated box says so, and every lane has its expected strip, all green
    expect(dom).to.match(/class="box-text"[^>]*>Isolated<\/text>/);
    expect((dom.match(/<g class="expected" /g) ?? []).length).to.equal(r.header.cluster.nodes.length + r.header.cluster.vms.length);
    expect(dom).not.to.include('class="expected-violated"');
  });

  it('renders a failing run (no-isolation): the lanes, the violation marked on N2 and said in words under the timeline', async () => {
    const r = await run('no-isolation', ['no-isolation']);
    expect(r.result.verdict).to.equal('fail');
    const v = r.result.violations[0]!;
    expect(v.entity).to.equal('node/N2');
    const { dom, png } = render('no-isolation', r.files.html);
    expectScreenshot(png);
    expect(dom).to.include('<p class="verdict">FAIL</p>');
    expectLanes(dom, r);
    // the marker on N2's lane, and the sentence: on the drawing (tooltip and callout) and in the list under it
    expect(dom).to.include('class="violation-marker"');
    const sentence = escapeHtml(explainViolation(v));
    expect(sentence).to.match(/^N2: expected .*Isolated.* after kill-clussvc on N2 at \d\d:\d\d\.\d \(ResiliencyDefaultPeriod = 60 s\); observed Down at /);
    expect(dom).to.include(`<title>1. ${sentence}</title>`);
    expect(dom).to.include(`<a class="badge" href="#violation-1">1</a> ${sentence}.</li>`);
    expect(dom).to.include(escapeHtml(v.message));
    // N2's expected strip, red from the violation, says what the model expected
    const strip = dom.slice(dom.indexOf('<g class="expected" data-entity="node/N2">'));
    expect(strip.slice(0, strip.indexOf('</g>'))).to.match(new RegExp(`<text class="expected-text" [^>]*>expected ${escapeHtml(v.expected)}</text>`));
    // first screen: the verdict, then the timeline with its callouts before anything else
    const timeline = dom.indexOf('<section id="timeline">');
    expect(timeline).to.be.above(dom.indexOf('<header class="banner fail">'));
    expect(timeline).to.be.below(dom.indexOf('<section id="settings">'));
  });
});
