import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import { choosePlacement, placementLoad } from './placement.js';
import type { Rng } from './rng.js';
import type { SimulatorSpec } from './settings.js';
import type { ClusteredVm } from './vm.js';

/** Simultaneous live migrations per host (MaximumVirtualMachineMigrations default) [LM-SETUP]. */
export const maximumVirtualMachineMigrations = 2;

export interface LiveMigrationDeps {
  clock: SimClock;
  nodes: readonly string[];
  vms: readonly ClusteredVm[];
  /** One stream per VM for its migration durations. */
  rngs: ReadonlyMap<string, Rng>;
  simulator: SimulatorSpec;
  defects: Defects;
  log: EventLog;
  /** Up with clussvc running: may receive a VM. */
  canHost(node: string): boolean;
  /** Active member (Up or Paused, clussvc running): coordinates its own drain. */
  isMember(node: string): boolean;
  /** Take the VM offline and restart it elsewhere (what a failover does). */
  failOver(vm: ClusteredVm): void;
}

interface Drain {
  readonly node: string;
  readonly queue: ClusteredVm[];
  readonly inFlight: Map<ClusteredVm, Timer>;
  readonly done?: () => void;
  finishing?: Timer;
}

/**
 * Draining a node by live migration (quarantine [SAVILL-479], [PETRI]; Stop-ClusterNode, lab-observations §1).
 * The node's VMs move in cluster-description order, at most MaximumVirtualMachineMigrations at a time from
 * the source; each goes to the node placement picks (fewest VMs, counting the ones already on their way to
 * it; ties by node order), never back to the source. A migrating VM keeps running, and keeps its State, on
 * the source, which stays its owner until the migration ends (after a liveMigrationMs draw); then it runs on
 * the target, Online and monitored. A VM no node can take waits on the source until a node joins
 * (`retry`); if the target left membership meanwhile, the migration fails and the VM waits its turn again.
 */
export class LiveMigrations {
  private readonly drains = new Map<string, Drain>();

  constructor(private readonly d: LiveMigrationDeps) {}

  isDraining(node: string): boolean {
    return this.drains.has(node);
  }

  /** Move every VM hosted by `node` away; `done` runs (in virtual time, never synchronously) once none is left. */
  drain(node: string, done?: () => void): void {
    this.cancel(node);
    const vms = this.d.vms.filter((vm) => vm.owner === node && vm.hosted);
    // Defect failover-instead-of-drain: the VMs go Off and start elsewhere (they then leave the queue below)
    if (this.d.defects.has('failover-instead-of-drain')) for (const vm of vms) this.d.failOver(vm);
    this.drains.set(node, { node, queue: vms, inFlight: new Map(), done });
    this.pump(node);
  }

  /** Abandon the drain of `node`: queued VMs stay, migrations in flight are cancelled (the VMs stay on the source). */
  cancel(node: string): void {
    const drain = this.drains.get(node);
    if (!drain) return;
    this.drains.delete(node);
    drain.finishing?.cancel();
    for (const [vm, timer] of drain.inFlight) {
      timer.cancel();
      vm.migratingTo = undefined;
    }
  }

  /** The cluster stopped (quorum lost): every drain ends where it is. */
  cancelAll(): void {
    for (const node of [...this.drains.keys()]) this.cancel(node);
  }

  /** A node joined: drains waiting for a target try again. */
  retry(): void {
    for (const node of [...this.drains.keys()]) this.pump(node);
  }

  private pump(node: string): void {
    const drain = this.drains.get(node);
    if (!drain || drain.finishing) return;
    const stillHere = (vm: ClusteredVm) => vm.owner === node && vm.hosted;
    while (drain.inFlight.size < maximumVirtualMachineMigrations && drain.queue.length) {
      if (!stillHere(drain.queue[0])) {
        drain.queue.shift(); // failed over or moved by other means meanwhile
        continue;
      }
      const target = choosePlacement(this.d.nodes, (n) => n !== node && this.d.canHost(n), (n) => placementLoad(this.d.vms, n));
      if (!target) break;
      this.start(drain, drain.queue.shift()!, target);
    }
    if (!drain.queue.length && !drain.inFlight.size) {
      drain.finishing = this.d.clock.after(0, () => {
        this.drains.delete(node);
        drain.done?.();
      });
    }
  }

  private start(drain: Drain, vm: ClusteredVm, target: string): void {
    vm.migratingTo = target;
    // 1641 "role moving", written by the node coordinating the move: the source while it is a member
    this.d.log.roleMoving(this.d.isMember(drain.node) ? drain.node : target, vm.name, drain.node, target);
    const duration = this.d.rngs.get(vm.name)!.between(this.d.simulator.liveMigrationMs);
    drain.inFlight.set(vm, this.d.clock.after(duration, () => this.complete(drain, vm, target)));
  }

  private complete(drain: Drain, vm: ClusteredVm, target: string): void {
    drain.inFlight.delete(vm);
    const current = vm.migratingTo === target && vm.owner === drain.node && vm.hosted;
    vm.migratingTo = undefined;
    if (current && this.d.canHost(target)) vm.liveMigrated(target);
    else if (current) drain.queue.unshift(vm); // the target left membership: the migration failed
    this.pump(drain.node);
  }
}
