/**
 * The ungraceful exits a real cluster has already counted toward QuarantineThreshold before a run starts: a
 * node that crashed twice in the last hour is quarantined by one more kill, whatever the plan says. Read from
 * the event logs (read-only), they join the blast-radius guard's count (blast-radius.ts).
 */
import type { Millis } from '../trace/records.js';

/** EVENT_NODE_DOWN: "Cluster node '%1' was removed from the active failover cluster membership", written by a surviving member (windows-cluster-facts §2.2). */
const NODE_REMOVED = 1135;
/**
 * Each surviving member may log one removal, at the same moment give or take clock skew: 1135 records of one
 * node within this long, each by a member that has not logged it yet, are one exit. Two records by the same
 * member are always two exits; a node is never removed, back and removed again within seconds (isolation alone
 * takes SameSubnetThreshold × SameSubnetDelay).
 */
const SAME_REMOVAL_MS = 3_000;

/** An event-log record as the PowerShell target reads it: `at` in epoch milliseconds. */
export interface HistoricEvent {
  /** The node whose log holds the record (the member that wrote it). */
  node: string;
  id: number;
  at: number;
  time: string;
  message: string;
  /** Insertion strings: for 1135, %1 is the node removed (in any language; the message is localised). */
  data?: readonly string[];
}

/** A target that can read its event logs back in time (the PowerShell target; read-only). */
export interface EventHistory {
  eventsSince(sinceEpochMs: number): Promise<HistoricEvent[]>;
}

/** One earlier exit: `t` relative to now (negative), `time` as the node logged it. */
export interface PriorExit {
  t: Millis;
  time: string;
}

/** Each node's removals (event 1135) in `events`, one per removal, oldest first, with `t` relative to `nowMs`. */
export function priorExits(events: readonly HistoricEvent[], nodes: readonly string[], nowMs: number): Record<string, PriorExit[]> {
  const out: Record<string, PriorExit[]> = {};
  const sorted = events.filter((e) => e.id === NODE_REMOVED).sort((a, b) => a.at - b.at);
  for (const node of nodes) {
    const named = new RegExp(`Cluster node '${node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' was removed`, 'i');
    let current: { at: number; loggedBy: Set<string> } | undefined;
    for (const e of sorted) {
      const removed = e.data?.[0];
      if (removed !== undefined && removed !== '' ? removed.toLowerCase() !== node.toLowerCase() : !named.test(e.message)) continue;
      const by = e.node.toLowerCase();
      if (current && e.at - current.at < SAME_REMOVAL_MS && !current.loggedBy.has(by)) {
        current.loggedBy.add(by); // another member's record of the same removal
        continue;
      }
      current = { at: e.at, loggedBy: new Set([by]) };
      (out[node] ??= []).push({ t: e.at - nowMs, time: e.time });
    }
  }
  return out;
}
