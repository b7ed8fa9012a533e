import { expect } from 'chai';
import { Checker } from '../../src/check/checker.js';
import type { CheckResult } from '../../src/check/result.js';
import { TraceBuilder } from '../helpers/trace.js';

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

const settings = { QuarantineThreshold: 1, QuarantineDuration: 300 };

/** N2 crashes once with QuarantineThreshold 1: quarantined at ~10 s. */
function quarantined(): TraceBuilder {
  const b = new TraceBuilder({ settings }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
  return b.node('N2', 'Down', ['Quarantined']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] }).vm('sql01', 'RunningCritical');
}

describe('checker: quarantine and drains', () => {
  it('passes a quarantined node whose VMs are live-migrated away, then released after QuarantineDuration', () => {
    const b = quarantined().polls(20_000, 24_000);
    b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).polls(25_000, 319_000);
    b.node('N2', 'Joining').poll(320_000).node('N2', 'Up').polls(323_000, 330_000);
    const result = check(b);
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('fails a quarantined node that keeps its VMs (no drain), naming DrainWithin', () => {
    const b = quarantined().polls(20_000, 24_000).vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(25_000, 200_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.entity).to.match(/^vm\//);
    expect(result.violations[0]!.setting?.name).to.equal('DrainWithin');
  });

  it('fails a drain that fails VMs over (offline) instead of live-migrating them', () => {
    const b = quarantined().poll(20_000);
    b.vm('web01', 'Starting', { OwnerNode: 'N1', GroupState: 'Pending' }).poll(21_000);
    const result = check(b);
    expect(result.violations.map((v) => `${v.entity} ${v.observed}`)).to.include('vm/web01 Starting');
  });

  it('fails a node quarantined before its QuarantineThreshold-th exit', () => {
    const b = new TraceBuilder({ settings: { QuarantineThreshold: 3 } }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
    b.node('N2', 'Down', ['Quarantined']).polls(20_000, 22_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.observed).to.equal('Quarantined');
  });

  it('fails a node let back in before QuarantineDuration is over', () => {
    const b = quarantined().polls(20_000, 24_000);
    b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).polls(25_000, 100_000);
    b.node('N2', 'Joining').poll(101_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.entity).to.equal('node/N2');
  });

  it('fails a second quarantined node beyond the cap (one node of four)', () => {
    const b = new TraceBuilder({ settings, nodes: ['N1', 'N2', 'N3', 'N4'], vms: [] }).polls(0, 10_000).kill(10_000, 'N2');
    b.polls(11_000, 19_000).node('N2', 'Down', ['Quarantined']).polls(20_000, 30_000).kill(30_000, 'N3').polls(31_000, 39_000);
    b.node('N3', 'Down', ['Quarantined']).polls(40_000, 45_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations.map((v) => `${v.entity} ${v.observed}`)).to.deep.equal(['node/N3 Quarantined']);
  });

  it('passes a node isolated instead of quarantined when the cap is reached', () => {
    const b = new TraceBuilder({ settings, nodes: ['N1', 'N2', 'N3', 'N4'], vms: [] }).polls(0, 10_000).kill(10_000, 'N2');
    b.polls(11_000, 19_000).node('N2', 'Down', ['Quarantined']).polls(20_000, 30_000).kill(30_000, 'N3').polls(31_000, 39_000);
    b.node('N3', 'Down', ['Isolated']).polls(40_000, 45_000);
    expect(check(b).verdict).to.equal('pass');
  });

  it('asserts the QuarantineAtCap setting: with 2, a node isolated at the cap (instead of Down) fails', () => {
    const build = (atCap: number) => {
      const b = new TraceBuilder({ settings: { ...settings, QuarantineAtCap: atCap }, nodes: ['N1', 'N2', 'N3', 'N4', 'N5'], vms: [] });
      b.polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000).node('N2', 'Down', ['Quarantined']).polls(20_000, 30_000);
      return b.kill(30_000, 'N3').polls(31_000, 39_000).node('N3', 'Down', ['Isolated']).polls(40_000, 45_000);
    };
    expect(check(build(1)).verdict).to.equal('pass');
    const result = check(build(2));
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]).to.include({ entity: 'node/N3', observed: 'Isolated' });
  });

  it('passes a graceful stop: drain by live migration, Down without isolation, back on Start-ClusterNode', () => {
    const b = new TraceBuilder().polls(0, 10_000);
    b.op(10_000, 'stop-node', 'invoke', { node: 'N2' }).op(10_000, 'stop-node', 'ok', { node: 'N2' });
    b.node('N2', 'Paused', ['DrainInProgress']).polls(11_000, 14_000);
    b.vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).node('N2', 'Down').polls(15_000, 40_000);
    b.op(40_000, 'start-node', 'invoke', { node: 'N2' }).op(40_000, 'start-node', 'ok', { node: 'N2' });
    b.node('N2', 'Joining').polls(41_000, 42_000).node('N2', 'Up').polls(43_000, 50_000);
    const result = check(b);
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('fails a graceful stop that isolates the node', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000);
    b.op(10_000, 'stop-node', 'invoke', { node: 'N2' }).op(10_000, 'stop-node', 'ok', { node: 'N2' });
    b.node('N2', 'Down', ['Isolated']).polls(11_000, 14_000);
    const result = check(b);
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.observed).to.equal('Isolated');
  });

  it('fails a gracefully stopped node that comes back by itself', () => {
    const b = new TraceBuilder({ vms: [] }).polls(0, 10_000);
    b.op(10_000, 'stop-node', 'invoke', { node: 'N2' }).op(10_000, 'stop-node', 'ok', { node: 'N2' });
    b.node('N2', 'Down').polls(11_000, 30_000).node('N2', 'Joining').poll(31_000);
    expect(check(b).verdict).to.equal('fail');
  });

  it('does not count a graceful stop toward quarantine', () => {
    const b = new TraceBuilder({ settings, vms: [] }).polls(0, 10_000);
    b.op(10_000, 'stop-node', 'invoke', { node: 'N2' }).op(10_000, 'stop-node', 'ok', { node: 'N2' });
    b.node('N2', 'Down').polls(11_000, 20_000);
    b.op(20_000, 'start-node', 'invoke', { node: 'N2' }).op(20_000, 'start-node', 'ok', { node: 'N2' });
    b.node('N2', 'Joining').polls(21_000, 22_000).node('N2', 'Up').polls(23_000, 30_000);
    // with QuarantineThreshold 1, a graceful stop that counted would have quarantined N2
    expect(check(b).verdict).to.equal('pass');
  });
});
