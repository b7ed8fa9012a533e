import { expect } from 'chai';
import { createActor, SimulatedClock } from 'xstate';
import { clusteredVm, type StorageKind } from '../../machines/clustered-vm.js';
import { resolveSettings } from '../../machines/settings.js';

function startVm(storage: StorageKind, settings: Record<string, number> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(clusteredVm, { input: { storage, settings: resolveSettings(settings) }, clock });
  actor.start();
  const tags = () => [...actor.getSnapshot().tags].sort();
  return { actor, clock, tags, value: () => JSON.stringify(actor.getSnapshot().value) };
}

describe('clustered-vm model', () => {
  it('keeps an SMB-backed VM running, Unmonitored, while its node is Isolated', () => {
    const { actor, clock, tags } = startVm('smb');
    actor.send({ type: 'owner.Isolated' });
    expect(tags()).to.deep.equal(['Unmonitored']);
    clock.increment(3_600_000);
    expect(tags()).to.deep.equal(['Unmonitored']);
  });

  it('monitors an SMB-backed VM again when its node rejoins', () => {
    const { actor, tags } = startVm('smb');
    actor.send({ type: 'owner.Isolated' });
    actor.send({ type: 'owner.Up' });
    expect(tags()).to.deep.equal(['Running']);
  });

  it('takes a CSV block-storage VM RunningCritical when its node is Isolated', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'owner.Isolated' });
    expect(tags()).to.include('RunningCritical');
  });

  it('pauses a CSV block-storage VM (PausedCritical) at its first failed I/O', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'owner.Isolated' });
    actor.send({ type: 'vm.io-failed' });
    expect(tags()).to.deep.equal(['PausedCritical']);
  });

  it('has a CSV block-storage VM PausedCritical within BlockStoragePauseWithin at the latest', () => {
    const { actor, clock, tags } = startVm('csv-block', { BlockStoragePauseWithin: 10 });
    actor.send({ type: 'owner.Isolated' });
    clock.increment(9_999);
    expect(tags()).to.include('RunningCritical');
    clock.increment(1);
    expect(tags()).to.deep.equal(['PausedCritical']);
  });

  it('resumes a PausedCritical VM when its node rejoins', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'owner.Isolated' });
    actor.send({ type: 'vm.io-failed' });
    actor.send({ type: 'owner.Up' });
    expect(tags()).to.deep.equal(['Running']);
  });

  for (const storage of ['smb', 'csv-block'] as const) {
    it(`fails a ${storage} VM over when its node goes Down, and it runs again elsewhere`, () => {
      const { actor, tags, value } = startVm(storage);
      actor.send({ type: 'owner.Isolated' });
      actor.send({ type: 'owner.Down' });
      expect(value()).to.equal('"FailingOver"');
      expect(actor.getSnapshot().getMeta()).to.deep.equal({ 'clustered-vm.FailingOver': { ownerMoves: true } });
      actor.send({ type: 'vm.online' });
      expect(tags()).to.deep.equal(['Running']);
    });
  }

  it('fails over straight from Running when the node goes Down without isolation (ResiliencyDefaultPeriod = 0)', () => {
    const { actor, value } = startVm('smb', { ResiliencyDefaultPeriod: 0 });
    actor.send({ type: 'owner.Down' });
    expect(value()).to.equal('"FailingOver"');
  });

  it('must be running on its new node within FailoverStartWithin', () => {
    const { actor, clock, tags } = startVm('smb', { FailoverStartWithin: 120 });
    actor.send({ type: 'owner.Down' });
    clock.increment(119_999);
    expect(tags()).to.deep.equal(['Offline', 'Starting']);
    clock.increment(1);
    expect(tags()).to.deep.equal(['Running']);
  });
});

describe('clustered-vm model: live migration drain', () => {
  for (const owner of ['owner.Draining', 'owner.Paused'] as const) {
    for (const storage of ['smb', 'csv-block'] as const) {
      it(`keeps a ${storage} VM Running (monitored, never Unmonitored or critical) on its ${owner.slice(6)} node until it has moved`, () => {
        const { actor, tags, value } = startVm(storage);
        actor.send({ type: owner });
        expect(value()).to.equal('"OnDrainingNode"');
        expect(tags()).to.deep.equal(['Running']);
        // Owned by its source until the move completes (no ownerMoves: the checker requires the observed owner to be
        // that node); the move completing frees the owner, which the next observation names and which must be Up
        expect(actor.getSnapshot().getMeta()).to.deep.equal({ 'clustered-vm.OnDrainingNode': { leavesOwnerOn: ['vm.migrated'] } });
        actor.send({ type: 'vm.migrated' });
        expect(value()).to.equal('"Running"');
      });
    }
  }

  it('keeps an SMB VM running, Unmonitored (never PausedCritical), on its quarantined node until it has moved', () => {
    const { actor, clock, tags } = startVm('smb');
    actor.send({ type: 'owner.Quarantined' });
    expect(tags()).to.deep.equal(['Unmonitored']);
    clock.increment(60_000);
    expect(tags()).to.deep.equal(['Unmonitored']);
  });

  it('has a CSV VM on a quarantined node RunningCritical, then PausedCritical within BlockStoragePauseWithin, as on an isolated node', () => {
    const { actor, clock, tags } = startVm('csv-block', { BlockStoragePauseWithin: 10 });
    actor.send({ type: 'owner.Quarantined' });
    expect(tags()).to.deep.equal(['RunningCritical']);
    clock.increment(9_999);
    expect(tags()).to.deep.equal(['RunningCritical']);
    clock.increment(1);
    expect(tags()).to.deep.equal(['PausedCritical']);
    actor.send({ type: 'vm.migrated' });
    expect(tags()).to.deep.equal(['Running']);
  });

  it('keeps what the isolation gave a VM when its Isolated node is quarantined', () => {
    const csv = startVm('csv-block');
    csv.actor.send({ type: 'owner.Isolated' });
    csv.actor.send({ type: 'vm.io-failed' });
    csv.actor.send({ type: 'owner.Quarantined' });
    expect(csv.value()).to.equal('{"OnQuarantinedNode":{"Critical":"PausedCritical"}}');
    const smb = startVm('smb');
    smb.actor.send({ type: 'owner.Isolated' });
    smb.actor.send({ type: 'owner.Quarantined' });
    expect(smb.value()).to.equal('{"OnQuarantinedNode":"Unmonitored"}');
  });

  it('monitors again (and resumes) a VM not yet moved when its quarantine is cleared and the node is Up', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'owner.Quarantined' });
    actor.send({ type: 'owner.Up' });
    expect(tags()).to.deep.equal(['Running']);
  });

  for (const owner of ['owner.Quarantined', 'owner.Draining'] as const) {
    it(`must run on another node within DrainWithin (owner ${owner.slice(6)})`, () => {
      const { actor, clock, value } = startVm('smb', { DrainWithin: 120 });
      actor.send({ type: owner });
      clock.increment(119_999);
      expect(value()).not.to.equal('"Migrated"');
      clock.increment(1);
      expect(value()).to.equal('"Migrated"');
      actor.send({ type: 'vm.migrated' });
      expect(value()).to.equal('"Running"');
    });
  }

  it('keeps running while an operation live-migrates it, owned by its source until it switches over, and is Running once it completed', () => {
    const { actor, tags, value } = startVm('smb');
    actor.send({ type: 'migration.requested' });
    expect(value()).to.equal('{"Migrating":"OnSource"}');
    expect(tags()).to.deep.equal(['Running', 'Unreadable']) // Unreadable: a poll at the switch-over;
    // The owner is the source until the VM resumes on the target (vm.migrated), as on a draining node (lab §2)
    expect(actor.getSnapshot().getMeta()).to.deep.equal({ 'clustered-vm.Migrating.OnSource': { leavesOwnerOn: ['vm.migrated'] } });
    actor.send({ type: 'migration.completed' });
    expect(value()).to.equal('"Migrated"');
    actor.send({ type: 'vm.migrated' });
    expect(tags()).to.deep.equal(['Running']);
  });

  it('runs on its target once it switched over, and is put back on its source (Running) if its migration is then reported failed', () => {
    const { actor, tags, value } = startVm('csv-block');
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'vm.migrated' });
    expect(value()).to.equal('{"Migrating":"OnTarget"}');
    expect(tags()).to.deep.equal(['Running', 'Unreadable']) // Unreadable: a poll at the switch-over;
    actor.send({ type: 'migration.completed' });
    expect(value()).to.equal('"Running"');
    const again = startVm('csv-block');
    again.actor.send({ type: 'migration.requested' });
    again.actor.send({ type: 'vm.migrated' });
    again.actor.send({ type: 'migration.failed' });
    expect(again.value()).to.equal('"Running"');
  });

  for (const storage of ['smb', 'csv-block'] as const) {
    it(`shows a ${storage} VM only Running (never Unmonitored, critical or offline) while a requested live migration between members is in flight`, () => {
      const { actor, clock, tags } = startVm(storage, { LiveMigrationWithin: 600, BlockStoragePauseWithin: 10 });
      actor.send({ type: 'migration.requested' });
      expect(tags()).to.deep.equal(['Running', 'Unreadable']) // Unreadable: a poll at the switch-over;
      // No failed I/O, no pause deadline: both hosts have CSV access (a member's), nothing pauses it
      actor.send({ type: 'vm.io-failed' });
      clock.increment(599_000);
      expect(tags()).to.deep.equal(['Running', 'Unreadable']) // Unreadable: a poll at the switch-over;
      // The switch-over: it resumes on the target, still Running
      actor.send({ type: 'vm.migrated' });
      expect(tags()).to.deep.equal(['Running', 'Unreadable']) // Unreadable: a poll at the switch-over;
    });
  }

  it('takes an SMB VM Unmonitored when its source is Isolated mid-migration, and keeps it so when the migration then fails', () => {
    const { actor, tags } = startVm('smb');
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'owner.Isolated' });
    expect(tags()).to.deep.equal(['Unmonitored']);
    actor.send({ type: 'migration.failed' });
    expect(tags()).to.deep.equal(['Unmonitored']);
  });

  it('takes a CSV VM RunningCritical, then PausedCritical within BlockStoragePauseWithin, when its source is Isolated mid-migration', () => {
    const { actor, clock, tags } = startVm('csv-block', { BlockStoragePauseWithin: 10 });
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'owner.Isolated' });
    expect(tags()).to.deep.equal(['RunningCritical']);
    actor.send({ type: 'migration.failed' });
    clock.increment(10_000);
    expect(tags()).to.deep.equal(['PausedCritical']);
  });

  it('fails an old-version VM over when its source is Isolated mid-migration (below MinimumResilientVmVersion)', () => {
    const clock = new SimulatedClock();
    // 6: the Technical Preview lab's minimum (lab-observations §1); the default, 0, has no minimum [VMVER]
    const actor = createActor(clusteredVm, { input: { storage: 'smb', version: '5.0', settings: resolveSettings({ MinimumResilientVmVersion: 6 }) }, clock }).start();
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'owner.Isolated' });
    expect(actor.getSnapshot().value).to.equal('FailingOver');
  });

  for (const [owner, expected] of [
    ['owner.Down', '"FailingOver"'],
    ['owner.Quarantined', '{"OnQuarantinedNode":{"Critical":"RunningCritical"}}'],
    ['owner.Draining', '"OnDrainingNode"'],
    ['owner.Paused', '"OnDrainingNode"'],
  ] as const) {
    it(`follows its source when it leaves mid-migration (${owner.slice(6)}), as a Running VM does`, () => {
      const { actor, value } = startVm('csv-block');
      actor.send({ type: 'migration.requested' });
      actor.send({ type: owner });
      expect(value()).to.equal(expected);
    });
  }

  it('is back to plain Running (on its source, the checker says) when its live migration failed', () => {
    const { actor, tags } = startVm('csv-block');
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.failed' });
    expect(tags()).to.deep.equal(['Running']);
  });

  it('stops counting a live migration not done within LiveMigrationWithin as one in progress', () => {
    const { actor, clock, value } = startVm('smb', { LiveMigrationWithin: 600 });
    actor.send({ type: 'migration.requested' });
    clock.increment(599_999);
    expect(value()).to.equal('{"Migrating":"OnSource"}');
    clock.increment(1);
    expect(value()).to.equal('"Running"');
  });

  it('live-migrates the VM away when its node is Paused by a drain (Suspend-ClusterNode -Drain)', () => {
    const { actor, value } = startVm('smb');
    actor.send({ type: 'owner.Paused' });
    expect(value()).to.equal('"OnDrainingNode"');
    actor.send({ type: 'migration.completed' });
    expect(value()).to.equal('"Migrated"');
  });

  it('stays Running on its source when the drain failed to move it', () => {
    const { actor, value } = startVm('csv-block');
    actor.send({ type: 'owner.Paused' });
    actor.send({ type: 'migration.failed' });
    expect(value()).to.equal('"Running"');
  });
});
