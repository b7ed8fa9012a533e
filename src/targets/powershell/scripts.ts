/**
 * The text of every round trip the PowerShell target makes: one call of the ClusterChaos module
 * (`./module/`, imported once by the session's set-up), with its values quoted. The PowerShell itself lives in
 * the module, as PowerShell, tested in real PowerShell; TypeScript sends only calls:
 *
 *   # clusterchaos poll                                    the operation (one of SCRIPT_OPS)
 *   Get-ClusterChaosObservation -Cluster 'HVCLUSTER01'      ONE line: the module's function, its values quoted
 *                                                          (the script ends with a newline)
 *
 * A value is a verbatim single-quoted literal (quote.ts psString) when it is printable ASCII, else
 * `(ConvertFrom-ClusterChaosBase64 '<base64 of its UTF-8>')`: the script that crosses the pipe is ASCII, so
 * what PowerShell receives does not depend on the console's code page (review R9). The module answers with
 * one framed JSON line (parse.ts); what the function does is in its file (module/README.md lists them).
 */
import type { ClusterDescription, LiveMigrationTransport, StorageDescription } from '../../trace/records.js';
import { volumesOf } from '../../trace/storage.js';
import { UnsafeValueError, findUnsafeCharacter, psBool, psInteger, psString } from './quote.js';

/** How a script reaches the cluster. */
export interface ClusterAddress {
  /** The cluster's name (`-Cluster`). */
  cluster: string;
}

/** Every operation name a script can carry on its first line, `# clusterchaos <op>`. */
export const SCRIPT_OPS = [
  'connect',
  'poll',
  'events',
  'get-settings',
  'set-settings',
  'get-vm-settings',
  'set-vm-settings',
  'kill-clussvc',
  'hold-down-clussvc',
  'start-clussvc',
  'stop-cluster-node',
  'start-cluster-node',
  'isolate-network',
  'restore-network',
  'fail-witness',
  'restore-witness',
  'fail-storage',
  'restore-storage',
  'live-migrate',
  'cancel-live-migration',
  'suspend-node',
  'resume-node',
  'residue',
  'read-configuration',
  'power-off-node',
  'power-on-node',
  'power-state',
  'restart-node',
] as const;

export type ScriptOp = (typeof SCRIPT_OPS)[number];

/** The operations that only read (first contact, observation, settings, the residue scan). */
export const READ_ONLY_OPS: ReadonlySet<ScriptOp> = new Set<ScriptOp>(['connect', 'poll', 'events', 'get-settings', 'get-vm-settings', 'residue', 'read-configuration', 'power-state']);

/** The operations whose scripts change the cluster: everything else. `--dry-run` sends none of them. */
export const MUTATING_OPS: ReadonlySet<ScriptOp> = new Set<ScriptOp>(SCRIPT_OPS.filter((op) => !READ_ONLY_OPS.has(op)));

/**
 * Get-Cluster properties get-settings reads besides the experiment's own: those the guard and the header need,
 * which every Windows Server 2016+ cluster has. A property the cluster lacks reads as absent, never as a failed
 * read (review B4).
 */
export const DEFAULT_SETTING_NAMES: readonly string[] = [
  'ResiliencyLevel',
  'ResiliencyDefaultPeriod',
  'QuarantineThreshold',
  'QuarantineDuration',
  'SameSubnetDelay',
  'SameSubnetThreshold',
  // whether Restart-Computer drains the node first (restart-node): a cluster set to 0 saves its VMs instead
  'DrainOnShutdown',
];

/** The names get-settings asks for: the defaults, then the experiment's own, each once. */
export function settingNamesRead(experimentNames: readonly string[]): string[] {
  return [...new Set([...DEFAULT_SETTING_NAMES, ...experimentNames])];
}

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
// The calls

/**
 * First contact, read-only: opens one remote session per node (kept for the run), measures each node's clock
 * offset, reads its Windows version, language mode and clussvc's recovery delay (module Connect.ps1).
 */
export function connect(a: ClusterAddress, nodes: readonly string[]): string {
  return call('connect', 'Connect-ClusterChaosCluster', a, [['Node', names('node', nodes)]]);
}

/** One observation of every node and clustered VM (module Observe.ps1). */
export function poll(a: ClusterAddress): string {
  return call('poll', 'Get-ClusterChaosObservation', a, []);
}

/**
 * Event-log records written on `nodes` since `sinceIso` (ISO 8601 with a zone), filtered in UTC on the node
 * (Get-WinEvent -FilterXPath on TimeCreated/@SystemTime: review B2).
 */
export function events(a: ClusterAddress, nodes: readonly string[], sinceIso: string): string {
  if (typeof sinceIso !== 'string' || !ISO_8601.test(sinceIso)) {
    throw new UnsafeValueError(`events: "since" must be an ISO 8601 time with a zone (e.g. 2026-11-22T02:00:00.000Z), got ${JSON.stringify(sinceIso)}`, sinceIso);
  }
  return call('events', 'Get-ClusterChaosEvent', a, [
    ['Node', names('node', nodes)],
    ['Since', psString(sinceIso)],
  ]);
}

/** Current values of cluster properties (Get-Cluster); a property the cluster lacks reads as null. */
export function getSettings(a: ClusterAddress, settingNames: readonly string[]): string {
  return call('get-settings', 'Get-ClusterChaosSetting', a, [['Name', names('setting name', settingNames)]]);
}

/** Set cluster properties on the live Get-Cluster object, in the order given, each read back (review B1). */
export function setSettings(a: ClusterAddress, values: Readonly<Record<string, number>>): string {
  const keys = Object.keys(values);
  return call('set-settings', 'Set-ClusterChaosSetting', a, [
    ['Name', names('setting name', keys)],
    ['Value', integers(keys.map((k) => values[k]!))],
  ]);
}

/** Each VM's group and its own ResiliencyPeriod (Get-ClusterGroup, found by the VM's resource). */
export function getVmSettings(a: ClusterAddress, vms: readonly string[]): string {
  return call('get-vm-settings', 'Get-ClusterChaosVmSetting', a, [['Vm', names('VM name', vms)]]);
}

/** Set a VM group's ResiliencyPeriod (seconds), read back (review B5). */
export function setVmSettings(a: ClusterAddress, vm: string, resiliencyPeriod: number): string {
  if (!Number.isSafeInteger(resiliencyPeriod) || resiliencyPeriod < 0 || resiliencyPeriod > 0xffffffff) {
    throw new UnsafeValueError(`a ResiliencyPeriod is a whole number of seconds from 0 to 4294967295, got ${resiliencyPeriod}`, resiliencyPeriod);
  }
  return call('set-vm-settings', 'Set-ClusterChaosVmSetting', a, [
    ['Vm', name('VM name', vm)],
    ['ResiliencyPeriod', psInteger(resiliencyPeriod)],
  ]);
}

/** Stop-Process -Name clussvc -Force on the node: an ungraceful exit (SCM's recovery restarts it). */
export function killClusterService(a: ClusterAddress, node: string): string {
  return call('kill-clussvc', 'Stop-ClusterChaosService', a, [['Node', name('node name', node)]]);
}

/**
 * Kill clussvc and keep it down for `holdDownMs`: the lift task first (it restores the service's start type
 * and starts it at the deadline, even if clusterchaos is gone), then the service Disabled, then the kill.
 */
export function holdDownClusterService(a: ClusterAddress, node: string, holdDownMs: number): string {
  return call('hold-down-clussvc', 'Stop-ClusterChaosService', a, [
    ['Node', name('node name', node)],
    ['HoldDownMs', positiveMs('holdDownMs', holdDownMs)],
  ]);
}

/** Make sure clussvc runs: lift any hold-down (its task removed, `startType` put back), start it, wait for Running. */
export function startClusterService(a: ClusterAddress, node: string, options: { startType?: string } = {}): string {
  const startType = options.startType ?? 'Automatic';
  if (!START_TYPES.includes(startType)) {
    throw new UnsafeValueError(`unknown start type ${JSON.stringify(startType)}; expected one of ${START_TYPES.join(', ')}`, startType);
  }
  return call('start-clussvc', 'Start-ClusterChaosService', a, [
    ['Node', name('node name', node)],
    ['StartType', psString(startType)],
  ]);
}

/** Stop-ClusterNode: a graceful stop. */
export function stopClusterNode(a: ClusterAddress, node: string): string {
  return call('stop-cluster-node', 'Stop-ClusterChaosNode', a, [['Node', name('node name', node)]]);
}

/** Start-ClusterNode, with -ClearQuarantine when asked. */
export function startClusterNode(a: ClusterAddress, node: string, options: { clearQuarantine?: boolean } = {}): string {
  return call('start-cluster-node', 'Start-ClusterChaosNode', a, [['Node', name('node name', node)], ...switchIf('ClearQuarantine', options.clearQuarantine)]);
}

export interface IsolateNetworkOptions {
  /** Cut only these nodes off (by every address they have, resolved on the node); absent or empty: everyone. */
  peers?: readonly string[];
  /** The dead-man: the rules are removed by a task on the node after this long, whatever happens. */
  healAfterMs: number;
  /** The run's tag, `clusterchaos-<runId>`: the firewall rules' group and the task's name prefix. */
  tag: string;
  /** One cluster network (Get-ClusterNetwork's Name, or a Role: every network of it); absent: the cluster port on all. */
  network?: string;
}

/**
 * Cut the node's cluster traffic (firewall rules blocking UDP and TCP 3343 both ways, group = tag), after
 * checking that the firewall enforces them (review R4), with a dead-man task on the node (`<tag>-heal`)
 * registered first (review R5). With `network`: all traffic to and from that cluster network's subnet
 * (Get-ClusterNetwork Address/AddressMask), or the peers' addresses on it, by the same rules and dead-man.
 */
export function isolateNetwork(a: ClusterAddress, node: string, options: IsolateNetworkOptions): string {
  return call('isolate-network', 'Disconnect-ClusterChaosNetwork', a, [
    ['Node', name('node name', node)],
    ['Peer', names('peer', options.peers ?? [])],
    ['HealAfterMs', positiveMs('healAfterMs', options.healAfterMs)],
    ['Tag', runTag(options.tag)],
    ...(options.network !== undefined ? [['Network', name('cluster network', options.network)] as const] : []),
  ]);
}

/** Remove the tag's firewall rules and its dead-man task from the node; nothing to remove is fine. */
export function restoreNetwork(a: ClusterAddress, node: string, tag: string): string {
  return call('restore-network', 'Connect-ClusterChaosNetwork', a, [
    ['Node', name('node name', node)],
    ['Tag', runTag(tag)],
  ]);
}

/**
 * Take the quorum witness away from every node (Witness.ps1): on each node a dead-man task (`<tag>-witness-heal`)
 * first, then an outbound Block rule (group = tag, named `<tag>-witness-…`) for TCP 445 to a file share witness's
 * server or TCP 443 to a cloud witness's storage account; a disk witness is refused.
 */
export function failWitness(a: ClusterAddress, options: { healAfterMs: number; tag: string }): string {
  return call('fail-witness', 'Disconnect-ClusterChaosWitness', a, [
    ['HealAfterMs', positiveMs('healAfterMs', options.healAfterMs)],
    ['Tag', runTag(options.tag)],
  ]);
}

/** Remove fail-witness's rules and heal tasks from every node; nothing to remove is fine. */
export function restoreWitness(a: ClusterAddress, tag: string): string {
  return call('restore-witness', 'Connect-ClusterChaosWitness', a, [['Tag', runTag(tag)]]);
}

export interface FailStorageOptions {
  /** The nodes whose storage traffic is blocked: one (fail-storage-path) or every node (fail-storage). */
  nodes: readonly string[];
  /** The volume's name, for the rules' display name and the answer. */
  storage: string;
  /** Where its traffic goes (cluster.storage[].address): iSCSI target portals, the file server. */
  addresses: readonly string[];
  /** TCP 3260 (iSCSI, a CSV's block storage) or 445 (SMB, a share). */
  port: number;
  /** Letters and digits naming the volume in its rules and heal task (`<tag>-storage-<key>-…`). */
  key: string;
  healAfterMs: number;
  tag: string;
}

/**
 * Take a shared volume away from some nodes (Storage.ps1): on each a dead-man task (`<tag>-storage-<key>-heal`)
 * first, then an outbound Block rule (group = tag) for TCP `port` to the volume's addresses, checked in the
 * ActiveStore; a node where that fails has it undone there and on the nodes done before.
 */
export function failStorage(a: ClusterAddress, o: FailStorageOptions): string {
  return call('fail-storage', 'Disconnect-ClusterChaosStorage', a, [
    ['Node', names('node', o.nodes)],
    ['Storage', name('storage name', o.storage)],
    ['Address', names('storage address', o.addresses)],
    ['Port', storagePort(o.port)],
    ['Key', storageKey(o.key)],
    ['HealAfterMs', positiveMs('healAfterMs', o.healAfterMs)],
    ['Tag', runTag(o.tag)],
  ]);
}

/** Remove fail-storage's rules and heal task for the volume `key` from the nodes; nothing to remove is fine. */
export function restoreStorage(a: ClusterAddress, o: { nodes: readonly string[]; key: string; tag: string }): string {
  return call('restore-storage', 'Connect-ClusterChaosStorage', a, [
    ['Node', names('node', o.nodes)],
    ['Key', storageKey(o.key)],
    ['Tag', runTag(o.tag)],
  ]);
}

/**
 * What fail-storage blocks for a volume of the description: its key in rule and task names (`v<n>`, its place among
 * the cluster's volumes) and its port (3260: a CSV's iSCSI; 445: a share's SMB); undefined for no such volume.
 */
export function storageTarget(cluster: Pick<ClusterDescription, 'storage' | 'vms'>, storage: string): { volume: StorageDescription; key: string; port: number } | undefined {
  const volumes = volumesOf(cluster);
  const i = volumes.findIndex((v) => v.name === storage);
  if (i < 0) return undefined;
  const volume = volumes[i]!;
  return { volume, key: `v${i + 1}`, port: volume.kind === 'csv' ? 3260 : 445 };
}

function storagePort(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UnsafeValueError(`a TCP port must be a whole number from 1 to 65535, got ${port}`, port);
  return psInteger(port);
}

function storageKey(key: string): string {
  if (typeof key !== 'string' || !/^[A-Za-z0-9]{1,20}$/.test(key)) throw new UnsafeValueError(`a storage key must be 1 to 20 letters or digits, got ${JSON.stringify(key)}`, key);
  return psString(key);
}

export interface TransportOption {
  /** Set-VMHost -VirtualMachineMigrationPerformanceOption for the move(s), restored afterwards. */
  transport?: LiveMigrationTransport;
}

/** Move-ClusterVirtualMachineRole -MigrationType Live of the VM's group, waiting for completion. */
export function liveMigrate(a: ClusterAddress, vm: string, node: string, options: TransportOption = {}): string {
  return call('live-migrate', 'Move-ClusterChaosVm', a, [['Vm', name('VM name', vm)], ['Node', name('node name', node)], ...transportArg(options.transport)]);
}

/** Move-ClusterVirtualMachineRole -Cancel: cancel the VM's live migration in progress. */
export function cancelLiveMigration(a: ClusterAddress, vm: string): string {
  return call('cancel-live-migration', 'Stop-ClusterChaosMigration', a, [['Vm', name('VM name', vm)]]);
}

/** Suspend-ClusterNode [-Drain] -Wait. */
export function suspendNode(a: ClusterAddress, node: string, options: { drain: boolean } & TransportOption): string {
  return call('suspend-node', 'Suspend-ClusterChaosNode', a, [['Node', name('node name', node)], ...switchIf('Drain', options.drain), ...transportArg(options.transport)]);
}

/**
 * Resume-ClusterNode -Failback Immediate | NoFailback; with failback and `vms`, waits until those VMs are
 * back on the node (at most `timeoutMs`) before the transport is restored (review R3).
 */
export function resumeNode(a: ClusterAddress, node: string, options: { failback: boolean; vms?: readonly string[]; timeoutMs?: number } & TransportOption): string {
  const extra: [string, string][] = [];
  if (options.failback && options.vms?.length) extra.push(['Vm', names('VM name', options.vms)]);
  if (options.failback && options.timeoutMs !== undefined) extra.push(['TimeoutMs', positiveMs('timeoutMs', options.timeoutMs)]);
  return call('resume-node', 'Resume-ClusterChaosNode', a, [['Node', name('node name', node)], ...switchIf('Failback', options.failback), ...transportArg(options.transport), ...extra]);
}

/** What a run may have left behind (read-only): nodes, the tag's rules and tasks, settings, clussvc, transports. */
export function residue(a: ClusterAddress, options: { tag: string; settings: Readonly<Record<string, number>> }): string {
  return call('residue', 'Get-ClusterChaosResidue', a, [
    ['Tag', runTag(options.tag)],
    ['Name', names('setting name', Object.keys(options.settings))],
  ]);
}

/** What pre-upgrade acceptance checks, read-only (module Configuration.ps1). */
export function readConfiguration(a: ClusterAddress): string {
  return call('read-configuration', 'Get-ClusterChaosConfiguration', a, []);
}

/**
 * How a node's power is switched (the allowlist's `power:` entry for it): its BMC's Redfish ComputerSystem,
 * or, for a nested lab, the outer Hyper-V host and the VM that is the node. `credential` names environment
 * variables on the management host (`<credential>_USERNAME`, `<credential>_PASSWORD`), never the secret.
 */
export type NodePower =
  | { kind: 'redfish'; system: string; credential?: string; skipCertificateCheck?: boolean }
  | { kind: 'hyperv'; host: string; vm: string; credential?: string };

/** A credential's name: the prefix of two environment variables. */
export const CREDENTIAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** A Redfish ComputerSystem's URI: http(s), a host, a path, nothing PowerShell or a URI would read otherwise. */
export const REDFISH_SYSTEM = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._~/-]*$/;

/** Characters Get-VM -Name and Stop-VM -Name read as wildcards. */
export const WILDCARD_CHARACTERS = /[*?[\]`]/;

function powerArgs(power: NodePower): [string, string][] {
  if (power.kind === 'redfish') {
    if (typeof power.system !== 'string' || !REDFISH_SYSTEM.test(power.system)) {
      throw new UnsafeValueError(`a Redfish ComputerSystem URI is http(s)://<host>[:port]/<path> (e.g. https://bmc-n1.lab.local/redfish/v1/Systems/1), got ${JSON.stringify(power.system)}`, power.system);
    }
    return [['Redfish', psString(power.system)], ...switchIf('SkipCertificateCheck', power.skipCertificateCheck), ...credentialArg(power.credential)];
  }
  if (WILDCARD_CHARACTERS.test(power.vm ?? '')) throw new UnsafeValueError(`the node's VM name ${JSON.stringify(power.vm)} has a wildcard character (* ? [ ] \`)`, power.vm);
  return [['HyperVHost', name('Hyper-V host name', power.host)], ['VmName', name('VM name', power.vm)], ...credentialArg(power.credential)];
}

function credentialArg(credential: string | undefined): [string, string][] {
  if (credential === undefined) return [];
  if (!CREDENTIAL_NAME.test(credential)) throw new UnsafeValueError(`a credential's name is letters, digits and _ (the prefix of <name>_USERNAME and <name>_PASSWORD), got ${JSON.stringify(credential)}`, credential);
  return [['CredentialVariable', psString(credential)]];
}

/** Cut the node's power (Redfish ForceOff, or Stop-VM -TurnOff on the outer host); returns once it reads Off. */
export function powerOffNode(a: ClusterAddress, node: string, power: NodePower): string {
  return call('power-off-node', 'Stop-ClusterChaosHost', a, [['Node', name('node name', node)], ...powerArgs(power)]);
}

/** Power the node on (Redfish On, or Start-VM on the outer host); returns once it reads On. */
export function powerOnNode(a: ClusterAddress, node: string, power: NodePower): string {
  return call('power-on-node', 'Start-ClusterChaosHost', a, [['Node', name('node name', node)], ...powerArgs(power)]);
}

/** Read-only: the node's power as its power control reports it. */
export function powerState(a: ClusterAddress, node: string, power: NodePower): string {
  return call('power-state', 'Get-ClusterChaosPowerState', a, [['Node', name('node name', node)], ...powerArgs(power)]);
}

/** Restart-Computer -ComputerName <node> -Force, then wait until the cluster shows the node gone and back (at most timeoutMs). */
export function restartNode(a: ClusterAddress, node: string, timeoutMs: number): string {
  return call('restart-node', 'Restart-ClusterChaosNode', a, [['Node', name('node name', node)], ['TimeoutMs', positiveMs('timeoutMs', timeoutMs)]]);
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

/** What Start-ClusterChaosService puts back: the start types a running clussvc can have had (Windows PowerShell 5.1's ServiceStartMode). */
const START_TYPES: readonly string[] = ['Automatic', 'Manual'];

/** Printable ASCII: quoted as it is; anything else travels as base64 of its UTF-8 (review R9). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A string value as PowerShell source: `'…'` (quote.ts) when it is printable ASCII, else
 * `(ConvertFrom-ClusterChaosBase64 '<base64>')`. Control characters, line separators and lone surrogates are
 * refused either way (no cluster, node or VM name has one).
 */
export function psValue(value: string): string {
  if (typeof value === 'string' && !PRINTABLE_ASCII.test(value)) {
    if (findUnsafeCharacter(value) !== undefined) return psString(value); // throws, naming the character
    return `(ConvertFrom-ClusterChaosBase64 '${Buffer.from(value, 'utf8').toString('base64')}')`;
  }
  return psString(value);
}

function nonEmpty(what: string, value: string): string {
  if (value === '') throw new UnsafeValueError(`a ${what} cannot be empty`, value);
  return value;
}

const name = (what: string, value: string): string => psValue(nonEmpty(what, value));

/** `@('a', 'b')`, `@()` when empty: always an array, in 5.1 and 7 alike. */
function names(what: string, values: readonly string[]): string {
  if (!Array.isArray(values)) throw new UnsafeValueError(`expected a list of ${what}s, got ${typeof values}`, values);
  return `@(${values.map((v) => name(what, v)).join(', ')})`;
}

function integers(values: readonly number[]): string {
  return `@(${values.map(psInteger).join(', ')})`;
}

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

function transportArg(transport: LiveMigrationTransport | undefined): [string, string][] {
  if (transport === undefined) return [];
  if (!TRANSPORTS.includes(transport)) {
    throw new UnsafeValueError(`unknown live-migration transport ${JSON.stringify(transport)}; expected one of ${TRANSPORTS.join(', ')}`, transport);
  }
  return [['Transport', psString(transport)]];
}

/** A switch parameter, written `-Name:$true` only when set (`-Name:$false` is never needed). */
function switchIf(parameter: string, on: boolean | undefined): [string, string][] {
  return on === true ? [[parameter, psBool(true)]] : [];
}

// ---------------------------------------------------------------------------------------------------------
// Assembly

/**
 * `# clusterchaos <op>`, then one line: the function, `-Cluster`, each parameter and its value. A switch is
 * written `-Name:$true`. The script ends with a newline: the session reads its commands from stdin
 * (`pwsh -Command -`), where a complete line runs at once.
 */
function call(op: ScriptOp, fn: string, a: ClusterAddress, parameters: ReadonlyArray<readonly [string, string]>): string {
  const parts = [fn, `-Cluster ${name('cluster name', a.cluster)}`];
  for (const [parameter, literal] of parameters) parts.push(literal === '$true' ? `-${parameter}:$true` : `-${parameter} ${literal}`);
  return `# clusterchaos ${op}\n${parts.join(' ')}\n`;
}
