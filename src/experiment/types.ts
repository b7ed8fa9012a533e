import type { ClusterDescription, Millis } from '../trace/records.js';

/** What the simulator needs beyond the cluster's shape (ignored by a real cluster). */
export interface SimulatorSpec {
  /** Delay before the service control manager restarts a crashed clussvc. */
  scmRestartDelayMs: Millis;
  /** How long a failed-over VM takes to start on its new node (min..max, drawn from the seeded RNG). */
  vmStartMs: [Millis, Millis];
  /** Interval between a csv-block VM's disk I/Os (min..max): an I/O to a lost CSV pauses the VM. */
  vmIoIntervalMs: [Millis, Millis];
  /** How long one live migration of a VM takes (min..max) when a node is drained. */
  liveMigrationMs: [Millis, Millis];
}

export interface FaultStep {
  kind: 'fault';
  /** Name in the fault catalogue (`clusterchaos list faults`). */
  fault: string;
  params: Record<string, unknown>;
  /** Where the step was written, for error messages and reports. */
  line?: number;
}

export interface WaitStep {
  kind: 'wait';
  ms: Millis;
  line?: number;
}

export type Step = FaultStep | WaitStep;

/** A validated experiment: everything the runner needs, with defaults filled in. */
export interface Experiment {
  /** Path as the user gave it. */
  file: string;
  /** File name without extension, e.g. `compute-resiliency`. */
  name: string;
  title: string;
  description: string;
  cluster: ClusterDescription;
  simulator: SimulatorSpec;
  /** Cluster properties the experiment sets for the run (Get-Cluster names), restored afterwards. */
  settings: Record<string, number>;
  steadyState: {
    /** How long to wait for all nodes Up and all VMs Running before injecting, and again after. */
    timeoutMs: Millis;
    /** Nodes the experiment expects to stay down after the method (a node that never comes back). */
    downAfter: string[];
  };
  method: Step[];
  observe: { intervalMs: Millis };
  check: { toleranceMs: Millis };
  seed: number;
}
