import type { ClusterDescription, Millis } from '../trace/records.js';

/** What the simulator needs beyond the cluster's shape (ignored by a real cluster). */
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
  /** How long a host takes from power-on (or an OS restart) until clussvc starts (min..max, drawn per boot). */
  hostBootMs?: [Millis, Millis];
}

export interface FaultStep {
  kind: 'fault';
  /** Name in the fault catalogue (`clusterchaos list faults`). */
  fault: string;
  params: Record<string, unknown>;
  /** Where the step was written, for error messages and reports. */
  line?: number;
  /** Set when the step is in a `parallel:` block (method.ts groups the method back into its blocks). */
  parallel?: InParallel;
  /**
   * `on-failure: stop`: if the operation does not complete `ok` (refused, failed, outcome unknown), the method stops
   * there — no later step runs; the steady state after is still checked and every revert runs — as Cluster-Aware
   * Updating stops when a node cannot be drained. Absent: the method goes on.
   */
  onFailure?: 'stop';
}

export interface WaitStep {
  kind: 'wait';
  ms: Millis;
  line?: number;
  parallel?: InParallel;
}

/**
 * Where a step of a `parallel:` block stands: the block (its index in the method as written, `method[block]`)
 * and the branch (`method[block].parallel[branch]`). The method stays a flat list of steps in the order
 * written; the steps of one block are consecutive, each branch's in order (src/experiment/method.ts).
 */
export interface InParallel {
  block: number;
  branch: number;
  /** The line of the block's `- parallel:`. */
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
    /** The user's own checks of the steady state (`probes:`), run after the cluster's own (src/engine/probes.ts); absent when none. */
    probes?: Probe[];
  };
  /** Every step in the order written; the steps of a `parallel:` block carry `parallel` (method.ts: methodBlocks). */
  method: Step[];
  observe: { intervalMs: Millis };
  check: { toleranceMs: Millis };
  /** How `clusterchaos accept` paces the runs it generates from this experiment's cluster, and what it upgrades to. */
  acceptance: Acceptance;
  seed: number;
  /** Present when the method is repeated (a soak): top-level `iterations` or `duration`, and the `soak` section. */
  soak?: Soak;
  /**
   * The value that sets how long the run is, for a message about its size (estimate.ts): the soak's
   * `iterations` or `duration`, else the longest wait, with where it was written.
   */
  planAt?: Written & { path: string };
}

/**
 * A steady-state probe the user adds (as Chaos Toolkit's steady-state-hypothesis probes): an HTTP GET, a TCP
 * connect or a PowerShell script on the management host. `vm`: the VM that serves what it checks; on the
 * simulator (no network) such a probe is answered by that VM's simulated state, one without is not run.
 */
export type Probe = { name: string; vm?: string; line?: number; timeoutMs: Millis } & (
  | { kind: 'http'; url: string; /** Statuses that count as ok; empty: any 2xx. */ status: number[]; /** Text the body must hold. */ contains?: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'powershell'; script: string }
);

/** Where a value was written: a line and column of the file, or the flag that set it (`--set iterations=20000`). */
export interface Written {
  line?: number;
  column?: number;
  flag?: string;
}

/** The Windows Server releases an upgrade can go to (VM configuration versions each runs: src/acceptance/configuration.ts). */
export const WINDOWS_SERVER_RELEASES = ['2016', '2019', '2022', '2025'] as const;
export type WindowsServerRelease = (typeof WINDOWS_SERVER_RELEASES)[number];

/** The VM configuration versions each Windows Server runs, lowest and highest (windows-cluster-facts §1.6, [VMVER]). */
export const VM_VERSIONS_RUN_BY: Readonly<Record<WindowsServerRelease, readonly [string, string]>> = {
  '2016': ['5.0', '8.0'],
  '2019': ['5.0', '9.0'],
  '2022': ['8.0', '10.0'],
  '2025': ['8.0', '12.0'],
};

/** Pre-upgrade acceptance (the section `acceptance`): how long it observes after each thing it does, and the upgrade's target. */
export interface Acceptance {
  /** The Windows Server the nodes will run after the upgrade: every VM's configuration version must run there too. */
  upgradeTo?: WindowsServerRelease;
  /** After a drain and after a resume: the node Paused with its VMs gone, then back with its VMs. */
  settleMs: Millis;
  /** After clussvc is killed on a node: long enough to see it Isolated; the rejoin is then awaited as the steady state. */
  afterKillMs: Millis;
  /** After each live migration of the tour: the VM seen on its new owner before the next move. */
  afterMoveMs: Millis;
}

/** Repeat the method: a number of iterations or for a duration (virtual time on the simulator). */
export interface Soak {
  /** How many times to run the method (top-level `iterations`). */
  iterations?: number;
  /** Or: run it again until this much time has passed (top-level `duration`). */
  durationMs?: Millis;
  /** Stop after the first anomalous iteration (default), or keep going and count anomalies. */
  stopOn: 'first-anomaly' | 'never';
  /** Event IDs that make an iteration anomalous besides Error/Critical events (default 18590, 20417, 21502, 21111). */
  anomalyEvents: number[];
  /** A live migration not completed within this long is cancelled and counted as an anomaly (default 10m). */
  migrationTimeoutMs: Millis;
}
