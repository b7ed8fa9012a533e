import type { FaultDefinition } from './fault.js';
import type { PowerNodeParams } from './power-off-node.js';

/**
 * Power a host on (idempotent): it boots, clussvc starts and the node joins the cluster as after any start.
 * The step ends once the power is on, not once the node has joined (wait, or watch it in the observations).
 * Not a fault but the operation that ends a power-off-node; it has nothing to revert.
 */
export const powerOnNode: FaultDefinition<PowerNodeParams> = {
  name: 'power-on-node',
  summary: 'Power a host on (BMC / outer Hyper-V host): it boots, clussvc starts, the node joins; ends once the power is on',
  params: {
    type: 'object',
    properties: { node: { type: 'string', minLength: 1, description: 'The node whose host is powered on' } },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  inject: (target, p) => target.powerOnNode(p.node),
  revert: async () => undefined,
};
