/**
 * Built-in cmdlets on a node: the cluster service (Stop-Process -Name clussvc, Get-/Set-/Start-Service),
 * the registry values the module reads (Get-ItemProperty) and the paths it tests (Test-Path).
 */
import { recoveryFrom, type ClusterService, type RecoveryActions, type ServiceStartType } from '../../../sim/clussvc.js';
import { Terminating, hasWildcard, unsupported, wildcard, type Call } from '../call.js';
import type { Handlers } from '../server.js';
import type { LabWorld } from '../world.js';
import { vmFolder } from './cluster-objects.js';

const SERVICE_NAME = 'ClusSvc';
const DISPLAY_NAME = 'Cluster Service';

function serviceObject(service: ClusterService): Record<string, unknown> {
  const running = service.status === 'Running';
  return {
    $type: 'ServiceController',
    ServiceName: SERVICE_NAME,
    DisplayName: DISPLAY_NAME,
    Status: service.status,
    StartType: service.startType,
    MachineName: '.',
    CanStop: running,
    CanShutdown: running,
    CanPauseAndContinue: false,
  };
}

/**
 * Whether the call names clussvc (by -Name, -DisplayName or -InputObject); each other name a
 * NoServiceFound error, as the real cmdlet writes it. No name at all: every service, which here is clussvc.
 */
function namesClusterService(call: Call, verb: string): boolean {
  const names = call.strings('Name');
  const displayNames = call.strings('DisplayName');
  const objects = call.objects('InputObject');
  if (!names && !displayNames && !objects) return true;
  let found = false;
  for (const n of names ?? []) {
    if (wildcard(n)(SERVICE_NAME)) found = true;
    else if (!hasWildcard(n)) {
      call.error(`Cannot find any service with service name '${n}'.`, `NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.${verb}ServiceCommand`, 'ObjectNotFound', n);
    }
  }
  for (const n of displayNames ?? []) {
    if (wildcard(n)(DISPLAY_NAME)) found = true;
    else if (!hasWildcard(n)) {
      call.error(`Cannot find any service with display name '${n}'.`, `NoServiceFoundForGivenDisplayName,Microsoft.PowerShell.Commands.${verb}ServiceCommand`, 'ObjectNotFound', n);
    }
  }
  for (const o of objects ?? []) {
    const name = String(o.raw.ServiceName ?? o.name);
    if (name.toLowerCase() === SERVICE_NAME.toLowerCase()) found = true;
    else call.error(`Cannot find any service with service name '${name}'.`, `NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.${verb}ServiceCommand`, 'ObjectNotFound', name);
  }
  return found;
}

/** Start-Service's error for a service that cannot start (Service.cs, CouldNotStartService). */
function couldNotStart(call: Call): void {
  call.error(
    `Service '${DISPLAY_NAME} (clussvc)' cannot be started due to the following error: Cannot start service clussvc on computer '.'.`,
    `CouldNotStartService,Microsoft.PowerShell.Commands.${call.command === 'Set-Service' ? 'Set' : 'Start'}ServiceCommand`,
    'OpenError',
    SERVICE_NAME,
  );
}

/** A Disabled service: an error; else StartPending for serviceStartMs, then the simulator's start. */
function startService(call: Call, service: ClusterService): boolean {
  if (service.status !== 'Stopped') return true;
  if (service.startType === 'Disabled') {
    couldNotStart(call);
    return false;
  }
  service.startPending(call.world.o.serviceStartMs ?? 2500);
  return true;
}

const REGISTRY_PREFIXES = [/^hklm:\\?/i, /^(microsoft\.powershell\.core\\)?registry::hkey_local_machine\\?/i];
const SERVICE_KEY = String.raw`SYSTEM\CurrentControlSet\Services\ClusSvc`;
const VERSION_KEY = String.raw`SOFTWARE\Microsoft\Windows NT\CurrentVersion`;

/** The HKLM subkey a provider path names (HKLM:\X, Registry::HKEY_LOCAL_MACHINE\X), or undefined. */
function hklmKey(path: string): string | undefined {
  for (const prefix of REGISTRY_PREFIXES) if (prefix.test(path)) return path.replace(prefix, '').replace(/\\+$/, '');
  return undefined;
}

/**
 * SERVICE_FAILURE_ACTIONS as the registry stores it (FailureActions, REG_BINARY): reset period (s), reboot
 * message and command (4-byte placeholders), count, actions placeholder, then each SC_ACTION (type, delay
 * ms) [MS-SCMR] 2.2.40, review R6: the simulated cluster's own (its Clussvc* settings, each restart after the
 * simulator's SCM restart delay), so what the module reads is what the lab does.
 */
export function failureActions(recovery: RecoveryActions): number[] {
  const actions = recovery.actions.flatMap((a) => [a.type === 'restart' ? 1 : 0, a.delayMs]);
  const dwords = [recovery.resetPeriodS, 0, 0, recovery.actions.length, 20, ...actions];
  const bytes: number[] = [];
  for (const d of dwords) for (let i = 0; i < 4; i++) bytes.push((d >>> (8 * i)) & 0xff);
  return bytes;
}

/** SCM's Start value of a start type. */
const START_VALUES: Record<ServiceStartType, number> = { Automatic: 2, Manual: 3, Disabled: 4 };

function registryValues(world: LabWorld, node: string, key: string): Record<string, unknown> | undefined {
  if (key.toLowerCase() === SERVICE_KEY.toLowerCase()) {
    return {
      DisplayName: DISPLAY_NAME,
      ImagePath: String.raw`C:\Windows\Cluster\clussvc.exe`,
      ObjectName: 'LocalSystem',
      Start: START_VALUES[world.sim.services.get(node)!.startType],
      Type: 16,
      ErrorControl: 1,
      FailureActions: failureActions(recoveryFrom((n) => world.sim.properties.get(n), world.o.simulator.scmRestartDelayMs)),
    };
  }
  if (key.toLowerCase() === VERSION_KEY.toLowerCase()) {
    const build = world.build();
    const modern = build >= 10240;
    return {
      ...(modern ? { CurrentMajorVersionNumber: 10, CurrentMinorVersionNumber: 0 } : {}),
      CurrentVersion: '6.3',
      CurrentBuild: String(build),
      CurrentBuildNumber: String(build),
      ProductName: build >= 26100 ? 'Windows Server 2025 Datacenter' : build >= 20348 ? 'Windows Server 2022 Datacenter' : build >= 17763 ? 'Windows Server 2019 Datacenter' : 'Windows Server 2016 Datacenter',
      EditionID: 'ServerDatacenter',
      InstallationType: world.o.edition === 'desktop' ? 'Server' : 'Server Core',
    };
  }
  return undefined;
}

/** What exists on a node under C:\ (folders and files), given the lab's cluster: lower-case paths. */
function existingPaths(world: LabWorld): { folders: Set<string>; files: Set<string> } {
  const folders = new Set(['c:\\', String.raw`c:\windows`, String.raw`c:\windows\system32`, String.raw`c:\clusterstorage`, String.raw`c:\clusterstorage\volume1`]);
  const files = new Set<string>();
  const shared = world.sharedStoragePath();
  // The missing-shared-storage-path defect: the CSV folder behind it was removed (lab-observations §5)
  if (shared !== null && !(world.o.defects ?? []).includes('missing-shared-storage-path')) {
    let p = shared.toLowerCase().replace(/\\+$/, '');
    while (p.length > 3) {
      folders.add(p);
      p = p.slice(0, p.lastIndexOf('\\'));
    }
  }
  for (const vm of world.sim.vms) {
    const folder = vmFolder(vm).toLowerCase();
    folders.add(folder);
    files.add(`${folder}\\${vm.name.toLowerCase()}.vhdx`);
  }
  return { folders, files };
}

export const nodeCommands: Handlers = {
  /** -Name clussvc: the cluster service's process dies (an ungraceful exit; SCM's 7031 and recovery restart). */
  'Stop-Process': (call) => {
    const node = call.requireNode();
    if (call.has('InputObject')) throw unsupported(call.command, '-InputObject');
    for (const id of call.strings('Id') ?? []) {
      call.error(`Cannot find a process with the process identifier ${id}.`, 'NoProcessFoundForGivenId,Microsoft.PowerShell.Commands.StopProcessCommand', 'ObjectNotFound', Number(id));
    }
    const service = call.world.sim.services.get(node)!;
    for (const name of call.strings('Name') ?? []) {
      if (!wildcard(name)('clussvc') || !service.running) {
        if (!hasWildcard(name)) {
          call.error(`Cannot find a process with the name "${name}". Verify the process name and call the cmdlet again.`, 'NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.StopProcessCommand', 'ObjectNotFound', name);
        }
        continue;
      }
      service.kill();
      if (call.flag('PassThru')) call.output.push({ $type: 'Process', ProcessName: 'clussvc', Name: 'clussvc', Id: 4000 + call.world.index(node) });
    }
  },

  'Get-Service': (call) => {
    const node = call.requireNode();
    if (namesClusterService(call, 'Get')) call.output.push(serviceObject(call.world.sim.services.get(node)!));
  },

  /** -StartupType Automatic|Manual|Disabled (AutomaticDelayedStart is Automatic); -Status Running starts it. */
  'Set-Service': (call) => {
    const node = call.requireNode();
    if (!namesClusterService(call, 'Set')) return;
    const service = call.world.sim.services.get(node)!;
    const type = call.str('StartupType');
    if (type !== undefined) {
      const startType = type === 'AutomaticDelayedStart' ? 'Automatic' : type;
      if (startType !== 'Automatic' && startType !== 'Manual' && startType !== 'Disabled') {
        throw new Terminating(`The startup type '${type}' is not valid for the service clussvc.`, 'InvalidStartupType,Microsoft.PowerShell.Commands.SetServiceCommand', 'InvalidArgument', type);
      }
      service.setStartType(startType);
    }
    const status = call.str('Status');
    if (status === 'Running') startService(call, service);
    else if (status !== undefined) throw unsupported(call.command, `-Status ${status}`);
    if (call.flag('PassThru')) call.output.push(serviceObject(service));
  },

  /**
   * A Disabled service: the real error. Else StartPending for serviceStartMs, then running; the stand-in
   * waits in 2 s slices (Lab-Sleep) and warns as Service.cs does. The answer is the service as it is now.
   */
  'Start-Service': (call) => {
    const node = call.requireNode();
    if (!namesClusterService(call, 'Start')) return;
    const service = call.world.sim.services.get(node)!;
    if (startService(call, service)) call.output.push(serviceObject(service));
  },

  'Get-ItemProperty': (call) => {
    const node = call.requireNode();
    const paths = call.strings('LiteralPath') ?? call.strings('Path') ?? [];
    const names = call.strings('Name');
    for (const path of paths) {
      const key = hklmKey(path);
      const values = key === undefined ? undefined : registryValues(call.world, node, key);
      if (!values) {
        call.error(`Cannot find path '${path}' because it does not exist.`, 'PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand', 'ObjectNotFound', path);
        continue;
      }
      const chosen: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(values)) if (!names || names.some((n) => wildcard(n)(name))) chosen[name] = value;
      for (const n of names ?? []) {
        if (!hasWildcard(n) && !Object.keys(values).some((v) => v.toLowerCase() === n.toLowerCase())) {
          call.error(`Property ${n} does not exist at path HKEY_LOCAL_MACHINE\\${key}.`, 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand', 'InvalidArgument', n);
        }
      }
      if (names && !Object.keys(chosen).length) continue;
      const child = key!.split('\\').pop()!;
      const parent = key!.slice(0, Math.max(0, key!.length - child.length - 1));
      // A PSCustomObject, as the registry provider gives it: the values and the PS* note properties
      call.output.push({
        ...chosen,
        PSPath: `Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\${key}`,
        PSParentPath: `Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\${parent}`,
        PSChildName: child,
        PSDrive: 'HKLM',
        PSProvider: 'Microsoft.PowerShell.Core\\Registry',
      });
    }
  },

  /** The lab's paths under C:\ (SharedStoragePath, VM folders and disks), the file server's, the registry keys. */
  'Test-Path': (call) => {
    const node = call.requireNode();
    const paths = call.strings('LiteralPath') ?? call.strings('Path') ?? [];
    const type = call.str('PathType') ?? 'Any';
    const { folders, files } = existingPaths(call.world);
    for (const path of paths) {
      const key = hklmKey(path);
      if (key !== undefined) {
        call.output.push(type !== 'Leaf' && registryValues(call.world, node, key) !== undefined);
        continue;
      }
      const p = path.trim().toLowerCase().replace(/\//g, '\\');
      const normalized = /^[a-z]:\\?$/.test(p) ? `${p.slice(0, 2)}\\` : p.replace(/\\+$/, '');
      const folder = folders.has(normalized);
      const file = files.has(normalized);
      call.output.push(type === 'Container' ? folder : type === 'Leaf' ? file : folder || file);
    }
  },
};
