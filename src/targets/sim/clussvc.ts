import { OperationError } from '../target.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
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

/** One SC_ACTION of a service's FailureActions: restart the service after `delayMs`, or take no action [MS-SCMR] 2.2.19. */
export interface RecoveryAction {
  type: 'restart' | 'none';
  delayMs: number;
}

/**
 * A service's recovery configuration, SERVICE_FAILURE_ACTIONS [MS-SCMR] 2.2.40 (`sc qfailure clussvc`; the
 * FailureActions registry value): SCM counts the service's failures since boot and resets the count to 0 once the
 * service has not failed for `resetPeriodS` seconds; the Nth failure runs action N−1, and a failure beyond the
 * last action repeats the last one [MS-SCMR] 2.2.40, [SC-FAILURE] (services.msc: first, second, subsequent failures).
 * [MS-SCMR] https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-scmr/58032b71-1e5c-4f2e-8545-34b0f2e8c6ad ;
 * [SC-FAILURE] https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2012-r2-and-2012/cc742019(v=ws.11)
 */
export interface RecoveryActions {
  resetPeriodS: number;
  actions: readonly RecoveryAction[];
}

/** The simulated cluster's clussvc recovery: its Clussvc* settings, each restart after the SCM restart delay. */
export function recoveryFrom(get: (name: 'ClussvcResetPeriod' | 'ClussvcFirstFailureAction' | 'ClussvcSecondFailureAction' | 'ClussvcSubsequentFailureAction') => number, delayMs: number): RecoveryActions {
  const action = (type: number): RecoveryAction => ({ type: type === 1 ? 'restart' : 'none', delayMs: type === 1 ? delayMs : 0 });
  return {
    resetPeriodS: get('ClussvcResetPeriod'),
    actions: [action(get('ClussvcFirstFailureAction')), action(get('ClussvcSecondFailureAction')), action(get('ClussvcSubsequentFailureAction'))],
  };
}

/**
 * The Cluster Service process (clussvc.exe) on one node, and the service control manager that restarts it.
 * A forced kill is an ungraceful exit: SCM counts the failure and runs the recovery action for that count
 * (RecoveryActions): a restart after its delay, announced in 7031 [SCM7031], or no action, 7034 [ANAVEM7034]. A
 * service stopped on purpose is not restarted and its stop is no failure: SCM only runs recovery actions after a
 * failure. A hold-down keeps the service from starting until it ends (as a
 * task on the node that disables the service, then re-enables and starts it). The rehearsal lab drives the
 * service as Windows does instead: a start type (SCM's recovery restart does not start a Disabled service)
 * and a start that takes time (StartPending) before the service runs.
 */
export class ClusterService {
  private isRunning = true;
  /** SCM's failure count (7031's "It has done this N time(s)"), and when the service last failed (virtual ms). */
  private crashes = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private heldDownUntil: number | undefined;
  private pendingStarts: Timer[] = [];
  private type: ServiceStartType = 'Automatic';
  private starting: Timer | undefined;

  constructor(
    readonly node: string,
    private readonly clock: SimClock,
    private readonly log: EventLog,
    /** Its recovery configuration as it is now (a lab may change it between failures). */
    private readonly recovery: () => RecoveryActions,
    private readonly hooks: ClusterServiceHooks,
    private readonly defects?: Defects,
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
    const { resetPeriodS, actions } = this.recovery();
    const now = this.clock.now();
    // No failure for the reset period: SCM's count starts again from 0 [MS-SCMR] 2.2.40
    if (now - this.lastFailure > resetPeriodS * 1000) this.crashes = 0;
    this.lastFailure = now;
    this.crashes++;
    // The Nth failure runs the Nth action; beyond the last, the last repeats [MS-SCMR] 2.2.40. Defect
    // recovery-ignores-failure-count: SCM runs the first action on every failure
    const index = this.defects?.has('recovery-ignores-failure-count') ? 0 : Math.min(this.crashes, actions.length) - 1;
    const action = actions[index];
    if (action?.type === 'restart') {
      this.log.serviceCrashed(this.node, this.crashes, action.delayMs, index + 1);
      // The recovery action SCM announced in 7031: restart the service [SCM7031]
      this.pendingStarts.push(this.clock.after(action.delayMs, () => this.scmRestart()));
    } else {
      // No corrective action: 7034, and the service stays stopped until someone starts it [ANAVEM7034]
      this.log.serviceCrashedNoAction(this.node, this.crashes);
    }
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
