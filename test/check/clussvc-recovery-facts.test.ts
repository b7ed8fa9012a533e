/**
 * A node's own FailureActions, as the PowerShell target reads them into the header's facts, decide whether the
 * model lets its cluster service come back by itself after a crash (issue 14, item 8): the settings
 * ClussvcFirstFailureAction … are only the simulator's assumption. A node whose first failure's action is none
 * cannot rejoin after kill-clussvc until someone starts its service; one whose action is a restart can.
 */
import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { ClussvcRecovery } from '../../src/trace/records.js';
import { TraceBuilder } from '../helpers/trace.js';

/** clussvc killed on N2 at 5 s; N2 Isolated, then back Up at 25 s with nobody having started its service. */
function rejoinsByItself(recovery: ClussvcRecovery | undefined): TraceBuilder {
  const b = new TraceBuilder({ settings: { QuarantineThreshold: 0 } });
  if (recovery) {
    b.header.facts = {
      powershell: { version: '7.6.10', edition: 'Core', failoverClusters: 'compat' },
      nodes: Object.fromEntries(b.header.cluster.nodes.map((n) => [n, { clussvcRecovery: recovery }])),
    };
  }
  b.polls(0, 5_000).kill(5_000, 'N2').polls(6_000, 14_000);
  b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] });
  b.vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(15_000, 24_000);
  b.node('N2', 'Joining').poll(25_000);
  b.node('N2', 'Up').vm('web01', 'Running').vm('sql01', 'Running').polls(26_000, 40_000);
  return b;
}

function verdict(b: TraceBuilder) {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

describe("a node's own clussvc recovery (FailureActions in the header's facts)", () => {
  it('a restart as its first action: the node may rejoin by itself after the crash (pass)', () => {
    const r = verdict(rejoinsByItself({ resetPeriodS: 86_400, actions: [{ type: 'restart', delayMs: 15_000 }] }));
    expect(r.verdict, r.reason).to.equal('pass');
  });

  it('no action at its first failure: the node rejoining with nobody starting its service fails, on N2', () => {
    const r = verdict(rejoinsByItself({ resetPeriodS: 86_400, actions: [{ type: 'none', delayMs: 0 }, { type: 'restart', delayMs: 60_000 }] }));
    expect(r.verdict, r.reason).to.equal('fail');
    expect(r.violations[0]!.entity).to.equal('node/N2');
  });

  it('no recovery actions at all: the same', () => {
    const r = verdict(rejoinsByItself({ resetPeriodS: 86_400, actions: [] }));
    expect(r.verdict, r.reason).to.equal('fail');
    expect(r.violations[0]!.entity).to.equal('node/N2');
  });

  it("the node's facts win over the settings: ClussvcFirstFailureAction 0 in the settings, a restart on the node (pass)", () => {
    const b = rejoinsByItself({ resetPeriodS: 86_400, actions: [{ type: 'restart', delayMs: 15_000 }] });
    b.header.settings.ClussvcFirstFailureAction = 0;
    expect(verdict(b).verdict).to.equal('pass');
    const without = rejoinsByItself(undefined);
    without.header.settings.ClussvcFirstFailureAction = 0;
    expect(verdict(without).verdict, 'the settings alone: no restart').to.equal('fail');
  });
});
