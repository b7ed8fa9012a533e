import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import { TraceBuilder } from '../helpers/trace.js';

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

const unreadable = { StatusInformation: [] as string[] };
const unmonitored = { StatusInformation: ['Unmonitored'] };

/**
 * N2's power is cut at 10 s (ResiliencyDefaultPeriod 60, AlwaysIsolate): its VMs cannot be read from then on; N2
 * is removed and Isolated at 20 s (the dark host writes no 1673), its VMs' groups Unmonitored; Down at 80 s,
 * the VMs restart on N1 and N3.
 */
function powerLoss(options: { downAt?: number; isolated?: boolean } = {}): TraceBuilder {
  const downAt = options.downAt ?? 80_000;
  const b = new TraceBuilder().polls(0, 10_000);
  b.op(10_000, 'power-off-node', 'invoke', { node: 'N2' }).op(10_100, 'power-off-node', 'ok', { node: 'N2' });
  b.vm('web01', 'Unknown', unreadable).vm('sql01', 'Unknown', unreadable).polls(11_000, 19_000);
  if (options.isolated !== false) {
    b.node('N2', 'Down', ['Isolated'], { silent: true }).event(19_500, 'N1', 1135, "Cluster node 'N2' was removed from the active failover cluster membership.");
    b.vm('web01', 'Unknown', unmonitored).vm('sql01', 'Unknown', unmonitored).polls(20_000, downAt - 1000);
  }
  b.node('N2', 'Down').vm('web01', 'Off', { GroupState: 'Offline', OwnerNode: 'N2' }).vm('sql01', 'Off', { GroupState: 'Offline', OwnerNode: 'N2' });
  b.poll(downAt);
  b.vm('web01', 'Starting', { GroupState: 'Pending', OwnerNode: 'N1' }).vm('sql01', 'Starting', { GroupState: 'Pending', OwnerNode: 'N3' }).polls(downAt + 1000, downAt + 5000);
  b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).polls(downAt + 6000, downAt + 20_000);
  return b;
}

describe('checker: host power loss', () => {
  it('passes the documented path: dead VMs unreadable, reported Unmonitored for the period, then restarted elsewhere; no 1673 asked of the dark host', () => {
    const result = check(powerLoss());
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('rejects the node Down before ResiliencyDefaultPeriod under AlwaysIsolate (the cluster cannot tell a dead host from an isolated one)', () => {
    const result = check(powerLoss({ isolated: false, downAt: 20_000 }));
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]).to.include({ entity: 'node/N2' });
  });

  it('passes the node Down at once at ResiliencyLevel 1', () => {
    const b = powerLoss({ isolated: false, downAt: 20_000 });
    b.header.settings.ResiliencyLevel = 1;
    expect(check(b).violations.map((v) => v.message)).to.deep.equal([]);
  });

  it('rejects a dead VM reported Running on the dark host', () => {
    const b = new TraceBuilder().polls(0, 10_000);
    b.op(10_000, 'power-off-node', 'invoke', { node: 'N2' }).op(10_100, 'power-off-node', 'ok', { node: 'N2' });
    b.vm('sql01', 'Unknown', unreadable).polls(11_000, 15_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]).to.include({ entity: 'vm/web01', observed: 'Running' });
  });

  it('rejects the VMs still reported Unmonitored on the dark host long after its node went Down', () => {
    const b = new TraceBuilder().polls(0, 10_000);
    b.op(10_000, 'power-off-node', 'invoke', { node: 'N2' }).op(10_100, 'power-off-node', 'ok', { node: 'N2' });
    b.vm('web01', 'Unknown', unreadable).vm('sql01', 'Unknown', unreadable).polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated'], { silent: true }).vm('web01', 'Unknown', unmonitored).vm('sql01', 'Unknown', unmonitored).polls(20_000, 79_000);
    b.node('N2', 'Down').polls(80_000, 300_000, 5000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.observed).to.equal('UnreadableUnmonitored');
  });

  it('still asks a 1673 of a node isolated while its host runs (a clussvc crash)', () => {
    const b = new TraceBuilder().polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Isolated'], { silent: true }).vm('web01', 'Running', unmonitored).vm('sql01', 'RunningCritical', unmonitored).polls(20_000, 21_000);
    b.event(19_500, 'N1', 1135, "Cluster node 'N2' was removed from the active failover cluster membership.");
    b.vm('sql01', 'PausedCritical', unmonitored).polls(22_000, 60_000);
    const result = check(b);
    expect(result.violations.map((v) => v.rule)).to.include('event-log');
  });
});

describe('checker: restart-node', () => {
  function restart(drained: boolean): TraceBuilder {
    const b = new TraceBuilder({ settings: drained ? {} : { DrainOnShutdown: 0 } }).polls(0, 10_000);
    b.op(10_000, 'restart-node', 'invoke', { node: 'N2', timeout: 1_200_000 });
    if (drained) {
      b.node('N2', 'Paused', ['DrainInProgress']).polls(11_000, 14_000);
      b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).polls(15_000, 16_000);
    } else {
      b.vm('web01', 'Starting', { GroupState: 'Pending', OwnerNode: 'N1' }).vm('sql01', 'Starting', { GroupState: 'Pending', OwnerNode: 'N3' });
      b.node('N2', 'Down').polls(11_000, 16_000);
      b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' });
    }
    b.node('N2', 'Down').polls(17_000, 100_000);
    b.node('N2', 'Joining').polls(101_000, 103_000);
    b.node('N2', 'Up').polls(104_000, 110_000);
    b.op(110_000, 'restart-node', 'ok', { node: 'N2', timeout: 1_200_000 });
    return b.polls(111_000, 115_000);
  }

  it('passes a drained restart (DrainOnShutdown on): Paused while its VMs move live, Down gracefully, back by itself', () => {
    expect(check(restart(true)).violations.map((v) => v.message)).to.deep.equal([]);
  });

  it('passes a restart without DrainOnShutdown: its VMs restart elsewhere', () => {
    expect(check(restart(false)).violations.map((v) => v.message)).to.deep.equal([]);
  });

  it('rejects VMs taken offline by a restart when DrainOnShutdown is on (they must be drained live)', () => {
    const b = restart(false);
    b.header.settings.DrainOnShutdown = 1;
    expect(check(b).verdict).to.equal('fail');
  });

  it('rejects a node that, restarted, is seen Isolated (a restart is no ungraceful exit)', () => {
    const b = new TraceBuilder().polls(0, 10_000);
    b.op(10_000, 'restart-node', 'invoke', { node: 'N2', timeout: 1_200_000 });
    b.node('N2', 'Down', ['Isolated']).polls(11_000, 30_000);
    expect(check(b).verdict).to.equal('fail');
  });
});
