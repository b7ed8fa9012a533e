import type { EntityId, NodeObservation, ObserveRecord, VmObservation } from '../trace/records.js';

/**
 * The state an assertion names, as a person reads it (the same words as the report's timeline):
 *
 * - a node: `Isolated` or `Quarantined` when its StatusInformation says so (Get-ClusterNode shows an isolated
 *   node as State Down with the Isolated flag), otherwise its State (`Up`, `Down`, `Joining`, `Paused`);
 * - a VM: its Get-VM State (`Running`, `RunningCritical`, `PausedCritical`, `Off`, …), except that a Running VM
 *   whose cluster group is flagged Unmonitored is `Unmonitored`.
 */
export function displayState(entity: EntityId | string, state: ObserveRecord['state']): string {
  if (entity.startsWith('node/')) {
    const o = state as NodeObservation;
    const flags = o.StatusInformation ?? [];
    if (flags.includes('Isolated')) return 'Isolated';
    if (flags.includes('Quarantined')) return 'Quarantined';
    return o.State;
  }
  const o = state as VmObservation;
  if (o.State === 'Running' && (o.StatusInformation ?? []).includes('Unmonitored')) return 'Unmonitored';
  return o.State;
}
