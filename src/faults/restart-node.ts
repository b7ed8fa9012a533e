import type { FaultDefinition } from './fault.js';

export interface RestartNodeParams {
  node: string;
  /** Give up waiting for the node to be back in the cluster after this long (ms; `20m` in the file). Resolved: always present. */
  timeout?: number;
}

/** How long a restart may take when the step does not say: a drain, a server's boot and a join. */
export const DEFAULT_RESTART_TIMEOUT_MS = 20 * 60_000;

/**
 * Restart a node's OS (`Restart-Computer`), as patching does. With the cluster's DrainOnShutdown (on by
 * default; machines/settings.ts) the cluster drains the node first, by live migration as Suspend-ClusterNode
 * -Drain does; without it the VM groups are taken offline per their OfflineAction (Save by default) and restarted
 * on other nodes. Then the OS goes down (the node is Down, not Isolated, and the exit is not ungraceful), the
 * host boots, clussvc starts and the node joins. The step ends once the node is back in the cluster (Up, or
 * Paused if it was paused). Nothing to revert: the node comes back by itself.
 */
export const restartNode: FaultDefinition<RestartNodeParams> = {
  name: 'restart-node',
  summary: 'Restart a node\'s OS (Restart-Computer): drained first with DrainOnShutdown (default), else its VMs are saved and restarted elsewhere; ends once it rejoined',
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node to restart' },
      timeout: {
        type: 'string',
        format: 'duration',
        description: 'Give up waiting for the node to be back in the cluster after this long (e.g. 30m); default 20m',
      },
    },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  // the trace records the timeout actually used
  resolve: async (_target, p) => ({ node: p.node, timeout: p.timeout ?? DEFAULT_RESTART_TIMEOUT_MS }),
  inject: (target, p) => target.restartNode(p.node, { timeoutMs: p.timeout ?? DEFAULT_RESTART_TIMEOUT_MS }),
};
