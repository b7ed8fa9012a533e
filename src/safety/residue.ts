/**
 * The residue scan: after a run on a real cluster, and after its reverts, look for anything it left broken —
 * a node not Up or still Paused, a firewall rule or scheduled task carrying the run's tag, a cluster property
 * not back at the value it had before the run. Read-only. A dirty residue is reported in summary.json and on
 * the console, and makes the verdict at least unknown: a run that left the cluster damaged proved nothing.
 */
import type { Target } from '../targets/target.js';

export interface Residue {
  clean: boolean;
  findings: string[];
}

/** What a target that can see beyond nodes and settings reports in one read-only round trip. */
export interface ResidueSnapshot {
  /** Every node the cluster lists (Get-ClusterNode), enum names as strings. */
  nodes: { Name: string; State: string; StatusInformation: string[] }[];
  /** Firewall rules carrying the run's tag, as `<node>/<name>`. */
  firewallRules: string[];
  /** clusterchaos's scheduled tasks left on the nodes (the tag's dead-man task, a clussvc hold-down), as `<node>/<name>`. */
  tasks: string[];
  /** Nodes that could not be asked about rules and tasks. */
  unchecked?: string[];
  /** Current values of the settings asked about. */
  settings: Record<string, number>;
  /** Each node's clussvc (a hold-down not lifted leaves it Disabled or stopped: review R12). */
  services?: { node: string; status: string; startType: string }[];
  /** Each host's live-migration transport now, and as it was before the run (a transport not put back: review R12/R13). */
  transports?: { node: string; transport: string }[];
  transportsBefore?: Record<string, string>;
  /** A node not back whose power the allowlist can switch: what its power control reads (a power-off not reverted). */
  power?: { node: string; via: string; powerState: string }[];
}

/** A target that can look for the run's own leftovers (the PowerShell target); the others are scanned through poll and getSettings. */
export interface ResidueProbe {
  residue(o: { tag: string; settings: Record<string, number> }): Promise<ResidueSnapshot>;
}

export interface ResidueOptions {
  /** The run's tag (`clusterchaos-<runId>`): the name its firewall rules and scheduled tasks carry. */
  tag: string;
  /** Cluster properties the run changed, with their values before the run. */
  settingsBefore: Record<string, number>;
  /** The nodes that must be Up (all of the experiment's but those it expects to stay down). */
  nodes: string[];
  /** Keep looking this long for a node still joining after its revert (ms on the target's clock); default 0. */
  settleMs?: number;
  /** How often to look again while settling. */
  intervalMs?: number;
}

function hasProbe(target: Target): target is Target & ResidueProbe {
  return typeof (target as Partial<ResidueProbe>).residue === 'function';
}

/** Look once: what is left. */
async function look(target: Target, o: ResidueOptions): Promise<string[]> {
  let snapshot: ResidueSnapshot;
  if (hasProbe(target)) {
    snapshot = await target.residue({ tag: o.tag, settings: o.settingsBefore });
  } else {
    const poll = await target.poll();
    const settings = Object.keys(o.settingsBefore).length ? await target.getSettings() : {};
    snapshot = {
      nodes: Object.entries(poll.nodes).map(([Name, n]) => ({ Name, State: n.State, StatusInformation: n.StatusInformation })),
      firewallRules: [],
      tasks: [],
      settings,
    };
  }
  const findings: string[] = [];
  for (const wanted of o.nodes) {
    const node = snapshot.nodes.find((n) => n.Name.toLowerCase() === wanted.toLowerCase());
    if (!node) {
      findings.push(`node ${wanted} was not reported by the cluster (Get-ClusterNode): check it`);
      continue;
    }
    const name = node.Name;
    const status = node.StatusInformation ?? [];
    const power = snapshot.power?.find((p) => p.node.toLowerCase() === name.toLowerCase());
    if (power && node.State !== 'Up' && node.State !== 'Paused' && power.powerState !== 'On') {
      const how = power.via === 'redfish' ? "its BMC's Redfish ComputerSystem.Reset, ResetType On" : 'Start-VM on its outer Hyper-V host';
      findings.push(`node ${name} is powered off (its ${power.via} power control reads ${power.powerState}): clusterchaos revert <out>, or power it on (${how}), then check it joins`);
      continue;
    }
    if (node.State === 'Paused') findings.push(`node ${name} is still Paused: Resume-ClusterNode -Name ${name}`);
    else if (node.State !== 'Up') findings.push(`node ${name} is ${node.State}${status.length ? ` (${status.join(', ')})` : ''}, not Up: Start-ClusterNode -Name ${name}${status.includes('Quarantined') ? ' -ClearQuarantine' : ''}`);
    else if (status.includes('Quarantined') || status.includes('Isolated')) findings.push(`node ${name} is Up but ${status.join(', ')}`);
  }
  for (const rule of snapshot.firewallRules) {
    const { node } = onNode(rule);
    findings.push(`firewall rule ${rule} is still there (a network cut not healed): on ${node}, Remove-NetFirewallRule -Group '${o.tag}'`);
  }
  for (const task of snapshot.tasks) {
    const { node, name } = onNode(task);
    findings.push(`scheduled task ${task} is still there: on ${node}, Unregister-ScheduledTask -TaskName '${name}' -Confirm:$false`);
  }
  for (const node of snapshot.unchecked ?? []) {
    findings.push(`node ${node} could not be asked about clusterchaos firewall rules and scheduled tasks: check it by hand (Get-NetFirewallRule -Group '${o.tag}'; Get-ScheduledTask -TaskName 'clusterchaos-*')`);
  }
  for (const service of snapshot.services ?? []) {
    if (!o.nodes.some((n) => n.toLowerCase() === service.node.toLowerCase())) continue; // expected down
    if (service.startType === 'Disabled') {
      findings.push(`clussvc on ${service.node} is still Disabled (a hold-down not lifted): on ${service.node}, Set-Service clussvc -StartupType Automatic; Start-Service clussvc`);
    } else if (service.status !== 'Running') {
      findings.push(`clussvc on ${service.node} is ${service.status}, not Running: on ${service.node}, Start-Service clussvc`);
    }
  }
  for (const t of snapshot.transports ?? []) {
    const before = Object.entries(snapshot.transportsBefore ?? {}).find(([n]) => n.toLowerCase() === t.node.toLowerCase())?.[1];
    if (before !== undefined && before !== t.transport) {
      findings.push(`host ${t.node} uses the ${t.transport} live-migration transport, ${before} before the run: on ${t.node}, Set-VMHost -VirtualMachineMigrationPerformanceOption ${before}`);
    }
  }
  for (const [name, before] of Object.entries(o.settingsBefore)) {
    const now = snapshot.settings[name];
    if (now === undefined) findings.push(`cluster property ${name} could not be read back (it was ${before} before the run): check (Get-Cluster).${name}`);
    else if (now !== before) findings.push(`cluster property ${name} is ${now}, was ${before} before the run: (Get-Cluster).${name} = ${before}`);
  }
  return findings;
}

/**
 * Scan for residue. Nodes may still be joining right after their reverts, so with `settleMs` the scan looks
 * again every `intervalMs` until nothing is left or the time is up, and reports what the last look found.
 * A scan that cannot run at all is itself a finding: nobody can say the cluster is clean.
 */
export async function scanResidue(target: Target, o: ResidueOptions): Promise<Residue> {
  const deadline = target.now() + (o.settleMs ?? 0);
  for (;;) {
    let findings: string[];
    try {
      findings = await look(target, o);
    } catch (e) {
      findings = [`the residue scan could not run (${(e as Error).message}): check the cluster by hand`];
    }
    if (!findings.length) return { clean: true, findings };
    if (target.now() >= deadline) return { clean: false, findings };
    await target.sleep(Math.max(1, Math.min(o.intervalMs ?? 1000, deadline - target.now())));
  }
}

/** `N2/clusterchaos-…-heal` → node and name (a name without a node: `that node`). */
function onNode(entry: string): { node: string; name: string } {
  const i = entry.indexOf('/');
  return i > 0 ? { node: entry.slice(0, i), name: entry.slice(i + 1) } : { node: 'that node', name: entry };
}

/** Console lines for a residue. */
export function formatResidue(r: Residue): string[] {
  return r.clean ? ['residue: clean (nodes Up and not Paused, no clusterchaos firewall rules or tasks, settings restored)'] : [`residue: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'} — the cluster is not as it was:`, ...r.findings.map((f) => `  ${f}`)];
}
