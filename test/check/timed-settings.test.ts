import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { Verdict } from '../../src/trace/records.js';
import { TraceBuilder } from '../helpers/trace.js';
import { oneMigration } from './migration-trace.js';

/**
 * Every timed setting changes what the checker asserts: the same trace passes with one value and fails
 * with another. (That the simulator's observed times follow the cluster properties is shown in
 * test/cli/run-experiment.test.ts and test/sim/.)
 */
type Scenario = (settings: Record<string, number>) => TraceBuilder;

function verdict(scenario: Scenario, settings: Record<string, number>): Verdict {
  const b = scenario(settings);
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish().verdict;
}

const crashOnN2 = (settings: Record<string, number>, vms = false) => {
  const b = new TraceBuilder({ settings, ...(vms ? {} : { vms: [] }) }).polls(0, 10_000).kill(10_000, 'N2');
  return b.polls(11_000, 19_000);
};

const scenarios: { setting: string; passes: number; fails: number; what: string; scenario: Scenario }[] = [
  {
    setting: 'ResiliencyDefaultPeriod',
    what: 'Isolated at 20 s, Down at 80 s',
    passes: 60,
    fails: 30,
    scenario: (s) => crashOnN2(s).node('N2', 'Down', ['Isolated']).polls(20_000, 79_000).node('N2', 'Down').polls(80_000, 85_000),
  },
  {
    setting: 'SameSubnetThreshold',
    what: 'removed 10 s after the crash',
    passes: 10,
    fails: 5,
    scenario: (s) => crashOnN2(s).node('N2', 'Down', ['Isolated']).polls(20_000, 25_000),
  },
  {
    setting: 'SameSubnetDelay',
    what: 'removed 10 s after the crash',
    passes: 1000,
    fails: 500,
    scenario: (s) => crashOnN2(s).node('N2', 'Down', ['Isolated']).polls(20_000, 25_000),
  },
  {
    setting: 'QuarantineDuration',
    what: 'quarantined at 20 s, joining at 321 s',
    passes: 300,
    fails: 600,
    scenario: (s) =>
      crashOnN2({ ...s, QuarantineThreshold: 1 })
        .node('N2', 'Down', ['Quarantined'])
        .polls(20_000, 320_000, 5000)
        .node('N2', 'Joining')
        .poll(321_000),
  },
  {
    setting: 'QuarantineWindow',
    what: 'three crashes 20 minutes apart, the third quarantines',
    passes: 3600,
    fails: 1800,
    scenario: (s) => {
      const b = new TraceBuilder({ settings: { ...s, QuarantineThreshold: 3 }, vms: [] }).polls(0, 10_000);
      for (const start of [10_000, 1_210_000]) {
        b.kill(start, 'N2').polls(start + 1000, start + 9000).node('N2', 'Down', ['Isolated']).polls(start + 10_000, start + 14_000);
        b.node('N2', 'Joining').polls(start + 15_000, start + 16_000).node('N2', 'Up').polls(start + 17_000, start + 1_200_000, 10_000);
      }
      return b.kill(2_410_000, 'N2').polls(2_411_000, 2_419_000).node('N2', 'Down', ['Quarantined']).polls(2_420_000, 2_425_000);
    },
  },
  {
    setting: 'BlockStoragePauseWithin',
    what: 'a CSV VM RunningCritical for 10 s before it pauses',
    passes: 12,
    fails: 5,
    scenario: (s) =>
      crashOnN2(s, true)
        .node('N2', 'Down', ['Isolated'])
        .vm('web01', 'Running', { StatusInformation: ['Unmonitored'] })
        .vm('sql01', 'RunningCritical')
        .polls(20_000, 29_000)
        .vm('sql01', 'PausedCritical')
        .polls(30_000, 32_000),
  },
  {
    setting: 'DrainWithin',
    what: 'a quarantined node drained 30 s after the quarantine',
    passes: 120,
    fails: 20,
    scenario: (s) =>
      crashOnN2({ ...s, QuarantineThreshold: 1 }, true)
        .node('N2', 'Down', ['Quarantined'])
        .vm('web01', 'Running', { StatusInformation: ['Unmonitored'] })
        .vm('sql01', 'RunningCritical', { StatusInformation: ['Unmonitored'] })
        .polls(20_000, 24_000)
        .vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] })
        .polls(25_000, 49_000)
        .vm('web01', 'Running', { OwnerNode: 'N1' })
        .vm('sql01', 'Running', { OwnerNode: 'N3' })
        .polls(50_000, 55_000),
  },
  {
    setting: 'FailoverStartWithin',
    what: 'VMs starting for 100 s after their node went Down',
    passes: 120,
    fails: 60,
    scenario: (s) =>
      crashOnN2({ ...s, ResiliencyDefaultPeriod: 0 }, true)
        .node('N2', 'Down')
        .vm('web01', 'Starting', { OwnerNode: 'N1', GroupState: 'Pending' })
        .vm('sql01', 'Starting', { OwnerNode: 'N3', GroupState: 'Pending' })
        .polls(20_000, 119_000, 5000)
        .vm('web01', 'Running', { OwnerNode: 'N1' })
        .vm('sql01', 'Running', { OwnerNode: 'N3' })
        .polls(120_000, 125_000),
  },
  {
    setting: 'JoinTakesAtLeast',
    what: 'Isolated at 20 s, Joining at 21 s, Up at 22 s',
    passes: 2,
    fails: 3,
    scenario: (s) => crashOnN2(s).node('N2', 'Down', ['Isolated']).poll(20_000).node('N2', 'Joining').poll(21_000).node('N2', 'Up').polls(22_000, 25_000),
  },
  {
    setting: 'EventLogWithin',
    what: 'the 1673 record logged 20 s after the node was seen Isolated',
    passes: 30,
    fails: 10,
    scenario: (s) => crashOnN2(s).node('N2', 'Down', ['Isolated'], { silent: true }).polls(20_000, 39_000).event(40_000, 'N2', 1673).polls(40_000, 41_000),
  },
  {
    setting: 'BlackoutWithin',
    what: 'a live migration whose blackout lasted 30 s',
    passes: 40,
    fails: 20,
    scenario: (s) => oneMigration(s, { blackoutMs: 30_000 }),
  },
  {
    setting: 'LiveMigrationWithin',
    what: 'a live migration that ran 11 minutes after a minute in the queue',
    passes: 700,
    fails: 600,
    scenario: (s) => oneMigration(s, { queuedMs: 60_000, passMs: [650_000, 2000] }),
  },
];

describe('checker: every timed setting changes what is asserted', () => {
  for (const { setting, what, passes, fails, scenario } of scenarios) {
    it(`${setting}: ${what} passes with ${passes} and fails with ${fails}`, () => {
      expect(verdict(scenario, { [setting]: passes }), `${setting}=${passes}`).to.equal('pass');
      expect(verdict(scenario, { [setting]: fails }), `${setting}=${fails}`).to.equal('fail');
    });
  }
});
