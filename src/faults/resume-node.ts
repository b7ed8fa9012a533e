import type { LiveMigrationTransport } from '../trace/records.js';
import type { FaultDefinition } from './fault.js';
import { transportParam } from './live-migrate.js';

export interface ResumeNodeParams {
  node: string;
  /** `-Failback Immediate`: the VMs drained from the node move back to it now (default true). Resolved: always present. */
  failback?: boolean;
  /** Give up if the failback has not completed within this long (ms). */
  timeout?: number;
  /** Move the VMs back over this transport instead of the hosts' own. */
  transport?: LiveMigrationTransport;
}

/**
 * Bring a paused node back: `Resume-ClusterNode -Name <node> [-Failback Immediate]` ([PSDOC-RESUME];
 * windows-cluster-facts §3.1). The node takes roles again; with failback (the default here: the usual end of
 * a maintenance drain) the VMs drained from it live-migrate back. Not a fault but an operation an experiment
 * performs: nothing to revert.
 */
export const resumeNode: FaultDefinition<ResumeNodeParams> = {
  name: 'resume-node',
  summary: 'Resume a paused node (Resume-ClusterNode); with failback (default true) its drained VMs live-migrate back at once',
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node to resume' },
      failback: { type: 'boolean', description: 'Resume-ClusterNode -Failback Immediate: move the drained VMs back (default true)' },
      timeout: {
        type: 'string',
        format: 'duration',
        description: 'Give up if the failback has not completed within this long (e.g. 30m); default: the target\'s own',
      },
      transport: transportParam("The transport the failback's live migrations use (Set-VMHost on every node, restored afterwards); default: the hosts' own"),
    },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: () => [],
  // the trace records whether failback was asked for
  resolve: async (_target, p) => ({ ...p, failback: p.failback !== false }),
  inject: (target, p) =>
    target.resumeNode(p.node, {
      failback: p.failback !== false,
      ...(p.timeout !== undefined ? { timeoutMs: p.timeout } : {}),
      ...(p.transport ? { transport: p.transport } : {}),
    }),
};
