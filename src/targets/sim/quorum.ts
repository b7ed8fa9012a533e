import { connectedGroup, type Reach } from './regroup.js';

/**
 * Node-majority quorum, no witness: the cluster runs while more than half of its nodes are active members
 * (Up or Paused, clussvc running) that can all reach one another. A removal that leaves half or fewer
 * stops the cluster (1177 on each member) [EVT]; Stop-ClusterNode refuses to go below it [PSDOC-STOPCN].
 * Without a cluster, the nodes whose clussvc runs and that reach one another form it again as soon as they
 * are a majority: they join together (Joining, then Up), and count toward quorum while they do.
 */
export class Quorum {
  private running = true;
  /** Nodes joining to form the cluster again. */
  private readonly formingNodes = new Set<string>();

  constructor(
    private readonly nodes: readonly string[],
    private readonly reach: Reach,
  ) {}

  /** Whether the cluster runs (it has quorum, or is forming with a majority). */
  get formed(): boolean {
    return this.running;
  }

  isForming(node: string): boolean {
    return this.formingNodes.has(node);
  }

  get anyForming(): boolean {
    return this.formingNodes.size > 0;
  }

  /** Whether `voters` (active members and forming nodes) keep quorum: a majority of them reach one another. */
  holdsWith(voters: readonly string[]): boolean {
    return this.isMajority(connectedGroup(voters, this.reach, this.nodes));
  }

  /** The cluster stops. */
  lose(): void {
    this.running = false;
    this.formingNodes.clear();
  }

  /**
   * No cluster: the nodes of `candidates` (clussvc running, not quarantined) that reach one another form it
   * if they are a majority. Returns the nodes that start joining, or [] if the cluster does not form.
   */
  form(candidates: readonly string[]): string[] {
    if (this.running) return [];
    const group = connectedGroup(candidates, this.reach, this.nodes);
    if (!this.isMajority(group)) return [];
    this.running = true;
    for (const node of group) this.formingNodes.add(node);
    return group;
  }

  /** `node` is Up, or dropped out: it no longer forms the cluster. */
  doneForming(node: string): void {
    this.formingNodes.delete(node);
  }

  private isMajority(group: readonly string[]): boolean {
    return group.length > this.nodes.length / 2;
  }
}
