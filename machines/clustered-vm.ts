import { setup } from 'xstate';
import type { Settings } from './settings.js';

/**
 * A clustered VM under VM Compute Resiliency, by storage kind.
 *
 * The VM hears about its owner node through `owner.<state>` events (owner.Isolated, owner.Up, owner.Down,
 * owner.Quarantined, owner.Draining…): the checker announces every change of the owner's membership state
 * to the VMs it hosts. Tags are the states an observer may see (Get-VM State, the group's Unmonitored flag,
 * an offline group while failing over). States whose `meta.ownerMoves` is true are where the VM's owner
 * node may change; `meta.live` says the VM keeps running while it moves (live migration, not failover).
 *
 * Live migrations asked for by an operation (live-migrate, a drain's or a failback's moves) are stimuli:
 * `migration.requested` at its invoke, `migration.completed` or `migration.failed` at its completion (the
 * checker leaves a VM whose migration failed on its source). Which node a completed migration moved the VM
 * to, and everything about the migration itself, the live-migration model checks (src/check/migrations.ts).
 */

export type StorageKind = 'smb' | 'csv-block';

export interface ClusteredVmInput {
  storage: StorageKind;
  settings: Settings;
  /** Per-VM ResiliencyPeriod in seconds (Get-ClusterGroup .ResiliencyPeriod); absent = the cluster default. */
  resiliencyPeriod?: number;
  /** VM configuration version (Get-VM .Version, e.g. "8.0"); absent = a current version. */
  version?: string;
}

interface Context {
  storage: StorageKind;
  settings: Settings;
  resiliencyPeriod: number | undefined;
  version: string | undefined;
}

/** Major configuration version: "8.0" → 8; absent or unreadable = current. */
function majorVersion(version: string | undefined): number {
  const major = Number.parseInt(version ?? '', 10);
  return Number.isFinite(major) ? major : Number.POSITIVE_INFINITY;
}

/** Far enough never to matter: the delay of a timer a VM without its own ResiliencyPeriod does not have. */
const NEVER = 2 ** 40;

export type ClusteredVmEvent =
  | { type: 'owner.Isolated' }
  | { type: 'owner.Up' }
  | { type: 'owner.Down' }
  | { type: 'owner.Quarantined' }
  | { type: 'owner.Draining' }
  | { type: 'owner.Paused' }
  | { type: 'vm.io-failed' }
  | { type: 'vm.online' }
  | { type: 'vm.migrated' }
  | { type: 'migration.requested' }
  | { type: 'migration.completed' }
  | { type: 'migration.failed' };

/** Events the cluster or the VM produce on their own. */
export const clusteredVmSpontaneous = ['vm.io-failed', 'vm.online', 'vm.migrated'] as const;

/** While it moves by live migration a VM is seen as it was on the source: running, unmonitored or paused. */
const ALIVE_ON_SOURCE = ['Running', 'Unmonitored', 'RunningCritical', 'PausedCritical'];

export const clusteredVm = setup({
  types: {
    context: {} as Context,
    input: {} as ClusteredVmInput,
    events: {} as ClusteredVmEvent,
  },
  delays: {
    BlockStoragePauseWithin: ({ context }) => context.settings.BlockStoragePauseWithin * 1000,
    FailoverStartWithin: ({ context }) => context.settings.FailoverStartWithin * 1000,
    DrainWithin: ({ context }) => context.settings.DrainWithin * 1000,
    LiveMigrationWithin: ({ context }) => context.settings.LiveMigrationWithin! * 1000,
    // A VM's own ResiliencyPeriod overrides the cluster's ResiliencyDefaultPeriod [MSDN-RP], [STUB]
    ResiliencyPeriod: ({ context }) => (context.resiliencyPeriod === undefined ? NEVER : context.resiliencyPeriod * 1000),
  },
  guards: {
    fileStorage: ({ context }) => context.storage === 'smb',
    // VMs below the minimum configuration version do not go Unmonitored: they simply fail over (lab §1)
    notResilient: ({ context }) => majorVersion(context.version) < context.settings.MinimumResilientVmVersion,
  },
}).createMachine({
  id: 'clustered-vm',
  context: ({ input }) => ({
    storage: input.storage,
    settings: input.settings,
    resiliencyPeriod: input.resiliencyPeriod,
    version: input.version,
  }),
  initial: 'Running',
  on: {
    // A quarantined node's VMs are drained by live migration although the node is up [SAVILL-479], [PETRI],
    // lab §1.5; so are a gracefully stopping node's (Stop-ClusterNode drains first) [HV-STOPSVC], lab §1
    'owner.Quarantined': '.LiveMigrating',
    'owner.Draining': '.LiveMigrating',
    // Suspend-ClusterNode -Drain: the node is Paused and its roles move away by live migration, never
    // offline [PSDOC-SUSP], lab-observations §5 (CAU drains nodes into maintenance this way)
    'owner.Paused': '.LiveMigrating',
  },
  states: {
    Running: {
      tags: ['Running'],
      on: {
        'owner.Isolated': [
          { guard: 'notResilient', target: 'FailingOver' },
          // File storage (SMB 3 / SOFS) does not depend on the Hyper-V cluster: the VM keeps running,
          // Unmonitored [ITPRO-RES], [WHII-SOFS], [SAVILL-478], lab §1.3
          { guard: 'fileStorage', target: 'Unmonitored' },
          // Block storage behind CSV: the isolated node loses CSV access → Running-Critical [ITPRO-RES], lab §1.3
          { target: 'Critical' },
        ],
        // Owner Down (resiliency off, or period expired): the VM is restarted on another node [EVT] 1682
        'owner.Down': 'FailingOver',
        // Move-ClusterVirtualMachineRole -MigrationType Live [PSDOC-MOVE]
        'migration.requested': 'Migrating',
        // A move the trace reports only at its end (a failback's, Resume-ClusterNode -Failback)
        'migration.completed': 'Migrated',
      },
    },
    Unmonitored: {
      tags: ['Unmonitored'],
      on: {
        // Node back within the period: the VM is monitored again (1682 "monitored again") [EVT]
        'owner.Up': 'Running',
        'owner.Down': 'FailingOver',
      },
      after: { ResiliencyPeriod: 'FailingOver' },
    },
    Critical: {
      initial: 'RunningCritical',
      on: {
        // CSV access returns with membership: Paused-Critical VMs resume [ITPRO-RES], [SAVILL-478]
        'owner.Up': 'Running',
        'owner.Down': 'FailingOver',
      },
      after: { ResiliencyPeriod: 'FailingOver' },
      states: {
        RunningCritical: {
          tags: ['RunningCritical'],
          on: { 'vm.io-failed': 'PausedCritical' },
          // Running-Critical, then Paused-Critical at the first failed I/O (lab §1.3; no time documented)
          after: { BlockStoragePauseWithin: 'PausedCritical' },
        },
        PausedCritical: {
          tags: ['PausedCritical'],
        },
      },
    },
    // The group is offline and restarts on another node chosen by placement.
    FailingOver: {
      tags: ['Offline', 'Starting'],
      meta: { ownerMoves: true },
      on: { 'vm.online': 'Running' },
      after: { FailoverStartWithin: 'Running' },
    },
    // Moving to another node by live migration: it never goes offline (that would be a failover), and it
    // runs, monitored, on the new node by DrainWithin at the latest.
    LiveMigrating: {
      tags: ALIVE_ON_SOURCE,
      meta: { ownerMoves: true, live: true },
      on: {
        'vm.migrated': 'Running',
        'migration.completed': 'Migrated',
        // A move that failed leaves the VM running on its source (21502 / 21111) [LMTSG], [BRAIN-HA]
        'migration.failed': 'Running',
      },
      after: { DrainWithin: 'Running' },
    },
    // Live-migrating because an operation asked for it: it keeps running (on its source, then on the target
    // once the blackout ends, lab §2) and never goes offline. A migration not done within LiveMigrationWithin
    // has stalled: the VM is expected back to plain Running wherever it is.
    Migrating: {
      tags: ALIVE_ON_SOURCE,
      meta: { ownerMoves: true, live: true },
      on: {
        'migration.completed': 'Migrated',
        // A failed migration leaves the VM running on its source (21502 / 21111) [LMTSG], [BRAIN-HA]
        'migration.failed': 'Running',
      },
      after: { LiveMigrationWithin: 'Running' },
    },
    // The migration completed: the VM runs on its new owner, which the next observation shows. Never observed
    // as such (no tags): it is Running by the time anyone looks.
    Migrated: {
      meta: { ownerMoves: true, live: true },
      on: {
        'vm.migrated': 'Running',
        'migration.requested': 'Migrating',
      },
    },
  },
});
