/**
 * `--target powershell`: what runs before a real cluster is touched. Consent first (the allowlist names the
 * cluster and every fault of the plan), then the blast-radius guard, both from files alone; only then a
 * PowerShell session, whose first round trips are read-only: the experiment's nodes and VMs must exist on the
 * cluster, and the guard is run again with the cluster's own quarantine settings.
 */
import { faults } from '../faults/catalogue.js';
import type { Experiment } from '../experiment/types.js';
import { allowlistLocation, consentFor, loadAllowlist, type Allowlist, type AllowlistEntry } from '../safety/allowlist.js';
import { guardBlastRadius } from '../safety/blast-radius.js';
import type { ResidueProbe } from '../safety/residue.js';
import type { PowerShellTarget } from '../targets/powershell/index.js';
import type { Target } from '../targets/target.js';

/** The residue scan asks the PowerShell target for its one read-only round trip: the shapes must agree. */
const residueProbeFits: PowerShellTarget extends ResidueProbe ? true : never = true;
void residueProbeFits;

export interface Consent {
  allowlist: Allowlist;
  entry: AllowlistEntry;
}

/**
 * The allowlist's consent and the guard, from the files alone (throws AllowlistError or BlastRadiusError: exit 2,
 * nothing done to any cluster).
 */
export function consent(experiment: Experiment, allowlistFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): Consent {
  const allowlist = loadAllowlist(allowlistLocation(allowlistFlag, env), faults.keys());
  const entry = consentFor(allowlist, experiment);
  guardBlastRadius(experiment, faults, { maxImpairedNodes: entry.maxImpairedNodes, quarantineCap: true });
  return { allowlist, entry };
}

/** What the cluster lacks of the experiment (read-only: one poll). Names compared without case, as Windows does. */
export async function missingOnCluster(target: Target, experiment: Experiment): Promise<string[]> {
  const poll = await target.poll();
  const has = (names: string[], name: string): boolean => names.some((n) => n.toLowerCase() === name.toLowerCase());
  const nodes = Object.keys(poll.nodes);
  const vms = Object.keys(poll.vms);
  const missing: string[] = [];
  for (const node of experiment.cluster.nodes) if (!has(nodes, node)) missing.push(`node ${node}`);
  for (const vm of experiment.cluster.vms) if (!has(vms, vm.name)) missing.push(`VM ${vm.name}`);
  return missing;
}

/** The guard again, with the cluster's own settings where the experiment does not set them (read-only). */
export async function guardWithClusterSettings(target: Target, experiment: Experiment, entry: AllowlistEntry): Promise<void> {
  const clusterSettings = await target.getSettings();
  guardBlastRadius(experiment, faults, { maxImpairedNodes: entry.maxImpairedNodes, quarantineCap: true, clusterSettings });
}
