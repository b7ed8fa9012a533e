import {
  OperationError,
  OperationUnknownError,
  type ClusterConfiguration,
  type ClusterEvent,
  type ClusterSettingValues,
  type DrainValue,
  type KillClusterServiceOptions,
  type LiveMigrateOptions,
  type LiveMigrationValue,
  type Poll,
  type Target,
} from '../target.js';
import type { ClusterDescription, ClusterTimeZone, LiveMigrationTransport, Millis } from '../../trace/records.js';
import { describeNetworks, resolveNetworks } from '../../trace/networks.js';
import { SimCluster, type SimClusterOptions } from './cluster.js';
import type { ClusterService } from './clussvc.js';
import { Settlement, type Outcome } from './outcome.js';
import { simConfiguration } from './configuration.js';
import { Activities } from './activities.js';

export { simDefects, UnknownDefectError } from './defects.js';
export { liveMigrationDefaults } from './lm-defaults.js';
export type { SimulatorSpec } from './settings.js';
export type { SimClusterOptions as SimTargetOptions } from './cluster.js';

/**
 * A simulated Hyper-V failover cluster behind the Target seam: deterministic for a given seed, defects
 * and sequence of calls, in virtual time (nothing waits for real).
 */
export class SimTarget implements Target {
  readonly kind = 'sim' as const;
  private readonly cluster: SimCluster;
  private readonly sharedStoragePathMissing: boolean;
  /** Activities in flight at once (a parallel block's branches, a step and its polls): activities.ts. */
  private readonly activities: Activities;

  private readonly zone: string;

  /** `timeZone`: the simulated cluster's zone, an IANA name (`Europe/Paris`); UTC when absent. */
  constructor(options: SimClusterOptions & { timeZone?: string }) {
    this.cluster = new SimCluster(options);
    this.zone = options.timeZone ?? 'UTC';
    this.activities = new Activities(this.cluster.clock);
    this.sharedStoragePathMissing = (options.defects ?? []).includes('missing-shared-storage-path');
  }

  describe(): ClusterDescription {
    return this.cluster.describe();
  }

  now(): Millis {
    return this.cluster.clock.now();
  }

  timeZone(): ClusterTimeZone {
    // the offset now: the zone's rules (a daylight-saving change during the run) are the report's to apply
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: this.zone, timeZoneName: 'longOffset' }).formatToParts(new Date());
    const m = /GMT([+-])(\d\d):(\d\d)/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
    return { id: this.zone, utcOffsetMinutes: m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0 };
  }

  async sleep(ms: Millis, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (options.signal?.aborted) return;
    // among other activities, the clock moves only while all of them wait (activities.ts)
    if (this.activities.active) await this.activities.wait({ due: this.cluster.clock.now() + ms, ...(options.signal ? { signal: options.signal } : {}) });
    else this.cluster.clock.advance(ms);
  }

  concurrently<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    return this.activities.concurrently(activities);
  }

  async poll(): Promise<Poll> {
    return this.cluster.poll();
  }

  async collectEvents(): Promise<ClusterEvent[]> {
    return this.cluster.log.drain();
  }

  async getSettings(): Promise<ClusterSettingValues> {
    return this.cluster.properties.all();
  }

  async setSettings(values: ClusterSettingValues): Promise<void> {
    this.cluster.properties.set(values);
  }

  async killClusterService(node: string, options: KillClusterServiceOptions = {}): Promise<void> {
    this.service(node).kill(options.holdDownMs);
  }

  async startClusterService(node: string): Promise<void> {
    this.service(node).start();
  }

  async stopClusterNode(node: string): Promise<void> {
    this.service(node);
    this.cluster.control.stop(node);
  }

  async startClusterNode(node: string, options: { clearQuarantine?: boolean } = {}): Promise<void> {
    this.service(node);
    this.cluster.control.start(node, options.clearQuarantine === true);
  }

  async powerOffNode(node: string): Promise<void> {
    this.service(node);
    this.cluster.power.powerOff(node);
  }

  async powerOnNode(node: string): Promise<void> {
    this.service(node);
    this.cluster.power.powerOn(node);
  }

  async restartNode(node: string, options: { timeoutMs?: Millis } = {}): Promise<void> {
    this.service(node);
    return this.untilEnded(`Restart-Computer ${node}`, (outcome) => this.cluster.power.restart(node, options.timeoutMs, outcome));
  }

  async isolateNetwork(node: string, options: { peers?: string[]; healAfterMs: number; network?: string }): Promise<void> {
    this.service(node);
    let networks: string[] | undefined;
    if (options.network !== undefined) {
      const description = this.cluster.describe();
      networks = resolveNetworks(description, options.network);
      if (!networks) {
        throw new OperationError(`no cluster network named ${options.network}, nor of that role (networks: ${describeNetworks(description)}); name one of them, or a role`);
      }
    }
    this.cluster.network.cut(node, options.peers, options.healAfterMs, networks);
  }

  async restoreNetwork(node: string): Promise<void> {
    this.service(node);
    this.cluster.network.restore(node);
  }

  async failWitness(options: { healAfterMs?: Millis } = {}): Promise<void> {
    if (!this.cluster.witness.configured) {
      throw new OperationError(`cluster ${this.cluster.describe().name} has no quorum witness to fail (cluster.witness in the experiment)`);
    }
    this.cluster.witness.fail(options.healAfterMs);
  }

  async restoreWitness(): Promise<void> {
    if (this.cluster.witness.configured) this.cluster.witness.restore();
  }

  async failStorage(storage: string, options: { node?: string; healAfterMs: number }): Promise<void> {
    this.volume(storage);
    if (options.node !== undefined) this.service(options.node);
    this.cluster.storage.fail(storage, options.node, options.healAfterMs);
  }

  async restoreStorage(storage: string, options: { node?: string } = {}): Promise<void> {
    this.volume(storage);
    if (options.node !== undefined) this.service(options.node);
    this.cluster.storage.restore(storage, options.node);
  }

  private volume(name: string): void {
    if (!this.cluster.storage.has(name)) {
      throw new OperationError(`no volume ${JSON.stringify(name)} in cluster ${this.cluster.describe().name} (its volumes: ${this.cluster.storage.names().join(', ') || 'none'})`);
    }
  }

  async liveMigrate(vm: string, node: string, options: LiveMigrateOptions = {}): Promise<LiveMigrationValue> {
    return this.untilEnded(`live migration of '${vm}' to ${node}`, (outcome) => this.cluster.moves.liveMigrate(vm, node, options, outcome));
  }

  async suspendNode(node: string, options: { drain: boolean; timeoutMs?: number; transport?: LiveMigrationTransport }): Promise<DrainValue> {
    this.service(node);
    return this.untilEnded(`Suspend-ClusterNode ${node}`, (outcome) => this.cluster.control.suspend(node, options.drain === true, options.timeoutMs, outcome, options.transport));
  }

  async resumeNode(node: string, options: { failback: boolean; timeoutMs?: number; transport?: LiveMigrationTransport }): Promise<DrainValue> {
    this.service(node);
    return this.untilEnded(`Resume-ClusterNode ${node}`, (outcome) => this.cluster.control.resume(node, options.failback === true, options.timeoutMs, outcome, options.transport));
  }

  /**
   * Start an operation that takes virtual time and let time pass until it ended. Callers in flight at once
   * share the clock: each first lets the others start theirs (a microtask), then runs the clock one queued
   * action at a time, so their operations progress together. An operation that has not ended after
   * `waitLimitMs` of virtual time (a stalled migration without a timeout) rejects as unknown.
   */
  private async untilEnded<T>(what: string, begin: (outcome: Outcome<T>) => void): Promise<T> {
    const outcome = new Settlement<T>();
    begin(outcome);
    const { clock } = this.cluster;
    const deadline = clock.now() + waitLimitMs;
    if (this.activities.active) {
      // one of several activities: the clock moves while all of them wait (activities.ts)
      const end = await this.activities.wait({ due: deadline, ready: () => outcome.settled });
      if (end !== 'ready') outcome.fail(new OperationUnknownError(`${what} had not ended after ${waitLimitMs / 3_600_000} h of virtual time; the simulator stopped waiting for it`));
      if (outcome.error) throw outcome.error;
      return outcome.value as T;
    }
    await Promise.resolve();
    while (!outcome.settled) {
      const next = clock.nextAt();
      if (next === undefined || next > deadline) {
        clock.advance(Math.max(0, deadline - clock.now()));
        outcome.fail(new OperationUnknownError(`${what} had not ended after ${waitLimitMs / 3_600_000} h of virtual time; the simulator stopped waiting for it`));
        break;
      }
      clock.step();
      if (!outcome.settled) await Promise.resolve();
    }
    if (outcome.error) throw outcome.error;
    return outcome.value as T;
  }

  async readConfiguration(): Promise<ClusterConfiguration> {
    return simConfiguration({
      cluster: this.cluster.describe(),
      maximumMigrations: this.cluster.properties.get('MaximumVirtualMachineMigrations'),
      sharedStoragePathMissing: this.sharedStoragePathMissing,
    });
  }

  async close(): Promise<void> {}

  private service(node: string): ClusterService {
    const service = this.cluster.service(node);
    if (!service) {
      throw new OperationError(`no node ${node} in cluster ${this.cluster.describe().name} (nodes: ${[...this.cluster.services.keys()].join(', ')})`);
    }
    return service;
  }
}

/** How long an operation may take in virtual time before the simulator stops waiting for it (2 days). */
const waitLimitMs = 48 * 3_600_000;

/** Build a simulated cluster. Throws UnknownDefectError for an unknown defect, Error for an inconsistent cluster. */
export function createSimTarget(options: SimClusterOptions & { timeZone?: string }): SimTarget {
  return new SimTarget(options);
}
