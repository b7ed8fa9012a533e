/**
 * The PowerShell text of every round trip the PowerShell target makes, one pure function per operation.
 *
 * Every script has the same shape, so a person reading `--dry-run` output at 2 a.m. (and the fake pwsh in
 * the tests) can see what it does and with which values:
 *
 *   # clusterchaos <op>                 the operation (one of SCRIPT_OPS)
 *   $cluster = 'HVCLUSTER01'            one assignment per value, each on its own line, each quoted by
 *   $node = 'N2'                        quote.ts (psString, psInteger, psBool, psStringArray, psIntegerArray)
 *                                       an empty line
 *   # In a child scope …                the body: ONE statement `& { … }` without empty lines, the same
 *   & { … }                             text whatever the values, referring to them only through those
 *                                       variables (never a value spliced into code); the script ends with
 *                                       a newline, which the session needs (see wrap)
 *
 * The body runs in a child scope (`& { }`) so nothing it sets outlives it in the long-lived session, stops
 * at the first error (`$ErrorActionPreference = 'Stop'`) and reports it with Write-Error (stderr, so
 * node-powershell sets hadErrors and the target sees the message). Its only output is ONE
 * `ConvertTo-Json -Compress -Depth 5` — `{}` for the operations that return nothing. Enums are projected
 * to their names on the cluster side (`[string]$_.State`): Windows PowerShell 5.1's ConvertTo-Json writes
 * enums as integers and has no -EnumsAsStrings / -AsArray (windows-cluster-facts §3.3).
 *
 * Cmdlets and parameters: windows-cluster-facts §3.1 (FailoverClusters), §3.2 (Hyper-V), §3.4 (firewall),
 * §2 (event logs). Remote, node-local actions go through `Invoke-Command -ComputerName <node>`; cluster
 * cmdlets take `-Cluster`. Nothing here passes -Credential: the session supplies credentials, if any.
 */
import type { LiveMigrationTransport } from '../../trace/records.js';
import { UnsafeValueError, psBool, psInteger, psIntegerArray, psString, psStringArray } from './quote.js';

/** How a script reaches the cluster. */
export interface ClusterAddress {
  /** The cluster's name (`-Cluster`, `Get-Cluster -Name`). */
  cluster: string;
}

/** Every operation name a script can carry on its first line, `# clusterchaos <op>`. */
export const SCRIPT_OPS = [
  'poll',
  'events',
  'get-settings',
  'set-settings',
  'kill-clussvc',
  'hold-down-clussvc',
  'start-clussvc',
  'stop-cluster-node',
  'start-cluster-node',
  'isolate-network',
  'restore-network',
  'live-migrate',
  'cancel-live-migration',
  'suspend-node',
  'resume-node',
  'residue',
  'read-configuration',
] as const;

export type ScriptOp = (typeof SCRIPT_OPS)[number];

/** The operations that only read (observation, settings, the residue scan). */
export const READ_ONLY_OPS: ReadonlySet<ScriptOp> = new Set<ScriptOp>(['poll', 'events', 'get-settings', 'residue', 'read-configuration']);

/** The operations whose scripts change the cluster: everything else. `--dry-run` sends none of them. */
export const MUTATING_OPS: ReadonlySet<ScriptOp> = new Set<ScriptOp>(SCRIPT_OPS.filter((op) => !READ_ONLY_OPS.has(op)));

/** The hold-down's scheduled task on a node (one at a time per node; startClusterService removes it). */
export const HOLD_DOWN_TASK = 'clusterchaos-clussvc-holddown';

/** The dead-man task isolateNetwork registers on a node: the run's tag + this suffix. */
export const HEAL_TASK_SUFFIX = '-heal';

/** The operation a script says it is (its first line), or undefined when it is not one of ours. */
export function scriptOp(script: string): ScriptOp | undefined {
  const m = /^# clusterchaos ([a-z-]+)\r?(?:\n|$)/.exec(script);
  const op = m?.[1];
  return op !== undefined && (SCRIPT_OPS as readonly string[]).includes(op) ? (op as ScriptOp) : undefined;
}

/** True unless the script is one of ours and read-only: an unknown script counts as mutating. */
export function isMutatingScript(script: string): boolean {
  const op = scriptOp(script);
  return op === undefined || MUTATING_OPS.has(op);
}

// ---------------------------------------------------------------------------------------------------------
// The scripts

/**
 * One observation of the whole cluster in one round trip: JSON
 * `{ nodes: [{Name, State, StatusInformation: string[]}], vms: [{Name, State, GroupState, OwnerNode,
 * StatusInformation: string[]}] }`. A VM's `State` is Get-VM's on the group's owner; `'Unknown'` when that
 * node could not be asked.
 */
export function poll(a: ClusterAddress): string {
  return build('poll', a, [], POLL);
}

/**
 * Event-log records written on `nodes` since `sinceIso` (ISO 8601 with a zone, e.g. from
 * Date.toISOString()): JSON array of `{node, log, provider, id, level, time, message}`, oldest first, `time`
 * ISO 8601 UTC. A node that cannot be reached adds nothing (unless none can: then it fails).
 */
export function events(a: ClusterAddress, nodes: readonly string[], sinceIso: string): string {
  nodes.forEach((n) => nonEmpty('node', n));
  if (typeof sinceIso !== 'string' || !ISO_8601.test(sinceIso)) {
    throw new UnsafeValueError(
      `events: "since" must be an ISO 8601 time with a zone (e.g. 2026-11-22T02:00:00.000Z), got ${JSON.stringify(sinceIso)}`,
      sinceIso,
    );
  }
  return build('events', a, [['nodes', psStringArray(nodes)], ['since', psString(sinceIso)]], EVENTS);
}

/** Current values of cluster properties (Get-Cluster): JSON object name → integer. */
export function getSettings(a: ClusterAddress, names: readonly string[]): string {
  names.forEach((n) => nonEmpty('setting name', n));
  return build('get-settings', a, [['names', psStringArray(names)]], GET_SETTINGS);
}

/** Set cluster properties, `(Get-Cluster).Name = value`, in the order given. JSON `{}`. */
export function setSettings(a: ClusterAddress, values: Readonly<Record<string, number>>): string {
  const names = Object.keys(values);
  names.forEach((n) => nonEmpty('setting name', n));
  return build(
    'set-settings',
    a,
    [['names', psStringArray(names)], ['values', psIntegerArray(names.map((n) => values[n]!))]],
    SET_SETTINGS,
  );
}

/** Stop-Process -Name clussvc -Force on the node: an ungraceful exit (SCM's recovery restarts it). JSON `{}`. */
export function killClusterService(a: ClusterAddress, node: string): string {
  return build('kill-clussvc', a, [['node', nodeName(node)]], KILL_CLUSSVC);
}

/**
 * Kill clussvc and keep it down for `holdDownMs`: a scheduled task on the node (HOLD_DOWN_TASK, registered
 * first) sets the service back to Automatic and starts it at the deadline, even if clusterchaos is gone;
 * until then the service is Disabled. JSON `{}`.
 */
export function holdDownClusterService(a: ClusterAddress, node: string, holdDownMs: number): string {
  return build('hold-down-clussvc', a, [['node', nodeName(node)], ['holdDownMs', positiveMs('holdDownMs', holdDownMs)]], HOLD_DOWN_CLUSSVC);
}

/** Make sure clussvc runs on the node: lift any hold-down (task removed, Automatic), Start-Service. JSON `{}`. */
export function startClusterService(a: ClusterAddress, node: string): string {
  return build('start-clussvc', a, [['node', nodeName(node)]], START_CLUSSVC);
}

/** Stop-ClusterNode: a graceful stop. JSON `{}`. */
export function stopClusterNode(a: ClusterAddress, node: string): string {
  return build('stop-cluster-node', a, [['node', nodeName(node)]], STOP_CLUSTER_NODE);
}

/** Start-ClusterNode, with -ClearQuarantine when asked. JSON `{}`. */
export function startClusterNode(a: ClusterAddress, node: string, options: { clearQuarantine?: boolean } = {}): string {
  return build(
    'start-cluster-node',
    a,
    [['node', nodeName(node)], ['clearQuarantine', psBool(options.clearQuarantine ?? false)]],
    START_CLUSTER_NODE,
  );
}

export interface IsolateNetworkOptions {
  /** Cut only these nodes off (by every address they have, resolved on the node); absent or empty: everyone. */
  peers?: readonly string[];
  /** The dead-man: the rules are removed by a task on the node after this long, whatever happens. */
  healAfterMs: number;
  /** The run's tag, `clusterchaos-<runId>`: the firewall rules' group and the task's name prefix. */
  tag: string;
}

/**
 * Cut the node's cluster traffic: firewall rules (group = tag) blocking UDP and TCP 3343 inbound and
 * outbound, to everyone or only to `peers`; a scheduled task on the node (`<tag>-heal`, registered before
 * the rules) removes them after `healAfterMs`. JSON `{}`.
 */
export function isolateNetwork(a: ClusterAddress, node: string, options: IsolateNetworkOptions): string {
  const peers = options.peers ?? [];
  peers.forEach((p) => nonEmpty('peer', p));
  return build(
    'isolate-network',
    a,
    [
      ['node', nodeName(node)],
      ['peers', psStringArray(peers)],
      ['healAfterMs', positiveMs('healAfterMs', options.healAfterMs)],
      ['tag', runTag(options.tag)],
    ],
    ISOLATE_NETWORK,
  );
}

/** Remove the tag's firewall rules and its dead-man task from the node; nothing to remove is fine. JSON `{}`. */
export function restoreNetwork(a: ClusterAddress, node: string, tag: string): string {
  return build('restore-network', a, [['node', nodeName(node)], ['tag', runTag(tag)]], RESTORE_NETWORK);
}

export interface TransportOption {
  /** Set-VMHost -VirtualMachineMigrationPerformanceOption for the move(s), restored afterwards. */
  transport?: LiveMigrationTransport;
}

/**
 * Move-ClusterVirtualMachineRole -MigrationType Live, waiting for completion: JSON
 * `{ vm, source, target, totalMs }` (`target` read back from the cluster after the move). With a
 * transport, source and target use it for the move (SMBDirect = SMB) and get their own setting back after.
 */
export function liveMigrate(a: ClusterAddress, vm: string, node: string, options: TransportOption = {}): string {
  return build(
    'live-migrate',
    a,
    [['vm', vmName(vm)], ['node', nodeName(node)], ['transport', transportValue(options.transport)]],
    LIVE_MIGRATE,
  );
}

/** Move-ClusterVirtualMachineRole -Cancel: cancel the VM's live migration in progress. JSON `{}`. */
export function cancelLiveMigration(a: ClusterAddress, vm: string): string {
  return build('cancel-live-migration', a, [['vm', vmName(vm)]], CANCEL_LIVE_MIGRATION);
}

/**
 * Suspend-ClusterNode [-Drain] -Wait: JSON `{ node, totalMs }`. A drain the cluster reports Failed
 * (DrainStatus) is an error. With a transport, every node uses it during the drain, restored after.
 */
export function suspendNode(a: ClusterAddress, node: string, options: { drain: boolean } & TransportOption): string {
  return build(
    'suspend-node',
    a,
    [['node', nodeName(node)], ['drain', psBool(options.drain)], ['transport', transportValue(options.transport)]],
    SUSPEND_NODE,
  );
}

/**
 * Resume-ClusterNode -Failback Immediate | NoFailback: JSON `{ node, totalMs }`. With a transport, every
 * node uses it while the failback moves run, restored after.
 */
export function resumeNode(a: ClusterAddress, node: string, options: { failback: boolean } & TransportOption): string {
  return build(
    'resume-node',
    a,
    [['node', nodeName(node)], ['failback', psBool(options.failback)], ['transport', transportValue(options.transport)]],
    RESUME_NODE,
  );
}

/**
 * What a run may have left behind (read-only): JSON `{ nodes: [{Name, State, StatusInformation}],
 * firewallRules: string[], tasks: string[], settings: Record<string, number>, unchecked: string[] }` —
 * firewallRules and tasks as `<node>/<name>` (the tag's rules; the tag's heal task and the hold-down task),
 * settings the current values of the given names (compare them with `settings`' values), unchecked the
 * nodes that could not be asked about rules and tasks.
 */
export function residue(a: ClusterAddress, options: { tag: string; settings: Readonly<Record<string, number>> }): string {
  const names = Object.keys(options.settings);
  names.forEach((n) => nonEmpty('setting name', n));
  return build('residue', a, [['tag', runTag(options.tag)], ['names', psStringArray(names)]], RESIDUE);
}

/**
 * What pre-upgrade acceptance checks, read-only (windows-cluster-facts §3.2, lab-observations §5): JSON
 * `{ sharedStoragePath: string|null, sharedStoragePathExists: bool, hosts: [{node, liveMigrationEnabled,
 * maximumMigrations, transport}], vms: [{name, version}], supportedVersions: string[] }` — the
 * SharedStoragePath of Get-VMHostCluster -ClusterName and whether Test-Path finds it on the first node that
 * answers; Get-VMHost on each node; Get-VM .Version of each clustered VM on its owner;
 * Get-VMHostSupportedVersion on the first node.
 */
export function readConfiguration(a: ClusterAddress): string {
  return build('read-configuration', a, [], READ_CONFIGURATION);
}

// ---------------------------------------------------------------------------------------------------------
// Values: validated here, quoted by quote.ts

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The run's tag names firewall rules (a group that Get-NetFirewallRule -Group looks up, where wildcard
 * characters would match other rules) and scheduled tasks: only `clusterchaos-` + letters, digits, `.`,
 * `_`, `-` (a runId is a UUID).
 */
const TAG = /^clusterchaos-[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const TRANSPORTS: readonly LiveMigrationTransport[] = ['TCPIP', 'Compression', 'SMB', 'SMBDirect'];

function nonEmpty(what: string, value: string): string {
  if (value === '') throw new UnsafeValueError(`a ${what} cannot be empty`, value);
  return value;
}

const nodeName = (node: string): string => psString(nonEmpty('node name', node));
const vmName = (vm: string): string => psString(nonEmpty('VM name', vm));

function positiveMs(what: string, ms: number): string {
  const literal = psInteger(ms);
  if (ms <= 0) throw new UnsafeValueError(`${what} must be a positive number of milliseconds, got ${ms}`, ms);
  return literal;
}

function runTag(tag: string): string {
  if (typeof tag !== 'string' || !TAG.test(tag)) {
    throw new UnsafeValueError(
      `the run tag must be "clusterchaos-" followed by letters, digits, ".", "_" or "-" (at most 100), got ${JSON.stringify(tag)}`,
      tag,
    );
  }
  return psString(tag);
}

/** `''` means "the hosts' own setting". */
function transportValue(transport: LiveMigrationTransport | undefined): string {
  if (transport === undefined) return psString('');
  if (!TRANSPORTS.includes(transport)) {
    throw new UnsafeValueError(`unknown live-migration transport ${JSON.stringify(transport)}; expected one of ${TRANSPORTS.join(', ')}`, transport);
  }
  return psString(transport);
}

// ---------------------------------------------------------------------------------------------------------
// Assembly

function build(op: ScriptOp, a: ClusterAddress, values: ReadonlyArray<readonly [string, string]>, body: string): string {
  const header = [`# clusterchaos ${op}`, `$cluster = ${psString(nonEmpty('cluster name', a.cluster))}`];
  for (const [name, literal] of values) header.push(`$${name} = ${literal}`);
  return `${header.join('\n')}\n\n${wrap(op, body)}`;
}

/**
 * The body in a child scope, stopping at the first error and reporting it on stderr.
 *
 * The session reads its commands from stdin (`pwsh -Command -`), where the console host works like a REPL
 * (ConsoleHost.cs `InputLoop.Run`; PowerShell issue #3223): a complete line runs at once, an incomplete one
 * starts a block that collects every following line until a whitespace-only line, and only then runs. So:
 * - the body is ONE statement, `& { … }`, with no empty line inside it (an empty line would end the block
 *   early; PowerShell recovers from the incomplete parse, but we do not lean on that);
 * - the script ends with a newline, so that the end-of-line node-powershell writes after it makes the empty
 *   line that runs the block. Without it the block would swallow node-powershell's delimiter lines and the
 *   invocation would hang. Callers must not trim a script.
 */
function wrap(op: ScriptOp, body: string): string {
  const inner = body
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => '    ' + line)
    .join('\n');
  return [
    '# In a child scope, so nothing set here stays behind in the session.',
    '& {',
    '  # Stop at the first error; the catch reports it on stderr.',
    "  $ErrorActionPreference = 'Stop'",
    '  try {',
    inner,
    '  } catch {',
    `    Write-Error -Message ('clusterchaos ${op}: ' + $_.Exception.Message) -ErrorAction Continue`,
    '  }',
    '}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Bodies. Constant text: every value comes from a header variable. Avoid automatic variable names ($host,
// $input, $args, $error, $matches…) and the header's own names for locals.

/** [Flags] enum → the names of the bits set ("Isolated, Quarantined" → Isolated, Quarantined); Normal is none. */
const FLAG_NAMES = String.raw`
# [Flags] value -> the names of the flags set ('Isolated, Quarantined' -> 'Isolated', 'Quarantined'); Normal = none.
function ConvertTo-FlagNames($flags) {
  @(([string]$flags) -split ',\s*' | Where-Object { $_ -and $_ -ne 'Normal' -and $_ -ne '0' })
}
`;

/** Nodes with State and StatusInformation by name, into $nodeStates. */
const NODE_STATES = String.raw`
# Nodes: State and StatusInformation by name (never the integers).
$nodeStates = @(Get-ClusterNode -Cluster $cluster | ForEach-Object {
  [pscustomobject]@{
    Name = [string]$_.Name
    State = [string]$_.State
    StatusInformation = @(ConvertTo-FlagNames $_.StatusInformation)
  }
})
`;

const POLL = String.raw`
${FLAG_NAMES}${NODE_STATES}
# Clustered VMs: the cluster groups of type VirtualMachine (a VM's group carries the VM's name).
$groups = @(Get-ClusterGroup -Cluster $cluster | Where-Object { [string]$_.GroupType -eq 'VirtualMachine' })

# Each VM's own state from Get-VM on the node that owns its group, all owners at once.
# An owner that cannot be reached leaves its VMs 'Unknown' (the nodes above say why).
$owners = @($groups | ForEach-Object { [string]$_.OwnerNode.Name } | Sort-Object -Unique)
$vmStateByOwner = @{}
if ($owners.Count -gt 0) {
  Invoke-Command -ComputerName $owners -ErrorAction SilentlyContinue -ScriptBlock {
    Get-VM | ForEach-Object { [pscustomobject]@{ Name = [string]$_.Name; State = [string]$_.State } }
  } | ForEach-Object { $vmStateByOwner[[string]$_.PSComputerName + '/' + $_.Name] = [string]$_.State }
}
$vms = @($groups | ForEach-Object {
  $owner = [string]$_.OwnerNode.Name
  $vmState = $vmStateByOwner[$owner + '/' + [string]$_.Name]
  if (-not $vmState) { $vmState = 'Unknown' }
  [pscustomobject]@{
    Name = [string]$_.Name
    State = $vmState
    GroupState = [string]$_.State
    OwnerNode = $owner
    StatusInformation = @(ConvertTo-FlagNames $_.StatusInformation)
  }
})

ConvertTo-Json -Compress -Depth 5 -InputObject ([pscustomobject]@{ nodes = $nodeStates; vms = $vms })
`;

const EVENTS = String.raw`
# From when: the ISO 8601 time, read exactly ('Z' stays UTC).
$start = [datetime]::Parse($since, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)

# On every node at once. Each node first says it answered, then sends its events, or an error.
$found = @()
if ($nodes.Count -gt 0) {
  $found = @(Invoke-Command -ComputerName $nodes -ErrorAction SilentlyContinue -ErrorVariable unreachable -ScriptBlock {
    $ErrorActionPreference = 'Stop'
    $start = $using:start
    [pscustomobject]@{ kind = 'reached' }
    # Hyper-V admin logs: only those this node has (their names vary, windows-cluster-facts §2.1).
    $hyperVLogs = @(Get-WinEvent -ListLog 'Microsoft-Windows-Hyper-V-High-Availability-Admin', 'Microsoft-Windows-Hyper-V-Worker-Admin', 'Microsoft-Windows-Hyper-V-VMMS-Admin' -ErrorAction SilentlyContinue | ForEach-Object { $_.LogName })
    # The cluster's events and the service manager's crash reports (7024, 7031, 7034) in System.
    $filters = @(
      @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-FailoverClustering'; StartTime = $start },
      @{ LogName = 'System'; ProviderName = 'Service Control Manager'; ID = 7024, 7031, 7034; StartTime = $start }
    )
    if ($hyperVLogs.Count -gt 0) { $filters += @{ LogName = $hyperVLogs; StartTime = $start } }
    foreach ($filter in $filters) {
      try {
        Get-WinEvent -FilterHashtable $filter | ForEach-Object {
          [pscustomobject]@{
            kind = 'event'
            log = [string]$_.LogName
            provider = [string]$_.ProviderName
            id = [int]$_.Id
            level = [string]$_.LevelDisplayName
            time = $_.TimeCreated.ToUniversalTime().ToString('o')
            message = [string]$_.Message
            # the insertion strings (1135: %1 is the node removed), the same in every language, unlike the message
            data = @($_.Properties | ForEach-Object { [string]$_.Value })
          }
        }
      } catch {
        # No events since then is not an error (matched by its id: the message is localized).
        if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') {
          [pscustomobject]@{ kind = 'error'; message = [string]$_.Exception.Message }
        }
      }
    }
  })
}

# A node that answered with an error fails the collection; one that could not be reached adds nothing,
# unless none could.
$failures = @($found | Where-Object { $_.kind -eq 'error' })
if ($failures.Count -gt 0) { throw ('Get-WinEvent on ' + $failures[0].PSComputerName + ': ' + $failures[0].message) }
if ($nodes.Count -gt 0 -and @($found | Where-Object { $_.kind -eq 'reached' }).Count -eq 0) {
  throw ('no node could be reached: ' + (@($unreachable | ForEach-Object { $_.Exception.Message }) -join '; '))
}

$records = @($found | Where-Object { $_.kind -eq 'event' } | Sort-Object -Property time | ForEach-Object {
  [pscustomobject]@{
    node = [string]$_.PSComputerName
    log = $_.log
    provider = $_.provider
    id = [int]$_.id
    level = $_.level
    time = $_.time
    message = $_.message
    data = @($_.data)
  }
})
ConvertTo-Json -Compress -Depth 5 -InputObject $records
`;

/** Current values of the properties named in $names, into the ordered dictionary $current. */
const READ_SETTINGS = String.raw`
# Each property of the cluster object, as an integer; a name the cluster does not have is an error.
$clusterObject = Get-Cluster -Name $cluster
$current = [ordered]@{}
foreach ($name in $names) {
  if ($null -eq $clusterObject.PSObject.Properties[$name]) { throw ('the cluster has no property ' + $name) }
  $current[$name] = [long]$clusterObject.$name
}
`;

const GET_SETTINGS = String.raw`
${READ_SETTINGS}
ConvertTo-Json -Compress -Depth 5 -InputObject $current
`;

const SET_SETTINGS = String.raw`
# Set each cluster property in turn: (Get-Cluster).Property = value takes effect at once.
$clusterObject = Get-Cluster -Name $cluster
for ($i = 0; $i -lt $names.Count; $i++) {
  $clusterObject.($names[$i]) = $values[$i]
}

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const KILL_CLUSSVC = String.raw`
# Kill clussvc on the node: an ungraceful exit, as if it had crashed (its recovery restarts it).
Invoke-Command -ComputerName $node -ScriptBlock {
  $ErrorActionPreference = 'Stop'
  Stop-Process -Name clussvc -Force
}

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const HOLD_DOWN_CLUSSVC = String.raw`
Invoke-Command -ComputerName $node -ScriptBlock {
  $ErrorActionPreference = 'Stop'
  # The dead-man first: at the deadline a scheduled task (SYSTEM, on the node) sets clussvc back to
  # Automatic and starts it, even if clusterchaos is gone by then; then it removes itself.
  $lift = 'Set-Service -Name clussvc -StartupType Automatic; Start-Service -Name clussvc; Unregister-ScheduledTask -TaskName clusterchaos-clussvc-holddown -Confirm:$false'
  $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -Command ' + $lift)
  $deadline = (Get-Date).AddMilliseconds($using:holdDownMs)
  $trigger = New-ScheduledTaskTrigger -Once -At $deadline
  $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
  Register-ScheduledTask -TaskName 'clusterchaos-clussvc-holddown' -Action $action -Trigger $trigger -Principal $principal -Force | Out-Null

  # Until then nobody (not even the service's own recovery) can start it.
  Set-Service -Name clussvc -StartupType Disabled
  # Kill it: an ungraceful exit.
  Stop-Process -Name clussvc -Force
}

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const START_CLUSSVC = String.raw`
Invoke-Command -ComputerName $node -ScriptBlock {
  $ErrorActionPreference = 'Stop'
  # Lift a hold-down, if any: remove its task, let the service start automatically again.
  Get-ScheduledTask -TaskName 'clusterchaos-clussvc-holddown' -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false
  Set-Service -Name clussvc -StartupType Automatic
  # Start clussvc (nothing happens if it already runs).
  Start-Service -Name clussvc
}

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const STOP_CLUSTER_NODE = String.raw`
# A graceful stop: the node's roles move away, then its cluster service stops.
Stop-ClusterNode -Name $node -Cluster $cluster | Out-Null

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const START_CLUSTER_NODE = String.raw`
# Start the node's cluster service; -ClearQuarantine lets a quarantined node join at once.
Start-ClusterNode -Name $node -Cluster $cluster -ClearQuarantine:$clearQuarantine | Out-Null

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const ISOLATE_NETWORK = String.raw`
Invoke-Command -ComputerName $node -ScriptBlock {
  $ErrorActionPreference = 'Stop'
  $tag = $using:tag
  $peerNames = @($using:peers | Where-Object { $_ })
  $healTask = $tag + '-heal'

  # Whom to cut off: everyone, or only the peers, by every address they have (cluster network interfaces
  # and DNS), looked up here on the node. A peer without an address stops everything: never cut more than asked.
  $remote = @('Any')
  if ($peerNames.Count -gt 0) {
    $remote = @(foreach ($peer in $peerNames) {
      $addresses = @(Get-ClusterNetworkInterface -Node $peer -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.Address })
      try { $addresses += @([System.Net.Dns]::GetHostAddresses($peer) | ForEach-Object { $_.IPAddressToString }) } catch { }
      $addresses = @($addresses | Where-Object { $_ })
      if ($addresses.Count -eq 0) { throw ('no address found for the peer ' + $peer + '; nothing was changed') }
      $addresses
    })
    $remote = @($remote | Sort-Object -Unique)
  }

  # The dead-man, before any rule exists: at the deadline a scheduled task (SYSTEM, on the node) removes the
  # rules even if clusterchaos dies (the cut also cuts the session that would undo it), then itself.
  # Its command quotes the names with PowerShell's own CodeGeneration (windows-cluster-facts §5.2) and
  # travels base64-encoded, so no command-line parsing touches them.
  function Quote($text) { "'" + [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($text) + "'" }
  $heal = 'Get-NetFirewallRule -Group ' + (Quote $tag) + ' -ErrorAction SilentlyContinue | Remove-NetFirewallRule; ' +
    'Unregister-ScheduledTask -TaskName ' + (Quote $healTask) + ' -Confirm:$false'
  $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($heal))
  $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
  $deadline = (Get-Date).AddMilliseconds($using:healAfterMs)
  $trigger = New-ScheduledTaskTrigger -Once -At $deadline
  $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
  Register-ScheduledTask -TaskName $healTask -Action $action -Trigger $trigger -Principal $principal -Force | Out-Null

  # Block the cluster port 3343, UDP (heartbeats) and TCP (joins), both ways, starting from a clean slate.
  Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | Remove-NetFirewallRule
  foreach ($direction in 'Inbound', 'Outbound') {
    foreach ($protocol in 'UDP', 'TCP') {
      $rule = @{
        Name = $tag + '-' + $direction + '-' + $protocol
        DisplayName = $tag + ' ' + $direction + ' ' + $protocol + ' 3343'
        Group = $tag
        Direction = $direction
        Protocol = $protocol
        RemoteAddress = $remote
        Action = 'Block'
      }
      # Inbound: others reaching this node's 3343; outbound: this node reaching theirs.
      if ($direction -eq 'Inbound') { $rule.LocalPort = 3343 } else { $rule.RemotePort = 3343 }
      New-NetFirewallRule @rule | Out-Null
    }
  }
}

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const RESTORE_NETWORK = String.raw`
Invoke-Command -ComputerName $node -ScriptBlock {
  $ErrorActionPreference = 'Stop'
  $tag = $using:tag
  # Remove the tag's firewall rules (none left is fine: the dead-man may have been first).
  Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | Remove-NetFirewallRule
  # And the dead-man task, which has nothing left to do.
  Get-ScheduledTask -TaskName ($tag + '-heal') -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false
}

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

/**
 * With $transport set: use it on the hosts in $transportHosts, remembering their own setting in
 * $previousTransport (host → option; initialised before the try). TRANSPORT_RESTORE, in the finally, puts
 * them back.
 */
const TRANSPORT_SET = String.raw`
# With a transport: the hosts use it for these moves (SMBDirect = SMB over RDMA NICs); each host's own
# setting is remembered as soon as it is changed, and put back in the finally below.
if ($transport) {
  $option = $transport
  if ($option -eq 'SMBDirect') { $option = 'SMB' }
  foreach ($server in $transportHosts) {
    $previousTransport[$server] = Invoke-Command -ComputerName $server -ScriptBlock {
      $ErrorActionPreference = 'Stop'
      $own = [string](Get-VMHost).VirtualMachineMigrationPerformanceOption
      Set-VMHost -VirtualMachineMigrationPerformanceOption $using:option
      $own
    }
  }
}
`;

const TRANSPORT_RESTORE = String.raw`
# Give the hosts their own transport back.
foreach ($server in @($previousTransport.Keys)) {
  $own = $previousTransport[$server]
  Invoke-Command -ComputerName $server -ScriptBlock { Set-VMHost -VirtualMachineMigrationPerformanceOption $using:own }
}
`;

const indent = (text: string, by: string): string =>
  text
    .trim()
    .split('\n')
    .map((l) => by + l)
    .join('\n');

const LIVE_MIGRATE = String.raw`
# Where the VM runs now: the owner of its cluster group.
$source = [string](Get-ClusterGroup -Name $vm -Cluster $cluster).OwnerNode.Name

$transportHosts = @(@($source, $node) | Sort-Object -Unique)
$previousTransport = @{}
try {
${indent(TRANSPORT_SET, '  ')}

  # The live migration; the cmdlet returns once it has completed (or failed).
  $clock = [Diagnostics.Stopwatch]::StartNew()
  Move-ClusterVirtualMachineRole -Name $vm -Node $node -MigrationType Live -Cluster $cluster | Out-Null
  $clock.Stop()
} finally {
${indent(TRANSPORT_RESTORE, '  ')}
}

# Where it runs after the move: it must be the node asked for.
$owner = [string](Get-ClusterGroup -Name $vm -Cluster $cluster).OwnerNode.Name
if ($owner -ne $node) { throw ('the VM ' + $vm + ' is on ' + $owner + ' after the move, not on ' + $node) }

ConvertTo-Json -Compress -Depth 5 -InputObject ([pscustomobject]@{ vm = $vm; source = $source; target = $owner; totalMs = $clock.ElapsedMilliseconds })
`;

const CANCEL_LIVE_MIGRATION = String.raw`
# Cancel the VM's live migration in progress.
Move-ClusterVirtualMachineRole -Name $vm -Cancel -Cluster $cluster | Out-Null

ConvertTo-Json -Compress -Depth 5 -InputObject @{}
`;

const SUSPEND_NODE = String.raw`
$transportHosts = @(Get-ClusterNode -Cluster $cluster | ForEach-Object { [string]$_.Name })
$previousTransport = @{}
try {
${indent(TRANSPORT_SET, '  ')}

  # Pause the node; with drain its roles move away first (VMs by live migration), and -Wait waits for that.
  $clock = [Diagnostics.Stopwatch]::StartNew()
  Suspend-ClusterNode -Name $node -Cluster $cluster -Drain:$drain -Wait | Out-Null
  $clock.Stop()
} finally {
${indent(TRANSPORT_RESTORE, '  ')}
}

# A drain that could not move everything leaves the node Paused with DrainStatus Failed.
$drainStatus = [string](Get-ClusterNode -Name $node -Cluster $cluster).DrainStatus
if ($drain -and $drainStatus -eq 'Failed') { throw ('the drain of ' + $node + ' failed (DrainStatus Failed); the node stays Paused') }

ConvertTo-Json -Compress -Depth 5 -InputObject ([pscustomobject]@{ node = $node; totalMs = $clock.ElapsedMilliseconds })
`;

const RESUME_NODE = String.raw`
$transportHosts = @(Get-ClusterNode -Cluster $cluster | ForEach-Object { [string]$_.Name })
$previousTransport = @{}
try {
${indent(TRANSPORT_SET, '  ')}

  # The node takes roles again; with failback its drained roles move back now (Immediate).
  $failbackType = 'NoFailback'
  if ($failback) { $failbackType = 'Immediate' }
  $clock = [Diagnostics.Stopwatch]::StartNew()
  Resume-ClusterNode -Name $node -Failback $failbackType -Cluster $cluster | Out-Null
  $clock.Stop()
} finally {
${indent(TRANSPORT_RESTORE, '  ')}
}

ConvertTo-Json -Compress -Depth 5 -InputObject ([pscustomobject]@{ node = $node; totalMs = $clock.ElapsedMilliseconds })
`;

const RESIDUE = String.raw`
# Read-only: what a run may have left behind.
${FLAG_NAMES}${NODE_STATES}
# On each node: the tag's firewall rules and clusterchaos's scheduled tasks that are still there.
# Each node first says it answered; a node that cannot be reached is listed as unchecked.
$nodeNames = @($nodeStates | ForEach-Object { $_.Name })
$found = @()
if ($nodeNames.Count -gt 0) {
  $found = @(Invoke-Command -ComputerName $nodeNames -ErrorAction SilentlyContinue -ScriptBlock {
    $tag = $using:tag
    [pscustomobject]@{ kind = 'reached'; name = '' }
    Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | ForEach-Object {
      [pscustomobject]@{ kind = 'rule'; name = [string]$_.Name }
    }
    Get-ScheduledTask -TaskName ($tag + '-heal'), 'clusterchaos-clussvc-holddown' -ErrorAction SilentlyContinue | ForEach-Object {
      [pscustomobject]@{ kind = 'task'; name = [string]$_.TaskName }
    }
  })
}
$reached = @($found | Where-Object { $_.kind -eq 'reached' } | ForEach-Object { [string]$_.PSComputerName })
$rules = @($found | Where-Object { $_.kind -eq 'rule' } | ForEach-Object { [string]$_.PSComputerName + '/' + $_.name })
$tasks = @($found | Where-Object { $_.kind -eq 'task' } | ForEach-Object { [string]$_.PSComputerName + '/' + $_.name })
$unchecked = @($nodeNames | Where-Object { $reached -notcontains $_ })
${READ_SETTINGS}
ConvertTo-Json -Compress -Depth 5 -InputObject ([pscustomobject]@{
  nodes = $nodeStates
  firewallRules = $rules
  tasks = $tasks
  settings = $current
  unchecked = $unchecked
})
`;

const READ_CONFIGURATION = String.raw`
# Read-only. The VM cluster's SharedStoragePath (registry ConfigStoreRootPath of "Virtual Machine Cluster WMI").
$sharedPath = [string](Get-VMHostCluster -ClusterName $cluster).SharedStoragePath
$nodeNames = @(Get-ClusterNode -Cluster $cluster | ForEach-Object { [string]$_.Name })
# Whether the folder exists, seen from a node (it lives on a CSV, C:\ClusterStorage\...).
$sharedExists = $false
if ($sharedPath -and $nodeNames.Count -gt 0) {
  $sharedExists = [bool](Invoke-Command -ComputerName $nodeNames[0] -ScriptBlock { Test-Path -LiteralPath $using:sharedPath })
}
# Each host's live-migration settings; the transport by its enum name.
$hostSettings = @($nodeNames | ForEach-Object {
  $vmHost = Get-VMHost -ComputerName $_
  [pscustomobject]@{
    node = $_
    liveMigrationEnabled = [bool]$vmHost.VirtualMachineMigrationEnabled
    maximumMigrations = [int]$vmHost.MaximumVirtualMachineMigrations
    transport = [string]$vmHost.VirtualMachineMigrationPerformanceOption
  }
})
# Each clustered VM's configuration version, from Get-VM on its group's owner.
$vmVersions = @(Get-ClusterGroup -Cluster $cluster | Where-Object { [string]$_.GroupType -eq 'VirtualMachine' } | ForEach-Object {
  [pscustomobject]@{ name = [string]$_.Name; version = [string](Get-VM -ComputerName ([string]$_.OwnerNode.Name) -Name $_.Name).Version }
})
# The configuration versions the hosts can run.
$supported = @()
if ($nodeNames.Count -gt 0) {
  $supported = @(Get-VMHostSupportedVersion -ComputerName $nodeNames[0] | ForEach-Object { [string]$_.Version })
}
ConvertTo-Json -Compress -Depth 5 -InputObject ([pscustomobject]@{
  sharedStoragePath = $sharedPath
  sharedStoragePathExists = $sharedExists
  hosts = $hostSettings
  vms = $vmVersions
  supportedVersions = $supported
})
`;
