import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { nodeMembership } from '../../machines/node-membership.js';
import { resolveSettings } from '../../machines/settings.js';
import { lab } from '../sim/lab.js';

function startNode() {
  const actor = createActor(nodeMembership, { input: { settings: resolveSettings({}) }, clock: new SimulatedClock() });
  actor.start();
  return { actor, state: () => actor.getSnapshot().value as string };
}

/**
 * "Because the paused state is persistent, a paused node that is rebooted continues to be paused when it comes back
 * up" [CLUSAPI-PAUSE]: what lets Cluster-Aware Updating restart a drained node and resume it only once it is patched.
 */
describe('a node paused by Suspend-ClusterNode stays paused through a restart', () => {
  it('the model: drained, restarted, it rejoins Paused (not Up) and is Up only once resumed', () => {
    const { actor, state } = startNode();
    actor.send({ type: 'node.suspended' });
    actor.send({ type: 'node.restarting' });
    actor.send({ type: 'node.stopped' });
    actor.send({ type: 'node.joining' });
    actor.send({ type: 'node.joined' });
    expect(state()).to.equal('Paused');
    actor.send({ type: 'node.resumed' });
    expect(state()).to.equal('Up');
  });

  it('the model: a node never suspended, or suspended and resumed, rejoins Up', () => {
    const fresh = startNode();
    fresh.actor.send({ type: 'node.restarting' });
    fresh.actor.send({ type: 'node.stopped' });
    fresh.actor.send({ type: 'node.joining' });
    fresh.actor.send({ type: 'node.joined' });
    expect(fresh.state()).to.equal('Up');
    const resumed = startNode();
    resumed.actor.send({ type: 'node.suspended' });
    resumed.actor.send({ type: 'node.resumed' });
    resumed.actor.send({ type: 'node.restarting' });
    resumed.actor.send({ type: 'node.stopped' });
    resumed.actor.send({ type: 'node.joining' });
    resumed.actor.send({ type: 'node.joined' });
    expect(resumed.state()).to.equal('Up');
  });

  async function drainedAndRestarted(defects: string[]): Promise<string[]> {
    const sim = lab({ vms: [{ name: 'vm1', owner: 'N1', storage: 'smb', memoryGB: 4 }], defects });
    await sim.suspendNode('N1', { drain: true });
    await sim.restartNode('N1', { timeoutMs: 20 * 60_000 });
    const seen: string[] = [(await sim.poll()).nodes.N1!.State];
    await sim.sleep(30_000);
    seen.push((await sim.poll()).nodes.N1!.State);
    return seen;
  }

  it('the simulator: back in the cluster Paused, and still Paused 30 s later', async () => {
    expect(await drainedAndRestarted([])).to.deep.equal(['Paused', 'Paused']);
  });

  it('defect pause-lost-on-restart: back Up, taking roles nobody resumed it for', async () => {
    expect(await drainedAndRestarted(['pause-lost-on-restart'])).to.deep.equal(['Up', 'Up']);
  });
});
