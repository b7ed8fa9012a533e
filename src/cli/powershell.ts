/**
 * `--target powershell`: what runs before a real cluster is touched. Consent first (the allowlist names the
 * cluster and every fault of the plan), then the blast-radius guard, both from files alone; only then a
 * PowerShell session, whose first round trips are read-only: the experiment's nodes and VMs must exist on the
 * cluster, and the guard is run again with the cluster's own quarantine settings.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ExperimentSource } from '../experiment/source.js';
import { settingDefinitions } from '../../machines/index.js';
import { clusterPropertyNames } from '../targets/sim/settings.js';
import { faults } from '../faults/catalogue.js';
import type { Experiment } from '../experiment/types.js';
import { AllowlistError, allowlistLocation, consentFor, loadAllowlist, missingPowerCredentials, powerCredentialsOf, powerForNodes, type Allowlist, type AllowlistEntry } from '../safety/allowlist.js';
import { BlastRadiusError, guardBlastRadius } from '../safety/blast-radius.js';
import { priorExits, type EventHistory } from '../safety/prior-exits.js';
import type { ResidueProbe } from '../safety/residue.js';
import type { ConnectAnswer, PowerShellTarget } from '../targets/powershell/index.js';
import type { TargetFacts, VmDescription, VmPriority } from '../trace/records.js';
import { GROUP_PRIORITY, hostMemoryGB } from '../targets/sim/configuration.js';
import type { ClusterConfiguration, Target } from '../targets/target.js';
import { readSecret, type Credential } from './credentials.js';
import { UsageError } from './out-dir.js';
import { runTag } from './powershell-dry-run.js';
import { clusterSettingsOf } from '../run/run-experiment.js';

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
  refuseOldHosts(experiment);
  const allowlist = loadAllowlist(allowlistLocation(allowlistFlag, env), faults.keys());
  const entry = consentFor(allowlist, experiment);
  guardBlastRadius(experiment, faults, { maxImpairedNodes: entry.maxImpairedNodes, quarantineCap: true });
  return { allowlist, entry };
}

/** What first contact read, as the trace's header keeps it. */
export function targetFacts(contact: ConnectAnswer, rehearsal: boolean): TargetFacts {
  return {
    powershell: { version: contact.psVersion, edition: contact.edition, failoverClusters: contact.failoverClusters, ...(rehearsal ? { rehearsal: true } : {}) },
    nodes: Object.fromEntries(
      contact.nodes.map((n) => [
        n.name,
        {
          ...(n.osVersion ? { osVersion: n.osVersion } : {}),
          ...(n.clockOffsetMs !== undefined ? { clockOffsetMs: n.clockOffsetMs } : {}),
          ...(n.offsetUncertaintyMs !== undefined ? { offsetUncertaintyMs: n.offsetUncertaintyMs } : {}),
          ...(n.clussvcRecoveryMs !== undefined ? { clussvcRecoveryMs: n.clussvcRecoveryMs } : {}),
          ...(n.clussvcRecovery !== undefined ? { clussvcRecovery: n.clussvcRecovery } : {}),
          ...(n.languageMode ? { languageMode: n.languageMode } : {}),
        },
      ]),
    ),
  };
}

/** The first Windows Server build the PowerShell target drives: 2016 (10.0.14393). */
export const MINIMUM_BUILD = 14393;

/**
 * Review B4: the scripts drive Windows Server 2016 and later (the Compute Resiliency and quarantine
 * properties, StatusInformation and DrainStatus are 2016 additions; the Hyper-V module cannot manage 2008 R2
 * hosts). An experiment written for 2008 R2 hosts is refused from the file alone (exit 2).
 */
function refuseOldHosts(experiment: Experiment): void {
  if (experiment.cluster.hostVersion !== '2008R2') return;
  let line: number | undefined;
  try {
    line = new ExperimentSource(experiment.file, readFileSync(experiment.file, 'utf8')).lineOf(['cluster', 'hostVersion']);
  } catch {
    line = undefined;
  }
  throw new UsageError(
    `${experiment.file}${line !== undefined ? `:${line}` : ''}: cluster.hostVersion is 2008R2, but --target powershell drives Windows Server 2016 and later ` +
      '(the Compute Resiliency and quarantine properties, StatusInformation and DrainStatus, and the Hyper-V module it uses do not exist on 2008 R2 hosts). ' +
      'Run this experiment on the simulator (--target sim), or describe a 2016-or-later cluster. Nothing was done to any cluster.',
  );
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
  target: PowerShellTarget;
  runId: string;
  tag: string;
  /** The target runs against the rehearsal lab, not a real cluster. */
  rehearsal: boolean;
}

/**
 * The rehearsal lab's own configuration from the experiment: its simulator-kind settings that are properties of the
 * simulated cluster (clussvc's FailureActions, MinimumResilientVmVersion, …), as a real lab would be configured; no
 * Get-Cluster property says them, so the run cannot set them. Whoever builds a rehearsal lab for an experiment passes
 * them (review break B5 rehearsed per-vm-overrides without MinimumResilientVmVersion 6 before).
 */
export function labPropertiesOf(experiment: Pick<Experiment, 'settings'>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(experiment.settings).filter(
      ([name]) => settingDefinitions.find((d) => d.name === name)?.kind === 'simulator' && (clusterPropertyNames as readonly string[]).includes(name),
    ),
  );
}

/**
 * A PowerShell target for one run of the experiment. node-powershell is loaded only now: a dry run or a
 * refusal never loads it. Nothing is sent until the target is used. With `rehearse`, the very same target
 * runs in real PowerShell 7 against the rehearsal lab (stand-in commands backed by the simulated cluster,
 * in its virtual time), built from the experiment's cluster, seed and `defects`.
 */
export async function powerShellTargetFor(
  experiment: Experiment,
  o: {
    credential?: Credential | undefined;
    log: Logger;
    rehearse?: { defects: string[]; latencyMs?: number };
    runId?: string;
    allowed?: Consent;
    env?: NodeJS.ProcessEnv;
    /** --vault: the SecretManagement vault BMC credentials missing from the environment are read from (default: every vault). */
    vault?: string | undefined;
  },
): Promise<RealTarget> {
  // a new run gets its own id; `clusterchaos revert` reopens the cluster under the run's own (its tag names the rules)
  const runId = o.runId ?? randomUUID();
  const tag = runTag(runId);
  const settingNames = Object.keys(clusterSettingsOf(experiment, 'powershell'));
  // how each node's power is switched (the allowlist's power:), for power-off-node and power-on-node
  const power = o.allowed ? powerForNodes(o.allowed.entry, experiment.cluster.nodes) : {};
  if (o.rehearse) {
    const { createRehearsalTarget } = await import('../targets/powershell/rehearsal/target.js');
    const lab = o.rehearse.latencyMs !== undefined ? { latencyMs: o.rehearse.latencyMs } : {};
    // the lab is configured as the experiment's simulator-kind settings say, as a real lab would be
    const target = await createRehearsalTarget({ experiment, defects: o.rehearse.defects, runTag: tag, settingNames, log: o.log, lab, power, simulatorProperties: labPropertiesOf(experiment) });
    return { target, runId, tag, rehearsal: true };
  }
  // a BMC's account comes from the environment, else from a SecretManagement vault (into this process's
  // environment, which the session inherits; never a file, a script or a command line): a plan that needs one
  // it cannot find is refused now
  if (o.allowed) {
    const env = o.env ?? process.env;
    const vaultNotes = await powerCredentialsFromVaults(powerCredentialsOf(o.allowed.entry, experiment), env, o.vault);
    const missing = missingPowerCredentials(o.allowed.allowlist, o.allowed.entry, experiment, env, vaultNotes);
    if (missing.length) throw new UsageError(new AllowlistError(missing).message);
  }
  const { createPowerShellTarget } = await import('../targets/powershell/index.js');
  const target = createPowerShellTarget({
    cluster: experiment.cluster.name,
    description: experiment.cluster,
    runTag: tag,
    settingNames,
    ...(o.credential ? { credential: o.credential } : {}),
    log: o.log,
    power,
  });
  return { target, runId, tag, rehearsal: false };
}

/**
 * Read-only, before anything is changed: every node and VM of `experiment` exists on the cluster, and the guard
 * holds for each of `runs` with the cluster's own settings and the ungraceful exits its event logs show within
 * its QuarantineWindow (`noQuarantine`: no node may reach QuarantineThreshold at all). Throws UsageError or
 * BlastRadiusError (exit 2).
 */
export async function checkFitsCluster(
  target: PowerShellTarget,
  experiment: Experiment,
  runs: readonly Experiment[],
  o: { entry: AllowlistEntry; noQuarantine?: boolean; log?: Logger },
): Promise<void> {
  try {
    await checkFirstContact(target, experiment, o.log);
    const missing = await missingOnCluster(target, experiment);
    if (missing.length) {
      throw new UsageError(
        `${experiment.file}: the cluster ${experiment.cluster.name} has no ${missing.join(', ')} (Get-ClusterNode and Get-ClusterGroup do not list ${missing.length === 1 ? 'it' : 'them'}); make cluster.nodes and cluster.vms match the cluster. Nothing was done to it.`,
      );
    }
    const clusterSettings = await target.getSettings();
    const absent = Object.keys(clusterSettingsOf(experiment, 'powershell')).filter((name) => !(name in clusterSettings));
    if (absent.length) {
      throw new UsageError(
        `${experiment.file}: the cluster ${experiment.cluster.name} has no property ${absent.join(', ')} (Get-Cluster does not show ${absent.length === 1 ? 'it' : 'them'}: ` +
          'the Compute Resiliency and quarantine properties exist from Windows Server 2016 on, MaximumParallelMigrations from 2022); remove it from settings. Nothing was done to it.',
      );
    }
    await checkVmDescriptions(target, experiment);
    const windowS = experiment.settings.QuarantineWindow ?? clusterSettings.QuarantineWindow ?? settingDefinitions.find((d) => d.name === 'QuarantineWindow')!.default;
    const now = target.epochMs();
    const prior = priorExits(await target.eventsSince(now - windowS * 1000), experiment.cluster.nodes, now);
    for (const run of runs) {
      guardBlastRadius(run, faults, { maxImpairedNodes: o.entry.maxImpairedNodes, quarantineCap: true, clusterSettings, priorExits: prior, ...(o.noQuarantine ? { noQuarantine: true } : {}) });
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof BlastRadiusError) throw e;
    throw new UsageError(`--target powershell: could not read the cluster ${experiment.cluster.name} (${(e as Error).message}); nothing was done to it`);
  }
}

/**
 * First contact (read-only): one session per node, each node's Windows version (2016 or later: review B4),
 * language mode (FullLanguage: review N5) and clock offset (recorded: review R15).
 */
async function checkFirstContact(target: PowerShellTarget, experiment: Experiment, log?: Logger): Promise<void> {
  const contact = await target.connect();
  const problems: string[] = [];
  // Review R6: when the service control manager restarts a crashed clussvc is the node's own setting
  // (FailureActions), read here and recorded in the trace; a kill-clussvc experiment's premise depends on it.
  const assumed = experiment.simulator.scmRestartDelayMs;
  for (const n of contact.nodes) {
    if (n.clussvcRecoveryMs === undefined && n.reached) log?.warn(`${n.name}: clussvc has no restart among its recovery actions (FailureActions): after kill-clussvc it stays down until clusterchaos starts it`);
    else if (n.clussvcRecoveryMs !== undefined && n.clussvcRecoveryMs !== assumed) {
      log?.warn(`${n.name} restarts a crashed clussvc after ${n.clussvcRecoveryMs / 1000} s (its FailureActions), not the ${assumed / 1000} s the experiment's simulator section assumes: the node rejoins when its own setting says`);
    }
  }
  for (const n of contact.nodes) {
    if (!n.reached) {
      problems.push(`${n.name} could not be reached (${n.error ?? 'no reason given'})`);
      continue;
    }
    const build = Number(/^\d+\.\d+\.(\d+)/.exec(n.osVersion ?? '')?.[1]);
    if (Number.isFinite(build) && build < MINIMUM_BUILD) problems.push(`${n.name} runs Windows ${n.osVersion}, older than Windows Server 2016 (10.0.${MINIMUM_BUILD}), which the PowerShell target needs`);
    if (n.languageMode && n.languageMode !== 'FullLanguage') {
      problems.push(`${n.name}'s remote sessions run in ${n.languageMode} (WDAC/AppLocker): the node-side scripts need FullLanguage; allow clusterchaos's module there or use a management account the policy exempts`);
    }
  }
  if (problems.length) throw new UsageError(`${experiment.file}: the cluster ${experiment.cluster.name} cannot be driven: ${problems.join('; ')}. Nothing was done to it.`);
}

/**
 * Review R14: the experiment's description of each VM decides what the models expect (storage: Unmonitored
 * or PausedCritical; version: resiliency; priority, preferred owners, anti-affinity and host memory: where a
 * VM is placed and whether it is started), so a description that does not match the cluster would turn an
 * input error into a "cluster violation". Compared where the cluster says: storage kind, configuration version,
 * startup memory; each group's Priority, preferred owners and AntiAffinityClassNames; each host's memory.
 */
async function checkVmDescriptions(target: PowerShellTarget, experiment: Experiment): Promise<void> {
  const configuration = await target.readConfiguration();
  const vmMismatches: string[] = [];
  experiment.cluster.vms.forEach((vm, i) => {
    const real = configuration.vms.find((v) => v.name.toLowerCase() === vm.name.toLowerCase());
    if (!real) return;
    const storage = real.storage === 'csv' ? 'csv-block' : real.storage === 'smb' ? 'smb' : undefined;
    if (storage && storage !== vm.storage) vmMismatches.push(`${vm.name}: storage ${vm.storage} in the experiment, but its disks are on ${real.storage === 'csv' ? 'a Cluster Shared Volume (csv-block)' : 'an SMB share (smb)'}`);
    if (vm.version !== undefined && Number(real.version) !== Number(vm.version)) vmMismatches.push(`${vm.name}: version ${vm.version} in the experiment, but Get-VM says ${real.version}`);
    if (real.memoryStartupBytes !== undefined && vm.memoryGB !== undefined && Math.abs(real.memoryStartupBytes / 2 ** 30 - vm.memoryGB) > 0.5) {
      vmMismatches.push(`${vm.name}: memoryGB ${vm.memoryGB} in the experiment, but its startup memory is ${(real.memoryStartupBytes / 2 ** 30).toFixed(1)} GB`);
    }
    vmMismatches.push(...placementMismatches(vm, real, `cluster.vms[${i}]`));
  });
  const hostMismatches = hostMemoryMismatches(experiment.cluster, configuration.hosts);
  if (vmMismatches.length || hostMismatches.length) {
    const what = [vmMismatches.length ? 'VMs' : '', hostMismatches.length ? 'hosts' : ''].filter(Boolean);
    const fix = [vmMismatches.length ? 'cluster.vms' : '', hostMismatches.length ? 'cluster.hostMemoryGB' : ''].filter(Boolean);
    throw new UsageError(
      `${experiment.file}: the experiment does not describe the cluster's ${what.join(' and ')} as they are (the models would expect the wrong behaviour): ${[...vmMismatches, ...hostMismatches].join('; ')}. Fix ${fix.join(' and ')}. Nothing was done to the cluster.`,
    );
  }
}

/** A group Priority as the experiment names it, when it is one of the four it can name [MSDN-PRIO]. */
function priorityName(value: number): VmPriority | undefined {
  return (Object.keys(GROUP_PRIORITY) as VmPriority[]).find((name) => GROUP_PRIORITY[name] === value);
}

const shownList = (names: readonly string[]): string => (names.length ? `[${names.join(', ')}]` : 'none');

/** Where the VM's group differs from the description in what placement depends on: Priority, preferred owners, anti-affinity. */
function placementMismatches(vm: VmDescription, real: ClusterConfiguration['vms'][number], at: string): string[] {
  const out: string[] = [];
  if (real.priority !== undefined) {
    // Absent from the experiment, the models assume Medium, the documented default (machines/clustered-vm.ts,
    // the simulator's placement; [MSDN-PRIO]). So a VM the experiment says nothing about is held to Medium: the
    // common case, a cluster whose priorities nobody changed, passes without the user writing them out, while a
    // group set to High, Low or No Auto Start is refused — the models would place and start it in the wrong
    // order, or expect a failover to restart a No Auto Start VM, and report the cluster's documented behaviour
    // as a violation.
    const expected = vm.priority ?? 'Medium';
    if (GROUP_PRIORITY[expected] !== real.priority) {
      const name = priorityName(real.priority);
      const given = vm.priority !== undefined ? `priority ${vm.priority} (${GROUP_PRIORITY[vm.priority]}) in the experiment` : 'no priority in the experiment (the models assume Medium, 2000)';
      const fix = name ? `set ${at}.priority to ${name}` : `the experiment can only say High, Medium, Low or NoAutoStart: set the group's Priority to one of them or fix ${at}.priority`;
      out.push(`${vm.name}: ${given}, but its group's Priority is ${real.priority}${name ? ` (${name})` : ''} (${fix})`);
    }
  }
  if (real.preferredOwners !== undefined) {
    // In order: a failover goes to the next preferred owner after the failed node [KB-299631]
    const described = vm.preferredOwners ?? [];
    const same = described.length === real.preferredOwners.length && described.every((n, k) => n.toLowerCase() === real.preferredOwners![k]!.toLowerCase());
    if (!same) {
      out.push(`${vm.name}: preferredOwners ${shownList(described)} in the experiment, but Get-ClusterOwnerNode lists ${shownList(real.preferredOwners)} (the order matters: fix ${at}.preferredOwners)`);
    }
  }
  if (real.antiAffinityClassNames !== undefined) {
    // As sets: the cluster compares the names, not their order
    const key = (names: readonly string[]) => [...new Set(names.map((n) => n.toLowerCase()))].sort().join('\n');
    const described = vm.antiAffinityClassNames ?? [];
    if (key(described) !== key(real.antiAffinityClassNames)) {
      out.push(`${vm.name}: antiAffinityClassNames ${shownList(described)} in the experiment, but its group's AntiAffinityClassNames are ${shownList(real.antiAffinityClassNames)} (fix ${at}.antiAffinityClassNames)`);
    }
  }
  return out;
}

/**
 * Each host's memory for VMs (cluster.hostMemoryGB, when the experiment gives it) against Get-VMHost's
 * MemoryCapacity. hostMemoryGB is what a host leaves for VMs, its MemoryCapacity less the host's own reserve
 * (the experiment schema), so only a description that gives a host more than it has (beyond 0.5 GB of
 * rounding) is refused: the models would place VMs where the cluster cannot, and call its refusal a violation.
 */
function hostMemoryMismatches(cluster: Experiment['cluster'], hosts: ClusterConfiguration['hosts']): string[] {
  if (cluster.hostMemoryGB === undefined) return [];
  const out: string[] = [];
  for (const host of hosts) {
    if (host.memoryCapacityBytes === undefined) continue;
    const node = cluster.nodes.find((n) => n.toLowerCase() === host.node.toLowerCase());
    if (node === undefined) continue;
    const described = hostMemoryGB(cluster, node);
    const capacityGB = host.memoryCapacityBytes / 2 ** 30;
    if (described !== undefined && described > capacityGB + 0.5) {
      const at = typeof cluster.hostMemoryGB === 'number' ? 'cluster.hostMemoryGB' : `cluster.hostMemoryGB.${node}`;
      out.push(`${node}: hostMemoryGB ${described} in the experiment, but Get-VMHost says its MemoryCapacity is ${capacityGB.toFixed(1)} GB (a host cannot leave its VMs more than it has: fix ${at})`);
    }
  }
  return out;
}

/**
 * Each BMC credential the environment lacks (`<NAME>_USERNAME` / `<NAME>_PASSWORD`), read from SecretManagement as
 * a PSCredential named `<NAME>` (in `vault`, else every registered vault) into `env`. Returns, for each it could
 * not read, what the vaults said (no module, no vault, no such secret), for the refusal to quote.
 */
export async function powerCredentialsFromVaults(needed: readonly { credential: string }[], env: NodeJS.ProcessEnv, vault: string | undefined): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  for (const { credential } of needed) {
    if ((env[`${credential}_USERNAME`] ?? '') !== '' && (env[`${credential}_PASSWORD`] ?? '') !== '') continue;
    try {
      const found = await readSecret({ secret: credential, ...(vault !== undefined ? { vault } : {}) }, { env });
      env[`${credential}_USERNAME`] = found.username;
      env[`${credential}_PASSWORD`] = found.password;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      notes.set(credential, e.message.replace(/^--credential secret:\S+: /, '').replace(/ Nothing was done to any cluster\.$/, ''));
    }
  }
  return notes;
}
