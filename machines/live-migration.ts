import { assign, setup } from 'xstate';
import type { Settings } from './settings.js';

/**
 * One live migration of a clustered VM, as documented (lab-observations.md §2; windows-cluster-facts.md §4).
 * The checker (src/check/migrations.ts) replays each migration of a trace through it.
 *
 * Events: the stimuli `migration.requested` (Move-ClusterVirtualMachineRole -MigrationType Live) and
 * `migration.cancel` (-Cancel); what the cluster does by itself: `migration.started` (a slot is free),
 * `setup.done`, `pass.done`, `precopy.done` (what remains is small enough to switch over), `blackout.done`,
 * `cleanup.done`, `migration.failed`. The checker adds `slots: { source, target, cluster }` to
 * `migration.started` (migrations already running from or to each host and in the cluster, for the
 * concurrency limits) and to `migration.failed` whether each end was available when it failed, and whether its
 * connection's network was lost (`networkLost`: cut between its hosts while it ran, or no live-migration network up
 * between them when it started).
 *
 * Deadlines are state meta naming the setting (`meta.within`): the blackout within BlackoutWithin, the whole
 * migration (request to completion, on the root) within LiveMigrationWithin.
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
  | { type: 'migration.started'; slots?: MigrationSlots }
  | { type: 'setup.done' }
  | { type: 'pass.done' }
  | { type: 'precopy.done' }
  | { type: 'blackout.done' }
  | { type: 'cleanup.done' }
  | { type: 'migration.failed'; sourceAvailable?: boolean; targetAvailable?: boolean; networkLost?: boolean };

/** Migrations already running when this one leaves the queue: from or to its source, its target, in the cluster. */
export interface MigrationSlots {
  source: number;
  /** Absent: not known. */
  target?: number;
  cluster: number;
}

export const liveMigrationSpontaneous = [
  'migration.started',
  'setup.done',
  'pass.done',
  'precopy.done',
  'blackout.done',
  'cleanup.done',
  'migration.failed',
] as const;

/** Pre-copy passes before the forced switch-over: 10 on 2008 R2 [DIRMS], 5 on 2012 R2 and later [SAVILL-499]. */
export function maximumCopyPasses(version: HostVersion): number {
  return version === '2008R2' ? 10 : 5;
}

/**
 * Live migrations at once: from or to one host, MaximumVirtualMachineMigrations (one at a time on 2008 R2
 * hosts, lab §3) [LM-SETUP]; in the cluster, MaximumParallelMigrations [TC-MPM].
 */
export function migrationLimits(settings: Settings, version: HostVersion): { perHost: number; cluster: number } {
  return {
    perHost: version === '2008R2' ? 1 : settings.MaximumVirtualMachineMigrations!,
    cluster: settings.MaximumParallelMigrations!,
  };
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
      const limits = migrationLimits(context.settings, context.hostVersion);
      return slots.source < limits.perHost && (slots.target ?? 0) < limits.perHost && slots.cluster < limits.cluster;
    },
    // A requested migration in a healthy cluster completes: it may fail only when its source or its target is
    // not available (a node lost or paused, the VM gone) [LMTSG]. A failure with both ends known to be
    // available is not explained (e.g. 21502 with 0x80070002, a missing SharedStoragePath, lab §5).
    // Nor when the network its connection went over was lost while it ran (the connection is lost, 0x8007274C), or
    // no live-migration network was up between its hosts: a migration requested while the first network of the
    // preference order is down sets its connection up over the next one that works [MIGNETORDER], so that alone
    // explains no failure (src/trace/networks.ts).
    endUnavailable: ({ event }) =>
      event.type !== 'migration.failed' || event.sourceAvailable !== true || event.targetAvailable !== true || event.networkLost === true,
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
  // Request to completion, queue included: longer than this and the migration has stalled (an assumption)
  meta: { within: 'LiveMigrationWithin' },
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
        'migration.failed': { guard: 'endUnavailable', target: 'Failed' },
        'migration.cancel': 'Cancelled',
      },
    },
    // Source and target connected, memory reserved and a skeleton VM created on the target (lab §2 steps 1–4)
    Setup: {
      tags: ['Migrating'],
      on: {
        'setup.done': 'PreCopy',
        'migration.failed': { guard: 'endUnavailable', target: 'Failed' },
        'migration.cancel': 'Cancelled',
      },
    },
    // The VM keeps running ("brownout") while its memory is copied, then what it dirtied again (lab §2 steps 5–6)
    PreCopy: {
      tags: ['Migrating'],
      on: {
        'pass.done': [
          { guard: 'passLimitReached', target: 'Blackout', actions: 'countPass' },
          { target: 'PreCopy', reenter: true, actions: 'countPass' },
        ],
        // Little enough remains dirty: the switch-over comes before the pass limit [DIRMS]
        'precopy.done': 'Blackout',
        'migration.failed': { guard: 'endUnavailable', target: 'Failed' },
        'migration.cancel': 'Cancelled',
      },
    },
    // The VM is paused on the source while the remaining state is copied; then it resumes on the target (lab §2 7–8)
    // It must end within the TCP connection timeout for clients not to drop: BlackoutWithin, ~20 s
    // [FREECRAM] quoting MS dn440540; event 20417 reports an "unexpectedly long blackout time" [LM-ISSUES]
    Blackout: {
      tags: ['Blackout'],
      meta: { within: 'BlackoutWithin' },
      on: { 'blackout.done': 'Cleanup', 'migration.failed': { guard: 'endUnavailable', target: 'Failed' } },
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
