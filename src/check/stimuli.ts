import type { OpRecord } from '../trace/records.js';

/** A model event that an operation in the trace means for one entity. */
export interface Stimulus {
  entity: string;
  event: { type: string };
  /** How a person names it: `kill-clussvc on N2`. */
  label: string;
}

/**
 * The stimuli each fault's operation means for the models, read from the op lines alone (never from what
 * the runner meant to do). A fault that changes nothing the models track has no entry.
 */
const byFault: Record<string, (args: Record<string, unknown>) => Stimulus[]> = {
  // Stop-Process -Name clussvc -Force: an ungraceful exit of the Cluster Service
  'kill-clussvc': (args) => [
    { entity: `node/${String(args.node)}`, event: { type: 'clussvc.crashed' }, label: `kill-clussvc on ${String(args.node)}` },
  ],
};

export function stimuliOf(op: OpRecord): Stimulus[] {
  return byFault[op.f]?.(op.args) ?? [];
}
