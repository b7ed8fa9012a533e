import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { clusteredVm } from '../../machines/clustered-vm.js';
import { resolveSettings } from '../../machines/settings.js';
import { lab, labVms, waitFor } from './lab.js';

/**
 * A group's ResiliencyPeriod of 0 is the property's documented default [MSDN-RP]: a group nobody set has 0 and waits
 * the cluster's ResiliencyDefaultPeriod (240 s [MSDN-RDP]), so 0 means "none of its own", never "fail over at once".
 */
describe('a VM whose own ResiliencyPeriod is 0 (the group default)', () => {
  it('sim: stays Unmonitored on its Isolated node for the cluster’s ResiliencyDefaultPeriod, like a VM without one', async () => {
    const target = lab({ vms: labVms.map((vm) => (vm.name === 'web01' ? { ...vm, resiliencyPeriod: 0 } : vm)) });
    await target.setSettings({ ResiliencyDefaultPeriod: 60 });
    await target.killClusterService('N2', { holdDownMs: 900_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000, 10);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 70_000);
    expect(moved.t - removedAt).to.be.within(60_000, 60_100);
  });

  it('model: keeps it Unmonitored until its node goes Down, however long', () => {
    const clock = new SimulatedClock();
    const actor = createActor(clusteredVm, { input: { storage: 'smb', settings: resolveSettings({}), resiliencyPeriod: 0 }, clock });
    actor.start();
    actor.send({ type: 'owner.Isolated' });
    clock.increment(3_600_000);
    expect([...actor.getSnapshot().tags]).to.deep.equal(['Unmonitored']);
    actor.send({ type: 'owner.Down' });
    expect([...actor.getSnapshot().tags].sort()).to.deep.equal(['Offline', 'Starting']);
  });
});
