import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { clusteredVm } from '../../machines/clustered-vm.js';
import { nodeMembership, recoveryRestarts } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';

const cluster = { nodes: 4, quarantined: 0 };

function startNode(settings: Record<string, number>) {
  const clock = new SimulatedClock();
  const actor = createActor(nodeMembership, { input: { settings: resolveSettings({ ResiliencyDefaultPeriod: 30, QuarantineThreshold: 1, ...settings }) }, clock }).start();
  return { actor, clock, state: () => actor.getSnapshot().value as string };
}

function startVm(storage: 'smb' | 'csv-block', extra: { resiliencyPeriod?: number } = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(clusteredVm, { input: { storage, settings: resolveSettings({ ResiliencyDefaultPeriod: 30 }), ...extra }, clock }).start();
  return { actor, clock, value: () => JSON.stringify(actor.getSnapshot().value), tags: () => [...actor.getSnapshot().tags].sort() };
}

describe('models: a node quarantined while it cannot take part in a live migration (issue 14)', () => {
  it("node: quarantined with its clussvc down for good (the failure's recovery action is none) cannot be drained until its service is started", () => {
    const { actor, state } = startNode({ ClussvcFirstFailureAction: 0 });
    actor.send({ type: 'clussvc.crashed', cluster });
    actor.send({ type: 'membership.lost', cluster });
    expect(state()).to.equal('QuarantinedUndrainable');
    expect(actor.getSnapshot().hasTag('Quarantined')).to.equal(true);
    actor.send({ type: 'node.started', cluster });
    expect(state()).to.equal('Quarantined');
  });

  it('node: quarantined with SCM restarting its clussvc (the default) may be drained once it runs', () => {
    const { actor, state } = startNode({});
    actor.send({ type: 'clussvc.crashed', cluster });
    actor.send({ type: 'membership.lost', cluster });
    expect(state()).to.equal('Quarantined');
  });

  it("node: a hold-down keeps it undrainable until the hold-down's end, when the service starts", () => {
    const { actor, clock, state } = startNode({});
    actor.send({ type: 'clussvc.crashed', holdDownMs: 90_000, cluster });
    actor.send({ type: 'membership.lost', cluster });
    expect(state()).to.equal('QuarantinedUndrainable');
    clock.increment(89_999);
    expect(state()).to.equal('QuarantinedUndrainable');
    clock.increment(1);
    expect(state()).to.equal('Quarantined');
  });

  it('node: quarantined while its networks are cut, drained only once they heal', () => {
    const { actor, state } = startNode({});
    actor.send({ type: 'network.cut', healAfterMs: 600_000, cluster });
    actor.send({ type: 'membership.lost', cluster });
    expect(state()).to.equal('QuarantinedUndrainable');
    actor.send({ type: 'network.healed', cluster });
    expect(state()).to.equal('Quarantined');
  });

  it('recovery actions: the Nth failure picks the Nth action, the last repeating', () => {
    const settings = resolveSettings({ ClussvcFirstFailureAction: 1, ClussvcSecondFailureAction: 0, ClussvcSubsequentFailureAction: 1 });
    expect([1, 2, 3, 7].map((n) => recoveryRestarts(settings, n))).to.deep.equal([true, false, true, true]);
  });

  it('node: the failure count resets after ClussvcResetPeriod without a failure', () => {
    const { actor, clock, state } = startNode({ QuarantineThreshold: 0, ClussvcSecondFailureAction: 0, ClussvcResetPeriod: 100 });
    actor.send({ type: 'clussvc.crashed', cluster });
    expect(actor.getSnapshot().context.scmFailures).to.equal(1);
    clock.increment(100_000);
    expect(actor.getSnapshot().context.scmFailures).to.equal(0);
    expect(state()).to.not.equal('QuarantinedUndrainable');
  });

  it('VM: stays on the undrainable node (no live migration) and fails over when the resiliency period ends', () => {
    const { actor, clock, value, tags } = startVm('smb');
    actor.send({ type: 'owner.QuarantinedUndrainable' });
    expect(tags()).to.deep.equal(['Unmonitored']);
    expect(actor.getSnapshot().getMeta()).to.deep.equal({});
    clock.increment(29_999);
    expect(value()).to.equal('{"OnUndrainableNode":"Unmonitored"}');
    clock.increment(1);
    expect(value()).to.equal('"FailingOver"');
  });

  it('VM: on a CSV, RunningCritical then PausedCritical; drained by live migration once the node is reached', () => {
    const { actor, clock, value } = startVm('csv-block', { resiliencyPeriod: 0 });
    actor.send({ type: 'owner.QuarantinedUndrainable' });
    actor.send({ type: 'vm.io-failed' });
    clock.increment(5_000);
    actor.send({ type: 'owner.Quarantined' });
    expect(value()).to.equal('{"OnQuarantinedNode":{"Critical":"PausedCritical"}}');
    actor.send({ type: 'vm.migrated' });
    expect(value()).to.equal('"Running"');
  });
});
