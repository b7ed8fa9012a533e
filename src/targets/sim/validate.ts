import type { ClusterDescription } from '../../trace/records.js';
import type { SimulatorSpec } from './settings.js';

/** A cluster the simulator can build: unique names, every VM owned by a node of the cluster. */
export function validateCluster(cluster: ClusterDescription): void {
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
    if (vm.version !== undefined && !/^[0-9]+\.[0-9]+$/.test(vm.version)) {
      throw new Error(`${where}: VM ${vm.name} has version ${JSON.stringify(vm.version)}; expected a configuration version such as "8.0"`);
    }
  }
}

export function validateSimulator(s: SimulatorSpec): void {
  const ms = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!ms(s.scmRestartDelayMs)) throw new Error(`simulator.scmRestartDelayMs must be a number of ms ≥ 0, got ${s.scmRestartDelayMs}`);
  for (const key of ['vmStartMs', 'vmIoIntervalMs', 'liveMigrationMs'] as const) {
    const range = s[key];
    if (!Array.isArray(range) || range.length !== 2 || !ms(range[0]) || !ms(range[1]) || range[0] > range[1]) {
      throw new Error(`simulator.${key} must be [min, max] in ms with 0 ≤ min ≤ max, got ${JSON.stringify(range)}`);
    }
  }
}
