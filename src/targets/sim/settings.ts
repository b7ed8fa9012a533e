import { OperationError, type ClusterSettingValues } from '../target.js';
import type { Millis } from '../../trace/records.js';

/**
 * The simulator's own timings (ignored by a real cluster). Same shape as the experiment's `SimulatorSpec`
 * (src/experiment/types.ts), declared here because the simulator imports nothing but trace/ and target.ts.
 */
export interface SimulatorSpec {
  /** Delay before the service control manager restarts a crashed clussvc. */
  scmRestartDelayMs: Millis;
  /** How long a failed-over VM takes to start on its new node (min..max, drawn from the seeded RNG). */
  vmStartMs: [Millis, Millis];
  /** Interval between a csv-block VM's disk I/Os (min..max): an I/O to a lost CSV pauses the VM. */
  vmIoIntervalMs: [Millis, Millis];
  /**
   * Live migrations take what the physical timing model (lm-timing.ts) says, times a factor drawn per
   * migration from [1 - jitter, 1 + jitter] (host load, network noise). 0 = exactly the model.
   */
  liveMigrationJitter: number;
  /**
   * SMB Direct set-up per GiB of the VM's memory (its registration with the RDMA NICs). Absent:
   * defaultRdmaSetupMsPerGB (lm-timing.ts, 50 ms, our assumption).
   */
  rdmaSetupMsPerGB?: Millis;
  /**
   * How long a host takes from power-on (or an OS restart) until clussvc starts (min..max, drawn per boot): a
   * server's firmware POST and Windows boot. Absent: hostBootDefaultMs (power.ts).
   */
  hostBootMs?: [Millis, Millis];
}

/**
 * The simulated cluster's own properties (Get-Cluster names, each in its own unit) and their defaults.
 * They are the simulator's, not the models': a real cluster reports its values the same way.
 */

interface PropertyRule {
  default: number;
  min: number;
  max: number;
}

const UINT32_MAX = 0xffffffff;

const properties = {
  // 2 = AlwaysIsolate; 1 = IsolateOnSpecialHeartbeat [PETRI], [MSDN-RL]; our reading of each: resiliency.ts
  ResiliencyLevel: { default: 2, min: 1, max: 2 },
  // Seconds an Isolated node keeps its VMs before it is declared Down; 0 disables resiliency [MSDN-RDP], [SR-FAQ]
  ResiliencyDefaultPeriod: { default: 240, min: 0, max: UINT32_MAX },
  // Ungraceful exits from membership within an hour that quarantine a node; 0 = never [PSDOC-GC], [SAVILL-479]
  QuarantineThreshold: { default: 3, min: 0, max: UINT32_MAX },
  // Seconds a quarantined node may not join (2 h) [PSDOC-GC]
  QuarantineDuration: { default: 7200, min: 0, max: UINT32_MAX },
  // The simulator's own: at most max(1, floor(nodes × this / 100)) nodes quarantined at once. 25 % per
  // [SAVILL-479], [URTECH], [TDA]; one lab post says 20 % (lab-observations §1.6)
  MaxQuarantinedPercent: { default: 25, min: 1, max: 100 },
  // The simulator's own: what happens to a node that reaches QuarantineThreshold when the cap is reached
  // (undocumented): 1 = it is Isolated as after any ungraceful exit (our reading), 2 = it is declared Down
  QuarantineAtCap: { default: 1, min: 1, max: 2 },
  // Heartbeat every 1 s; 10 missed heartbeats remove a node from membership (WS2016 defaults) [ITPRO-HB]
  SameSubnetDelay: { default: 1000, min: 250, max: 4000 },
  SameSubnetThreshold: { default: 10, min: 3, max: 120 },
  // The simulator's own: VMs whose configuration version (major) is below this do not go Unmonitored on an
  // Isolated node; they fail over at once. 0: [VMVER] lists no minimum, so every VM is resilient; a Technical
  // Preview lab saw 6 (lab-observations §1), a value a lab may set
  MinimumResilientVmVersion: { default: 0, min: 0, max: 100 },
  // Restart-Computer drains the node first (1) or takes its VM groups offline, saved (0) [PSDOC-GC]; on by default
  // (machines/settings.ts says where that default comes from)
  DrainOnShutdown: { default: 1, min: 0, max: 1 },
  // The simulator's own: clussvc's recovery by the service control manager (its FailureActions, `sc qfailure
  // clussvc`) [MS-SCMR] 2.2.40: the failure count resets after this many seconds without a failure; the first,
  // second and subsequent failures each restart the service (1, after the simulator's scmRestartDelay) or take no
  // action (0). Windows' own values for clussvc are in no source read (a real target reads them): every failure
  // restarts, and a day's reset period, are our assumption
  ClussvcResetPeriod: { default: 86_400, min: 0, max: UINT32_MAX },
  ClussvcFirstFailureAction: { default: 1, min: 0, max: 1 },
  ClussvcSecondFailureAction: { default: 1, min: 0, max: 1 },
  ClussvcSubsequentFailureAction: { default: 1, min: 0, max: 1 },
  // Live migrations at once from or to one host (2 default) [LM-SETUP]; 2008 R2 hosts migrate one at a time
  // whatever this says (lab §3). On a real cluster this is a per-host setting (Set-VMHost
  // -MaximumVirtualMachineMigrations), not a Get-Cluster property: the simulator keeps one value for every host
  MaximumVirtualMachineMigrations: { default: 2, min: 1, max: 64 },
  // Live migrations at once in the whole cluster (Get-Cluster, WS2022 and later) [PSDOC-GC] example 2; [TC-MPM],
  // [KARL]: 1 after the 2022-09 CU (machines/settings.ts notes the conflict); 2 matches the per-host default
  MaximumParallelMigrations: { default: 2, min: 1, max: 64 },
} satisfies Readonly<Record<string, PropertyRule>>;

/** A cluster property the simulator knows, by its Get-Cluster name. */
export type PropertyName = keyof typeof properties;

export const clusterPropertyNames = Object.keys(properties) as PropertyName[];

/** The cluster's common properties, as Get-Cluster shows them and (Get-Cluster).X = v changes them. */
export class ClusterProperties {
  private readonly values: Record<string, number> = {};

  constructor() {
    for (const name of clusterPropertyNames) this.values[name] = properties[name].default;
  }

  /** The property's current value. */
  get(name: PropertyName): number {
    return this.values[name];
  }

  all(): ClusterSettingValues {
    return { ...this.values };
  }

  /** Set several properties at once: all are checked first, so a refused call changes nothing. */
  set(values: ClusterSettingValues): void {
    for (const [name, value] of Object.entries(values)) {
      const rule: PropertyRule | undefined = Object.hasOwn(properties, name) ? properties[name as PropertyName] : undefined;
      if (!rule) {
        throw new OperationError(`unknown cluster property ${name}; known properties: ${clusterPropertyNames.join(', ')}`);
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new OperationError(`cluster property ${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
      }
      if (value < rule.min || value > rule.max) {
        throw new OperationError(`cluster property ${name} must be between ${rule.min} and ${rule.max}, got ${value}`);
      }
    }
    for (const [name, value] of Object.entries(values)) this.values[name] = value;
  }
}

/** How long a join (a regroup of the whole cluster) takes, ms: drawn per join from the seeded RNG. */
export const joinDurationMs: readonly [number, number] = [2000, 3000];
