import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { nodeMembership } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';

function startNode(settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(nodeMembership, { input: { settings: resolveSettings(settings) }, clock });
  actor.start();
  return { actor, clock, state: () => actor.getSnapshot().value as string };
}

describe('node-membership model', () => {
  it('starts Up', () => {
    expect(startNode().state()).to.equal('Up');
  });

  it('still shows Up right after clussvc crashes, until the other nodes remove it', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'clussvc.crashed' });
    expect(state()).to.equal('LosingMembership');
    expect(actor.getSnapshot().hasTag('Up')).to.equal(true);
  });

  it('goes Isolated when membership is lost and ResiliencyDefaultPeriod > 0', () => {
    const { actor, state } = startNode({ ResiliencyDefaultPeriod: 60 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Isolated');
  });

  it('is removed by SameSubnetThreshold × SameSubnetDelay after the crash at the latest', () => {
    const { actor, clock, state } = startNode({ SameSubnetDelay: 1000, SameSubnetThreshold: 10 });
    actor.send({ type: 'clussvc.crashed' });
    clock.increment(9_999);
    expect(state()).to.equal('LosingMembership');
    clock.increment(1);
    expect(state()).to.equal('Isolated');
  });

  it('goes straight Down when ResiliencyDefaultPeriod = 0 (pre-2016 behaviour)', () => {
    const { actor, state } = startNode({ ResiliencyDefaultPeriod: 0 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Down');
  });

  it('goes Down when ResiliencyDefaultPeriod expires while Isolated', () => {
    const { actor, clock, state } = startNode({ ResiliencyDefaultPeriod: 60 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    clock.increment(59_999);
    expect(state()).to.equal('Isolated');
    clock.increment(1);
    expect(state()).to.equal('Down');
  });

  it('rejoins (Joining, then Up) when it comes back within the period, and the period no longer runs', () => {
    const { actor, clock, state } = startNode({ ResiliencyDefaultPeriod: 60 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    clock.increment(20_000);
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Joining');
    actor.send({ type: 'node.joined' });
    expect(state()).to.equal('Up');
    clock.increment(60_000);
    expect(state()).to.equal('Up');
  });

  it('rejoins after being Down once its cluster service runs again', () => {
    const { actor, clock, state } = startNode({ ResiliencyDefaultPeriod: 60 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    clock.increment(60_000);
    actor.send({ type: 'node.joining' });
    actor.send({ type: 'node.joined' });
    expect(state()).to.equal('Up');
  });

  it('does not lose membership without a stimulus', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Up');
  });

  it('is Paused by a drain (Suspend-ClusterNode -Drain) until Resume-ClusterNode, and stays a member throughout', () => {
    const { actor, clock, state } = startNode();
    actor.send({ type: 'node.suspended' });
    expect(state()).to.equal('Paused');
    expect(actor.getSnapshot().hasTag('Paused')).to.equal(true);
    clock.increment(24 * 3_600_000);
    expect(state()).to.equal('Paused');
    actor.send({ type: 'node.resumed' });
    expect(state()).to.equal('Up');
  });
});
