import type { StorageDescription } from '../../../trace/records.js';
import { volumesOf } from '../../../trace/storage.js';
import type { ClusterDescription } from '../../../trace/records.js';
import { addressMatches, type Firewall, type FirewallRule } from './firewall.js';

/** The TCP port a volume's storage traffic goes to: iSCSI (3260) for a CSV's block storage, SMB (445) for a share. */
export function storagePort(kind: StorageDescription['kind']): number {
  return kind === 'csv' ? 3260 : 445;
}

/**
 * The cluster's shared volumes as the nodes reach them: a CSV's iSCSI target portals (TCP 3260) and a share's file
 * server (TCP 445), at the addresses the cluster description gives them (`cluster.storage[].address`). A node has
 * lost its path to a volume while its enforced firewall rules block that traffic (an outbound Block rule for the
 * port covering one of the volume's addresses), and has it back once they no longer do: fail-storage-path and
 * fail-storage on a real cluster block it on one node or on every node (Storage.ps1). What a lost path means (CSV
 * redirected access, a lost share, a CSV no node reaches) is the simulator's (src/targets/sim/storage.ts).
 */
export class LabStorage {
  private readonly volumes: StorageDescription[];
  /** `volume\0node` for every path cut now. */
  private readonly cut = new Set<string>();

  constructor(
    cluster: Pick<ClusterDescription, 'storage' | 'vms'>,
    private readonly nodes: readonly string[],
    private readonly firewall: Firewall,
    private readonly sim: { fail(volume: string, node: string): void; restore(volume: string, node: string): void },
  ) {
    this.volumes = volumesOf(cluster).filter((v) => v.address?.length);
  }

  /** Bring the simulated paths in line with the nodes' rules (after every firewall change). */
  apply(): void {
    for (const v of this.volumes) {
      const port = storagePort(v.kind);
      for (const n of this.nodes) {
        const key = `${v.name}\u0000${n}`;
        const blocked = this.firewall.activeRulesOf(n).some((r) => blocksStorage(r, port, v.address ?? []));
        if (blocked && !this.cut.has(key)) {
          this.cut.add(key);
          this.sim.fail(v.name, n);
        } else if (!blocked && this.cut.has(key)) {
          this.cut.delete(key);
          this.sim.restore(v.name, n);
        }
      }
    }
  }
}

function blocksStorage(r: FirewallRule, port: number, addresses: readonly string[]): boolean {
  if (r.Enabled !== 'True' || r.Action !== 'Block' || r.Direction !== 'Outbound') return false;
  const protocol = r.Protocol.toUpperCase();
  if (protocol !== 'TCP' && protocol !== '6' && protocol !== 'ANY') return false;
  const portOk = r.RemotePort.some((p) => {
    const text = p.trim();
    const range = /^(\d+)-(\d+)$/.exec(text);
    return /^any$/i.test(text) || text === String(port) || (range !== null && Number(range[1]) <= port && port <= Number(range[2]));
  });
  return portOk && r.RemoteAddress.some((a) => /^any$/i.test(a.trim()) || addresses.some((address) => addressMatches(a.trim(), address)));
}
