import type { Defects } from './defects.js';

/**
 * Failover placement: among the nodes that can host a role (Up, clussvc running), the one hosting the
 * fewest VMs; ties go to the node listed first in the cluster description. Undefined when no node can.
 */
export function choosePlacement(
  nodes: readonly string[],
  canHost: (node: string) => boolean,
  hostedCount: (node: string) => number,
): string | undefined {
  let best: string | undefined;
  let bestCount = Infinity;
  for (const node of nodes) {
    if (!canHost(node)) continue;
    const count = hostedCount(node);
    if (count < bestCount) {
      best = node;
      bestCount = count;
    }
  }
  return best;
}

/** A VM as placement counts it: hosted by its owner, or on its way to another node by live migration. */
export interface PlacedVm {
  readonly owner: string;
  readonly hosted: boolean;
  readonly migratingTo: string | undefined;
}

/** How many VMs count against `node`: those it hosts and those live-migrating to it. */
export function placementLoad(vms: readonly PlacedVm[], node: string): number {
  let count = 0;
  for (const vm of vms) if ((vm.owner === node && vm.hosted) || vm.migratingTo === node) count++;
  return count;
}

/** What placement needs to know of a VM beyond where it is: its size and its group's placement properties. */
export interface PlaceableVm extends PlacedVm {
  readonly name: string;
  readonly configuration: {
    readonly memoryGB: number;
    readonly priority?: string;
    readonly preferredOwners?: readonly string[];
    readonly antiAffinityClassNames?: readonly string[];
  };
}

export interface PlacementDeps {
  /** The cluster's nodes in Node ID order (the cluster description's order). */
  nodes: readonly string[];
  vms: readonly PlaceableVm[];
  /** cluster.hostMemoryGB: memory each host has for VMs; absent: memory is no limit. */
  hostMemoryGB?: number | Readonly<Record<string, number>>;
  /** Up with clussvc running and not paused: may take a role. */
  canHost(node: string): boolean;
  defects: Defects;
}

/** Group Priority values [MSDN-PRIO]: High 3000, Medium 2000 (the default), Low 1000, No Auto Start 0. */
const PRIORITY: Record<string, number> = { High: 3000, Medium: 2000, Low: 1000, NoAutoStart: 0 };

/** A group's Priority as its number; absent: Medium (2000), the documented default [MSDN-PRIO]. */
export function priorityOf(vm: PlaceableVm): number {
  return PRIORITY[vm.configuration.priority ?? 'Medium'] ?? 2000;
}

/** The groups in the order the cluster places and starts them: High first, then Medium, then Low, then the rest [MSDN-PRIO], [AFINN-12314]; stable. */
export function byPriority<T extends PlaceableVm>(vms: readonly T[]): T[] {
  return [...vms].sort((a, b) => priorityOf(b) - priorityOf(a));
}

/** Why no node took a VM: its size and each candidate's free memory (what a failed drain reports). */
export interface NoRoom {
  vm: string;
  memoryGB: number;
  /** Nodes that could host a role but lack memory for this VM, with their free GB. */
  free: { node: string; freeGB: number }[];
}

/**
 * Where the cluster puts a group: failover [KB-299631], [MSBLOG-PO] and drains [MSBLOG-DRAIN], with memory
 * [ASKCOREJP-CAU], anti-affinity [MSDN-AACN], [MSDN-CEAA] and Priority [MSDN-PRIO].
 *
 * - Only a node that can host roles and has memory free for the VM (its VMs and those on their way to it
 *   leave room for its memoryGB) can take it: a VM never starts or lands where it does not fit.
 * - Anti-affinity is soft (ClusterEnforcedAntiAffinity 0, the default [MSDN-CEAA]): a node hosting a group that
 *   shares an AntiAffinityClassNames value is passed over while another can take the VM; only when every
 *   candidate hosts one does the VM go there anyway [MSDN-AACN].
 * - Failover with preferred owners: the group's node list is its preferred owners in order, then the other
 *   nodes in Node ID order; it fails over to the next node after the failed one in that list that can take it,
 *   wrapping round [KB-299631], [MSBLOG-PO] ("If the group is on node 4 and fails, it will move to node 1, not
 *   node 3").
 * - A drain, a planned move without a target node, goes to the first preferred owner that can take it
 *   [MSBLOG-PO] ("it will always move to a node in the preferred owners list").
 * - Otherwise (no preferred owner can take it, or none set) the node hosting the fewest VMs; ties go to the node
 *   listed first.
 */
export class Placement {
  constructor(private readonly d: PlacementDeps) {}

  /** Defect placement-ignores-memory is on: memory plays no part in where VMs go. */
  get ignoresMemory(): boolean {
    return this.d.defects.has('placement-ignores-memory');
  }

  /** The memory `node` has for VMs in GB; Infinity when the description gives none. */
  capacityGB(node: string): number {
    const m = this.d.hostMemoryGB;
    if (m === undefined) return Infinity;
    return typeof m === 'number' ? m : (m[node] ?? Infinity);
  }

  /** GB in use on `node`: the VMs it hosts (online or starting) and those live-migrating to it. */
  usedGB(node: string): number {
    let used = 0;
    for (const vm of this.d.vms) if ((vm.owner === node && vm.hosted) || vm.migratingTo === node) used += vm.configuration.memoryGB;
    return used;
  }

  freeGB(node: string): number {
    return this.capacityGB(node) - this.usedGB(node);
  }

  private fits(vm: PlaceableVm, node: string, ignoreMemory = false): boolean {
    // Defect placement-ignores-memory: a VM is placed whatever memory its new node has left
    return ignoreMemory || this.d.defects.has('placement-ignores-memory') || vm.configuration.memoryGB <= this.freeGB(node);
  }

  /** Another group on `node` (hosted or arriving) shares one of the VM's AntiAffinityClassNames. */
  private antiAffined(vm: PlaceableVm, node: string): boolean {
    const mine = vm.configuration.antiAffinityClassNames ?? [];
    // Defect anti-affinity-ignored: AntiAffinityClassNames play no part in placement
    if (!mine.length || this.d.defects.has('anti-affinity-ignored')) return false;
    return this.d.vms.some(
      (o) =>
        o !== vm &&
        ((o.owner === node && o.hosted) || o.migratingTo === node) &&
        (o.configuration.antiAffinityClassNames ?? []).some((c) => mine.includes(c)),
    );
  }

  private preferred(vm: PlaceableVm): readonly string[] {
    // Defect preferred-owner-ignored: the group's preferred owners play no part in placement
    if (this.d.defects.has('preferred-owner-ignored')) return [];
    return (vm.configuration.preferredOwners ?? []).filter((n) => this.d.nodes.includes(n));
  }

  /** Candidates in order of preference, the anti-affined ones last (soft anti-affinity); the first is chosen. */
  private pick(vm: PlaceableVm, ordered: readonly string[], ignoreMemory = false): string | undefined {
    const able = ordered.filter((n) => this.d.canHost(n) && this.fits(vm, n, ignoreMemory));
    return able.find((n) => !this.antiAffined(vm, n)) ?? able[0];
  }

  /** The fewest-VMs order of today's rule (ties by node order), over `nodes`. */
  private byLoad(nodes: readonly string[]): string[] {
    const load = (n: string) => placementLoad(this.d.vms, n);
    return [...nodes].sort((a, b) => load(a) - load(b) || this.d.nodes.indexOf(a) - this.d.nodes.indexOf(b));
  }

  /**
   * Where a group that failed on `from` restarts; undefined when no node can take it. `ignoreMemory`: for a
   * group that moves but stays offline (No Auto Start), which takes no memory.
   */
  forFailover(vm: PlaceableVm, from: string, options: { ignoreMemory?: boolean } = {}): string | undefined {
    const ignore = options.ignoreMemory ?? false;
    const preferred = this.preferred(vm);
    if (!preferred.length) return this.pick(vm, this.byLoad(this.d.nodes), ignore);
    const list = [...preferred, ...this.d.nodes.filter((n) => !preferred.includes(n))];
    const at = list.indexOf(from);
    return this.pick(vm, [...list.slice(at + 1), ...list.slice(0, at + 1)], ignore);
  }

  /** Where a drain of `from` moves the VM; undefined when no other node can take it. */
  forDrain(vm: PlaceableVm, from: string): string | undefined {
    const preferred = this.preferred(vm).filter((n) => n !== from);
    const others = this.byLoad(this.d.nodes.filter((n) => n !== from && !preferred.includes(n)));
    // A preferred owner first (anti-affinity still soft among them), then the rest by load
    const able = (ns: readonly string[]) => ns.filter((n) => this.d.canHost(n) && this.fits(vm, n));
    const p = able(preferred);
    const o = able(others);
    return p.find((n) => !this.antiAffined(vm, n)) ?? o.find((n) => !this.antiAffined(vm, n)) ?? p[0] ?? o[0];
  }

  /** Why `vm` fits on no node but `from`: the nodes that could host it and what memory they have free. */
  noRoom(vm: PlaceableVm, from: string): NoRoom | undefined {
    const hosts = this.d.nodes.filter((n) => n !== from && this.d.canHost(n));
    if (!hosts.length || hosts.some((n) => this.fits(vm, n))) return undefined;
    return { vm: vm.name, memoryGB: vm.configuration.memoryGB, free: hosts.map((node) => ({ node, freeGB: this.freeGB(node) })) };
  }
}

/** "sql01 (64 GB) fits on no other node (free: N1 12 GB, N3 20 GB)". */
export function describeNoRoom(r: NoRoom): string {
  const gb = (n: number) => `${Math.round(n * 10) / 10} GB`;
  return `${r.vm} (${gb(r.memoryGB)}) fits on no other node (free: ${r.free.map((f) => `${f.node} ${gb(Math.max(0, f.freeGB))}`).join(', ')})`;
}
