/**
 * Every setting the models depend on, with its documented default and where that default comes from.
 * Sources are the keys of ../shared/domain/windows-cluster-facts.md §9 (and lab-observations.md).
 * Where sources disagree, the setting exists and its default is stated with the reason it was chosen.
 *
 * `kind: 'cluster'` settings are cluster properties (Get-Cluster names): a run sets them on the cluster and
 * the models use the values the cluster reports back. `kind: 'model'` settings are the models' own
 * assumptions where Microsoft documents no number; an experiment may tighten or loosen them.
 * `kind: 'simulator'` settings describe how the cluster behaves but are no Get-Cluster property: the simulated
 * cluster is set to them (so a lab can mimic another reading), the models use them as given, and a run on a
 * real cluster never sends them (review B5): they are what the lab is assumed to do.
 */

export type SettingUnit = 's' | 'ms' | 'count' | 'level';

export interface SettingDefinition {
  name: string;
  kind: 'cluster' | 'model' | 'simulator';
  unit: SettingUnit;
  default: number;
  min: number;
  max: number;
  /** Allowed values, where only a few are meaningful (ResiliencyLevel 1 | 2). */
  values?: number[];
  /**
   * The names the sources give the values, which an experiment may write instead of the number
   * (`ResiliencyLevel: AlwaysIsolate`); the run, its trace and its reports keep the number.
   */
  names?: Record<string, number>;
  description: string;
  /** Where the default comes from. */
  source: string;
  /** What other sources say, where they disagree. */
  conflict?: string;
}

const UINT32_MAX = 0xffffffff;

export const settingDefinitions: readonly SettingDefinition[] = [
  {
    name: 'ResiliencyLevel',
    kind: 'cluster',
    unit: 'level',
    default: 2,
    min: 1,
    max: 2,
    values: [1, 2],
    // the ClusterResiliencyLevel enum's names [STUB]; Set-Cluster takes either (lab-observations §1)
    names: { IsolateOnSpecialHeartbeat: 1, AlwaysIsolate: 2 },
    description:
      '1 = IsolateOnSpecialHeartbeat, 2 = AlwaysIsolate: when a node that lost membership is kept Isolated instead of going Down.',
    source: '[PETRI], [WHII-TEST]: AlwaysIsolate (2) "on by default" since Technical Preview 2',
    conflict: '[MSDN-RL] property table gives 1; 2 chosen because every hands-on source observed AlwaysIsolate',
  },
  {
    name: 'ResiliencyDefaultPeriod',
    kind: 'cluster',
    unit: 's',
    default: 240,
    min: 0,
    max: UINT32_MAX,
    description:
      'How long a node may stay Isolated with its VMs running before it is declared Down and its VMs fail over; 0 = pre-2016 behaviour (no isolation).',
    source: '[MSDN-RDP] 240 s, [ITPRO-RES] "4 minutes", [SR-FAQ] 0 disables',
  },
  {
    name: 'QuarantineThreshold',
    kind: 'cluster',
    unit: 'count',
    default: 3,
    min: 0,
    max: UINT32_MAX,
    description: 'Ungraceful exits from membership within an hour after which a node is quarantined.',
    source: '[PSDOC-GC] 3 per hour, [SAVILL-479]',
    conflict: '[MSDN-QT] describes the unit as "minutes"; count per hour chosen (PowerShell docs and lab practice)',
  },
  {
    name: 'QuarantineDuration',
    kind: 'cluster',
    unit: 's',
    default: 7200,
    min: 0,
    max: UINT32_MAX,
    description: 'How long a quarantined node is kept from joining the cluster.',
    source: '[PSDOC-GC] 7200 s (2 h), [MSBLOG] "default: 2 hours"',
    conflict: '[MSDN-QD] gives 0; windows_exporter says milliseconds; seconds and 7200 chosen (PowerShell docs)',
  },
  {
    name: 'MaxQuarantinedPercent',
    kind: 'simulator',
    unit: 'count',
    default: 25,
    min: 1,
    max: 100,
    description:
      'Share of the nodes (percent) that may be quarantined at once: at most max(1, floor(nodes × percent / 100)). Not a Get-Cluster property: a fixed rule of the cluster, exposed by the simulator so a lab can mimic the other reading.',
    source: '[SAVILL-479], [URTECH], [TDA]: 25 %, and one node in 2–3-node clusters',
    conflict: 'One lab post says 20 % (lab-observations §1.6); no other source. 25 chosen (Microsoft material)',
  },
  {
    name: 'QuarantineAtCap',
    kind: 'simulator',
    unit: 'level',
    default: 1,
    min: 1,
    max: 2,
    values: [1, 2],
    description:
      'What happens to a node that reaches QuarantineThreshold while the quarantine cap is reached: 1 = it is Isolated as after any ungraceful exit, 2 = it is declared Down. Not a Get-Cluster property: exposed by the simulator.',
    source: 'Assumption: undocumented ([SAVILL-479], [URTECH] give the cap, not what happens at it); 1 is our reading',
  },
  {
    name: 'DrainOnShutdown',
    kind: 'cluster',
    unit: 'level',
    default: 1,
    min: 0,
    max: 1,
    values: [0, 1],
    description:
      'What an OS restart or shutdown of a node (Restart-Computer) does with its VMs first: 1 = the cluster drains the node (live migration, as Suspend-ClusterNode -Drain), 0 = the VM groups are taken offline per their OfflineAction (Save by default) and restarted on other nodes.',
    source: 'Get-Cluster property [PSDOC-GC], [STUB]; on by default per issue 14 ("DrainOnShutdown, documented default on"); windows-cluster-facts §1.2 lists the default as unconfirmed. Offline action: Virtual Machine resource OfflineAction default 1 = Save (learn.microsoft.com/previous-versions/windows/desktop/mscs/virtual-machines-offlineaction)',
  },
  {
    name: 'MinimumResilientVmVersion',
    kind: 'simulator',
    unit: 'count',
    default: 0,
    min: 0,
    max: 100,
    description:
      'The VM configuration version (major) from which VMs go Unmonitored on an Isolated node; older VMs simply fail over. 0 (the default): every VM is resilient, as Microsoft documents no minimum; 6: the Technical Preview lab\'s reading (VMs below 6.x failed over). Not a Get-Cluster property: exposed by the simulator.',
    source: '[VMVER]: Microsoft\'s feature → minimum-version table lists no minimum for compute resiliency (windows-cluster-facts §1.6), so none',
    conflict: 'lab-observations §1 (a Technical Preview lab post): VMs below 6.x "did not go Unmonitored; they simply failed over" — set 6 to mimic it. Microsoft\'s documentation wins the default',
  },
  {
    name: 'ClussvcResetPeriod',
    kind: 'simulator',
    unit: 's',
    default: 86_400,
    min: 0,
    max: UINT32_MAX,
    description:
      "clussvc's recovery (its FailureActions, `sc qfailure clussvc`): the service control manager resets the service's failure count to 0 once it has not failed for this long; the count picks the recovery action (ClussvcFirstFailureAction, …). Not a Get-Cluster property: a real cluster's own value is read from the node's registry (HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ClusSvc FailureActions).",
    source: '[MS-SCMR] 2.2.40 SERVICE_FAILURE_ACTIONS (dwResetPeriod, seconds), [SC-FAILURE] reset=; the value Windows sets for clussvc is in no source read: one day is our assumption',
  },
  {
    name: 'ClussvcFirstFailureAction',
    kind: 'simulator',
    unit: 'level',
    default: 1,
    min: 0,
    max: 1,
    values: [0, 1],
    // SC_ACTION_NONE (0) and SC_ACTION_RESTART (1) [MS-SCMR] 2.2.19
    names: { None: 0, Restart: 1 },
    description:
      "What the service control manager does at clussvc's first failure (a crash, Stop-Process -Force): 1 = restart the service (after the simulator's scmRestartDelay; on a real cluster the action's own delay), 0 = take no action, so the service stays stopped until someone starts it (7034 instead of 7031). Not a Get-Cluster property.",
    source: '[MS-SCMR] 2.2.19 SC_ACTION (SC_ACTION_RESTART 1, SC_ACTION_NONE 0), [SCM7031]; Windows\' own action for clussvc is in no source read: restart is our assumption (review R6: a real target reads it)',
  },
  {
    name: 'ClussvcSecondFailureAction',
    kind: 'simulator',
    unit: 'level',
    default: 1,
    min: 0,
    max: 1,
    values: [0, 1],
    // SC_ACTION_NONE (0) and SC_ACTION_RESTART (1) [MS-SCMR] 2.2.19
    names: { None: 0, Restart: 1 },
    description: "The same for clussvc's second failure within ClussvcResetPeriod: 1 = restart the service, 0 = take no action. Not a Get-Cluster property.",
    source: '[MS-SCMR] 2.2.40: the Nth failure runs the Nth action; restart is our assumption',
  },
  {
    name: 'ClussvcSubsequentFailureAction',
    kind: 'simulator',
    unit: 'level',
    default: 1,
    min: 0,
    max: 1,
    values: [0, 1],
    // SC_ACTION_NONE (0) and SC_ACTION_RESTART (1) [MS-SCMR] 2.2.19
    names: { None: 0, Restart: 1 },
    description:
      "The same for clussvc's third and every later failure within ClussvcResetPeriod (SCM repeats the last action): 1 = restart the service, 0 = take no action. With 0, a node whose clussvc crashes a third time (QuarantineThreshold 3) is quarantined with its service down: it cannot drain, and its VMs fail over after the resiliency period. Not a Get-Cluster property.",
    source: '[MS-SCMR] 2.2.40: "If N is greater than cActions, the service controller repeats the last action"; restart is our assumption',
  },
  {
    name: 'MaximumVirtualMachineMigrations',
    kind: 'simulator',
    unit: 'count',
    default: 2,
    min: 1,
    max: 64,
    description: 'Live migrations at once from or to one host (Set-VMHost -MaximumVirtualMachineMigrations on each host, not a Get-Cluster property; 2008 R2 hosts: one at a time).',
    source: '[LM-SETUP] default 2; lab-observations §3: serial on 2008 R2',
  },
  {
    name: 'MaximumParallelMigrations',
    kind: 'cluster',
    unit: 'count',
    default: 2,
    min: 1,
    max: 64,
    description: 'Live migrations at once in the whole cluster (Get-Cluster; Windows Server 2022 2022-09 CU and later).',
    source: '[PSDOC-GC] example 2',
    conflict: '[TC-MPM], [KARL]: 1 after the 2022-09 CU; 2 chosen to match the per-host default on older builds',
  },
  {
    name: 'SameSubnetDelay',
    kind: 'cluster',
    unit: 'ms',
    default: 1000,
    min: 250,
    max: 4000,
    description: 'Interval between cluster heartbeats on the same subnet.',
    source: '[ITPRO-HB] 1 s (Windows Server 2016 default); stored in ms per [DSC-SCHEMA]',
  },
  {
    name: 'SameSubnetThreshold',
    kind: 'cluster',
    unit: 'count',
    default: 10,
    min: 3,
    max: 120,
    description: 'Missed heartbeats after which a node is removed from active membership.',
    source: '[ITPRO-HB] 10 (Windows Server 2016 default)',
    conflict: '[FREECRAM]: 5 on older versions; 10 chosen (2016+, the versions with compute resiliency)',
  },
  {
    name: 'BlockStoragePauseWithin',
    kind: 'model',
    unit: 's',
    default: 10,
    min: 0,
    max: 3600,
    description:
      'How soon a csv-block VM on an Isolated node must reach PausedCritical after going RunningCritical (it pauses at its first failed I/O).',
    source: 'Assumption: [ITPRO-RES], [SAVILL-478] and lab-observations §1 give the order RunningCritical → PausedCritical but no time',
  },
  {
    name: 'StoragePauseWithin',
    kind: 'model',
    unit: 's',
    default: 10,
    min: 0,
    max: 3600,
    description:
      'How soon a VM whose storage is lost (fail-storage; fail-storage-path to an SMB share) must be PausedCritical: storage resiliency freezes it at its next failed disk I/O.',
    source:
      'Assumption, as BlockStoragePauseWithin: [SAVILL-477], [SAVILL-478] and [INNOV] say the VM is paused when an I/O to its VHD fails, but not how soon a running VM does I/O',
  },
  {
    name: 'JoinTakesAtLeast',
    kind: 'model',
    unit: 's',
    default: 2,
    min: 0,
    max: 600,
    description:
      'The least time a node spends Joining before it is Up again: with polls this often or more, a lost membership cannot go unseen.',
    source: 'Assumption: a join is a cluster regroup (events 1135/1592) and takes seconds in practice; no documented figure',
  },
  {
    name: 'QuarantineWindow',
    kind: 'model',
    unit: 's',
    default: 3600,
    min: 1,
    max: 86400,
    description: 'The window in which QuarantineThreshold ungraceful exits quarantine a node.',
    source: '[PSDOC-GC] "in an hour", [SAVILL-479] "three times within an hour"',
  },
  {
    name: 'DrainWithin',
    kind: 'model',
    unit: 's',
    default: 120,
    min: 1,
    max: 86400,
    description:
      'How soon every VM of a quarantined or gracefully stopping node must have live-migrated to another node. Raise it for big VMs on slow networks.',
    source: 'Assumption: [SAVILL-479] "any VMs are gracefully drained", [AFINN-17759] live migration by default; no time documented',
  },
  {
    name: 'EventLogWithin',
    kind: 'model',
    unit: 's',
    default: 30,
    min: 1,
    max: 3600,
    description:
      'How far from the poll that saw a node enter Isolated or Quarantined its event (1673; 1676 or 1672) may be logged.',
    source: 'Assumption: [EVT] documents the events, not their delay; 30 s covers a poll interval and event-log collection',
  },
  {
    name: 'BlackoutWithin',
    kind: 'model',
    unit: 's',
    default: 20,
    min: 0,
    max: 3600,
    description:
      'How long a live migration may keep the VM paused for the switch-over (the blackout): it must end within the TCP connection timeout for clients not to drop. Event 20417 reports an unexpectedly long one.',
    source: '[FREECRAM] quoting MS dn440540: the blackout must finish within the TCP connection timeout, ~20 s',
    conflict: '[SAVILL-499] "milliseconds", lab §2: Microsoft claimed ~2 ms; [ANYSTACK] 1–2 s typical. 20 s chosen: the limit clients notice, not the typical figure',
  },
  {
    name: 'LiveMigrationWithin',
    kind: 'model',
    unit: 's',
    default: 600,
    min: 1,
    max: 86400,
    description:
      'How long a live migration may run, from leaving the queue (a slot was free) to completion, before it counts as stalled; waiting in the queue behind others is not a stall. Raise it for big VMs on slow networks (80 GB over 1 GbE takes ~13 min).',
    source: 'Assumption: no documented limit; 600 s matches the runner\'s default migration timeout (10 min) and covers ~48 GB of memory over 1 GbE at the ≈100 MB/s [HOLMAN] measured (windows-cluster-facts §4.3)',
  },
  {
    name: 'FailoverStartWithin',
    kind: 'model',
    unit: 's',
    default: 120,
    min: 1,
    max: 3600,
    description: 'How soon a VM whose node went Down must be running again on another node (placement plus VM start).',
    source: 'Assumption: [EVT] 1682 and [AFINN-17525] say the VMs are failed over, with no time; 120 s covers a VM start',
  },
] as const;

export type SettingName = (typeof settingDefinitions)[number]['name'];

export type Settings = Record<string, number>;

export function settingDefinition(name: string): SettingDefinition | undefined {
  return settingDefinitions.find((d) => d.name === name);
}

/** The documented defaults, overridden by the given values. */
export function resolveSettings(values: Settings = {}): Settings {
  const out: Settings = {};
  for (const d of settingDefinitions) out[d.name] = values[d.name] ?? d.default;
  for (const [k, v] of Object.entries(values)) if (!(k in out)) out[k] = v;
  return out;
}
