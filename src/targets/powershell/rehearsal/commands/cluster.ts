/**
 * FailoverClusters reads (Get-Cluster, Get-ClusterNode, Get-ClusterGroup, Get-ClusterResource,
 * Get-ClusterParameter, Get-ClusterOwnerNode, Get-ClusterNetworkInterface) and the live objects' property setters
 * (Set-ClusterObjectProperty, a lab command: COMMANDS.md).
 */
import { OperationError } from '../../../target.js';
import { Terminating, unsupported, wildcard, hasWildcard, type Call } from '../call.js';
import type { Handlers } from '../server.js';
import type { LabWorld } from '../world.js';
import { WITNESS_RESOURCE } from '../witness.js';
import {
  checkCluster,
  clusterObject,
  errorId,
  findGroup,
  groupObject,
  groupOwnerNodes,
  groups,
  IDENTITY_PROPERTIES,
  MODELLED,
  nodeObject,
  RESILIENCY_LEVELS,
  resourceObject,
  resourceParameters,
  resources,
  UNMODELLED_DEFAULTS,
  type GroupRef,
  type ResourceRef,
} from './cluster-objects.js';

/**
 * The nodes a node cmdlet names (-Name, -InputObject), each unknown one a non-terminating ObjectNotFound
 * error; none named: every node (`all`), or the node the cmdlet runs on.
 */
export function namedNodes(call: Call, none: 'all' | 'local'): string[] {
  const { world } = call;
  const names = [...(call.strings('Name') ?? []), ...(call.objects('InputObject') ?? []).map((o) => o.name)];
  if (!names.length) {
    if (none === 'all') return [...world.nodes];
    if (call.node) return [call.node];
    throw new Terminating(`${call.command} needs -Name on the management host, which is not a node of cluster ${world.clusterName}.`, errorId(call.command, 'ClusterNodeNotSpecified'), 'InvalidArgument');
  }
  const out: string[] = [];
  for (const name of names) {
    const matches = hasWildcard(name) ? world.nodes.filter((n) => wildcard(name)(n)) : [world.nodeOf(name)].filter((n) => n !== undefined);
    if (!matches.length) call.error(`The cluster node '${name}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', name);
    for (const n of matches) if (!out.includes(n)) out.push(n);
  }
  return out;
}

function namedGroups(call: Call): GroupRef[] {
  const { world } = call;
  const all = groups(world);
  let chosen: GroupRef[] | undefined;
  const names = call.strings('Name');
  if (names) {
    chosen = [];
    for (const name of names) {
      const matches = all.filter((g) => wildcard(name)(g.name));
      if (!matches.length) call.error(`The cluster group '${name}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', name);
      chosen.push(...matches.filter((g) => !chosen!.includes(g)));
    }
  }
  for (const o of call.objects('InputObject') ?? []) {
    if (o.type === 'Cluster') continue;
    chosen ??= [];
    if (o.type === 'ClusterNode') {
      const node = world.nodeOf(o.name);
      chosen.push(...all.filter((g) => (g.vm ? g.vm.owner === node : false)));
    } else {
      const g = findGroup(world, o.name);
      if (g) chosen.push(g);
      else call.error(`The cluster group '${o.name}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', o.name);
    }
  }
  const vmId = call.str('VMId');
  if (vmId !== undefined) {
    const vm = world.vmById(vmId);
    chosen = (chosen ?? all).filter((g) => g.vm !== undefined && g.vm === vm);
    if (!chosen.length) call.error(`No clustered virtual machine with VMId '${vmId}' was found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', vmId);
  }
  return chosen ?? all;
}

function namedResources(call: Call): ResourceRef[] {
  const { world } = call;
  const all = resources(world);
  let chosen: ResourceRef[] | undefined;
  const names = call.strings('Name');
  if (names) {
    chosen = [];
    for (const name of names) {
      const matches = all.filter((r) => wildcard(name)(r.name));
      if (!matches.length) call.error(`The cluster resource '${name}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', name);
      chosen.push(...matches);
    }
  }
  for (const o of call.objects('InputObject') ?? []) {
    if (o.type === 'Cluster') continue;
    chosen ??= [];
    if (o.type === 'ClusterGroup') chosen.push(...all.filter((r) => r.group.name.toLowerCase() === o.name.toLowerCase()));
    else if (o.type === 'ClusterNode') {
      const node = world.nodeOf(o.name);
      chosen.push(...all.filter((r) => (r.group.vm ? r.group.vm.owner === node : false)));
    } else chosen.push(...all.filter((r) => r.name.toLowerCase() === o.name.toLowerCase()));
  }
  const vmId = call.str('VMId');
  if (vmId !== undefined) {
    const vm = world.vmById(vmId);
    chosen = (chosen ?? all).filter((r) => r.group.vm !== undefined && r.group.vm === vm);
  }
  return chosen ?? all;
}

export const clusterReads: Handlers = {
  'Get-Cluster': (call) => {
    const name = call.str('Name');
    if (name !== undefined && name !== '' && name !== '.' && !call.world.isClusterName(name) && !call.world.nodeOf(name)) {
      throw new Terminating(`Failed to access cluster '${name}': the rehearsal lab has one cluster, '${call.world.clusterName}'.`, errorId(call.command, 'ClusterAccessFailed'), 'ConnectionError', name);
    }
    call.output.push(clusterObject(call.world));
  },

  // docset/winserver2022-ps/FailoverClusters/Get-ClusterQuorum.md: the quorum resource (the witness, or none) and the type
  'Get-ClusterQuorum': (call) => {
    checkCluster(call);
    const { world } = call;
    const witness = world.o.cluster.witness;
    const ref = witness ? resources(world).find((r) => r.group.type === 'Cluster' && r.name === WITNESS_RESOURCE[witness.type].name) : undefined;
    const type = !witness ? 'NodeMajority' : witness.type === 'disk' ? 'NodeAndDiskMajority' : witness.type === 'fileshare' ? 'NodeAndFileShareMajority' : 'NodeAndCloudMajority';
    call.output.push({ $type: 'ClusterQuorumSettings', Cluster: clusterObject(world), QuorumResource: ref ? resourceObject(world, ref) : null, QuorumType: type });
  },

  'Get-ClusterNode': (call) => {
    checkCluster(call);
    for (const n of namedNodes(call, 'all')) call.output.push(nodeObject(call.world, n));
  },

  'Get-ClusterGroup': (call) => {
    checkCluster(call);
    for (const g of namedGroups(call)) call.output.push(groupObject(call.world, g));
  },

  'Get-ClusterResource': (call) => {
    checkCluster(call);
    for (const r of namedResources(call)) call.output.push(resourceObject(call.world, r));
  },

  'Get-ClusterParameter': (call) => {
    checkCluster(call);
    const { world } = call;
    const names = call.strings('Name');
    for (const o of call.objects('InputObject') ?? []) {
      const ref = o.type === 'ClusterResource' || o.type === undefined ? resources(world).find((r) => r.name.toLowerCase() === o.name.toLowerCase()) : undefined;
      const parameters = ref ? resourceParameters(world, ref) : [];
      const owner = ref?.name ?? o.name;
      for (const wanted of names ?? ['*']) {
        const matches = parameters.filter((p) => wildcard(wanted)(p.Name));
        if (!matches.length && !hasWildcard(wanted)) {
          call.error(`The parameter '${wanted}' does not exist on the cluster object '${owner}'.`, errorId(call.command, 'ClusterParameterNotFound'), 'ObjectNotFound', wanted);
        }
        for (const p of matches) {
          call.output.push({ $type: 'ClusterParameter', ClusterObject: { $type: 'ClusterObject', Name: owner }, Name: p.Name, Value: p.Value, IsReadOnly: false, ParameterType: p.Type });
        }
      }
    }
  },

  // docset/winserver2022-ps/FailoverClusters/Get-ClusterOwnerNode.md: a group's preferred owners in order, a
  // resource's possible owners (every node: the lab's resources may run anywhere)
  'Get-ClusterOwnerNode': (call) => {
    checkCluster(call);
    const { world } = call;
    if (call.str('ResourceType') !== undefined) throw unsupported(call.command, '-ResourceType');
    const asked: { kind: 'group' | 'resource'; name: string }[] = [];
    const group = call.str('Group');
    const resource = call.str('Resource');
    if (group !== undefined) asked.push({ kind: 'group', name: group });
    if (resource !== undefined) asked.push({ kind: 'resource', name: resource });
    for (const o of call.objects('InputObject') ?? []) asked.push({ kind: o.type === 'ClusterResource' ? 'resource' : 'group', name: o.name });
    if (!asked.length) throw new Terminating('Get-ClusterOwnerNode needs -Group, -Resource or -InputObject in the rehearsal lab.', errorId(call.command, 'InvalidParameter'), 'InvalidArgument');
    for (const { kind, name } of asked) {
      if (kind === 'group') {
        const ref = findGroup(world, name);
        if (!ref) throw new Terminating(`The cluster group '${name}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', name);
        call.output.push(groupOwnerNodes(world, ref));
        continue;
      }
      const ref = resources(world).find((r) => r.name.toLowerCase() === name.toLowerCase());
      if (!ref) throw new Terminating(`The cluster resource '${name}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', name);
      call.output.push({ $type: 'ClusterOwnerNodeList', ClusterObject: { $type: 'ClusterObject', Name: ref.name }, OwnerNodes: world.nodes.map((n) => nodeObject(world, n)) });
    }
  },

  // One interface per node on each cluster network (the k-th: adapter world.adapterOn(k), subnet 10.10.k.0/24)
  'Get-ClusterNetworkInterface': (call) => {
    checkCluster(call);
    const { world } = call;
    const nodes = call.strings('Node')?.map((n) => world.nodeOf(n)).filter((n) => n !== undefined) ?? world.nodes;
    const names = call.strings('Name');
    const networks = call.strings('Network');
    for (const node of nodes) {
      world.clusterNetworks().forEach((network, k) => {
        const adapter = world.adapterOn(k);
        const name = `${node} - ${adapter}`;
        if (names && !names.some((p) => wildcard(p)(name))) return;
        if (networks && !networks.some((p) => wildcard(p)(network.name))) return;
        const member = world.sim.membership.isMember(node);
        const running = world.sim.services.get(node)!.running;
        const ipv4 = k === 0 ? world.ipv4(node) : world.ipv4On(node, k);
        call.output.push({
          $type: 'ClusterNetworkInterface',
          Name: name,
          Node: node,
          Adapter: adapter,
          AdapterId: world.guid(k === 0 ? `adapter/${node}` : `adapter/${node}/${k}`),
          Address: ipv4,
          Ipv4Addresses: [ipv4],
          Ipv6Addresses: k === 0 ? [world.ipv6(node)] : [],
          DhcpEnabled: 0,
          Description: '',
          Id: world.guid(k === 0 ? `interface/${node}` : `interface/${node}/${k}`),
          Network: clusterNetworkObject(world, k),
          State: member ? 'Up' : running ? 'Unreachable' : 'Unavailable',
          Cluster: world.clusterName,
        });
      });
    }
  },

  // The cluster networks of the description: Name, Role (ClusterOnly is the cmdlet's Cluster = 1), Address, AddressMask
  'Get-ClusterNetwork': (call) => {
    checkCluster(call);
    const { world } = call;
    const names = call.strings('Name');
    world.clusterNetworks().forEach((network, k) => {
      if (names && !names.some((p) => wildcard(p)(network.name))) return;
      call.output.push(clusterNetworkObject(world, k));
    });
  },

  /**
   * A live object's property setter: { Object: 'Cluster' | 'ClusterGroup' (or Class), Cluster, Name (the
   * group), Property, Value }. The modelled properties change the simulation; the others are kept and shown.
   */
  'Set-ClusterObjectProperty': (call) => {
    const kind = call.str('Object') ?? call.str('Class');
    const property = call.str('Property');
    const value = call.raw('Value');
    if (!property) throw new Terminating('Set-ClusterObjectProperty needs -Property.', 'ClusterChaosLabBadRequest', 'InvalidArgument');
    if (kind === 'Cluster') return setClusterProperty(call, property, value);
    if (kind === 'ClusterGroup') return setGroupProperty(call, property, value);
    throw new Terminating(`Set-ClusterObjectProperty: objects of class '${kind}' have no settable property in the rehearsal lab.`, 'ClusterChaosLabBadRequest', 'InvalidArgument');
  },
};

/** The setter's exception: PowerShell shows it as `Exception setting "<property>": "<this message>"`. */
function setterFailed(property: string, why: string): Terminating {
  return new Terminating(why, 'ExceptionWhenSetting', 'NotSpecified', property);
}

function uint32(property: string, value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw setterFailed(property, `Cannot convert value "${String(value)}" to type "System.UInt32".`);
  return n;
}

function setClusterProperty(call: Call, property: string, value: unknown): void {
  const { world } = call;
  const name = [...MODELLED, ...Object.keys(UNMODELLED_DEFAULTS)].find((n) => n.toLowerCase() === property.toLowerCase());
  if (!name || IDENTITY_PROPERTIES.has(name)) {
    throw setterFailed(property, `The property '${property}' cannot be set on the cluster in the rehearsal lab.`);
  }
  if ((MODELLED as readonly string[]).includes(name)) {
    let n: number;
    if (name === 'ResiliencyLevel' && typeof value === 'string' && !/^\d+$/.test(value)) {
      const level = Object.entries(RESILIENCY_LEVELS).find(([, label]) => label.toLowerCase() === value.toLowerCase());
      if (!level) throw setterFailed(property, `Cannot convert value "${value}" to type "ClusterResiliencyLevel".`);
      n = Number(level[0]);
    } else n = uint32(property, value);
    try {
      world.sim.properties.set({ [name]: n });
    } catch (e) {
      // The cluster refuses a value out of the property's range: ERROR_INVALID_PARAMETER
      if (e instanceof OperationError) throw setterFailed(property, `The parameter is incorrect. (${e.message})`);
      throw e;
    }
    return;
  }
  const current = UNMODELLED_DEFAULTS[name];
  world.clusterExtra.set(name, typeof current === 'number' ? uint32(property, value) : value);
}

function setGroupProperty(call: Call, property: string, value: unknown): void {
  const { world } = call;
  const groupName = call.str('Name');
  const ref = groupName === undefined ? undefined : findGroup(world, groupName);
  if (!ref) throw setterFailed(property, `The cluster group '${groupName}' was not found.`);
  if (property.toLowerCase() === 'resiliencyperiod' && ref.vm) {
    // 0 = use the cluster's ResiliencyDefaultPeriod (the property's default [MSDN-RP])
    ref.vm.setResiliencyPeriod(uint32(property, value) || undefined);
    return;
  }
  if (['name', 'id', 'ownernode', 'state', 'statusinformation', 'grouptype', 'cluster', 'iscoregroup'].includes(property.toLowerCase())) {
    throw setterFailed(property, `'${property}' is a ReadOnly property.`);
  }
  // Kept under the property's own name, as the group object shows it
  const shown = groupObject(world, ref);
  const name = Object.keys(shown).find((k) => k.toLowerCase() === property.toLowerCase()) ?? property;
  let extra = world.groupExtra.get(ref.name);
  if (!extra) world.groupExtra.set(ref.name, (extra = new Map()));
  extra.set(name, typeof shown[name] === 'number' ? uint32(property, value) : value);
}

/** The k-th cluster network as Get-ClusterNetwork shows it (the first keeps the id it always had). */
function clusterNetworkObject(world: LabWorld, k: number): Record<string, unknown> {
  const network = world.clusterNetworks()[k]!;
  const role = { ClusterAndClient: 'ClusterAndClient', ClusterOnly: 'Cluster', None: 'None' }[network.role];
  return {
    $type: 'ClusterNetwork',
    Name: network.name,
    Address: `10.10.${k}.0`,
    AddressMask: '255.255.255.0',
    Role: role,
    State: 'Up',
    Id: world.guid(k === 0 ? 'network/1' : `network/${k + 1}`),
    Cluster: world.clusterName,
  };
}
