import { expect } from 'chai';
import { crash, lab, waitFor } from './lab.js';

const quarantineAtOnce = { QuarantineThreshold: 1, ResiliencyDefaultPeriod: 30 };
const ids = (events: { id: number; node: string }[], wanted: number[]) => events.filter((e) => wanted.includes(e.id)).map((e) => `${e.id}@${e.node}`);

describe('sim: a node quarantined while it cannot take part in a live migration (issue 14)', () => {
  it('its clussvc dead for good: no drain; its VMs stay Unmonitored there and fail over when ResiliencyDefaultPeriod ends; it learns of its quarantine (1676) only when it tries to join (1675)', async () => {
    const target = lab();
    await target.setSettings({ ...quarantineAtOnce, ClussvcFirstFailureAction: 0 });
    const removed = await crash(target, 'N2');
    expect(removed.nodes.N2.StatusInformation).to.deep.equal(['Quarantined']);
    expect(ids(await target.collectEvents(), [1672, 1673, 1676, 1681])).to.deep.equal(['1672@N1', '1681@N1']);
    // 29 s later the VMs are still on N2, never live-migrated
    await target.sleep(29_000);
    const waiting = await target.poll();
    expect(waiting.vms.web01).to.deep.include({ OwnerNode: 'N2', StatusInformation: ['Unmonitored'], State: 'Running' });
    expect(waiting.vms.sql01).to.deep.include({ OwnerNode: 'N2', State: 'PausedCritical' });
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 2_000, 10);
    expect(moved.vms.web01.State).to.equal('Starting'); // failed over, not live-migrated
    const moves = ids(await target.collectEvents(), [1153, 21502]);
    expect(moves.map((m) => m.split('@')[0])).to.deep.equal(['1153', '1153']); // two failovers, no live migration
    await target.startClusterService('N2');
    expect(ids(await target.collectEvents(), [1675, 1676])).to.deep.equal(['1675@N1', '1676@N2']);
  });

  it('its clussvc back before the period ends: the drain begins then, by live migration', async () => {
    const target = lab();
    await target.setSettings({ ...quarantineAtOnce, ResiliencyDefaultPeriod: 240, ClussvcFirstFailureAction: 0 });
    await crash(target, 'N2');
    await target.sleep(20_000);
    expect((await target.poll()).vms.web01.OwnerNode).to.equal('N2');
    await target.startClusterService('N2');
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2' && p.vms.sql01.OwnerNode !== 'N2', 60_000);
    expect(moved.vms.web01.State).to.equal('Running');
    expect((await target.collectEvents()).some((e) => e.id === 1153)).to.equal(false);
  });

  it('its networks cut: no drain until they heal; then it tries to join (1675), learns it (1676) and is drained', async () => {
    const target = lab();
    await target.setSettings({ ...quarantineAtOnce, ResiliencyDefaultPeriod: 240 });
    await target.isolateNetwork('N2', { healAfterMs: 40_000 });
    await waitFor(target, (p) => p.nodes.N2.StatusInformation.includes('Quarantined'), 15_000, 10);
    const told = ids(await target.collectEvents(), [1672, 1675, 1676]);
    expect(told).to.have.length(1);
    expect(told[0]).to.match(/^1672@N[13]$/); // a member, not N2: it cannot be told
    await target.sleep(25_000);
    expect((await target.poll()).vms.web01.OwnerNode).to.equal('N2');
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 60_000);
    expect(moved.t).to.be.greaterThan(40_000); // not before the cut healed
    expect(moved.vms.web01.State).to.equal('Running'); // live-migrated, not failed over
    const refused = ids(await target.collectEvents(), [1675, 1676]);
    expect(refused.map((r) => r.split('@')[0])).to.deep.equal(['1675', '1676']);
    expect(refused[1]).to.equal('1676@N2');
  });

  it('an isolated node whose clussvc is dead does not log its own 1673: the member that removed it does; cut off with clussvc running, it logs it itself', async () => {
    const dead = lab();
    await crash(dead, 'N2');
    expect(ids(await dead.collectEvents(), [1673])).to.deep.equal(['1673@N1']);
    const cut = lab();
    await cut.isolateNetwork('N2', { healAfterMs: 60_000 });
    await waitFor(cut, (p) => p.nodes.N2.StatusInformation.includes('Isolated'), 15_000, 10);
    expect(ids(await cut.collectEvents(), [1673])).to.deep.equal(['1673@N2']);
  });

  it('quarantine-drains-dead-node (defect): drains the dead node at once', async () => {
    const target = lab({ defects: ['quarantine-drains-dead-node'] });
    await target.setSettings({ ...quarantineAtOnce, ClussvcFirstFailureAction: 0 });
    await crash(target, 'N2');
    const moved = await waitFor(target, (p) => p.vms.web01.OwnerNode !== 'N2', 20_000);
    expect(moved.vms.web01.State).to.equal('Running');
  });

  it('event-from-dead-node (defect): the dead node logs 1673 and 1676 itself', async () => {
    const target = lab({ defects: ['event-from-dead-node'] });
    await crash(target, 'N2');
    expect(ids(await target.collectEvents(), [1673])).to.deep.equal(['1673@N2']);
  });
});
