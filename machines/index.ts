import type { AnyStateMachine } from 'xstate';
import { clusteredVm, clusteredVmSpontaneous } from './clustered-vm.js';
import { liveMigration, liveMigrationSpontaneous } from './live-migration.js';
import { nodeMembership, nodeMembershipSpontaneous } from './node-membership.js';

export { settingDefinitions, resolveSettings, settingDefinition } from './settings.js';
export type { Settings, SettingDefinition } from './settings.js';
export { nodeMembership } from './node-membership.js';
export { clusteredVm } from './clustered-vm.js';
export { liveMigration, maximumCopyPasses, migrationLimits } from './live-migration.js';
export type { StorageKind } from './clustered-vm.js';

/** A model and the events the cluster may produce on its own in it (at times the model does not fix). */
export interface Model {
  name: string;
  machine: AnyStateMachine;
  spontaneous: readonly string[];
  /** What the model is about, for reports. */
  summary: string;
}

export const models = {
  nodeMembership: {
    name: 'node-membership',
    machine: nodeMembership,
    spontaneous: nodeMembershipSpontaneous,
    summary:
      'A node: Up → Isolated when it loses membership (crash or network cut) → Up on rejoin, Down when ResiliencyDefaultPeriod expires; Quarantined at its QuarantineThreshold-th ungraceful exit within the hour; drained then Down on a graceful stop; Paused by a drain until resumed',
  },
  clusteredVm: {
    name: 'clustered-vm',
    machine: clusteredVm,
    spontaneous: clusteredVmSpontaneous,
    summary:
      'A clustered VM: Unmonitored (SMB) or RunningCritical → PausedCritical (CSV block) while its node is Isolated; fails over when the node goes Down, its own ResiliencyPeriod expires, or it is below the minimum resilient version; live-migrated away when its node is quarantined, stopped gracefully or drained; a live migration asked for keeps it running while its owner changes, and a failed one leaves it on its source',
  },
  liveMigration: {
    name: 'live-migration',
    machine: liveMigration,
    spontaneous: liveMigrationSpontaneous,
    summary:
      'One live migration: queued for a free slot (MaximumVirtualMachineMigrations per host, MaximumParallelMigrations in the cluster) → setup → pre-copy passes (at most 5, or 10 on 2008 R2) → blackout (within BlackoutWithin) → cleanup → completed within LiveMigrationWithin; it may fail, with the VM left on its source, only when its source or target was not available',
  },
} as const satisfies Record<string, Model>;
