/**
 * The FailoverClusters objects the lab answers with ($type-tagged, property names as the real module's types:
 * FailoverClusterDsc's stubs [STUB], windows-cluster-facts §3.1), built from the simulated cluster.
 */
import { GROUP_PRIORITY } from '../../../sim/configuration.js';
import { clusterPropertyNames, type PropertyName } from '../../../sim/settings.js';
import type { ClusteredVm } from '../../../sim/vm.js';
import { Terminating, type Call } from '../call.js';
import { LAB_DOMAIN, type LabWorld } from '../world.js';
import { WITNESS_ACCOUNT, WITNESS_ENDPOINT, WITNESS_RESOURCE, WITNESS_SHARE_PATH } from '../witness.js';

/** The simulator's own knobs: not Get-Cluster properties, so the lab's Cluster object has none of them. */
export const SIMULATOR_ONLY: ReadonlySet<string> = new Set(['MaxQuarantinedPercent', 'QuarantineAtCap', 'MinimumResilientVmVersion', 'MaximumVirtualMachineMigrations', 'ClussvcResetPeriod', 'ClussvcFirstFailureAction', 'ClussvcSecondFailureAction', 'ClussvcSubsequentFailureAction']);

/** Get-Cluster properties the simulator models, by their Get-Cluster names. */
export const MODELLED: readonly PropertyName[] = clusterPropertyNames.filter((n) => !SIMULATOR_ONLY.has(n));

/** ClusterResiliencyLevel [STUB]. */
export const RESILIENCY_LEVELS: Record<number, string> = { 1: 'IsolateOnSpecialHeartbeat', 2: 'AlwaysIsolate' };

/**
 * Common properties of a WS2022 cluster that the simulator does not model, with their documented defaults
 * (Cluster common properties, MSDN; [PSDOC-GC]): shown, settable, without effect on the simulation.
 */
export const UNMODELLED_DEFAULTS: Readonly<Record<string, unknown>> = {
  AddEvictDelay: 60,
  AdministrativeAccessPoint: 'ActiveDirectoryAndDns',
  AutoAssignNodeSite: 0,
  AutoBalancerLevel: 1,
  AutoBalancerMode: 2,
  BackupInProgress: 0,
  ClusSvcHangTimeout: 60,
  ClusSvcRegroupStageTimeout: 5,
  ClusSvcRegroupTickInMilliseconds: 300,
  ClusterEnforcedAntiAffinity: 0,
  // WS2022's functional level [ROLLUP]: 9 = 2016, 10 = 2019, 11 = 2022
  ClusterFunctionalLevel: 11,
  ClusterGroupWaitDelay: 120,
  ClusterLogLevel: 3,
  ClusterLogSize: 300,
  CrossSiteDelay: 1000,
  CrossSiteThreshold: 20,
  CrossSubnetDelay: 1000,
  CrossSubnetThreshold: 20,
  CsvBalancer: 1,
  DatabaseReadWriteMode: 0,
  DefaultNetworkRole: 2,
  DetectedCloudPlatform: 'None',
  Description: '',
  DrainOnShutdown: 1,
  DynamicQuorum: 1,
  EnableSharedVolumes: 'Enabled',
  FixQuorum: 0,
  GroupDependencyTimeout: 600,
  HangRecoveryAction: 3,
  IgnorePersistentStateOnStartup: 0,
  LowerQuorumPriorityNodeId: 0,
  MessageBufferLength: 50,
  MinimumNeverPreemptPriority: 3000,
  MinimumPreemptorPriority: 1,
  NetftIPSecEnabled: 1,
  PlacementOptions: 0,
  PlumbAllCrossSubnetRoutes: 0,
  PreventQuorum: 0,
  QuorumArbitrationTimeMax: 20,
  RequestReplyTimeout: 60,
  RouteHistoryLength: 10,
  S2DEnabled: 0,
  SecurityLevel: 1,
  SecurityLevelForStorage: 0,
  SetSMBBandwidthLimit: 0,
  SharedVolumesRoot: String.raw`C:\ClusterStorage`,
  ShutdownTimeoutInMinutes: 20,
  SMBBandwidthLimitFactor: 2500,
  UseClientAccessNetworksForSharedVolumes: 0,
  WitnessDatabaseWriteTimeout: 300,
  WitnessRestartInterval: 15,
};

/** Properties of the live Cluster object that identify it: not changed through a setter. */
export const IDENTITY_PROPERTIES: ReadonlySet<string> = new Set(['Name', 'Id', 'Domain']);

/** FailoverClusters' cmdlet classes, for FullyQualifiedErrorIds ("<id>,Microsoft.FailoverClusters.PowerShell.<class>"). */
const CMDLET_CLASS: Record<string, string> = {
  'Get-Cluster': 'GetClusterCommand',
  'Get-ClusterNode': 'GetNodeCommand',
  'Get-ClusterGroup': 'GetClusterGroupCommand',
  'Get-ClusterResource': 'GetResourceCommand',
  'Get-ClusterParameter': 'GetClusterParameterCommand',
  'Get-ClusterQuorum': 'GetClusterQuorumSettingsCommand',
  'Get-ClusterNetworkInterface': 'GetClusterNetworkInterfaceCommand',
  'Get-ClusterNetwork': 'GetClusterNetworkCommand',
  'Move-ClusterVirtualMachineRole': 'MoveClusterVirtualMachineRoleCommand',
  'Suspend-ClusterNode': 'SuspendClusterNodeCommand',
  'Resume-ClusterNode': 'ResumeClusterNodeCommand',
  'Stop-ClusterNode': 'StopClusterNodeCommand',
  'Start-ClusterNode': 'StartClusterNodeCommand',
};

export function errorId(command: string, id: string): string {
  return `${id},Microsoft.FailoverClusters.PowerShell.${CMDLET_CLASS[command] ?? command.replace(/-/g, '') + 'Command'}`;
}

/** -Cluster names this cluster (its name, FQDN, a node's name, '.'), or the call is refused. */
export function checkCluster(call: Call): void {
  const name = call.str('Cluster');
  if (name === undefined || name === '' || name === '.') return;
  const { world } = call;
  if (world.isClusterName(name) || world.nodeOf(name)) return;
  throw new Terminating(
    `Failed to access cluster '${name}': the rehearsal lab has one cluster, '${world.clusterName}' (nodes ${world.nodes.join(', ')}).`,
    errorId(call.command, 'ClusterAccessFailed'),
    'ConnectionError',
    name,
  );
}

/** The Cluster object: its name and Id, the modelled properties' values, and the unmodelled ones. */
export function clusterObject(world: LabWorld): Record<string, unknown> {
  const o: Record<string, unknown> = { $type: 'Cluster', Name: world.clusterName, Id: world.guid('cluster'), Domain: LAB_DOMAIN };
  for (const [name, value] of Object.entries(UNMODELLED_DEFAULTS)) o[name] = world.clusterExtra.has(name) ? world.clusterExtra.get(name) : value;
  for (const name of MODELLED) {
    const value = world.sim.properties.get(name);
    o[name] = name === 'ResiliencyLevel' ? (RESILIENCY_LEVELS[value] ?? value) : value;
  }
  o.RecentEventsResetTime = new Date(world.epochMs).toISOString();
  return o;
}

/** Windows' version numbers of a build: 10.0 from Windows Server 2016 on. */
export function osVersion(build: number): { major: number; minor: number } {
  if (build >= 10240) return { major: 10, minor: 0 };
  if (build >= 9600) return { major: 6, minor: 3 };
  if (build >= 9200) return { major: 6, minor: 2 };
  return { major: 6, minor: 1 };
}

const DRAIN_STATUS: Record<string, string> = { DrainInProgress: 'InProgress', DrainCompleted: 'Completed', DrainFailed: 'Failed' };

export function nodeObject(world: LabWorld, node: string): Record<string, unknown> {
  const { State, StatusInformation } = world.sim.membership.observe(node);
  const drain = StatusInformation.find((s) => s in DRAIN_STATUS);
  const { major, minor } = osVersion(world.build());
  const member = world.sim.membership.isMember(node);
  return {
    $type: 'ClusterNode',
    Name: node,
    Id: String(world.index(node) + 1),
    NodeName: node,
    State,
    // [Flags] ClusterNodeStatusInformation by name; Normal = 0
    StatusInformation: StatusInformation.length ? StatusInformation.join(', ') : 'Normal',
    DrainStatus: drain ? DRAIN_STATUS[drain] : 'NotInitiated',
    DrainTarget: 0xffffffff,
    NodeWeight: 1,
    DynamicWeight: member ? 1 : 0,
    MajorVersion: major,
    MinorVersion: minor,
    BuildNumber: world.build(),
    CSDVersion: '',
    Description: '',
    NodeInstanceID: world.guid(`node/${node}`),
    Type: 'Node',
    Cluster: world.clusterName,
  };
}

/** The owner of the cluster's own groups: the first active member (the first node without one). */
export function coreOwner(world: LabWorld): string {
  return world.nodes.find((n) => world.sim.membership.isMember(n)) ?? world.nodes[0];
}

/** The cluster's groups: Cluster Group, Available Storage, then one VirtualMachine group per VM. */
export interface GroupRef {
  name: string;
  vm?: ClusteredVm;
  type: 'Cluster' | 'AvailableStorage' | 'VirtualMachine';
}

export function groups(world: LabWorld): GroupRef[] {
  return [
    { name: 'Cluster Group', type: 'Cluster' },
    { name: 'Available Storage', type: 'AvailableStorage' },
    ...world.sim.vms.map((vm) => ({ name: world.groupName(vm.name), vm, type: 'VirtualMachine' as const })),
  ];
}

export function findGroup(world: LabWorld, name: string): GroupRef | undefined {
  return groups(world).find((g) => g.name.toLowerCase() === name.toLowerCase());
}

/** A VM group's State (ClusterGroupState) from the simulator's GroupState. */
function groupState(ref: GroupRef): string {
  return ref.vm ? ref.vm.group : 'Online';
}

export function groupObject(world: LabWorld, ref: GroupRef): Record<string, unknown> {
  const owner = ref.vm ? ref.vm.owner : coreOwner(world);
  const extra = Object.fromEntries(world.groupExtra.get(ref.name) ?? []);
  return {
    $type: 'ClusterGroup',
    Name: ref.name,
    Id: world.guid(`group/${ref.name}`),
    OwnerNode: nodeObject(world, owner),
    State: groupState(ref),
    // [Flags] ClusterApplicationStatusInformation: Unmonitored = 256; no flag is 0 (the enum names no 0)
    StatusInformation: ref.vm?.unmonitored ? 'Unmonitored' : 0,
    GroupType: ref.type,
    IsCoreGroup: ref.type !== 'VirtualMachine',
    // A group's own ResiliencyPeriod: 0 until set, "use the cluster's ResiliencyDefaultPeriod" [MSDN-RP]
    ResiliencyPeriod: ref.vm ? (ref.vm.resiliencyPeriod ?? 0) : 0,
    // A VM group's Priority and AntiAffinityClassNames as the description gives them (absent: Medium, none) [MSDN-PRIO]
    Priority: ref.vm ? GROUP_PRIORITY[ref.vm.configuration.priority ?? 'Medium'] : 3000,
    AntiAffinityClassNames: [...(ref.vm?.configuration.antiAffinityClassNames ?? [])],
    FailoverThreshold: 0xffffffff,
    FailoverPeriod: 6,
    AutoFailbackType: 0,
    DefaultOwner: 0xffffffff,
    PersistentState: 1,
    Description: '',
    Cluster: world.clusterName,
    ...extra,
  };
}

/**
 * Get-ClusterOwnerNode's answer for a group: its preferred owners in order (the description's preferredOwners;
 * none: an empty list) [KB-299631].
 */
export function groupOwnerNodes(world: LabWorld, ref: GroupRef): Record<string, unknown> {
  const owners = (ref.vm?.configuration.preferredOwners ?? []).map((n) => world.nodeOf(n)).filter((n) => n !== undefined);
  return { $type: 'ClusterOwnerNodeList', ClusterObject: { $type: 'ClusterObject', Name: ref.name }, OwnerNodes: owners.map((n) => nodeObject(world, n)) };
}

export interface ResourceRef {
  name: string;
  group: GroupRef;
  type: string;
}

/** Every resource: the core ones, and per VM its Virtual Machine and Virtual Machine Configuration resources. */
export function resources(world: LabWorld): ResourceRef[] {
  const all = groups(world);
  const core = all[0];
  const out: ResourceRef[] = [
    { name: 'Cluster IP Address', group: core, type: 'IP Address' },
    { name: 'Cluster Name', group: core, type: 'Network Name' },
  ];
  // the quorum witness, in the core group (witness.ts)
  const witness = world.o.cluster.witness;
  if (witness) out.push({ name: WITNESS_RESOURCE[witness.type].name, group: core, type: WITNESS_RESOURCE[witness.type].type });
  for (const g of all.filter((x) => x.vm)) {
    out.push({ name: `Virtual Machine ${g.vm!.name}`, group: g, type: 'Virtual Machine' });
    out.push({ name: `Virtual Machine Configuration ${g.vm!.name}`, group: g, type: 'Virtual Machine Configuration' });
  }
  return out;
}

const RESOURCE_STATE: Record<string, string> = { Online: 'Online', Pending: 'OnlinePending', Offline: 'Offline', Failed: 'Failed' };

export function resourceObject(world: LabWorld, ref: ResourceRef): Record<string, unknown> {
  const group = groupObject(world, ref.group);
  return {
    $type: 'ClusterResource',
    Name: ref.name,
    Id: world.guid(`resource/${ref.name}`),
    OwnerGroup: group,
    OwnerNode: group.OwnerNode,
    ResourceType: { $type: 'ClusterResourceType', Name: ref.type, DisplayName: ref.type, Id: world.guid(`resource-type/${ref.type}`), Cluster: world.clusterName },
    State: RESOURCE_STATE[String(group.State)] ?? 'Online',
    StatusInformation: 0,
    IsCoreResource: ref.group.type === 'Cluster',
    Description: '',
    Cluster: world.clusterName,
  };
}

/** The private properties (Get-ClusterParameter) of a resource: a VM's carry its VmID. */
export function resourceParameters(world: LabWorld, ref: ResourceRef): { Name: string; Value: unknown; Type: string }[] {
  const vm = ref.group.vm;
  if (ref.type === 'Virtual Machine' && vm) {
    return [
      { Name: 'VmID', Value: world.guid(`vm/${vm.name}`), Type: 'String' },
      { Name: 'OfflineAction', Value: 1, Type: 'UInt32' },
      { Name: 'ShutdownAction', Value: 0, Type: 'UInt32' },
      { Name: 'DefaultMoveType', Value: 0xffffffff, Type: 'UInt32' },
      { Name: 'CheckHeartbeat', Value: 1, Type: 'UInt32' },
      { Name: 'MigrationState', Value: vm.migratingTo === undefined ? 0 : 1, Type: 'UInt32' },
    ];
  }
  if (ref.type === 'Virtual Machine Configuration' && vm) {
    return [{ Name: 'VmID', Value: world.guid(`vm/${vm.name}`), Type: 'String' }, { Name: 'ConfigStoreRootPath', Value: vmFolder(vm), Type: 'String' }];
  }
  if (ref.type === 'File Share Witness') return [{ Name: 'SharePath', Value: WITNESS_SHARE_PATH, Type: 'String' }, { Name: 'ArbitrationDelay', Value: 6, Type: 'UInt32' }];
  if (ref.type === 'Cloud Witness') return [{ Name: 'AccountName', Value: WITNESS_ACCOUNT, Type: 'String' }, { Name: 'EndpointInfo', Value: WITNESS_ENDPOINT, Type: 'String' }];
  if (ref.type === 'Network Name') return [{ Name: 'Name', Value: world.clusterName, Type: 'String' }, { Name: 'DnsName', Value: world.clusterName, Type: 'String' }];
  if (ref.type === 'IP Address') return [{ Name: 'Address', Value: world.clusterIpv4(), Type: 'String' }, { Name: 'SubnetMask', Value: '255.255.255.0', Type: 'String' }];
  return [];
}

/** Where a VM's files are: its folder on the CSV (csv-block) or on the file server (smb). */
export function vmFolder(vm: ClusteredVm): string {
  return vm.storage === 'smb' ? `\\\\FS01\\VMs\\${vm.name}` : `C:\\ClusterStorage\\Volume1\\${vm.name}`;
}
