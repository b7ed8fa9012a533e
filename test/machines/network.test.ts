import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { clusteredVm } from '../../machines/clustered-vm.js';
import { nodeMembership } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';

function startNode(settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(nodeMembership, { input: { settings: resolveSettings({ ResiliencyDefaultPeriod: 60, ...settings }) }, clock });
  actor.start();
  return { actor, clock, state: () => actor.getSnapshot().value as string };
}

describe('node-membership model: network isolation and ResiliencyLevel', () => {
  it('isolates a node whose networks are cut, at ResiliencyLevel 2 (AlwaysIsolate)', () => {
    const { actor, state } = startNode({ ResiliencyLevel: 2 });
    actor.send({ type: 'network.cut', healAfterMs: 60_000 });
    expect(state()).to.equal('LosingMembership');
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Isolated');
  });

  it('takes a node whose networks are cut straight Down at ResiliencyLevel 1 (our reading of IsolateOnSpecialHeartbeat)', () => {
    const { actor, state } = startNode({ ResiliencyLevel: 1 });
    actor.send({ type: 'network.cut', healAfterMs: 60_000 });
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Down');
  });

  it('still isolates a node whose clussvc crashed at ResiliencyLevel 1', () => {
    const { actor, state } = startNode({ ResiliencyLevel: 1 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Isolated');
  });

  it('lets a cut-off node rejoin only once its networks heal (by themselves after healAfterMs)', () => {
    const { actor, clock, state } = startNode();
    actor.send({ type: 'network.cut', healAfterMs: 30_000 });
    actor.send({ type: 'membership.lost' });
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Isolated');
    clock.increment(30_000);
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Joining');
  });

  it('lets a cut-off node rejoin as soon as its networks are restored', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'network.cut', healAfterMs: 600_000 });
    actor.send({ type: 'membership.lost' });
    actor.send({ type: 'network.healed' });
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Joining');
  });

  it('counts a network removal toward quarantine like a crash', () => {
    const { actor, state } = startNode({ QuarantineThreshold: 1 });
    actor.send({ type: 'network.cut', healAfterMs: 60_000 });
    actor.send({ type: 'membership.lost' });
    // quarantined; cut off, it cannot be drained until the cut heals (issue 14)
    expect(actor.getSnapshot().hasTag('Quarantined')).to.equal(true);
    expect(state()).to.equal('QuarantinedUndrainable');
  });
});

function startVm(input: { storage: 'smb' | 'csv-block'; resiliencyPeriod?: number; version?: string }, settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(clusteredVm, { input: { ...input, settings: resolveSettings(settings) }, clock });
  actor.start();
  return { actor, clock, value: () => JSON.stringify(actor.getSnapshot().value) };
}

describe('clustered-vm model: per-VM ResiliencyPeriod and configuration version', () => {
  it('fails a VM over when its own ResiliencyPeriod expires while its node is still Isolated', () => {
    const { actor, clock, value } = startVm({ storage: 'smb', resiliencyPeriod: 20 });
    actor.send({ type: 'owner.Isolated' });
    clock.increment(19_999);
    expect(value()).to.equal('"Unmonitored"');
    clock.increment(1);
    expect(value()).to.equal('"FailingOver"');
  });

  it('applies a per-VM ResiliencyPeriod to a paused CSV VM too', () => {
    const { actor, clock, value } = startVm({ storage: 'csv-block', resiliencyPeriod: 20 });
    actor.send({ type: 'owner.Isolated' });
    actor.send({ type: 'vm.io-failed' });
    clock.increment(20_000);
    expect(value()).to.equal('"FailingOver"');
  });

  it('keeps a VM without its own period Unmonitored until the node goes Down', () => {
    const { actor, clock, value } = startVm({ storage: 'smb' });
    actor.send({ type: 'owner.Isolated' });
    clock.increment(3_600_000);
    expect(value()).to.equal('"Unmonitored"');
  });

  it('fails a VM below MinimumResilientVmVersion over at once instead of leaving it Unmonitored', () => {
    const { actor, value } = startVm({ storage: 'smb', version: '5.0' }, { MinimumResilientVmVersion: 6 });
    actor.send({ type: 'owner.Isolated' });
    expect(value()).to.equal('"FailingOver"');
  });

  it('keeps a VM at or above MinimumResilientVmVersion resilient', () => {
    const { actor, value } = startVm({ storage: 'smb', version: '8.0' }, { MinimumResilientVmVersion: 6 });
    actor.send({ type: 'owner.Isolated' });
    expect(value()).to.equal('"Unmonitored"');
  });
});
