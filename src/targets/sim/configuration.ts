import type { ClusterConfiguration } from '../target.js';
import type { ClusterDescription, VmPriority } from '../../trace/records.js';
import { liveMigrationDefaults } from './lm-defaults.js';

/** Where the simulated cluster's SharedStoragePath points (Get-VMHostCluster): a folder on a CSV. */
export const SIM_SHARED_STORAGE_PATH = String.raw`C:\ClusterStorage\Volume1\Hyper-V\Shared`;

/** A VM's configuration version when the description gives none: a current one. */
export const SIM_DEFAULT_VM_VERSION = '9.0';

/**
 * Get-VMHostSupportedVersion on the simulated hosts. 2012R2+ hosts answer as Windows Server 2019 does
 * (5.0–9.0: windows-cluster-facts.md, [VMVER]). 2008 R2 predates configuration versions and the cmdlet: none.
 */
const SUPPORTED: Record<'2008R2' | '2012R2+', readonly string[]> = {
  '2008R2': [],
  '2012R2+': ['5.0', '6.2', '7.0', '7.1', '8.0', '8.1', '8.2', '8.3', '9.0'],
};

/** Group Priority values [MSDN-PRIO]: High 3000, Medium 2000 (a group's default), Low 1000, No Auto Start 0. */
export const GROUP_PRIORITY: Readonly<Record<VmPriority, number>> = { High: 3000, Medium: 2000, Low: 1000, NoAutoStart: 0 };

/**
 * What readConfiguration() answers on the simulator: every host with the cluster's live-migration transport
 * and MaximumVirtualMachineMigrations, and its memory where the simulated cluster has a size for it
 * (cluster.hostMemoryGB: the simulated host has that much and keeps none for itself); each VM's group with the
 * placement properties it has (Priority Medium unless described, no preferred owners or anti-affinity class
 * unless described); the SharedStoragePath exists unless the defect missing-shared-storage-path is on
 * (lab-observations §5: the CSV behind it was removed).
 */
export function simConfiguration(o: { cluster: ClusterDescription; maximumMigrations: number; sharedStoragePathMissing: boolean }): ClusterConfiguration {
  const { cluster } = o;
  const transport = cluster.liveMigration?.transport ?? liveMigrationDefaults.network.transport;
  const hostVersion = cluster.hostVersion ?? liveMigrationDefaults.hostVersion;
  return {
    sharedStoragePath: { path: SIM_SHARED_STORAGE_PATH, exists: !o.sharedStoragePathMissing },
    hosts: cluster.nodes.map((node) => {
      const memoryGB = hostMemoryGB(cluster, node);
      return {
        node,
        liveMigrationEnabled: true,
        // 2008 R2 hosts migrate one VM at a time (lab §3), as the simulator's migration engine does
        maximumMigrations: hostVersion === '2008R2' ? 1 : o.maximumMigrations,
        transport,
        ...(memoryGB !== undefined ? { memoryCapacityBytes: Math.round(memoryGB * 2 ** 30) } : {}),
      };
    }),
    vms: cluster.vms.map((vm) => ({
      name: vm.name,
      version: vm.version ?? SIM_DEFAULT_VM_VERSION,
      priority: GROUP_PRIORITY[vm.priority ?? 'Medium'],
      antiAffinityClassNames: [...(vm.antiAffinityClassNames ?? [])],
      preferredOwners: [...(vm.preferredOwners ?? [])],
    })),
    supportedVersions: [...SUPPORTED[hostVersion]],
  };
}

/** cluster.hostMemoryGB for one node: the number every host has, or the node's entry of the map. */
export function hostMemoryGB(cluster: Pick<ClusterDescription, 'hostMemoryGB'>, node: string): number | undefined {
  const memory = cluster.hostMemoryGB;
  return typeof memory === 'number' ? memory : memory?.[node];
}
