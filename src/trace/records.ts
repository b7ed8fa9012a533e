/**
 * The trace: one JSON object per line (NDJSON), append-only, so a crash loses at most the last line.
 * The record kinds and their fields are a contract (DESIGN.md, "Contracts"): scripts, CI and
 * `clusterchaos check` read old traces, so fields are only ever added, never renamed.
 */

export const TRACE_FORMAT = 1;

/** Milliseconds since the run started (virtual time on the simulator, wall time on a real cluster). */
export type Millis = number;

export type Verdict = 'pass' | 'fail' | 'unknown';

/**
 * Node health as Get-ClusterNode reports it: `State` (ClusterNodeState name) and the names of the
 * `StatusInformation` flags that are set (ClusterNodeStatusInformation, a [Flags] enum; empty = Normal).
 * Names, never integers: windows-cluster-facts.md §1.3, §8.
 */
export interface NodeObservation {
  State: 'Up' | 'Down' | 'Paused' | 'Joining' | 'Unknown';
  StatusInformation: string[];
}

/**
 * A clustered VM as one poll sees it: `State` is Get-VM's VMState name (Running, RunningCritical,
 * PausedCritical, Off, Starting, …), `GroupState` the cluster group's state name, `OwnerNode` the group's
 * owner, `StatusInformation` the names of the group's status flags (e.g. `Unmonitored`).
 */
export interface VmObservation {
  State: string;
  GroupState: 'Online' | 'Offline' | 'Failed' | 'PartialOnline' | 'Pending' | 'Unknown';
  OwnerNode: string;
  StatusInformation: string[];
}

export type EntityId = `node/${string}` | `vm/${string}`;

export interface VmDescription {
  name: string;
  /** The node that owns the VM's cluster group when the run starts. */
  owner: string;
  /** `smb`: file storage (SMB 3 / Scale-Out File Server); `csv-block`: a VHDX on a CSV over block storage. */
  storage: 'smb' | 'csv-block';
  memoryGB: number;
  /** Per-VM ResiliencyPeriod override in seconds (Get-ClusterGroup .ResiliencyPeriod); absent = cluster default. */
  resiliencyPeriod?: number;
  /** VM configuration version (Get-VM .Version, e.g. "8.0"); absent = a current version. */
  version?: string;
}

export interface ClusterDescription {
  name: string;
  nodes: string[];
  vms: VmDescription[];
}

export interface HeaderRecord {
  type: 'header';
  format: number;
  runId: string;
  experiment: { name: string; title: string; file: string };
  target: 'sim' | 'powershell';
  seed: number;
  defects: string[];
  cluster: ClusterDescription;
  /** Every model setting in force for this run (documented defaults merged with the experiment's values). */
  settings: Record<string, number>;
  /** Checker parameters used for this run (e.g. timing tolerance). */
  check: { toleranceMs: number };
  startTime: string;
  /** The one command that replays this run. */
  replay: string;
}

export type OpPhase = 'invoke' | 'ok' | 'fail' | 'info';

/** A fault, workload or runner operation: an invoke line and one completion line (ok | fail | info). */
export interface OpRecord {
  type: 'op';
  seq: number;
  t: Millis;
  process: string;
  f: string;
  phase: OpPhase;
  args: Record<string, unknown>;
  value?: unknown;
  error?: string;
}

export interface ObserveRecord {
  type: 'observe';
  seq: number;
  t: Millis;
  entity: EntityId;
  state: NodeObservation | VmObservation;
  source: string;
}

/** A Windows event-log record, shaped like Get-WinEvent's output. */
export interface EventRecord {
  type: 'event';
  seq: number;
  t: Millis;
  node: string;
  log: string;
  provider: string;
  id: number;
  level: string;
  time: string;
  message: string;
}

export interface CheckpointRecord {
  type: 'checkpoint';
  seq: number;
  t: Millis;
  iteration: number;
  state?: unknown;
}

/** How the run itself went, as the runner saw it (recorded in the footer, so reports can be rebuilt from the trace). */
export interface RunOutcome {
  status: 'completed' | 'aborted';
  abortReason?: string;
  steadyStateBefore?: { ok: boolean; detail: string };
  steadyStateAfter?: { ok: boolean; detail: string };
  /** Run length on the run's clock (virtual time on the simulator). */
  virtualMs: Millis;
  /** How long the run really took. */
  wallMs: Millis;
  reverts: { fault: string; outcome: 'ok' | 'fail' | 'info'; error?: string }[];
}

export interface FooterRecord {
  type: 'footer';
  seq: number;
  t: Millis;
  verdict: Verdict;
  reason: string;
  /** Wall time is left out, so the same seed gives the same trace line for line (header aside). */
  run?: Omit<RunOutcome, 'wallMs'>;
}

export type TraceRecord =
  | HeaderRecord
  | OpRecord
  | ObserveRecord
  | EventRecord
  | CheckpointRecord
  | FooterRecord;

/** Records as the writer takes them: it numbers them itself. */
export type Unsequenced<R> = R extends { seq: number } ? Omit<R, 'seq'> : R;
