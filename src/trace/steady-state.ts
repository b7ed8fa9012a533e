import type { ClusterDescription, NodeObservation, VmObservation } from './records.js';

/**
 * The steady-state hypothesis: every node Up (no Isolated/Quarantined flag, not paused) and every clustered
 * VM Running, Online and monitored. Nodes in `down` are expected Down instead (a node that never comes back).
 * Returns what deviates, in the cluster's words; empty when steady.
 *
 * One rule for both sides: the runner polls until it holds (src/engine/runner.ts), and the checker judges the
 * trace's last observations by it when the runner says it held (src/check/outcome.ts), so an edited or
 * mistaken `ok` cannot pass a node that was seen Down.
 *
 * VMs in `noAutoStart` (Priority No Auto Start) may be Off and Offline instead: a failover moves them without
 * starting them [MSDN-PRIO], so a cluster that left one off is as documented.
 */
export function deviations(
  poll: { nodes: Record<string, NodeObservation>; vms: Record<string, VmObservation> },
  down: readonly string[] = [],
  noAutoStart: readonly string[] = [],
): string[] {
  const out: string[] = [];
  for (const [name, node] of Object.entries(poll.nodes)) {
    if (down.includes(name)) {
      if (node.State === 'Up') out.push(`node ${name} is Up, but the experiment expects it to stay down`);
      continue;
    }
    if (node.State !== 'Up' || node.StatusInformation.length) {
      out.push(`node ${name} is ${[node.State, ...node.StatusInformation].join(', ')}`);
    }
  }
  for (const [name, vm] of Object.entries(poll.vms)) {
    if (noAutoStart.includes(name) && vm.State === 'Off' && vm.GroupState === 'Offline' && !vm.StatusInformation.length) continue;
    if (vm.State !== 'Running' || vm.GroupState !== 'Online' || vm.StatusInformation.length) {
      out.push(`VM ${name} is ${[vm.State, vm.GroupState, ...vm.StatusInformation].join(', ')} on ${vm.OwnerNode}`);
    }
  }
  return out;
}

/** The VMs whose group Priority is No Auto Start: left Off by a failover, as documented. */
export function noAutoStartVms(cluster: Pick<ClusterDescription, 'vms'>): string[] {
  return cluster.vms.filter((vm) => vm.priority === 'NoAutoStart').map((vm) => vm.name);
}
