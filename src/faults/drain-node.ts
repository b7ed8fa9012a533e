import type { LiveMigrationTransport } from '../trace/records.js';
import type { FaultDefinition } from './fault.js';
import { transportParam } from './live-migrate.js';

export interface DrainNodeParams {
  node: string;
  /** Give up if the drain has not completed within this long (ms; `30m` in the file). Resolved: always present. */
  timeout?: number;
  /** Move the VMs over this transport (Set-VMHost on every node for the drain) instead of the hosts' own. */
  transport?: LiveMigrationTransport;
}

/** How long a drain may take when the step does not say: big VMs on 1 GbE take minutes each (lab-observations §3). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10 * 60_000;

/**
 * Drain a node for maintenance: `Suspend-ClusterNode -Name <node> -Drain -Wait` ([PSDOC-SUSP];
 * windows-cluster-facts §3.1). The node is Paused (it takes no roles) and its VMs live-migrate to other nodes,
 * at most MaximumVirtualMachineMigrations at once per host [LM-SETUP]. A drain that fails leaves the node
 * Paused with the VMs that could not move (as CAU saw with a missing SharedStoragePath, lab-observations §5).
 * The revert resumes the node without failback (`Resume-ClusterNode`), so an interrupted run leaves no node
 * Paused; resuming an Up node changes nothing.
 */
export const drainNode: FaultDefinition<DrainNodeParams> = {
  name: 'drain-node',
  summary: 'Drain a node (Suspend-ClusterNode -Drain -Wait): it is Paused and its VMs live-migrate away; reverted with Resume-ClusterNode',
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node to drain' },
      timeout: {
        type: 'string',
        format: 'duration',
        description: 'Give up if the drain has not completed within this long (e.g. 30m); default 10m',
      },
      transport: transportParam("The transport the drain's live migrations use (Set-VMHost on every node, restored afterwards); default: the hosts' own"),
    },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  // the trace records the timeout actually used
  resolve: async (_target, p) => ({ node: p.node, timeout: p.timeout ?? DEFAULT_DRAIN_TIMEOUT_MS, ...(p.transport ? { transport: p.transport } : {}) }),
  inject: (target, p) =>
    target.suspendNode(p.node, { drain: true, timeoutMs: p.timeout ?? DEFAULT_DRAIN_TIMEOUT_MS, ...(p.transport ? { transport: p.transport } : {}) }),
  revert: (target, p) => target.resumeNode(p.node, { failback: false }),
};
