import type { Poll } from '../target.js';
import type { ClusterDescription, NodeObservation, VmObservation } from '../../trace/records.js';
import { SimClock } from './clock.js';
import { ClusterService, recoveryFrom } from './clussvc.js';
import { CsvAccess } from './csv.js';
import { Defects } from './defects.js';
import { EventLog } from './eventlog.js';
import { Heartbeats } from './heartbeat.js';
import { Membership } from './membership.js';
import { NodeDrains } from './drain.js';
import { LiveMigrationEngine, type HostMigrationSettings } from './migration.js';
import { Moves } from './moves.js';
import { ClusterNetwork } from './network.js';
import { NodeControl } from './node-control.js';
import { HostPower, hostBootDefaultMs } from './power.js';
import { Quarantine } from './quarantine.js';
import { Quorum } from './quorum.js';
import { QuorumWitness } from './witness.js';
import { Regroup } from './regroup.js';
import { ResiliencyPeriods } from './resiliency.js';
import { ResourceControlManager } from './rcm.js';
import { Placement } from './placement.js';
import { Rng } from './rng.js';
import { ClusterProperties, type SimulatorSpec } from './settings.js';
import { validateCluster, validateSimulator } from './validate.js';
import { ClusteredVm } from './vm.js';
import { SharedStorage, applyStorage } from './storage.js';
import { volumeOf, volumesOf } from '../../trace/storage.js';
import { networksOf } from '../../trace/networks.js';

export interface SimClusterOptions {
  cluster: ClusterDescription;
  simulator: SimulatorSpec;
  seed: number;
  defects?: readonly string[];
  /** ISO time of virtual t = 0. */
  epoch?: string;
  /** Each host's own live-migration settings (the rehearsal lab's Set-VMHost); absent: the cluster's for every host. */
  hostSettings?: HostMigrationSettings;
}

/** One simulated failover cluster: the mechanisms, wired together. */
export class SimCluster {
  readonly clock = new SimClock();
  readonly properties = new ClusterProperties();
  readonly log: EventLog;
  readonly services = new Map<string, ClusterService>();
  readonly vms: ClusteredVm[];
  readonly membership: Membership;
  readonly control: NodeControl;
  readonly network: ClusterNetwork;
  readonly moves: Moves;
  /** The hosts' power and OS restarts (power-off-node, power-on-node, restart-node). */
  readonly power: HostPower;
  /** The quorum witness, and fail-witness (witness.ts). */
  readonly witness: QuorumWitness;
  private readonly heartbeats: Heartbeats;
  private readonly csv: CsvAccess;
  /** The shared volumes (CSVs, SMB shares) and each node's path to them. */
  readonly storage: SharedStorage;
  private readonly defects: Defects;
  private readonly rcm: ResourceControlManager;
  /** Where groups go (failover, drains, moves on request): priority, preferred owners, anti-affinity, memory. */
  readonly placement: Placement;
  private readonly engine: LiveMigrationEngine;
  private readonly drains: NodeDrains;
  private readonly quarantine: Quarantine;
  private readonly regroup: Regroup;

  constructor(private readonly o: SimClusterOptions) {
    const { cluster, simulator } = o;
    validateCluster(cluster);
    validateSimulator(simulator);
    const defects = new Defects(o.defects);
    this.defects = defects;
    const epochMs = Date.parse(o.epoch ?? '2026-01-01T00:00:00.000Z');
    if (Number.isNaN(epochMs)) throw new Error(`epoch ${JSON.stringify(o.epoch)} is not an ISO date-time (e.g. 2026-01-01T00:00:00.000Z)`);
    const rng = Rng.seeded(o.seed);
    const perNode = (label: string) => new Map(cluster.nodes.map((n) => [n, rng.fork(`${label}/${n}`)] as const));
    const { clock, properties } = this;
    const canHost = (n: string) => this.membership.canHost(n);
    const running = (n: string) => this.services.get(n)!.running;

    this.log = new EventLog(() => clock.now(), epochMs);
    const log = this.log;
    this.vms = cluster.vms.map(
      (vm) =>
        new ClusteredVm(vm, {
          clock,
          rng: rng.fork(`vm/${vm.name}`),
          simulator,
          defects,
          csvAccess: (n) => this.csv.has(n),
          hostDark: (n) => this.power.dark(n),
          storageReachable: (n) => this.storageReachable(volumeOf(cluster, vm), n),
          criticallyOff: (v) => log.roleFailed(v.owner, v.name),
          storageIoFailed: (v, node) => log.storageIoFailed(node, v.name, volumeOf(cluster, vm)),
        }),
    );
    // The shared volumes and each node's path to them (fail-storage, fail-storage-path): the VMs react to each change
    const volumes = new Map(cluster.vms.map((vm) => [vm.name, volumeOf(cluster, vm)] as const));
    this.storage = new SharedStorage({
      clock,
      log,
      nodes: cluster.nodes,
      volumes: volumesOf(cluster),
      changed: () =>
        applyStorage(this.vms, (vm) => this.storageReachable(volumes.get(vm.name)!, vm.owner), (node, vm) => log.roleOnline(node, vm)),
    });
    this.engine = new LiveMigrationEngine({
      clock,
      cluster,
      properties,
      simulator,
      defects,
      log,
      rngs: new Map(cluster.vms.map((vm) => [vm.name, rng.fork(`live-migration/${vm.name}`)] as const)),
      raceRngs: new Map(cluster.vms.map((vm) => [vm.name, rng.fork(`storvsc-race/${vm.name}`)] as const)),
      canHost,
      isMember: (n) => this.membership.isMember(n),
      migrationNetwork: (a, b) => this.network.migrationNetwork(a, b),
      networkUp: (a, b, n) => this.network.linkUp(a, b, n),
      ...(o.hostSettings ? { hosts: o.hostSettings } : {}),
    });
    const placement = new Placement({ nodes: cluster.nodes, vms: this.vms, ...(cluster.hostMemoryGB !== undefined ? { hostMemoryGB: cluster.hostMemoryGB } : {}), canHost, defects });
    this.placement = placement;
    this.drains = new NodeDrains({ clock, nodes: cluster.nodes, vms: this.vms, engine: this.engine, defects, canHost, failOver: (vm) => this.rcm.failOver(vm), placement });
    this.rcm = new ResourceControlManager(this.vms, log, defects, properties, canHost, (n) => this.drains.drain(n, { waitForTarget: true }), placement);
    this.csv = new CsvAccess(log, this.vms.some((vm) => vm.storage === 'csv-block'), (n, access) => this.rcm.storageChanged(n, access));
    // A cut silences the heartbeats across it, both ways; a heal lets them through again (counts reset).
    this.network = new ClusterNetwork(clock, cluster.nodes, {
      cut: (node, peers) => {
        for (const p of peers) {
          if (running(p)) this.heartbeats.silence(node, p);
          if (running(node)) this.heartbeats.silence(p, node);
        }
        this.membership.linksCut(node, peers);
      },
      healed: (node, peers) => {
        for (const p of peers) {
          if (running(p)) this.heartbeats.heard(node, p);
          if (running(node)) this.heartbeats.heard(p, node);
        }
        this.membership.linksHealed();
      },
      // A migration whose connection went over a network just cut between its hosts loses it (migration.ts)
      networksLost: (node, peers, networks) => this.engine.networksLost(node, peers, networks),
    }, networksOf(cluster), defects);
    const quorum = new Quorum(cluster.nodes, this.network, {
      ...(cluster.witness ? { witness: cluster.witness } : {}),
      dynamic: cluster.dynamicQuorum ?? true, // DynamicQuorum's documented default [MSDN-DQ]
      clock,
      defects,
      voters: () => this.membership.countedVoters(),
    });
    this.heartbeats = new Heartbeats(clock, properties, perNode('heartbeat'), (r, s) => this.regroup.heartbeatsMissed(r, s));
    this.quarantine = new Quarantine(cluster.nodes, { clock, properties, defects, log });
    this.membership = new Membership(cluster.nodes, {
      clock,
      properties,
      defects,
      log,
      heartbeats: this.heartbeats,
      quarantine: this.quarantine,
      resiliency: new ResiliencyPeriods(clock, properties, defects),
      quorum,
      network: this.network,
      clussvcRunning: running,
      hostDark: (n) => this.power.dark(n),
      joinRngs: perNode('join'),
      hooks: {
        removed: (n) => {
          // a dark host (power loss) logs nothing, not even its CSV's 5120
          this.csv.lose(n, this.power.dark(n));
          this.engine.nodeLost(n);
        },
        left: (n) => {
          this.csv.lose(n, true);
          this.engine.nodeLost(n);
        },
        isolated: (n, by) => this.rcm.nodeIsolated(n, by),
        quarantined: (n) => this.rcm.nodeQuarantined(n),
        down: (n) => this.rcm.nodeDown(n),
        drainAbandoned: (n) => this.drains.fail(n, `the cluster service on ${n} stopped`),
        joining: (n) => {
          this.drains.fail(n, `${n} is joining the cluster again`); // a quarantined node released mid-drain keeps what it still hosts
          this.rcm.nodeJoining(n);
        },
        joined: (n) => {
          this.csv.restore(n);
          this.rcm.nodeJoined(n);
          this.drains.retry();
          this.power.joined(n);
        },
        joinsSettled: () => this.rcm.joinsSettled(),
        quorumLost: (members) => {
          this.drains.failAll('the cluster lost quorum');
          this.engine.cancelAll('the cluster lost quorum');
          this.rcm.clusterStopped();
          for (const n of cluster.nodes) this.csv.lose(n, true); // the volumes go offline with the cluster
          for (const n of members) {
            log.quorumLost(n);
            this.services.get(n)!.terminate();
          }
        },
      },
    });
    this.regroup = new Regroup({ nodes: cluster.nodes, network: this.network, defects, quorum, clussvcRunning: running, membership: this.membership });
    this.witness = new QuorumWitness({ ...(cluster.witness ? { witness: cluster.witness } : {}), clock, quorum, membership: this.membership, defects, log: this.log });
    for (const node of cluster.nodes) {
      const hooks = {
        stopped: (n: string) => {
          this.membership.clussvcStopped(n);
          this.engine.nodeLost(n);
        },
        stoppedGracefully: (n: string) => {
          this.membership.clussvcStoppedGracefully(n);
          this.engine.nodeLost(n);
        },
        started: (n: string) => this.membership.clussvcStarted(n),
      };
      this.services.set(node, new ClusterService(node, clock, log, () => recoveryFrom((n) => properties.get(n), simulator.scmRestartDelayMs), hooks, defects));
      this.heartbeats.started(node);
    }
    this.control = new NodeControl({
      clock,
      nodes: cluster.nodes,
      services: this.services,
      membership: this.membership,
      engine: this.engine,
      drains: this.drains,
      quarantine: this.quarantine,
      quorum,
      defects,
      log,
      resumed: () => {
        this.rcm.nodeResumed();
        this.drains.retry();
      },
    });
    this.power = new HostPower({
      clock,
      nodes: cluster.nodes,
      services: this.services,
      membership: this.membership,
      drains: this.drains,
      rcm: this.rcm,
      properties,
      defects,
      rngs: perNode('boot'),
      bootMs: simulator.hostBootMs ?? hostBootDefaultMs,
    });
    this.moves = new Moves({ clock, clusterName: cluster.name, nodes: cluster.nodes, vms: this.vms, membership: this.membership, engine: this.engine, placement });
  }

  describe(): ClusterDescription {
    const { name, nodes, hostVersion, idleCpuCores, liveMigration } = this.o.cluster;
    const description: ClusterDescription = { name, nodes: [...nodes], vms: this.vms.map((vm) => vm.describe()) };
    if (hostVersion !== undefined) description.hostVersion = hostVersion;
    if (idleCpuCores !== undefined) description.idleCpuCores = idleCpuCores;
    if (liveMigration !== undefined) description.liveMigration = { ...liveMigration };
    if (this.o.cluster.storage !== undefined) description.storage = this.o.cluster.storage.map((v) => ({ ...v }));
    if (this.o.cluster.networks !== undefined) description.networks = this.o.cluster.networks.map((n) => ({ ...n }));
    const memory = this.o.cluster.hostMemoryGB;
    if (memory !== undefined) description.hostMemoryGB = typeof memory === 'number' ? memory : { ...memory };
    return description;
  }

  poll(): Poll {
    const nodes: Record<string, NodeObservation> = {};
    for (const node of this.o.cluster.nodes) nodes[node] = this.membership.observe(node);
    const vms: Record<string, VmObservation> = {};
    for (const vm of this.vms) vms[vm.name] = vm.observe();
    return { t: this.clock.now(), nodes, vms };
  }

  /** Move-ClusterVirtualMachineRole -Cancel: the VM's live migration in flight ends as cancelled, if it still can. */
  cancelLiveMigration(vm: string, reason: string): 'cancelled' | 'too-late' | 'none' {
    return this.engine.cancelVm(vm, reason);
  }

  /** Whether `node` can do I/O to the volume (defect redirected-access-pauses-vm: not in redirected access). */
  private storageReachable(volume: string, node: string): boolean {
    if (!this.storage.reachable(volume, node)) return false;
    return !(this.defects.has('redirected-access-pauses-vm') && this.storage.redirected(volume, node));
  }

  service(node: string): ClusterService | undefined {
    return this.services.get(node);
  }
}
