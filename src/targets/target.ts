import type {
  ClusterDescription,
  ClusterTimeZone,
  EventRecord,
  DrainValue,
  LiveMigrationTransport,
  LiveMigrationValue,
  Millis,
  NodeObservation,
  VmObservation,
} from '../trace/records.js';

export type { DrainValue, LiveMigrationValue } from '../trace/records.js';

/** What one observation poll saw: every node and every clustered VM, in one round trip. */
export interface Poll {
  /** When the nodes were sampled (ms on the run's clock). */
  t: Millis;
  /** When the VMs' groups were sampled, when that differs from `t` (a real cluster: a later cmdlet). */
  vmsT?: Millis;
  nodes: Record<string, NodeObservation>;
  vms: Record<string, VmObservation>;
}

/**
 * A read of the cluster failed (the cluster did not answer in time, its answer made no sense): nothing was
 * done to it, so this is neither an OperationError nor an OperationUnknownError. During a fault a poll can fail
 * for a while (the cluster's core group moving): the runner records a gap in its observations, not an abort.
 */
export class ReadError extends Error {
  override name = 'ReadError';
}

/** A Windows event-log record as a target collects it (the trace writer adds `seq`). */
export type ClusterEvent = Omit<EventRecord, 'type' | 'seq'>;

/** Cluster properties a run may set (Get-Cluster property names; values in the property's own unit). */
export type ClusterSettingValues = Record<string, number>;

export interface KillClusterServiceOptions {
  /**
   * Keep the service from being started again (by the service control manager or anyone) for this long,
   * then start it. Absent: the node's own recovery (SCM restart) brings it back.
   */
  holdDownMs?: Millis;
}

/**
 * The one seam to a cluster. The simulator and the PowerShell target implement it; faults and the runner
 * use nothing else. Operations reject with an OperationError when the cluster refused or failed them, and
 * with an OperationUnknownError when the outcome is unknown (a timeout, a lost connection).
 */
export interface Target {
  readonly kind: 'sim' | 'powershell';
  describe(): ClusterDescription;
  /**
   * The cluster's time zone (its first node's, Get-TimeZone) when known, for the trace header: reports give each
   * moment in the cluster's local time beside UTC. The simulator's is configurable, UTC by default.
   */
  timeZone?(): ClusterTimeZone | undefined;
  /** Milliseconds since the run started. */
  now(): Millis;
  /**
   * Let time pass (virtual time on the simulator). `signal`: end the sleep early, at once, when it aborts (the
   * runner's poller during a step, when the step's operation completes).
   */
  sleep(ms: Millis, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Run activities at once (the branches of a `parallel:` block; a step's operation and the polls observing it),
   * each awaiting its own sleeps and operations, and settle when every one has. On a virtual clock the clock
   * moves only while every activity waits, so the same seed gives the same interleaving. A target without it
   * cannot observe during a step: the runner then runs a block's branches with Promise.all and polls only
   * between steps.
   */
  concurrently?<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]>;
  poll(): Promise<Poll>;
  /**
   * Event-log records written since the previous call. A target may collect less often than it is asked (a
   * real cluster: every few seconds, each collection costs a round trip to every node) and return none in
   * between; `now` asks it to collect whatever the interval (a soak's iteration end, the run's last poll).
   */
  collectEvents(options?: { now?: boolean }): Promise<ClusterEvent[]>;
  /** Current values of every cluster property the target knows (Get-Cluster names, e.g. ResiliencyDefaultPeriod). */
  getSettings(): Promise<ClusterSettingValues>;
  setSettings(values: ClusterSettingValues): Promise<void>;
  /** Force-kill clussvc on a node (Stop-Process -Name clussvc -Force): an ungraceful exit. */
  killClusterService(node: string, options?: KillClusterServiceOptions): Promise<void>;
  /** Make sure clussvc runs on the node (start it if stopped; lift any hold-down). */
  startClusterService(node: string): Promise<void>;
  /**
   * Stop-ClusterNode: a graceful stop. The node's roles are drained first (VMs live-migrated to other
   * nodes), then clussvc stops; the node is Down without being Isolated and the exit is not ungraceful.
   */
  stopClusterNode(node: string): Promise<void>;
  /** Start-ClusterNode, with -ClearQuarantine to let a quarantined node join at once. */
  startClusterNode(node: string, options?: { clearQuarantine?: boolean }): Promise<void>;
  /**
   * Cut the host's power (its BMC, or the outer Hyper-V host of a nested lab): the OS, clussvc and every VM on
   * it stop at once, nothing is shut down. Resolves once the power is off.
   */
  powerOffNode(node: string): Promise<void>;
  /**
   * Power the host on (idempotent): it boots, clussvc starts, the node joins as after any start. Resolves once
   * the power is on, not when the node has joined.
   */
  powerOnNode(node: string): Promise<void>;
  /**
   * Restart-Computer: an OS restart. With DrainOnShutdown (cluster property, default 1) the cluster drains the
   * node first; without it its VMs are shut down or saved per their automatic stop action. Resolves once the
   * node is back in the cluster (Up, or Paused if it was paused), or rejects with OperationUnknownError after
   * timeoutMs.
   */
  restartNode(node: string, options?: { timeoutMs?: Millis }): Promise<void>;
  /**
   * Cut the node's cluster networks (heartbeats and joins, both directions): from every other node, or with
   * `peers` only from those (an asymmetric partition). Clussvc keeps running. The cut heals by itself after
   * `healAfterMs` even if the runner dies (on a real node: a scheduled task that removes the firewall rules).
   * With `network` (a cluster network's name, or a Role: every network of it) only that network is cut: the node
   * keeps its heartbeats over any other network that carries them (src/trace/networks.ts).
   */
  isolateNetwork(node: string, options: { peers?: string[]; healAfterMs: number; network?: string }): Promise<void>;
  /** Heal a cut made by isolateNetwork now (idempotent). */
  restoreNetwork(node: string): Promise<void>;
  /**
   * Lose a shared volume (a CSV or an SMB share, by its name in the cluster description): for every node, or with
   * `node` only that node's path to it (a CSV then stays reachable from it in redirected access, an SMB share does
   * not). On a real cluster: firewall rules on the nodes blocking the storage traffic (iSCSI TCP 3260 to the
   * target portals, SMB TCP 445 to the file server). Heals by itself after `healAfterMs` even if the runner dies.
   */
  failStorage(storage: string, options: { node?: string; healAfterMs: number }): Promise<void>;
  /** Give back what failStorage took, now (idempotent): for every node, or `node`'s path only. */
  restoreStorage(storage: string, options?: { node?: string }): Promise<void>;
  /**
   * Take the quorum witness away from every node: a file share witness's SMB (TCP 445) to its file server, a
   * cloud witness's HTTPS (TCP 443) to its storage account, a disk witness's path from the node that owns it.
   * The witness resource fails and its vote is gone; the nodes keep running. Heals by itself after `healAfterMs`
   * even if the runner dies (on a real cluster: a scheduled task on each node that removes the firewall rules).
   */
  failWitness(options: { healAfterMs?: Millis }): Promise<void>;
  /** Give the witness back now (idempotent). */
  restoreWitness(): Promise<void>;
  /**
   * Move-ClusterVirtualMachineRole -MigrationType Live: resolves when the VM runs on `node`, with what the
   * migration did. Several calls may be in flight at once; the cluster queues what exceeds its limits.
   * Rejects with an OperationError (carrying the LiveMigrationValue so far) when the migration failed and the
   * VM stayed on its source, or when it did not complete within `timeoutMs` and was cancelled
   * (-Cancel; possible in setup and pre-copy); with an OperationUnknownError when it could not be cancelled.
   */
  liveMigrate(vm: string, node: string, options?: LiveMigrateOptions): Promise<LiveMigrationValue>;
  /**
   * Suspend-ClusterNode [-Drain] -Wait: the node is Paused; with drain its VMs live-migrate to other nodes
   * first. Resolves once the drain completed; rejects with an OperationError when it failed (the node stays
   * Paused with the VMs that could not move). `transport`: the moves use it (Set-VMHost on every node for the
   * drain, restored afterwards) instead of the hosts' own setting.
   */
  suspendNode(node: string, options: { drain: boolean; timeoutMs?: Millis; transport?: LiveMigrationTransport }): Promise<DrainValue>;
  /** Resume-ClusterNode [-Failback Immediate]: the node takes roles again; with failback its drained VMs move back. */
  resumeNode(node: string, options: { failback: boolean; timeoutMs?: Millis; transport?: LiveMigrationTransport }): Promise<DrainValue>;
  /**
   * Read, never change, what pre-upgrade acceptance checks before it drains anything: the VM cluster's
   * SharedStoragePath (Get-VMHostCluster) and whether it exists, each host's live-migration settings
   * (Get-VMHost), every VM's configuration version (Get-VM) and the versions the hosts support
   * (Get-VMHostSupportedVersion); and what the run's first contact compares with the experiment's
   * description: each VM's storage, memory and group placement properties, each host's memory (review R14).
   * windows-cluster-facts §3.2, lab-observations §5.
   */
  readConfiguration(): Promise<ClusterConfiguration>;
  /**
   * Each VM's own ResiliencyPeriod (seconds; the cluster group's property), where the target can read it. 0 is the
   * property's default [MSDN-RP]: the group has none of its own and waits the cluster's ResiliencyDefaultPeriod.
   */
  vmResiliencyPeriods?(vms: readonly string[]): Promise<Record<string, number>>;
  /** Set a VM's own ResiliencyPeriod (its cluster group's property), read back. */
  setVmResiliencyPeriod?(vm: string, seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** What readConfiguration() reads. */
export interface ClusterConfiguration {
  /** Get-VMHostCluster -ClusterName <cluster> .SharedStoragePath, when one is configured; `exists`: Test-Path on a node. */
  sharedStoragePath?: { path: string; exists: boolean };
  /**
   * Get-VMHost on each node: VirtualMachineMigrationEnabled, MaximumVirtualMachineMigrations,
   * VirtualMachineMigrationPerformanceOption, and MemoryCapacity (bytes, the host's physical memory; where the
   * target knows it: the simulator only from cluster.hostMemoryGB).
   */
  hosts: { node: string; liveMigrationEnabled: boolean; maximumMigrations: number; transport: string; memoryCapacityBytes?: number }[];
  /**
   * Each clustered VM: Get-VM .Version; on a real cluster also how its disks are stored (from their paths)
   * and its startup memory; and its cluster group's placement properties: Priority (3000 High, 2000 Medium,
   * 1000 Low, 0 No Auto Start [MSDN-PRIO]), AntiAffinityClassNames, and its preferred owners in order
   * (Get-ClusterOwnerNode -Group; none: empty) — to check the experiment's description against the cluster
   * (review R14).
   */
  vms: {
    name: string;
    version: string;
    storage?: 'csv' | 'smb' | 'local' | 'unknown';
    memoryStartupBytes?: number;
    priority?: number;
    antiAffinityClassNames?: string[];
    preferredOwners?: string[];
  }[];
  /** Get-VMHostSupportedVersion: the configuration versions the hosts can run. */
  supportedVersions: string[];
}

export interface LiveMigrateOptions {
  /** Use this transport for this migration (Set-VMHost on source and target, restored afterwards). */
  transport?: LiveMigrationTransport;
  /** Cancel the migration if it has not completed within this long. */
  timeoutMs?: Millis;
}


/** The cluster refused or failed the operation: it did not happen. `value` says how far it got. */
export class OperationError extends Error {
  override name = 'OperationError';
  constructor(
    message: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}

/** The operation may or may not have happened (timeout, lost connection): recorded as `info`. */
export class OperationUnknownError extends Error {
  override name = 'OperationUnknownError';
  constructor(
    message: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}
