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
 * notices a silent node be computed when the node falls silent: its last heartbeat went out at its last
 * tick, and the peer notices at its first tick after SameSubnetThreshold further heartbeats were due.
 */
export class Heartbeats {
  private readonly anchors = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();
  private readonly watches = new Map<string, Timer[]>();

  constructor(
    private readonly clock: SimClock,
    private readonly properties: ClusterProperties,
    private readonly rngs: ReadonlyMap<string, Rng>,
    private readonly thresholdMissed: (receiver: string, sender: string) => void,
  ) {}

  /** A new clussvc incarnation on `node` starts ticking, with a phase of its own. */
  started(node: string): void {
    const delay = this.properties.SameSubnetDelay;
    this.anchors.set(node, this.clock.now() + this.rngs.get(node)!.int(0, delay - 1));
    this.lastSent.delete(node);
  }

  /** clussvc on `node` died: its heartbeats stop; each receiver will notice on its own tick. */
  stopped(node: string, receivers: readonly string[]): void {
    const delay = this.properties.SameSubnetDelay;
    const anchor = this.anchors.get(node)!;
    this.lastSent.set(node, anchor + Math.floor((this.clock.now() - anchor) / delay) * delay);
    for (const receiver of receivers) this.watch(receiver, node);
  }

  /** Have `receiver` count the heartbeats `sender` (silent) misses, and report it at the threshold. */
  watch(receiver: string, sender: string): void {
    const last = this.lastSent.get(sender);
    const anchor = this.anchors.get(receiver);
    if (last === undefined || anchor === undefined) return;
    const delay = this.properties.SameSubnetDelay;
    // SameSubnetThreshold consecutive heartbeats, SameSubnetDelay apart, missed [ITPRO-HB]
    const lastDue = last + this.properties.SameSubnetThreshold * delay;
    const noticedAt = Math.max(this.clock.now(), anchor + (Math.floor((lastDue - anchor) / delay) + 1) * delay);
    const timer = this.clock.at(noticedAt, () => this.thresholdMissed(receiver, sender));
    const list = this.watches.get(sender);
    if (list) list.push(timer);
    else this.watches.set(sender, [timer]);
  }

  /** `sender` left membership: nobody counts its heartbeats any more. */
  forget(sender: string): void {
    for (const timer of this.watches.get(sender) ?? []) timer.cancel();
    this.watches.delete(sender);
  }
}
