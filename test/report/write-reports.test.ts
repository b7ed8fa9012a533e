import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTrace } from '../../src/check/index.js';
import { writeReports } from '../../src/report/index.js';
import { runRecord, tmp, TraceFile } from './fixtures/trace.js';

describe('reports of a checked run', () => {
  it('carry the checker’s violation of a node that goes Down without being Isolated into all three files', async () => {
    const trace = new TraceFile({ nodes: ['N1', 'N2'], vms: [] });
    for (let s = 0; s <= 40; s++) {
      if (s === 10) trace.op(10_000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(10_100, 'kill-clussvc', 'ok', { node: 'N2' });
      trace.node(s * 1000, 'N1', 'Up').node(s * 1000, 'N2', s >= 20 && s < 30 ? 'Down' : 'Up');
    }
    const dir = tmp();
    const tracePath = trace.write(dir);
    const { header, result } = await checkTrace(tracePath);
    expect(result.verdict).to.equal('fail');
    const files = await writeReports(join(dir, 'reports'), { header, tracePath, result, run: runRecord({ virtualMs: 40_000 }) });

    const summary = JSON.parse(readFileSync(files.summary, 'utf8'));
    expect(summary.verdict).to.equal('fail');
    expect(summary.violations).to.have.length(result.violations.length);
    expect(summary.entities['node/N2'].states).to.deep.equal({ Up: 30_000, Down: 10_000 });

    const junit = readFileSync(files.junit, 'utf8');
    expect((junit.match(/<failure /g) ?? []).length).to.equal(result.violations.length);
    expect(junit).to.include('name="node/N2 conforms to the node-membership model"');

    const html = readFileSync(files.html, 'utf8');
    expect(html).to.include('<header class="banner fail">');
    expect((html.match(/class="violation-marker"/g) ?? []).length).to.equal(result.violations.length);
    expect(html).to.include('id="violation-1"');
  });
});
