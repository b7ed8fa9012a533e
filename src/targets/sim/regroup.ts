import type { Defects } from './defects.js';
import type { Membership } from './membership.js';
import type { Quorum } from './quorum.js';

/**
 * Regroup over a network cut. When members lose each other's heartbeats, the cluster keeps nodes that can
 * all reach one another and removes the others. [MSBLOG] names the asymmetric disconnect (a node that can
 * still talk to some members) but not who goes; our reading: the node that lost heartbeats with the most
 * active members goes first; on a tie the node whose own cut (isolateNetwork) separates them, then the node
 * listed later in the cluster description.
 */

export interface Reach {
  connected(a: string, b: string): boolean;
  /** Whether `node`'s own cut separates it from `peer`. */
  cutsOff(node: string, peer: string): boolean;
}

/** How many of `others` `node` cannot reach. */
function lost(node: string, others: readonly string[], reach: Reach): number {
  return others.filter((m) => m !== node && !reach.connected(node, m)).length;
}

/** Whether the cluster removes `a` rather than `b` (both in `group`). */
function removesFirst(a: string, b: string, group: readonly string[], reach: Reach, order: readonly string[]): boolean {
  const la = lost(a, group, reach);
  const lb = lost(b, group, reach);
  if (la !== lb) return la > lb;
  const ownA = group.some((m) => reach.cutsOff(a, m));
  const ownB = group.some((m) => reach.cutsOff(b, m));
  if (ownA !== ownB) return ownA;
  return order.indexOf(a) > order.indexOf(b);
}

/** Of two members that lost each other's heartbeats, the one the cluster removes. */
export function regroupLoser(a: string, b: string, members: readonly string[], reach: Reach, order: readonly string[]): string {
  const group = [...new Set([...members, a, b])];
  const la = lost(a, group, reach);
  const lb = lost(b, group, reach);
  if (la !== lb) return la > lb ? a : b;
  // Our reading: the named node of the cut goes, its peers (each of which lost only it) stay
  if (reach.cutsOff(a, b) !== reach.cutsOff(b, a)) return reach.cutsOff(a, b) ? a : b;
  return order.indexOf(a) > order.indexOf(b) ? a : b;
}

/** The nodes of `candidates` a regroup keeps together: drop the worst-connected one until all reach each other. */
export function connectedGroup(candidates: readonly string[], reach: Reach, order: readonly string[]): string[] {
  let group = [...candidates];
  for (;;) {
    let worst: string | undefined;
    for (const node of group) {
      if (lost(node, group, reach) === 0) continue;
      if (worst === undefined || removesFirst(node, worst, group, reach, order)) worst = node;
    }
    if (worst === undefined) return group;
    group = group.filter((n) => n !== worst);
  }
}

export interface RegroupDeps {
  nodes: readonly string[];
  network: Reach & { isPartial(node: string): boolean; peersOf(node: string): string[] };
  defects: Defects;
  quorum: Pick<Quorum, 'formed'>;
  clussvcRunning(node: string): boolean;
  membership: Pick<Membership, 'isMember' | 'inMembership' | 'activeMembers' | 'remove'>;
}

/** What the members do when a peer's heartbeats stop reaching them. */
export class Regroup {
  constructor(private readonly d: RegroupDeps) {}

  /** `receiver` counted SameSubnetThreshold missed heartbeats from `sender` [ITPRO-HB]. */
  heartbeatsMissed(receiver: string, sender: string): void {
    const { membership, network } = this.d;
    if (!this.d.quorum.formed || !membership.isMember(receiver) || !membership.inMembership(sender)) return;
    // A silent node (its clussvc died): the members remove it
    if (!this.d.clussvcRunning(sender)) return membership.remove(sender, receiver);
    if (network.connected(receiver, sender)) return;
    // Both run, a cut lies between them. Defect no-network-isolation: nobody is removed, the node stays Up
    if (this.d.defects.has('no-network-isolation')) return;
    const loser = regroupLoser(receiver, sender, membership.activeMembers(), network, this.d.nodes);
    const removed = [loser];
    // Defect partition-removes-both: the peers of an asymmetric cut are removed with the node
    if (this.d.defects.has('partition-removes-both') && network.isPartial(loser)) removed.push(...network.peersOf(loser));
    const other = loser === receiver ? sender : receiver;
    const by = removed.includes(other) ? (membership.activeMembers().find((m) => !removed.includes(m)) ?? other) : other;
    for (const node of removed) if (this.d.quorum.formed && membership.inMembership(node)) membership.remove(node, by);
  }
}
