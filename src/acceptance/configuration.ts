import type { WindowsServerRelease } from '../experiment/types.js';
import type { ClusterConfiguration } from '../targets/target.js';

/** The VM configuration versions each Windows Server runs, lowest and highest (windows-cluster-facts §1, [VMVER]). */
const VM_VERSIONS_RUN_BY: Record<WindowsServerRelease, readonly [string, string]> = {
  '2016': ['5.0', '8.0'],
  '2019': ['5.0', '9.0'],
  '2022': ['8.0', '10.0'],
  '2025': ['8.0', '12.0'],
};

/**
 * What is wrong with a cluster's configuration before an upgrade, in words an engineer can act on; empty
 * when it is sound. The SharedStoragePath first: when it is gone, no VM can live-migrate anywhere, so every
 * drain fails (lab-observations §5) and nothing after it is worth trying.
 */
export function configurationProblems(config: ClusterConfiguration, cluster: string, upgradeTo?: WindowsServerRelease): string[] {
  return [...sharedStoragePathProblems(config, cluster), ...liveMigrationProblems(config), ...versionProblems(config), ...upgradeVersionProblems(config, upgradeTo)];
}

/** A configured SharedStoragePath that does not exist, with the ways to fix it (lab-observations §5). */
function sharedStoragePathProblems(config: ClusterConfiguration, cluster: string): string[] {
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

/**
 * The same live-migration transport and simultaneous-migration limit on every host. Not whether live
 * migration is "enabled" on a host (Get-VMHost .VirtualMachineMigrationEnabled): that is the setting of hosts
 * that are not clustered; a cluster live-migrates its VMs through their cluster resource whatever it says
 * (review R8: "To set up clustered hosts, use tools for Failover Clustering", [LM-SETUP]).
 */
function liveMigrationProblems(config: ClusterConfiguration): string[] {
  const problems: string[] = [];
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

/** "9.0" → 9.0, "10.0" → 10.0, "8.3" → 8.3: versions compared as numbers, never as text ("10.0" < "9.0" as text). */
const versionNumber = (v: string): number => {
  const [major, minor] = v.split('.').map(Number);
  return major! * 1000 + (minor ?? 0);
};

/** Every VM's configuration version among those the hosts support now (Get-VMHostSupportedVersion). */
function versionProblems(config: ClusterConfiguration): string[] {
  const unsupported = config.vms.filter((vm) => !config.supportedVersions.includes(vm.version));
  if (!unsupported.length) return [];
  const highest = Math.max(...config.supportedVersions.map(versionNumber));
  const supported = `Get-VMHostSupportedVersion: ${config.supportedVersions.join(', ') || 'none'}`;
  const tooNew = unsupported.filter((vm) => versionNumber(vm.version) > highest);
  const other = unsupported.filter((vm) => !tooNew.includes(vm));
  const list = (vms: typeof unsupported): string => vms.map((vm) => `${vm.name} (${vm.version})`).join(', ');
  return [
    ...(tooNew.length
      ? [
          `${list(tooNew)} ${tooNew.length === 1 ? 'has a configuration version' : 'have configuration versions'} newer than the hosts run (${supported}): ` +
            'made or updated on a newer Windows Server, it cannot start or live-migrate here. Keep it on hosts that run it, or recreate it at a version these hosts run.',
        ]
      : []),
    ...(other.length
      ? [`${list(other)} ${other.length === 1 ? 'has a configuration version' : 'have configuration versions'} the hosts do not support (${supported}); update them with Update-VMVersion before the upgrade.`]
      : []),
  ];
}

/**
 * Every VM's configuration version among those the upgrade's Windows Server runs: a 2019 cluster's VMs at 5.0–7.1
 * run today and will not start on 2022 or 2025 nodes (they run 8.0 and later, [VMVER]).
 */
function upgradeVersionProblems(config: ClusterConfiguration, upgradeTo: WindowsServerRelease | undefined): string[] {
  if (!upgradeTo) return [];
  const [lowest, highest] = VM_VERSIONS_RUN_BY[upgradeTo];
  const tooOld = config.vms.filter((vm) => versionNumber(vm.version) < versionNumber(lowest));
  const tooNew = config.vms.filter((vm) => versionNumber(vm.version) > versionNumber(highest));
  const list = (vms: typeof tooOld): string => vms.map((vm) => `${vm.name} (${vm.version})`).join(', ');
  return [
    ...(tooOld.length
      ? [
          `${list(tooOld)} will not start on Windows Server ${upgradeTo} nodes, which run configuration versions ${lowest} to ${highest}: ` +
            `update ${tooOld.length === 1 ? 'it' : 'them'} with Update-VMVersion (VM off) before the upgrade. It cannot be undone: an updated VM no longer runs on hosts that do not support its new version.`,
        ]
      : []),
    ...(tooNew.length ? [`${list(tooNew)} will not run on Windows Server ${upgradeTo} nodes either (they run ${lowest} to ${highest}).`] : []),
  ];
}
