import { OperationError, type ClusterEvent, type ClusterSettingValues, type KillClusterServiceOptions, type Poll, type Target } from '../target.js';
import type { ClusterDescription, Millis } from '../../trace/records.js';
import { SimCluster, type SimClusterOptions } from './cluster.js';
import type { ClusterService } from './clussvc.js';

export { simDefects, UnknownDefectError } from './defects.js';
export type { SimulatorSpec } from './settings.js';
export type { SimClusterOptions as SimTargetOptions } from './cluster.js';

/**
 * A simulated Hyper-V failover cluster behind the Target seam: deterministic for a given seed, defects
 * and sequence of calls, in virtual time (nothing waits for real).
 */
export class SimTarget implements Target {
  readonly kind = 'sim' as const;
  private readonly cluster: SimCluster;

  constructor(options: SimClusterOptions) {
    this.cluster = new SimCluster(options);
  }

  describe(): ClusterDescription {
    return this.cluster.describe();
  }

  now(): Millis {
    return this.cluster.clock.now();
  }

  async sleep(ms: Millis): Promise<void> {
    this.cluster.clock.advance(ms);
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

  async isolateNetwork(node: string, options: { peers?: string[]; healAfterMs: number }): Promise<void> {
    this.service(node);
    this.cluster.network.cut(node, options.peers, options.healAfterMs);
  }

  async restoreNetwork(node: string): Promise<void> {
    this.service(node);
    this.cluster.network.restore(node);
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

/** Build a simulated cluster. Throws UnknownDefectError for an unknown defect, Error for an inconsistent cluster. */
export function createSimTarget(options: SimClusterOptions): SimTarget {
  return new SimTarget(options);
}
