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
