import type { LiveMigrationTransport, LiveMigrationValue } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { LiveMigration, LiveMigrationEngine, MigrationEnd } from './migration.js';
import { byPriority, describeNoRoom, type Placement } from './placement.js';
import type { ClusteredVm } from './vm.js';

export interface DrainDeps {
  clock: SimClock;
  nodes: readonly string[];
  vms: readonly ClusteredVm[];
  engine: LiveMigrationEngine;
  defects: Defects;
  /** Up with clussvc running: may receive a VM. */
  canHost(node: string): boolean;
  /** Take the VM offline and restart it elsewhere (what a failover does). */
  failOver(vm: ClusteredVm): void;
  /** Where a drained VM goes: preferred owners, anti-affinity, host memory (placement.ts). */
  placement: Placement;
}

export interface DrainOptions {
  /**
   * When no node can take a VM: wait until one joins (Stop-ClusterNode, quarantine), or fail the drain
   * (Suspend-ClusterNode -Drain, which reports the drain as failed).
   */
  waitForTarget: boolean;
  /** The moves use this transport instead of the cluster's (Suspend-ClusterNode after Set-VMHost on every node). */
  transport?: LiveMigrationTransport;
  /** Every VM moved (runs in virtual time, never synchronously). */
  done?(migrations: LiveMigrationValue[]): void;
  /** A migration failed, no node could take a VM, or the drain was told to fail (a timeout). */
  failed?(reason: string, migrations: LiveMigrationValue[]): void;
}

interface Drain {
  readonly node: string;
  readonly options: DrainOptions;
  /** VMs still to be requested, High priority first (then in cluster-description order). */
  readonly pending: ClusteredVm[];
  /** VMs no node had memory for (a Suspend-ClusterNode -Drain goes on with the others, then fails): why. */
  readonly unplaced: string[];
  readonly inFlight: Map<ClusteredVm, LiveMigration>;
  /** Every migration that ended (completed or failed), in the order they ended. */
  readonly migrations: LiveMigrationValue[];
  readonly moved: ClusteredVm[];
  finishing?: Timer;
  over: boolean;
}

/**
 * Draining a node by live migration (quarantine [SAVILL-479], [PETRI]; Stop-ClusterNode, lab-observations §1;
 * Suspend-ClusterNode -Drain [PSDOC-SUSP]), and failback on Resume-ClusterNode -Failback [PSDOC-RESUME].
 * The node's VMs are requested from the migration engine High priority first (then in cluster-description
 * order), each to the node placement picks (placement.ts: a preferred owner first, then the fewest VMs, counting
 * those already on their way to it; never where its memory does not fit, anti-affined nodes last), never back
 * to the source; the engine's limits decide how many move at once. A migration whose target left fails and
 * the VM is placed again; any other failed migration fails the drain (1677 on a paused node). A VM no node has
 * memory for stays where it is: a Suspend-ClusterNode -Drain moves the others, then fails saying why.
 */
export class NodeDrains {
  private readonly drains = new Map<string, Drain>();
  /** The VMs each node's last drain moved away: what failback brings back. */
  private readonly moved = new Map<string, ClusteredVm[]>();

  constructor(private readonly d: DrainDeps) {}

  /** The VMs `node` hosts (online or coming online there). */
  hostedBy(node: string): ClusteredVm[] {
    return this.d.vms.filter((vm) => vm.owner === node && vm.hosted);
  }

  isDraining(node: string): boolean {
    return this.drains.has(node);
  }

  /** Move every VM hosted by `node` away. */
  drain(node: string, options: DrainOptions): void {
    this.fail(node, 'a new drain of the node replaced it');
    // The node's roles are sorted by Priority and moved in that order [MSBLOG-DRAIN]
    const vms = byPriority(this.d.vms.filter((vm) => vm.owner === node && vm.hosted));
    // Defect failover-instead-of-drain: the VMs go Off and start elsewhere (they then leave the queue below)
    if (this.d.defects.has('failover-instead-of-drain')) for (const vm of vms) this.d.failOver(vm);
    const drain: Drain = { node, options, pending: vms, unplaced: [], inFlight: new Map(), migrations: [], moved: [], over: false };
    this.drains.set(node, drain);
    this.moved.set(node, drain.moved);
    this.pump(drain);
  }

  /**
   * End the drain of `node` as failed (`failed` runs): it was abandoned (clussvc stopped, the node joined
   * again, Resume-ClusterNode) or timed out. VMs not yet requested stay; migrations that can still be
   * cancelled are (their VMs stay on the source); those past the blackout complete.
   */
  fail(node: string, reason: string): void {
    const drain = this.drains.get(node);
    if (drain) this.finish(drain, reason);
  }

  /** The cluster stopped (quorum lost): every drain fails where it is. */
  failAll(reason: string): void {
    for (const drain of [...this.drains.values()]) this.finish(drain, reason);
  }

  /** A node joined: drains waiting for a target try again. */
  retry(): void {
    for (const drain of [...this.drains.values()]) this.pump(drain);
  }

  /** The VMs the last drain of `node` moved away that are online elsewhere now, in the order they moved. */
  movedAway(node: string): ClusteredVm[] {
    return (this.moved.get(node) ?? []).filter((vm) => vm.owner !== node && vm.hosted);
  }

  private pump(drain: Drain): void {
    if (drain.over || drain.finishing) return;
    const { node } = drain;
    while (drain.pending.length) {
      const vm = drain.pending[0];
      // Failed over, moved by other means, or already on its way somewhere meanwhile
      if (vm.owner !== node || !vm.hosted || vm.migratingTo !== undefined) {
        drain.pending.shift();
        continue;
      }
      const target = this.d.placement.forDrain(vm, node);
      if (!target) {
        if (drain.options.waitForTarget) break;
        // Memory-aware placement [MSBLOG-DRAIN]: a VM no Up node has memory for stays; the drain moves the
        // others, then fails (DrainStatus Failed, 1677) with the VM still on the paused node [ASKCOREJP-CAU]
        const noRoom = this.d.placement.noRoom(vm, node);
        if (!noRoom) return this.finish(drain, `no node can take ${vm.name}`);
        drain.unplaced.push(describeNoRoom(noRoom));
        drain.pending.shift();
        continue;
      }
      drain.pending.shift();
      drain.inFlight.set(vm, this.d.engine.request(vm, target, (end) => this.ended(drain, vm, end), drain.options.transport));
      if (drain.over) return;
    }
    if (!drain.pending.length && !drain.inFlight.size) {
      const failure = drain.unplaced.length ? drain.unplaced.join('; ') : undefined;
      drain.finishing = this.d.clock.after(0, () => this.finish(drain, failure));
    }
  }

  private ended(drain: Drain, vm: ClusteredVm, end: MigrationEnd): void {
    drain.inFlight.delete(vm);
    if (drain.over) return;
    if (end.outcome !== 'cancelled') drain.migrations.push(end.value);
    if (end.outcome === 'completed') drain.moved.push(vm);
    else if (end.outcome === 'failed' && end.retry) drain.pending.unshift(vm); // the target left: place it again
    else if (end.outcome === 'failed') return this.finish(drain, `the live migration of ${vm.name} failed: ${end.reason}`);
    this.pump(drain);
  }

  /** The drain is over: done, or failed with `failure`. */
  private finish(drain: Drain, failure?: string): void {
    if (drain.over) return;
    drain.over = true;
    drain.finishing?.cancel();
    if (this.drains.get(drain.node) === drain) this.drains.delete(drain.node);
    for (const m of [...drain.inFlight.values()]) this.d.engine.cancel(m, failure ?? 'the drain completed');
    if (failure === undefined) drain.options.done?.(drain.migrations);
    else drain.options.failed?.(failure, drain.migrations);
  }
}
