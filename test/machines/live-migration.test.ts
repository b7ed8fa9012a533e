import { expect } from 'chai';
import { createActor } from 'xstate';
import { liveMigration, maximumCopyPasses, migrationLimits, type HostVersion } from '../../machines/live-migration.js';
import { resolveSettings } from '../../machines/settings.js';

function start(hostVersion: HostVersion = '2012R2+', settings: Record<string, number> = {}) {
  const actor = createActor(liveMigration, { input: { settings: resolveSettings(settings), hostVersion } });
  actor.start();
  const state = () => actor.getSnapshot().value as string;
  return { actor, state, passes: () => actor.getSnapshot().context.passes };
}

describe('live-migration model', () => {
  it('goes queued → setup → pre-copy → blackout → cleanup → completed; ownership moves when the blackout ends', () => {
    const { actor, state } = start();
    const seen: string[] = [];
    actor.subscribe((s) => seen.push(s.value as string));
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.started' });
    actor.send({ type: 'setup.done' });
    for (let i = 0; i < 5; i++) actor.send({ type: 'pass.done' });
    expect(state()).to.equal('Blackout');
    expect(actor.getSnapshot().hasTag('OnTarget')).to.equal(false);
    actor.send({ type: 'blackout.done' });
    expect(actor.getSnapshot().hasTag('OnTarget')).to.equal(true);
    actor.send({ type: 'cleanup.done' });
    expect(state()).to.equal('Completed');
    expect([...new Set(seen)]).to.deep.equal(['Queued', 'Setup', 'PreCopy', 'Blackout', 'Cleanup', 'Completed']);
  });

  for (const [version, limit] of [['2012R2+', 5], ['2008R2', 10]] as const) {
    it(`forces the switch-over after ${limit} pre-copy passes on ${version} hosts`, () => {
      expect(maximumCopyPasses(version)).to.equal(limit);
      const { actor, state, passes } = start(version);
      actor.send({ type: 'migration.requested' });
      actor.send({ type: 'migration.started' });
      actor.send({ type: 'setup.done' });
      for (let i = 0; i < limit - 1; i++) actor.send({ type: 'pass.done' });
      expect(state()).to.equal('PreCopy');
      actor.send({ type: 'pass.done' });
      expect(state()).to.equal('Blackout');
      expect(passes()).to.equal(limit);
    });
  }

  it('waits in the queue while the source host has MaximumVirtualMachineMigrations running', () => {
    const { actor, state } = start('2012R2+', { MaximumVirtualMachineMigrations: 2, MaximumParallelMigrations: 8 });
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.started', slots: { source: 2, cluster: 2 } });
    expect(state()).to.equal('Queued');
    actor.send({ type: 'migration.started', slots: { source: 1, cluster: 1 } });
    expect(state()).to.equal('Setup');
  });

  it('waits in the queue while the cluster has MaximumParallelMigrations running', () => {
    const { actor, state } = start('2012R2+', { MaximumParallelMigrations: 1 });
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.started', slots: { source: 0, cluster: 1 } });
    expect(state()).to.equal('Queued');
  });

  it('migrates one VM at a time from a 2008 R2 host', () => {
    const { actor, state } = start('2008R2', { MaximumVirtualMachineMigrations: 2 });
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.started', slots: { source: 1, cluster: 1 } });
    expect(state()).to.equal('Queued');
  });

  it('leaves the VM on its source when the migration fails, before the move', () => {
    for (const at of ['Setup', 'PreCopy', 'Blackout'] as const) {
      const { actor, state } = start();
      actor.send({ type: 'migration.requested' });
      actor.send({ type: 'migration.started' });
      if (at !== 'Setup') actor.send({ type: 'setup.done' });
      if (at === 'Blackout') for (let i = 0; i < 5; i++) actor.send({ type: 'pass.done' });
      expect(state()).to.equal(at);
      actor.send({ type: 'migration.failed' });
      expect(state()).to.equal('Failed');
      expect(actor.getSnapshot().hasTag('OnTarget')).to.equal(false);
    }
  });

  it('can be cancelled while queued or copying, not once the VM is paused for the switch-over', () => {
    const { actor, state } = start();
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.cancel' });
    expect(state()).to.equal('Cancelled');
    const second = start();
    second.actor.send({ type: 'migration.requested' });
    second.actor.send({ type: 'migration.started' });
    second.actor.send({ type: 'setup.done' });
    for (let i = 0; i < 5; i++) second.actor.send({ type: 'pass.done' });
    second.actor.send({ type: 'migration.cancel' });
    expect(second.state()).to.equal('Blackout');
  });

  it('switches over before the pass limit once little enough remains dirty', () => {
    const { actor, state, passes } = start();
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.started' });
    actor.send({ type: 'setup.done' });
    actor.send({ type: 'pass.done' });
    actor.send({ type: 'pass.done' });
    actor.send({ type: 'precopy.done' });
    expect(state()).to.equal('Blackout');
    expect(passes()).to.equal(2);
  });

  it('waits in the queue while the target host has MaximumVirtualMachineMigrations running', () => {
    const { actor, state } = start('2012R2+', { MaximumVirtualMachineMigrations: 2, MaximumParallelMigrations: 8 });
    actor.send({ type: 'migration.requested' });
    actor.send({ type: 'migration.started', slots: { source: 0, target: 2, cluster: 2 } });
    expect(state()).to.equal('Queued');
    expect(migrationLimits(resolveSettings({ MaximumVirtualMachineMigrations: 4 }), '2008R2').perHost).to.equal(1);
  });

  it('expects a requested migration to complete: it fails only when its source or target is not available', () => {
    const failIn = (event: { sourceAvailable?: boolean; targetAvailable?: boolean }) => {
      const { actor, state } = start();
      actor.send({ type: 'migration.requested' });
      actor.send({ type: 'migration.started' });
      actor.send({ type: 'migration.failed', ...event });
      return state();
    };
    // 21502 with 0x80070002 while both hosts are Up (a missing SharedStoragePath, lab §5): not explained
    expect(failIn({ sourceAvailable: true, targetAvailable: true })).to.equal('Setup');
    expect(failIn({ sourceAvailable: true, targetAvailable: false })).to.equal('Failed');
    expect(failIn({ sourceAvailable: false, targetAvailable: true })).to.equal('Failed');
  });

  it('names its deadlines after their settings: the blackout within BlackoutWithin, the whole migration within LiveMigrationWithin', () => {
    expect(liveMigration.root.meta).to.deep.equal({ within: 'LiveMigrationWithin' });
    expect(liveMigration.root.states.Blackout!.meta).to.deep.equal({ within: 'BlackoutWithin' });
    const settings = resolveSettings();
    expect(settings.BlackoutWithin).to.equal(20);
    expect(settings.LiveMigrationWithin).to.equal(600);
  });
});
