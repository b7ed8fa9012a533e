/**
 * Failover placement: among the nodes that can host a role (Up, clussvc running), the one hosting the
 * fewest VMs; ties go to the node listed first in the cluster description. Undefined when no node can.
 */
export function choosePlacement(
  nodes: readonly string[],
  canHost: (node: string) => boolean,
  hostedCount: (node: string) => number,
): string | undefined {
  let best: string | undefined;
  let bestCount = Infinity;
  for (const node of nodes) {
    if (!canHost(node)) continue;
    const count = hostedCount(node);
    if (count < bestCount) {
      best = node;
      bestCount = count;
    }
  }
  return best;
}

/** A VM as placement counts it: hosted by its owner, or on its way to another node by live migration. */
export interface PlacedVm {
  readonly owner: string;
  readonly hosted: boolean;
  readonly migratingTo: string | undefined;
}

/** How many VMs count against `node`: those it hosts and those live-migrating to it. */
export function placementLoad(vms: readonly PlacedVm[], node: string): number {
  let count = 0;
  for (const vm of vms) if ((vm.owner === node && vm.hosted) || vm.migratingTo === node) count++;
  return count;
}
