/**
 * `--target powershell`: what runs before a real cluster is touched. Consent first (the allowlist names the
 * cluster and every fault of the plan), then the blast-radius guard, both from files alone; only then a
 * PowerShell session, whose first round trips are read-only: the experiment's nodes and VMs must exist on the
 * cluster, and the guard is run again with the cluster's own quarantine settings.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { faults } from '../faults/catalogue.js';
import type { Experiment } from '../experiment/types.js';
import { allowlistLocation, consentFor, loadAllowlist, type Allowlist, type AllowlistEntry } from '../safety/allowlist.js';
import { BlastRadiusError, guardBlastRadius } from '../safety/blast-radius.js';
import { priorExits, type EventHistory } from '../safety/prior-exits.js';
import type { ResidueProbe } from '../safety/residue.js';
import type { PowerShellTarget } from '../targets/powershell/index.js';
import type { Target } from '../targets/target.js';
import type { Credential } from './credentials.js';
import { UsageError } from './out-dir.js';
import { runTag } from './powershell-dry-run.js';
import { clusterSettingsOf } from './run-experiment.js';

/** The residue scan asks the PowerShell target for its one read-only round trip: the shapes must agree. */
const residueProbeFits: PowerShellTarget extends ResidueProbe ? true : never = true;
void residueProbeFits;
/** So does the guard's look back at the event logs. */
const eventHistoryFits: PowerShellTarget extends EventHistory ? true : never = true;
void eventHistoryFits;

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
async function missingOnCluster(target: Target, experiment: Experiment): Promise<string[]> {
  const poll = await target.poll();
  const has = (names: string[], name: string): boolean => names.some((n) => n.toLowerCase() === name.toLowerCase());
  const nodes = Object.keys(poll.nodes);
  const vms = Object.keys(poll.vms);
  const missing: string[] = [];
  for (const node of experiment.cluster.nodes) if (!has(nodes, node)) missing.push(`node ${node}`);
  for (const vm of experiment.cluster.vms) if (!has(vms, vm.name)) missing.push(`VM ${vm.name}`);
  return missing;
}

/** A PowerShell target for one run, with its own run id and the tag of what the run creates on the nodes. */
export interface RealTarget {
  target: Target & EventHistory;
  runId: string;
  tag: string;
}

/**
 * A PowerShell target for one run of the experiment. node-powershell is loaded only now: a dry run or a
 * refusal never loads it. Nothing is sent until the target is used.
 */
export async function powerShellTargetFor(experiment: Experiment, o: { credential?: Credential | undefined; log: Logger }): Promise<RealTarget> {
  const runId = randomUUID();
  const tag = runTag(runId);
  const { createPowerShellTarget } = await import('../targets/powershell/index.js');
  const target = createPowerShellTarget({
    cluster: experiment.cluster.name,
    description: experiment.cluster,
    runTag: tag,
    settingNames: Object.keys(clusterSettingsOf(experiment, 'powershell')),
    ...(o.credential ? { credential: o.credential } : {}),
    log: o.log,
  });
  return { target, runId, tag };
}

/**
 * Read-only, before anything is changed: every node and VM of `experiment` exists on the cluster, and the guard
 * holds for each of `runs` with the cluster's own settings and the ungraceful exits its event logs show within
 * its QuarantineWindow (`noQuarantine`: no node may reach QuarantineThreshold at all). Throws UsageError or
 * BlastRadiusError (exit 2).
 */
export async function checkFitsCluster(
  target: Target & EventHistory,
  experiment: Experiment,
  runs: readonly Experiment[],
  o: { entry: AllowlistEntry; noQuarantine?: boolean },
): Promise<void> {
  try {
    const missing = await missingOnCluster(target, experiment);
    if (missing.length) {
      throw new UsageError(
        `${experiment.file}: the cluster ${experiment.cluster.name} has no ${missing.join(', ')} (Get-ClusterNode and Get-ClusterGroup do not list ${missing.length === 1 ? 'it' : 'them'}); make cluster.nodes and cluster.vms match the cluster. Nothing was done to it.`,
      );
    }
    const clusterSettings = await target.getSettings();
    const windowS = experiment.settings.QuarantineWindow ?? clusterSettings.QuarantineWindow ?? settingDefinitions.find((d) => d.name === 'QuarantineWindow')!.default;
    const now = Date.now();
    const prior = priorExits(await target.eventsSince(now - windowS * 1000), experiment.cluster.nodes, now);
    for (const run of runs) {
      guardBlastRadius(run, faults, { maxImpairedNodes: o.entry.maxImpairedNodes, quarantineCap: true, clusterSettings, priorExits: prior, ...(o.noQuarantine ? { noQuarantine: true } : {}) });
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof BlastRadiusError) throw e;
    throw new UsageError(`--target powershell: could not read the cluster ${experiment.cluster.name} (${(e as Error).message}); nothing was done to it`);
  }
}
