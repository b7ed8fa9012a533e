import type { ClusterConfiguration } from '../targets/target.js';

/**
 * What is wrong with a cluster's configuration before an upgrade, in words an engineer can act on; empty
 * when it is sound. The SharedStoragePath first: when it is gone, no VM can live-migrate anywhere, so every
 * drain fails (lab-observations §5) and nothing after it is worth trying.
 */
export function configurationProblems(config: ClusterConfiguration, cluster: string): string[] {
  return [...sharedStoragePathProblems(config, cluster), ...liveMigrationProblems(config), ...versionProblems(config)];
}

/** A configured SharedStoragePath that does not exist, with the ways to fix it (lab-observations §5). */
export function sharedStoragePathProblems(config: ClusterConfiguration, cluster: string): string[] {
  const shared = config.sharedStoragePath;
  if (!shared || shared.exists) return [];
  return [
    [
      `The cluster's SharedStoragePath ${shared.path} does not exist (Get-VMHostCluster -ClusterName ${cluster} shows it; ` +
        'Test-Path does not find it). Every live migration will fail in setup with event 21502 ' +
        '"Failed to verify collection registry for virtual machine … (0x80070002)", so no node can be drained ' +
        'and Cluster-Aware Updating will not get past the first node.',
      'It cannot be changed online: Set-VMHostCluster -SharedStoragePath fails with HRESULT 0x80070032. Fix it with one of:',
      `  - recreate a (small) CSV and the folder ${shared.path} at the old path; or`,
      '  - edit ConfigStoreRootPath (the "Virtual Machine Cluster WMI" resource) in the cluster registry with the cluster service stopped on all nodes (downtime).',
    ].join('\n'),
  ];
}

/** Live migration enabled on every host, with the same transport and the same simultaneous-migration limit. */
export function liveMigrationProblems(config: ClusterConfiguration): string[] {
  const problems: string[] = [];
  const disabled = config.hosts.filter((h) => !h.liveMigrationEnabled).map((h) => h.node);
  if (disabled.length) {
    problems.push(`Live migration is disabled on ${disabled.join(', ')} (Get-VMHost .VirtualMachineMigrationEnabled); enable it with Enable-VMMigration.`);
  }
  for (const [what, key, fix] of [
    ['transport (VirtualMachineMigrationPerformanceOption)', 'transport', 'Set-VMHost -VirtualMachineMigrationPerformanceOption'],
    ['MaximumVirtualMachineMigrations', 'maximumMigrations', 'Set-VMHost -MaximumVirtualMachineMigrations'],
  ] as const) {
    const values = new Map<string, string[]>();
    for (const h of config.hosts) values.set(String(h[key]), [...(values.get(String(h[key])) ?? []), h.node]);
    if (values.size > 1) {
      const each = [...values].map(([value, nodes]) => `${value} on ${nodes.join(', ')}`).join('; ');
      problems.push(`The live-migration ${what} differs between the nodes: ${each}. Make it the same on every node (${fix}).`);
    }
  }
  return problems;
}

/** Every VM's configuration version among those the hosts support (Get-VMHostSupportedVersion). */
export function versionProblems(config: ClusterConfiguration): string[] {
  const unsupported = config.vms.filter((vm) => !config.supportedVersions.includes(vm.version));
  if (!unsupported.length) return [];
  return [
    `${unsupported.map((vm) => `${vm.name} (${vm.version})`).join(', ')} ${unsupported.length === 1 ? 'has a configuration version' : 'have configuration versions'} ` +
      `the hosts do not support (Get-VMHostSupportedVersion: ${config.supportedVersions.join(', ') || 'none'}); update them with Update-VMVersion before the upgrade.`,
  ];
}
