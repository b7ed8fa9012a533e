import { expect } from 'chai';
import { collectLanes, summaryOf } from '../../src/report/index.js';
import { migrationLines, soakLines } from '../../src/report/console.js';
import { percentiles } from '../../src/report/migrations.js';
import type { LiveMigrationValue } from '../../src/trace/records.js';
import { reportInput, TraceFile } from './fixtures/trace.js';

const vms = [
  { name: 'sql01', owner: 'N1', storage: 'csv-block' as const, memoryGB: 16 },
  { name: 'web01', owner: 'N1', storage: 'smb' as const, memoryGB: 4 },
];

function move(vm: string, target: string, totalMs: number, blackoutMs: number, transport: LiveMigrationValue['transport'] = 'TCPIP'): LiveMigrationValue {
  return { vm, source: 'N1', target, transport, totalMs, blackoutMs, passes: 2, passMs: [totalMs - blackoutMs - 4000], setupMs: 2000, cleanupMs: 2000, bytes: 1e9 };
}

describe('live-migration figures (summary.json and console)', () => {
  it('takes nearest-rank percentiles: p50, p95 and the maximum', () => {
    expect(percentiles([])).to.equal(null);
    expect(percentiles([5])).to.deep.equal({ p50: 5, p95: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
    expect(percentiles(hundred)).to.deep.equal({ p50: 50, p95: 95, max: 100 });
  });

  it('counts completed, failed and unknown migrations, with time and blackout spreads per transport', async () => {
    const trace = new TraceFile({ vms, name: 'live-migration-soak' });
    let t = 1000;
    const lm = (phase: 'ok' | 'fail' | 'info', value?: LiveMigrationValue, error?: string) => {
      const args = { vm: value?.vm ?? 'sql01', to: value?.target ?? 'N2' };
      trace.op(t, 'live-migrate', 'invoke', args, { process: 'workload' });
      t += 10_000;
      trace.op(t, 'live-migrate', phase, args, { process: 'workload', ...(value ? { value } : {}), ...(error ? { error } : {}) });
    };
    lm('ok', move('sql01', 'N2', 10_000, 300));
    lm('ok', move('web01', 'N2', 6_000, 100));
    lm('ok', move('sql01', 'N1', 30_000, 900, 'Compression'));
    lm('fail', { vm: 'sql01', source: 'N1', target: 'N2', failedIn: 'Setup' }, "Live migration of 'sql01' failed (0x80070002)");
    lm('info', undefined, 'did not complete; could not be cancelled');
    trace.op(t, 'live-migrate', 'invoke', { vm: 'web01', to: 'N1' }, { process: 'workload' }); // killed before it answered
    const path = trace.write();
    const lanes = await collectLanes(path, trace.header);
    const m = summaryOf(reportInput(trace, path), lanes).migrations!;
    expect(m).to.include({ count: 6, completed: 3, failed: 1, unknown: 2 });
    expect(m.totalMs).to.deep.equal({ p50: 10_000, p95: 30_000, max: 30_000 });
    expect(m.blackoutMs).to.deep.equal({ p50: 300, p95: 900, max: 900 });
    expect(Object.keys(m.byTransport)).to.deep.equal(['TCPIP', 'Compression']); // in the order the run used them
    expect(m.byTransport.TCPIP).to.deep.include({ count: 2, totalMs: { p50: 6_000, p95: 10_000, max: 10_000 } });
    const lines = migrationLines(m);
    expect(lines[0]).to.equal('live migrations: 6 (3 completed, 1 failed, 2 outcome unknown)');
    expect(lines.join('\n')).to.match(/Compression\s+1 × 30\.0 s \(blackout 0\.9 s, [\d.]+ Gbps\)/);
  });

  it('describes a drain by its VMs, their memory, the time it took and the transport', async () => {
    const trace = new TraceFile({ vms, name: 'drain-host' });
    const value = { node: 'N1', totalMs: 95_000, migrations: [move('sql01', 'N2', 80_000, 500, 'SMB'), move('web01', 'N2', 20_000, 100, 'SMB')] };
    trace.op(1000, 'drain-node', 'invoke', { node: 'N1' }).op(96_000, 'drain-node', 'ok', { node: 'N1' }, { value });
    const path = trace.write();
    const m = (await collectLanes(path, trace.header)).migrations;
    expect(m.drains).to.deep.equal([{ f: 'drain-node', node: 'N1', outcome: 'ok', vms: 2, memoryGB: 20, totalMs: 95_000, transports: ['SMB'] }]);
    expect(migrationLines(m)).to.include('  drain of N1: 2 VMs (20 GB) in 95.0 s over SMB');
  });

  it('has no migration figures for a run without migrations', async () => {
    const trace = new TraceFile();
    trace.op(1000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(1100, 'kill-clussvc', 'ok', { node: 'N2' });
    const path = trace.write();
    expect(summaryOf(reportInput(trace, path), await collectLanes(path, trace.header)).migrations).to.equal(null);
  });

  it('tells where a soak stopped, why, and the command that gets there again', () => {
    const lines = soakLines(
      { iterations: 4321, planned: { iterations: 20_000 }, anomalyCount: 1, anomalies: [{ iteration: 4321, t: 90_000_000, what: "event 18590 on N3: 'sql01' has encountered a fatal error" }], stoppedAt: 4321 },
      'npx clusterchaos run experiments/live-migration-soak.yaml --seed 1 --defect storvsc-race',
    );
    expect(lines[0]).to.equal('soak: 4321 iterations done (20000 planned); 1 anomalous');
    expect(lines[1]).to.match(/^ {2}first anomaly: iteration 4321 at .*: event 18590 on N3/);
    expect(lines.at(-1)).to.equal(
      '  replay (same seed; the same anomaly comes at iteration 4321): npx clusterchaos run experiments/live-migration-soak.yaml --seed 1 --defect storvsc-race',
    );
  });
});
