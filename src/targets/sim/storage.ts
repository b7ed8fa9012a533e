import type { StorageDescription } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { EventLog } from './eventlog.js';

/**
 * The shared volumes and each node's path to them: Cluster Shared Volumes (block storage reached over iSCSI, FC,
 * SAS) and SMB 3 shares (reached over SMB from a file server). Two faults act here:
 *
 * - the storage itself is lost for every node (`fail(volume)`): no node can reach it; on a CSV each node logs 5157
 *   (paused, an infrastructure failure such as lost connectivity to storage) and 5142 (no longer accessible) [EVT];
 * - one node loses its path (`fail(volume, node)`). A CSV stays reachable from that node in *redirected access*
 *   while another node still has a path: its I/O goes over the network to the node that owns (coordinates) the
 *   volume, and it logs 5121 (no longer directly accessible, I/O redirected) [EVT], [CSV-REDIR]. Only when no
 *   node has a path is the CSV lost as above. An SMB share has no coordinator: the node that lost its path to the
 *   file server has lost the share.
 *
 * Losses heal by themselves after `healAfterMs` (on a real node: the scheduled task that removes the firewall
 * rules) or at once with `restore`. Whether a VM's owner can reach its volume is `reachable`; `changed` is called
 * after every change so the VMs can react. The CSV access a node loses with its membership (csv.ts) is separate.
 * Simplification: the coordinator is any node with a path, whatever its membership.
 */
export class SharedStorage {
  private readonly volumes: ReadonlyMap<string, StorageDescription>;
  private readonly lost = new Map<string, Timer | undefined>();
  /** volume → node → its heal timer: the nodes that lost their path to the volume. */
  private readonly paths = new Map<string, Map<string, Timer | undefined>>();
  /** CSVs each node is in redirected access for (logged once per episode). */
  private readonly redirectedNow = new Set<string>();
  /** CSVs lost for every node (logged once per episode). */
  private readonly unreachableNow = new Set<string>();

  constructor(
    private readonly d: {
      clock: SimClock;
      log: EventLog;
      nodes: readonly string[];
      volumes: readonly StorageDescription[];
      changed: () => void;
    },
  ) {
    this.volumes = new Map(d.volumes.map((v) => [v.name, v] as const));
  }

  has(volume: string): boolean {
    return this.volumes.has(volume);
  }

  names(): string[] {
    return [...this.volumes.keys()];
  }

  /**
   * Lose the volume for every node, or (`node`) that node's path to it; it heals after `healAfterMs` (absent: when
   * restored, as the rehearsal lab does once the firewall rules that cut it are gone).
   */
  fail(volume: string, node: string | undefined, healAfterMs?: number): void {
    this.volume(volume);
    const heal = healAfterMs === undefined ? undefined : this.d.clock.after(healAfterMs, () => this.restore(volume, node));
    if (node === undefined) {
      this.lost.get(volume)?.cancel();
      this.lost.set(volume, heal);
    } else {
      let nodes = this.paths.get(volume);
      if (!nodes) this.paths.set(volume, (nodes = new Map()));
      nodes.get(node)?.cancel();
      nodes.set(node, heal);
    }
    this.update();
  }

  /** Give the volume back (to every node, or to `node`): idempotent. */
  restore(volume: string, node?: string): void {
    this.volume(volume);
    if (node === undefined) {
      this.lost.get(volume)?.cancel();
      this.lost.delete(volume);
    } else {
      this.paths.get(volume)?.get(node)?.cancel();
      this.paths.get(volume)?.delete(node);
    }
    this.update();
  }

  /** Whether `node` can do I/O to the volume (directly or, on a CSV, redirected through the coordinator). */
  reachable(volume: string, node: string): boolean {
    const v = this.volumes.get(volume);
    if (!v || this.lost.has(volume)) return !v;
    if (!this.pathLost(volume, node)) return true;
    // A CSV: the node's I/O is redirected over the network to a node that still has a path [EVT] 5121
    return v.kind === 'csv' && this.d.nodes.some((n) => !this.pathLost(volume, n));
  }

  /** Whether the node reaches the CSV only through another node (redirected access). */
  redirected(volume: string, node: string): boolean {
    return this.volumes.get(volume)?.kind === 'csv' && this.pathLost(volume, node) && this.reachable(volume, node);
  }

  private pathLost(volume: string, node: string): boolean {
    return this.paths.get(volume)?.has(node) === true;
  }

  private volume(name: string): StorageDescription {
    const v = this.volumes.get(name);
    if (!v) throw new Error(`no volume ${JSON.stringify(name)} in the cluster's storage (volumes: ${this.names().join(', ') || 'none'})`);
    return v;
  }

  /** Log what changed for each CSV and node, then let the VMs react. */
  private update(): void {
    for (const v of this.volumes.values()) {
      if (v.kind !== 'csv') continue;
      const unreachable = this.d.nodes.every((n) => !this.reachable(v.name, n));
      if (unreachable && !this.unreachableNow.has(v.name)) {
        this.unreachableNow.add(v.name);
        for (const n of this.d.nodes) {
          this.d.log.csvPausedInfrastructure(n, v.name);
          this.d.log.csvNoAccess(n, v.name);
        }
      } else if (!unreachable) this.unreachableNow.delete(v.name);
      for (const n of this.d.nodes) {
        const key = `${v.name}\u0000${n}`;
        if (this.redirected(v.name, n)) {
          if (!this.redirectedNow.has(key)) {
            this.redirectedNow.add(key);
            this.d.log.csvRedirected(n, v.name);
          }
        } else this.redirectedNow.delete(key);
      }
    }
    this.d.changed();
  }
}

/** What a VM needs to react to its volume (src/targets/sim/vm.ts). */
interface StorageVm {
  readonly name: string;
  readonly owner: string;
  readonly hosted: boolean;
  readonly criticallyOff: boolean;
  storageLost(): void;
  storageRestored(): void;
  startOn(node: string, online: () => void): void;
}

/**
 * Let every VM react to whether its owner can reach its volume (`reachable`): a VM whose owner cannot meets storage
 * resiliency (ClusteredVm.storageLost), one whose owner reaches it again resumes; a VM powered off by its critical
 * error action is brought online again on its owner once its storage is back (our reading: its group failed
 * when Hyper-V turned it off, and the cluster restarts a failed VM resource when it can [EVT] 1201).
 */
export function applyStorage(vms: readonly StorageVm[], reachable: (vm: StorageVm) => boolean, online: (node: string, vm: string) => void): void {
  for (const vm of vms) {
    if (vm.criticallyOff) {
      if (reachable(vm)) vm.startOn(vm.owner, () => online(vm.owner, vm.name));
      continue;
    }
    if (!vm.hosted) continue;
    if (reachable(vm)) vm.storageRestored();
    else vm.storageLost();
  }
}
