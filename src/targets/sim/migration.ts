import type { ClusterDescription, LiveMigrationTransport, LiveMigrationValue } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import { migratingVm, migrationHost, migrationNetwork } from './lm-defaults.js';
import { planLiveMigration } from './lm-timing.js';
import { guestCrashCodes, guestCrashProbability, longBlackoutDefectMs, longBlackoutEventMs, passLimitIgnoredCap, shortBlackout20417Ms, stallProbability } from './migration-defects.js';
import type { Rng } from './rng.js';
import type { ClusterProperties, SimulatorSpec } from './settings.js';
import type { ClusteredVm } from './vm.js';

/** Where a live migration is (lab-observations §2; windows-cluster-facts §4.1). */
export type MigrationPhase = 'Queued' | 'Setup' | 'PreCopy' | 'Blackout' | 'Cleanup';

/** How a migration ended, with what it did (`value`, as far as it got). */
export type MigrationEnd =
  | { outcome: 'completed'; value: LiveMigrationValue }
  /** `retry`: the target left or cannot host; another node may take the VM. */
  | { outcome: 'failed'; value: LiveMigrationValue; reason: string; retry: boolean }
  | { outcome: 'cancelled'; value: LiveMigrationValue; reason: string };

/** Runs once, when the migration completed, failed or was cancelled (in virtual time, or within a cancel call). */
export type MigrationEnded = (end: MigrationEnd) => void;

/**
 * Each host's own live-migration settings (Set-VMHost), where something keeps them per host: the rehearsal
 * lab. Absent (--target sim): every host has the cluster description's transport and the cluster's
 * MaximumVirtualMachineMigrations. `undefined` from either function: that host has no setting of its own.
 */
export interface HostMigrationSettings {
  /** -VirtualMachineMigrationPerformanceOption of `node`, as the timing model names transports. */
  transport(node: string): LiveMigrationTransport | undefined;
  /** -MaximumVirtualMachineMigrations of `node`. */
  maximumMigrations(node: string): number | undefined;
}

export interface LiveMigrationDeps {
  clock: SimClock;
  cluster: ClusterDescription;
  properties: ClusterProperties;
  simulator: SimulatorSpec;
  defects: Defects;
  log: EventLog;
  /** One stream per VM: its jitter factors (and the lm-stall and long-blackout draws). */
  rngs: ReadonlyMap<string, Rng>;
  /** One stream per VM for the storvsc race alone, so the race is reproducible whatever else is drawn. */
  raceRngs: ReadonlyMap<string, Rng>;
  /** Up with clussvc running: may receive a VM. */
  canHost(node: string): boolean;
  /** Active member (Up or Paused, clussvc running). */
  isMember(node: string): boolean;
  /**
   * The cluster network a migration between two hosts sets its connection up over (the first of the preference
   * order up between them, network.ts), and whether a network is up between them. Absent: one network, never cut.
   */
  migrationNetwork?(a: string, b: string): string | undefined;
  networkUp?(a: string, b: string, network: string): boolean;
  hosts?: HostMigrationSettings;
}

/** One live migration, from request to its end. Phase durations are whole ms (scaled plan, jitter included). */
export class LiveMigration {
  phase: MigrationPhase = 'Queued';
  readonly requestedAt: number;
  startedAt: number | undefined;
  phaseStartedAt: number;
  timer: Timer | undefined;
  transportUsed: LiveMigrationTransport | undefined;
  setupMs = 0;
  /** Planned passes: duration and memory bytes each. */
  passPlan: { ms: number; bytes: number }[] = [];
  blackoutMs = 0;
  blackoutBytes = 0;
  cleanupMs = 0;
  wirePerByte = 1;
  /** Passes done so far (ms each). */
  readonly passMs: number[] = [];
  bytesSent = 0;
  /** lm-stall: the pass (1-based) that never ends. */
  stallPass: number | undefined;
  /** This migration's jitter factor, drawn once. */
  factor = 1;
  /** Defect long-blackout: the blackout drawn for it. */
  longBlackoutMs: number | undefined;
  /** storvsc-race: the guest crashes as this migration ends. */
  guestCrash = false;
  /** Ended: completed, failed or cancelled. */
  done = false;
  /** Defect migration-pauses-vm: this migration showed its VM PausedCritical on the source. */
  pausedVm = false;
  /** The cluster network its connection goes over, chosen as it leaves the queue. */
  network: string | undefined;

  constructor(
    readonly vm: ClusteredVm,
    readonly source: string,
    readonly target: string,
    readonly transport: LiveMigrationTransport | undefined,
    readonly ended: MigrationEnded,
    now: number,
  ) {
    this.requestedAt = now;
    this.phaseStartedAt = now;
  }

  /**
   * What the migration did so far, ms rounded to integers (LiveMigrationValue, with failedIn when it failed):
   * the phases it finished at their planned length, the one it is in (or ended in) as long as it lasted.
   */
  value(now: number, failedIn?: MigrationPhase): LiveMigrationValue {
    const v: LiveMigrationValue = { vm: this.vm.name, source: this.source, target: this.target };
    const transport = this.transportUsed ?? this.transport;
    if (transport) v.transport = transport;
    if (this.network !== undefined) v.network = this.network;
    const phase = this.phase;
    const inPhase = Math.round(now - this.phaseStartedAt);
    if (this.startedAt !== undefined) v.startedAt = Math.round(this.startedAt);
    v.queuedMs = Math.round((this.startedAt ?? now) - this.requestedAt);
    if (phase !== 'Queued') v.setupMs = phase === 'Setup' ? inPhase : this.setupMs;
    if (phase === 'PreCopy' || phase === 'Blackout' || phase === 'Cleanup') {
      v.passes = this.passMs.length;
      v.passMs = [...this.passMs];
    }
    if (phase === 'Blackout' || phase === 'Cleanup') v.blackoutMs = phase === 'Blackout' ? inPhase : this.blackoutMs;
    if (phase === 'Cleanup') v.cleanupMs = inPhase;
    v.totalMs = Math.round(now - this.requestedAt);
    v.bytes = Math.round(this.bytesSent);
    v.wireBytes = Math.round(this.bytesSent * this.wirePerByte);
    if (failedIn) v.failedIn = failedIn;
    return v;
  }
}

/**
 * The live-migration engine: every live migration in the cluster goes through it (drains, explicit moves,
 * failback). A requested migration waits in a FIFO queue (Queued) until a slot is free: at most
 * MaximumVirtualMachineMigrations from or to each host [LM-SETUP] (one at a time on 2008 R2 hosts, lab §3)
 * and MaximumParallelMigrations in the cluster [PSDOC-GC], [TC-MPM]; the first queued migration that fits
 * starts. Then Setup, PreCopy passes, Blackout and Cleanup (lab §2) take what the physical model
 * (lm-timing.ts) plans, times a factor drawn per migration from the VM's own stream in
 * [1 - liveMigrationJitter, 1 + liveMigrationJitter]. The VM keeps running on the source, which owns it,
 * until the blackout ends; then it runs on the target, which owns it, and the source is cleaned up. A
 * migration that fails leaves the VM running on its source (21502, 21111 on the source [BRAIN-HA]).
 */
export class LiveMigrationEngine {
  private readonly queue: LiveMigration[] = [];
  private readonly running = new Set<LiveMigration>();
  /** Migrations running from or to each host. */
  private readonly busy = new Map<string, number>();
  private pumping = false;

  constructor(private readonly d: LiveMigrationDeps) {}

  /**
   * Queue a live migration of `vm` (hosted by its owner) to `target`, over `transport` instead of the cluster's
   * (Set-VMHost on both hosts for this migration) if given; it starts as soon as a slot is free.
   */
  request(vm: ClusteredVm, target: string, ended: MigrationEnded, transport?: LiveMigrationTransport): LiveMigration {
    const m = new LiveMigration(vm, vm.owner, target, transport, ended, this.d.clock.now());
    vm.migratingTo = target; // placement counts it against the target from now on
    this.queue.push(m);
    this.pump();
    return m;
  }

  /** Migrations not yet ended (queued or running), oldest first. */
  inFlight(): LiveMigration[] {
    return [...this.running, ...this.queue];
  }

  /**
   * Move-ClusterVirtualMachineRole -Cancel: possible while Queued, in Setup and in PreCopy; the VM stays on
   * its source. Returns false (and changes nothing) once the blackout began.
   */
  cancel(m: LiveMigration, reason: string): boolean {
    if (m.done) return true;
    if (m.phase === 'Blackout' || m.phase === 'Cleanup') return false;
    this.end(m, { outcome: 'cancelled', value: m.value(this.d.clock.now(), m.phase), reason });
    return true;
  }

  /**
   * Move-ClusterVirtualMachineRole -Cancel for a VM: cancels its migration not yet ended. 'none' when it
   * has none, 'too-late' when it is past the start of the blackout (it will complete).
   */
  cancelVm(vm: string, reason: string): 'cancelled' | 'too-late' | 'none' {
    const m = this.inFlight().find((x) => x.vm.name === vm);
    if (!m) return 'none';
    return this.cancel(m, reason) ? 'cancelled' : 'too-late';
  }

  /** The cluster stopped (quorum lost): every migration ends where it is; the VMs go offline with the cluster. */
  cancelAll(reason: string): void {
    for (const m of this.inFlight()) this.end(m, { outcome: 'cancelled', value: m.value(this.d.clock.now(), m.phase), reason }, false);
  }

  /**
   * `node` left the cluster or its clussvc stopped: migrations to it that have not reached the target fail
   * (the VM stays on its source; another node may take it); migrations from it that can still be called off
   * are. What is past the blackout completes: the VM already runs on the target.
   */
  nodeLost(node: string): void {
    for (const m of this.inFlight()) {
      if (m.phase === 'Cleanup') continue;
      if (m.target === node) {
        this.fail(m, `the destination ${node} left the cluster`, `The migration connection to '${node}' was lost: the destination host left the cluster. (0x8007274C)`, true);
      } else if (m.source === node && m.phase !== 'Blackout') {
        this.fail(m, `the source ${node} left the cluster`, undefined, false);
      }
    }
  }

  /**
   * Networks were cut between `node` and `peers`: a migration between them whose connection goes over one of them
   * loses it and fails, the VM staying on (or resuming on) its source; past the blackout it has completed. A drain
   * places the VM again (retry): its next migration sets its connection up over the next network of the order
   * [MIGNETORDER].
   */
  networksLost(node: string, peers: readonly string[], networks: readonly string[]): void {
    for (const m of [...this.running]) {
      if (m.phase === 'Cleanup' || m.network === undefined || !networks.includes(m.network)) continue;
      const between = (m.source === node && peers.includes(m.target)) || (m.target === node && peers.includes(m.source));
      if (!between) continue;
      this.fail(
        m,
        `its live-migration network ${m.network} between ${m.source} and ${m.target} was lost`,
        `The migration connection to '${m.target}' over network '${m.network}' was lost: a connection attempt failed because the connected party did not properly respond after a period of time. (0x8007274C)`,
        true,
      );
    }
  }

  private perHostLimit(node: string): number {
    // 2008 R2 hosts migrate one VM at a time, from or to a host (lab §3)
    if (this.d.cluster.hostVersion === '2008R2') return 1;
    return this.d.hosts?.maximumMigrations(node) ?? this.d.properties.get('MaximumVirtualMachineMigrations');
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      // Defect migration-limit-ignored: every queued migration starts at once
      const unlimited = this.d.defects.has('migration-limit-ignored');
      const parallel = this.d.properties.get('MaximumParallelMigrations');
      for (let i = 0; i < this.queue.length; ) {
        if (!unlimited && this.running.size >= parallel) break;
        const m = this.queue[i];
        if (!unlimited && ((this.busy.get(m.source) ?? 0) >= this.perHostLimit(m.source) || (this.busy.get(m.target) ?? 0) >= this.perHostLimit(m.target))) {
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        this.start(m);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Start a queued migration; false if it ended at once instead (the VM moved away, the target left). */
  private start(m: LiveMigration): boolean {
    const { clock, log } = this.d;
    const now = clock.now();
    if (!this.onSource(m)) {
      this.end(m, { outcome: 'cancelled', value: m.value(now, 'Queued'), reason: `${m.vm.name} is no longer online on ${m.source}` });
      return false;
    }
    if (!this.d.canHost(m.target)) {
      this.fail(m, `the destination ${m.target} cannot host roles any more`, undefined, true);
      return false;
    }
    // The connection goes over the first network of the preference order that is up between the hosts [MIGNETORDER]
    if (this.d.migrationNetwork) {
      m.network = this.d.migrationNetwork(m.source, m.target);
      if (m.network === undefined) {
        this.fail(m, `no live-migration network is up between ${m.source} and ${m.target}`, undefined, false);
        return false;
      }
    }
    this.running.add(m);
    this.busy.set(m.source, (this.busy.get(m.source) ?? 0) + 1);
    this.busy.set(m.target, (this.busy.get(m.target) ?? 0) + 1);
    m.startedAt = now;
    this.plan(m);
    // 1641 "role moving", written by the node coordinating the move: the source while it is a member [BRAIN-FC]
    log.roleMoving(this.d.isMember(m.source) ? m.source : m.target, m.vm.name, m.source, m.target);
    this.enter(m, 'Setup', m.setupMs, () => this.setupDone(m));
    return true;
  }

  /** This migration's draws (jitter factor, the defects' dice), then its phases (shape). */
  private plan(m: LiveMigration): void {
    const { defects, simulator } = this.d;
    const rng = this.d.rngs.get(m.vm.name)!;
    const jitter = simulator.liveMigrationJitter;
    m.factor = 1 + jitter * (2 * rng.float() - 1);
    this.shape(m);
    // Defect lm-stall: now and then one pre-copy pass never ends
    if (defects.has('lm-stall') && rng.float() < stallProbability) m.stallPass = rng.int(1, m.passPlan.length);
    // Defect long-blackout: the switch-over takes a minute (20417's documented example: 63.1 s)
    if (defects.has('long-blackout')) m.longBlackoutMs = rng.int(longBlackoutDefectMs[0], longBlackoutDefectMs[1]);
    // Defect short-blackout-20417: a switch-over of 8–15 s, under BlackoutWithin, that Hyper-V logs as 20417 anyway
    else if (defects.has('short-blackout-20417')) m.longBlackoutMs = rng.int(shortBlackout20417Ms[0], shortBlackout20417Ms[1]);
    // Defect storvsc-race: KB2636573, likelier with each dynamic SCSI disk written to (lab §4)
    if (defects.has('storvsc-race')) m.guestCrash = this.d.raceRngs.get(m.vm.name)!.float() < guestCrashProbability(m.vm.configuration.disks ?? []);
    this.shape(m);
  }

  /**
   * The phases' durations: the physical model, scaled by the migration's jitter factor, with the links
   * shared among the migrations running from or to either host (this one counted) when its memory transfer
   * starts (after setup). No draws: shaped at the start for the setup time, again when the transfer begins.
   */
  private shape(m: LiveMigration): void {
    const { cluster, defects } = this.d;
    const sharing = Math.max(this.busy.get(m.source) ?? 1, this.busy.get(m.target) ?? 1);
    const options = {
      sharing,
      ...(this.d.simulator.rdmaSetupMsPerGB !== undefined ? { rdmaSetupMsPerGB: this.d.simulator.rdmaSetupMsPerGB } : {}),
      ...(defects.has('pass-limit-ignored') ? { maximumPasses: passLimitIgnoredCap } : {}),
    };
    // No transport asked for: the source host's own setting, where hosts have one (Set-VMHost), else the cluster's
    const transport = m.transport ?? this.d.hosts?.transport(m.source);
    const plan = planLiveMigration(migratingVm(m.vm.configuration), migrationNetwork(cluster, transport), migrationHost(cluster), options);
    const factor = m.factor;
    m.transportUsed = plan.transportUsed;
    m.wirePerByte = plan.bytes > 0 ? plan.wireBytes / plan.bytes : 1;
    // Jitter is host load and network noise: it may slow a transfer, or speed it up to the wire, never past it
    const wireMs = (bytes: number) => Math.ceil((bytes * m.wirePerByte * 8) / (plan.wireCeilingGbps * 1e6));
    const jittered = (ms: number, bytes: number) => Math.max(Math.round(ms * factor), wireMs(bytes));
    m.setupMs = Math.round(plan.setupMs * factor);
    m.passPlan = plan.passes.map((p) => ({ ms: jittered(p.ms, p.bytes), bytes: p.bytes }));
    m.blackoutBytes = plan.bytes - plan.passes.reduce((sum, p) => sum + p.bytes, 0);
    m.blackoutMs = jittered(plan.blackoutMs, m.blackoutBytes);
    m.cleanupMs = Math.round(plan.cleanupMs * factor);
    if (m.longBlackoutMs !== undefined) m.blackoutMs = m.longBlackoutMs;
    if (m.stallPass !== undefined) m.stallPass = Math.min(m.stallPass, m.passPlan.length);
  }

  private enter(m: LiveMigration, phase: MigrationPhase, ms: number | undefined, next: () => void): void {
    m.phase = phase;
    m.phaseStartedAt = this.d.clock.now();
    m.timer = ms === undefined ? undefined : this.d.clock.after(ms, next);
  }

  /** The VM still runs on the source and is still on its way to this target. */
  private onSource(m: LiveMigration): boolean {
    return m.vm.owner === m.source && m.vm.hosted && m.vm.migratingTo === m.target;
  }

  /** Before each next step: the VM is still there and the target still a member; false if the migration ended. */
  private stillGoing(m: LiveMigration): boolean {
    if (!this.onSource(m)) {
      this.end(m, { outcome: 'cancelled', value: m.value(this.d.clock.now(), m.phase), reason: `${m.vm.name} is no longer online on ${m.source}` });
      return false;
    }
    if (!this.d.isMember(m.target)) {
      this.nodeLost(m.target);
      return false;
    }
    return true;
  }

  private setupDone(m: LiveMigration): void {
    if (!this.stillGoing(m)) return;
    // The transfer connection is set up now (lab §2 step 4): over a network cut between the hosts it cannot be
    // (only defect lm-network-no-fallback picks one)
    if (m.network !== undefined && this.d.networkUp && !this.d.networkUp(m.source, m.target, m.network)) {
      return this.fail(
        m,
        `its live-migration network ${m.network} is down between ${m.source} and ${m.target}`,
        `The migration connection to '${m.target}' over network '${m.network}' could not be set up: a connection attempt failed because the connected party did not properly respond after a period of time. (0x8007274C)`,
        false,
      );
    }
    // Defect missing-shared-storage-path: the VM's configuration cannot be registered (lab §5)
    if (this.d.defects.has('missing-shared-storage-path')) {
      return this.fail(
        m,
        `failed to verify collection registry for virtual machine '${m.vm.name}' (0x80070002)`,
        `Failed to verify collection registry for virtual machine '${m.vm.name}': The system cannot find the file specified. (0x80070002)`,
        false,
      );
    }
    // The memory transfer starts now: it shares the links with whatever runs from or to either host by then.
    this.shape(m);
    // Defect migration-pauses-vm: the VM shows PausedCritical on its source during pre-copy although the source is
    // a member with CSV access (it should run on, monitored, until the blackout, lab §2): on request (live-migrate)
    // or by a drain of a Paused node (a quarantined source is no member: its VMs show what it gives them)
    if (this.d.defects.has('migration-pauses-vm') && this.d.isMember(m.source) && m.vm.state === 'Running') {
      m.vm.state = 'PausedCritical';
      m.pausedVm = true;
    }
    this.nextPass(m);
  }

  /** Pass 1 copies all memory; each next pass what the VM dirtied meanwhile (lab §2 steps 5–6). */
  private nextPass(m: LiveMigration): void {
    const index = m.passMs.length;
    if (index >= m.passPlan.length) return this.enter(m, 'Blackout', m.blackoutMs, () => this.blackoutDone(m));
    const pass = m.passPlan[index];
    const stalls = m.stallPass === index + 1;
    this.enter(m, 'PreCopy', stalls ? undefined : pass.ms, () => {
      if (!this.stillGoing(m)) return;
      m.passMs.push(pass.ms);
      m.bytesSent += pass.bytes;
      this.nextPass(m);
    });
  }

  /** The VM paused on the source, the rest copied; it resumes on the target, which now owns it (lab §2 steps 7–8). */
  private blackoutDone(m: LiveMigration): void {
    if (!this.stillGoing(m)) return;
    const { log, defects } = this.d;
    m.bytesSent += m.blackoutBytes;
    // Defect owner-not-moved: the VM's group stays owned by the source
    if (defects.has('owner-not-moved')) m.vm.migratingTo = undefined;
    else m.vm.liveMigrated(this.landsOn(m));
    // 20417: "succeeded with an unexpectedly long blackout time" [LM-ISSUES]
    if (m.blackoutMs > longBlackoutEventMs || defects.has('short-blackout-20417')) log.longBlackout(m.target, m.vm.name, m.blackoutMs);
    // The guest bugchecks once it runs on the target and restarts there (the VM stays Running) (lab §4)
    if (m.guestCrash) log.guestCrashed(m.target, m.vm.name, guestCrashCodes);
    this.enter(m, 'Cleanup', m.cleanupMs, () => this.end(m, { outcome: 'completed', value: m.value(this.d.clock.now()) }));
  }

  /**
   * Where the VM resumes after the blackout: its target (lab §2 step 8). Defect owner-moved-elsewhere: the first
   * other member that can host it, neither source nor target (the target, when the cluster has no such node).
   */
  private landsOn(m: LiveMigration): string {
    if (!this.d.defects.has('owner-moved-elsewhere')) return m.target;
    return this.d.cluster.nodes.find((n) => n !== m.source && n !== m.target && this.d.canHost(n)) ?? m.target;
  }

  /** The migration failed: the VM stays on the source; 21502 and 21111 there when it had started [BRAIN-HA]. */
  private fail(m: LiveMigration, reason: string, detail: string | undefined, retry: boolean): void {
    if (m.done) return;
    const value = m.value(this.d.clock.now(), m.phase);
    if (detail !== undefined && m.phase !== 'Queued') {
      this.d.log.liveMigrationFailedDetail(m.source, m.vm.name, detail);
      this.d.log.liveMigrationFailed(m.source, m.vm.name);
    }
    this.end(m, { outcome: 'failed', value, reason, retry });
  }

  private end(m: LiveMigration, end: MigrationEnd, pump = true): void {
    if (m.done) return; // ended already (e.g. cancelled by a drain that failed meanwhile)
    m.done = true;
    m.timer?.cancel();
    m.timer = undefined;
    if (this.running.delete(m)) {
      this.busy.set(m.source, this.busy.get(m.source)! - 1);
      this.busy.set(m.target, this.busy.get(m.target)! - 1);
    } else {
      const i = this.queue.indexOf(m);
      if (i >= 0) this.queue.splice(i, 1);
    }
    if (end.outcome !== 'completed' && m.vm.migratingTo === m.target) m.vm.migratingTo = undefined;
    // Defect migration-pauses-vm: a migration that did not complete leaves the VM running on its source again
    if (m.pausedVm && end.outcome !== 'completed' && m.vm.owner === m.source && m.vm.state === 'PausedCritical') m.vm.state = 'Running';
    m.ended(end);
    if (pump) this.pump();
  }
}
