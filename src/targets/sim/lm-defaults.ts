import type { ClusterDescription, LiveMigrationNetworkDescription, VmDescription } from '../../trace/records.js';
import type { LiveMigrationHost, LiveMigrationNetwork, LiveMigrationVm } from './lm-timing.js';

/**
 * What the live-migration timing model assumes when a cluster description leaves a value out (traces and
 * tests written before issue 4). The one place these defaults live; the experiment loader may use them too.
 */
export const liveMigrationDefaults = {
  /** A lightly loaded server VM (no published Hyper-V dirty rate: windows-cluster-facts §4.3, UNCONFIRMED). */
  dirtyMBps: 16,
  /** One 10 GbE NIC with Compression (the default transport since 2012 R2 [AF14907]), untuned hosts (lab §3). */
  network: {
    transport: 'Compression',
    nics: 1,
    nicGbps: 10,
    teaming: false,
    jumboFrames: false,
    powerProfile: 'balanced',
  } as const satisfies LiveMigrationNetworkDescription,
  /** Enough idle cores for Compression (it needs at least compressionMinIdleCores). */
  idleCpuCores: 4,
  hostVersion: '2012R2+',
} as const;

/** The timing model's view of a VM. */
export function migratingVm(vm: VmDescription): LiveMigrationVm {
  return {
    memoryGB: vm.memoryGB,
    dirtyMBps: vm.dirtyMBps ?? liveMigrationDefaults.dirtyMBps,
    ...(vm.workingSetGB !== undefined ? { workingSetGB: vm.workingSetGB } : {}),
  };
}

/** The timing model's view of the cluster's live-migration network, with a per-migration transport. */
export function migrationNetwork(cluster: ClusterDescription, transport?: LiveMigrationNetwork['transport']): LiveMigrationNetwork {
  const network = cluster.liveMigration ?? liveMigrationDefaults.network;
  return { ...network, transport: transport ?? network.transport };
}

/** The timing model's view of the hosts. */
export function migrationHost(cluster: ClusterDescription): LiveMigrationHost {
  return {
    os: cluster.hostVersion ?? liveMigrationDefaults.hostVersion,
    idleCpuCores: cluster.idleCpuCores ?? liveMigrationDefaults.idleCpuCores,
  };
}
