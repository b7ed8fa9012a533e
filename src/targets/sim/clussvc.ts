import { OperationError } from '../target.js';
import type { SimClock, Timer } from './clock.js';
import type { EventLog } from './eventlog.js';

export interface ClusterServiceHooks {
  /** The process died (a crash or a forced kill). */
  stopped(node: string): void;
  /** The service was stopped on purpose (Stop-ClusterNode, Stop-Service). */
  stoppedGracefully(node: string): void;
  started(node: string): void;
}

/** The service's start type (Get-Service .StartType; Set-Service -StartupType). */
export type ServiceStartType = 'Automatic' | 'Manual' | 'Disabled';

/** Get-Service .Status of clussvc. */
export type ServiceStatus = 'Running' | 'Stopped' | 'StartPending';

/**
 * The Cluster Service process (clussvc.exe) on one node, and the service control manager that restarts it.
 * A forced kill is an ungraceful exit: SCM logs 7031 and runs the service's recovery action, a restart
 * after `scmRestartDelayMs` [SCM7031]. A service stopped on purpose is not restarted: SCM only runs
 * recovery actions after a failure. A hold-down keeps the service from starting until it ends (as a
 * task on the node that disables the service, then re-enables and starts it). The rehearsal lab drives the
 * service as Windows does instead: a start type (SCM's recovery restart does not start a Disabled service)
 * and a start that takes time (StartPending) before the service runs.
 */
export class ClusterService {
  private isRunning = true;
  private crashes = 0;
  private heldDownUntil: number | undefined;
  private pendingStarts: Timer[] = [];
  private type: ServiceStartType = 'Automatic';
  private starting: Timer | undefined;

  constructor(
    readonly node: string,
    private readonly clock: SimClock,
    private readonly log: EventLog,
    private readonly scmRestartDelayMs: number,
    private readonly hooks: ClusterServiceHooks,
  ) {}

  get running(): boolean {
    return this.isRunning;
  }

  get status(): ServiceStatus {
    return this.isRunning ? 'Running' : this.starting ? 'StartPending' : 'Stopped';
  }

  get startType(): ServiceStartType {
    return this.type;
  }

  /** Set-Service -StartupType. */
  setStartType(type: ServiceStartType): void {
    this.type = type;
  }

  /**
   * Start-Service on a stopped service: StartPending for `ms`, then running. A no-op if it runs or is starting;
   * refused if the service is Disabled (the caller words the error).
   */
  startPending(ms: number): void {
    if (this.type === 'Disabled') throw new OperationError(`clussvc on ${this.node} is Disabled and cannot be started`);
    if (this.isRunning || this.starting) return;
    this.starting = this.clock.after(ms, () => {
      this.starting = undefined;
      this.start();
    });
  }

  /** Stop-Process -Name clussvc -Force. */
  kill(holdDownMs?: number): void {
    if (!this.isRunning) throw new OperationError(`clussvc is not running on ${this.node}`);
    if (holdDownMs !== undefined && !(Number.isFinite(holdDownMs) && holdDownMs >= 0)) {
      throw new OperationError(`holdDownMs must be a finite number of milliseconds ≥ 0, got ${holdDownMs}`);
    }
    if (holdDownMs !== undefined) {
      const until = this.clock.now() + holdDownMs;
      this.heldDownUntil = until;
      this.pendingStarts.push(this.clock.at(until, () => this.liftHoldDownAndStart()));
    }
    this.exit();
  }

  /** The service shut itself down because the cluster lost quorum (after 1177): SCM restarts it as after a crash. */
  terminate(): void {
    if (this.isRunning) this.exit();
  }

  private exit(): void {
    this.isRunning = false;
    this.crashes++;
    this.log.serviceCrashed(this.node, this.crashes, this.scmRestartDelayMs);
    // The recovery action SCM announced in 7031: restart the service [SCM7031]
    this.pendingStarts.push(this.clock.after(this.scmRestartDelayMs, () => this.scmRestart()));
    this.hooks.stopped(this.node);
  }

  /** Stop-Service clussvc (the last step of Stop-ClusterNode): 7036 "stopped", no 7031, no restart. */
  stop(): void {
    if (!this.isRunning) throw new OperationError(`clussvc is not running on ${this.node}`);
    this.isRunning = false;
    this.log.serviceStopped(this.node);
    this.hooks.stoppedGracefully(this.node);
  }

  /**
   * The host lost its power, or its OS went down for a restart (power.ts): the process is gone at once, without
   * a 7031 (nothing on the host runs to log it) and without SCM's restart; what was scheduled to start it (SCM's
   * recovery, a hold-down's task) went with the host. To the other nodes a running service that vanished is an
   * ungraceful exit, as after a crash.
   */
  powerLost(): void {
    for (const timer of this.pendingStarts) timer.cancel();
    this.pendingStarts = [];
    this.starting?.cancel();
    this.starting = undefined;
    this.heldDownUntil = undefined;
    if (!this.isRunning) return;
    this.isRunning = false;
    this.hooks.stopped(this.node);
  }

  /** The host finished booting: Windows starts the service unless it is Disabled (its start type is Automatic). */
  booted(): void {
    if (this.type === 'Disabled' || this.isRunning) return;
    this.begin();
  }

  /** Start-Service clussvc: lifts any hold-down; a no-op if the service runs. */
  start(): void {
    this.heldDownUntil = undefined;
    if (!this.isRunning) this.begin();
  }

  private scmRestart(): void {
    // A held-down (disabled) service cannot be started: SCM's restart attempt does nothing.
    if (this.isRunning || (this.heldDownUntil !== undefined && this.clock.now() < this.heldDownUntil)) return;
    // SCM does not start a Disabled service, recovery action or not [SCM7031]
    if (this.type === 'Disabled') return;
    this.begin();
  }

  private liftHoldDownAndStart(): void {
    this.heldDownUntil = undefined;
    if (!this.isRunning) this.begin();
  }

  private begin(): void {
    for (const timer of this.pendingStarts) timer.cancel();
    this.pendingStarts = [];
    this.starting?.cancel();
    this.starting = undefined;
    this.isRunning = true;
    this.log.serviceRunning(this.node);
    this.hooks.started(this.node);
  }
}
