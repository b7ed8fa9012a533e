import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import { TraceBuilder } from '../helpers/trace.js';

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

/** Crash at 10 s; N2 isolated at 20 s; back Up at 35 s: the documented path with ResiliencyDefaultPeriod 60. */
function isolationAndRejoin(): TraceBuilder {
  const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
  b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] });
  b.vm('sql01', 'RunningCritical', { StatusInformation: ['Unmonitored'] }).polls(20_000, 22_000);
  b.vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(23_000, 33_000);
  b.node('N2', 'Joining').poll(34_000);
  b.node('N2', 'Up').vm('web01', 'Running').vm('sql01', 'Running').polls(35_000, 60_000);
  return b;
}

describe('checker', () => {
  it('passes a node that goes Isolated after a clussvc crash and rejoins within the period, with its VMs as documented', () => {
    const result = check(isolationAndRejoin());
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('accepts an isolation that polls 5 s apart missed (some run of the model passes through it unobserved)', () => {
    // removed at ~10 s, Joining, Up again by 20 s: no poll saw Isolated or Joining
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000, 5000).kill(10_000, 'N2').polls(15_000, 40_000, 5000);
    expect(check(b).verdict).to.equal('pass');
  });

  it('does not accept an isolation that polls 1 s apart could not have missed (a join takes JoinTakesAtLeast)', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 30_000);
    expect(check(b).verdict).to.equal('fail');
  });

  it('fails a node that goes Down without ever being Isolated, naming the node and the Isolated state it never reached', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down').polls(20_000, 30_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations).to.have.length(1);
    const v = result.violations[0]!;
    expect(v.entity).to.equal('node/N2');
    expect(v.observed).to.equal('Down');
    expect(v.expected).to.match(/Isolated/);
    expect(v.setting).to.deep.equal({ name: 'ResiliencyDefaultPeriod', value: 60, unit: 's' });
    expect(v.message).to.match(/never reached Isolated/);
    expect(v.message).to.match(/9\.9 s after kill-clussvc on N2/);
    expect(v.context.map((l) => l.text).join('\n')).to.match(/"kill-clussvc"/);
    expect(v.context.some((l) => l.text.includes('"Down"'))).to.equal(true);
  });

  it('fails a node still Up after the missed-heartbeat deadline, naming the setting', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 25_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    const v = result.violations[0]!;
    expect(v.observed).to.equal('Up');
    expect(v.setting?.name).to.equal('SameSubnetThreshold × SameSubnetDelay');
    expect(v.t).to.be.greaterThan(22_000);
  });

  it('allows the timing tolerance on ResiliencyDefaultPeriod, and no more', () => {
    const at = (downAt: number) => {
      const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
      b.node('N2', 'Down', ['Isolated']).polls(20_000, downAt - 1000);
      b.node('N2', 'Down').polls(downAt, downAt + 5000);
      return check(b);
    };
    // isolated at 19–20 s: Down is due at 79–80 s ± 2 s
    expect(at(81_000).verdict).to.equal('pass');
    const late = at(85_000);
    expect(late.verdict).to.equal('fail');
    expect(late.violations[0]!.observed).to.equal('Isolated');
    expect(late.violations[0]!.setting).to.deep.equal({ name: 'ResiliencyDefaultPeriod', value: 60, unit: 's' });
    const early = at(70_000);
    expect(early.verdict).to.equal('fail');
    expect(early.violations[0]!.observed).to.equal('Down');
  });

  it('fails an SMB-backed VM that pauses while its node is Isolated', () => {
    const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated']).vm('web01', 'PausedCritical', { StatusInformation: ['Unmonitored'] });
    b.vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(20_000, 25_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations.map((v) => v.entity)).to.deep.equal(['vm/web01']);
    expect(result.violations[0]!.expected).to.match(/Unmonitored/);
  });

  it('fails a CSV block-storage VM that keeps running while its node is Isolated', () => {
    const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] });
    b.vm('sql01', 'Running').polls(20_000, 25_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.entity).to.equal('vm/sql01');
  });

  it('fails a CSV block-storage VM not PausedCritical within BlockStoragePauseWithin', () => {
    const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] });
    b.vm('sql01', 'RunningCritical', { StatusInformation: ['Unmonitored'] }).polls(20_000, 40_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.setting?.name).to.equal('BlockStoragePauseWithin');
  });

  it('passes VMs failing over to Up nodes after the period expires', () => {
    const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] });
    b.vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(20_000, 79_000);
    b.node('N2', 'Down').vm('web01', 'Off', { GroupState: 'Pending' }).vm('sql01', 'Off', { GroupState: 'Pending' }).poll(80_000);
    b.vm('web01', 'Starting', { OwnerNode: 'N1' }).vm('sql01', 'Starting', { OwnerNode: 'N3' }).poll(81_000);
    b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).polls(90_000, 100_000);
    const result = check(b);
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('fails a VM that changes owner without failing over', () => {
    const b = new TraceBuilder().polls(0, 5_000);
    b.vm('web01', 'Running', { OwnerNode: 'N3' }).polls(6_000, 8_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.observed).to.equal('Running on N3');
  });

  it('fails a VM that fails over to a node that is not Up', () => {
    const b = new TraceBuilder({ settings: { ResiliencyDefaultPeriod: 0 } }).polls(0, 10_000).kill(10_000, 'N2');
    b.node('N2', 'Down').vm('web01', 'Off', { GroupState: 'Pending' }).vm('sql01', 'Off', { GroupState: 'Pending' }).poll(19_000);
    b.vm('web01', 'Running', { OwnerNode: 'N2' }).vm('sql01', 'Running', { OwnerNode: 'N1' }).polls(25_000, 27_000);
    const result = check(b);
    expect(result.violations.map((v) => v.entity)).to.deep.equal(['vm/web01']);
  });

  it('fails a node that loses membership with no fault injected', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 5_000);
    b.node('N3', 'Down', ['Isolated']).polls(6_000, 8_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.entity).to.equal('node/N3');
  });

  it('reports one root violation, not a cascade, and goes on checking afterwards', () => {
    // N2 straight Down (defect), VMs fail over at once: the VMs are consistent with the node as observed.
    const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down').vm('web01', 'Off', { GroupState: 'Pending' }).vm('sql01', 'Off', { GroupState: 'Pending' }).poll(20_000);
    b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).polls(25_000, 30_000);
    b.vm('web01', 'PausedCritical', { OwnerNode: 'N1' }).poll(31_000);
    const result = check(b);
    expect(result.violations.map((v) => v.entity)).to.deep.equal(['node/N2', 'vm/web01']);
  });

  it('says unknown when a fault has an unknown outcome and nothing shows it took effect', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000);
    b.op(10_000, 'kill-clussvc', 'invoke', { node: 'N2' }).polls(11_000, 15_000).op(15_000, 'kill-clussvc', 'info', { node: 'N2' });
    b.polls(16_000, 40_000);
    const result = check(b);
    expect(result.verdict).to.equal('unknown');
    expect(result.unknowns[0]).to.match(/kill-clussvc on N2 has an unknown outcome/);
  });

  it('says unknown when the trace ends before a fault of unknown outcome would have shown, even though it might have', () => {
    // the kill may have come at 15 s; N2 would be Isolated by ~25 s + tolerance, but the trace ends at 17 s
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000);
    b.op(10_000, 'kill-clussvc', 'invoke', { node: 'N2' }).polls(11_000, 15_000).op(15_000, 'kill-clussvc', 'info', { node: 'N2' });
    const result = check(b.polls(16_000, 17_000));
    expect(result.verdict).to.equal('unknown');
    expect(result.unknowns[0]).to.match(/kill-clussvc on N2 has an unknown outcome/);
  });

  it('accepts the effect of a fault whose outcome is unknown when the observations show it', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000);
    b.op(10_000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(15_000, 'kill-clussvc', 'info', { node: 'N2' });
    b.node('N2', 'Down', ['Isolated']).polls(20_000, 30_000);
    expect(check(b).verdict).to.equal('pass');
  });

  it('says unknown when the faulted node was never observed afterwards', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2');
    const result = check(b);
    expect(result.verdict).to.equal('unknown');
    expect(result.unknowns[0]).to.match(/node\/N2 was not observed after kill-clussvc on N2/);
  });

  it('ignores a failed operation (it did not happen)', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000);
    b.op(10_000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(10_100, 'kill-clussvc', 'fail', { node: 'N2' });
    b.polls(11_000, 40_000);
    expect(check(b).verdict).to.equal('pass');
  });

  it('records which model transitions the run exercised', () => {
    const result = check(isolationAndRejoin());
    const exercised = result.coverage.filter((c) => c.count > 0).map((c) => `${c.model}: ${c.from} → ${c.to}`);
    expect(exercised).to.include.members([
      'node-membership: Up → LosingMembership',
      'node-membership: LosingMembership → Isolated',
      'node-membership: Isolated → Joining',
      'node-membership: Joining → Up',
      'clustered-vm: Running → Unmonitored',
      'clustered-vm: Critical.RunningCritical → Critical.PausedCritical',
      'clustered-vm: Critical.PausedCritical → Running',
    ]);
    expect(result.coverage.some((c) => c.count === 0 && c.to === 'FailingOver')).to.equal(true);
  });
});
