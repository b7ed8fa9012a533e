import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { ClusterProperties } from './settings.js';

/**
 * The resiliency period of Isolated nodes: a node not back within ResiliencyDefaultPeriod seconds of its
 * removal is declared Down, and its VMs fail over [MSDN-RDP], [ITPRO-RES].
 */
export class ResiliencyPeriods {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly clock: SimClock,
    private readonly properties: ClusterProperties,
    private readonly defects: Defects,
  ) {}

  /** `node` was just isolated: `expired` runs when its period ends, unless cancelled first. */
  start(node: string, expired: () => void): void {
    this.cancel(node);
    // Defects down-early / down-late: the node is declared Down at half / twice the period.
    const factor = this.defects.has('down-early') ? 0.5 : this.defects.has('down-late') ? 2 : 1;
    const periodMs = this.properties.ResiliencyDefaultPeriod * 1000 * factor;
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
