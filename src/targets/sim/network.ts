import { OperationError } from '../target.js';
import type { SimClock, Timer } from './clock.js';

export interface NetworkHooks {
  /** These links (node, peer) were just cut, both directions. */
  cut(node: string, peers: readonly string[]): void;
  /** These links (node, peer) carry heartbeats again. */
  healed(node: string, peers: readonly string[]): void;
}

interface Cut {
  readonly peers: ReadonlySet<string>;
  /** The dead-man timer of isolateNetwork's cut; none for a cut held by the node's firewall (`set`). */
  readonly timer?: Timer;
}

/**
 * The cluster networks between nodes, and the cuts isolateNetwork makes in them: a cut between a node and
 * some peers (default: every other node) on all cluster networks, both directions, so heartbeats (UDP 3343)
 * and joins between them fail [NETQOS-DOC], [CSFS-TSG]. A link is down while any cut covers it. A cut heals
 * by itself after healAfterMs (the node-side dead-man timer: a scheduled task that removes the firewall
 * rules, facts §3.4), or at once with restore. The storage network is not cut: SMB shares stay reachable.
 */
export class ClusterNetwork {
  private readonly cuts = new Map<string, Cut>();

  constructor(
    private readonly clock: SimClock,
    private readonly nodes: readonly string[],
    private readonly hooks: NetworkHooks,
  ) {}

  /** Whether heartbeats and joins pass between `a` and `b`. */
  connected(a: string, b: string): boolean {
    return !this.cuts.get(a)?.peers.has(b) && !this.cuts.get(b)?.peers.has(a);
  }

  /** Whether `node`'s own cut (isolateNetwork on it) separates it from `peer`. */
  cutsOff(node: string, peer: string): boolean {
    return this.cuts.get(node)?.peers.has(peer) ?? false;
  }

  /** Whether `node` has a cut of its own that spares some node: an asymmetric partition. */
  isPartial(node: string): boolean {
    const cut = this.cuts.get(node);
    return cut !== undefined && cut.peers.size < this.nodes.length - 1;
  }

  /** The peers of `node`'s own cut (empty when it has none). */
  peersOf(node: string): string[] {
    return [...(this.cuts.get(node)?.peers ?? [])];
  }

  /** isolateNetwork: cut `node` off from `peers` (default: every other node) until healAfterMs have passed. */
  cut(node: string, peers: readonly string[] | undefined, healAfterMs: number): void {
    const others = this.nodes.filter((n) => n !== node);
    const chosen = peers ?? others;
    if (this.cuts.has(node)) {
      throw new OperationError(`${node} is already cut off from ${this.peersOf(node).join(', ')}; restore its network first`);
    }
    if (!chosen.length) {
      throw new OperationError(peers ? `the peer list for ${node} is empty; name at least one node, or leave peers out to cut it off from every other node` : `${node} has no other node to be cut off from`);
    }
    for (const peer of chosen) {
      if (peer === node) throw new OperationError(`${node} cannot be cut off from itself; name other nodes as peers`);
      if (!others.includes(peer)) throw new OperationError(`no node ${peer} in the cluster (nodes: ${this.nodes.join(', ')}); peers must be nodes of the cluster`);
    }
    const twice = chosen.find((p, i) => chosen.indexOf(p) !== i);
    if (twice !== undefined) throw new OperationError(`peer ${twice} is listed twice for ${node}; list each peer once`);
    if (!(Number.isFinite(healAfterMs) && healAfterMs >= 0)) {
      throw new OperationError(`healAfterMs must be a finite number of milliseconds ≥ 0, got ${healAfterMs}`);
    }
    const newlyCut = chosen.filter((p) => this.connected(node, p));
    // The dead-man timer: the cut heals by itself even if nobody calls restore
    const timer = this.clock.after(healAfterMs, () => this.restore(node));
    this.cuts.set(node, { peers: new Set(chosen), timer });
    if (newlyCut.length) this.hooks.cut(node, newlyCut);
  }

  /**
   * The rehearsal lab's firewall: `node`'s own cut is now exactly `peers` (none: no cut), with no dead-man
   * timer of its own (the node's scheduled task removes the rules). Links that this change cuts are cut,
   * links it frees and no other cut covers heal, in one step: peers that stay cut see no heal in between.
   */
  set(node: string, peers: readonly string[]): void {
    for (const peer of peers) {
      if (peer === node || !this.nodes.includes(peer)) throw new OperationError(`${peer} is not another node of the cluster (nodes: ${this.nodes.join(', ')})`);
    }
    const before = this.cuts.get(node);
    const others = this.nodes.filter((n) => n !== node);
    const wasConnected = new Map(others.map((p) => [p, this.connected(node, p)] as const));
    before?.timer?.cancel();
    if (peers.length) this.cuts.set(node, { peers: new Set(peers) });
    else this.cuts.delete(node);
    const newlyCut = others.filter((p) => wasConnected.get(p) && !this.connected(node, p));
    const healed = others.filter((p) => !wasConnected.get(p) && this.connected(node, p));
    if (newlyCut.length) this.hooks.cut(node, newlyCut);
    if (healed.length) this.hooks.healed(node, healed);
  }

  /** restoreNetwork: heal `node`'s own cut now; nothing to do if it has none. */
  restore(node: string): void {
    const cut = this.cuts.get(node);
    if (!cut) return;
    cut.timer?.cancel();
    this.cuts.delete(node);
    const healed = [...cut.peers].filter((p) => this.connected(node, p));
    if (healed.length) this.hooks.healed(node, healed);
  }
}
