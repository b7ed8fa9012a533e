import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import type { ClusterProperties } from './settings.js';

const HOUR_MS = 3_600_000;

/**
 * Node quarantine (Windows Server 2016+). The cluster counts each node's ungraceful exits from active
 * membership over a sliding hour; the exit that brings the count to QuarantineThreshold quarantines the
 * node for QuarantineDuration seconds instead of isolating it [PSDOC-GC], [SAVILL-479]. A graceful stop is
 * not counted. At most max(1, floor(nodes × MaxQuarantinedPercent / 100)) nodes are quarantined at once
 * [SAVILL-479], [URTECH].
 *
 * At the cap (undocumented; this is the simulator's reading, QuarantineAtCap 1): a node that would exceed it
 * is not quarantined but Isolated as usual (QuarantineAtCap 2: declared Down), no 1672 is written, and its exits stay counted, so its next ungraceful
 * exit within the hour tries again. The exits that led to a quarantine are consumed by it: counting starts
 * afresh afterwards (and after -ClearQuarantine).
 */
export class Quarantine {
  private readonly exits = new Map<string, number[]>();
  private readonly releases = new Map<string, { until: number; by: string; timer: Timer }>();

  constructor(
    private readonly nodes: readonly string[],
    private readonly d: { clock: SimClock; properties: ClusterProperties; defects: Defects; log: EventLog },
  ) {}

  /** Record an ungraceful exit of `node` now; returns how many it had within the last hour, this one included. */
  recordExit(node: string): number {
    const now = this.d.clock.now();
    // An exit more than 3600 s old no longer counts: QuarantineThreshold is per hour [PSDOC-GC]
    const recent = (this.exits.get(node) ?? []).filter((t) => now - t <= HOUR_MS);
    recent.push(now);
    this.exits.set(node, recent);
    return recent.length;
  }

  /** Whether a node with `exits` ungraceful exits within the hour is to be quarantined now. */
  applies(exits: number): boolean {
    const threshold = this.d.properties.get('QuarantineThreshold');
    // QuarantineThreshold = 0: never quarantine [PSDOC-GC]
    if (threshold === 0 || exits < threshold || this.d.defects.has('no-quarantine')) return false;
    return this.releases.size < this.cap() || this.d.defects.has('quarantine-cap-ignored');
  }

  /** A node reached QuarantineThreshold but the cap kept it from being quarantined, and QuarantineAtCap says Down. */
  downAtCap(exits: number): boolean {
    const threshold = this.d.properties.get('QuarantineThreshold');
    if (threshold === 0 || exits < threshold || this.d.defects.has('no-quarantine')) return false;
    return !this.applies(exits) && this.d.properties.get('QuarantineAtCap') === 2;
  }

  /** How many nodes may be quarantined at once: 25 % by default, at least one [SAVILL-479], [URTECH], [TDA]. */
  cap(): number {
    return Math.max(1, Math.floor((this.nodes.length * this.d.properties.get('MaxQuarantinedPercent')) / 100));
  }

  /** Quarantine `node` (reported by `by`) for QuarantineDuration; `release` runs when that ends. */
  begin(node: string, by: string, exits: number, release: () => void): void {
    const until = this.d.clock.now() + this.d.properties.get('QuarantineDuration') * 1000;
    this.exits.delete(node);
    const timer = this.d.clock.at(until, () => {
      this.releases.delete(node);
      release();
    });
    this.releases.set(node, { until, by, timer });
    this.d.log.nodeQuarantined(by, node, exits, until);
    this.d.log.localNodeQuarantined(node, by, until);
  }

  isQuarantined(node: string): boolean {
    return this.releases.has(node);
  }

  /** When the node's quarantine ends (virtual ms), if it is quarantined. */
  until(node: string): number | undefined {
    return this.releases.get(node)?.until;
  }

  /** A quarantined node tried to join: `member` refuses it (1675) [EVT]. */
  refuseJoin(node: string, member: string): void {
    const { until, by } = this.releases.get(node)!;
    this.d.log.joiningNodeQuarantined(member, node, by, until);
  }

  /** Start-ClusterNode -ClearQuarantine: lift the quarantine now and forget the node's exits [PSDOC-STARTCN]. */
  clear(node: string): void {
    this.releases.get(node)?.timer.cancel();
    this.releases.delete(node);
    this.exits.delete(node);
  }
}
