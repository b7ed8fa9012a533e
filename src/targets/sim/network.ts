import type { ClusterNetworkDescription } from '../../trace/records.js';
import { carriesHeartbeats, liveMigrationOrder } from '../../trace/networks.js';
import { OperationError } from '../target.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';

export interface NetworkHooks {
  /** Heartbeats no longer pass between `node` and these peers (every network that carried them is cut). */
  cut(node: string, peers: readonly string[]): void;
  /** These links (node, peer) carry heartbeats again. */
  healed(node: string, peers: readonly string[]): void;
  /** These networks were just cut between `node` and `peers` (whether or not heartbeats still pass elsewhere). */
  networksLost?(node: string, peers: readonly string[], networks: readonly string[]): void;
}

interface Cut {
  /** Per cluster network, the peers it is cut from on it (every network when the fault named none). */
  readonly links: ReadonlyMap<string, ReadonlySet<string>>;
  /** The dead-man timer of isolateNetwork's cut; none for a cut held by the node's firewall (`set`). */
  readonly timer?: Timer;
}

/** The peers a cut covers on some network. */
function peersIn(cut: Cut | undefined): string[] {
  const all = new Set<string>();
  for (const peers of cut?.links.values() ?? []) for (const p of peers) all.add(p);
  return [...all];
}

/**
 * The cluster networks between nodes (src/trace/networks.ts), and the cuts isolateNetwork makes in them: a cut
 * between a node and some peers (default: every other node) on some cluster networks (default: all), both
 * directions. Heartbeats (UDP 3343) and joins pass between two nodes while any network that carries them
 * (Role ClusterOnly or ClusterAndClient) is not cut between them [NET-ROLE], [NETFT]: a cut of every such network
 * cuts the nodes off [NETQOS-DOC], [CSFS-TSG]; one of several costs nothing but that network. A live migration's
 * connection goes over the first network of the preference order not cut between its hosts [MIGNETORDER]. A cut
 * heals by itself after healAfterMs (the node-side dead-man timer: a scheduled task that removes the firewall
 * rules, facts §3.4), or at once with restore. The storage network is not cut: SMB shares stay reachable.
 */
export class ClusterNetwork {
  private readonly cuts = new Map<string, Cut>();
  private readonly networks: readonly ClusterNetworkDescription[];

  constructor(
    private readonly clock: SimClock,
    private readonly nodes: readonly string[],
    private readonly hooks: NetworkHooks,
    networks: readonly ClusterNetworkDescription[] = [{ name: 'Cluster Network 1', role: 'ClusterAndClient', liveMigration: 1 }],
    private readonly defects?: Defects,
  ) {
    this.networks = networks;
  }

  /** Whether `network` is up between `a` and `b` (no cut of either covers the other on it). */
  linkUp(a: string, b: string, network: string): boolean {
    const covers = (x: string, y: string) => this.cuts.get(x)?.links.get(network)?.has(y) ?? false;
    return !covers(a, b) && !covers(b, a);
  }

  /** Whether heartbeats and joins pass between `a` and `b`: some network that carries them is up between them. */
  connected(a: string, b: string): boolean {
    // Defect one-network-isolates: a cut of any one network silences the heartbeats, as if it were the only one
    if (this.defects?.has('one-network-isolates') && this.networks.some((n) => !this.linkUp(a, b, n.name))) return false;
    return this.networks.some((n) => carriesHeartbeats(n) && this.linkUp(a, b, n.name));
  }

  /**
   * The network a live migration between `a` and `b` sets its connection up over: the first of the preference
   * order that is up between them [MIGNETORDER]; undefined when none is.
   */
  migrationNetwork(a: string, b: string): string | undefined {
    const order = liveMigrationOrder({ networks: [...this.networks] });
    // Defect lm-network-no-fallback: the first network of the order, up or not
    if (this.defects?.has('lm-network-no-fallback')) return order[0]?.name;
    return order.find((n) => this.linkUp(a, b, n.name))?.name;
  }

  /** The cluster's network names, for messages. */
  networkNames(): string[] {
    return this.networks.map((n) => n.name);
  }

  /** Whether `node`'s own cut (isolateNetwork on it) separates it from `peer`. */
  cutsOff(node: string, peer: string): boolean {
    return peersIn(this.cuts.get(node)).includes(peer) && !this.connected(node, peer);
  }

  /** Whether `node` has a cut of its own that separates it from some node but spares another: an asymmetric partition. */
  isPartial(node: string): boolean {
    const others = this.nodes.filter((n) => n !== node);
    const off = others.filter((p) => this.cutsOff(node, p));
    return off.length > 0 && off.length < others.length;
  }

  /** The peers `node`'s own cut separates it from (empty when it has none, or it spares the heartbeats). */
  peersOf(node: string): string[] {
    return peersIn(this.cuts.get(node)).filter((p) => this.cutsOff(node, p));
  }

  /**
   * isolateNetwork: cut `node` off from `peers` (default: every other node) on `networks` (default: every cluster
   * network) until healAfterMs have passed.
   */
  cut(node: string, peers: readonly string[] | undefined, healAfterMs: number, networks?: readonly string[]): void {
    const others = this.nodes.filter((n) => n !== node);
    const chosen = peers ?? others;
    if (this.cuts.has(node)) {
      throw new OperationError(`${node} is already cut off from ${peersIn(this.cuts.get(node)).join(', ')}; restore its network first`);
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
    const names = this.networkNames();
    for (const n of networks ?? []) {
      if (!names.includes(n)) throw new OperationError(`no cluster network ${n} (networks: ${names.join(', ')}); name a network of cluster.networks`);
    }
    if (!(Number.isFinite(healAfterMs) && healAfterMs >= 0)) {
      throw new OperationError(`healAfterMs must be a finite number of milliseconds ≥ 0, got ${healAfterMs}`);
    }
    // The dead-man timer: the cut heals by itself even if nobody calls restore
    const timer = this.clock.after(healAfterMs, () => this.restore(node));
    this.change(node, { links: new Map((networks ?? names).map((n) => [n, new Set(chosen)] as const)), timer });
  }

  /**
   * The rehearsal lab's firewall: `node`'s own cut is now exactly `peers` on `networks` (default every network;
   * no peers: no cut), with no dead-man timer of its own (the node's scheduled task removes the rules). Links that
   * this change cuts are cut, links it frees and no other cut covers heal, in one step: peers that stay cut see no
   * heal in between.
   */
  set(node: string, peers: readonly string[], networks?: readonly string[]): void {
    this.setLinks(node, new Map((networks ?? this.networkNames()).map((n) => [n, peers] as const)));
  }

  /** The rehearsal lab's firewall, network by network: `node` is cut from these peers on each network, no more. */
  setLinks(node: string, links: ReadonlyMap<string, readonly string[]>): void {
    const names = this.networkNames();
    for (const [network, peers] of links) {
      if (!names.includes(network)) throw new OperationError(`no cluster network ${network} (networks: ${names.join(', ')})`);
      for (const peer of peers) {
        if (peer === node || !this.nodes.includes(peer)) throw new OperationError(`${peer} is not another node of the cluster (nodes: ${this.nodes.join(', ')})`);
      }
    }
    this.cuts.get(node)?.timer?.cancel();
    const kept = new Map([...links].filter(([, peers]) => peers.length).map(([n, peers]) => [n, new Set(peers)] as const));
    this.change(node, kept.size ? { links: kept } : undefined);
  }

  /** restoreNetwork: heal `node`'s own cut now; nothing to do if it has none. */
  restore(node: string): void {
    const cut = this.cuts.get(node);
    if (!cut) return;
    cut.timer?.cancel();
    this.change(node, undefined);
  }

  /** Replace `node`'s own cut, telling the hooks what changed: heartbeats cut or healed, networks lost. */
  private change(node: string, cut: Cut | undefined): void {
    const others = this.nodes.filter((n) => n !== node);
    const wasConnected = new Map(others.map((p) => [p, this.connected(node, p)] as const));
    const wasUp = new Map(others.map((p) => [p, this.networks.filter((n) => this.linkUp(node, p, n.name)).map((n) => n.name)] as const));
    if (cut) this.cuts.set(node, cut);
    else this.cuts.delete(node);
    const newlyCut = others.filter((p) => wasConnected.get(p) && !this.connected(node, p));
    const healed = others.filter((p) => !wasConnected.get(p) && this.connected(node, p));
    const lost = new Map<string, string[]>();
    for (const p of others) {
      const gone = wasUp.get(p)!.filter((n) => !this.linkUp(node, p, n));
      if (gone.length) lost.set(gone.join('\u0000'), [...(lost.get(gone.join('\u0000')) ?? []), p]);
    }
    if (newlyCut.length) this.hooks.cut(node, newlyCut);
    if (healed.length) this.hooks.healed(node, healed);
    for (const [key, peers] of lost) this.hooks.networksLost?.(node, peers, key.split('\u0000'));
  }
}
