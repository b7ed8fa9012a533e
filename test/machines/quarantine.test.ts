import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { nodeMembership, quarantineCap } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';

function startNode(settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(nodeMembership, { input: { settings: resolveSettings({ ResiliencyDefaultPeriod: 60, ...settings }) }, clock });
  actor.start();
  const cluster = { nodes: 4, quarantined: 0 };
  /** One ungraceful exit and, unless it quarantines the node, its rejoin. */
  const crash = (facts = cluster) => {
    actor.send({ type: 'clussvc.crashed', cluster: facts });
    actor.send({ type: 'membership.lost', cluster: facts });
    if (actor.getSnapshot().value !== 'Isolated') return;
    actor.send({ type: 'node.joining' });
    clock.increment(2000);
    actor.send({ type: 'node.joined' });
  };
  return { actor, clock, crash, state: () => actor.getSnapshot().value as string, exits: () => actor.getSnapshot().context.exits };
}

describe('node-membership model: quarantine', () => {
  it('quarantines a node at its QuarantineThreshold-th ungraceful exit within the hour', () => {
    const { crash, state, exits } = startNode({ QuarantineThreshold: 3 });
    crash();
    crash();
    expect(state()).to.equal('Up');
    expect(exits()).to.equal(2);
    crash();
    expect(state()).to.equal('Quarantined');
  });

  it('stops counting an exit once QuarantineWindow has passed', () => {
    const { clock, crash, state, exits } = startNode({ QuarantineThreshold: 3, QuarantineWindow: 3600 });
    crash();
    crash();
    clock.increment(3_600_000);
    expect(exits()).to.equal(0);
    crash();
    expect(state()).to.equal('Up');
  });

  it('keeps a quarantined node out for QuarantineDuration, then lets it join', () => {
    const { actor, clock, crash, state } = startNode({ QuarantineThreshold: 1, QuarantineDuration: 300 });
    crash();
    expect(state()).to.equal('Quarantined');
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Quarantined');
    clock.increment(299_999);
    expect(state()).to.equal('Quarantined');
    clock.increment(1);
    expect(state()).to.equal('Released');
    expect(actor.getSnapshot().hasTag('Down')).to.equal(true);
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Joining');
  });

  it('lets a quarantined node join at once with Start-ClusterNode -ClearQuarantine, forgetting its exits', () => {
    const { actor, crash, state, exits } = startNode({ QuarantineThreshold: 1 });
    crash();
    actor.send({ type: 'quarantine.cleared' });
    expect(state()).to.equal('Joining');
    expect(exits()).to.equal(0);
  });

  it('lets a released node join with -ClearQuarantine too, before its service is back', () => {
    const { actor, clock, crash, state } = startNode({ QuarantineThreshold: 1, QuarantineDuration: 300 });
    crash();
    clock.increment(300_000);
    expect(state()).to.equal('Released');
    actor.send({ type: 'quarantine.cleared' });
    expect(state()).to.equal('Joining');
  });

  it('quarantines at the missed-heartbeat deadline as well, when nothing removed the node earlier', () => {
    const { actor, clock, state } = startNode({ QuarantineThreshold: 1 });
    actor.send({ type: 'clussvc.crashed', cluster: { nodes: 4, quarantined: 0 } });
    clock.increment(10_000);
    expect(state()).to.equal('Quarantined');
  });

  it('goes Down at the missed-heartbeat deadline with ResiliencyDefaultPeriod 0', () => {
    const { actor, clock, state } = startNode({ ResiliencyDefaultPeriod: 0 });
    actor.send({ type: 'clussvc.crashed' });
    clock.increment(10_000);
    expect(state()).to.equal('Down');
  });

  it('never quarantines with QuarantineThreshold 0', () => {
    const { crash, state } = startNode({ QuarantineThreshold: 0 });
    for (let i = 0; i < 5; i++) crash();
    expect(state()).to.equal('Up');
  });

  it('isolates instead of quarantining when the quarantine cap is reached (our reading: undocumented)', () => {
    const { actor, state } = startNode({ QuarantineThreshold: 1 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost', cluster: { nodes: 4, quarantined: 1 } });
    expect(state()).to.equal('Isolated');
  });

  it('declares the node Down instead when the cap is reached and QuarantineAtCap is 2', () => {
    const { actor, state } = startNode({ QuarantineThreshold: 1, QuarantineAtCap: 2 });
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost', cluster: { nodes: 4, quarantined: 1 } });
    expect(state()).to.equal('Down');
  });

  it('caps quarantined nodes at 25 % of the nodes, and one node in small clusters', () => {
    expect([2, 3, 4, 7, 8, 16].map((n) => quarantineCap(n, 25))).to.deep.equal([1, 1, 1, 1, 2, 4]);
    expect(quarantineCap(8, 20)).to.equal(1);
  });
});

describe('node-membership model: graceful stop', () => {
  it('drains (Paused) and then stops (Down) without isolation on Stop-ClusterNode', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'node.stopping' });
    expect(state()).to.equal('Draining');
    expect(actor.getSnapshot().hasTag('Paused')).to.equal(true);
    actor.send({ type: 'node.stopped' });
    expect(state()).to.equal('Stopped');
    expect(actor.getSnapshot().hasTag('Down')).to.equal(true);
  });

  it('does not count a graceful stop toward quarantine', () => {
    const { actor, state, exits } = startNode({ QuarantineThreshold: 1 });
    actor.send({ type: 'node.stopping' });
    actor.send({ type: 'node.stopped' });
    expect(exits()).to.equal(0);
    expect(state()).to.equal('Stopped');
  });

  it('has the drain finished within DrainWithin', () => {
    const { actor, clock, state } = startNode({ DrainWithin: 120 });
    actor.send({ type: 'node.stopping' });
    clock.increment(120_000);
    expect(state()).to.equal('Stopped');
  });

  it('stays stopped until Start-ClusterNode: the service control manager does not restart it', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'node.stopping' });
    actor.send({ type: 'node.stopped' });
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Stopped');
    actor.send({ type: 'node.started' });
    expect(state()).to.equal('Joining');
  });

  it('counts a crash during a join as another ungraceful exit', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'clussvc.crashed' });
    actor.send({ type: 'membership.lost' });
    actor.send({ type: 'node.joining' });
    actor.send({ type: 'clussvc.crashed' });
    expect(state()).to.equal('LosingMembership');
  });
});
