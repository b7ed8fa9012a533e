import type { NodeObservation } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import type { Heartbeats } from './heartbeat.js';
import type { Rng } from './rng.js';
import { joinDurationMs, type ClusterProperties } from './settings.js';

/** The cluster's view of a node. Isolated: removed from active membership, still hosting its VMs. */
export type MembershipState = 'Up' | 'Joining' | 'Isolated' | 'Down';

/** What follows from membership changes elsewhere in the cluster (storage access, the VMs). */
export interface MembershipHooks {
  /** The node left active membership: it loses CSV access. */
  removed(node: string): void;
  /** The node is Isolated: its VMs are no longer monitored (reported by `by`, a surviving member). */
  isolated(node: string, by: string): void;
  /** The node is Down: its VMs fail over. */
  down(node: string): void;
  /** The node started to join; it was Isolated or Down before. */
  joining(node: string): void;
  /** The node is an active member again. */
  joined(node: string): void;
}

export interface MembershipDeps {
  clock: SimClock;
  properties: ClusterProperties;
  defects: Defects;
  log: EventLog;
  heartbeats: Heartbeats;
  clussvcRunning(node: string): boolean;
  joinRngs: ReadonlyMap<string, Rng>;
  hooks: MembershipHooks;
}

/**
 * Active membership under VM Compute Resiliency (Windows Server 2016+). The surviving members remove a
 * node whose heartbeats stopped; an ungraceful removal isolates it for ResiliencyDefaultPeriod, after which
 * it is declared Down; a node whose clussvc runs again joins (Joining, then Up).
 */
export class Membership {
  private readonly states = new Map<string, MembershipState>();
  private readonly resiliencyTimers = new Map<string, Timer>();
  private readonly joins = new Map<string, Timer>();

  constructor(
    private readonly nodes: readonly string[],
    private readonly d: MembershipDeps,
  ) {
    for (const node of nodes) this.states.set(node, 'Up');
  }

  stateOf(node: string): MembershipState {
    return this.states.get(node)!;
  }

  /** Get-ClusterNode: an Isolated node shows Down with the Isolated flag (its State is undocumented, §1.3). */
  observe(node: string): NodeObservation {
    const state = this.stateOf(node);
    if (state === 'Isolated') return { State: 'Down', StatusInformation: ['Isolated'] };
    return { State: state, StatusInformation: [] };
  }

  /** An active member: Up, with clussvc running (it sends heartbeats and can host roles). */
  isActive(node: string): boolean {
    return this.stateOf(node) === 'Up' && this.d.clussvcRunning(node);
  }

  private activeMembers(except: string): string[] {
    return this.nodes.filter((n) => n !== except && this.isActive(n));
  }

  /** `receiver` counted SameSubnetThreshold missed heartbeats from `sender` [ITPRO-HB]. */
  heartbeatsMissed(receiver: string, sender: string): void {
    if (!this.isActive(receiver) || this.stateOf(sender) !== 'Up' || this.d.clussvcRunning(sender)) return;
    this.remove(sender, receiver);
  }

  clussvcStopped(node: string): void {
    this.d.heartbeats.stopped(node, this.activeMembers(node));
    if (this.stateOf(node) === 'Joining') {
      // The join is a live conversation with the members: it breaks off at once, an ungraceful exit.
      this.joins.get(node)?.cancel();
      this.remove(node, this.activeMembers(node)[0] ?? node);
    }
  }

  clussvcStarted(node: string): void {
    this.d.heartbeats.started(node);
    const members = this.activeMembers(node);
    // The members still count the old incarnation in: its join makes them drop that one first.
    if (this.stateOf(node) === 'Up') this.remove(node, members[0] ?? node);
    if (members.length === 0) {
      // Nobody is left to notice: the node forming the cluster drops members whose service is gone.
      for (const other of this.nodes) {
        if (other !== node && this.stateOf(other) === 'Up' && !this.d.clussvcRunning(other)) this.remove(other, node);
      }
    }
    this.beginJoin(node);
  }

  private remove(node: string, by: string): void {
    this.d.heartbeats.forget(node);
    this.d.log.nodeRemoved(by, node);
    // ResiliencyDefaultPeriod = 0 turns isolation off: pre-2016 behaviour, straight to Down [SR-FAQ], [MSDN-RDP]
    const isolate = this.d.properties.ResiliencyDefaultPeriod > 0 && !this.d.defects.has('no-isolation');
    if (isolate) this.isolate(node, by);
    else this.declareDown(node);
    this.d.hooks.removed(node);
  }

  private isolate(node: string, by: string): void {
    this.states.set(node, 'Isolated');
    this.d.log.nodeIsolated(node);
    // Not back within ResiliencyDefaultPeriod: declared Down, its VMs fail over [MSDN-RDP], [ITPRO-RES]
    const periodMs = this.d.properties.ResiliencyDefaultPeriod * 1000;
    this.resiliencyTimers.set(node, this.d.clock.after(periodMs, () => this.declareDown(node)));
    this.d.hooks.isolated(node, by);
  }

  private declareDown(node: string): void {
    this.cancelResiliencyTimer(node);
    this.states.set(node, 'Down');
    this.d.hooks.down(node);
  }

  private beginJoin(node: string): void {
    if (this.stateOf(node) === 'Isolated') {
      // Back within the period: the node leaves the isolated state (1680) [EVT]
      this.cancelResiliencyTimer(node);
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
      if (other !== node && this.stateOf(other) === 'Up' && !this.d.clussvcRunning(other)) this.d.heartbeats.watch(node, other);
    }
    this.d.hooks.joined(node);
  }

  private cancelResiliencyTimer(node: string): void {
    this.resiliencyTimers.get(node)?.cancel();
    this.resiliencyTimers.delete(node);
  }
}
