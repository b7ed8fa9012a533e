import type { WitnessDescription } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import { connectedGroup, type Reach } from './regroup.js';

/**
 * How long after a change of membership the cluster has recomputed the votes (dynamic weights). Not published;
 * our reading: once the regroup that removed (or added) the node is over, about a second. Losses closer together
 * than this are counted against the votes as they were before the first: "simultaneous".
 */
export const VOTE_ADJUST_MS = 1_000;

export interface QuorumOptions {
  /** The quorum witness; absent: none (node majority). */
  witness?: WitnessDescription;
  /** The DynamicQuorum cluster property (default true [MSDN-DQ]). */
  dynamic: boolean;
  clock: SimClock;
  defects: Defects;
  /** The nodes quorum counts now: active members and forming nodes (the membership's voters). */
  voters(): string[];
}

/**
 * Quorum by votes [MS-QUORUM]: every node has a vote (NodeWeight 1), a witness (disk, file share or cloud) one
 * more; the cluster runs while the nodes that are active members and reach one another hold more than half of
 * the votes it counts, the witness's included if they can reach it. A removal that leaves half or fewer stops
 * the cluster (1177 on each member) [EVT]; Stop-ClusterNode refuses to go below it [PSDOC-STOPCN].
 *
 * With DynamicQuorum (default 1 [MSDN-DQ]) the cluster recomputes the votes once a node has left or joined: only
 * members vote (a node's dynamic weight is 0 while it is out), and the total is kept odd. With a witness online
 * (dynamic witness, 2012 R2 and later) the witness votes only while the node votes are even; a failed witness's
 * vote is 0, and with an even number of node votes and no witness vote one node's vote is taken away (the cluster
 * picks it, or LowerQuorumPriorityNodeID: our reading, the member listed last). Nodes lost one at a time, each
 * after the recount, may so take the cluster down to its last node; losing half of the votes or more between
 * two recounts ("at once") stops it [MS-QUORUM]. A graceful leave (Stop-ClusterNode) has its vote taken away
 * first, so it never costs quorum while another member is left. Without DynamicQuorum the count is fixed: every
 * node and the witness.
 *
 * Without a cluster, the nodes whose clussvc runs and that reach one another form it again as soon as they hold
 * a majority of all the votes (every node, and the witness if it is online): they join together (Joining, then
 * Up), and count toward quorum while they do.
 */
export class Quorum {
  private running = true;
  /** Nodes joining to form the cluster again. */
  private readonly formingNodes = new Set<string>();
  /** Nodes whose vote the cluster counts now (dynamic weight 1; without dynamic quorum: every node). */
  private weighted: Set<string>;
  /** Whether the cluster counts the witness's vote now. */
  private witnessWeighted: boolean;
  /** The witness resource is online (fail-witness takes it away). */
  private witnessOnline = true;
  private recount?: Timer;

  constructor(
    private readonly nodes: readonly string[],
    private readonly reach: Reach,
    private readonly o: QuorumOptions,
  ) {
    this.weighted = new Set(nodes);
    this.witnessWeighted = this.countsWitness();
    this.adjust(nodes);
  }

  /** Whether the cluster runs (it has quorum, or is forming with a majority). */
  get formed(): boolean {
    return this.running;
  }

  /** Whether the cluster has a witness and it is online. */
  get witnessUp(): boolean {
    return this.o.witness !== undefined && this.witnessOnline;
  }

  isForming(node: string): boolean {
    return this.formingNodes.has(node);
  }

  get anyForming(): boolean {
    return this.formingNodes.size > 0;
  }

  /**
   * Whether `voters` (active members and forming nodes) keep quorum: the group of them that reach one another
   * holds more than half of the votes the cluster counts now. `graceful`: one node is leaving on purpose
   * (Stop-ClusterNode), its vote taken away first with dynamic quorum.
   */
  holdsWith(voters: readonly string[], graceful = false): boolean {
    if (graceful && this.o.dynamic) this.adjust(voters);
    const group = connectedGroup(voters, this.reach, this.nodes);
    const present = group.filter((n) => this.weighted.has(n)).length + (this.witnessWeighted && this.witnessOnline ? 1 : 0);
    return 2 * present > this.totalVotes();
  }

  /** Whether `node` may leave gracefully (Stop-ClusterNode) without costing quorum: the rest would hold it. */
  canLeave(node: string, members: readonly string[]): boolean {
    const rest = members.filter((n) => n !== node);
    if (this.o.dynamic) return rest.length > 0 && connectedGroup(rest, this.reach, this.nodes).length === rest.length;
    return this.holdsWith(rest);
  }

  /** The votes the cluster counts now, in words: `3 (N1, N2, N3)`, `5 (N1, N2, N3, N4 + the witness)`. */
  describeVotes(): string {
    const who = [...this.weighted].join(', ') + (this.witnessWeighted ? ' + the witness' : '');
    return `${this.totalVotes()} (${who})`;
  }

  /** Membership changed (a node left or joined and quorum held): the cluster recounts the votes a moment later. */
  changed(): void {
    if (!this.o.dynamic || !this.running) return;
    this.recount?.cancel();
    this.recount = this.o.clock.after(VOTE_ADJUST_MS, () => {
      this.recount = undefined;
      if (this.running) this.adjust(this.o.voters());
    });
  }

  /** The witness resource failed (its share, disk or storage account cannot be reached): its vote is gone. */
  witnessFailed(): void {
    this.witnessOnline = false;
    this.changed();
  }

  /** The witness is reachable again: it comes back online and votes as the count says. */
  witnessRestored(): void {
    this.witnessOnline = true;
    if (!this.o.dynamic) return;
    this.changed();
  }

  /** The cluster stops. */
  lose(): void {
    this.running = false;
    this.formingNodes.clear();
    this.recount?.cancel();
    this.recount = undefined;
  }

  /**
   * No cluster: the nodes of `candidates` (clussvc running, not quarantined) that reach one another form it
   * if they hold a majority of all the votes. Returns the nodes that start joining, or [] if it does not form.
   */
  form(candidates: readonly string[]): string[] {
    if (this.running) return [];
    const group = connectedGroup(candidates, this.reach, this.nodes);
    const all = this.nodes.length + (this.o.witness && !this.ignoresWitness() ? 1 : 0);
    const present = group.length + (this.witnessUp && !this.ignoresWitness() ? 1 : 0);
    if (!(2 * present > all)) return [];
    this.running = true;
    this.weighted = new Set(this.nodes);
    this.witnessWeighted = this.countsWitness();
    this.adjust(group);
    for (const node of group) this.formingNodes.add(node);
    return group;
  }

  /** `node` is Up, or dropped out: it no longer forms the cluster. */
  doneForming(node: string): void {
    this.formingNodes.delete(node);
  }

  private totalVotes(): number {
    return this.weighted.size + (this.witnessWeighted ? 1 : 0);
  }

  /** Defect witness-vote-ignored: the cluster never counts the witness's vote. */
  private ignoresWitness(): boolean {
    return this.o.defects.has('witness-vote-ignored');
  }

  /** Without dynamic quorum: the witness always has its vote (present or not). */
  private countsWitness(): boolean {
    return this.o.witness !== undefined && !this.ignoresWitness();
  }

  /** Recount with dynamic quorum: the members vote, the total kept odd by the witness or by taking one node's vote away. */
  private adjust(members: readonly string[]): void {
    if (!this.o.dynamic) return;
    const voting = this.nodes.filter((n) => members.includes(n));
    const even = voting.length % 2 === 0;
    this.witnessWeighted = this.countsWitness() && this.witnessOnline && even;
    // an even count and no witness vote: one node's vote is taken away, the member listed last (our reading)
    if (even && !this.witnessWeighted && voting.length > 0) voting.pop();
    this.weighted = new Set(voting);
  }
}
