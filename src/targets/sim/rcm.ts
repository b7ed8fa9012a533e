import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import { byPriority, priorityOf, type Placement } from './placement.js';
import type { ClusterProperties } from './settings.js';
import type { ClusteredVm } from './vm.js';

/**
 * The Resource Control Manager: what the cluster does with its VM roles when their nodes change state.
 * It stops monitoring the VMs of an Isolated node (1681) and monitors them again when it rejoins (1682),
 * fails VMs over when their node goes Down or their own ResiliencyPeriod runs out, has the VMs of a
 * quarantined node drained by live migration, and places a group that found no node as soon as one can host it.
 * When the cluster stops (quorum lost) every group goes offline; when it forms again each group starts on
 * its owner once that node is Up, and the others are placed once no node is joining any more.
 */
export class ResourceControlManager {
  /** Groups no node could take (Failed), in the order they failed. */
  private waiting: { vm: ClusteredVm; from: string; wasUnmonitored: boolean }[] = [];
  /** Groups taken offline with the cluster, in cluster-description order. */
  private offline: ClusteredVm[] = [];

  constructor(
    private readonly vms: readonly ClusteredVm[],
    private readonly log: EventLog,
    private readonly defects: Defects,
    private readonly properties: ClusterProperties,
    /** Up with clussvc running: may host roles. */
    private readonly canHost: (node: string) => boolean,
    /** Live-migrate every VM the node hosts to other nodes. */
    private readonly drain: (node: string) => void,
    /** Where a group goes: priority, preferred owners, anti-affinity, host memory (placement.ts). */
    private readonly placement: Placement,
  ) {}

  private on(node: string): ClusteredVm[] {
    return this.vms.filter((vm) => vm.owner === node && vm.hosted);
  }

  /**
   * The node is Isolated: its VMs keep running where they are, unmonitored [MSBLOG], [EVT] 1681. VMs below
   * MinimumResilientVmVersion do not go Unmonitored: they simply fail over, at once (lab-observations §1).
   */
  nodeIsolated(node: string, by: string): void {
    const minimum = this.properties.get('MinimumResilientVmVersion');
    // Defect old-vms-resilient: every VM stays, unmonitored, whatever its configuration version
    const old = this.defects.has('old-vms-resilient') ? [] : this.on(node).filter((vm) => !vm.resilientFrom(minimum));
    const vms = this.on(node).filter((vm) => !old.includes(vm));
    for (const vm of vms) vm.unmonitor(() => this.failOver(vm));
    if (vms.length) this.log.vmsUnmonitored(by, node, vms.map((vm) => vm.name));
    for (const vm of byPriority(old)) this.failOver(vm);
  }

  /**
   * The node is Quarantined: its VMs are drained to other nodes by live migration, although they were
   * running there [SAVILL-479], [PETRI], lab-observations §1.5. They are not failed over and no
   * ResiliencyPeriod runs; until each has moved it is unmonitored on the node, which left membership.
   */
  nodeQuarantined(node: string): void {
    for (const vm of this.on(node)) {
      vm.markUnmonitored();
      // Defect smb-paused-in-quarantine: an SMB-backed VM pauses as if its disk were on the CSV the node lost
      if (vm.storage === 'smb' && this.defects.has('smb-paused-in-quarantine')) vm.csvLost(true);
      // Defect csv-running-in-quarantine: a CSV-backed VM runs on as if the node still had CSV access
      if (vm.storage === 'csv-block' && this.defects.has('csv-running-in-quarantine')) vm.csvRestored();
    }
    // Defect quarantine-without-drain: the drain never starts (seen on a Technical Preview build, lab §1)
    if (!this.defects.has('quarantine-without-drain')) this.drain(node);
  }

  nodeJoining(node: string): void {
    for (const vm of this.on(node)) vm.cancelPeriod();
  }

  /**
   * The node's host lost its power or its OS went down (power.ts): every VM on it is dead at once. The cluster
   * does not know yet: it acts when the members remove the node (nodeIsolated, nodeDown).
   */
  hostLost(node: string): void {
    for (const vm of this.on(node)) vm.hostLost();
  }

  /**
   * The node shuts down without a drain (Restart-Computer with DrainOnShutdown 0, or what a failed drain left):
   * each VM group goes offline per its OfflineAction, Save by default
   * (learn.microsoft.com/previous-versions/windows/desktop/mscs/virtual-machines-offlineaction), and starts on
   * another node, as in a failover. The caller has paused the node, so placement does not pick it.
   */
  shutDown(node: string): void {
    for (const vm of this.on(node)) this.failOver(vm);
  }

  /** The node is an active member again: its VMs are monitored again (1682), waiting groups get placed. */
  nodeJoined(node: string): void {
    // VMs that died with the host (it lost its power and came back within the period) do not run there any more:
    // the cluster finds them off and restarts them, as any failed VM
    for (const vm of this.on(node).filter((vm) => vm.lostWithHost)) this.failOver(vm);
    // Defect no-remonitor: the rejoined node's VMs stay Unmonitored
    const vms = this.defects.has('no-remonitor') ? [] : this.on(node).filter((vm) => vm.unmonitored);
    for (const vm of vms) vm.monitor();
    if (vms.length) this.log.vmsMonitoredAgain(node, vms.map((vm) => vm.name));
    for (const vm of this.vms) if (vm.owner === node) vm.releaseStart(); // defect restart-on-down-node
    this.startOffline(node);
    this.placeWaiting();
  }

  /** A paused node was resumed (Resume-ClusterNode): groups waiting for a node may go there. */
  nodeResumed(): void {
    this.placeWaiting();
  }

  /**
   * The cluster stopped (quorum lost): every group goes Offline on its last owner. Our reading: without the
   * cluster nothing keeps the VMs running (no source says what happens to them).
   */
  clusterStopped(): void {
    for (const vm of this.vms) vm.takeOffline();
    this.offline = [...this.vms];
    this.waiting = [];
  }

  /** No node is joining any more: groups taken offline with the cluster whose owner is not Up are placed. */
  joinsSettled(): void {
    const rest = this.offline;
    this.offline = [];
    for (const vm of byPriority(rest)) this.place(vm, vm.owner, false);
  }

  /** The cluster formed again and `node` is Up: the groups it owned start on it. */
  private startOffline(node: string): void {
    const mine = this.offline.filter((vm) => vm.owner === node);
    this.offline = this.offline.filter((vm) => vm.owner !== node);
    // A No Auto Start group does not start automatically when the cluster starts [MSDN-PRIO]
    const started = this.defects.has('no-auto-start-restarted') ? mine : mine.filter((vm) => priorityOf(vm) !== 0);
    for (const vm of byPriority(started)) vm.startOn(node, () => this.log.roleOnline(node, vm.name));
  }

  /**
   * The node is Down: every VM it hosted fails over [EVT] 1682, [AFINN-17525], High-priority groups placed and
   * started first, then Medium, then Low [MSDN-PRIO], [AFINN-12314], so the first to need memory get it.
   */
  nodeDown(node: string): void {
    // Defect no-failover-after-power-loss: the VMs that died with their host are left where they were
    const left = this.defects.has('no-failover-after-power-loss') ? (vm: ClusteredVm) => vm.lostWithHost : () => false;
    for (const vm of byPriority(this.on(node))) if (!left(vm)) this.failOver(vm);
  }

  storageChanged(node: string, access: boolean): void {
    for (const vm of this.on(node)) {
      if (access) vm.csvRestored();
      else vm.csvLost();
    }
  }

  failOver(vm: ClusteredVm): void {
    const from = vm.owner;
    const wasUnmonitored = vm.unmonitored;
    vm.takeOffline();
    this.place(vm, from, wasUnmonitored);
  }

  private place(vm: ClusteredVm, from: string, wasUnmonitored: boolean): void {
    // A No Auto Start group (Priority 0) fails over but is not started: it stays Offline [MSDN-PRIO] ("does not
    // start automatically"), [AFINN-12314] ("These VMs fail over but do not start up automatically")
    // Defect no-auto-start-restarted: it is restarted like any other
    if (priorityOf(vm) === 0 && !this.defects.has('no-auto-start-restarted')) {
      vm.owner = this.placement.forFailover(vm, from, { ignoreMemory: true }) ?? from;
      return;
    }
    // Defect restart-on-down-node: the group is brought online on its own node although it cannot host it, and
    // its start waits there until the node joins again
    const held = this.defects.has('restart-on-down-node') && !this.canHost(from);
    const to = this.defects.has('restart-in-place') || held ? from : this.placement.forFailover(vm, from);
    if (!to) {
      if (vm.group !== 'Failed') this.log.roleFailed(from, vm.name);
      vm.fail();
      this.waiting.push({ vm, from, wasUnmonitored });
      return;
    }
    this.log.failingOver(to, vm.name, from, to);
    vm.startOn(
      to,
      () => {
        this.log.roleOnline(to, vm.name);
        if (wasUnmonitored) this.log.unmonitoredVmFailedOver(to, from, vm.name);
      },
      held,
    );
  }

  private placeWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    const order = byPriority(waiting.map((w) => w.vm));
    for (const vm of order) {
      const w = waiting.find((x) => x.vm === vm)!;
      this.place(w.vm, w.from, w.wasUnmonitored);
    }
  }
}
