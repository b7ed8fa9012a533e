import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/settings.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import type { Experiment } from '../../src/experiment/types.js';
import { createSimTarget } from '../../src/targets/sim/index.js';
import type { Target } from '../../src/targets/target.js';
import type { ObserveRecord, OpRecord, TraceRecord } from '../../src/trace/records.js';

const log = pino({ level: 'silent' });

function experimentOf(yaml: string): Experiment {
  const dir = mkdtempSync(join(tmpdir(), 'parallel-'));
  const file = join(dir, 'x.yaml');
  writeFileSync(file, yaml);
  return loadExperiment(file, { settings: settingDefinitions });
}

async function run(experiment: Experiment, o: { target?: Target; signal?: AbortSignal; defects?: string[] } = {}) {
  const outDir = mkdtempSync(join(tmpdir(), 'parallel-run-'));
  const r = await runExperiment({ experiment, outDir, defects: o.defects ?? [], replay: 'x', log, ...(o.target ? { target: o.target } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  const text = readFileSync(r.tracePath, 'utf8');
  const records = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceRecord);
  return { ...r, text, records, ops: records.filter((x): x is OpRecord => x.type === 'op') };
}

const CLUSTER = `
cluster:
  name: HVCLUSTER01
  nodes: [N1, N2, N3, N4]
  vms:
    - { name: web01, owner: N1, storage: smb, memoryGB: 2 }
    - { name: app01, owner: N2, storage: csv-block, memoryGB: 2 }
    - { name: dc01, owner: N3, storage: smb, memoryGB: 2 }
    - { name: rds01, owner: N4, storage: csv-block, memoryGB: 2 }
`;

describe('runner: parallel blocks', () => {
  it('runs the branches of a block at once: both migrations are invoked before either completes, each in its own process', async () => {
    const { ops, result } = await run(
      experimentOf(`title: two at once
${CLUSTER}
settings:
  MaximumVirtualMachineMigrations: 1
method:
  - parallel:
      - { fault: live-migrate, vm: web01, to: N3 }
      - { fault: live-migrate, vm: app01, to: N3 }
  - wait: 5s
`),
    );
    const lm = ops.filter((o) => o.f === 'live-migrate');
    expect(lm.map((o) => `${o.phase} ${o.process} ${String(o.args.vm)}`)).to.deep.equal(['invoke workload:1 web01', 'invoke workload:2 app01', 'ok workload:1 web01', 'ok workload:2 app01']);
    expect(lm[0]!.t).to.equal(lm[1]!.t);
    // one migration at a time into N3: the second waited in the queue for the first
    const [, , first, second] = lm;
    expect((second!.value as { queuedMs: number }).queuedMs).to.be.greaterThan(0);
    expect(second!.t).to.be.greaterThan(first!.t);
    expect(result.verdict).to.equal('pass');
  });

  it('starts the steps of a branch in order, a wait in a branch delaying only that branch', async () => {
    const { ops } = await run(
      experimentOf(`title: a migration 20 s into a drain
${CLUSTER}
method:
  - parallel:
      - { fault: drain-node, node: N4 }
      - - wait: 3s
        - { fault: live-migrate, vm: web01, to: N2 }
  - wait: 5s
`),
    );
    const drain = ops.find((o) => o.f === 'drain-node' && o.phase === 'invoke')!;
    const lm = ops.find((o) => o.f === 'live-migrate' && o.phase === 'invoke')!;
    expect(lm.t - drain.t).to.equal(3000);
    expect(drain.process).to.equal('nemesis:1');
    expect(lm.process).to.equal('workload:2');
  });

  it('runs the reverts of every branch when the run is stopped inside a block', async () => {
    const experiment = experimentOf(`title: stopped inside a block
${CLUSTER}
settings:
  ResiliencyDefaultPeriod: 240
method:
  - parallel:
      - - { fault: isolate-network, node: N2, duration: 5m }
        - wait: 60s
        - { fault: live-migrate, vm: web01, to: N4 }
      - - wait: 5s
        - { fault: kill-clussvc, node: N3, holdDown: 90s }
        - wait: 60s
  - wait: 30s
`);
    const stop = new AbortController();
    const sim = createSimTarget({ cluster: experiment.cluster, simulator: experiment.simulator, seed: experiment.seed, defects: [] });
    // Ctrl-C as the kill is sent: both branches stop at their next step
    const target = new Proxy(sim, {
      get(t, key, receiver) {
        if (key === 'killClusterService') {
          return async (...args: Parameters<Target['killClusterService']>) => {
            await t.killClusterService(...args);
            stop.abort('Ctrl-C');
          };
        }
        const v = Reflect.get(t, key, receiver);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const { ops, outcome } = await run(experiment, { target, signal: stop.signal });
    expect(outcome.status).to.equal('aborted');
    expect(ops.some((o) => o.f === 'live-migrate')).to.equal(false);
    const reverts = ops.filter((o) => o.f.startsWith('revert:') && o.phase === 'ok').map((o) => `${o.f} ${String(o.args.node)}`);
    expect(reverts).to.have.members(['revert:isolate-network N2', 'revert:kill-clussvc N3']);
  });

  it('gives the same trace for the same seed, byte for byte but the header', async () => {
    const yaml = `title: same twice
${CLUSTER}
settings:
  MaximumVirtualMachineMigrations: 1
method:
  - parallel:
      - { fault: live-migrate, vm: web01, to: N3 }
      - [ { wait: 1500ms }, { fault: live-migrate, vm: app01, to: N3 } ]
      - { fault: drain-node, node: N4 }
  - { fault: resume-node, node: N4 }
  - wait: 3s
`;
    const body = (t: string) => t.split('\n').slice(1).join('\n');
    const a = await run(experimentOf(yaml));
    const b = await run(experimentOf(yaml));
    expect(body(a.text)).to.equal(body(b.text));
    expect(a.ops.filter((o) => o.phase === 'invoke' && o.f === 'live-migrate').length).to.equal(2);
  });
});

describe('runner: observation during a step', () => {
  it('polls every observe interval while a 30-minute drain runs, and writes the drain\'s completion when it completes', async () => {
    // eight 32 GB VMs over one 1 GbE link, one migration at a time: a drain of more than half an hour
    const vms = Array.from({ length: 8 }, (_, i) => `    - { name: vm0${i}, owner: N2, storage: smb, memoryGB: 32 }`).join('\n');
    const { records, ops, result } = await run(
      experimentOf(`title: a long drain
cluster:
  name: HVCLUSTER01
  nodes: [N1, N2, N3]
  liveMigration: { transport: TCPIP, nics: 1, nicGbps: 1 }
  vms:
${vms}
settings:
  MaximumVirtualMachineMigrations: 1
  DrainWithin: 3600            # the last VM leaves after more than half an hour
method:
  - { fault: drain-node, node: N2, timeout: 2h }
  - { fault: resume-node, node: N2, failback: false }
  - wait: 10s
observe:
  interval: 10s
`),
    );
    const invoke = ops.find((o) => o.f === 'drain-node' && o.phase === 'invoke')!;
    const ok = ops.find((o) => o.f === 'drain-node' && o.phase === 'ok')!;
    expect(ok.t - invoke.t).to.be.greaterThan(30 * 60_000);
    const during = records.filter((r): r is ObserveRecord => r.type === 'observe' && r.entity === 'node/N2' && r.seq > invoke.seq && r.seq < ok.seq);
    // every 10 s from the drain's start until it completed
    expect(during.map((r) => r.t)).to.deep.equal(Array.from({ length: Math.ceil((ok.t - invoke.t) / 10_000) - 1 }, (_, k) => invoke.t + (k + 1) * 10_000));
    expect(during.every((r) => (r.state as { State: string }).State === 'Paused')).to.equal(true);
    // a VM seen on its new owner while the drain still ran
    const moved = records.find((r): r is ObserveRecord => r.type === 'observe' && r.entity === 'vm/vm00' && r.seq < ok.seq && (r.state as { OwnerNode?: string }).OwnerNode !== 'N2');
    expect(moved, 'vm00 seen moved before the drain completed').to.not.equal(undefined);
    expect(result.verdict).to.equal('pass');
  });

  it('ends a step that takes no time at once: the next poll is an interval after the step, not cut into it', async () => {
    const { records, ops } = await run(
      experimentOf(`title: a kill
${CLUSTER}
method:
  - { fault: kill-clussvc, node: N2 }
  - wait: 2s
`),
    );
    const kill = ops.find((o) => o.f === 'kill-clussvc' && o.phase === 'ok')!;
    const polls = records.filter((r): r is ObserveRecord => r.type === 'observe' && r.entity === 'node/N1' && r.seq > kill.seq).map((r) => r.t - kill.t);
    expect(polls.slice(0, 2)).to.deep.equal([1000, 2000]);
  });
});
