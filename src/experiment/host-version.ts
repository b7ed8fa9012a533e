/**
 * What the hosts' release says about the VMs: a host runs only the VM configuration versions of its release
 * (Windows Server 2016: 5.0–8.0, 2019: 5.0–9.0, 2022: 8.0–10.0, 2025: 8.0–12.0 [VMVER]). Otherwise the releases
 * are simulated alike (5 pre-copy passes, concurrent migrations: build.ts), so a VM its hosts could not run is
 * refused here rather than simulated as if they could.
 */
import type { Finding } from './finding.js';
import { VM_VERSIONS_RUN_BY, WINDOWS_SERVER_RELEASES, type WindowsServerRelease } from './types.js';

export function vmVersionFindings(data: unknown): Finding[] {
  const cluster = isObject(data) && isObject(data.cluster) ? data.cluster : undefined;
  const release = String(cluster?.hostVersion ?? '') as WindowsServerRelease;
  const runs = VM_VERSIONS_RUN_BY[release];
  if (!cluster || !runs || !Array.isArray(cluster.vms)) return [];
  const out: Finding[] = [];
  cluster.vms.forEach((vm, i) => {
    if (!isObject(vm) || typeof vm.version !== 'string' || !/^\d+\.\d+$/.test(vm.version) || runsVersion(runs, vm.version)) return;
    const version = vm.version;
    const elsewhere = WINDOWS_SERVER_RELEASES.filter((r) => runsVersion(VM_VERSIONS_RUN_BY[r], version));
    out.push({
      path: ['cluster', 'vms', i, 'version'],
      at: 'value',
      expected: `a configuration version Windows Server ${release} hosts run: ${runs[0]} to ${runs[1]} (Get-VMHostSupportedVersion)`,
      found: JSON.stringify(version),
      hint:
        `Write the VM's version as Get-VM shows it, or the hosts' release as cluster.hostVersion` +
        (elsewhere.length > 0 ? `: ${version} runs on ${elsewhere.join(', ')}.` : `: none of ${WINDOWS_SERVER_RELEASES.join(', ')} runs ${version}.`),
    });
  });
  return out;
}

function runsVersion([lowest, highest]: readonly [string, string], version: string): boolean {
  return compare(version, lowest) >= 0 && compare(version, highest) <= 0;
}

/** `9.0` against `10.0`, as numbers: major, then minor. */
function compare(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
