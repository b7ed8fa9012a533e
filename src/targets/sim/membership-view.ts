import type { NodeObservation } from '../../trace/records.js';
import type { MembershipDeps } from './membership-hooks.js';

/**
 * The cluster's view of a node. Paused: a member that takes no roles (Suspend-ClusterNode, or being drained
 * by Stop-ClusterNode). Isolated: removed from active membership, still hosting its VMs. Quarantined:
 * removed, and may not join until released.
 */
export type MembershipState = 'Up' | 'Joining' | 'Paused' | 'Isolated' | 'Quarantined' | 'Down';

/** Get-ClusterNode .DrainStatus of a paused node (ClusterNodeDrainStatus; NotInitiated when absent) [STUB], [MSDN-NDS]. */
export type DrainStatus = 'InProgress' | 'Completed' | 'Failed';

/** The StatusInformation flag each drain status shows (ClusterNodeStatusInformation) [STUB]. */
const drainFlag: Record<DrainStatus, string> = { InProgress: 'DrainInProgress', Completed: 'DrainCompleted', Failed: 'DrainFailed' };

/** Each node's membership state, what Get-ClusterNode shows of it, and who counts as an active member. */
export class MembershipView {
  protected readonly states = new Map<string, MembershipState>();
  protected readonly drainStatus = new Map<string, DrainStatus>();
  /** Paused by Suspend-ClusterNode: the pause outlives the node's membership, until Resume-ClusterNode. */
  protected readonly suspended = new Set<string>();

  constructor(
    protected readonly nodes: readonly string[],
    protected readonly d: MembershipDeps,
  ) {
    for (const node of nodes) this.states.set(node, 'Up');
  }

  stateOf(node: string): MembershipState {
    return this.states.get(node)!;
  }

  /** Get-ClusterNode: an Isolated or Quarantined node shows Down with the flag (its State is undocumented, §1.3). */
  observe(node: string): NodeObservation {
    // Without quorum there is no cluster: every node is Down, none Isolated or Quarantined
    if (!this.d.quorum.formed) return { State: 'Down', StatusInformation: [] };
    const state = this.stateOf(node);
    if (state === 'Isolated' || state === 'Quarantined') return { State: 'Down', StatusInformation: [state] };
    if (state === 'Paused') {
      const drain = this.drainStatus.get(node);
      return { State: 'Paused', StatusInformation: drain ? [drainFlag[drain]] : [] };
    }
    return { State: state, StatusInformation: [] };
  }

  /** An active member: Up or Paused, with clussvc running (it sends and counts heartbeats, has CSV access). */
  isMember(node: string): boolean {
    return this.inMembership(node) && this.d.clussvcRunning(node);
  }

  /** May host roles: Up with clussvc running (a Paused node is being drained of them). */
  canHost(node: string): boolean {
    return this.stateOf(node) === 'Up' && this.d.clussvcRunning(node);
  }

  /** Up or Paused in the members' view (its clussvc may have died unnoticed so far). */
  inMembership(node: string): boolean {
    const state = this.stateOf(node);
    return state === 'Up' || state === 'Paused';
  }

  activeMembers(except?: string): string[] {
    return this.nodes.filter((n) => n !== except && this.isMember(n));
  }

  /** Active members and the nodes forming the cluster: those quorum counts. */
  protected voters(): string[] {
    return this.nodes.filter((n) => this.isMember(n) || this.d.quorum.isForming(n));
  }

  /**
   * Whether `node` reaches every active member and every node joining: a join needs them all (joins go one
   * at a time, so two nodes cut off from each other cannot both get in), and a node cut off from one of them
   * is not "up" for ResiliencyLevel 1.
   */
  reachesAll(node: string): boolean {
    return this.nodes.every((m) => m === node || !(this.isMember(m) || this.stateOf(m) === 'Joining') || this.d.network.connected(node, m));
  }
}
