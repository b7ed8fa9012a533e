import type { VmDescription, VmObservation } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { Rng } from './rng.js';
import type { SimulatorSpec } from './settings.js';

/** Get-VM State names the simulator produces. */
export type VmState = 'Running' | 'RunningCritical' | 'PausedCritical' | 'Off' | 'Starting';
export type GroupState = 'Online' | 'Pending' | 'Offline' | 'Failed';

export interface VmDeps {
  clock: SimClock;
  /** The VM's own stream (I/O timing, start duration). */
  rng: Rng;
  simulator: SimulatorSpec;
  defects: Defects;
  csvAccess(node: string): boolean;
}

/**
 * A clustered VM: the Hyper-V VM (State) and its cluster group (GroupState, owner, Unmonitored flag).
 * A csv-block VM's disk lives on a CSV: when its node loses CSV access its health is critical
 * (RunningCritical), and its next disk I/O fails, which pauses it (PausedCritical) [ITPRO-RES], lab §1.3.
 * An smb VM's disk does not depend on the Hyper-V cluster, so it keeps running [WHII-SOFS].
 */
export class ClusteredVm {
  readonly name: string;
  readonly storage: VmDescription['storage'];
  owner: string;
  state: VmState = 'Running';
  group: GroupState = 'Online';
  unmonitored = false;
  /** The node this VM is being live-migrated to; it keeps running on `owner` until the migration ends. */
  migratingTo: string | undefined;
  private nextIo: Timer | undefined;
  private period: Timer | undefined;
  private startup: Timer | undefined;
  private heldStart: (() => void) | undefined;

  constructor(
    private description: VmDescription,
    private readonly d: VmDeps,
  ) {
    this.name = description.name;
    this.storage = description.storage;
    this.owner = description.owner;
  }

  /** Hosted by its owner: online or coming online there (counts for placement). */
  get hosted(): boolean {
    return this.group === 'Online' || this.group === 'Pending';
  }

  observe(): VmObservation {
    return {
      State: this.state,
      GroupState: this.group,
      OwnerNode: this.owner,
      StatusInformation: this.unmonitored ? ['Unmonitored'] : [],
    };
  }

  /** The VM as the cluster description gives it (memory, dirty rate, disks), whatever its current owner. */
  get configuration(): Readonly<VmDescription> {
    return this.description;
  }

  describe(): VmDescription {
    return { ...this.description, owner: this.owner };
  }

  /**
   * Whether the VM can stay on an Isolated node, unmonitored: its configuration version (major, "5.0" → 5)
   * is at least `minimumVersion`; a VM without a version is current (lab-observations §1).
   */
  resilientFrom(minimumVersion: number): boolean {
    const version = this.description.version;
    return version === undefined || Number.parseInt(version, 10) >= minimumVersion;
  }

  /** The group's own ResiliencyPeriod in seconds; undefined or 0 (the group default [MSDN-RP]): the cluster's ResiliencyDefaultPeriod applies. */
  get resiliencyPeriod(): number | undefined {
    return this.description.resiliencyPeriod;
  }

  /**
   * (Get-ClusterGroup).ResiliencyPeriod = seconds, on the live group (the rehearsal lab): from the VM's next
   * isolation on. 0 or undefined: none of its own, the node's ResiliencyDefaultPeriod governs (0 is the
   * group property's documented default, "use the cluster default" [MSDN-RP]).
   */
  setResiliencyPeriod(seconds: number | undefined): void {
    const { resiliencyPeriod: _, ...rest } = this.description;
    this.description = seconds ? { ...rest, resiliencyPeriod: seconds } : rest;
  }

  /** The owner node lost CSV access; `asIfOnCsv`: an SMB-backed VM behaves as if its disk were on the CSV (defects). */
  csvLost(asIfOnCsv = false): void {
    // Defect smb-paused: an SMB-backed VM behaves as if its disk were on the CSV
    const onCsv = this.storage === 'csv-block' || asIfOnCsv || this.d.defects.has('smb-paused');
    if (!onCsv || this.state !== 'Running' || this.d.defects.has('csv-not-paused')) return;
    this.state = 'RunningCritical';
    // The VM does disk I/O every vmIoIntervalMs; the first I/O to the lost CSV fails and pauses it.
    this.nextIo = this.d.clock.after(this.d.rng.between(this.d.simulator.vmIoIntervalMs), () => {
      this.nextIo = undefined;
      if (this.state === 'RunningCritical') this.state = 'PausedCritical';
    });
  }

  /** The owner node has CSV access again: a critical VM resumes [ITPRO-RES], [SAVILL-478]. */
  csvRestored(): void {
    if (this.state !== 'RunningCritical' && this.state !== 'PausedCritical') return;
    this.cancel('nextIo');
    this.state = 'Running';
  }

  /**
   * The owner is Isolated: the cluster stops monitoring the VM. With its own ResiliencyPeriod the VM
   * fails over when that runs out, even if the node is still Isolated [MSDN-RP].
   */
  unmonitor(periodExpired: () => void): void {
    this.unmonitored = true;
    const seconds = this.description.resiliencyPeriod;
    // Defect vm-period-ignored: the VM waits for its node's period like the others
    if (seconds !== undefined && !this.period && !this.d.defects.has('vm-period-ignored')) {
      this.period = this.d.clock.after(seconds * 1000, () => {
        this.period = undefined;
        periodExpired();
      });
    }
  }

  /** The owner left membership to be drained (quarantine): unmonitored, with no ResiliencyPeriod running. */
  markUnmonitored(): void {
    this.unmonitored = true;
  }

  /**
   * A live migration to `node` completed: the VM runs there, owned by it and monitored. It never went Off:
   * a paused VM resumes on the target, which has CSV access [SAVILL-499], [SAVILL-479].
   */
  liveMigrated(node: string): void {
    this.heldStart = undefined;
    this.cancel('nextIo');
    this.cancel('period');
    this.cancel('startup');
    this.migratingTo = undefined;
    this.owner = node;
    this.state = 'Running';
    this.group = 'Online';
    this.unmonitored = false;
    if (!this.d.csvAccess(node)) this.csvLost();
  }

  /** The owner is joining again: the VM's own period no longer runs. */
  cancelPeriod(): void {
    this.cancel('period');
  }

  monitor(): void {
    this.cancelPeriod();
    this.unmonitored = false;
  }

  /** The cluster takes the group offline to move it: the copy on the old owner is turned off. */
  takeOffline(): void {
    this.heldStart = undefined;
    this.cancel('nextIo');
    this.cancel('period');
    this.cancel('startup');
    this.migratingTo = undefined;
    this.unmonitored = false;
    this.state = 'Off';
    this.group = 'Offline';
  }

  /** No node can host the group: it stays offline, Failed, until one can. */
  fail(): void {
    this.state = 'Off';
    this.group = 'Failed';
  }

  /**
   * Start the VM on `node`; it is Running after a vmStartMs draw. `held`: it shows Starting there but its start
   * only begins at `releaseStart()` (defect restart-on-down-node: started on a node that is Down).
   */
  startOn(node: string, online: () => void, held = false): void {
    this.owner = node;
    this.state = 'Starting';
    this.group = 'Pending';
    if (held) {
      this.heldStart = () => this.startOn(node, online);
      return;
    }
    this.startup = this.d.clock.after(this.d.rng.between(this.d.simulator.vmStartMs), () => {
      this.startup = undefined;
      this.state = 'Running';
    // 0 is the group property's default, "none of its own" [MSDN-RP]: the node's ResiliencyDefaultPeriod governs.
      this.group = 'Online';
      if (!this.d.csvAccess(node)) this.csvLost();
      online();
    });
  }

  /** A start held by `startOn(…, true)` begins now (its node joined); false when none was held. */
  releaseStart(): boolean {
    const start = this.heldStart;
    this.heldStart = undefined;
    start?.();
    return start !== undefined;
  }

  private cancel(which: 'nextIo' | 'period' | 'startup'): void {
    this[which]?.cancel();
    this[which] = undefined;
  }
}
