import type { AnyStateMachine } from 'xstate';
import { clusteredVm, clusteredVmSpontaneous } from './clustered-vm.js';
import { nodeMembership, nodeMembershipSpontaneous } from './node-membership.js';

export { settingDefinitions, resolveSettings, settingDefinition } from './settings.js';
export type { Settings, SettingDefinition } from './settings.js';
export { nodeMembership } from './node-membership.js';
export { clusteredVm } from './clustered-vm.js';
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
    summary: 'A node: Up → Isolated on losing membership → Up on rejoin, or Down when ResiliencyDefaultPeriod expires',
  },
  clusteredVm: {
    name: 'clustered-vm',
    machine: clusteredVm,
    spontaneous: clusteredVmSpontaneous,
    summary: 'A clustered VM: Unmonitored (SMB) or RunningCritical → PausedCritical (CSV block) while its node is Isolated; fails over when it goes Down',
  },
} as const satisfies Record<string, Model>;
