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
 *
 * Who is told, and when (facts §1.5, §2.2 [EVT]): a member logs 1672 (node quarantined) at once. The node logs
 * 1676 (local node quarantined) when it learns it, which needs its cluster service running and a path to the
 * members: at once when it has them, else when it next tries to join (its clussvc starts again, or its networks
 * heal), where the member it asks refuses it with 1675 (joining node quarantined, "cannot join the cluster").
 *
 * "When a node is quarantined, any VMs are gracefully drained to other nodes" [SAVILL-479], by live migration
 * [PETRI], [AFINN-17759]. A live migration needs its source host taking part (lab-observations §2: the source
 * sets up the transfer, copies memory, pauses the VM for the blackout), so a node whose cluster service is dead
 * or whose networks are cut cannot be drained (issue 14; our reading, no source describes that case): its VMs
 * wait as on an Isolated node and fail over when the resiliency period ends [MSDN-RDP], [EVT] 1682, unless the
 * node is reached first (`onReached`), when the drain begins.
 */
export class Quarantine {
  private readonly exits = new Map<string, number[]>();
  private readonly releases = new Map<string, { until: number; by: string; timer: Timer; told: boolean; contacted: boolean; reached?: () => void }>();

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

  /**
   * Quarantine `node` (reported by `by`) for QuarantineDuration; `release` runs when that ends. `reachable`: its
   * cluster service runs and it reaches the members, so it learns it at once (1676); otherwise when it next tries
   * to join (refuseJoin).
   */
  begin(node: string, by: string, exits: number, release: () => void, reachable = true): void {
    const until = this.d.clock.now() + this.d.properties.get('QuarantineDuration') * 1000;
    this.exits.delete(node);
    const timer = this.d.clock.at(until, () => {
      this.releases.delete(node);
      release();
    });
    this.releases.set(node, { until, by, timer, told: reachable, contacted: reachable });
    this.d.log.nodeQuarantined(by, node, exits, until);
    // Defect event-from-dead-node: the node logs 1676 at once, though its service is dead or its networks cut
    if (reachable || this.d.defects.has('event-from-dead-node')) this.d.log.localNodeQuarantined(node, by, until);
  }

  /** `reached` runs once when the quarantined node is next reached (it tries to join): the drain can begin then. */
  onReached(node: string, reached: () => void): void {
    const q = this.releases.get(node);
    if (q) q.reached = reached;
  }

  /** Whether the quarantined node has been in contact with the members since its quarantine began. */
  contacted(node: string): boolean {
    return this.releases.get(node)?.contacted ?? true;
  }

  isQuarantined(node: string): boolean {
    return this.releases.has(node);
  }

  /** When the node's quarantine ends (virtual ms), if it is quarantined. */
  until(node: string): number | undefined {
    return this.releases.get(node)?.until;
  }

  /**
   * A quarantined node tried to join (its clussvc started, or its networks healed): `member` refuses it (1675)
   * [EVT]; the node learns it is quarantined (1676, if it had not) and can now be drained.
   */
  refuseJoin(node: string, member: string): void {
    const q = this.releases.get(node)!;
    this.d.log.joiningNodeQuarantined(member, node, q.by, q.until);
    q.contacted = true;
    if (!q.told) {
      q.told = true;
      this.d.log.localNodeQuarantined(node, q.by, q.until);
    }
    const reached = q.reached;
    q.reached = undefined;
    reached?.();
  }

  /** Start-ClusterNode -ClearQuarantine: lift the quarantine now and forget the node's exits [PSDOC-STARTCN]. */
  clear(node: string): void {
    this.releases.get(node)?.timer.cancel();
    this.releases.delete(node);
    this.exits.delete(node);
  }
}
