/**
 * Hyper-V on the nodes (with -ComputerName also from the management host): the VMs a node owns, their disks,
 * each host's live-migration settings (Set-VMHost, which the migration engine uses when a migration has no
 * transport of its own), the VM cluster's SharedStoragePath, the configuration versions the build runs.
 */
import { hostMemoryGB } from '../../../sim/configuration.js';
import type { ClusteredVm } from '../../../sim/vm.js';
import { Terminating, hasWildcard, unsupported, wildcard, type Call } from '../call.js';
import type { Handlers } from '../server.js';
import type { LabWorld } from '../world.js';
import { vmFolder } from './cluster-objects.js';
import { getOuterVm, onOuterHost } from './power.js';

/** VM configuration versions by Windows build, the last the default [VMVER] (windows-cluster-facts §1.6). */
export function supportedVersions(build: number): string[] {
  if (build >= 26100) return ['8.0', '8.1', '8.2', '8.3', '9.0', '9.1', '9.2', '9.3', '10.0', '11.0', '12.0'];
  if (build >= 20348) return ['8.0', '8.1', '8.2', '8.3', '9.0', '9.1', '9.2', '9.3', '10.0'];
  if (build >= 17763) return ['5.0', '6.2', '7.0', '7.1', '8.0', '8.1', '8.2', '8.3', '9.0'];
  if (build >= 14393) return ['5.0', '6.2', '7.0', '7.1', '8.0'];
  return [];
}

const OS_NAMES: [number, string][] = [
  [26100, 'Microsoft Windows Server 2025'],
  [20348, 'Microsoft Windows Server 2022'],
  [17763, 'Microsoft Windows Server 2019'],
  [14393, 'Microsoft Windows Server 2016'],
];

function osName(build: number): string {
  return OS_NAMES.find(([b]) => build >= b)?.[1] ?? 'Microsoft Windows Server';
}

/** The hosts a Hyper-V cmdlet reads: -ComputerName, else the node it runs on (the management host has no Hyper-V). */
function hosts(call: Call): string[] {
  const { world } = call;
  const names = call.strings('ComputerName');
  if (!names) {
    if (call.node) return [call.node];
    throw new Terminating(
      `${call.command}: Hyper-V is not installed on the management host; give -ComputerName, or run it on a node (Invoke-Command).`,
      `HyperVNotInstalled,Microsoft.HyperV.PowerShell.Commands.${call.command.replace('-', '')}`,
      'ObjectNotFound',
    );
  }
  return names.map((name) => {
    const node = name === 'localhost' || name === '.' ? call.node : world.nodeOf(name);
    if (!node) {
      throw new Terminating(`Hyper-V was unable to find the computer '${name}'.`, `ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.${call.command.replace('-', '')}`, 'ObjectNotFound', name);
    }
    return node;
  });
}

function defaultVersion(world: LabWorld): string {
  return supportedVersions(world.build()).at(-1) ?? '5.0';
}

export function vmObject(world: LabWorld, vm: ClusteredVm): Record<string, unknown> {
  const running = vm.state === 'Running' || vm.state === 'RunningCritical';
  const folder = vmFolder(vm);
  const memory = Math.round(vm.configuration.memoryGB * 2 ** 30);
  return {
    $type: 'VirtualMachine',
    Name: vm.name,
    Id: world.guid(`vm/${vm.name}`),
    State: vm.state,
    Status: vm.state === 'PausedCritical' ? 'Paused-Critical' : 'Operating normally',
    Version: vm.configuration.version ?? defaultVersion(world),
    Generation: 2,
    MemoryStartup: memory,
    MemoryAssigned: running ? memory : 0,
    DynamicMemoryEnabled: false,
    ComputerName: vm.owner,
    Path: folder,
    ConfigurationLocation: folder,
    IsClustered: true,
    Heartbeat: running ? 'OkApplicationsHealthy' : null,
    AutomaticCriticalErrorAction: 'Pause',
    AutomaticCriticalErrorActionTimeout: 30,
    Notes: '',
  };
}

function vmsOn(world: LabWorld, node: string): ClusteredVm[] {
  return world.sim.vms.filter((vm) => vm.owner === node);
}

function hostObject(world: LabWorld, node: string): Record<string, unknown> {
  const settings = world.hosts.get(node)!;
  // 2008 R2 hosts migrate one VM at a time (lab §3); else the cluster's per-host default (2 [LM-SETUP])
  const defaultMaximum = world.o.cluster.hostVersion === '2008R2' ? 1 : world.sim.properties.get('MaximumVirtualMachineMigrations');
  return {
    $type: 'VMHost',
    Name: node,
    ComputerName: node,
    VirtualMachineMigrationEnabled: true,
    MaximumVirtualMachineMigrations: settings.maximumMigrations ?? defaultMaximum,
    MaximumStorageMigrations: 2,
    VirtualMachineMigrationPerformanceOption: settings.performanceOption ?? world.defaultPerformanceOption(),
    VirtualMachineMigrationAuthenticationType: 'CredSSP',
    UseAnyNetworkForMigration: false,
    VirtualMachinePath: String.raw`C:\ProgramData\Microsoft\Windows\Hyper-V`,
    VirtualHardDiskPath: String.raw`C:\ProgramData\Microsoft\Windows\Virtual Hard Disks`,
    LogicalProcessorCount: 2 * (world.o.cluster.idleCpuCores ?? 4),
    MemoryCapacity: hostMemoryBytes(world, node),
    NumaSpanningEnabled: true,
    ...settings.other,
  };
}

/** A host's memory when the description gives none: 256 GiB, or more so that every VM fits ("memory is not a limit"). */
export const LAB_HOST_MEMORY_GB = 256;

/**
 * Get-VMHost's MemoryCapacity (bytes): the description's cluster.hostMemoryGB for the node (the simulated host
 * keeps none for itself), else LAB_HOST_MEMORY_GB or the VMs' memory together, whichever is more.
 */
export function hostMemoryBytes(world: LabWorld, node: string): number {
  const described = hostMemoryGB(world.o.cluster, node);
  const all = world.sim.vms.reduce((sum, vm) => sum + vm.configuration.memoryGB, 0);
  return Math.round((described ?? Math.max(LAB_HOST_MEMORY_GB, Math.ceil(all))) * 2 ** 30);
}

const PERFORMANCE_OPTIONS = ['TCPIP', 'Compression', 'SMB'] as const;

export const hyperV: Handlers = {
  'Get-VM': (call) => {
    const { world } = call;
    // the nested lab's outer host (-ComputerName LABHOST): the nodes themselves, as its VMs
    if (onOuterHost(call)) return getOuterVm(call);
    let vms: ClusteredVm[];
    const clusterObjects = call.objects('ClusterObject');
    if (clusterObjects) {
      vms = clusterObjects.map((o) => {
        const vm = world.vmOfGroup(o.name) ?? world.sim.vms.find((v) => `Virtual Machine ${v.name}`.toLowerCase() === o.name.toLowerCase());
        if (!vm) throw new Terminating(`The cluster object '${o.name}' is not a virtual machine.`, 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM', 'InvalidArgument', o.name);
        return vm;
      });
    } else {
      vms = hosts(call).flatMap((n) => vmsOn(world, n));
      const id = call.str('Id');
      if (id !== undefined) {
        vms = vms.filter((vm) => world.guid(`vm/${vm.name}`) === id.toLowerCase());
        if (!vms.length) call.error(`Hyper-V was unable to find a virtual machine with id "${id}".`, 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM', 'InvalidArgument', id);
      }
      const names = call.strings('Name');
      if (names) {
        const chosen: ClusteredVm[] = [];
        for (const name of names) {
          const matches = vms.filter((vm) => wildcard(name)(vm.name));
          if (!matches.length && !hasWildcard(name)) {
            call.error(`Hyper-V was unable to find a virtual machine with name "${name}".`, 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM', 'InvalidArgument', name);
          }
          chosen.push(...matches.filter((vm) => !chosen.includes(vm)));
        }
        vms = chosen;
      }
    }
    for (const vm of vms) call.output.push(vmObject(world, vm));
  },

  'Get-VMHardDiskDrive': (call) => {
    const { world } = call;
    let vms: ClusteredVm[];
    const objects = call.objects('VM');
    if (objects) vms = objects.map((o) => world.sim.vms.find((vm) => vm.name.toLowerCase() === o.name.toLowerCase())).filter((vm) => vm !== undefined);
    else {
      const on = hosts(call).flatMap((n) => vmsOn(world, n));
      const names = call.strings('VMName') ?? [];
      vms = on.filter((vm) => names.some((n) => wildcard(n)(vm.name)));
      for (const n of names) {
        if (!hasWildcard(n) && !vms.some((vm) => wildcard(n)(vm.name))) {
          call.error(`Hyper-V was unable to find a virtual machine with name "${n}".`, 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMHardDiskDrive', 'InvalidArgument', n);
        }
      }
    }
    for (const vm of vms) {
      call.output.push({
        $type: 'HardDiskDrive',
        Name: 'Hard Drive on SCSI controller number 0 at location 0',
        Path: `${vmFolder(vm)}\\${vm.name}.vhdx`,
        ControllerType: 'SCSI',
        ControllerNumber: 0,
        ControllerLocation: 0,
        VMName: vm.name,
        VMId: world.guid(`vm/${vm.name}`),
        ComputerName: vm.owner,
        IsDeleted: false,
      });
    }
  },

  'Get-VMHost': (call) => {
    for (const node of hosts(call)) call.output.push(hostObject(call.world, node));
  },

  /** Records each host's settings; the migration engine uses its transport and limit from then on. */
  'Set-VMHost': (call) => {
    const { world } = call;
    const option = call.str('VirtualMachineMigrationPerformanceOption');
    if (option !== undefined && !(PERFORMANCE_OPTIONS as readonly string[]).includes(option)) {
      throw new Terminating(`Cannot convert value "${option}" to type "Microsoft.HyperV.PowerShell.VMMigrationPerformance".`, 'ParameterArgumentTransformationError,Set-VMHost', 'InvalidData');
    }
    const maximum = call.num('MaximumVirtualMachineMigrations');
    if (maximum !== undefined && !(Number.isInteger(maximum) && maximum >= 1 && maximum <= 64)) {
      throw new Terminating(`The value ${maximum} of MaximumVirtualMachineMigrations is out of range (1 to 64).`, 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.SetVMHost', 'InvalidArgument');
    }
    for (const node of hosts(call)) {
      const settings = world.hosts.get(node)!;
      if (option !== undefined) settings.performanceOption = option as (typeof PERFORMANCE_OPTIONS)[number];
      if (maximum !== undefined) settings.maximumMigrations = maximum;
      for (const [name, value] of Object.entries(call.request.parameters)) {
        if (['ComputerName', 'Credential', 'Passthru', 'VirtualMachineMigrationPerformanceOption', 'MaximumVirtualMachineMigrations'].includes(name)) continue;
        settings.other[name] = value;
      }
      if (call.flag('Passthru')) call.output.push(hostObject(world, node));
    }
  },

  'Get-VMHostCluster': (call) => {
    const { world } = call;
    for (const name of call.strings('ClusterName') ?? []) {
      if (!world.isClusterName(name)) {
        throw new Terminating(`The cluster '${name}' was not found.`, 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMHostCluster', 'ObjectNotFound', name);
      }
      const path = world.sharedStoragePath();
      if (path === null) {
        // No Virtual Machine Cluster WMI resource: nothing to read the SharedStoragePath from (review N7)
        throw new Terminating(`The cluster '${name}' has no SharedStoragePath configured (no Virtual Machine Cluster WMI resource).`, 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMHostCluster', 'ObjectNotFound', name);
      }
      call.output.push({ $type: 'VMHostCluster', ClusterName: world.clusterName, SharedStoragePath: path, ComputerName: call.node ?? world.nodes[0] });
    }
  },

  'Get-VMHostSupportedVersion': (call) => {
    const { world } = call;
    if (call.has('CimSession')) throw unsupported(call.command, '-CimSession');
    const versions = supportedVersions(world.build());
    const chosen = call.flag('Default') ? versions.slice(-1) : versions;
    // Every node runs the same build: each host asked answers the same
    hosts(call);
    for (const v of chosen) call.output.push({ $type: 'VMHostSupportedVersion', Name: osName(world.build()), Version: v, IsDefault: v === versions.at(-1) });
  },
};
