import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { clusteredVm, type StorageKind } from '../../machines/clustered-vm.js';
import { nodeMembership } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';

function startNode(settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(nodeMembership, { input: { settings: resolveSettings(settings) }, clock });
  actor.start();
  return { actor, clock, state: () => actor.getSnapshot().value as string, tags: () => [...actor.getSnapshot().tags].sort() };
}

function startVm(storage: StorageKind, resiliencyPeriod?: number) {
  const clock = new SimulatedClock();
  const input = { storage, settings: resolveSettings({}), ...(resiliencyPeriod !== undefined ? { resiliencyPeriod } : {}) };
  const actor = createActor(clusteredVm, { input, clock });
  actor.start();
  return { actor, clock, tags: () => [...actor.getSnapshot().tags].sort() };
}

describe('node-membership model: host power loss and restarts', () => {
  it('under AlwaysIsolate a powered-off node shows Up until removed, then Isolated for ResiliencyDefaultPeriod, then Down', () => {
    const { actor, clock, state, tags } = startNode({ ResiliencyDefaultPeriod: 240 });
    actor.send({ type: 'host.poweredOff' });
    expect(tags()).to.deep.equal(['Up']);
    clock.increment(10_000);
    expect(state()).to.equal('IsolatedDark');
    expect(tags()).to.deep.equal(['Isolated']);
    clock.increment(239_999);
    expect(tags()).to.deep.equal(['Isolated']);
    clock.increment(1);
    expect(state()).to.equal('Down');
  });

  it('at ResiliencyLevel 1 a powered-off node goes Down at removal: nothing says it is alive', () => {
    const { actor, state } = startNode({ ResiliencyLevel: 1 });
    actor.send({ type: 'host.poweredOff' });
    actor.send({ type: 'membership.lost' });
    expect(state()).to.equal('Down');
  });

  it('cannot join while its power is off; powered on, it may', () => {
    const { actor, state } = startNode({ ResiliencyLevel: 1 });
    actor.send({ type: 'host.poweredOff' });
    actor.send({ type: 'membership.lost' });
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Down');
    actor.send({ type: 'host.poweredOn' });
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Joining');
  });

  it('restart with DrainOnShutdown (default): Paused while drained, Down, then back by itself without Start-ClusterNode', () => {
    const { actor, state, tags } = startNode();
    actor.send({ type: 'node.restarting' });
    expect(tags()).to.deep.equal(['Paused']);
    actor.send({ type: 'node.stopped' });
    expect(tags()).to.deep.equal(['Down']);
    actor.send({ type: 'node.joining' });
    actor.send({ type: 'node.joined' });
    expect(state()).to.equal('Up');
    // a later graceful stop still waits for Start-ClusterNode
    actor.send({ type: 'node.stopping' });
    actor.send({ type: 'node.stopped' });
    actor.send({ type: 'node.joining' });
    expect(state()).to.equal('Stopped');
  });

  it('restart without DrainOnShutdown: shutting down (VMs saved and moved), then Down; a refused restart changes nothing', () => {
    const { actor, state } = startNode({ DrainOnShutdown: 0 });
    actor.send({ type: 'node.restarting' });
    expect(state()).to.equal('ShuttingDown');
    actor.send({ type: 'restart.refused' });
    expect(state()).to.equal('Up');
  });
});

describe('clustered-vm model: on a host that lost its power', () => {
  it('is unreadable, then unmonitored when its node is isolated, never Running, and fails over when the node is Down', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'owner.LostPower' });
    expect(tags()).to.deep.equal(['Unreadable']);
    actor.send({ type: 'owner.IsolatedDark' });
    expect(tags()).to.deep.equal(['Offline', 'UnreadableUnmonitored']);
    actor.send({ type: 'owner.Down' });
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
  });

  it("fails over when its own ResiliencyPeriod ends, though its node is still Isolated", () => {
    const { actor, clock, tags } = startVm('smb', 60);
    actor.send({ type: 'owner.LostPower' });
    actor.send({ type: 'owner.IsolatedDark' });
    clock.increment(60_000);
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
  });

  it('is restarted, not monitored again, when its node comes back within the period (it died there)', () => {
    const { actor, tags } = startVm('smb');
    actor.send({ type: 'owner.LostPower' });
    actor.send({ type: 'owner.IsolatedDark' });
    actor.send({ type: 'owner.Up' });
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
  });

  it('on a node restarted without DrainOnShutdown goes offline and starts elsewhere', () => {
    const { actor, tags } = startVm('smb');
    actor.send({ type: 'owner.ShuttingDown' });
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
  });
});
