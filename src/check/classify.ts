import type { NodeObservation, VmObservation } from '../trace/records.js';

/**
 * What an observation says, as one word the models' tags use. Nodes are classified by their
 * StatusInformation flags first (an Isolated node's State is undocumented: windows-cluster-facts.md §1.3),
 * then by State. VMs by Get-VM State, the group's Unmonitored flag and whether the group is online.
 */
export function nodeClass(o: NodeObservation): string {
  if (o.StatusInformation.includes('Quarantined')) return 'Quarantined';
  if (o.StatusInformation.includes('Isolated')) return 'Isolated';
  return o.State;
}

const OFFLINE_VM_STATES = new Set(['Off', 'Stopping', 'Saved', 'OffCritical', 'Saving']);

export function vmClass(o: VmObservation): string {
  if (o.State === 'Starting' || o.State === 'StartingCritical') return 'Starting';
  if (o.GroupState !== 'Online' || OFFLINE_VM_STATES.has(o.State)) return 'Offline';
  // Get-VM could not ask the VM's host (a dark host: powered off or booting): only the cluster's group is known
  if (o.State === 'Unknown') return o.StatusInformation.includes('Unmonitored') ? 'UnreadableUnmonitored' : 'Unreadable';
  if (o.State === 'Running') return o.StatusInformation.includes('Unmonitored') ? 'Unmonitored' : 'Running';
  return o.State;
}
