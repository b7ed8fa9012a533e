import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { sources } from '../../machines/sources.js';
import type { Violation } from '../../src/check/result.js';
import { runExperiment, type ExperimentRun } from '../../src/run/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { escapeHtml } from '../../src/report/escape.js';
import { collectLanes, htmlOf, writeReports } from '../../src/report/index.js';
import { explainViolation } from '../../src/report/timeline.js';
import { failing, flagship, reportInput, TraceFile, violation } from './fixtures/trace.js';
import { browser, headless } from '../helpers/browser.js';

/**
 * report.html as a person sees it: the flagship's and a failing run's reports rendered by headless Chromium
 * (the browser `npm test`'s pretest found: test/helpers/browser.ts). The screenshots are kept in reports/test-artifacts/.
 */
const ARTIFACTS = resolve('reports/test-artifacts');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const chromium = headless;

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
    const found = spawnSync(browser(), ['--version'], { encoding: 'utf8' });
    if (found.error || found.status !== 0) {
      throw new Error(
        `A headless browser is needed to test report.html and was not found (${found.error?.message ?? found.stderr}): ` +
          "install Chromium, Chrome or Edge (or set CLUSTERCHAOS_BROWSER); npm test's pretest installs Debian's chromium when it can.",
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
    // the simulated cluster's zone (UTC unless told) in the header, and the wall clock from it in the banner
    expect(r.header.timeZone).to.deep.equal({ id: 'UTC', utcOffsetMinutes: 0 });
    expect(dom).to.include('<dt>cluster time zone</dt><dd>UTC</dd>');
    const started = r.header.startTime.slice(0, 19).replace('T', ' ');
    expect(dom).to.include(`<dt>started</dt><dd>${started} UTC · ${started} cluster local time</dd>`);
    // the models it was checked against, each a table of states and transitions
    for (const model of ['node-membership', 'clustered-vm']) expect(dom).to.include(`<details class="model" data-model="${model}">`);
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

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * A 30-hour soak on a cluster in Paris (UTC+01:00 in January): a live migration of sql01 every 10 minutes, each
 * iteration checkpointed; a Windows event every minute (1,800, far more than the report draws), the last hour's
 * one an Error; N2 Down for 30 s at 20:03:00 (the violation, in iteration 121), polled every 10 s around it and
 * every 5 minutes elsewhere; ResiliencyDefaultPeriod 60 s (the default is 240 s).
 */
function parisSoak(): { trace: TraceFile; v: Violation } {
  const trace = new TraceFile();
  trace.header.timeZone = { id: 'Europe/Paris', utcOffsetMinutes: 60 };
  const down = 20 * HOUR + 3 * MINUTE;
  const polls = new Set<number>();
  for (let t = 0; t <= 30 * HOUR; t += 5 * MINUTE) polls.add(t);
  for (let t = 20 * HOUR; t <= 20 * HOUR + 6 * MINUTE; t += 10_000) polls.add(t);
  const events = new Map<number, [number, string, string]>();
  for (let m = 1; m <= 1800; m++) events.set(m * MINUTE, m === 1780 ? [1069, 'Error', 'Cluster resource failed.'] : [5120, 'Information', `check ${m}`]);
  const times = [...new Set([...polls, ...events.keys()])].sort((a, b) => a - b);
  let iteration = 0;
  for (const t of times) {
    if (t > 0 && t % (10 * MINUTE) === 0 && t < 30 * HOUR) {
      trace.op(t, 'live-migrate', 'invoke', { vm: 'sql01', to: 'N1' }, { process: 'workload' });
      trace.op(t + 12_000, 'live-migrate', 'ok', { vm: 'sql01', to: 'N1' }, {
        process: 'workload',
        value: { vm: 'sql01', source: 'N2', target: 'N1', transport: 'TCPIP', passes: 3, passMs: [8000, 2500, 500], blackoutMs: 400, totalMs: 12_000, bytes: 17_179_869_184 },
      });
      trace.checkpoint(t + 12_000, ++iteration);
    }
    const e = events.get(t);
    if (e) trace.event(t, 'N1', e[0], e[1], e[2]);
    if (polls.has(t)) {
      trace.node(t, 'N1', 'Up');
      trace.node(t, 'N2', t >= down && t < down + 30_000 ? 'Down' : 'Up');
      trace.vm(t, 'sql01', 'Running', 'N2');
    }
  }
  const v = violation({ t: down, since: undefined, message: 'node/N2 was observed Down at 20:03:00.0; the model reaches Down only through Isolated [MSBLOG], [MSDN-RDP].' });
  return { trace, v };
}

describe('report.html in headless Chromium: the morning-after questions', function () {
  this.timeout(240_000);

  it('answers them on a 30-hour soak: wall clock, units and defaults, events over the whole run, the zoom, models, sources, readable values', async () => {
    const { trace, v } = parisSoak();
    const path = trace.write();
    const input = reportInput(trace, path, failing(v), { virtualMs: 30 * HOUR });
    const { html } = await writeReports(dirname(path), input);
    const { dom } = render('paris-soak', html);
    const section = (id: string): string => {
      const at = dom.indexOf(`<section id="${id}">`);
      expect(at, `no section ${id}`).to.be.above(-1);
      return dom.slice(at, dom.indexOf('</section>', at));
    };
    const banner = dom.slice(dom.indexOf('<header'), dom.indexOf('</header>'));

    // wall clock, UTC and the cluster's local time, beside the run's clock
    expect(banner).to.include('<dt>started</dt><dd>2026-01-01 00:00:00 UTC · 2026-01-01 01:00:00 cluster local time</dd>');
    expect(banner).to.include('<dt>cluster time zone</dt><dd>Europe/Paris, UTC+01:00</dd>');
    expect(section('violations')).to.include('<dt>wall clock</dt><dd>2026-01-01 20:03:00 UTC · 2026-01-01 21:03:00 cluster local time</dd>');
    expect(section('events')).to.match(/<td class="num">29:40:00\.0<\/td><td class="num">2026-01-02 05:40:00 UTC<\/td><td class="num">2026-01-02 06:40:00<\/td>/);

    // the first violation in the banner with its iteration, and zoomed: N2's 30 s Down readable, its marker on it
    expect(banner).to.include('<dt>first violation</dt><dd>20:03:00.0 on the run\'s clock (2026-01-01 20:03:00 UTC · 2026-01-01 21:03:00 cluster local time), in iteration 121: node/N2 observed Down</dd>');
    const zoom = section('zoom');
    expect(zoom).to.include('(iteration 121)</h2>');
    expect(zoom).to.include('20:00:30.0–20:05:30.0 of the run');
    expect(zoom).to.match(/class="box-text"[^>]*>Down<\/text>/);
    expect(zoom).to.include('class="violation-marker"');
    expect(section('timeline')).not.to.match(/class="box-text"[^>]*>Down<\/text>/); // 30 s of 30 h: too narrow to say

    // settings: units, the documented default, and a mark on the one that differs from it
    const settings = section('settings');
    expect(settings).to.match(/<tr class="changed" data-setting="ResiliencyDefaultPeriod"><td>ResiliencyDefaultPeriod<\/td><td class="num">60 s<\/td><td>s<\/td><td class="num">240 s<\/td><td class="mark"><span class="changed-mark"[^>]*>≠ default<\/span><\/td>/);
    expect(settings).to.match(/<tr class="default" data-setting="QuarantineDuration"><td>QuarantineDuration<\/td><td class="num">7200 s<\/td><td>s<\/td><td class="num">7200 s<\/td><td class="mark"><\/td>/);

    // event markers over the whole run, not its first hours: the table and the ticks reach hour 29, the Error kept
    const events = section('events');
    expect(events).to.include('Showing 412 of the 1800 events, spread over the whole run');
    expect(events).to.match(/<tr class="level-error"><td class="num">29:40:00\.0<\/td>/);
    const ticks = [...section('timeline').matchAll(/<line class="event" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ticks.length).to.be.within(400, 500);
    expect(Math.max(...ticks)).to.be.above(1100); // the plot runs from 170 to 1170
    expect(ticks.filter((x) => x > 670).length).to.be.above(150); // half of them in the second half of the run

    // readable values in the operations table, never JSON
    const operations = section('operations');
    expect(operations).to.include('<td class="detail">sql01 N2 → N1 over TCPIP: total 12.0 s, 3 pre-copy passes (8.0 s, 2.5 s, 0.5 s), blackout 0.4 s, 16.0 GiB sent</td>');
    expect(operations).not.to.match(/<td class="detail">[{[]/);

    // the models the run was checked against, as tables of their states and transitions
    const models = section('models');
    expect(models).to.include('<details class="model" data-model="node-membership">');
    expect(models).to.match(/<tr><td><code>Isolated<\/code><\/td><td>Isolated<\/td>/);
    expect(models).to.match(/<tr><td><code>Isolated<\/code><\/td><td>after ResiliencyDefaultPeriod<\/td><td><code>Down<\/code><\/td>/);

    // every source key a link to its title and address on the page
    const cited = [...dom.matchAll(/<a class="cite" href="#source-([A-Z0-9-]+)">\[\1\]<\/a>/g)].map((m) => m[1]!);
    expect(cited).to.include.members(['MSDN-RDP', 'ITPRO-RES', 'SR-FAQ', 'MSBLOG']);
    const listed = section('sources');
    for (const key of new Set(cited)) {
      // as Chromium writes text back: &, < and > escaped, quotes not
      const text = sources[key]!.title.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
      expect(listed).to.include(`<li id="source-${key}"><strong>[${key}]</strong> ${text} — <a href="${escapeHtml(sources[key]!.url)}">`);
    }
    expect(listed).to.include('<a href="https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/resiliencydefaultperiod">');
  });
});
