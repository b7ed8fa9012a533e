import { assign, setup } from 'xstate';
import type { Settings } from './settings.js';

/**
 * One live migration of a clustered VM, as documented (lab-observations.md §2; windows-cluster-facts.md §4).
 * Not yet wired into the checker (issue 4): this is the expectation the migration engine will be checked
 * against.
 *
 * Events: the stimuli `migration.requested` (Move-ClusterVirtualMachineRole -MigrationType Live) and
 * `migration.cancel` (-Cancel); what the cluster does by itself: `migration.started` (a slot is free),
 * `setup.done`, `pass.done`, `blackout.done`, `cleanup.done`, `migration.failed`. The checker adds
 * `slots: { source, cluster }` to `migration.started`: migrations already running from/to the source host and
 * in the cluster, for the concurrency limits.
 */

export type HostVersion = '2008R2' | '2012R2+';

export interface LiveMigrationInput {
  settings: Settings;
  /** The hosts' Windows Server version decides the pre-copy pass limit. */
  hostVersion: HostVersion;
}

export type LiveMigrationEvent =
  | { type: 'migration.requested' }
  | { type: 'migration.cancel' }
  | { type: 'migration.started'; slots?: { source: number; cluster: number } }
  | { type: 'setup.done' }
  | { type: 'pass.done' }
  | { type: 'blackout.done' }
  | { type: 'cleanup.done' }
  | { type: 'migration.failed' };

export const liveMigrationSpontaneous = [
  'migration.started',
  'setup.done',
  'pass.done',
  'blackout.done',
  'cleanup.done',
  'migration.failed',
] as const;

/** Pre-copy passes before the forced switch-over: 10 on 2008 R2 [DIRMS], 5 on 2012 R2 and later [SAVILL-499]. */
export function maximumCopyPasses(version: HostVersion): number {
  return version === '2008R2' ? 10 : 5;
}

interface Context {
  settings: Settings;
  hostVersion: HostVersion;
  /** Pre-copy passes done so far. */
  passes: number;
}

export const liveMigration = setup({
  types: {
    context: {} as Context,
    input: {} as LiveMigrationInput,
    events: {} as LiveMigrationEvent,
  },
  guards: {
    // At most MaximumVirtualMachineMigrations from or to a host at once [LM-SETUP], and MaximumParallelMigrations
    // in the cluster (WS2022 2022-09 CU and later) [TC-MPM]; 2008 R2 hosts migrate one VM at a time (lab §3)
    slotFree: ({ context, event }) => {
      const slots = event.type === 'migration.started' ? event.slots : undefined;
      if (!slots) return true;
      const perHost = context.hostVersion === '2008R2' ? 1 : context.settings.MaximumVirtualMachineMigrations;
      return slots.source < perHost && slots.cluster < context.settings.MaximumParallelMigrations;
    },
    // Pages dirtied again are copied in further passes until little remains or the pass limit forces the
    // switch-over [DIRMS], [SAVILL-499]
    passLimitReached: ({ context }) => context.passes + 1 >= maximumCopyPasses(context.hostVersion),
  },
  actions: {
    countPass: assign({ passes: ({ context }) => context.passes + 1 }),
  },
}).createMachine({
  id: 'live-migration',
  context: ({ input }) => ({ settings: input.settings, hostVersion: input.hostVersion, passes: 0 }),
  initial: 'Idle',
  states: {
    Idle: {
      tags: ['Idle'],
      on: { 'migration.requested': 'Queued' },
    },
    // Waiting for a free slot on the source host and in the cluster; the VM runs on its source.
    Queued: {
      tags: ['Queued'],
      on: {
        'migration.started': { guard: 'slotFree', target: 'Setup' },
        'migration.cancel': 'Cancelled',
      },
    },
    // Source and target connected, memory reserved and a skeleton VM created on the target (lab §2 steps 1–4)
    Setup: {
      tags: ['Migrating'],
      on: { 'setup.done': 'PreCopy', 'migration.failed': 'Failed', 'migration.cancel': 'Cancelled' },
    },
    // The VM keeps running ("brownout") while its memory is copied, then what it dirtied again (lab §2 steps 5–6)
    PreCopy: {
      tags: ['Migrating'],
      on: {
        'pass.done': [
          { guard: 'passLimitReached', target: 'Blackout', actions: 'countPass' },
          { target: 'PreCopy', reenter: true, actions: 'countPass' },
        ],
        'migration.failed': 'Failed',
        'migration.cancel': 'Cancelled',
      },
    },
    // The VM is paused on the source while the remaining state is copied; then it resumes on the target (lab §2 7–8)
    Blackout: {
      tags: ['Blackout'],
      on: { 'blackout.done': 'Cleanup', 'migration.failed': 'Failed' },
    },
    // Ownership has moved; what remains on the source is cleaned up (lab §2 step 9)
    Cleanup: {
      tags: ['Migrating', 'OnTarget'],
      on: { 'cleanup.done': 'Completed' },
    },
    Completed: { tags: ['Completed', 'OnTarget'], type: 'final' },
    // A failed migration leaves the VM running on its source (event 21502 / 21111) [LMTSG], [BRAIN-HA]
    Failed: { tags: ['Failed'], type: 'final' },
    Cancelled: { tags: ['Cancelled'], type: 'final' },
  },
});
