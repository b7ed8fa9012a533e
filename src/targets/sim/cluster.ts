import type { Poll } from '../target.js';
import type { ClusterDescription, NodeObservation, VmObservation } from '../../trace/records.js';
import { SimClock } from './clock.js';
import { ClusterService } from './clussvc.js';
import { CsvAccess } from './csv.js';
import { Defects } from './defects.js';
import { EventLog } from './eventlog.js';
import { Heartbeats } from './heartbeat.js';
import { Membership } from './membership.js';
import { ResourceControlManager } from './rcm.js';
import { Rng } from './rng.js';
import { ClusterProperties, type SimulatorSpec } from './settings.js';
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
  private readonly heartbeats: Heartbeats;
  private readonly csv: CsvAccess;
  private readonly rcm: ResourceControlManager;

  constructor(private readonly o: SimClusterOptions) {
    const { cluster, simulator } = o;
    validateCluster(cluster);
    validateSimulator(simulator);
    const defects = new Defects(o.defects);
    const epochMs = Date.parse(o.epoch ?? '2026-01-01T00:00:00.000Z');
    if (Number.isNaN(epochMs)) throw new Error(`epoch ${JSON.stringify(o.epoch)} is not an ISO date-time (e.g. 2026-01-01T00:00:00.000Z)`);
    const rng = Rng.seeded(o.seed);
    const perNode = (label: string) => new Map(cluster.nodes.map((n) => [n, rng.fork(`${label}/${n}`)] as const));

    this.log = new EventLog(() => this.clock.now(), epochMs);
    this.vms = cluster.vms.map(
      (vm) => new ClusteredVm(vm, { clock: this.clock, rng: rng.fork(`vm/${vm.name}`), simulator, csvAccess: (n) => this.csv.has(n) }),
    );
    this.rcm = new ResourceControlManager(cluster.nodes, this.vms, this.log, (n) => this.membership.isActive(n));
    this.csv = new CsvAccess(this.log, this.vms.some((vm) => vm.storage === 'csv-block'), (n, access) => this.rcm.storageChanged(n, access));
    this.heartbeats = new Heartbeats(this.clock, this.properties, perNode('heartbeat'), (r, s) => this.membership.heartbeatsMissed(r, s));
    this.membership = new Membership(cluster.nodes, {
      clock: this.clock,
      properties: this.properties,
      defects,
      log: this.log,
      heartbeats: this.heartbeats,
      clussvcRunning: (n) => this.services.get(n)!.running,
      joinRngs: perNode('join'),
      hooks: {
        removed: (n) => this.csv.lose(n),
        isolated: (n, by) => this.rcm.nodeIsolated(n, by),
        down: (n) => this.rcm.nodeDown(n),
        joining: (n) => this.rcm.nodeJoining(n),
        joined: (n) => {
          this.csv.restore(n);
          this.rcm.nodeJoined(n);
        },
      },
    });
    for (const node of cluster.nodes) {
      const hooks = { stopped: (n: string) => this.membership.clussvcStopped(n), started: (n: string) => this.membership.clussvcStarted(n) };
      this.services.set(node, new ClusterService(node, this.clock, this.log, simulator.scmRestartDelayMs, hooks));
      this.heartbeats.started(node);
    }
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

/** A cluster the simulator can build: unique names, every VM owned by a node of the cluster. */
function validateCluster(cluster: ClusterDescription): void {
  const where = `cluster ${JSON.stringify(cluster.name)}`;
  if (!cluster.nodes.length) throw new Error(`${where} has no nodes; list at least one under cluster.nodes`);
  const duplicate = (names: string[]) => names.find((n, i) => names.indexOf(n) !== i);
  const dupNode = duplicate(cluster.nodes);
  if (dupNode !== undefined) throw new Error(`${where}: node ${dupNode} is listed twice; node names must be unique`);
  const dupVm = duplicate(cluster.vms.map((vm) => vm.name));
  if (dupVm !== undefined) throw new Error(`${where}: VM ${dupVm} is listed twice; VM names must be unique`);
  for (const vm of cluster.vms) {
    if (!cluster.nodes.includes(vm.owner)) {
      throw new Error(`${where}: VM ${vm.name} is owned by ${vm.owner}, which is not a node of the cluster (nodes: ${cluster.nodes.join(', ')})`);
    }
    if (vm.storage !== 'smb' && vm.storage !== 'csv-block') {
      throw new Error(`${where}: VM ${vm.name} has storage ${JSON.stringify(vm.storage)}; expected smb or csv-block`);
    }
    const period = vm.resiliencyPeriod;
    if (period !== undefined && !(Number.isInteger(period) && period >= 0)) {
      throw new Error(`${where}: VM ${vm.name} has resiliencyPeriod ${period}; expected a whole number of seconds ≥ 0`);
    }
  }
}

function validateSimulator(s: SimulatorSpec): void {
  const ms = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!ms(s.scmRestartDelayMs)) throw new Error(`simulator.scmRestartDelayMs must be a number of ms ≥ 0, got ${s.scmRestartDelayMs}`);
  for (const key of ['vmStartMs', 'vmIoIntervalMs'] as const) {
    const range = s[key];
    if (!Array.isArray(range) || range.length !== 2 || !ms(range[0]) || !ms(range[1]) || range[0] > range[1]) {
      throw new Error(`simulator.${key} must be [min, max] in ms with 0 ≤ min ≤ max, got ${JSON.stringify(range)}`);
    }
  }
}
