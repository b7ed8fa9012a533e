import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectLanes, htmlOf, writeReports, type ReportInput } from '../../src/report/index.js';
import { SERIES_MAX_POINTS } from '../../src/report/migrations.js';
import { explainViolation } from '../../src/report/timeline.js';
import type { LiveMigrationValue } from '../../src/trace/records.js';
import { failing, flagship, reportInput, tmp, TraceFile, violation } from './fixtures/trace.js';

async function html(trace: TraceFile, result: Parameters<typeof reportInput>[2] = {}, run: Parameters<typeof reportInput>[3] = {}): Promise<string> {
  const path = trace.write();
  return htmlOf(reportInput(trace, path, result, run), await collectLanes(path, trace.header));
}

function count(text: string, pattern: RegExp): number {
  return (text.match(new RegExp(pattern.source, 'g')) ?? []).length;
}

describe('report.html', () => {
  it('is one self-contained page: inline style and SVG, no script, no reference to anything on the network', async () => {
    const page = await html(flagship(), failing());
    expect(page).to.match(/^<!doctype html>/);
    expect(page).to.match(/<style>/);
    expect(page).to.match(/<svg /);
    expect(page).not.to.match(/<script/i);
    // the only addresses are links a person may follow: the sources the page cites, written out as their own text
    expect(page).to.match(/<a href="https:\/\/[^"]+">https:\/\/[^<]+<\/a>/);
    expect(page.replace(/<a href="(https?:\/\/[^"]+)">\1<\/a>/g, '')).not.to.match(/https?:\/\//);
    expect(page).not.to.match(/<link /);
    expect(page).not.to.match(/ src=/);
  });

  it('opens with the verdict, its reason, the experiment, target, seed and the replay command in a code block', async () => {
    const page = await html(flagship(), failing());
    expect(page).to.match(/<header class="banner fail">/);
    expect(page).to.include('<p class="verdict">FAIL</p>');
    expect(page).to.include('Compute Resiliency — clussvc crashes on N2');
    expect(page).to.match(/<dt>seed<\/dt><dd>42<\/dd>/);
    expect(page).to.match(/<dt>target<\/dt><dd>sim/);
    expect(page).to.include('<code>npx clusterchaos run experiments/compute-resiliency.yaml --seed 42</code>');
    expect(await html(flagship())).to.match(/<header class="banner pass">/);
    expect(await html(flagship(), { verdict: 'unknown', reason: 'aborted', unknowns: ['the run was aborted: Ctrl-C'] })).to.match(
      /<header class="banner unknown">[\s\S]*the run was aborted: Ctrl-C/,
    );
  });

  it('lists the settings by name and value with its unit, beside the documented default, marking those that differ', async () => {
    const page = await html(flagship());
    expect(page).to.include('<tr class="changed" data-setting="ResiliencyDefaultPeriod"><td>ResiliencyDefaultPeriod</td><td class="num">60 s</td><td>s</td><td class="num">240 s</td><td class="mark"><span class="changed-mark" title="differs from the documented default">≠ default</span></td>');
    expect(page).to.include('<tr class="default" data-setting="QuarantineDuration"><td>QuarantineDuration</td><td class="num">7200 s</td><td>s</td><td class="num">7200 s</td><td class="mark"></td>');
    expect(page).to.include('1 setting differs from the documented default (marked ≠).');
    // where each default comes from, its source keys linked to the list of sources at the end
    expect(page).to.include('<a class="cite" href="#source-MSDN-RDP">[MSDN-RDP]</a> 240 s');
    expect(page).to.match(/<li id="source-MSDN-RDP"><strong>\[MSDN-RDP\]<\/strong> ResiliencyDefaultPeriod \(Failover Cluster common properties\) — <a href="https:\/\/learn\.microsoft\.com\/en-us\/previous-versions\/windows\/desktop\/mscs\/resiliencydefaultperiod">/);
  });

  it('draws one lane per node and per VM, labelled N2 and sql01 (csv-block), with the states written in the boxes', async () => {
    const page = await html(flagship());
    expect(count(page, /<g class="lane" /)).to.equal(3);
    for (const entity of ['node/N1', 'node/N2', 'vm/sql01']) expect(page).to.include(`data-entity="${entity}"`);
    expect(page).to.match(/class="lane-label"[^>]*><title>node\/N2<\/title>N2<\/text>/);
    expect(page).to.include('sql01 (csv-block)</text>');
    expect(page).to.match(/<title>N2: Isolated, 00:20\.0–00:30\.0 \(10\.0 s\)<\/title>/);
    expect(page).to.match(/>Isolated<\/text>/);
    expect(page).to.match(/<title>sql01: PausedCritical, owner N2, 00:22\.0–00:32\.0 \(10\.0 s\)<\/title>/);
  });

  it('colours a state the same on every lane', async () => {
    const page = await html(flagship());
    const fills = [...page.matchAll(/fill="(#[0-9a-f]{6})"><title>[^:]+: (Up|Running),/g)].map((m) => m[1]);
    expect(new Set(fills).size).to.equal(1);
  });

  it('marks an owner change on the VM lane', async () => {
    const trace = new TraceFile();
    for (let s = 0; s <= 60; s++) trace.vm(s * 1000, 'sql01', 'Running', s < 30 ? 'N2' : 'N1');
    const page = await html(trace);
    expect(page).to.match(/<g class="owner-change"><title>sql01: owner N2 → N1 at 00:30\.0<\/title>/);
    expect(page).to.include('>Running on N1</text>');
  });

  it('never writes the owner alone in a box too narrow for the state: `N2` in a red box reads as a node, not a state', async () => {
    const trace = new TraceFile();
    for (let s = 0; s <= 60; s++) trace.vm(s * 1000, 'sql01', s >= 20 && s < 23 ? 'PausedCritical' : 'Running', 'N2');
    const page = await html(trace);
    expect(page).to.match(/<title>sql01: PausedCritical, owner N2, 00:20\.0–00:23\.0/);
    expect(page).not.to.match(/class="box-text"[^>]*>N2<\/text>/);
  });

  it('writes a state in a box its narrow letters fit in: Isolated for 5 s of a 90 s run', async () => {
    const trace = new TraceFile();
    for (let s = 0; s <= 90; s++) trace.node(s * 1000, 'N2', s >= 10 && s < 15 ? 'Down' : 'Up', s >= 10 && s < 15 ? ['Isolated'] : []);
    const page = await html(trace, {}, { virtualMs: 90_000 });
    expect(page).to.match(/class="box-text"[^>]*>Isolated<\/text>/);
  });

  it('draws a VM that changed owner thousands of times as its state with the count, not as a black lane of marks', async () => {
    const trace = new TraceFile();
    for (let s = 0; s < 5000; s++) trace.vm(s * 1000, 'sql01', 'Running', s % 2 ? 'N1' : 'N2');
    const page = await html(trace, {}, { virtualMs: 5_000_000 });
    expect(page).not.to.include('class="owner-change"');
    expect(page).not.to.include('url(#many-changes)');
    expect(page).not.to.include('many changes: intervals too short to draw');
    expect(page).to.match(/<text class="owner-count" [^>]*><title>sql01 changed owner node 4999 times; hover a box for its owner<\/title>owner changed 4999 times<\/text>/);
    expect(page).to.match(/<rect class="state" [^>]*fill="#43a047"/);
  });

  it('gives states of one colour one legend entry: Up / Running', async () => {
    const page = await html(flagship());
    expect(page).to.match(/<li><span class="swatch" style="background:#43a047"><\/span>Up \/ Running<\/li>/);
    expect(page).to.match(/<li><span class="swatch" style="background:#ffb300"><\/span>Isolated \/ Unmonitored<\/li>/);
  });

  it('says the time axis is h:mm:ss when the run lasted over an hour', async () => {
    expect(await html(flagship())).to.include('Time from the start of the run (mm:ss)');
    const trace = new TraceFile();
    trace.node(0, 'N1', 'Up').node(7_200_000, 'N1', 'Up');
    expect(await html(trace, {}, { virtualMs: 7_200_000 })).to.include('Time from the start of the run (h:mm:ss)');
  });

  it('writes durations of fault and operation arguments in minutes and seconds, not milliseconds', async () => {
    const trace = new TraceFile();
    trace.node(0, 'N1', 'Up').op(0, 'drain-node', 'invoke', { node: 'N2', timeout: 1_800_000, transport: 'TCPIP' }).op(1000, 'drain-node', 'ok', { node: 'N2', timeout: 1_800_000, transport: 'TCPIP' });
    trace.op(2000, 'kill-clussvc', 'invoke', { node: 'N1', holdDown: 90_000 }).node(60_000, 'N1', 'Up');
    const page = await html(trace);
    expect(page).to.match(/class="fault-label"[^>]*>drain-node N2 timeout=30 min TCPIP<\/text>/);
    expect(page).to.include('<td>node=N2 timeout=30 min transport=TCPIP</td>');
    expect(page).to.match(/class="fault-label"[^>]*>kill-clussvc N1 holdDown=90 s<\/text>/);
  });

  it('keeps a fault label near the end of the run inside the drawing, written leftwards from its edge', async () => {
    const trace = flagship();
    trace.op(59_000, 'drain-node', 'invoke', { node: 'N1', transport: 'Compression' });
    const page = await html(trace);
    const label = page.match(/<text class="fault-label" x="([\d.]+)"[^>]*>(drain-node N1 Compression)<\/text>/);
    expect(label).to.not.equal(null);
    const faultX = 170 + (59_000 / 60_200) * 1000;
    expect(Number(label![1])).to.be.below(faultX);
    expect(Number(label![1]) + label![2]!.length * 7).to.be.at.most(1194);
  });

  it('wraps a long operation value in its cell instead of widening the page', async () => {
    const page = await html(flagship());
    expect(page).to.match(/td\.detail \{ overflow-wrap: anywhere;/);
    expect(page).to.match(/<td class="outcome">ok<\/td><td class="detail">/);
  });

  it('shades the fault window across the lanes with its label', async () => {
    const page = await html(flagship());
    expect(count(page, /<rect class="fault" /)).to.equal(1);
    expect(page).to.match(/class="fault-label"[^>]*>kill-clussvc N2<\/text>/);
    expect(page).to.include('kill-clussvc N2: injected at 00:10.0 (ok); reverted at 01:00.2 (ok)');
  });

  it('marks each violation on its lane with a numbered red marker linked to its entry in the list', async () => {
    const page = await html(flagship(), failing());
    expect(page).to.match(/<a href="#violation-1"><title>violation 1: node\/N2 was observed Down/);
    expect(count(page, /class="violation-marker"/)).to.equal(1);
    expect(page).to.match(/<li id="violation-1">/);
  });

  it('says each violation in words on the timeline itself: a callout under the lanes tied to its marker, the whole sentence in its tooltip', async () => {
    const sentence = 'N2: expected Isolated after kill-clussvc on N2 at 00:10.0 (ResiliencyDefaultPeriod = 60 s); observed Down at 00:21.0, 11.0 s after it';
    expect(explainViolation(violation())).to.equal(sentence);
    const page = await html(flagship(), failing());
    const svg = page.slice(page.indexOf('<svg class="timeline"'), page.indexOf('</svg>'));
    expect(svg).to.include('<g class="callouts">');
    expect(svg).to.include(`<title>1. ${sentence}</title>`);
    expect(svg).to.match(/<line class="callout-leader" [^>]*stroke-dasharray/);
    expect(svg).to.match(/<text class="callout" [^>]*>1\. N2: expected Isolated after kill-clussvc/);
  });

  it('lists the violations in words right under the timeline, numbered as their markers and linked to their evidence', async () => {
    const page = await html(flagship(), failing());
    const timeline = page.slice(page.indexOf('<section id="timeline">'), page.indexOf('</section>', page.indexOf('<section id="timeline">')));
    expect(timeline).to.include(
      '<li><a class="badge" href="#violation-1">1</a> N2: expected Isolated after kill-clussvc on N2 at 00:10.0 (ResiliencyDefaultPeriod = 60 s); observed Down at 00:21.0, 11.0 s after it.</li>',
    );
    expect(await html(flagship())).to.include('<p class="callouts-none">No violations: every observation fits the models.</p>');
  });

  it('explains a violation without a stimulus or a setting in fewer words', () => {
    expect(explainViolation(violation({ entity: 'cluster', since: undefined, setting: undefined, expected: 'at most 2 at once', observed: '3 at once' }))).to.equal(
      'cluster: expected at most 2 at once; observed 3 at once at 00:21.0',
    );
  });

  it('writes at most 8 callouts on the timeline and says how many more there are', async () => {
    const many = Array.from({ length: 11 }, (_, i) => violation({ t: 20_000 + i * 1000 }));
    const page = await html(flagship(), { verdict: 'fail', reason: '11 violations', violations: many });
    expect(count(page, /<text class="callout" [^>]*>\d+\. /)).to.equal(8);
    expect(page).to.include('… and 3 more violations: see the list below');
    expect(count(page, /class="violation-marker"/)).to.equal(11);
    expect(count(page, /<li><a class="badge" href="#violation-\d+">/)).to.equal(11);
  });

  it('lists each violation with rule, entity, expected, observed, when, setting, message and the quoted trace lines', async () => {
    const page = await html(flagship(), failing());
    const item = page.slice(page.indexOf('<li id="violation-1">'));
    expect(item).to.include('<dt>rule</dt><dd>node-membership</dd>');
    expect(item).to.include('<dt>entity</dt><dd>node/N2</dd>');
    expect(item).to.include('<dt>expected</dt><dd>Isolated</dd>');
    expect(item).to.include('<dt>observed</dt><dd>Down</dd>');
    expect(item).to.include('<dt>when</dt><dd>00:21.0, 11.0 s after kill-clussvc on N2 (at 00:10.0)</dd>');
    expect(item).to.include('<dt>setting</dt><dd>ResiliencyDefaultPeriod = 60 s</dd>');
    expect(item).to.include('the model allowed Isolated then.');
    expect(item).to.match(/<pre class="evidence">#30  00:10\.0  \{&quot;type&quot;:&quot;op&quot;/);
    expect(item).to.match(/<mark>#95  00:21\.0  \{&quot;type&quot;:&quot;observe&quot;/);
  });

  it('escapes names from the cluster: a VM called <script>alert(1)</script> appears only as text', async () => {
    const evil = '<script>alert(1)</script>';
    const trace = new TraceFile({ vms: [{ name: evil, owner: 'N"1', storage: 'smb', memoryGB: 1 }] });
    for (let s = 0; s <= 5; s++) trace.vm(s * 1000, evil, 'Running', 'N"1');
    trace.event(1000, 'N"1', 1135, 'Critical', `node ${evil} & friends`);
    const page = await html(trace, failing(violation({ entity: `vm/${evil}`, message: `${evil} paused` })));
    expect(page).not.to.include(evil);
    expect(page).not.to.match(/<script/i);
    expect(page).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.to.include('N"1');
  });

  it('tables the operations with their outcomes and the Windows events', async () => {
    const page = await html(flagship());
    expect(page).to.match(/<td>nemesis<\/td><td>kill-clussvc<\/td><td>node=N2<\/td><td class="outcome">ok<\/td>/);
    expect(page).to.match(/<td>nemesis<\/td><td>revert:kill-clussvc<\/td><td><\/td><td class="outcome">ok<\/td>/);
    expect(page).to.match(/<td class="num">00:10\.0<\/td><td class="num">2026-01-01 00:00:10 UTC<\/td><td class="num"><\/td><td>N2<\/td>.*<td class="num">7031<\/td><td>Error<\/td><td>The Cluster Service service terminated unexpectedly\.<\/td>/);
  });

  it('shows at most 500 Windows events, spread over the whole run, and says how many there were', async () => {
    const trace = new TraceFile();
    for (let i = 0; i < 700; i++) trace.event(i * 10, 'N1', 5120, 'Error', `event ${i}`);
    const page = await html(trace);
    const rows = [...page.matchAll(/<tr class="level-error"><td class="num">00:0(\d\.\d)<\/td>/g)].map((m) => Number(m[1]));
    expect(rows.length).to.be.within(300, 500);
    expect(Math.max(...rows)).to.be.at.least(6.9); // the last of the 7 seconds, not the first 5
    expect(page).to.include(`Showing ${rows.length} of the 700 events, spread over the whole run: the most severe of each 0 s.`);
  });

  it('shows the first 200 operations of a long run and, after them, only those that did not complete ok', async () => {
    const trace = new TraceFile();
    for (let i = 0; i < 1000; i++) {
      const args = { vm: 'sql01', to: i % 2 ? 'N1' : 'N2' };
      trace.op(i * 100, 'live-migrate', 'invoke', args, { process: 'workload' });
      if (i === 700) trace.op(i * 100 + 50, 'live-migrate', 'fail', args, { process: 'workload', error: 'Live migration of sql01 failed (21502)' });
      else trace.op(i * 100 + 50, 'live-migrate', 'ok', args, { process: 'workload' });
    }
    const page = await html(trace);
    expect(count(page, /<tr class="ok">/)).to.equal(200);
    expect(count(page, /<tr class="fail">/)).to.equal(1);
    expect(page).to.include('Live migration of sql01 failed (21502)');
    expect(page).to.include('Showing the first 200 of the run\'s 1000 operations and 1 after them that did not complete ok; every operation is in trace.ndjson.');
  });

  describe('live-migration times plotted over the run', () => {
    const vms = [{ name: 'sql01', owner: 'N1', storage: 'csv-block' as const, memoryGB: 16 }];

    function soak(n: number, failAt: number[] = []): TraceFile {
      const trace = new TraceFile({ vms, name: 'live-migration-soak' });
      for (let i = 1; i <= n; i++) {
        const t = i * 20_000;
        const target = i % 2 ? 'N2' : 'N1';
        const args = { vm: 'sql01', to: target };
        trace.op(t, 'live-migrate', 'invoke', args, { process: 'workload' });
        if (failAt.includes(i)) {
          trace.op(t + 3000, 'live-migrate', 'fail', args, { process: 'workload', error: 'failed', value: { vm: 'sql01', source: 'N1', target, failedIn: 'Setup' } });
          continue;
        }
        const totalMs = 8000 + (i % 10) * 1000; // 8 s … 17 s, median 12 s
        const value: LiveMigrationValue = { vm: 'sql01', source: 'N1', target, transport: 'TCPIP', totalMs, blackoutMs: 300, passes: 2, passMs: [totalMs - 4300], bytes: 1e9 };
        trace.op(t + totalMs, 'live-migrate', 'ok', args, { process: 'workload', value });
      }
      return trace;
    }

    it('has no migrations section when the run made none', async () => {
      expect(await html(flagship())).not.to.include('<section id="migrations">');
    });

    it('draws one dot per migration with its time in the tooltip, failed ones as red crosses, and the figures above', async () => {
      const page = await html(soak(30, [7]));
      const section = page.slice(page.indexOf('<section id="migrations">'));
      expect(section).to.include('<h2>Live migrations (30)</h2>');
      expect(section).to.include('live migrations: 30 (29 completed, 1 failed)');
      expect(count(section, /<circle class="migration" /)).to.equal(29);
      expect(section).to.include('<title>migration 3: 11.0 s</title>');
      expect(section).to.match(/<path class="migration-failed" [^>]*stroke="#d50000" stroke-width="2"><title>migration 7: failed<\/title>/);
      expect(section).to.include('migration, in the order the run made them (30 in all)');
    });

    it(`aggregates beyond ${SERIES_MAX_POINTS} migrations into at most 400 bars of median and maximum, so a long soak stays small`, async function () {
      this.timeout(20_000);
      const trace = soak(12_000, [9_000]);
      const path = trace.write();
      const lanes = await collectLanes(path, trace.header);
      const series = lanes.migrations.series!;
      expect(series.count).to.equal(12_000);
      expect(series.points).to.equal(null);
      expect(series.buckets!.length).to.be.within(200, 400);
      expect(series.buckets!.reduce((n, b) => n + b.completed + b.failed, 0)).to.equal(12_000);
      for (const b of series.buckets!) expect(b.to - b.from + 1).to.be.at.most(series.bucketSize);
      // every bucket but the one with the failure holds whole tens of migrations: median 12 s (to 0.5 %), maximum 17 s
      for (const b of series.buckets!.filter((b) => !b.failed)) {
        expect(b.max).to.equal(17_000);
        expect(b.p50).to.be.closeTo(12_000, 60);
      }
      expect(series.buckets!.filter((b) => b.failed).map((b) => b.from <= 9_000 && 9_000 <= b.to)).to.deep.equal([true]);
      const page = htmlOf(reportInput(trace, path), lanes);
      const section = page.slice(page.indexOf('<section id="migrations">'), page.indexOf('<section id="operations">'));
      expect(count(section, /<circle /)).to.equal(0);
      expect(count(section, /<g class="bucket">/)).to.equal(series.buckets!.length);
      expect(section).to.match(/<title>migrations 1–\d+: \d+ completed, median 12\.\d s, max 17\.0 s<\/title>/);
      expect(section).to.match(/<title>migrations \d+–\d+: 1 failed<\/title>/);
      expect(section.length).to.be.below(120_000);
    });

    it('keeps the plotted series out of summary.json', async () => {
      const trace = soak(5);
      const lanes = await collectLanes(trace.write(), trace.header);
      expect(lanes.migrations.series!.points).to.have.length(5);
      expect(JSON.parse(JSON.stringify(lanes.migrations))).not.to.have.property('series');
    });
  });

  describe('a long run stays small', () => {
    function rects(page: string): number {
      return count(page, /<rect /);
    }

    it('draws a 20,000-poll run whose states never change as a few boxes', async () => {
      const trace = new TraceFile();
      for (let s = 0; s < 20_000; s++) trace.node(s * 1000, 'N1', 'Up').node(s * 1000, 'N2', 'Up').vm(s * 1000, 'sql01', 'Running', 'N2');
      const page = await html(trace);
      expect(rects(page)).to.be.below(20);
    });

    it('draws a 20,000-poll run whose states flap at every poll with a bounded number of boxes, hatched where merged', async () => {
      const trace = new TraceFile();
      for (let s = 0; s < 20_000; s++) {
        trace.node(s * 1000, 'N1', 'Up').node(s * 1000, 'N2', s % 2 ? 'Up' : 'Joining').vm(s * 1000, 'sql01', s % 3 ? 'Running' : 'RunningCritical', 'N2');
      }
      const page = await html(trace);
      // three lanes, each drawn with fewer boxes than half the plot's 1000 px (a state box and, where merged, its hatching)
      expect(rects(page)).to.be.at.most(3 * 2 * 500 + 20);
      expect(page).to.include('url(#many-changes)');
      expect(page).to.include('many changes: intervals too short to draw, merged');
    });
  });

  it('is written by writeReports next to summary.json and junit.xml', async () => {
    const trace = flagship();
    const dir = tmp();
    const input: ReportInput = reportInput(trace, trace.write(dir), failing());
    const files = await writeReports(join(dir, 'out'), input);
    const page = readFileSync(files.html, 'utf8');
    expect(page).to.include('id="violation-1"');
  });
});
