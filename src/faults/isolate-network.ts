import type { FaultDefinition } from './fault.js';

export interface IsolateNetworkParams {
  node: string;
  /** Cut the node off from these nodes only (an asymmetric partition); default: from every other node. */
  peers?: string[];
  /**
   * Only this cluster network (its name in cluster.networks, or a Role: every network of it); default every
   * network. The node keeps its heartbeats over any other network that carries them (src/trace/networks.ts).
   */
  network?: string;
  /** How long the cut lasts (ms; `90s` in the file): it heals by itself then, even if clusterchaos dies. */
  duration: number;
}

/**
 * Cut a node's cluster networks: heartbeats (UDP 3343) and joins, both directions, from every other node or
 * from some (`peers`: an asymmetric partition) [NETQOS-DOC], [CSFS-TSG]. Clussvc keeps running. The node is
 * removed after SameSubnetThreshold missed heartbeats; at ResiliencyLevel 2 it is Isolated, at level 1 (our
 * reading) it goes Down. The cut heals by itself after `duration` (on a real node: a scheduled task).
 *
 * With `network`, one cluster network only (on a real node: all traffic to and from that network's subnet,
 * Get-ClusterNetwork's Address/AddressMask): heartbeats go on over the node's other cluster networks, so it loses
 * its membership only if none is left [NET-ROLE], [NETFT]; live migrations set their connection up over the next
 * network of the preference order, and one in flight over the lost network fails [MIGNETORDER]
 * (src/trace/networks.ts).
 */
export const isolateNetwork: FaultDefinition<IsolateNetworkParams> = {
  name: 'isolate-network',
  summary: "Cut a node's cluster networks (all, or one: network:; to every node, or to some peers: an asymmetric partition) for a while; it heals by itself",
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node cut off' },
      peers: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        uniqueItems: true,
        description: 'Cut it off from these nodes only (an asymmetric partition); default: from every other node',
      },
      network: {
        type: 'string',
        minLength: 1,
        description: 'Cut only this cluster network (a name of cluster.networks, or a role: ClusterOnly, ClusterAndClient, None); default: every cluster network',
      },
      duration: { type: 'string', format: 'duration', description: 'How long the cut lasts before it heals by itself, e.g. 45s' },
    },
    required: ['node', 'duration'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  inject: (target, p) => target.isolateNetwork(p.node, { peers: p.peers, healAfterMs: p.duration, ...(p.network !== undefined ? { network: p.network } : {}) }),
  revert: (target, p) => target.restoreNetwork(p.node),
};
