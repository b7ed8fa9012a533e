import type { SimClock } from './clock.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import type { Heartbeats } from './heartbeat.js';
import type { Quarantine } from './quarantine.js';
import type { Quorum } from './quorum.js';
import type { Reach } from './regroup.js';
import type { ResiliencyPeriods } from './resiliency.js';
import type { Rng } from './rng.js';
import type { ClusterProperties } from './settings.js';

/** What follows from membership changes elsewhere in the cluster (storage access, the VMs). */
export interface MembershipHooks {
  /** The node was removed from active membership (ungracefully): it loses CSV access. */
  removed(node: string): void;
  /** The node left membership gracefully (Stop-ClusterNode): its CSV access ends without an error. */
  left(node: string): void;
  /** The node is Isolated: its VMs are no longer monitored (reported by `by`, a surviving member). */
  isolated(node: string, by: string): void;
  /** The node is Quarantined: its VMs are drained away. */
  quarantined(node: string): void;
  /** The node is Down: its VMs fail over. */
  down(node: string): void;
  /** clussvc died while the node was being drained: the drain stops where it is. */
  drainAbandoned(node: string): void;
  /** The node started to join; it was Isolated or Down before. */
  joining(node: string): void;
  /** The node is an active member again. */
  joined(node: string): void;
  /** No node is joining any more (the last join completed or broke off). */
  joinsSettled(): void;
  /** Quorum was lost: `members` (the remaining members) shut their clussvc down; the cluster stops. */
  quorumLost(members: readonly string[]): void;
}

export interface MembershipDeps {
  clock: SimClock;
  properties: ClusterProperties;
  defects: Defects;
  log: EventLog;
  heartbeats: Heartbeats;
  quarantine: Quarantine;
  resiliency: ResiliencyPeriods;
  quorum: Quorum;
  network: Reach;
  clussvcRunning(node: string): boolean;
  /** Whether `node`'s host is dark (powered off or booting, power.ts): it sends nothing and logs nothing. Absent: never. */
  hostDark?(node: string): boolean;
  joinRngs: ReadonlyMap<string, Rng>;
  hooks: MembershipHooks;
}
