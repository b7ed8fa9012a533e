/**
 * What the lab keeps besides the simulated cluster (README.md "What the lab keeps per node"): the machines'
 * names, addresses and clocks, and the per-node stores the stand-in commands read and change.
 */
import { LabWitness } from './witness.js';
import { LabStorage } from './storage.js';
import { createHash } from 'node:crypto';
import { SimCluster } from '../../sim/cluster.js';
import type { ClusterNetworkDescription, LiveMigrationTransport } from '../../../trace/records.js';
import { networksOf } from '../../../trace/networks.js';
import { CoSimulation } from './clock.js';
import { EventStore } from './events.js';
import { Firewall } from './firewall.js';
import type { LabOptions } from './lab.js';
import { TaskScheduler } from './tasks.js';
import { runTaskProcess } from './tasks-runner.js';

/** The lab's Active Directory domain: machines' FQDNs, event records' MachineName. */
export const LAB_DOMAIN = 'lab.local';

/** Where the lab's SharedStoragePath is unless the options say otherwise. */
export const DEFAULT_SHARED_STORAGE_PATH = String.raw`C:\ClusterStorage\Volume1\SharedStoragePath`;

/** A task process that runs longer than this in real time is killed (a stand-in waiting forever would hold the clock). */
const TASK_WALL_LIMIT_MS = 10 * 60_000;

/** Each host's Set-VMHost values the lab records (undefined: as the host came). */
export interface HostSettings {
  /** VirtualMachineMigrationPerformanceOption as set: TCPIP, Compression, SMB. */
  performanceOption?: 'TCPIP' | 'Compression' | 'SMB';
  maximumMigrations?: number;
  /** Other Set-VMHost parameters, recorded and shown, without effect. */
  other: Record<string, unknown>;
}

export class LabWorld {
  readonly sim: SimCluster;
  readonly co: CoSimulation;
  readonly epochMs: number;
  readonly nodes: readonly string[];
  readonly clusterName: string;
  readonly timeZone: string;
  readonly events = new EventStore();
  readonly firewall: Firewall;
  readonly witness: LabWitness;
  /** The shared volumes' paths, cut by the nodes' firewall rules (fail-storage, fail-storage-path). */
  readonly storage: LabStorage;
  readonly tasks: TaskScheduler;
  readonly hosts = new Map<string, HostSettings>();
  readonly unreachable = new Set<string>();
  /** Get-Cluster properties the simulator does not model, as set (defaults: cluster.ts). */
  readonly clusterExtra = new Map<string, unknown>();
  /** Group properties the simulator does not model, by group name. */
  readonly groupExtra = new Map<string, Map<string, unknown>>();
  readonly sessions: Record<string, number> = {};
  readonly calls: { process: string; node: string | null; compat: boolean; command: string; parameters: Record<string, unknown>; at: number }[] = [];
  /** The lab's URL and the cache directory, for the processes it starts (set by Lab.start). */
  envFor: (process: string) => Record<string, string> = () => ({});

  constructor(readonly o: LabOptions) {
    this.epochMs = Math.floor(Date.now() / 1000) * 1000;
    this.nodes = [...o.cluster.nodes];
    this.clusterName = o.cluster.name;
    this.timeZone = o.timeZone ?? 'Pacific/Honolulu';
    for (const n of this.nodes) this.hosts.set(n, { other: {} });
    this.sim = new SimCluster({
      // A real group has no ResiliencyPeriod of its own until someone sets it (0: the cluster's default): the run
      // sets the experiment's through the live group, as on a real cluster (review B5)
      cluster: { ...o.cluster, vms: o.cluster.vms.map(({ resiliencyPeriod: _own, ...vm }) => vm) },
      simulator: o.simulator,
      seed: o.seed,
      defects: o.defects ?? [],
      epoch: new Date(this.epochMs).toISOString(),
      hostSettings: {
        transport: (n) => this.hostTransport(n),
        maximumMigrations: (n) => this.hosts.get(n)?.maximumMigrations,
      },
    });
    if (o.simulatorProperties) this.sim.properties.set(o.simulatorProperties);
    this.co = new CoSimulation(this.sim.clock, () => this.collectEvents());
    this.firewall = new Firewall(
      this.nodes,
      o.firewall ?? {},
      this.clusterNetworks().map((n) => n.name),
      (n, network) => this.addressesOn(n, network),
      (n, links) => this.sim.network.setLinks(n, links),
    );
    // The quorum witness: lost once every node's firewall blocks it (fail-witness), back once one lets it through
    this.witness = new LabWitness(o.cluster.witness, this.nodes, this.firewall, {
      fail: () => this.sim.witness.fail(),
      restore: () => this.sim.witness.restore(),
    });
    this.firewall.listeners.push(() => this.witness.apply());
    // The shared volumes: a node's path is cut while its firewall blocks the volume's iSCSI or SMB traffic
    this.storage = new LabStorage(o.cluster, this.nodes, this.firewall, {
      fail: (volume, node) => this.sim.storage.fail(volume, node),
      restore: (volume, node) => this.sim.storage.restore(volume, node),
    });
    this.firewall.listeners.push(() => this.storage.apply());
    this.tasks = new TaskScheduler({
      co: this.co,
      virtualTime: (node, epochMs) => epochMs - this.epochMs - this.skew(node),
      launch: (node, process, script) =>
        runTaskProcess({ pwsh: o.pwsh, standIns: o.standIns, node, script, env: this.envFor(process), wallLimitMs: TASK_WALL_LIMIT_MS }),
    });
  }

  /** Move what the simulator logged into the nodes' event stores (after every step and every command). */
  collectEvents(): void {
    const records = this.sim.log.drainRecords();
    if (records.length) this.events.add(records, (node, t) => this.epochMs + t + this.skew(node));
  }

  /** WinRM cannot reach the node: set so (Lab.setUnreachable), or its OS does not run (powered off, booting: sim/power.ts). */
  unreachableNow(node: string): boolean {
    return this.unreachable.has(node) || this.sim.power.dark(node);
  }

  skew(node: string): number {
    return this.o.skewMs?.[node] ?? 0;
  }

  /** A machine's clock now, epoch ms: a node's (with its skew), or the management host's (null). */
  clockOf(node: string | null): number {
    return this.epochMs + this.co.now() + (node === null ? 0 : this.skew(node));
  }

  /** The node a computer name means (N2, n2, N2.lab.local), or undefined. */
  nodeOf(name: string): string | undefined {
    const short = name.trim().toLowerCase().replace(new RegExp(`\\.${LAB_DOMAIN.replace('.', '\\.')}$`), '');
    return this.nodes.find((n) => n.toLowerCase() === short);
  }

  /** Whether a name is the cluster's (its name or FQDN). */
  isClusterName(name: string): boolean {
    const short = name.trim().toLowerCase().replace(new RegExp(`\\.${LAB_DOMAIN.replace('.', '\\.')}$`), '');
    return short === this.clusterName.toLowerCase();
  }

  index(node: string): number {
    return this.nodes.indexOf(node);
  }

  /** 10.10.0.(11 + index). */
  ipv4(node: string): string {
    return `10.10.0.${11 + this.index(node)}`;
  }

  /** The cluster networks (src/trace/networks.ts); the k-th is the subnet 10.10.k.0/24, on the node's NIC adapterOn(k). */
  clusterNetworks(): readonly ClusterNetworkDescription[] {
    return networksOf(this.o.cluster);
  }

  /** The node's IPv4 address on the k-th cluster network: 10.10.k.(11 + index) (the first: ipv4). */
  ipv4On(node: string, k: number): string {
    return `10.10.${k}.${11 + this.index(node)}`;
  }

  /** The node's adapter on the k-th cluster network: Ethernet, Ethernet 2… */
  adapterOn(k: number): string {
    return k === 0 ? 'Ethernet' : `Ethernet ${k + 1}`;
  }

  /** The node's addresses on a cluster network, by name (the first network also has its IPv6 link-local one). */
  addressesOn(node: string, network: string): string[] {
    const k = this.clusterNetworks().findIndex((n) => n.name === network);
    if (k < 0) return [];
    return k === 0 ? [this.ipv4(node), this.ipv6(node)] : [this.ipv4On(node, k)];
  }

  /** The node's IPv6 link-local address (without its zone index). */
  ipv6(node: string): string {
    return `fe80::215:5dff:fe0a:${(0x0b + this.index(node)).toString(16)}`;
  }

  /** The cluster name's address. */
  clusterIpv4(): string {
    return '10.10.0.10';
  }

  /** A stable GUID for a lab object (the same for the same cluster and label). */
  guid(label: string): string {
    const h = createHash('sha1').update(`${this.clusterName}/${label}`).digest('hex');
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** The cluster group of a VM (LabOptions.groupNames; default the VM's name). */
  groupName(vm: string): string {
    return this.o.groupNames?.[vm] ?? vm;
  }

  /** The VM whose group has this name. */
  vmOfGroup(group: string) {
    const lower = group.toLowerCase();
    return this.sim.vms.find((vm) => this.groupName(vm.name).toLowerCase() === lower);
  }

  vmById(id: string) {
    const lower = id.toLowerCase();
    return this.sim.vms.find((vm) => this.guid(`vm/${vm.name}`) === lower);
  }

  sharedStoragePath(): string | null {
    return this.o.sharedStoragePath === undefined ? DEFAULT_SHARED_STORAGE_PATH : this.o.sharedStoragePath;
  }

  build(): number {
    return this.o.build ?? 20348;
  }

  /** The cluster's own transport, by the name Set-VMHost uses (SMB Direct is SMB over RDMA NICs). */
  defaultPerformanceOption(): 'TCPIP' | 'Compression' | 'SMB' {
    const t = this.o.cluster.liveMigration?.transport ?? 'Compression';
    return t === 'SMBDirect' ? 'SMB' : t;
  }

  /** A host's transport for migrations without their own: its Set-VMHost value, else undefined (the cluster's). */
  private hostTransport(node: string): LiveMigrationTransport | undefined {
    const option = this.hosts.get(node)?.performanceOption;
    if (option === undefined) return undefined;
    // SMB runs over SMB Direct where the NICs have RDMA: the cluster's own network says whether they do
    if (option === 'SMB' && this.o.cluster.liveMigration?.transport === 'SMBDirect') return 'SMBDirect';
    return option;
  }
}
