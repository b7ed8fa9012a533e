import { expect } from 'chai';
import { collectLanes, htmlOf } from '../../src/report/index.js';
import { failing, flagship, reportInput, TraceFile, violation } from './fixtures/trace.js';

async function html(trace: TraceFile, result: Parameters<typeof reportInput>[2] = {}): Promise<string> {
  const path = trace.write();
  return htmlOf(reportInput(trace, path, result), await collectLanes(path, trace.header));
}

/** The expected strip of one lane, as drawn. */
function strip(page: string, entity: string): string {
  const from = page.indexOf(`<g class="expected" data-entity="${entity}">`);
  expect(from, `no expected strip for ${entity}`).to.be.above(-1);
  return page.slice(from, page.indexOf('</g>', from));
}

/** The timeline's x for a time, as timeline.ts draws it: 170 units of labels, then 1000 for the run (here 60.2 s). */
const x = (t: number): number => 170 + (t / 60_200) * 1000;

describe('report.html: what the model expected, under each lane', () => {
  it('gives every node and VM lane an "expected" strip, green where every observation is a state the model allows', async () => {
    const page = await html(flagship());
    for (const entity of ['node/N1', 'node/N2', 'vm/sql01']) {
      const s = strip(page, entity);
      expect(s).to.match(/<rect class="expected-allowed" [^>]*><title>[^<]+: every observation is a state the model allows<\/title>/);
      expect(s).not.to.include('expected-violated');
    }
    expect((page.match(/<text class="expected-label" [^>]*>expected<\/text>/g) ?? []).length).to.equal(3);
    expect(page).to.include('expected strip under a lane: the model allows what was observed');
  });

  it('turns red where the model expected something else, with its words, for as long as the rejected state was observed', async () => {
    // N2 observed Isolated 20..30 s (the fixture's violation at 21 s); no operation in between
    const page = await html(flagship(), failing());
    const s = strip(page, 'node/N2');
    const rect = s.match(/<rect class="expected-violated" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^<]+)<\/title>/);
    expect(rect, s).to.not.equal(null);
    expect(Number(rect![1])).to.be.closeTo(x(21_000), 0.1);
    expect(Number(rect![1]) + Number(rect![2])).to.be.closeTo(x(30_000), 0.2);
    expect(rect![3]).to.equal('violation 1: N2 expected Isolated, observed Down at 00:21.0');
    expect(s).to.match(/<text class="expected-text" [^>]*>expected Isolated<\/text>/);
    expect(strip(page, 'node/N1')).not.to.include('expected-violated');
  });

  it('ends the red at the next operation: after it the model expects anew', async () => {
    const trace = flagship();
    trace.op(25_000, 'resume-node', 'invoke', { node: 'N2' }, { process: 'workload' });
    const page = await html(trace, failing());
    const rect = strip(page, 'node/N2').match(/<rect class="expected-violated" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/);
    expect(Number(rect![1]) + Number(rect![2])).to.be.closeTo(x(25_000), 0.2);
  });

  it('puts two rules that reject one observation in one red stretch, with both expectations', async () => {
    const two = [violation({ entity: 'vm/sql01', rule: 'clustered-vm', expected: 'Running on an Up node' }), violation({ entity: 'vm/sql01', rule: 'clustered-vm', expected: 'owned by N1' })];
    const page = await html(flagship(), { verdict: 'fail', reason: '2 violations', violations: two });
    const s = strip(page, 'vm/sql01');
    expect((s.match(/class="expected-violated"/g) ?? []).length).to.equal(1);
    expect(s).to.match(/>expected Running on an Up node; owned by N1<\/text>/);
    expect(s).to.include('violation 1: sql01 expected Running on an Up node, observed Down at 00:21.0\nviolation 2: sql01 expected owned by N1');
  });

  it('draws the lower-numbered marker on top where two violations meet on a lane', async () => {
    const two = [violation(), violation({ expected: 'Up' })];
    const page = await html(flagship(), { verdict: 'fail', reason: '2 violations', violations: two });
    const markers = page.slice(page.indexOf('<g class="violations">'));
    expect(markers.indexOf('href="#violation-1"')).to.be.above(markers.indexOf('href="#violation-2"'));
  });

  it('is amber, with the reason, on a lane the checker reports as not fully checked', async () => {
    const unknown = 'node/N2 was observed Quarantined, which no model state allows; it was not checked after 00:40.0';
    const page = await html(flagship(), { verdict: 'unknown', reason: unknown, unknowns: [unknown] });
    expect(strip(page, 'node/N2')).to.include(`<rect class="expected-unchecked" `);
    expect(strip(page, 'node/N2')).to.include(`N2: not fully checked against the model: ${unknown}`);
    expect(strip(page, 'node/N1')).to.include('expected-allowed');
    expect(page).to.include('expected strip: not fully checked');
  });
});
