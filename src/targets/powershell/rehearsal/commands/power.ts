/**
 * The hosts' power, as a lab would switch it (COMMANDS.md "Power"): each node's BMC, a Redfish service at
 * https://bmc-<node>.lab.local/redfish/v1/Systems/1 (Invoke-RestMethod from the management host); the outer
 * Hyper-V host of a nested lab, LABHOST, whose VMs are the nodes (Get-VM, Stop-VM -TurnOff, Start-VM with
 * -ComputerName LABHOST); and Restart-Computer -ComputerName <node>. All of them act on the simulator's
 * host power (src/targets/sim/power.ts): a power cut, a boot, an OS restart with its drain.
 *
 * Redfish as DMTF's ComputerSystem schema gives it: PowerState (On, Off, PoweringOn, PoweringOff), the
 * #ComputerSystem.Reset action with its target and ResetType@Redfish.AllowableValues; ForceOff cuts the power
 * at once, On powers it on. HTTP Basic authentication is required (401 without it), as a BMC does; any user
 * and password are taken (the lab has no accounts).
 */
import { Settlement } from '../../../sim/outcome.js';
import { Terminating, unsupported, wildcard, type Call } from '../call.js';
import type { Handlers } from '../server.js';
import { LAB_DOMAIN, type LabWorld } from '../world.js';

/** The nested lab's outer Hyper-V host: one VM per node, named as the node. */
export const LAB_OUTER_HOST = 'LABHOST';

/** The Redfish ComputerSystem of a node's BMC. */
export function labBmcSystem(node: string): string {
  return `https://bmc-${node.toLowerCase()}.${LAB_DOMAIN}/redfish/v1/Systems/1`;
}

const SYSTEM_PATH = '/redfish/v1/Systems/1';
const RESET_PATH = `${SYSTEM_PATH}/Actions/ComputerSystem.Reset`;
const RESET_TYPES = ['On', 'ForceOff'];

/** Whether a computer name is the lab's outer Hyper-V host (short name or FQDN, any case). */
export function isOuterHost(name: string): boolean {
  const short = name.trim().toLowerCase().replace(new RegExp(`\\.${LAB_DOMAIN.replace('.', '\\.')}$`), '');
  return short === LAB_OUTER_HOST.toLowerCase();
}

/** The node a BMC host name belongs to (bmc-n2.lab.local → N2). */
function nodeOfBmc(world: LabWorld, host: string): string | undefined {
  const m = new RegExp(`^bmc-(.+)\\.${LAB_DOMAIN.replace('.', '\\.')}$`, 'i').exec(host);
  return m ? world.nodeOf(m[1]!) : undefined;
}

/** The PowerState a BMC reports: Off while the power is off; On from power-on (booting included: the power is on). */
function powerState(world: LabWorld, node: string): 'On' | 'Off' {
  return world.sim.power.poweredOff(node) ? 'Off' : 'On';
}

/** The error Invoke-RestMethod throws for an HTTP status that is not a success (HttpResponseException). */
function httpError(status: number, reason: string, uri: string, body: unknown): Terminating {
  return new Terminating(
    `Response status code does not indicate success: ${status} (${reason}).${body ? ` ${JSON.stringify(body)}` : ''}`,
    'WebCmdletWebResponseException,Microsoft.PowerShell.Commands.InvokeRestMethodCommand',
    'InvalidOperation',
    uri,
  );
}

function redfishError(code: string, message: string): unknown {
  return { error: { code: `Base.1.8.${code}`, message, '@Message.ExtendedInfo': [{ MessageId: `Base.1.8.${code}`, Message: message, Severity: 'Warning' }] } };
}

/** A VM object of the outer host: the node as a VM, Running or Off by its host's power. */
function outerVm(world: LabWorld, node: string): Record<string, unknown> {
  const off = world.sim.power.poweredOff(node);
  return {
    $type: 'VirtualMachine',
    Name: node,
    Id: world.guid(`outer/${node}`),
    State: off ? 'Off' : 'Running',
    Status: 'Operating normally',
    Version: '10.0',
    Generation: 2,
    MemoryStartup: 64 * 2 ** 30,
    MemoryAssigned: off ? 0 : 64 * 2 ** 30,
    DynamicMemoryEnabled: false,
    ComputerName: LAB_OUTER_HOST,
    Path: String.raw`D:\Hyper-V\${node}`,
    ConfigurationLocation: String.raw`D:\Hyper-V\${node}`,
    IsClustered: false,
    Heartbeat: off ? null : 'OkApplicationsHealthy',
    AutomaticCriticalErrorAction: 'Pause',
    AutomaticCriticalErrorActionTimeout: 30,
    Notes: `the rehearsal lab's node ${node}`,
  };
}

/** The outer host's VMs a -Name list picks (wildcards as Get-VM takes them); an exact name not there is an error. */
function outerVms(call: Call): string[] {
  const { world } = call;
  const names = call.strings('Name');
  if (!names) return [...world.nodes];
  const picked: string[] = [];
  for (const name of names) {
    const matches = world.nodes.filter((n) => wildcard(name)(n));
    if (!matches.length && !/[*?[]/.test(name)) {
      call.error(
        `Hyper-V was unable to find a virtual machine with name "${name}".`,
        `InvalidParameter,Microsoft.HyperV.PowerShell.Commands.${call.command.replace('-', '')}`,
        'InvalidArgument',
        name,
      );
    }
    for (const m of matches) if (!picked.includes(m)) picked.push(m);
  }
  return picked;
}

/** Whether a Hyper-V call names the outer host (-ComputerName LABHOST): then these handlers serve it. */
export function onOuterHost(call: Call): boolean {
  const names = call.strings('ComputerName');
  if (!names || !names.some(isOuterHost)) return false;
  if (!names.every(isOuterHost)) throw unsupported(call.command, '-ComputerName naming the outer host and a node at once');
  return true;
}

/** Get-VM -ComputerName LABHOST: the nodes as VMs. */
export function getOuterVm(call: Call): void {
  if (call.has('Id') || call.has('ClusterObject')) throw unsupported(call.command, '-Id or -ClusterObject on the outer host');
  for (const node of outerVms(call)) call.output.push(outerVm(call.world, node));
}

export const powerCommands: Handlers = {
  /** The lab's BMCs: GET the ComputerSystem, POST its Reset action. Anything else: no such host, or 404. */
  'Invoke-RestMethod': (call) => {
    const { world } = call;
    if (call.node !== null) throw unsupported(call.command, 'on a node');
    const uri = call.str('Uri') ?? '';
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new Terminating(`Invalid URI: The format of the URI could not be determined.`, 'System.UriFormatException,Microsoft.PowerShell.Commands.InvokeRestMethodCommand', 'InvalidArgument', uri);
    }
    const node = nodeOfBmc(world, url.hostname);
    if (!node) {
      throw new Terminating(`No such host is known. (${url.host})`, 'System.Net.Http.HttpRequestException,Microsoft.PowerShell.Commands.InvokeRestMethodCommand', 'InvalidOperation', uri);
    }
    if (url.protocol !== 'https:') throw httpError(400, 'Bad Request', uri, redfishError('InsufficientPrivilege', 'The lab BMCs answer HTTPS only.'));
    const headers = (call.raw('Headers') ?? {}) as Record<string, unknown>;
    const authorization = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    if (typeof authorization !== 'string' || !/^Basic [A-Za-z0-9+/]+=*$/.test(authorization) || !Buffer.from(authorization.slice(6), 'base64').toString('utf8').includes(':')) {
      throw httpError(401, 'Unauthorized', uri, redfishError('NoValidSession', 'There is no valid session established with the implementation.'));
    }
    const method = (call.str('Method') ?? 'Get').toLowerCase();
    const path = url.pathname.replace(/\/+$/, '');
    if ((method === 'get' || method === 'default') && path === SYSTEM_PATH) {
      call.output.push({
        '@odata.id': SYSTEM_PATH,
        '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
        Id: '1',
        Name: 'System',
        HostName: node,
        SystemType: 'Physical',
        PowerState: powerState(world, node),
        Actions: {
          '#ComputerSystem.Reset': { target: RESET_PATH, 'ResetType@Redfish.AllowableValues': RESET_TYPES },
        },
      });
      return;
    }
    if (method === 'post' && path === RESET_PATH) {
      let resetType: unknown;
      try {
        resetType = (JSON.parse(call.str('Body') ?? '') as { ResetType?: unknown }).ResetType;
      } catch {
        throw httpError(400, 'Bad Request', uri, redfishError('MalformedJSON', 'The request body submitted was malformed JSON.'));
      }
      if (resetType === 'ForceOff') world.sim.power.powerOff(node);
      else if (resetType === 'On') world.sim.power.powerOn(node);
      else throw httpError(400, 'Bad Request', uri, redfishError('ActionParameterNotSupported', `The parameter ResetType value ${JSON.stringify(resetType)} is not supported (On, ForceOff).`));
      // 204 No Content: Invoke-RestMethod returns nothing
      return;
    }
    throw httpError(method === 'get' || method === 'post' ? 404 : 405, method === 'get' || method === 'post' ? 'Not Found' : 'Method Not Allowed', uri, redfishError('ResourceMissingAtURI', `The resource at the URI ${path} was not found.`));
  },

  /** Stop-VM -TurnOff -ComputerName LABHOST: the node's power is cut. */
  'Stop-VM': (call) => {
    if (!onOuterHost(call)) throw unsupported(call.command, 'on a node of the cluster (the lab turns off the outer host LABHOST\'s VMs only: the nodes)');
    if (!call.flag('TurnOff')) throw unsupported(call.command, 'without -TurnOff');
    for (const node of outerVms(call)) {
      call.world.sim.power.powerOff(node);
      if (call.flag('Passthru')) call.output.push(outerVm(call.world, node));
    }
  },

  /** Start-VM -ComputerName LABHOST: the node is powered on (it boots). */
  'Start-VM': (call) => {
    if (!onOuterHost(call)) throw unsupported(call.command, 'on a node of the cluster (the lab starts the outer host LABHOST\'s VMs only: the nodes)');
    for (const node of outerVms(call)) {
      if (!call.world.sim.power.poweredOff(node)) {
        call.error(`'${node}' failed to change state. The operation cannot be performed while the object is in its current state.`, 'InvalidState,Microsoft.HyperV.PowerShell.Commands.StartVM', 'InvalidOperation', node);
        continue;
      }
      call.world.sim.power.powerOn(node);
      if (call.flag('Passthru')) call.output.push(outerVm(call.world, node));
    }
  },

  /**
   * Restart-Computer -ComputerName <node> -Force, from the management host: the OS restart begins (with
   * DrainOnShutdown the cluster drains the node first) and the cmdlet returns at once, as without -Wait.
   */
  'Restart-Computer': (call) => {
    const { world } = call;
    if (!call.flag('Force')) throw unsupported(call.command, 'without -Force (the lab has no logged-on users to refuse a restart for)');
    for (const name of call.strings('ComputerName') ?? []) {
      const node = world.nodeOf(name);
      if (!node) {
        call.error(`Computer '${name}' cannot be restarted: the rehearsal lab has no such computer.`, 'RestartcomputerFailed,Microsoft.PowerShell.Commands.RestartComputerCommand', 'OperationStopped', name);
        continue;
      }
      if (world.sim.power.dark(node) || world.unreachable.has(node)) {
        call.error(`Failed to restart the computer ${name} with the following error message: The RPC server is unavailable.`, 'RestartcomputerFailed,Microsoft.PowerShell.Commands.RestartComputerCommand', 'OperationStopped', name);
        continue;
      }
      // Nobody waits for the simulator's outcome: the module waits through Get-ClusterNode, as on a cluster
      try {
        world.sim.power.restart(node, undefined, new Settlement<void>());
      } catch (e) {
        call.error(`Failed to restart the computer ${name} with the following error message: ${(e as Error).message}.`, 'RestartcomputerFailed,Microsoft.PowerShell.Commands.RestartComputerCommand', 'OperationStopped', name);
      }
    }
  },
};
