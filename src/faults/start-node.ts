import type { FaultDefinition } from './fault.js';

export interface StartNodeParams {
  node: string;
  clearQuarantine?: boolean;
}

/**
 * Start the Cluster Service on a node: `Start-ClusterNode`, with `-ClearQuarantine` to let a quarantined
 * node join at once ([PSDOC-STARTCN]). Not a fault but an operation an experiment performs; it has nothing
 * to revert.
 */
export const startNode: FaultDefinition<StartNodeParams> = {
  name: 'start-node',
  summary: 'Start a node (Start-ClusterNode); with clearQuarantine: true, -ClearQuarantine lets a quarantined node join at once',
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node to start' },
      clearQuarantine: { type: 'boolean', description: 'Start-ClusterNode -ClearQuarantine: a quarantined node joins at once instead of waiting out QuarantineDuration; default false' },
    },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: () => [],
  inject: (target, p) => target.startClusterNode(p.node, { clearQuarantine: p.clearQuarantine === true }),
  revert: async () => undefined,
};
