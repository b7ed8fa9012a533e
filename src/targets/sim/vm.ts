import type { VmDescription, VmObservation } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { Rng } from './rng.js';
import type { SimulatorSpec } from './settings.js';

/** AutomaticCriticalErrorActionTimeout when the VM does not set one: 30 minutes [INNOV], in minutes [PSDOC-SETVM]. */
export const DEFAULT_CRITICAL_ERROR_TIMEOUT_MINUTES = 30;

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
  /** Whether `node`'s OS does not run (powered off or booting, power.ts): Get-VM cannot read its VMs. Absent: never. */
  hostDark?(node: string): boolean;
  /** Whether `node` can do I/O to this VM's volume (src/targets/sim/storage.ts); absent: always. */
  storageReachable?(node: string): boolean;
  /** Hyper-V powered the VM off after its critical pause (the cluster's group failed). */
  criticallyOff?(vm: ClusteredVm): void;
  /** The VM's disk I/O failed on `node` (its volume unreachable) and storage resiliency paused it. */
  storageIoFailed?(vm: ClusteredVm, node: string): void;
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
  /** Died with its host (power loss): Off on that host whatever its group says, until the cluster restarts it. */
  lostWithHost = false;
  /**
   * Storage resiliency when the VM's volume is unreachable from its owner: `waiting` for its next I/O (still
   * Running), `paused` (PausedCritical), `off` (powered off after AutomaticCriticalErrorActionTimeout).
   */
  storageState: 'ok' | 'waiting' | 'paused' | 'off' = 'ok';
  private storageIo: Timer | undefined;
  private criticalTimeout: Timer | undefined;

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
    // Get-VM asks the owner's host: a dark host answers nothing ('Unknown', as the PowerShell target reports an
    // owner it could not ask), while the group is the cluster's and still reported from the other nodes.
    // Defect dead-vm-reported-running: the dead VM is reported Running as if its host still ran it
    const dark = this.d.hostDark?.(this.owner) === true;
    return {
      State: dark ? (this.d.defects.has('dead-vm-reported-running') && this.lostWithHost ? 'Running' : 'Unknown') : this.state,
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
   * The VM's volume became unreachable from its owner (the storage lost, or the owner's path to an SMB share).
   * Storage resiliency (Hyper-V, 2016+): the VM runs on until its next disk I/O fails, which freezes it in
   * PausedCritical [SAVILL-478], [INNOV]; with AutomaticCriticalErrorAction None it is not paused [PSDOC-SETVM].
   * After AutomaticCriticalErrorActionTimeout minutes (default 30 [INNOV]) in the critical pause, Hyper-V powers it
   * off [PSDOC-SETVM] (Microsoft's "powering off" wins over [INNOV]'s "reboots").
   */
  storageLost(): void {
    // Defect storage-loss-not-paused: the VM runs on as if storage resiliency did not exist
    if (this.d.defects.has('storage-loss-not-paused')) return;
    if (this.state !== 'Running' || this.storageState !== 'ok' || this.description.automaticCriticalErrorAction === 'None') return;
    this.storageState = 'waiting';
    this.storageIo = this.d.clock.after(this.d.rng.between(this.d.simulator.vmIoIntervalMs), () => {
      this.storageIo = undefined;
      if (this.storageState !== 'waiting' || this.state !== 'Running') return;
      this.storageState = 'paused';
      this.state = 'PausedCritical';
      this.d.storageIoFailed?.(this, this.owner);
      // Defect critical-timeout-ignored: the VM stays in its critical pause however long the storage is gone
      if (this.d.defects.has('critical-timeout-ignored')) return;
      const minutes = this.description.automaticCriticalErrorActionTimeout ?? DEFAULT_CRITICAL_ERROR_TIMEOUT_MINUTES;
      this.criticalTimeout = this.d.clock.after(minutes * 60_000, () => {
        this.criticalTimeout = undefined;
        if (this.storageState !== 'paused') return;
        this.storageState = 'off';
        // Our reading: the VM stopped without the cluster taking it offline, so its group has failed; it is
        // brought online again once its storage is back (ResourceControlManager.storageChanged)
        this.state = 'Off';
        this.group = 'Failed';
        this.d.criticallyOff?.(this);
      });
    });
  }

  /** The VM's volume is reachable again: a VM in its critical pause resumes where it was [SAVILL-477], [INNOV]. */
  storageRestored(): void {
    if (this.storageState === 'waiting') {
      this.cancel('storageIo');
      this.storageState = 'ok';
    } else if (this.storageState === 'paused') {
      // Defect no-resume-after-storage: the VM stays PausedCritical after its storage returned
      if (this.d.defects.has('no-resume-after-storage')) return;
      this.cancel('criticalTimeout');
      this.storageState = 'ok';
      if (this.state === 'PausedCritical') this.state = 'Running';
    }
  }

  /** Whether the VM was powered off by its critical-error action and waits for its storage to be started again. */
  get criticallyOff(): boolean {
    return this.storageState === 'off';
  }

  /**
   * The owner is Isolated: the cluster stops monitoring the VM. With its own ResiliencyPeriod the VM
   * fails over when that runs out, even if the node is still Isolated [MSDN-RP].
   */
  unmonitor(periodExpired: () => void): void {
    this.unmonitored = true;
    const seconds = this.description.resiliencyPeriod;
    // 0 is the group property's default, "none of its own" [MSDN-RP]: the node's ResiliencyDefaultPeriod governs.
    // Defect vm-period-ignored: the VM waits for its node's period like the others
    if (seconds && !this.period && !this.d.defects.has('vm-period-ignored')) {
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
    this.resetStorage();
    this.cancel('nextIo');
    this.cancel('period');
    this.cancel('startup');
    this.migratingTo = undefined;
    this.owner = node;
    this.state = 'Running';
    this.group = 'Online';
    this.unmonitored = false;
    if (!this.d.csvAccess(node)) this.csvLost();
    if (this.d.storageReachable?.(node) === false) this.storageLost();
  }

  /**
   * Its host lost its power or went down (power.ts): the VM is dead on the spot, nothing saved or shut down. The
   * cluster's group does not know (it stays as it was) until the cluster acts on the node's removal.
   */
  hostLost(): void {
    this.heldStart = undefined;
    this.cancel('nextIo');
    this.cancel('startup');
    this.migratingTo = undefined;
    this.state = 'Off';
    this.lostWithHost = true;
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
    this.resetStorage();
    this.cancel('nextIo');
    this.cancel('period');
    this.cancel('startup');
    this.migratingTo = undefined;
    this.unmonitored = false;
    this.lostWithHost = false;
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
    this.resetStorage();
    this.owner = node;
    this.lostWithHost = false;
    this.state = 'Starting';
    this.group = 'Pending';
    if (held) {
      this.heldStart = () => this.startOn(node, online);
      return;
    }
    this.startup = this.d.clock.after(this.d.rng.between(this.d.simulator.vmStartMs), () => {
      this.startup = undefined;
      this.state = 'Running';
      this.group = 'Online';
      if (!this.d.csvAccess(node)) this.csvLost();
      if (this.d.storageReachable?.(node) === false) this.storageLost();
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

  /** Forget a storage loss: the VM is moved, restarted or taken offline (its new start or host checks the volume again). */
  private resetStorage(): void {
    this.cancel('storageIo');
    this.cancel('criticalTimeout');
    this.storageState = 'ok';
  }

  private cancel(which: 'nextIo' | 'period' | 'startup' | 'storageIo' | 'criticalTimeout'): void {
    this[which]?.cancel();
    this[which] = undefined;
  }
}
