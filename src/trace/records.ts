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
  /**
   * The volume its disks are on: a name in the cluster's `storage` of the matching kind (csv for csv-block, smb for
   * smb). Absent: the cluster's first volume of that kind, or the one implied by the kind (src/trace/storage.ts).
   */
  volume?: string;
  /**
   * Storage resiliency (Set-VM -AutomaticCriticalErrorAction): Pause (the default) freezes the VM in PausedCritical
   * at its first failed I/O; None does not [PSDOC-SETVM], [SAVILL-478].
   */
  automaticCriticalErrorAction?: 'Pause' | 'None';
  /** Minutes in PausedCritical before Hyper-V powers the VM off (Set-VM -AutomaticCriticalErrorActionTimeout); absent: 30 [INNOV]. */
  automaticCriticalErrorActionTimeout?: number;
  memoryGB: number;
  /** Per-VM ResiliencyPeriod override in seconds (Get-ClusterGroup .ResiliencyPeriod); absent or 0 (the group default [MSDN-RP]) = cluster default. */
  resiliencyPeriod?: number;
  /** VM configuration version (Get-VM .Version, e.g. "8.0"); absent = a current version. */
  version?: string;
  /** Memory the running VM dirties per second, in MiB/s (how busy it is; decides pre-copy passes). */
  dirtyMBps?: number;
  /**
   * The part of its memory the VM keeps rewriting (its writable working set), GiB, at most memoryGB: bounds what
   * each pre-copy pass finds dirty. Absent: a quarter of memoryGB (lm-timing.ts defaultWorkingSetFraction).
   */
  workingSetGB?: number;
  /** The VM's virtual disks (Get-VMHardDiskDrive + Get-VHD): what the storvsc race depends on. */
  disks?: VmDisk[];
  /**
   * The group's Priority (Get-ClusterGroup .Priority): High 3000, Medium 2000, Low 1000, NoAutoStart 0 [MSDN-PRIO].
   * Higher-priority groups are placed and started first; a NoAutoStart group is not started by a failover.
   * Absent: Medium, the documented default.
   */
  priority?: VmPriority;
  /** The group's preferred owners, in order (Get-ClusterOwnerNode -Group); absent or empty: none [KB-299631]. */
  preferredOwners?: string[];
  /** The group's AntiAffinityClassNames: groups sharing a name are kept on different nodes where possible [MSDN-AACN]. */
  antiAffinityClassNames?: string[];
}

export type VmPriority = 'High' | 'Medium' | 'Low' | 'NoAutoStart';

/**
 * A shared volume: a Cluster Shared Volume (`csv`, block storage: C:\ClusterStorage\<name>) or an SMB 3 share
 * (`smb`, a UNC path such as \\fs01\vms). `address`: where its storage traffic goes (the iSCSI target portal,
 * the file server), for the PowerShell target's firewall rules.
 */
export interface StorageDescription {
  name: string;
  kind: 'csv' | 'smb';
  address?: string[];
}

/** One virtual disk: a dynamically expanding or fixed VHD(X), on a SCSI or IDE controller, written to or not. */
export interface VmDisk {
  type: 'dynamic' | 'fixed';
  controller: 'scsi' | 'ide';
  /** The guest writes to it (what widens the storvsc race, lab-observations §4). */
  writes: boolean;
}

export type LiveMigrationTransport = 'TCPIP' | 'Compression' | 'SMB' | 'SMBDirect';

/**
 * The hosts' live-migration network (Set-VMHost -VirtualMachineMigrationPerformanceOption, the NICs behind
 * the live-migration networks). `SMBDirect` is SMB over RDMA-capable NICs.
 */
export interface LiveMigrationNetworkDescription {
  transport: LiveMigrationTransport;
  /** NICs the live-migration networks use, per host. */
  nics: number;
  /** Speed of each NIC, Gbps. */
  nicGbps: number;
  /** The NICs are teamed (LACP or switch-independent). */
  teaming: boolean;
  jumboFrames: boolean;
  /** Host BIOS/OS power setting. */
  powerProfile: 'balanced' | 'high-performance' | 'c-states-disabled';
}

export interface ClusterDescription {
  name: string;
  nodes: string[];
  vms: VmDescription[];
  /** The hosts' Windows Server version: decides the pre-copy pass limit and serial migrations (2008 R2). Absent: 2012R2+. */
  hostVersion?: '2008R2' | '2012R2+';
  /** Idle CPU cores per host (Compression needs them). */
  idleCpuCores?: number;
  /** The live-migration network; absent on traces written before issue 4. */
  liveMigration?: LiveMigrationNetworkDescription;
  /**
   * The shared storage the VMs live on: Cluster Shared Volumes and SMB shares, by name. Absent (traces before issue
   * 14, or a description that does not care): each storage kind its VMs use implies one volume (src/trace/storage.ts).
   */
  storage?: StorageDescription[];
  /**
   * Memory each host has for VMs, in GB (what is left once the host itself is served): a VM is placed only on a
   * node whose VMs, with those on their way to it, leave room for its memoryGB. A number (every host alike) or a
   * map node → GB. Absent: memory is not a limit.
   */
  hostMemoryGB?: number | Record<string, number>;
  /** The quorum witness (Get-ClusterQuorum .QuorumResource); absent: none, node majority [MS-QUORUM]. */
  witness?: WitnessDescription;
  /** The cluster's DynamicQuorum property; absent: true, its documented default [MSDN-DQ]. */
  dynamicQuorum?: boolean;
  /**
   * The cluster networks (Get-ClusterNetwork), each on every node. Absent: one network that carries everything,
   * heartbeats and live migrations (src/trace/networks.ts defaultClusterNetworks).
   */
  networks?: ClusterNetworkDescription[];
}

/**
 * A cluster network (Get-ClusterNetwork): its name, its Role [NET-ROLE] — ClusterAndClient (3: cluster traffic and
 * clients), ClusterOnly (1: cluster traffic only), None (0: not used by the cluster) — and its place in the live-
 * migration preference order (the Live Migration Settings of the "Virtual Machine" resource type; 1 = tried first
 * [MIGNETORDER]); a network without one is excluded from live migration (MigrationExcludeNetworks [SMBBW]).
 */
export interface ClusterNetworkDescription {
  name: string;
  role: 'ClusterAndClient' | 'ClusterOnly' | 'None';
  liveMigration?: number;
}

/** A quorum witness: a disk witness (a clustered disk), a file share witness (an SMB share) or a cloud witness (Azure storage) [MS-QUORUM]. */
export interface WitnessDescription {
  type: 'disk' | 'fileshare' | 'cloud';
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
  /**
   * The cluster's time zone, read from its first node when the run started (Get-TimeZone; the simulator's is
   * configurable, UTC by default), so a report can give each moment in the cluster's local time as well as UTC,
   * to match against Get-ClusterLog -UseLocalTime and the event viewer. Absent on traces written before issue 15.
   */
  timeZone?: ClusterTimeZone;
  /** The one command that replays this run. */
  replay: string;
  /** How the run was invoked, so `clusterchaos run --resume <out>` can continue it. */
  invocation?: Invocation;
  /**
   * What first contact with a real cluster read (absent on the simulator): the PowerShell that ran the
   * scripts, and per node its Windows version, clock offset from the management host (ms, its events' times
   * are corrected by it) and clussvc's recovery delay.
   */
  facts?: TargetFacts;
}

/**
 * A time zone as Windows reports it: its id (`W. Europe Standard Time` on Windows, an IANA name such as
 * `Europe/Paris` elsewhere) and its offset from UTC in minutes when the run started (DaylightSaving included).
 */
export interface ClusterTimeZone {
  id: string;
  utcOffsetMinutes: number;
}

export interface TargetFacts {
  powershell: { version: string; edition: string; failoverClusters: string; rehearsal?: boolean };
  nodes: Record<string, { osVersion?: string; clockOffsetMs?: number; offsetUncertaintyMs?: number; clussvcRecoveryMs?: number; clussvcRecovery?: ClussvcRecovery; languageMode?: string }>;
}

/**
 * clussvc's recovery by the service control manager as the node's FailureActions registry value says
 * (SERVICE_FAILURE_ACTIONS [MS-SCMR] 2.2.40): the failure count resets after `resetPeriodS` seconds without a
 * failure; the Nth failure runs `actions[N-1]`, and failures beyond the last repeat the last.
 */
export interface ClussvcRecovery {
  resetPeriodS: number;
  actions: { type: 'restart' | 'none' | 'reboot' | 'run'; delayMs: number }[];
}

/** The command line a run came from (resolved: the seed actually used, every --set in order). */
export interface Invocation {
  file: string;
  /** sha256 of the experiment file's bytes: a resume refuses an edited file. */
  fileSha256: string;
  target: 'sim' | 'powershell';
  seed: number;
  defects: string[];
  sets: string[];
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
  /**
   * The operation's identity: the `seq` of its invoke line, written on the invoke and repeated on its
   * completion, so a completion is paired with its own invoke even when one process has several operations
   * in flight (steps in parallel). Absent on traces written before issue 13: those are paired by process
   * (one operation in flight per process, as in Jepsen).
   */
  id?: number;
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

/** Written after every completed soak iteration: `--resume` continues after the last one. */
export interface CheckpointRecord {
  type: 'checkpoint';
  seq: number;
  t: Millis;
  /** The iteration just completed (1-based). */
  iteration: number;
  state?: unknown;
}

/** What a drain (Suspend-ClusterNode -Drain) or a failback (Resume-ClusterNode -Failback) moved: the op's `value`. */
export interface DrainValue {
  node: string;
  /** Request to completion. */
  totalMs: Millis;
  migrations: LiveMigrationValue[];
}

/**
 * What one live migration did, as the op's `value` (on `ok`, and on `fail` as far as it got). Fields a
 * target could not measure are absent (a real cluster reports phases only through its event log).
 */
export interface LiveMigrationValue {
  vm: string;
  source: string;
  target: string;
  /** Transport actually used (Compression falls back to TCPIP without idle CPU). */
  transport?: LiveMigrationTransport;
  /** The cluster network the migration's connection went over (the first of the preference order that worked). */
  network?: string;
  /** When the migration left the queue (a slot was free), ms since the run started. */
  startedAt?: Millis;
  queuedMs?: Millis;
  setupMs?: Millis;
  /** Pre-copy passes done. */
  passes?: number;
  /** Duration of each pre-copy pass. */
  passMs?: Millis[];
  /** VM paused: the last dirty pages and device state. */
  blackoutMs?: Millis;
  cleanupMs?: Millis;
  /** Request to completion (queue included). */
  totalMs?: Millis;
  /** Memory and device-state bytes sent (before compression) and on the wire. */
  bytes?: number;
  wireBytes?: number;
  /** On failure: the phase it failed in (Queued, Setup, PreCopy, Blackout, Cleanup). */
  failedIn?: string;
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
  /** A soak's account: iterations done, anomalies, where it stopped. */
  soak?: SoakOutcome;
  /** What observing cost: each poll's round trip on the run's clock, and the polls that failed (gaps). */
  observation?: ObservationCost;
  /** Faults that were refused because they would not have taken effect (a firewall that does not enforce rules). */
  notEffective?: string[];
  /** The method stopped early: a step with `on-failure: stop` did not complete ok (which, and how). */
  methodStopped?: string;
}

/** Polls made, polls that failed (gaps in the observations), and their round trip on the run's clock (ms). */
export interface ObservationCost {
  polls: number;
  failed: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

/** What happened in one anomalous soak iteration, in a person's words. */
export interface SoakAnomaly {
  iteration: number;
  t: Millis;
  what: string;
}

export interface SoakOutcome {
  /** Iterations completed (each has its checkpoint line). */
  iterations: number;
  /** What was asked: a number of iterations, or a duration on the run's clock. */
  planned: { iterations?: number; durationMs?: Millis };
  /** Anomalous iterations in all; the first ones are listed in `anomalies`. */
  anomalyCount: number;
  anomalies: SoakAnomaly[];
  /** The iteration the soak stopped at because of an anomaly (stop-on: first-anomaly). */
  stoppedAt?: number;
  /** The run was resumed with --resume after this iteration (the last checkpoint found). */
  resumedAfter?: number;
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
