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
    if (!(typeof vm.memoryGB === 'number' && Number.isFinite(vm.memoryGB) && vm.memoryGB > 0)) {
      throw new Error(`${where}: VM ${vm.name} has memoryGB ${vm.memoryGB}; expected a number of GiB > 0`);
    }
    if (vm.dirtyMBps !== undefined && !(Number.isFinite(vm.dirtyMBps) && vm.dirtyMBps >= 0)) {
      throw new Error(`${where}: VM ${vm.name} has dirtyMBps ${vm.dirtyMBps}; expected a number of MiB/s ≥ 0`);
    }
    if (vm.workingSetGB !== undefined && !(Number.isFinite(vm.workingSetGB) && vm.workingSetGB > 0 && vm.workingSetGB <= vm.memoryGB)) {
      throw new Error(`${where}: VM ${vm.name} has workingSetGB ${vm.workingSetGB}; expected a number of GiB > 0 and at most its memoryGB (${vm.memoryGB})`);
    }
    for (const [i, disk] of (vm.disks ?? []).entries()) {
      const ok = (disk.type === 'dynamic' || disk.type === 'fixed') && (disk.controller === 'scsi' || disk.controller === 'ide') && typeof disk.writes === 'boolean';
      if (!ok) {
        throw new Error(
          `${where}: VM ${vm.name} disk ${i + 1} is ${JSON.stringify(disk)}; expected { type: dynamic | fixed, controller: scsi | ide, writes: true | false }`,
        );
      }
    }
  }
  const networks = cluster.networks ?? [];
  for (const [i, n] of networks.entries()) {
    if (typeof n.name !== 'string' || !n.name || !['ClusterAndClient', 'ClusterOnly', 'None'].includes(n.role)) {
      throw new Error(`${where}: network ${i + 1} is ${JSON.stringify(n)}; expected { name, role: ClusterAndClient | ClusterOnly | None, liveMigration?: 1, 2… }`);
    }
    if (n.liveMigration !== undefined && !(Number.isInteger(n.liveMigration) && n.liveMigration >= 1)) {
      throw new Error(`${where}: network ${n.name} has liveMigration ${n.liveMigration}; expected its place in the live-migration order, a whole number ≥ 1`);
    }
    if (networks.findIndex((m) => m.name === n.name) !== i) throw new Error(`${where}: network ${n.name} is listed twice; list each cluster network once`);
  }
  if (networks.length && networks.every((n) => n.role === 'None')) {
    throw new Error(`${where}: no network carries the cluster's heartbeats (every role is None); give one role ClusterOnly or ClusterAndClient`);
  }
  if (cluster.hostVersion !== undefined && cluster.hostVersion !== '2008R2' && cluster.hostVersion !== '2012R2+') {
    throw new Error(`${where}: hostVersion ${JSON.stringify(cluster.hostVersion)}; expected 2008R2 or 2012R2+`);
  }
  if (cluster.idleCpuCores !== undefined && !(Number.isFinite(cluster.idleCpuCores) && cluster.idleCpuCores >= 0)) {
    throw new Error(`${where}: idleCpuCores ${cluster.idleCpuCores}; expected a number of cores ≥ 0`);
  }
  const lm = cluster.liveMigration;
  if (lm !== undefined) {
    const fail = (field: string, expected: string, value: unknown) => {
      throw new Error(`${where}: liveMigration.${field} is ${JSON.stringify(value)}; expected ${expected}`);
    };
    if (!['TCPIP', 'Compression', 'SMB', 'SMBDirect'].includes(lm.transport)) fail('transport', 'TCPIP, Compression, SMB or SMBDirect', lm.transport);
    if (!(Number.isInteger(lm.nics) && lm.nics >= 1)) fail('nics', 'a whole number ≥ 1', lm.nics);
    if (!(Number.isFinite(lm.nicGbps) && lm.nicGbps > 0)) fail('nicGbps', 'a number of Gbps > 0', lm.nicGbps);
    if (typeof lm.teaming !== 'boolean') fail('teaming', 'true or false', lm.teaming);
    if (typeof lm.jumboFrames !== 'boolean') fail('jumboFrames', 'true or false', lm.jumboFrames);
    if (!['balanced', 'high-performance', 'c-states-disabled'].includes(lm.powerProfile)) {
      fail('powerProfile', 'balanced, high-performance or c-states-disabled', lm.powerProfile);
    }
  }
}

export function validateSimulator(s: SimulatorSpec): void {
  const ms = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!ms(s.scmRestartDelayMs)) throw new Error(`simulator.scmRestartDelayMs must be a number of ms ≥ 0, got ${s.scmRestartDelayMs}`);
  for (const key of ['vmStartMs', 'vmIoIntervalMs'] as const) {
    const range = s[key];
    if (!Array.isArray(range) || range.length !== 2 || !ms(range[0]) || !ms(range[1]) || range[0] > range[1]) {
      throw new Error(`simulator.${key} must be [min, max] in ms with 0 ≤ min ≤ max, got ${JSON.stringify(range)}`);
    }
  }
  const jitter = s.liveMigrationJitter;
  if (!(typeof jitter === 'number' && Number.isFinite(jitter) && jitter >= 0 && jitter < 1)) {
    throw new Error(`simulator.liveMigrationJitter must be a number with 0 ≤ jitter < 1 (0.1 = ±10 %), got ${JSON.stringify(jitter)}`);
  }
  if (s.rdmaSetupMsPerGB !== undefined && !ms(s.rdmaSetupMsPerGB)) {
    throw new Error(`simulator.rdmaSetupMsPerGB must be a number of ms ≥ 0 per GiB of VM memory, got ${JSON.stringify(s.rdmaSetupMsPerGB)}`);
  }
}
