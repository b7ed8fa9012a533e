import type { FaultDefinition } from './fault.js';

export interface NodeParams {
  node: string;
}

const nodeParam = {
  type: 'object',
  properties: { node: { type: 'string', minLength: 1, description: 'The node to stop' } },
  required: ['node'],
  additionalProperties: false,
};

/**
 * Stop the Cluster Service on a node gracefully: `Stop-ClusterNode`. The node's roles are drained first (VMs
 * live-migrated away), the node goes Down without being Isolated, and the exit does not count toward
 * quarantine: the control experiment for kill-clussvc (lab-observations.md §1; windows-cluster-facts.md §1.2).
 */
export const stopNode: FaultDefinition<NodeParams> = {
  name: 'stop-node',
  summary: 'Stop a node gracefully (Stop-ClusterNode): it drains, goes Down without isolation, does not count toward quarantine',
  params: nodeParam,
  impairs: (p) => [p.node],
  inject: (target, p) => target.stopClusterNode(p.node),
  revert: (target, p) => target.startClusterNode(p.node),
};
