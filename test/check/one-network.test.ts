import { expect } from 'chai';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, SimulatedClock } from 'xstate';
import { liveMigration } from '../../machines/live-migration.js';
import { nodeMembership } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';
import { caughtBy, ROOT, runDetectionMatrix } from '../../src/docs/matrix.js';
import { stimuliOf } from '../../src/check/stimuli.js';
import type { ClusterNetworkDescription, OpRecord } from '../../src/trace/records.js';
import { simDefects } from '../../src/targets/sim/index.js';

const networks: ClusterNetworkDescription[] = [
  { name: 'LM', role: 'ClusterOnly', liveMigration: 1 },
  { name: 'Cluster', role: 'ClusterOnly', liveMigration: 2 },
  { name: 'Management', role: 'ClusterAndClient' },
];
const isolate = (args: Record<string, unknown>): OpRecord => ({ type: 'op', t: 1000, process: 'fault', f: 'isolate-network', phase: 'ok', args, seq: 2 }) as OpRecord;

describe('models and checker: one cluster network lost', () => {
  it('tells the node model whether heartbeats still pass over another network (isolate-network network:)', () => {
    const cluster = { vms: [], networks };
    const [cut] = stimuliOf(isolate({ node: 'N2', network: 'Cluster', duration: 30_000 }), [], cluster);
    expect(cut).to.deep.include({ entity: 'node/N2', event: { type: 'network.cut', healAfterMs: 30_000, heartbeatsLeft: true } });
    expect(stimuliOf(isolate({ node: 'N2', network: 'ClusterOnly', duration: 30_000 }), [], cluster)[0]!.event).to.include({ heartbeatsLeft: true }); // Management is left
    expect(stimuliOf(isolate({ node: 'N2', duration: 30_000 }), [], cluster)[0]!.event).to.include({ heartbeatsLeft: false });
    const noneLeft = { vms: [], networks: [networks[0]!, networks[1]!, { name: 'Management', role: 'None' as const }] };
    expect(stimuliOf(isolate({ node: 'N2', network: 'ClusterOnly', duration: 30_000 }), [], noneLeft)[0]!.event).to.include({ heartbeatsLeft: false });
    // a description without networks: one network, whose loss cuts the heartbeats
    expect(stimuliOf(isolate({ node: 'N2', duration: 30_000 }), [], { vms: [] })[0]!.event).to.include({ heartbeatsLeft: false });
  });

  it('keeps a node Up when one network of several is cut, and takes it toward removal when none is left', () => {
    const start = () => {
      const actor = createActor(nodeMembership, { input: { settings: resolveSettings({}) }, clock: new SimulatedClock() });
      actor.start();
      return actor;
    };
    const spared = start();
    spared.send({ type: 'network.cut', healAfterMs: 30_000, heartbeatsLeft: true });
    expect(spared.getSnapshot().value).to.equal('Up');
    const cut = start();
    cut.send({ type: 'network.cut', healAfterMs: 30_000, heartbeatsLeft: false });
    expect(cut.getSnapshot().value).to.equal('LosingMembership');
  });

  it('lets a migration fail with both hosts up only when its network was lost', () => {
    const settings = resolveSettings({});
    const failing = (event: Record<string, unknown>) => {
      const actor = createActor(liveMigration, { input: { settings, hostVersion: '2012R2+' } });
      actor.start();
      actor.send({ type: 'migration.requested' });
      actor.send({ type: 'migration.started' });
      actor.send({ type: 'migration.failed', sourceAvailable: true, targetAvailable: true, ...event });
      return actor.getSnapshot().value;
    };
    expect(failing({})).to.equal('Setup');
    expect(failing({ networkLost: true })).to.equal('Failed');
  });

  it('catches both defects with experiments/lose-one-network.yaml, which passes without them', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-one-network-'));
    try {
      copyFileSync(join(ROOT, 'experiments', 'lose-one-network.yaml'), join(dir, 'lose-one-network.yaml'));
      const defects = simDefects.filter((d) => d.name === 'one-network-isolates' || d.name === 'lm-network-no-fallback');
      const m = await runDetectionMatrix({ dir, defects });
      expect(m.baseline.get('lose-one-network')!.outcome).to.equal('pass');
      expect(caughtBy(m, 'one-network-isolates')).to.deep.equal(['lose-one-network']);
      expect(caughtBy(m, 'lm-network-no-fallback')).to.deep.equal(['lose-one-network']);
      expect(m.runs.get('one-network-isolates')!.get('lose-one-network')!.firstViolation).to.equal('node-membership node/N2');
      expect(m.runs.get('lm-network-no-fallback')!.get('lose-one-network')!.firstViolation).to.equal('migration-failed vm/web01');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
