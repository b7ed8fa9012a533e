import type { FaultDefinition } from './fault.js';

export interface KillClussvcParams {
  node: string;
  /** Keep clussvc from starting again for this long (ms; the loader turns `90s` into 90000), then start it. */
  holdDown?: number;
}

/**
 * Force-kill the Cluster Service on one node: `Stop-Process -Name clussvc -Force`. An ungraceful exit, so
 * the node loses membership and (Windows Server 2016+) goes Isolated rather than Down
 * (lab-observations.md §1; windows-cluster-facts.md §1.2). The service control manager restarts it,
 * unless `holdDown` keeps it down for a while.
 */
export const killClussvc: FaultDefinition<KillClussvcParams> = {
  name: 'kill-clussvc',
  summary: 'Force-kill clussvc on a node (Stop-Process -Name clussvc -Force): the node should go Isolated, then rejoin',
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node whose cluster service is killed' },
      holdDown: {
        type: 'string',
        format: 'duration',
        description: 'Keep the service down this long before starting it again (e.g. 90s); default: the node restarts it itself',
      },
    },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  inject: (target, p) => target.killClusterService(p.node, { holdDownMs: p.holdDown }),
  revert: (target, p) => target.startClusterService(p.node),
};
