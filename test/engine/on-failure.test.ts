/**
 * `on-failure: stop` on a fault step (issue 14, the rolling CAU rehearsal): as Cluster-Aware Updating stops when a
 * node cannot be drained, a step that does not complete ok ends the method there. No later step runs; the steady
 * state after is still checked and every revert runs; the console, summary.json and the footer say which step
 * stopped it. Without it the method goes on, as before. Bad values are refused at load, with the line.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/settings.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { ExperimentError, loadExperiment } from '../../src/experiment/load.js';
import type { FooterRecord, OpRecord, TraceRecord } from '../../src/trace/records.js';

const log = pino({ level: 'silent' });

function file(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'on-failure-')), 'x.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** Two nodes' drains in turn; N1's cannot place sql01 (16 GB) when the hosts have 16 GB each. */
const plan = (onFailure: string): string => `title: rolling drains
cluster:
  name: HVCLUSTER01
  nodes: [N1, N2, N3]
  hostMemoryGB: 16
  vms:
    - { name: sql01, owner: N1, storage: csv-block, memoryGB: 16 }
    - { name: web01, owner: N2, storage: smb, memoryGB: 4 }
    - { name: app01, owner: N3, storage: smb, memoryGB: 4 }
method:
  - fault: drain-node
    node: N1
${onFailure}  - wait: 10s
  - fault: resume-node
    node: N1
  - fault: drain-node
    node: N2
  - wait: 10s
`;

async function run(yaml: string) {
  const experiment = loadExperiment(file(yaml), { settings: settingDefinitions });
  const outDir = mkdtempSync(join(tmpdir(), 'on-failure-run-'));
  const r = await runExperiment({ experiment, outDir, defects: [], replay: 'x', log });
  const records = readFileSync(r.tracePath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as TraceRecord);
  const ops = records.filter((x): x is OpRecord => x.type === 'op' && x.process !== 'observer');
  const footer = records.find((x): x is FooterRecord => x.type === 'footer')!;
  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as { run: { methodStopped?: string } };
  return { ...r, ops, footer, summary };
}

describe('on-failure: stop', function () {
  this.timeout(60_000);

  it('a drain that fails ends the method there: N2 is never drained, N1 is resumed by the reverts, the run says which step stopped it', async () => {
    const r = await run(plan('    on-failure: stop\n'));
    const drains = r.ops.filter((o) => o.f === 'drain-node');
    expect(drains.map((o) => `${o.phase} ${String(o.args.node)}`)).to.deep.equal(['invoke N1', 'fail N1']);
    expect(r.ops.some((o) => o.f === 'resume-node'), 'no step after the failed drain').to.equal(false);
    expect(r.ops.filter((o) => o.f === 'revert:drain-node').map((o) => `${o.phase} ${String(o.args.node)}`)).to.deep.equal(['invoke N1', 'ok N1']);
    expect(r.ops.some((o) => o.f === 'steady-state' && o.args.when === 'after'), 'the steady state after is still checked').to.equal(true);
    expect(r.outcome.status).to.equal('completed');
    expect(r.outcome.methodStopped).to.match(/^the method stopped at drain-node \(line 11\): it failed, and the step says on-failure: stop/);
    expect(r.footer.run?.methodStopped).to.equal(r.outcome.methodStopped);
    expect(r.summary.run.methodStopped).to.equal(r.outcome.methodStopped);
  });

  it('without it (or with on-failure: continue) the method goes on after the failed drain', async () => {
    for (const onFailure of ['', '    on-failure: continue\n']) {
      const r = await run(plan(onFailure));
      expect(r.ops.filter((o) => o.f === 'drain-node' && o.phase !== 'invoke').map((o) => `${o.phase} ${String(o.args.node)}`)).to.deep.equal(['fail N1', 'ok N2']);
      expect(r.outcome.methodStopped).to.equal(undefined);
    }
  });

  it('a step that completes ok goes on as if it were not there', async () => {
    const r = await run(plan('    on-failure: stop\n').replace('hostMemoryGB: 16', 'hostMemoryGB: 64'));
    expect(r.ops.filter((o) => o.f === 'drain-node' && o.phase !== 'invoke').map((o) => `${o.phase} ${String(o.args.node)}`)).to.deep.equal(['ok N1', 'ok N2']);
    expect(r.outcome.methodStopped).to.equal(undefined);
  });

  it('refuses another value at load, naming the line and the values it takes', () => {
    const f = file(plan('    on-failure: abort\n'));
    let message = '';
    try {
      loadExperiment(f, { settings: settingDefinitions });
    } catch (e) {
      expect(e).to.be.instanceOf(ExperimentError);
      message = (e as Error).message;
    }
    expect(message).to.include(`${f}:13:`);
    expect(message).to.include('method[0].on-failure: expected stop or continue, found "abort"');
  });
});
