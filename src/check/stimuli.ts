import type { OpRecord } from '../trace/records.js';

/** A model event that an operation in the trace means for one entity. */
export interface Stimulus {
  entity: string;
  event: { type: string; [key: string]: unknown };
  /** How a person names it: `kill-clussvc on N2`. */
  label: string;
}

/**
 * The stimuli each fault's operation means for the models, read from the op lines alone (never from what
 * the runner meant to do). A fault that changes nothing the models track has no entry.
 */
const on = (args: Record<string, unknown>, type: string, label: string, extra: Record<string, unknown> = {}): Stimulus => ({
  entity: `node/${String(args.node)}`,
  event: { type, ...extra },
  label: `${label} on ${String(args.node)}`,
});

const byFault: Record<string, (args: Record<string, unknown>) => Stimulus[]> = {
  // Stop-Process -Name clussvc -Force: an ungraceful exit of the Cluster Service
  'kill-clussvc': (args) => [on(args, 'clussvc.crashed', 'kill-clussvc')],
  // Stop-ClusterNode: a graceful stop, which drains the node first
  'stop-node': (args) => [on(args, 'node.stopping', 'stop-node')],
  // Start-ClusterNode [-ClearQuarantine]
  'start-node': (args) => [
    ...(args.clearQuarantine === true ? [on(args, 'quarantine.cleared', 'start-node -ClearQuarantine')] : []),
    on(args, 'node.started', 'start-node'),
  ],
  'revert:stop-node': (args) => [on(args, 'node.started', 'revert of stop-node')],
  // Its cluster networks cut both ways, healing by themselves after `duration` (ms)
  'isolate-network': (args) => [on(args, 'network.cut', 'isolate-network', { healAfterMs: Number(args.duration) })],
  'revert:isolate-network': (args) => [on(args, 'network.healed', 'restore-network')],
};

export function stimuliOf(op: OpRecord): Stimulus[] {
  return byFault[op.f]?.(op.args) ?? [];
}
