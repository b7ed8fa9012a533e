import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import { EventRules } from '../../src/check/events.js';
import type { CheckResult } from '../../src/check/result.js';
import { TraceBuilder } from '../helpers/trace.js';

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

function isolation(options: { silent?: boolean } = {}): TraceBuilder {
  const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
  return b.node('N2', 'Down', ['Isolated'], options);
}

describe('checker: Windows event records as observations', () => {
  it('passes an Isolated node that logged 1673', () => {
    expect(check(isolation().polls(20_000, 25_000)).verdict).to.equal('pass');
  });

  it('fails an Isolated node without its 1673 record', () => {
    const b = isolation({ silent: true }).event(20_000, 'N2', 7031).polls(20_000, 25_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations).to.have.length(1);
    expect(result.violations[0]).to.include({ rule: 'event-log', entity: 'node/N2' });
    expect(result.violations[0]!.message).to.match(/no event 1673/);
  });

  it('accepts a 1673 logged a little before the poll that saw the node Isolated', () => {
    const b = isolation({ silent: true }).event(19_500, 'N2', 1673).polls(20_000, 25_000);
    expect(check(b).verdict).to.equal('pass');
  });

  it('does not accept a 1673 logged long before, by EventLogWithin', () => {
    const b = new TraceBuilder({ vms: [] }).event(0, 'N2', 1673).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 45_000);
    b.node('N2', 'Down', ['Isolated'], { silent: true }).polls(46_000, 50_000);
    expect(check(b).violations.map((v) => v.rule)).to.include('event-log');
  });

  it('measures EventLogWithin from the interval the state began in: a gap in the polls does not hide its event (found by the trace-edit properties)', () => {
    // N2 polled Up until 60 s, then no poll works until 180 s, when it is first seen Isolated; the crash is at 60 s
    const gap = (eventAt: number): TraceBuilder => {
      const b = new TraceBuilder({ vms: [], settings: { ResiliencyDefaultPeriod: 240 } }).polls(0, 60_000);
      if (eventAt < 60_000) b.event(eventAt, 'N2', 1673, "Cluster node 'N2' has entered the isolated state.");
      b.kill(60_000, 'N2');
      if (eventAt >= 60_000) b.event(eventAt, 'N2', 1673, "Cluster node 'N2' has entered the isolated state.");
      return b.node('N2', 'Down', ['Isolated'], { silent: true }).polls(180_000, 185_000);
    };
    // logged at 70 s: 110 s before the poll that saw it, but within the interval (60 s, 180 s] it began in
    expect(check(gap(70_000)).violations).to.deep.equal([]);
    // logged at 20 s: more than EventLogWithin (30 s) before the node was last seen Up; it documents nothing of this
    const early = check(gap(20_000));
    const missing = early.violations.filter((v) => v.rule === 'event-log' && v.observed === 'Isolated with no such event');
    expect(missing).to.have.length(1);
    expect(missing[0]!.message).to.match(
      /observed Isolated at 03:00\.0 \(and last seen otherwise at 01:00\.0\), but no event 1673 .* was logged within 30\.0 s of that interval/,
    );
  });

  it('accepts a quarantine reported by another node (1672 naming the node)', () => {
    const b = new TraceBuilder({ vms: [], settings: { QuarantineThreshold: 1 } }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Quarantined'], { silent: true }).event(20_000, 'N1', 1672, "Cluster node 'N2' has been quarantined.");
    expect(check(b.polls(20_000, 25_000)).verdict).to.equal('pass');
  });

  it('says unknown rather than fail when no event records were collected at all', () => {
    const result = check(isolation({ silent: true }).polls(20_000, 25_000));
    expect(result.verdict).to.equal('unknown');
    expect(result.unknowns[0]).to.match(/no Windows event records were collected/);
  });

  it('decides each state change once the trace has left its window behind, holding only what is still open', () => {
    const rules = new EventRules(30_000);
    const line = (t: number) => ({ seq: 0, t, text: '' });
    const hour = 3_600_000;
    for (let i = 0; i < 200; i++) {
      const t = i * hour;
      rules.observe('node/N2', 'Up', t, line(t));
      rules.observe('node/N2', 'Isolated', t + 10_000, line(t + 10_000));
      // every crash but the 100th logs its 1673
      if (i !== 100) rules.event({ type: 'event', seq: 0, t: t + 10_500, node: 'N2', log: 'System', provider: 'x', id: 1673, level: 'Error', time: '', message: '' }, line(t + 10_500));
      rules.event({ type: 'event', seq: 0, t: t + 20_000, node: 'N2', log: 'System', provider: 'x', id: 7036, level: 'Information', time: '', message: '' }, line(t + 20_000));
      expect(rules.held).to.be.at.most(4);
    }
    const { violations } = rules.finish();
    expect(violations.map((v) => v.t)).to.deep.equal([100 * hour + 10_000]);
  });
});
