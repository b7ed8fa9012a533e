import type { Experiment } from '../../src/experiment/types.js';
import type { ClusterConfiguration, ClusterEvent, DrainValue, LiveMigrationValue, Poll, Target } from '../../src/targets/target.js';
import type { NodeObservation } from '../../src/trace/records.js';

/** A target whose behaviour each test scripts: time, node states, and how operations answer. */
export class FakeTarget implements Target {
  readonly kind = 'sim' as const;
  t = 0;
  calls: string[] = [];
  nodeState: NodeObservation = { State: 'Up', StatusInformation: [] };
  kill: () => Promise<void> = async () => undefined;
  describe() {
    return { name: 'FAKE', nodes: ['N1', 'N2'], vms: [] };
  }
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.t += ms;
  }
  async poll(): Promise<Poll> {
    return { t: this.t, nodes: { N1: { State: 'Up', StatusInformation: [] }, N2: this.nodeState }, vms: {} };
  }
  async collectEvents(): Promise<ClusterEvent[]> {
    return [];
  }
  async getSettings() {
    return { ResiliencyDefaultPeriod: 240 };
  }
  async setSettings(values: Record<string, number>) {
    this.calls.push(`set ${JSON.stringify(values)}`);
  }
  async killClusterService(node: string) {
    this.calls.push(`kill ${node}`);
    await this.kill();
  }
  async startClusterService(node: string) {
    this.calls.push(`start ${node}`);
  }
  async stopClusterNode(node: string) {
    this.calls.push(`stop-node ${node}`);
  }
  async startClusterNode(node: string) {
    this.calls.push(`start-node ${node}`);
  }
  async powerOffNode(node: string) {
    this.calls.push(`power-off ${node}`);
  }
  async powerOnNode(node: string) {
    this.calls.push(`power-on ${node}`);
  }
  async restartNode(node: string) {
    this.calls.push(`restart ${node}`);
  }
  async isolateNetwork(node: string) {
    this.calls.push(`isolate-network ${node}`);
  }
  async restoreNetwork(node: string) {
    this.calls.push(`restore-network ${node}`);
  }
  async failWitness() {
    this.calls.push('fail-witness');
  }
  async restoreWitness() {
    this.calls.push('restore-witness');
  }
  async failStorage(storage: string, options: { node?: string }) {
    this.calls.push(`fail-storage ${storage}${options.node ? ` ${options.node}` : ''}`);
  }
  async restoreStorage(storage: string, options: { node?: string } = {}) {
    this.calls.push(`restore-storage ${storage}${options.node ? ` ${options.node}` : ''}`);
  }
  /** How live migrations answer: by default each takes 10 s and succeeds. */
  migrate: (vm: string, node: string) => Promise<LiveMigrationValue> = async (vm, node) => {
    this.t += 10_000;
    return { vm, source: 'N1', target: node, totalMs: 10_000, blackoutMs: 200, passes: 2 };
  };
  async liveMigrate(vm: string, node: string) {
    this.calls.push(`live-migrate ${vm} ${node}`);
    return this.migrate(vm, node);
  }
  async suspendNode(node: string): Promise<DrainValue> {
    this.calls.push(`suspend ${node}`);
    return { node, totalMs: 0, migrations: [] };
  }
  async resumeNode(node: string): Promise<DrainValue> {
    this.calls.push(`resume ${node}`);
    return { node, totalMs: 0, migrations: [] };
  }
  /** What readConfiguration answers: by default a sound configuration of N1 and N2. */
  configuration: ClusterConfiguration = {
    sharedStoragePath: { path: 'C:\\ClusterStorage\\Volume1\\Hyper-V\\Shared', exists: true },
    hosts: ['N1', 'N2'].map((node) => ({ node, liveMigrationEnabled: true, maximumMigrations: 2, transport: 'Compression' })),
    vms: [],
    supportedVersions: ['9.0'],
  };
  async readConfiguration(): Promise<ClusterConfiguration> {
    this.calls.push('read-configuration');
    return this.configuration;
  }
  async close() {}
}

export const experiment: Experiment = {
  file: 'x.yaml',
  name: 'x',
  title: 'x',
  description: '',
  cluster: { name: 'FAKE', nodes: ['N1', 'N2'], vms: [] },
  simulator: { scmRestartDelayMs: 15_000, vmStartMs: [1000, 2000], vmIoIntervalMs: [100, 200], liveMigrationJitter: 0 },
  settings: { ResiliencyDefaultPeriod: 60 },
  steadyState: { timeoutMs: 5000, downAfter: [] },
  method: [
    { kind: 'fault', fault: 'kill-clussvc', params: { node: 'N2' } },
    { kind: 'wait', ms: 10_000 },
  ],
  observe: { intervalMs: 1000 },
  check: { toleranceMs: 2000 },
  acceptance: { settleMs: 30_000, afterKillMs: 90_000, afterMoveMs: 5_000 },
  seed: 1,
};

