import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import { TraceBuilder } from '../helpers/trace.js';
import { check, cluster, drain, liveMigrate, rules, value } from './migration-trace.js';

/**
 * Issue 13, item 5: a VM on a third node after its migration, an event 20417 under BlackoutWithin, and a 1673
 * for a node that never left Up. Each passed the checker before.
 */

function checkAll(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

describe('a VM on a third node after its live migration completed (migration-owner)', () => {
  it('fails a VM owned by a node the migration did not involve, with no operation in between', () => {
    const b = cluster().polls(0, 10_000);
    liveMigrate(b, 10_000, value('web01', 'N2', 'N3', 10_000));
    b.vm('web01', 'Running', { OwnerNode: 'N1' });
    const result = check(b.polls(18_000, 20_000));
    expect(rules(result)).to.include('migration-owner vm/web01');
    const v = result.violations.find((x) => x.rule === 'migration-owner')!;
    expect([v.expected, v.observed]).to.deep.equal(['owned by N3', 'owned by N1']);
    expect(v.message).to.equal(
      'web01 was observed owned by N1 at 00:18.0, 0.3 s after its live migration N2 → N3 (live-migrate web01 to N3) completed, with no other ' +
        'operation in between: a completed live migration resumes the VM on its target (lab §2), so N3 should own it, not N1, a node the ' +
        'migration did not involve.',
    );
  });

  it('passes a VM that a drain of the target moved on before it was next observed', () => {
    const b = cluster().polls(0, 10_000);
    const first = value('web01', 'N2', 'N3', 10_000);
    liveMigrate(b, 10_000, first);
    const end = 10_000 + first.totalMs!;
    drain(b, end + 100, end + 9_000, 'N3', [value('web01', 'N3', 'N1', end + 100)]);
    b.node('N3', 'Paused', ['DrainCompleted']).vm('web01', 'Running', { OwnerNode: 'N1' });
    expect(rules(check(b.polls(27_000, 29_000))).filter((r) => r.startsWith('migration-owner'))).to.deep.equal([]);
  });
});

describe('event 20417 whatever the blackout it states (migration-blackout)', () => {
  const message = "Live migration of 'web01' succeeded with an unexpectedly long blackout time of 9.5 seconds.";

  it('fails a 20417 stating a 9.5 s blackout, within BlackoutWithin, and says why', () => {
    const b = cluster().polls(0, 10_000);
    const v = value('web01', 'N2', 'N3', 10_000, { blackoutMs: 9_500 });
    liveMigrate(b, 10_000, v);
    const end = 10_000 + v.totalMs!;
    b.vm('web01', 'Running', { OwnerNode: 'N3' }).event(end - 1_500, 'N3', 20417, message);
    const result = check(b.polls(end + 1_000, end + 3_000));
    expect(rules(result)).to.deep.equal(['migration-blackout vm/web01']);
    const x = result.violations[0]!;
    expect(x.observed).to.equal('a blackout of 9.5 s (event 20417)');
    expect(x.expected).to.equal('a live migration without event 20417 (a blackout Hyper-V did not find unexpectedly long)');
    expect(x.message).to.equal(
      `N3 logged event 20417 at 00:25.3: "${message}" (live-migrate web01 to N3). The blackout it states is within BlackoutWithin = 20 s, ` +
        'but 20417 is Hyper-V itself reporting an unexpectedly long blackout, a live-migration problem to troubleshoot [LM-ISSUES]: a ' +
        'converged migration pauses the VM for milliseconds to a second or two.',
    );
    expect(x.context.map((l) => JSON.parse(l.text).type)).to.deep.equal(['op', 'op', 'event']);
  });

  it('still passes the same migration without the event', () => {
    const b = cluster().polls(0, 10_000);
    const v = value('web01', 'N2', 'N3', 10_000, { blackoutMs: 9_500 });
    liveMigrate(b, 10_000, v);
    const end = 10_000 + v.totalMs!;
    expect(check(b.vm('web01', 'Running', { OwnerNode: 'N3' }).polls(end + 1_000, end + 3_000)).verdict).to.equal('pass');
  });
});

describe('event 1673 for a node that never left Up (event-log)', () => {
  const isolatedText = (node: string) => `Cluster node '${node}' has entered the isolated state.`;

  it('fails a 1673 for N1 while every poll around it, a second apart, saw N1 Up', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).event(10_200, 'N1', 1673, isolatedText('N1')).polls(11_000, 80_000);
    const result = checkAll(b);
    expect(result.violations.map((v) => `${v.rule} ${v.entity}`)).to.deep.equal(['event-log node/N1']);
    const v = result.violations[0]!;
    expect(v.observed).to.equal('Up at every poll from 00:00.0 to 00:40.0, with event 1673');
    expect(v.message).to.equal(
      `N1 logged event 1673 at 00:10.2: "${isolatedText('N1')}", but node/N1 was observed Up at every one of 41 polls from 00:00.0 to 00:40.0 ` +
        '(at most 1.0 s apart; a node that leaves the membership spends at least JoinTakesAtLeast = 2.0 s Joining before it is Up again, so no ' +
        'isolation fits between them): an isolated node is no longer in the active membership [MSBLOG], so the cluster reported an isolation ' +
        'that did not happen.',
    );
  });

  it('fails it when the trace ends soon after the event, too', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).event(10_200, 'N1', 1673, isolatedText('N1')).polls(11_000, 15_000);
    expect(checkAll(b).violations.map((v) => `${v.rule} ${v.entity}`)).to.deep.equal(['event-log node/N1']);
  });

  it('passes the 1673 of a node that was isolated', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated'], { silent: true }).event(20_000, 'N2', 1673, isolatedText('N2'));
    expect(checkAll(b.polls(20_000, 60_000)).verdict).to.equal('pass');
  });

  it('says nothing when the polls around it are too sparse to have seen an isolation (5 s apart)', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 80_000, 5_000).event(10_200, 'N1', 1673, isolatedText('N1')).polls(85_000, 90_000, 5_000);
    expect(checkAll(b).violations).to.deep.equal([]);
  });

  it('ignores the other 1673, "Resource moved from group" (the ID is shared, [BRAIN-FC])', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).event(10_200, 'N1', 1673, "Resource 'IP Address' moved from group 'A' to group 'B'.").polls(11_000, 80_000);
    expect(checkAll(b).verdict).to.equal('pass');
  });
});
