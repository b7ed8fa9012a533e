import type { SimClock, Timer } from './clock.js';
import type { Rng } from './rng.js';
import type { ClusterProperties } from './settings.js';

/**
 * Cluster heartbeats [ITPRO-HB]. Every node whose clussvc runs ticks every SameSubnetDelay ms: on each
 * tick it sends a heartbeat to each peer and counts the consecutive heartbeats it has missed from each
 * peer; at SameSubnetThreshold missed heartbeats it reports that peer as unreachable.
 *
 * The ticks are not queued one by one: a node's ticks fall at anchor + k × SameSubnetDelay (the anchor is
 * drawn per clussvc incarnation, so phases differ between nodes and seeds), which lets the time a peer
 * notices a silence be computed when it begins: the last heartbeat that got through went out at the
 * sender's last tick, and the receiver notices at its first tick after SameSubnetThreshold further
 * heartbeats were due. A silence is per (receiver, sender): the sender's clussvc died, or a cut lies
 * between them; a heartbeat that gets through again (the cut healed) resets the count.
 */
export class Heartbeats {
  private readonly anchors = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();
  /** sender → receiver → when the receiver will report it. */
  private readonly watches = new Map<string, Map<string, Timer>>();

  constructor(
    private readonly clock: SimClock,
    private readonly properties: ClusterProperties,
    private readonly rngs: ReadonlyMap<string, Rng>,
    private readonly thresholdMissed: (receiver: string, sender: string) => void,
  ) {}

  /** A new clussvc incarnation on `node` starts ticking, with a phase of its own. */
  started(node: string): void {
    const delay = this.properties.get('SameSubnetDelay');
    this.anchors.set(node, this.clock.now() + this.rngs.get(node)!.int(0, delay - 1));
    this.lastSent.delete(node);
  }

  /** clussvc on `node` died: its heartbeats stop; each receiver will notice on its own tick. */
  stopped(node: string, receivers: readonly string[]): void {
    this.lastSent.set(node, this.lastBeat(node));
    for (const receiver of receivers) this.silence(receiver, node);
  }

  /** Have `receiver` count the heartbeats `sender` (silent since its clussvc died) misses. */
  watch(receiver: string, sender: string): void {
    if (this.lastSent.has(sender)) this.silence(receiver, sender);
  }

  /**
   * From now on nothing `sender` sends reaches `receiver`: report it at the threshold. A silence already
   * being counted keeps counting (it began earlier).
   */
  silence(receiver: string, sender: string): void {
    const anchor = this.anchors.get(receiver);
    if (anchor === undefined || this.watches.get(sender)?.has(receiver)) return;
    const delay = this.properties.get('SameSubnetDelay');
    // SameSubnetThreshold consecutive heartbeats, SameSubnetDelay apart, missed [ITPRO-HB]
    const lastDue = this.lastBeat(sender) + this.properties.get('SameSubnetThreshold') * delay;
    const noticedAt = Math.max(this.clock.now(), anchor + (Math.floor((lastDue - anchor) / delay) + 1) * delay);
    const timer = this.clock.at(noticedAt, () => {
      this.watches.get(sender)?.delete(receiver);
      this.thresholdMissed(receiver, sender);
    });
    const perReceiver = this.watches.get(sender) ?? new Map<string, Timer>();
    perReceiver.set(receiver, timer);
    this.watches.set(sender, perReceiver);
  }

  /** `receiver` hears `sender` again (a cut between them healed): its count of missed heartbeats resets. */
  heard(receiver: string, sender: string): void {
    this.watches.get(sender)?.get(receiver)?.cancel();
    this.watches.get(sender)?.delete(receiver);
  }

  /** `sender` left membership: nobody counts its heartbeats any more. */
  forget(sender: string): void {
    for (const timer of this.watches.get(sender)?.values() ?? []) timer.cancel();
    this.watches.delete(sender);
  }

  /** The last heartbeat `node` sent: its last tick so far, or its last before its clussvc died. */
  private lastBeat(node: string): number {
    const stopped = this.lastSent.get(node);
    if (stopped !== undefined) return stopped;
    const delay = this.properties.get('SameSubnetDelay');
    const anchor = this.anchors.get(node)!;
    return anchor + Math.floor((this.clock.now() - anchor) / delay) * delay;
  }
}
