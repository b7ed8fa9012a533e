/**
 * Network stand-ins on a node: NetSecurity (the firewall's rules and profiles: firewall.ts enforces them on
 * the simulated network), NetConnection (the cluster NIC's profile) and DnsClient (the nodes' addresses).
 */
import { randomUUID } from 'node:crypto';
import { Terminating, hasWildcard, unsupported, wildcard, type Call } from '../call.js';
import { FIREWALL_PROFILES, type FirewallRule } from '../firewall.js';
import type { Handlers } from '../server.js';
import { LAB_DOMAIN, type LabWorld } from '../world.js';
import { isWitnessHost, WITNESS_ADDRESS } from '../witness.js';

/** The cluster NIC: its adapter name (Get-ClusterNetworkInterface .Adapter) is the connection's InterfaceAlias. */
const INTERFACE_ALIAS = 'Ethernet';
const INTERFACE_INDEX = 12;

function ruleObject(rule: FirewallRule, store: string): Record<string, unknown> {
  return {
    $type: 'NetFirewallRule',
    Name: rule.Name,
    ID: rule.Name,
    DisplayName: rule.DisplayName,
    Description: rule.Description,
    Group: rule.Group,
    DisplayGroup: rule.Group,
    Enabled: rule.Enabled,
    Profile: rule.Profile,
    Platform: [],
    Direction: rule.Direction,
    Action: rule.Action,
    EdgeTraversalPolicy: 'Block',
    LooseSourceMapping: false,
    LocalOnlyMapping: false,
    Owner: null,
    PrimaryStatus: 'OK',
    Status: 'The rule was parsed successfully from the store. (65536)',
    EnforcementStatus: 'NotApplicable',
    PolicyStoreSource: 'PersistentStore',
    PolicyStoreSourceType: 'Local',
    PolicyStore: store,
  };
}

/** -PolicyStore: the PersistentStore (default) or the ActiveStore (what is enforced); others cannot be read here. */
function store(call: Call): 'PersistentStore' | 'ActiveStore' {
  const s = call.str('PolicyStore') ?? 'PersistentStore';
  if (/^persistentstore$/i.test(s)) return 'PersistentStore';
  if (/^activestore$/i.test(s)) return 'ActiveStore';
  throw unsupported(call.command, `-PolicyStore ${s}`);
}

/** CDXML's error when a query by a key matches nothing. */
function notFound(call: Call, property: string, value: string, cimClass = 'MSFT_NetFirewallRule'): void {
  call.error(
    `No ${cimClass} objects found with property '${property}' equal to '${value}'.  Verify the value of the property and retry.`,
    `CmdletizationQuery_NotFound_${property},${call.command}`,
    'ObjectNotFound',
    value,
  );
}

/** The rules a Get-/Remove-NetFirewallRule call selects, each key that matches nothing a not-found error. */
function selectRules(call: Call, rules: readonly FirewallRule[]): FirewallRule[] {
  const by = (param: string, property: string, field: (r: FirewallRule) => string | null) => {
    const values = call.strings(param);
    if (!values) return undefined;
    const chosen = new Set<FirewallRule>();
    for (const v of values) {
      const matches = rules.filter((r) => wildcard(v)(field(r) ?? ''));
      if (!matches.length) notFound(call, property, v);
      for (const r of matches) chosen.add(r);
    }
    return chosen;
  };
  const filters = [
    by('Name', 'InstanceID', (r) => r.Name),
    by('ID', 'InstanceID', (r) => r.Name),
    by('DisplayName', 'DisplayName', (r) => r.DisplayName),
    by('Group', 'RuleGroup', (r) => r.Group),
    by('DisplayGroup', 'DisplayGroup', (r) => r.Group),
    by('Direction', 'Direction', (r) => r.Direction),
    by('Action', 'Action', (r) => r.Action),
    by('Enabled', 'Enabled', (r) => r.Enabled),
  ].filter((f) => f !== undefined);
  const objects = call.objects('InputObject');
  if (objects) {
    const names = new Set(objects.map((o) => o.name.toLowerCase()));
    filters.push(new Set(rules.filter((r) => names.has(r.Name.toLowerCase()))));
  }
  return rules.filter((r) => filters.every((f) => f.has(r)));
}

/** A RemoteAddress / LocalAddress value the firewall accepts; a zone index (fe80::1%12) is not one (review N4). */
function checkAddresses(call: Call, values: string[]): string[] {
  for (const v of values) {
    if (v.includes('%') || !/^[0-9A-Za-z.:/\-]+$/.test(v)) {
      throw new Terminating(
        'The address is invalid. Addresses may be specified as IP addresses, ranges, or subnets. Also, the following address keywords are allowed in certain places: LocalSubnet, DNS, DHCP, WINS, DefaultGateway, Internet, Intranet, IntranetRemoteAccess, PlayToDevice. Keywords can be restricted to IPv4 or IPv6 by appending a 4 or 6 (for example, LocalSubnet4 or LocalSubnet6).',
        `HRESULT 0x80070057,${call.command}`,
        'InvalidArgument',
        v,
      );
    }
  }
  return values;
}

function profileObject(world: LabWorld, node: string, name: string, store: string): Record<string, unknown> {
  const p = world.firewall.profile(node);
  const active = store === 'ActiveStore';
  return {
    $type: 'NetFirewallProfile',
    Name: name,
    Profile: name,
    Enabled: p.enabled ? 'True' : 'False',
    DefaultInboundAction: 'NotConfigured',
    DefaultOutboundAction: 'NotConfigured',
    AllowInboundRules: 'NotConfigured',
    // Not configured locally means allowed; Group Policy's "Apply local firewall rules: No" is False (review R4)
    AllowLocalFirewallRules: p.allowLocalRules ? (active ? 'True' : 'NotConfigured') : 'False',
    AllowLocalIPsecRules: 'NotConfigured',
    DisabledInterfaceAliases: ['NotConfigured'],
    PolicyStore: store,
  };
}

export const firewallCommands: Handlers = {
  'New-NetFirewallRule': (call) => {
    const node = call.requireNode();
    const { world } = call;
    if (store(call) !== 'PersistentStore') throw unsupported(call.command, '-PolicyStore ActiveStore');
    const name = call.str('Name') ?? `{${randomUUID()}}`;
    if (world.firewall.rulesOf(node).some((r) => r.Name.toLowerCase() === name.toLowerCase())) {
      // Win32 ERROR_ALREADY_EXISTS (183): a rule of that name is in the store
      throw new Terminating('Cannot create a file when that file already exists.', `Windows System Error 183,${call.command}`, 'ResourceExists', name);
    }
    const list = (param: string) => call.strings(param) ?? ['Any'];
    const rule: FirewallRule = {
      Name: name,
      DisplayName: call.str('DisplayName') ?? name,
      Description: call.str('Description') ?? null,
      Group: call.str('Group') ?? null,
      Direction: call.str('Direction') === 'Outbound' ? 'Outbound' : 'Inbound',
      Action: (call.str('Action') as FirewallRule['Action'] | undefined) ?? 'Allow',
      Enabled: call.str('Enabled') === 'False' ? 'False' : 'True',
      Profile: call.str('Profile') ?? 'Any',
      Protocol: call.str('Protocol') ?? 'Any',
      LocalPort: list('LocalPort'),
      RemotePort: list('RemotePort'),
      LocalAddress: checkAddresses(call, list('LocalAddress')),
      RemoteAddress: checkAddresses(call, list('RemoteAddress')),
    };
    world.firewall.add(node, rule);
    call.output.push(ruleObject(rule, 'PersistentStore'));
  },

  'Get-NetFirewallRule': (call) => {
    const node = call.requireNode();
    const s = store(call);
    const rules = s === 'ActiveStore' ? call.world.firewall.activeRulesOf(node) : call.world.firewall.rulesOf(node);
    for (const r of selectRules(call, rules)) call.output.push(ruleObject(r, s));
  },

  'Remove-NetFirewallRule': (call) => {
    const node = call.requireNode();
    if (store(call) !== 'PersistentStore') throw unsupported(call.command, '-PolicyStore ActiveStore');
    const chosen = selectRules(call, call.world.firewall.rulesOf(node));
    call.world.firewall.remove(node, new Set(chosen.map((r) => r.Name)));
    if (call.flag('PassThru')) for (const r of chosen) call.output.push(ruleObject(r, 'PersistentStore'));
  },

  'Get-NetFirewallProfile': (call) => {
    const node = call.requireNode();
    const s = store(call);
    const names = call.strings('Name');
    for (const n of names ?? []) {
      if (!hasWildcard(n) && !FIREWALL_PROFILES.some((p) => p.toLowerCase() === n.toLowerCase())) notFound(call, 'Name', n, 'MSFT_NetFirewallProfile');
    }
    for (const p of FIREWALL_PROFILES) if (!names || names.some((n) => wildcard(n)(p))) call.output.push(profileObject(call.world, node, p, s));
  },

  'Get-NetConnectionProfile': (call) => {
    call.requireNode();
    const aliases = call.strings('InterfaceAlias');
    if (aliases && !aliases.some((a) => wildcard(a)(INTERFACE_ALIAS))) {
      for (const a of aliases) notFound(call, 'InterfaceAlias', a, 'MSFT_NetConnectionProfile');
      return;
    }
    const categories = call.strings('NetworkCategory');
    if (categories && !categories.includes('DomainAuthenticated')) return;
    call.output.push({
      $type: 'NetConnectionProfile',
      Name: LAB_DOMAIN,
      InterfaceAlias: INTERFACE_ALIAS,
      InterfaceIndex: INTERFACE_INDEX,
      NetworkCategory: 'DomainAuthenticated',
      DomainAuthenticationKind: 'Ldap',
      IPv4Connectivity: 'LocalNetwork',
      IPv6Connectivity: 'LocalNetwork',
    });
  },

  /** A node's IPv4 address (A) and its IPv6 link-local one with a zone index (AAAA: review N4); the cluster's name. */
  'Resolve-DnsName': (call) => {
    const { world } = call;
    const name = call.str('Name') ?? '';
    const type = call.str('Type') ?? 'A_AAAA';
    const node = world.nodeOf(name);
    const fqdn = `${node ?? world.clusterName}.${LAB_DOMAIN}`;
    // the quorum witness's file server or storage account (witness.ts): one IPv4 address
    if (!node && isWitnessHost(world.o.cluster.witness, name)) {
      if (type === 'A' || type === 'A_AAAA' || type === 'ANY' || type === 'ALL') {
        call.output.push({ $type: 'DnsRecord_A', Name: name, Type: 'A', TTL: 1200, Section: 'Answer', DataLength: 4, IPAddress: WITNESS_ADDRESS, IP4Address: WITNESS_ADDRESS });
      }
      return;
    }
    if (!node && !world.isClusterName(name)) {
      throw new Terminating(`${name} : DNS name does not exist`, 'DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName', 'ResourceUnavailable', name);
    }
    const wantA = type === 'A' || type === 'A_AAAA' || type === 'ANY' || type === 'ALL';
    const wantAAAA = type === 'AAAA' || type === 'A_AAAA' || type === 'ANY' || type === 'ALL';
    if (wantAAAA && node) {
      const address = `${world.ipv6(node)}%${INTERFACE_INDEX}`;
      call.output.push({ $type: 'DnsRecord_AAAA', Name: fqdn, Type: 'AAAA', TTL: 1200, Section: 'Answer', DataLength: 16, IPAddress: address, IP6Address: address });
    }
    if (wantA) {
      const address = node ? world.ipv4(node) : world.clusterIpv4();
      call.output.push({ $type: 'DnsRecord_A', Name: fqdn, Type: 'A', TTL: 1200, Section: 'Answer', DataLength: 4, IPAddress: address, IP4Address: address });
    }
  },
};
