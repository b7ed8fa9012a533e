import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { ClusterProperties } from './settings.js';

/**
 * VM Compute Resiliency for removed nodes: whether a node removed from membership is Isolated (keeps its
 * VMs, unmonitored) or declared Down at once, and the resiliency period of Isolated nodes: a node not back
 * within ResiliencyDefaultPeriod seconds of its removal is declared Down, and its VMs fail over
 * [MSDN-RDP], [ITPRO-RES].
 */
export class ResiliencyPeriods {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly clock: SimClock,
    private readonly properties: ClusterProperties,
    private readonly defects: Defects,
  ) {}

  /**
   * Whether a removed node is Isolated rather than declared Down; `networkUp`: it can still reach every
   * active member (it was removed because its clussvc died, not because of a cut).
   *
   * ResiliencyLevel, our reading (the sources give only the names, facts §1.1 [MSDN-RL]): 2 AlwaysIsolate
   * isolates every removed node; 1 IsolateOnSpecialHeartbeat isolates a node only when the cluster can
   * still tell it is alive (a clussvc crash on a node whose network is up). A node cut off by the network
   * cannot send that signal, so it is declared Down at once (1554 is not written).
   */
  isolates(networkUp: boolean): boolean {
    // ResiliencyDefaultPeriod = 0 turns isolation off: pre-2016 behaviour, straight to Down [SR-FAQ], [MSDN-RDP]
    if (this.properties.get('ResiliencyDefaultPeriod') === 0 || this.defects.has('no-isolation')) return false;
    // Defect level-ignored: level 1 behaves like 2
    if (this.properties.get('ResiliencyLevel') === 1 && !this.defects.has('level-ignored')) return networkUp;
    return true;
  }

  /** `node` was just isolated: `expired` runs when its period ends, unless cancelled first. */
  start(node: string, expired: () => void): void {
    this.cancel(node);
    // Defects down-early / down-late: the node is declared Down at half / twice the period.
    const factor = this.defects.has('down-early') ? 0.5 : this.defects.has('down-late') ? 2 : 1;
    const periodMs = this.properties.get('ResiliencyDefaultPeriod') * 1000 * factor;
    this.timers.set(node, this.clock.after(periodMs, () => {
      this.timers.delete(node);
      expired();
    }));
  }

  cancel(node: string): void {
    this.timers.get(node)?.cancel();
    this.timers.delete(node);
  }
}
