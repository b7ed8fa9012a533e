import type { WitnessDescription } from '../../../trace/records.js';
import { addressMatches, type Firewall, type FirewallRule } from './firewall.js';

/**
 * The lab's quorum witness, as the nodes reach it: a file share witness's file server (SMB, TCP 445) or a cloud
 * witness's storage account (HTTPS, TCP 443), at an address of its own. The witness resource fails once no node's
 * enforced firewall rules let it through (an outbound Block rule for its port covering its address), and comes
 * back once one does: fail-witness on a real cluster blocks it from every node (Witness.ps1).
 */
export const WITNESS_SHARE_SERVER = 'WITNESS';
export const WITNESS_SHARE_PATH = '\\\\WITNESS\\cluster';
export const WITNESS_ACCOUNT = 'clusterchaoswitness';
export const WITNESS_ENDPOINT = 'core.windows.net';
export const WITNESS_ADDRESS = '10.10.0.250';

/** The witness resource's name in the core cluster group, by type. */
export const WITNESS_RESOURCE: Record<WitnessDescription['type'], { name: string; type: string }> = {
  fileshare: { name: 'File Share Witness', type: 'File Share Witness' },
  cloud: { name: 'Cloud Witness', type: 'Cloud Witness' },
  disk: { name: 'Cluster Disk Witness', type: 'Physical Disk' },
};

/** The host name that resolves to the witness, if `name` is one (file server, or the storage account's blob host). */
export function isWitnessHost(witness: WitnessDescription | undefined, name: string): boolean {
  if (!witness) return false;
  const n = name.trim().toLowerCase();
  if (witness.type === 'fileshare') return n === WITNESS_SHARE_SERVER.toLowerCase() || n.startsWith(`${WITNESS_SHARE_SERVER.toLowerCase()}.`);
  if (witness.type === 'cloud') return n === `${WITNESS_ACCOUNT}.blob.${WITNESS_ENDPOINT}`;
  return false;
}

export class LabWitness {
  private failed = false;

  constructor(
    private readonly witness: WitnessDescription | undefined,
    private readonly nodes: readonly string[],
    private readonly firewall: Firewall,
    private readonly sim: { fail(): void; restore(): void },
  ) {}

  /** Bring the simulated witness in line with the nodes' rules (after every firewall change). */
  apply(): void {
    const port = this.witness?.type === 'fileshare' ? 445 : this.witness?.type === 'cloud' ? 443 : undefined;
    if (port === undefined) return;
    const blocked = this.nodes.every((n) => this.firewall.activeRulesOf(n).some((r) => blocksWitness(r, port)));
    if (blocked && !this.failed) {
      this.failed = true;
      this.sim.fail();
    } else if (!blocked && this.failed) {
      this.failed = false;
      this.sim.restore();
    }
  }
}

function blocksWitness(r: FirewallRule, port: number): boolean {
  if (r.Enabled !== 'True' || r.Action !== 'Block' || r.Direction !== 'Outbound') return false;
  const protocol = r.Protocol.toUpperCase();
  if (protocol !== 'TCP' && protocol !== '6' && protocol !== 'ANY') return false;
  const portOk = r.RemotePort.some((p) => /^any$/i.test(p.trim()) || p.trim() === String(port) || (/^(\d+)-(\d+)$/.test(p.trim()) && Number(p.split('-')[0]) <= port && port <= Number(p.split('-')[1])));
  return portOk && r.RemoteAddress.some((a) => /^any$/i.test(a.trim()) || addressMatches(a.trim(), WITNESS_ADDRESS));
}
