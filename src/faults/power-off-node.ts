import type { FaultDefinition } from './fault.js';

export interface PowerNodeParams {
  node: string;
}

/**
 * Cut a host's power: through its BMC (Redfish) on a physical lab, or `Stop-VM -TurnOff` on the outer Hyper-V
 * host of a nested lab (issue 14). The OS, the Cluster Service and every VM on the host stop at once; nothing is
 * shut down or drained. Under Compute Resiliency (ResiliencyLevel 2, AlwaysIsolate) the cluster cannot tell a
 * dead host from an isolated one: the node goes Isolated and its VMs, already dead, are reported Unmonitored
 * until ResiliencyDefaultPeriod (240 s by default) runs out; only then do they restart on other nodes
 * ([MSDN-RDP], [ITPRO-RES], lab-observations §1). The revert powers the host on again.
 */
export const powerOffNode: FaultDefinition<PowerNodeParams> = {
  name: 'power-off-node',
  summary:
    "Cut a host's power (BMC / outer Hyper-V host): OS, clussvc, VMs stop at once; its dead VMs stay Unmonitored for the period; reverted by power-on",
  params: {
    type: 'object',
    properties: { node: { type: 'string', minLength: 1, description: 'The node whose host loses power' } },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  inject: (target, p) => target.powerOffNode(p.node),
  revert: (target, p) => target.powerOnNode(p.node),
};
