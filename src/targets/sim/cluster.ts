import type { Poll } from '../target.js';
import type { ClusterDescription, NodeObservation, VmObservation } from '../../trace/records.js';
import { SimClock } from './clock.js';
import { ClusterService } from './clussvc.js';
import { CsvAccess } from './csv.js';
import { Defects } from './defects.js';
import { EventLog } from './eventlog.js';
import { Heartbeats } from './heartbeat.js';
import { Membership } from './membership.js';
import { LiveMigrations } from './migration.js';
import { NodeControl } from './node-control.js';
import { Quarantine } from './quarantine.js';
import { ResiliencyPeriods } from './resiliency.js';
import { ResourceControlManager } from './rcm.js';
import { Rng } from './rng.js';
import { ClusterProperties, type SimulatorSpec } from './settings.js';
import { validateCluster, validateSimulator } from './validate.js';
import { ClusteredVm } from './vm.js';

export interface SimClusterOptions {
  cluster: ClusterDescription;
  simulator: SimulatorSpec;
  seed: number;
  defects?: readonly string[];
  /** ISO time of virtual t = 0. */
  epoch?: string;
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
  private readonly heartbeats: Heartbeats;
  private readonly csv: CsvAccess;
  private readonly rcm: ResourceControlManager;
  private readonly migrations: LiveMigrations;
  private readonly quarantine: Quarantine;

  constructor(private readonly o: SimClusterOptions) {
    const { cluster, simulator } = o;
    validateCluster(cluster);
    validateSimulator(simulator);
    const defects = new Defects(o.defects);
    const epochMs = Date.parse(o.epoch ?? '2026-01-01T00:00:00.000Z');
    if (Number.isNaN(epochMs)) throw new Error(`epoch ${JSON.stringify(o.epoch)} is not an ISO date-time (e.g. 2026-01-01T00:00:00.000Z)`);
    const rng = Rng.seeded(o.seed);
    const perNode = (label: string) => new Map(cluster.nodes.map((n) => [n, rng.fork(`${label}/${n}`)] as const));
    const { clock, properties } = this;
    const canHost = (n: string) => this.membership.canHost(n);

    this.log = new EventLog(() => clock.now(), epochMs);
    const log = this.log;
    this.vms = cluster.vms.map(
      (vm) => new ClusteredVm(vm, { clock, rng: rng.fork(`vm/${vm.name}`), simulator, defects, csvAccess: (n) => this.csv.has(n) }),
    );
    this.migrations = new LiveMigrations({
      clock,
      nodes: cluster.nodes,
      vms: this.vms,
      rngs: new Map(cluster.vms.map((vm) => [vm.name, rng.fork(`live-migration/${vm.name}`)] as const)),
      simulator,
      defects,
      log,
      canHost,
      isMember: (n) => this.membership.isMember(n),
      failOver: (vm) => this.rcm.failOver(vm),
    });
    this.rcm = new ResourceControlManager(cluster.nodes, this.vms, log, defects, canHost, (n) => this.migrations.drain(n));
    this.csv = new CsvAccess(log, this.vms.some((vm) => vm.storage === 'csv-block'), (n, access) => this.rcm.storageChanged(n, access));
    this.heartbeats = new Heartbeats(clock, properties, perNode('heartbeat'), (r, s) => this.membership.heartbeatsMissed(r, s));
    this.quarantine = new Quarantine(cluster.nodes, { clock, properties, defects, log });
    this.membership = new Membership(cluster.nodes, {
      clock,
      properties,
      defects,
      log,
      heartbeats: this.heartbeats,
      quarantine: this.quarantine,
      resiliency: new ResiliencyPeriods(clock, properties, defects),
      clussvcRunning: (n) => this.services.get(n)!.running,
      joinRngs: perNode('join'),
      hooks: {
        removed: (n) => this.csv.lose(n),
        left: (n) => this.csv.lose(n, true),
        isolated: (n, by) => this.rcm.nodeIsolated(n, by),
        quarantined: (n) => this.rcm.nodeQuarantined(n),
        down: (n) => this.rcm.nodeDown(n),
        drainAbandoned: (n) => this.migrations.cancel(n),
        joining: (n) => {
          this.migrations.cancel(n); // a quarantined node released mid-drain keeps what it still hosts
          this.rcm.nodeJoining(n);
        },
        joined: (n) => {
          this.csv.restore(n);
          this.rcm.nodeJoined(n);
          this.migrations.retry();
        },
      },
    });
    for (const node of cluster.nodes) {
      const hooks = {
        stopped: (n: string) => this.membership.clussvcStopped(n),
        stoppedGracefully: (n: string) => this.membership.clussvcStoppedGracefully(n),
        started: (n: string) => this.membership.clussvcStarted(n),
      };
      this.services.set(node, new ClusterService(node, clock, log, simulator.scmRestartDelayMs, hooks));
      this.heartbeats.started(node);
    }
    this.control = new NodeControl({
      nodes: cluster.nodes,
      services: this.services,
      membership: this.membership,
      migrations: this.migrations,
      quarantine: this.quarantine,
      defects,
      log,
    });
  }

  describe(): ClusterDescription {
    return { name: this.o.cluster.name, nodes: [...this.o.cluster.nodes], vms: this.vms.map((vm) => vm.describe()) };
  }

  poll(): Poll {
    const nodes: Record<string, NodeObservation> = {};
    for (const node of this.o.cluster.nodes) nodes[node] = this.membership.observe(node);
    const vms: Record<string, VmObservation> = {};
    for (const vm of this.vms) vms[vm.name] = vm.observe();
    return { t: this.clock.now(), nodes, vms };
  }

  service(node: string): ClusterService | undefined {
    return this.services.get(node);
  }
}
