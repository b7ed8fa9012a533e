import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectLanes, summaryOf, writeReports } from '../../src/report/index.js';
import { failing, flagship, reportInput, tmp, violation } from './fixtures/trace.js';

describe('summary.json', () => {
  it('records the run: verdict, reason, seed, replay, settings, violations with their quoted lines, and the runner record', async () => {
    const trace = flagship();
    const path = trace.write();
    const input = reportInput(trace, path, failing(), { wallMs: 900 });
    const summary = summaryOf(input, await collectLanes(path, trace.header));
    expect(summary).to.include({ format: 1, runId: 'run-1', target: 'sim', seed: 42, verdict: 'fail', replay: trace.header.replay });
    expect(summary.experiment).to.deep.equal(trace.header.experiment);
    expect(summary.settings).to.deep.equal({ ResiliencyDefaultPeriod: 60, QuarantineDuration: 7200 });
    expect(summary.violations).to.deep.equal([violation()]);
    expect(summary.violations[0]!.context).to.have.length(2);
    expect(summary.run).to.include({ status: 'completed', virtualMs: 60_200, wallMs: 900 });
    expect(summary.stats.observations).to.equal(183);
  });

  it('gives each node and VM its time in each display state, its transitions, and a VM its owners', async () => {
    const trace = flagship();
    const path = trace.write();
    const summary = summaryOf(reportInput(trace, path), await collectLanes(path, trace.header));
    expect(Object.keys(summary.entities)).to.deep.equal(['node/N1', 'node/N2', 'vm/sql01']);
    expect(summary.entities['node/N2']).to.deep.equal({ states: { Up: 48_000, Isolated: 10_000, Joining: 2_000 }, transitions: 3, observations: 61 });
    expect(summary.entities['vm/sql01']).to.deep.equal({
      states: { Running: 48_000, Unmonitored: 2_000, PausedCritical: 10_000 },
      transitions: 3,
      observations: 61,
      owners: { N2: 60_000 },
      ownerChanges: 0,
    });
  });

  it('lists each fault with its injection and revert times and outcomes', async () => {
    const trace = flagship();
    const path = trace.write();
    const summary = summaryOf(reportInput(trace, path), await collectLanes(path, trace.header));
    expect(summary.faults).to.deep.equal([
      { f: 'kill-clussvc', args: { node: 'N2' }, injectedAt: 10_000, outcome: 'ok', revertedAt: 60_200, revertOutcome: 'ok' },
    ]);
    expect(summary.faultsOmitted).to.equal(0);
  });

  it('keeps the keys of the run record in one order, whatever order the runner set them in', () => {
    const trace = flagship();
    const run = { reverts: [], wallMs: 5, virtualMs: 10, steadyStateAfter: { detail: 'x', ok: true }, status: 'completed' as const };
    const summary = summaryOf({ ...reportInput(trace, '/x/trace.ndjson'), run });
    expect(Object.keys(summary.run)).to.deep.equal(['status', 'steadyStateAfter', 'virtualMs', 'wallMs', 'reverts']);
    expect(Object.keys(summary.run.steadyStateAfter!)).to.deep.equal(['ok', 'detail']);
  });

  it('is a pure function of the input without lanes: no entities, no faults', () => {
    const trace = flagship();
    const summary = summaryOf(reportInput(trace, '/runs/x/trace.ndjson'));
    expect(summary.entities).to.deep.equal({});
    expect(summary.faults).to.deep.equal([]);
    expect(summary.files).to.deep.equal({ trace: '/runs/x/trace.ndjson', junit: 'junit.xml', html: 'report.html' });
  });

  it('is written by writeReports as JSON beside junit.xml and report.html, naming them relative to itself', async () => {
    const trace = flagship();
    const dir = tmp();
    const path = trace.write(dir);
    const out = join(dir, 'reports', 'run');
    const files = await writeReports(out, reportInput(trace, path));
    const { lanes, ...paths } = files;
    expect(paths).to.deep.equal({ summary: join(out, 'summary.json'), junit: join(out, 'junit.xml'), html: join(out, 'report.html') });
    expect(lanes.lanes.map((l) => l.entity)).to.include('node/N2');
    const summary = JSON.parse(readFileSync(files.summary, 'utf8'));
    expect(summary.verdict).to.equal('pass');
    expect(summary.files).to.deep.equal({ trace: join('..', '..', 'trace.ndjson'), junit: 'junit.xml', html: 'report.html' });
    expect(summary.entities['node/N2'].states.Isolated).to.equal(10_000);
  });
});
