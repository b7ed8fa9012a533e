/**
 * `--target powershell --dry-run`: the plan and the exact PowerShell each step would send, built by the same
 * script builders the PowerShell target uses (src/targets/powershell/scripts.ts), called directly: no
 * session, no process, no credentials. Nothing here can change a cluster.
 */
import { settingDefinitions } from '../../machines/index.js';
import type { Experiment, FaultStep } from '../experiment/types.js';
import { powerOf, type AllowlistEntry, type Allowlist } from '../safety/allowlist.js';
import { DEFAULT_RESTART_TIMEOUT_MS } from '../faults/restart-node.js';
import * as scripts from '../targets/powershell/scripts.js';
import { SESSION_SETUP_SCRIPT } from '../targets/powershell/session.js';

/** The run's tag as a real run makes it: firewall rules and scheduled tasks carry it. */
export function runTag(runId: string): string {
  return `clusterchaos-${runId}`;
}

const indent = (script: string, by = '      '): string[] => script.trimEnd().split('\n').map((l) => by + l);

interface Scripted {
  inject: string;
  revert?: string;
  note?: string;
}

/** The scripts of one fault step: its injection and, for faults, the revert registered before it. */
export function stepScripts(experiment: Experiment, step: FaultStep, tag: string, entry?: AllowlistEntry): Scripted {
  const a = { cluster: experiment.cluster.name };
  const p = step.params as Record<string, unknown>;
  const node = typeof p.node === 'string' ? p.node : '';
  switch (step.fault) {
    case 'kill-clussvc': {
      const holdDown = typeof p.holdDown === 'number' ? p.holdDown : undefined;
      return {
        inject: holdDown !== undefined ? scripts.holdDownClusterService(a, node, holdDown) : scripts.killClusterService(a, node),
        revert: scripts.startClusterService(a, node),
      };
    }
    case 'isolate-network': {
      const peers = Array.isArray(p.peers) ? (p.peers as string[]) : undefined;
      return {
        inject: scripts.isolateNetwork(a, node, { ...(peers ? { peers } : {}), healAfterMs: p.duration as number, tag, ...(typeof p.network === 'string' ? { network: p.network } : {}) }),
        revert: scripts.restoreNetwork(a, node, tag),
        note: `the scheduled task on ${node} removes the rules after ${(p.duration as number) / 1000} s even if clusterchaos dies (dead-man revert)`,
      };
    }
    case 'stop-node':
      return { inject: scripts.stopClusterNode(a, node), revert: scripts.startClusterNode(a, node, { clearQuarantine: false }) };
    case 'start-node':
      return { inject: scripts.startClusterNode(a, node, { clearQuarantine: p.clearQuarantine === true }) };
    case 'drain-node':
      return { inject: scripts.suspendNode(a, node, { drain: true }), revert: scripts.resumeNode(a, node, { failback: false }) };
    case 'resume-node':
      return { inject: scripts.resumeNode(a, node, { failback: p.failback !== false }) };
    case 'live-migrate': {
      const vms = typeof p.vm === 'string' ? [p.vm] : (p.vm as string[]);
      const vm = vms[0]!;
      const policy = p.to === 'round-robin' || p.to === 'random' ? (p.to as string) : undefined;
      const to = policy ? exampleNode(experiment, vm) : (p.to as string);
      const transport = typeof p.transport === 'string' ? { transport: p.transport as never } : {};
      const notes: string[] = [];
      if (vms.length > 1) notes.push(`the VMs ${vms.join(', ')} are migrated in turn, one per iteration; shown for ${vm}`);
      if (policy) notes.push(`the node is chosen at run time (${policy}, among the Up nodes); shown for ${to}`);
      return { inject: scripts.liveMigrate(a, vm, to, transport), ...(notes.length ? { note: notes.join('; ') } : {}) };
    }
    case 'power-off-node':
    case 'power-on-node': {
      // consent refused the plan already if the allowlist has no power control for the node
      const power = entry ? powerOf(entry, node) : undefined;
      if (!power) throw new Error(`${step.fault} ${node}: no power control in the allowlist (consent should have refused the plan)`);
      const how = power.kind === 'redfish' ? `its BMC (${power.system})` : `the outer Hyper-V host ${power.host} (VM ${power.vm})`;
      return step.fault === 'power-off-node'
        ? { inject: scripts.powerOffNode(a, node, power), revert: scripts.powerOnNode(a, node, power), note: `the power is cut through ${how}` }
        : { inject: scripts.powerOnNode(a, node, power), note: `through ${how}` };
    }
    case 'restart-node':
      return { inject: scripts.restartNode(a, node, typeof p.timeout === 'number' ? p.timeout : DEFAULT_RESTART_TIMEOUT_MS) };
    case 'fail-storage-path':
    case 'fail-storage': {
      const storage = String(p.storage);
      const target = scripts.storageTarget(experiment.cluster, storage);
      if (!target) throw new Error(`${step.fault}: no volume ${JSON.stringify(storage)} in the experiment's cluster`);
      if (!target.volume.address?.length) throw new Error(`${step.fault}: the volume ${storage} has no address in cluster.storage, which a real cluster needs (the traffic to block)`);
      const nodes = step.fault === 'fail-storage' ? experiment.cluster.nodes : [node];
      const what = target.port === 3260 ? 'iSCSI (TCP 3260)' : 'SMB (TCP 445)';
      return {
        inject: scripts.failStorage(a, { nodes, storage, addresses: target.volume.address, port: target.port, key: target.key, healAfterMs: p.duration as number, tag }),
        revert: scripts.restoreStorage(a, { nodes, key: target.key, tag }),
        note: `${what} to ${target.volume.address.join(', ')} blocked on ${nodes.join(', ')}; the scheduled task on each removes the rule after ${(p.duration as number) / 1000} s even if clusterchaos dies (dead-man revert)`,
      };
    }
    default:
      throw new Error(`${step.fault}: the PowerShell target has no script for this fault`);
  }
}

/** round-robin from the VM's owner: the next node in the cluster's list. */
function exampleNode(experiment: Experiment, vm: string): string {
  const nodes = experiment.cluster.nodes;
  const owner = experiment.cluster.vms.find((v) => v.name.toLowerCase() === vm.toLowerCase())?.owner;
  const i = owner ? nodes.indexOf(owner) : -1;
  return nodes[(i + 1) % nodes.length]!;
}

/** The dry run's lines, up to (not including) the verdict line. */
export function dryRunLines(o: { experiment: Experiment; allowlist: Allowlist; entry: AllowlistEntry; runId: string; clusterSettings: Record<string, number> }): string[] {
  const { experiment, entry } = o;
  const a = { cluster: experiment.cluster.name };
  const tag = runTag(o.runId);
  const out: string[] = [];
  out.push(`plan for ${experiment.title} (${experiment.file}) on the cluster ${experiment.cluster.name} through PowerShell:`);
  out.push(
    `  allowed by ${o.allowlist.file}:${entry.line} (faults: ${entry.faults.join(', ')}; at most ${entry.maxImpairedNodes} node${entry.maxImpairedNodes === 1 ? '' : 's'} impaired at once)`,
  );
  out.push(`  a dry run opens no PowerShell session: below is what a run would send, one script per round trip, with ${tag} as the run's tag (a real run gets its own id)`);
  out.push('  each script calls a function of the ClusterChaos module (src/targets/powershell/module/, read it there), which every session imports once:');
  out.push(...indent(SESSION_SETUP_SCRIPT, '    '));
  out.push('');
  const names = Object.keys(o.clusterSettings);
  out.push(
    `before anything else, read-only: first contact opens one session per node and reads each node's Windows version (2016 or later), language mode and clock offset; one poll checks that every node and VM of the experiment exists on ${experiment.cluster.name}; the cluster's settings are read (a property it lacks is refused), the VMs' storage, version and memory are compared with the experiment, and its event logs of the last QuarantineWindow for earlier ungraceful exits (event 1135), so the guard counts them (the read-only scripts are at the end)`,
  );
  out.push('');
  if (names.length) {
    out.push(`set for the run: ${names.map((n) => `${n}=${o.clusterSettings[n]}`).join(', ')}`);
    out.push(...indent(scripts.setSettings(a, o.clusterSettings)));
    const defaults = Object.fromEntries(names.map((n) => [n, settingDefinitions.find((d) => d.name === n)?.default ?? 0]));
    out.push('  restore (registered before the change; runs on every exit path): the values read before the run; shown with the documented defaults');
    out.push(...indent(scripts.setSettings(a, defaults)));
    out.push('');
  }
  const periods = experiment.cluster.vms.filter((vm) => vm.resiliencyPeriod !== undefined);
  if (periods.length) {
    out.push(`set for the run on each VM's cluster group (read first; restored afterwards where it differed): ${periods.map((vm) => `${vm.name} ResiliencyPeriod=${vm.resiliencyPeriod}`).join(', ')}`);
    out.push(...indent(scripts.getVmSettings(a, periods.map((vm) => vm.name))));
    for (const vm of periods) out.push(...indent(scripts.setVmSettings(a, vm.name, vm.resiliencyPeriod!)));
    out.push('');
  }
  const soak = experiment.soak;
  if (soak) {
    const times = soak.iterations !== undefined ? `${soak.iterations} times` : `again and again for ${soak.durationMs! / 1000} s`;
    out.push(`the method below, ${times}, stopping ${soak.stopOn === 'first-anomaly' ? 'at the first anomaly' : 'never (anomalies counted)'}; each iteration's reverts run at its end:`);
  }
  experiment.method.forEach((step, i) => {
    const where = step.line !== undefined ? ` (line ${step.line})` : '';
    const block = step.parallel;
    if (block && experiment.method[i - 1]?.parallel?.block !== block.block) out.push(parallelHeading(experiment, i));
    const branch = block ? ` [branch ${block.branch + 1}]` : '';
    if (step.kind === 'wait') {
      out.push(`step ${i + 1}${branch}${where}: wait ${step.ms / 1000} s${block ? '' : `, observing every ${experiment.observe.intervalMs / 1000} s (read-only polls)`}`);
      return;
    }
    out.push(`step ${i + 1}${branch}${where}: ${step.fault} ${JSON.stringify(step.params)}`);
    const s = stepScripts(experiment, step, tag, entry);
    if (s.note) out.push(`  (${s.note})`);
    if (s.revert) {
      out.push('  revert, registered before the injection and run on every exit path (Ctrl-C included):');
      out.push(...indent(s.revert));
    }
    out.push('  inject:');
    out.push(...indent(s.inject));
  });
  out.push('');
  out.push('after the method and its reverts: the residue scan (read-only; at the end below)');
  out.push('');
  out.push('the read-only scripts, which change nothing on the cluster:');
  out.push('  first contact, once:');
  out.push(...indent(scripts.connect(a, experiment.cluster.nodes)));
  out.push("  the configuration (the VMs' storage, version and memory, compared with the experiment):");
  out.push(...indent(scripts.readConfiguration(a)));
  out.push(`  the poll, before the run and every ${experiment.observe.intervalMs / 1000} s while observing (one round trip for every node and VM):`);
  out.push(...indent(scripts.poll(a)));
  out.push('  the event-log records since a time: before the run, the last QuarantineWindow (earlier ungraceful exits); after each poll, since the previous collection (shown with 1970-01-01):');
  out.push(...indent(scripts.events(a, experiment.cluster.nodes, new Date(0).toISOString())));
  out.push("  the settings, read before the run (the guard's and the header's, and those the restore puts back):");
  out.push(...indent(scripts.getSettings(a, scripts.settingNamesRead(names))));
  out.push('  the residue scan, after the reverts: nodes Up and not Paused, no firewall rules or tasks of this run, settings restored:');
  out.push(...indent(scripts.residue(a, { tag, settings: Object.fromEntries(names.map((n) => [n, o.clusterSettings[n]!])) })));
  return out;
}

/**
 * The line before a `parallel:` block's steps: which steps run at once, and that the cluster is observed
 * meanwhile. `first`: the index of the block's first step in the flat method.
 */
export function parallelHeading(experiment: Experiment, first: number): string {
  const block = experiment.method[first]!.parallel!;
  let last = first;
  while (experiment.method[last + 1]?.parallel?.block === block.block) last++;
  const branches = new Set(experiment.method.slice(first, last + 1).map((s) => s.parallel!.branch)).size;
  const where = block.line !== undefined ? ` (line ${block.line})` : '';
  return (
    `steps ${first + 1}-${last + 1}${where}: a parallel block, its ${branches} branches at once (each branch's steps in order), observing every ` +
    `${experiment.observe.intervalMs / 1000} s (read-only polls) until its longest branch has ended:`
  );
}
