import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { simDefects } from '../../src/targets/sim/index.js';

/**
 * For every simulator defect, the experiment that shows it and the rule the checker must name: not just a
 * failing run, but the right violation, on the right entity. (test/docs checks the whole matrix.)
 */
const expectations: Record<string, { experiment: string; rule: string; entity: RegExp; observed?: RegExp; sets?: string[] }> = {
  'no-isolation': { experiment: 'compute-resiliency', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Down$/ },
  'quarantine-without-drain': { experiment: 'quarantine-flapping-node', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/ },
  'quarantine-cap-ignored': { experiment: 'quarantine-cap', rule: 'node-membership', entity: /^node\/N3$/, observed: /^Quarantined$/ },
  'no-quarantine': { experiment: 'quarantine-flapping-node', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Isolated$/ },
  'down-early': { experiment: 'clussvc-stays-down', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Down$/ },
  'down-late': { experiment: 'clussvc-stays-down', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Isolated$/ },
  'csv-not-paused': { experiment: 'compute-resiliency', rule: 'clustered-vm', entity: /^vm\/sql01$/ },
  'smb-paused': { experiment: 'compute-resiliency', rule: 'clustered-vm', entity: /^vm\/web01$/ },
  'no-remonitor': { experiment: 'compute-resiliency', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/, observed: /Unmonitored/ },
  'graceful-counts': { experiment: 'graceful-stop', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Quarantined$/ },
  'graceful-isolates': { experiment: 'graceful-stop', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Isolated$/ },
  'no-isolation-event': { experiment: 'compute-resiliency', rule: 'event-log', entity: /^node\/N2$/ },
  'restart-in-place': { experiment: 'clussvc-stays-down', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/ },
  'no-rejoin': { experiment: 'compute-resiliency', rule: 'steady-state', entity: /^cluster$/ },
  'level-ignored': { experiment: 'network-isolation-level-1', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Isolated$/ },
  'vm-period-ignored': { experiment: 'per-vm-overrides', rule: 'clustered-vm', entity: /^vm\/web01$/, observed: /^Unmonitored$/ },
  'old-vms-resilient': { experiment: 'per-vm-overrides', rule: 'clustered-vm', entity: /^vm\/legacy01$/, observed: /^Unmonitored$/ },
  // removing N3 too leaves 2 of 4 nodes: the cluster loses quorum, and the first node seen Down breaks the model
  'partition-removes-both': { experiment: 'asymmetric-partition', rule: 'node-membership', entity: /^node\/N[1-4]$/ },
  'no-network-isolation': { experiment: 'network-isolation', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Up$/ },
  'failover-instead-of-drain': { experiment: 'graceful-stop', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/, observed: /Starting|Offline/ },
  // the KB2636573 race: seed 1 crashes sqltest01's guest at iteration 13,741, beyond the default 12,000
  'storvsc-race': { experiment: 'live-migration-soak', rule: 'guest-crash', entity: /^vm\/sqltest01$/, sets: ['iterations=20000'] },
  'missing-shared-storage-path': { experiment: 'live-migration-soak', rule: 'migration-failed', entity: /^vm\/sqltest01$/ },
  'lm-stall': { experiment: 'live-migration-soak', rule: 'migration-time', entity: /^vm\/sql(test|fixed)\d+$/ },
  'long-blackout': { experiment: 'live-migration-soak', rule: 'migration-blackout', entity: /^vm\/sqltest01$/ },
  'owner-not-moved': { experiment: 'live-migration-soak', rule: 'migration-owner', entity: /^vm\/sqltest01$/, sets: ['iterations=50'] },
  'owner-moved-elsewhere': { experiment: 'live-migration-soak', rule: 'migration-owner', entity: /^vm\/sqltest01$/, sets: ['iterations=50'] },
  'short-blackout-20417': { experiment: 'live-migration-soak', rule: 'migration-blackout', entity: /^vm\/sqltest01$/, observed: /event 20417/ },
  // the member that removed N2 (N1) logs a 1673 for itself while every poll sees it Up
  'spurious-isolation-event': { experiment: 'compute-resiliency', rule: 'event-log', entity: /^node\/N1$/ },
  // N2 quarantined with its clussvc down for good: its VMs live-migrated away at once
  'quarantine-drains-dead-node': { experiment: 'quarantine-undrainable', rule: 'clustered-vm', entity: /^vm\/web01$/ },
  // SCM restarts clussvc at its second failure although its action is none: N2 is reached and drained
  'recovery-ignores-failure-count': { experiment: 'quarantine-undrainable', rule: 'clustered-vm', entity: /^vm\/web01$/ },
  // N2, its clussvc dead, logs its own 1673
  'event-from-dead-node': { experiment: 'compute-resiliency', rule: 'event-log', entity: /^node\/N2$/ },
  'migration-limit-ignored': { experiment: 'drain-host', rule: 'migration-limit', entity: /^node\/N\d$/ },
  // N2 dies for good: sql01 (20 GB) placed on N1, which has 16 GB free
  'placement-ignores-memory': { experiment: 'placement', rule: 'host-memory', entity: /^node\/N1$/ },
  'no-auto-start-restarted': { experiment: 'placement', rule: 'clustered-vm', entity: /^vm\/batch01$/, observed: /^Starting$/ },
  'preferred-owner-ignored': { experiment: 'placement', rule: 'preferred-owner', entity: /^vm\/app01$/, observed: /on N1$/ },
  'anti-affinity-ignored': { experiment: 'placement', rule: 'anti-affinity', entity: /^vm\/sql01$/, observed: /with sql02$/ },
  // one cluster network of three lost: N2 must stay Up (heartbeats over Management), the migration take the next network
  'one-network-isolates': { experiment: 'lose-one-network', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Isolated$/ },
  'lm-network-no-fallback': { experiment: 'lose-one-network', rule: 'migration-failed', entity: /^vm\/web01$/ },
  'pass-limit-ignored': { experiment: 'busy-vm-migration', rule: 'migration-pass-limit', entity: /^vm\/oltp01$/ },
  'smb-paused-in-quarantine': { experiment: 'quarantine-flapping-node', rule: 'clustered-vm', entity: /^vm\/web01$/, observed: /Critical/ },
  'csv-running-in-quarantine': { experiment: 'quarantine-flapping-node', rule: 'clustered-vm', entity: /^vm\/sql01$/, observed: /^Unmonitored$/ },
  'unmonitored-on-graceful-stop': { experiment: 'graceful-stop', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/, observed: /^Unmonitored$/ },
  'restart-on-down-node': { experiment: 'clussvc-stays-down', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/, observed: /^Starting on N2$/ },
  // the engine defect shows in a graceful stop's drain, which runs while the experiment waits; since the runner
  // polls during steps, parallel-migrations catches it on a requested migration too
  'migration-pauses-vm': { experiment: 'graceful-stop', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/, observed: /^PausedCritical$/ },
  // losing the witness alone stops the cluster: every node seen Down at the next poll, none of them faulted
  'witness-loss-stops-cluster': { experiment: 'witness-and-quorum', rule: 'node-membership', entity: /^node\/N[1-4]$/, observed: /^Down$/ },
  // the two kills at once cost quorum without the witness's vote: the killed nodes seen Down, not Isolated
  'witness-vote-ignored': { experiment: 'witness-and-quorum', rule: 'node-membership', entity: /^node\/N[1-4]$/, observed: /^Down$/ },
  // the dead host Down at its removal under AlwaysIsolate: the cluster told it from an isolated one
  'power-loss-fails-over-at-once': { experiment: 'power-loss', rule: 'node-membership', entity: /^node\/N2$/, observed: /^Down$/ },
  'dead-vm-reported-running': { experiment: 'power-loss', rule: 'clustered-vm', entity: /^vm\/(web01|sql01|app02)$/, observed: /^Running$/ },
  // still reported Unmonitored on the dark N2 once it is Down, not restarted elsewhere
  'no-failover-after-power-loss': { experiment: 'power-loss', rule: 'clustered-vm', entity: /^vm\/(web01|sql01)$/, observed: /^UnreadableUnmonitored$/ },
  // N3's VMs offline (saved) and starting elsewhere instead of moving live: seen only while restart-node runs
  'restart-without-drain': { experiment: 'power-loss', rule: 'clustered-vm', entity: /^vm\/(app01|web02)$/, observed: /Starting|Offline/ },
  'pause-lost-on-restart': { experiment: 'rolling-restart', rule: 'node-membership', entity: /^node\/N1$/, observed: /^Up$/ },
  // web02 still Running after N2 lost its path to the share: never paused
  'storage-loss-not-paused': { experiment: 'storage-failure', rule: 'clustered-vm', entity: /^vm\/web02$/, observed: /^Running$/ },
  // web02 still PausedCritical once N2's path to the share is back
  'no-resume-after-storage': { experiment: 'storage-failure', rule: 'clustered-vm', entity: /^vm\/web02$/, observed: /^PausedCritical$/ },
  // sql01 paused on N1, in redirected access to CSV1, which it still reaches
  'redirected-access-pauses-vm': { experiment: 'storage-failure', rule: 'clustered-vm', entity: /^vm\/sql01$/, observed: /^PausedCritical$/ },
  // sql01 still PausedCritical a minute after its pause, its AutomaticCriticalErrorActionTimeout
  'critical-timeout-ignored': { experiment: 'storage-failure', rule: 'clustered-vm', entity: /^vm\/sql01$/, observed: /^PausedCritical$/ },
};

describe('checker: each simulator defect is caught by the rule it breaks', function () {
  // the runner polls during every step (issue 14): drain-host's long drains and the soak of 20,000 migrations write
  // more observations than they did, and take longer than a minute beside other work on 2 cores
  this.timeout(180_000);
  it('has an expectation for every defect profile', () => {
    expect(Object.keys(expectations).sort()).to.deep.equal(simDefects.map((d) => d.name).sort());
  });

  for (const [defect, e] of Object.entries(expectations)) {
    it(`${defect}: ${e.experiment}${e.sets ? ` (${e.sets.join(' ')})` : ''} fails with a ${e.rule} violation on ${e.entity.source.replace(/[\^$\\]/g, '')}`, async () => {
      const experiment = loadExperiment(`experiments/${e.experiment}.yaml`, { settings: settingDefinitions, faults, sets: e.sets ?? [] });
      const outDir = mkdtempSync(join(tmpdir(), 'defect-'));
      const { result } = await runExperiment({ experiment, outDir, defects: [defect], replay: 'x', log: pino({ level: 'silent' }) });
      expect(result.verdict).to.equal('fail');
      const v = result.violations[0]!;
      expect(v.rule, v.message).to.equal(e.rule);
      expect(v.entity, v.message).to.match(e.entity);
      if (e.observed) expect(v.observed, v.message).to.match(e.observed);
    });
  }
});
