import { OperationError, OperationUnknownError } from '../target.js';
import type { Millis } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { ClusterService } from './clussvc.js';
import type { Defects } from './defects.js';
import type { NodeDrains } from './drain.js';
import type { Membership } from './membership.js';
import { badTimeout, seconds, type Outcome } from './outcome.js';
import type { ResourceControlManager } from './rcm.js';
import type { Rng } from './rng.js';
import type { ClusterProperties } from './settings.js';

/**
 * How long a host takes from power-on (or an OS restart) until clussvc starts, when the experiment does not
 * say (simulator.hostBoot): a server's firmware POST and Windows boot. Assumed: no source gives a figure.
 */
export const hostBootDefaultMs: readonly [Millis, Millis] = [90_000, 180_000];

export interface HostPowerDeps {
  clock: SimClock;
  nodes: readonly string[];
  services: ReadonlyMap<string, ClusterService>;
  membership: Membership;
  drains: NodeDrains;
  rcm: ResourceControlManager;
  properties: ClusterProperties;
  defects: Defects;
  /** Each host's boot-time stream. */
  rngs: ReadonlyMap<string, Rng>;
  bootMs: readonly [Millis, Millis];
}

interface Restart {
  outcome: Outcome<void>;
  timer?: Timer;
}

/**
 * The hosts' power and operating system: what a BMC (Redfish) or the outer Hyper-V host of a nested lab does to
 * a node, and Restart-Computer (issue 14).
 *
 * A host is dark while its OS does not run: powered off, or booting (after a power-on or an OS restart). A
 * powered-off host stops at once: its clussvc is gone without a word (no 7031: nothing on the host runs to log it,
 * and nothing restarts it), so its heartbeats stop and the members remove it as after any crash; its VMs are dead,
 * and nobody can read them on it (Get-VM needs the host), while the cluster, which cannot tell a dead host from an
 * isolated one, still reports their groups (membership.ts, rcm.ts). Power-on boots the host: after a boot time
 * clussvc starts as Windows starts it at boot (Automatic), and the node joins as after any start.
 *
 * Restart-Computer: with DrainOnShutdown (cluster property, default 1) the cluster drains the node first, by live
 * migration, as Stop-ClusterNode does; without it the VM groups are taken offline per their OfflineAction (Save by
 * default, learn.microsoft.com/previous-versions/windows/desktop/mscs/virtual-machines-offlineaction) and restarted
 * on other nodes. Then clussvc stops on purpose (the node is Down, neither Isolated nor counted toward quarantine),
 * the host is dark while it boots, and the node joins again.
 */
export class HostPower {
  private readonly off = new Set<string>();
  private readonly booting = new Map<string, Timer>();
  private readonly restarts = new Map<string, Restart>();

  constructor(private readonly d: HostPowerDeps) {}

  /** Whether the host's OS does not run (powered off, or booting): nothing on it can be read or logged. */
  dark(node: string): boolean {
    return this.off.has(node) || this.booting.has(node);
  }

  /** Whether the host's power is off. */
  poweredOff(node: string): boolean {
    return this.off.has(node);
  }

  /** Cut the power: the OS, clussvc and every VM on the host stop at once. A no-op if it is already off. */
  powerOff(node: string): void {
    if (this.off.has(node)) return;
    this.booting.get(node)?.cancel();
    this.booting.delete(node);
    this.off.add(node);
    const restart = this.restarts.get(node);
    if (restart) this.endRestart(node, new OperationUnknownError(`${node} lost its power while it restarted; it is not back in the cluster`));
    // A drain still running on the host ends with it (its migrations fail as their source is lost)
    this.d.drains.fail(node, `${node} lost its power`);
    this.d.rcm.hostLost(node);
    this.d.services.get(node)!.powerLost();
  }

  /** Power the host on: it boots, then clussvc starts. A no-op if its power is on (running or booting). */
  powerOn(node: string): void {
    if (!this.off.has(node)) return;
    this.off.delete(node);
    this.boot(node);
  }

  /**
   * Restart-Computer. `outcome` settles once the node is back in the cluster (Up, or Paused if it was paused),
   * or fails as unknown after `timeoutMs`. Refused on a host whose power is off, or one already restarting.
   */
  restart(node: string, timeoutMs: number | undefined, outcome: Outcome<void>): void {
    const bad = badTimeout(timeoutMs);
    if (bad) throw new OperationError(bad);
    if (this.off.has(node)) throw new OperationError(`${node} is powered off; Restart-Computer needs a running host (power it on first)`);
    if (this.booting.has(node) || this.restarts.has(node)) throw new OperationError(`${node} is already restarting; wait for it to be back in the cluster`);
    const restart: Restart = { outcome };
    this.restarts.set(node, restart);
    if (timeoutMs !== undefined) {
      restart.timer = this.d.clock.after(timeoutMs, () =>
        this.endRestart(node, new OperationUnknownError(`${node} was not back in the cluster within ${seconds(timeoutMs)} of Restart-Computer; check the host`)),
      );
    }
    const { membership, drains } = this.d;
    const service = this.d.services.get(node)!;
    const shutDown = () => {
      if (this.off.has(node)) return;
      // Without a drain (DrainOnShutdown 0, or what a failed drain left): the groups go offline, saved, and restart
      // elsewhere; the node takes no role meanwhile (it is leaving)
      if (membership.stateOf(node) === 'Up' && membership.isMember(node)) membership.pause(node);
      this.d.rcm.shutDown(node);
      if (service.running) service.stop();
      this.osRestart(node);
    };
    // A member's clussvc drains it first when the cluster's DrainOnShutdown says so; a node out of membership
    // (its clussvc dead, isolated) has nothing the cluster could drain
    // Defect restart-without-drain: the VMs are saved and restarted elsewhere although DrainOnShutdown is on
    const drainFirst = this.d.properties.get('DrainOnShutdown') === 1 && !this.d.defects.has('restart-without-drain');
    if (drainFirst && membership.isMember(node) && drains.hostedBy(node).length) {
      membership.pause(node);
      drains.drain(node, { waitForTarget: false, done: shutDown, failed: shutDown });
    } else {
      shutDown();
    }
  }

  /** The node joined the cluster: a restart waiting for it is over. */
  joined(node: string): void {
    if (this.restarts.has(node) && !this.dark(node)) this.endRestart(node);
  }

  /** The OS goes down and comes back: dark for a boot time, then clussvc starts. */
  private osRestart(node: string): void {
    this.d.services.get(node)!.powerLost();
    this.boot(node);
  }

  private boot(node: string): void {
    const ms = this.d.rngs.get(node)!.between(this.d.bootMs);
    this.booting.set(
      node,
      this.d.clock.after(ms, () => {
        this.booting.delete(node);
        this.d.services.get(node)!.booted();
      }),
    );
  }

  private endRestart(node: string, error?: Error): void {
    const restart = this.restarts.get(node);
    if (!restart) return;
    this.restarts.delete(node);
    restart.timer?.cancel();
    if (error) restart.outcome.fail(error);
    else restart.outcome.ok(undefined);
  }
}
