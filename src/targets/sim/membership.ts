import type { NodeObservation } from '../../trace/records.js';
import type { Timer } from './clock.js';
import type { MembershipDeps } from './membership-hooks.js';
import { joinDurationMs } from './settings.js';

export type { MembershipDeps, MembershipHooks } from './membership-hooks.js';

/**
 * The cluster's view of a node. Paused: a member being drained by Stop-ClusterNode. Isolated: removed from
 * active membership, still hosting its VMs. Quarantined: removed, and may not join until released.
 */
export type MembershipState = 'Up' | 'Joining' | 'Paused' | 'Isolated' | 'Quarantined' | 'Down';

/**
 * Active membership under VM Compute Resiliency (Windows Server 2016+). The surviving members remove a
 * node whose heartbeats stopped; an ungraceful removal isolates it for ResiliencyDefaultPeriod, after which
 * it is declared Down, or quarantines it when it is the node's QuarantineThreshold-th within the hour; a
 * node whose clussvc runs again joins (Joining, then Up) unless it is quarantined. A graceful stop leaves
 * membership without a removal: the node is Down, not Isolated, and the exit is not counted.
 */
export class Membership {
  private readonly states = new Map<string, MembershipState>();
  private readonly joins = new Map<string, Timer>();
  private readonly drainsFailed = new Set<string>();

  constructor(
    private readonly nodes: readonly string[],
    private readonly d: MembershipDeps,
  ) {
    for (const node of nodes) this.states.set(node, 'Up');
  }

  stateOf(node: string): MembershipState {
    return this.states.get(node)!;
  }

  /** Get-ClusterNode: an Isolated or Quarantined node shows Down with the flag (its State is undocumented, §1.3). */
  observe(node: string): NodeObservation {
    const state = this.stateOf(node);
    if (state === 'Isolated' || state === 'Quarantined') return { State: 'Down', StatusInformation: [state] };
    if (state === 'Paused') return { State: 'Paused', StatusInformation: [this.drainsFailed.has(node) ? 'DrainFailed' : 'DrainInProgress'] };
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

  private inMembership(node: string): boolean {
    const state = this.stateOf(node);
    return state === 'Up' || state === 'Paused';
  }

  private activeMembers(except: string): string[] {
    return this.nodes.filter((n) => n !== except && this.isMember(n));
  }

  /** `receiver` counted SameSubnetThreshold missed heartbeats from `sender` [ITPRO-HB]. */
  heartbeatsMissed(receiver: string, sender: string): void {
    if (!this.isMember(receiver) || !this.inMembership(sender) || this.d.clussvcRunning(sender)) return;
    this.remove(sender, receiver);
  }

  clussvcStopped(node: string): void {
    this.d.heartbeats.stopped(node, this.activeMembers(node));
    const state = this.stateOf(node);
    if (state === 'Joining') {
      // The join is a live conversation with the members: it breaks off at once, an ungraceful exit.
      this.joins.get(node)?.cancel();
      this.remove(node, this.activeMembers(node)[0] ?? node);
    } else if (state === 'Paused' && !this.drainsFailed.has(node)) {
      // Killed while Stop-ClusterNode drains it: the drain fails (1677) [EVT]; the members remove it as any crash.
      this.drainsFailed.add(node);
      this.d.log.drainFailed(node);
      this.d.hooks.drainAbandoned(node);
    }
  }

  /** Stop-ClusterNode: the node stays a member, hosting nothing new, while it is drained. */
  pause(node: string): void {
    this.states.set(node, 'Paused');
    this.drainsFailed.delete(node);
  }

  /** clussvc stopped on purpose after the drain: the node leaves without being removed [PSDOC-STOPCN], lab §1. */
  clussvcStoppedGracefully(node: string): void {
    const by = this.activeMembers(node)[0] ?? node;
    // Defect graceful-isolates: the members treat the stop as a lost node (not counted as an exit, though).
    if (this.d.defects.has('graceful-isolates')) return this.remove(node, by, false);
    this.d.heartbeats.forget(node);
    this.states.set(node, 'Down');
    this.d.hooks.left(node);
    // Defect graceful-counts: the stop is counted like a crash, and may quarantine the node.
    if (this.d.defects.has('graceful-counts')) {
      const exits = this.d.quarantine.recordExit(node);
      if (this.d.quarantine.applies(exits)) this.quarantine(node, by, exits);
    }
  }

  clussvcStarted(node: string): void {
    this.d.heartbeats.started(node);
    const members = this.activeMembers(node);
    // The members still count the old incarnation in: its join makes them drop that one first.
    if (this.inMembership(node)) this.remove(node, members[0] ?? node);
    if (this.stateOf(node) === 'Quarantined') {
      // A quarantined node may not join (1675) [MSBLOG], [EVT]
      this.d.quarantine.refuseJoin(node, members[0] ?? node);
      return;
    }
    if (this.d.defects.has('no-rejoin')) return;
    if (members.length === 0) {
      // Nobody is left to notice: the node forming the cluster drops members whose service is gone.
      for (const other of this.nodes) {
        if (other !== node && this.inMembership(other) && !this.d.clussvcRunning(other)) this.remove(other, node);
      }
    }
    this.beginJoin(node);
  }

  /** The quarantine ended (QuarantineDuration, or -ClearQuarantine): the node joins if its clussvc runs. */
  released(node: string): void {
    if (this.stateOf(node) !== 'Quarantined') return;
    this.states.set(node, 'Down');
    if (this.d.clussvcRunning(node)) this.beginJoin(node);
  }

  private remove(node: string, by: string, ungraceful = true): void {
    this.d.heartbeats.forget(node);
    this.d.log.nodeRemoved(by, node);
    this.drainsFailed.delete(node);
    // Only ungraceful exits count toward quarantine [SAVILL-479]
    const exits = ungraceful ? this.d.quarantine.recordExit(node) : 0;
    if (ungraceful && this.d.quarantine.applies(exits)) return this.quarantine(node, by, exits);
    // ResiliencyDefaultPeriod = 0 turns isolation off: pre-2016 behaviour, straight to Down [SR-FAQ], [MSDN-RDP]
    const isolate = this.d.properties.ResiliencyDefaultPeriod > 0 && !this.d.defects.has('no-isolation');
    if (isolate) this.isolate(node, by);
    else this.declareDown(node);
    this.d.hooks.removed(node);
  }

  private quarantine(node: string, by: string, exits: number): void {
    this.d.resiliency.cancel(node);
    this.states.set(node, 'Quarantined');
    this.d.quarantine.begin(node, by, exits, () => this.released(node));
    this.d.hooks.removed(node);
    this.d.hooks.quarantined(node);
  }

  private isolate(node: string, by: string): void {
    this.states.set(node, 'Isolated');
    if (!this.d.defects.has('no-isolation-event')) this.d.log.nodeIsolated(node);
    // Not back within ResiliencyDefaultPeriod: declared Down, its VMs fail over [MSDN-RDP], [ITPRO-RES]
    this.d.resiliency.start(node, () => this.declareDown(node));
    this.d.hooks.isolated(node, by);
  }

  private declareDown(node: string): void {
    this.d.resiliency.cancel(node);
    this.states.set(node, 'Down');
    this.d.hooks.down(node);
  }

  private beginJoin(node: string): void {
    if (this.stateOf(node) === 'Isolated') {
      // Back within the period: the node leaves the isolated state (1680) [EVT]
      this.d.resiliency.cancel(node);
      this.d.log.nodeExitedIsolation(node);
    }
    this.states.set(node, 'Joining');
    this.d.hooks.joining(node);
    const duration = this.d.joinRngs.get(node)!.between(joinDurationMs);
    this.joins.set(node, this.d.clock.after(duration, () => this.completeJoin(node)));
  }

  private completeJoin(node: string): void {
    this.joins.delete(node);
    this.states.set(node, 'Up');
    // A new member counts heartbeats from every peer too, including peers that fell silent before it joined.
    for (const other of this.nodes) {
      if (other !== node && this.inMembership(other) && !this.d.clussvcRunning(other)) this.d.heartbeats.watch(node, other);
    }
    this.d.hooks.joined(node);
  }
}
