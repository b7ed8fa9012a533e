import type { Timer } from './clock.js';
import { MembershipView } from './membership-view.js';
import { joinDurationMs } from './settings.js';

export type { MembershipDeps, MembershipHooks } from './membership-hooks.js';
export type { MembershipState } from './membership-view.js';

/**
 * Active membership under VM Compute Resiliency (Windows Server 2016+). The surviving members remove a
 * node whose heartbeats stopped; an ungraceful removal isolates it for ResiliencyDefaultPeriod, after which
 * it is declared Down, or quarantines it when it is the node's QuarantineThreshold-th within the hour; a
 * node whose clussvc runs joins (Joining, then Up) as soon as it reaches every active member, unless it is
 * quarantined. A graceful stop leaves membership without a removal: the node is Down, not Isolated, and the
 * exit is not counted. A removal that leaves no majority stops the cluster (quorum.ts).
 */
export class Membership extends MembershipView {
  private readonly joins = new Map<string, Timer>();

  clussvcStopped(node: string): void {
    this.d.heartbeats.stopped(node, this.activeMembers(node));
    const state = this.stateOf(node);
    if (state === 'Joining') {
      // The join is a live conversation with the members: it breaks off at once, an ungraceful exit.
      this.breakJoin(node);
    } else if (state === 'Paused' && this.drainStatus.get(node) === 'InProgress') {
      // Killed while it is drained: the drain fails (1677) [EVT]; the members remove it as any crash.
      this.drainStatus.set(node, 'Failed');
      this.d.log.drainFailed(node);
      this.d.hooks.drainAbandoned(node);
    }
  }

  /** Stop-ClusterNode: the node stays a member, hosting nothing new, while it is drained. */
  pause(node: string): void {
    this.states.set(node, 'Paused');
    this.drainStatus.set(node, 'InProgress');
  }

  /**
   * Suspend-ClusterNode [PSDOC-SUSP]: the node stays a member (heartbeats, votes, CSV access) but takes no
   * roles; with `drain` its roles are being moved away. Not an exit from membership. The pause is kept in
   * the cluster's configuration, so a paused node that crashes and rejoins is Paused again.
   */
  suspend(node: string, drain: boolean): void {
    this.states.set(node, 'Paused');
    this.suspended.add(node);
    if (drain) this.drainStatus.set(node, 'InProgress');
    else this.drainStatus.delete(node);
  }

  /** The drain of a paused node completed: DrainCompleted. */
  drainCompleted(node: string): void {
    if (this.stateOf(node) === 'Paused') this.drainStatus.set(node, 'Completed');
  }

  /** The drain of a paused node failed: 1677 and DrainFailed; the node stays Paused with what could not move [EVT]. */
  drainFailed(node: string): void {
    if (this.stateOf(node) !== 'Paused' || this.drainStatus.get(node) === 'Failed') return;
    this.drainStatus.set(node, 'Failed');
    this.d.log.drainFailed(node);
  }

  /** Resume-ClusterNode [PSDOC-RESUME]: the pause is lifted; a Paused member is Up again and may take roles. */
  resume(node: string): void {
    this.suspended.delete(node);
    if (this.stateOf(node) !== 'Paused') return;
    this.states.set(node, 'Up');
    this.drainStatus.delete(node);
  }

  /** clussvc stopped on purpose after the drain: the node leaves without being removed [PSDOC-STOPCN], lab §1. */
  clussvcStoppedGracefully(node: string): void {
    const by = this.activeMembers(node)[0] ?? node;
    // Defect graceful-isolates: the members treat the stop as a lost node (not counted as an exit, though).
    if (this.d.defects.has('graceful-isolates')) return this.remove(node, by, false);
    this.d.heartbeats.forget(node);
    this.states.set(node, 'Down');
    this.drainStatus.delete(node);
    this.d.hooks.left(node);
    // Another node left meanwhile: without this one the rest may hold no majority any more (its own vote is taken
    // away first with dynamic quorum [MS-QUORUM])
    if (!this.d.quorum.holdsWith(this.voters(), true)) return this.loseQuorum();
    this.d.quorum.changed();
    // Defect graceful-counts: the stop is counted like a crash, and may quarantine the node.
    if (this.d.defects.has('graceful-counts')) {
      const exits = this.d.quarantine.recordExit(node);
      if (this.d.quarantine.applies(exits)) this.quarantine(node, by, exits);
    }
  }

  clussvcStarted(node: string): void {
    this.d.heartbeats.started(node);
    const { quorum } = this.d;
    // The last members died before anyone could remove them: nobody holds the cluster, it must form again
    // (no 1177: no member was left to write it).
    if (quorum.formed && !this.activeMembers(node).length && !quorum.anyForming) {
      if (this.inMembership(node)) this.states.set(node, 'Down');
      this.loseQuorum();
    }
    if (!quorum.formed) return this.tryForm();
    const by = this.activeMembers(node)[0] ?? node;
    // The members still count the old incarnation in: its join makes them drop that one first.
    if (this.inMembership(node)) this.remove(node, by);
    // A quarantined node may not join (1675) [MSBLOG], [EVT]
    if (quorum.formed && this.stateOf(node) === 'Quarantined') return this.d.quarantine.refuseJoin(node, by);
    this.tryJoin(node);
  }

  /** The quarantine ended (QuarantineDuration, or -ClearQuarantine): the node joins if its clussvc runs. */
  released(node: string): void {
    if (this.stateOf(node) !== 'Quarantined') return;
    this.states.set(node, 'Down');
    this.tryJoin(node);
  }

  /** A cut was made: a join across it breaks off at once (a join needs every member) [EVT] 1652. */
  linksCut(node: string, peers: readonly string[]): void {
    for (const n of [node, ...peers]) if (this.stateOf(n) === 'Joining' && !this.reachesAll(n)) this.breakJoin(n);
  }

  /** A cut healed: the nodes it kept out join, or form the cluster again; a quarantined node that now reaches the members tries to and is refused (1675). */
  linksHealed(): void {
    for (const node of this.nodes) {
      if (this.stateOf(node) === 'Quarantined' && this.d.clussvcRunning(node) && this.reachesAll(node) && !this.d.quarantine.contacted(node)) {
        this.d.quarantine.refuseJoin(node, this.activeMembers(node)[0] ?? node);
      }
    }
    this.joinWhereYouCan();
  }

  /** Remove `node` from active membership (1135, written by `by`); ungraceful exits count toward quarantine. */
  remove(node: string, by: string, ungraceful = true): void {
    const wasDraining = this.stateOf(node) === 'Paused' && this.drainStatus.get(node) === 'InProgress';
    // A dark host (power loss) sends nothing at all: to ResiliencyLevel 1 it is no node known to be alive
    const dark = this.d.hostDark?.(node) === true;
    const networkUp = this.reachesAll(node) && !dark;
    this.d.quorum.doneForming(node);
    this.d.heartbeats.forget(node);
    this.d.log.nodeRemoved(by, node);
    // Removed while it was drained: the drain fails (1677) [EVT]
    if (wasDraining) {
      this.drainStatus.set(node, 'Failed');
      this.d.log.drainFailed(node);
      this.d.hooks.drainAbandoned(node);
    }
    this.drainStatus.delete(node);
    // Only ungraceful exits count toward quarantine [SAVILL-479]
    const exits = ungraceful ? this.d.quarantine.recordExit(node) : 0;
    this.states.set(node, 'Down');
    if (!this.d.quorum.holdsWith(this.voters())) return this.loseQuorum();
    this.d.quorum.changed();
    if (ungraceful && this.d.quarantine.applies(exits)) {
      this.quarantine(node, by, exits);
    } else {
      if (ungraceful && this.d.quarantine.downAtCap(exits)) this.declareDown(node);
      // Defect power-loss-fails-over-at-once: the cluster tells a dead host from an isolated one, which it cannot
      // (both fall silent the same way): Down at once, its VMs restart elsewhere before the period ran out
      else if (dark && this.d.defects.has('power-loss-fails-over-at-once')) this.declareDown(node);
      else if (this.d.resiliency.isolates(networkUp)) this.isolate(node, by);
      else this.declareDown(node);
      this.d.hooks.removed(node);
    }
    this.joinWhereYouCan();
    if (!this.joins.size) this.d.hooks.joinsSettled();
  }

  private quarantine(node: string, by: string, exits: number): void {
    this.d.resiliency.cancel(node);
    this.states.set(node, 'Quarantined');
    // The drain needs the node itself: its cluster service running and its networks reaching the members
    // (quarantine.ts). Defect quarantine-drains-dead-node: the cluster drains it at once anyway.
    const reachable = (this.d.clussvcRunning(node) && this.reachesAll(node)) || this.d.defects.has('quarantine-drains-dead-node');
    this.d.quarantine.begin(node, by, exits, () => this.released(node), reachable);
    this.d.hooks.removed(node);
    if (reachable) return this.d.hooks.quarantined(node);
    // Until it can be drained its VMs are those of a node out of membership, as on an Isolated node (1681): when
    // the resiliency period ends first they fail over [MSDN-RDP]; once the node is reached they are drained.
    this.d.hooks.isolated(node, by);
    this.d.resiliency.start(node, () => this.d.hooks.down(node));
    this.d.quarantine.onReached(node, () => {
      this.d.resiliency.cancel(node);
      this.d.hooks.quarantined(node);
    });
  }

  private isolate(node: string, by: string): void {
    this.states.set(node, 'Isolated');
    // A dark host logs nothing: its 1673 is never written (the checker does not ask for it after a power-off)
    // A node whose cluster service is dead logs nothing either: the member that removed it logs its 1673, which
    // names the node as 1135 and 1681 do (our reading; [EVT] gives the record, not who writes it). Defect
    // event-from-dead-node: the dead node logs it anyway
    const logger = this.d.clussvcRunning(node) || this.d.defects.has('event-from-dead-node') ? node : by;
    if (!this.d.defects.has('no-isolation-event') && !this.d.hostDark?.(node)) this.d.log.nodeIsolated(logger, node);
    // Defect spurious-isolation-event: the member that removed it logs 1673 for itself too, though it stays Up
    if (this.d.defects.has('spurious-isolation-event') && by !== node) this.d.log.nodeIsolated(by);
    // Not back within ResiliencyDefaultPeriod: declared Down, its VMs fail over [MSDN-RDP], [ITPRO-RES]
    this.d.resiliency.start(node, () => this.declareDown(node));
    this.d.hooks.isolated(node, by);
  }

  private declareDown(node: string): void {
    this.d.resiliency.cancel(node);
    this.states.set(node, 'Down');
    this.d.hooks.down(node);
  }

  /** The nodes quorum counts now (active members and forming nodes), for the vote recount (quorum.ts). */
  countedVoters(): string[] {
    return this.voters();
  }

  /**
   * The votes changed without a node leaving (the witness failed or came back): the members stop if they no
   * longer hold quorum. `lost`: they have lost it whatever the count says (defect witness-loss-stops-cluster).
   */
  votesChanged(lost = false): void {
    if (!this.d.quorum.formed) return this.tryForm();
    if (lost || !this.d.quorum.holdsWith(this.voters())) this.loseQuorum();
  }

  /** Quorum lost: every member's clussvc shuts down (1177) and the cluster stops [EVT]. */
  private loseQuorum(): void {
    const members = this.voters();
    this.d.quorum.lose();
    for (const timer of this.joins.values()) timer.cancel();
    this.joins.clear();
    this.drainStatus.clear();
    for (const node of this.nodes) {
      this.d.resiliency.cancel(node);
      this.d.heartbeats.forget(node);
      // A quarantine outlives the cluster: the node still may not join when it forms again
      if (this.stateOf(node) !== 'Quarantined') this.states.set(node, 'Down');
    }
    this.d.hooks.quorumLost(members);
  }

  /** No cluster: a majority of nodes running clussvc that reach one another form it (Joining, then Up). */
  private tryForm(): void {
    const candidates = this.nodes.filter((n) => this.d.clussvcRunning(n) && this.stateOf(n) !== 'Quarantined');
    for (const node of this.d.quorum.form(candidates)) this.beginJoin(node);
  }

  private joinWhereYouCan(): void {
    if (!this.d.quorum.formed) return this.tryForm();
    for (const node of this.nodes) this.tryJoin(node);
  }

  /** A node out of membership whose clussvc runs joins once it reaches every active member. */
  private tryJoin(node: string): void {
    if (!this.d.quorum.formed) return this.tryForm();
    const state = this.stateOf(node);
    if ((state !== 'Down' && state !== 'Isolated') || !this.d.clussvcRunning(node)) return;
    // Defect no-rejoin: a removed node never rejoins
    if (this.d.defects.has('no-rejoin')) return;
    if (this.reachesAll(node)) this.beginJoin(node);
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

  private breakJoin(node: string): void {
    this.joins.get(node)?.cancel();
    this.joins.delete(node);
    this.remove(node, this.activeMembers(node)[0] ?? node);
  }

  private completeJoin(node: string): void {
    this.joins.delete(node);
    this.d.quorum.doneForming(node);
    // A node paused by Suspend-ClusterNode stays paused through a restart (the pause is configuration)
    // [CLUSAPI-PAUSE]. Defect pause-lost-on-restart: it comes back Up, taking roles it was paused to keep off.
    this.states.set(node, this.suspended.has(node) && !this.d.defects.has('pause-lost-on-restart') ? 'Paused' : 'Up');
    // A new member counts heartbeats from every peer too, including peers that fell silent before it joined.
    for (const other of this.nodes) {
      if (other !== node && this.inMembership(other) && !this.d.clussvcRunning(other)) this.d.heartbeats.watch(node, other);
    }
    this.d.hooks.joined(node);
    this.d.quorum.changed();
    if (!this.joins.size) this.d.hooks.joinsSettled();
  }
}
