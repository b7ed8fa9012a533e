import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { clusteredVm, type ClusteredVmInput, type StorageKind } from '../../machines/clustered-vm.js';
import { resolveSettings } from '../../machines/settings.js';

function startVm(storage: StorageKind, extra: Partial<ClusteredVmInput> = {}, settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(clusteredVm, { input: { storage, settings: resolveSettings(settings), ...extra }, clock });
  actor.start();
  const tags = () => [...actor.getSnapshot().tags].sort();
  return { actor, clock, tags };
}

const HOUR = 3_600_000;

describe('clustered-vm model: storage lost (storage resiliency)', () => {
  for (const storage of ['smb', 'csv-block'] as const) {
    it(`a ${storage} VM whose storage is lost runs until its next I/O, then is PausedCritical`, () => {
      const { actor, tags } = startVm(storage);
      actor.send({ type: 'storage.lost', healAfterMs: HOUR });
      expect(tags()).to.deep.equal(['Running']);
      actor.send({ type: 'vm.io-failed' });
      expect(tags()).to.deep.equal(['PausedCritical']);
    });
  }

  it('is PausedCritical within StoragePauseWithin at the latest', () => {
    const { actor, clock, tags } = startVm('csv-block', {}, { StoragePauseWithin: 10 });
    actor.send({ type: 'storage.lost', healAfterMs: HOUR });
    clock.increment(9_999);
    expect(tags()).to.deep.equal(['Running']);
    clock.increment(1);
    expect(tags()).to.deep.equal(['PausedCritical']);
  });

  it('resumes (Running) when the storage returns: by itself after the loss lasted its duration, or when reverted', () => {
    const healed = startVm('csv-block');
    healed.actor.send({ type: 'storage.lost', healAfterMs: 60_000 });
    healed.actor.send({ type: 'vm.io-failed' });
    healed.clock.increment(59_999);
    expect(healed.tags()).to.deep.equal(['PausedCritical']);
    healed.clock.increment(1);
    expect(healed.tags()).to.deep.equal(['Running']);

    const reverted = startVm('smb');
    reverted.actor.send({ type: 'storage.lost', healAfterMs: HOUR });
    reverted.actor.send({ type: 'vm.io-failed' });
    reverted.actor.send({ type: 'storage.restored' });
    expect(reverted.tags()).to.deep.equal(['Running']);
  });

  it('is powered off (Offline) after AutomaticCriticalErrorActionTimeout minutes in the pause, default 30', () => {
    const { actor, clock, tags } = startVm('csv-block');
    actor.send({ type: 'storage.lost', healAfterMs: 2 * HOUR });
    actor.send({ type: 'vm.io-failed' });
    clock.increment(30 * 60_000 - 1);
    expect(tags()).to.deep.equal(['PausedCritical']);
    clock.increment(1);
    expect(tags()).to.deep.equal(['Offline']);
  });

  it("uses the VM's own timeout, and starts it again (FailingOver, then Running) once its storage is back", () => {
    const { actor, clock, tags } = startVm('csv-block', { criticalErrorTimeoutMinutes: 1 }, { FailoverStartWithin: 60 });
    actor.send({ type: 'storage.lost', healAfterMs: 90_000 });
    actor.send({ type: 'vm.io-failed' });
    clock.increment(60_000);
    expect(tags()).to.deep.equal(['Offline']);
    clock.increment(30_000); // the storage returns
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
    actor.send({ type: 'vm.online' });
    expect(tags()).to.deep.equal(['Running']);
  });

  it('with AutomaticCriticalErrorAction None a storage loss changes nothing the model sees', () => {
    const { actor, clock, tags } = startVm('csv-block', { criticalErrorAction: 'None' });
    actor.send({ type: 'storage.lost', healAfterMs: HOUR });
    clock.increment(HOUR - 1);
    expect(tags()).to.deep.equal(['Running']);
    expect(actor.getSnapshot().can({ type: 'vm.io-failed' })).to.equal(false);
  });

  it('a VM whose node goes Down while its storage is lost fails over', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'storage.lost', healAfterMs: HOUR });
    actor.send({ type: 'vm.io-failed' });
    actor.send({ type: 'owner.Down' });
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
  });
});
