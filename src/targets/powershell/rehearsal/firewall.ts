/**
 * Windows Firewall on each node: the rules of its PersistentStore, its three profiles, and what the rules
 * do to the cluster's networks. A node's link to a peer on a cluster network is cut (ClusterNetwork.setLinks,
 * both ways) while the node's firewall enforces a Block rule whose remote addresses cover the peer's address on
 * that network (and its local addresses the node's there), and that blocks either UDP 3343 — inbound on the
 * local port, outbound on the remote port: the heartbeats [NETQOS-DOC] — or all traffic (any protocol, any
 * port: isolate-network `network:`, which blocks one network's subnet). Enforced: the profile of the cluster
 * NICs (Domain) is enabled and local rules are allowed (AllowLocalFirewallRules not False: review R4).
 */

export type FirewallProfileName = 'Domain' | 'Private' | 'Public';
export const FIREWALL_PROFILES: readonly FirewallProfileName[] = ['Domain', 'Private', 'Public'];

/** The profile the cluster NIC is in: its network category is DomainAuthenticated. */
export const CLUSTER_NIC_PROFILE: FirewallProfileName = 'Domain';

/** UDP port of the cluster service's heartbeats (and TCP for joins) [NETQOS-DOC]. */
export const CLUSTER_PORT = 3343;

export interface FirewallRule {
  Name: string;
  DisplayName: string;
  Description: string | null;
  Group: string | null;
  Direction: 'Inbound' | 'Outbound';
  Action: 'Allow' | 'Block' | 'NotConfigured';
  Enabled: 'True' | 'False';
  /** 'Any' or a list of profile names ('Domain, Private'). */
  Profile: string;
  Protocol: string;
  LocalPort: string[];
  RemotePort: string[];
  LocalAddress: string[];
  RemoteAddress: string[];
}

export interface FirewallProfileState {
  enabled: boolean;
  allowLocalRules: boolean;
}

export class Firewall {
  private readonly rules = new Map<string, FirewallRule[]>();
  private readonly profiles = new Map<string, FirewallProfileState>();

  constructor(
    private readonly nodes: readonly string[],
    settings: Readonly<Record<string, { enabled?: boolean; allowLocalRules?: boolean }>>,
    /** The cluster networks, and a node's addresses on one (IPv4 and IPv6, no zone index). */
    private readonly networks: readonly string[],
    private readonly addressesOn: (node: string, network: string) => readonly string[],
    /** Cut `node` off from exactly these peers on each network (the simulator's network). */
    private readonly cut: (node: string, links: Map<string, string[]>) => void,
  ) {
    for (const n of nodes) {
      const s = settings[n] ?? {};
      this.profiles.set(n, { enabled: s.enabled ?? true, allowLocalRules: s.allowLocalRules ?? true });
    }
  }

  /** The PersistentStore's rules, in the order they were added. */
  rulesOf(node: string): readonly FirewallRule[] {
    return this.rules.get(node) ?? [];
  }

  /** The ActiveStore's (local) rules: every rule while the firewall enforces local rules, none otherwise. */
  activeRulesOf(node: string): readonly FirewallRule[] {
    return this.enforces(node) ? this.rulesOf(node) : [];
  }

  profile(node: string): FirewallProfileState {
    return this.profiles.get(node)!;
  }

  /** Whether the firewall applies the node's local rules on the cluster NIC. */
  enforces(node: string): boolean {
    const p = this.profile(node);
    return p.enabled && p.allowLocalRules;
  }

  add(node: string, rule: FirewallRule): void {
    let list = this.rules.get(node);
    if (!list) this.rules.set(node, (list = []));
    list.push(rule);
    this.apply(node);
  }

  remove(node: string, names: ReadonlySet<string>): void {
    this.rules.set(node, this.rulesOf(node).filter((r) => !names.has(r.Name)));
    this.apply(node);
  }

  /** Change a profile (tests: Group Policy turns the firewall off or refuses local rules). */
  setProfile(node: string, state: Partial<FirewallProfileState>): void {
    Object.assign(this.profile(node), state);
    this.apply(node);
  }

  /** The peers the node's enforced rules cut it off from on `network` (default: on every network). */
  blockedPeers(node: string, network?: string): string[] {
    if (network === undefined) return this.nodes.filter((p) => p !== node && this.networks.every((n) => this.blockedPeers(node, n).includes(p)));
    const blocking = this.activeRulesOf(node).filter((r) => blocksHeartbeats(r) || blocksEverything(r));
    if (!blocking.length) return [];
    const own = this.addressesOn(node, network);
    return this.nodes.filter(
      (peer) =>
        peer !== node &&
        blocking.some((r) => covers(r.RemoteAddress, this.addressesOn(peer, network), this.allAddresses()) && covers(r.LocalAddress, own, this.allAddresses())),
    );
  }

  /** Bring the simulated network in line with the node's rules. */
  apply(node: string): void {
    this.cut(node, new Map(this.networks.map((n) => [n, this.blockedPeers(node, n)] as const)));
    for (const listener of this.listeners) listener(node);
  }

  /** Told after every change of a node's rules or profiles (the lab's witness, witness.ts). */
  readonly listeners: ((node: string) => void)[] = [];

  private allAddresses(): string[] {
    return this.nodes.flatMap((n) => this.networks.flatMap((net) => [...this.addressesOn(n, net)]));
  }
}

/** An enabled Block rule for UDP 3343 on the cluster NIC's profile, in the direction that carries heartbeats. */
function blocksHeartbeats(r: FirewallRule): boolean {
  if (r.Enabled !== 'True' || r.Action !== 'Block') return false;
  if (!appliesTo(r.Profile, CLUSTER_NIC_PROFILE)) return false;
  const protocol = r.Protocol.toUpperCase();
  if (protocol !== 'UDP' && protocol !== '17' && protocol !== 'ANY') return false;
  return portCovers(r.Direction === 'Inbound' ? r.LocalPort : r.RemotePort, CLUSTER_PORT);
}

/** An enabled Block rule for every protocol and port on the cluster NICs' profile: all traffic to its addresses. */
function blocksEverything(r: FirewallRule): boolean {
  if (r.Enabled !== 'True' || r.Action !== 'Block' || !appliesTo(r.Profile, CLUSTER_NIC_PROFILE)) return false;
  if (r.Protocol.trim().toUpperCase() !== 'ANY') return false;
  const any = (ports: readonly string[]) => !ports.length || ports.some((p) => /^any$/i.test(p.trim()));
  return any(r.LocalPort) && any(r.RemotePort);
}

function appliesTo(profile: string, name: FirewallProfileName): boolean {
  const parts = profile.split(',').map((p) => p.trim().toLowerCase());
  return parts.includes('any') || parts.includes(name.toLowerCase());
}

function portCovers(ports: readonly string[], port: number): boolean {
  return ports.some((p) => {
    const text = p.trim();
    if (/^any$/i.test(text)) return true;
    const range = /^(\d+)-(\d+)$/.exec(text);
    if (range) return Number(range[1]) <= port && port <= Number(range[2]);
    return /^\d+$/.test(text) && Number(text) === port;
  });
}

/** Whether an address list (RemoteAddress, LocalAddress) includes one of `addresses`. */
function covers(list: readonly string[], addresses: readonly string[], subnet: readonly string[]): boolean {
  return list.some((item) => {
    const text = item.trim();
    if (/^any$/i.test(text)) return true;
    // Every node is on the cluster subnet
    if (/^localsubnet[46]?$/i.test(text)) return addresses.some((a) => subnet.includes(a));
    return addresses.some((a) => addressMatches(text, a));
  });
}

export function addressMatches(item: string, address: string): boolean {
  const v4 = ipv4(address);
  if (v4 === undefined) return normalize6(item) === normalize6(address);
  const range = /^([\d.]+)-([\d.]+)$/.exec(item);
  if (range) {
    const lo = ipv4(range[1]);
    const hi = ipv4(range[2]);
    return lo !== undefined && hi !== undefined && lo <= v4 && v4 <= hi;
  }
  const subnet = /^([\d.]+)\/([\d.]+)$/.exec(item);
  if (subnet) {
    const base = ipv4(subnet[1]);
    const mask = subnet[2].includes('.') ? ipv4(subnet[2]) : prefixMask(Number(subnet[2]));
    return base !== undefined && mask !== undefined && ((base & mask) >>> 0) === ((v4 & mask) >>> 0);
  }
  return ipv4(item) === v4;
}

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function prefixMask(bits: number): number | undefined {
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function normalize6(text: string): string {
  return text.trim().toLowerCase().replace(/%.*$/, '');
}
