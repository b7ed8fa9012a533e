import type { ClusterDescription, StorageDescription, VmDescription } from './records.js';

/**
 * Which shared volume each VM's disks are on. A description may list its volumes (`cluster.storage`) and each VM
 * may name one (`volume`); where it does not, a VM's storage kind alone implies one default volume per kind, so
 * descriptions written before volumes existed keep working: every csv-block VM on one CSV named `csv`, every smb
 * VM on one share named `smb`, unless the description lists a volume of that kind (then the first one listed).
 */

/** The storage kind of the volumes a VM with this `storage` can be on. */
export function volumeKind(storage: VmDescription['storage']): StorageDescription['kind'] {
  return storage === 'csv-block' ? 'csv' : 'smb';
}

/** The name of the volume implied by a storage kind when the description lists none of that kind. */
export const DEFAULT_VOLUME: Readonly<Record<StorageDescription['kind'], string>> = { csv: 'csv', smb: 'smb' };

/** The volume the VM is on (its name). */
export function volumeOf(cluster: Pick<ClusterDescription, 'storage'>, vm: Pick<VmDescription, 'storage' | 'volume'>): string {
  if (vm.volume !== undefined) return vm.volume;
  const kind = volumeKind(vm.storage);
  return (cluster.storage ?? []).find((v) => v.kind === kind)?.name ?? DEFAULT_VOLUME[kind];
}

/** Every volume of the cluster: those described, then the defaults its VMs imply. */
export function volumesOf(cluster: Pick<ClusterDescription, 'storage' | 'vms'>): StorageDescription[] {
  const out: StorageDescription[] = (cluster.storage ?? []).map((v) => ({ ...v }));
  for (const vm of cluster.vms) {
    const name = volumeOf(cluster, vm);
    if (!out.some((v) => v.name === name)) out.push({ name, kind: volumeKind(vm.storage) });
  }
  return out;
}

/** The VMs on a volume, by name. */
export function vmsOn(cluster: Pick<ClusterDescription, 'storage' | 'vms'>, volume: string): string[] {
  return cluster.vms.filter((vm) => volumeOf(cluster, vm) === volume).map((vm) => vm.name);
}
