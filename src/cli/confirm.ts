/**
 * Before the first change to a cluster reached through PowerShell (`run`, `accept`, `revert` with
 * `--target powershell`, rehearsals included: a rehearsal rehearses the question too), the plan in a few lines —
 * the cluster and its nodes, each fault in order with its target and duration, how each is undone, the worst that
 * can happen — and `Proceed? [y/N]` on the terminal. `--yes` answers for CI. Asked only after every check that
 * can refuse (allowlist, guard, the cluster's configuration read back), so a "y" is never wasted on a plan that
 * would be refused anyway. The simulator never asks: nothing real is touched there.
 *
 * Exit codes (README, "Reading a verdict"): no terminal to ask on and no `--yes` is a usage error (2: add
 * `--yes`); "n", an empty answer, end of input or Ctrl-C at the question is the user stopping the run before it
 * began (3, verdict unknown, as a dry run or a Ctrl-C: nothing was done to the cluster).
 */
import { settingDefinitions } from '../../machines/index.js';
import type { Experiment, FaultStep } from '../experiment/types.js';
import { faults } from '../faults/catalogue.js';
import { duration } from '../report/console.js';
import { powerOf, type AllowlistEntry } from '../safety/allowlist.js';
import { ask } from './credentials.js';
import { UsageError } from './out-dir.js';

/** What `--yes` answers, and where the question is asked. */
export interface Asking {
  yes: boolean;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

/** The user said no (or nothing): exit 3, nothing was done. */
export class NotConfirmedError extends Error {}

/**
 * Throws UsageError (exit 2) when the question could not be asked: no `--yes` and standard input is not a
 * terminal (CI, a pipe, a service). Called as soon as the command knows it will change a cluster, before any
 * session is opened, so an unattended run is refused at once rather than after reading the cluster.
 */
export function refuseUnattended(asking: Asking, what: string): void {
  if (asking.yes) return;
  const input = asking.input ?? process.stdin;
  if (input.isTTY === true) return;
  throw new UsageError(
    `${what} changes the cluster, and asks first (Proceed? [y/N]), but standard input is not a terminal to ask on. ` +
      'Add --yes to run without the question (CI, scripts), or run it from a terminal. Nothing was done to any cluster.',
  );
}

/**
 * Show the plan and ask. Resolves when the user said yes (or `--yes` was given); rejects with NotConfirmedError
 * on anything else, with UsageError when there is no terminal (refuseUnattended).
 */
export async function confirmChanges(plan: readonly string[], asking: Asking, what: string): Promise<void> {
  const output = asking.output ?? process.stderr;
  for (const line of plan) output.write(`${line}\n`);
  if (asking.yes) {
    output.write('--yes: proceeding without asking\n');
    return;
  }
  refuseUnattended(asking, what);
  let answer: string | undefined;
  try {
    answer = await ask('Proceed? [y/N] ', asking.input ?? process.stdin, output, true);
  } catch {
    answer = undefined;
  }
  if (answer === undefined || !/^\s*y(es)?\s*$/i.test(answer)) {
    throw new NotConfirmedError(`not confirmed (${answer === undefined ? 'no answer' : `answered ${JSON.stringify(answer.trim() || '<Enter>')}`}): nothing was done to the cluster`);
  }
}

/** `N1, N2 and N3` */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

const setting = (experiment: Experiment, name: string): number =>
  experiment.settings[name] ?? settingDefinitions.find((d) => d.name === name)?.default ?? Number.NaN;

/** The VMs the experiment places on `node`: those that may restart elsewhere when it is lost. */
function vmsOn(experiment: Experiment, node: string): string[] {
  return experiment.cluster.vms.filter((v) => v.owner?.toLowerCase() === node.toLowerCase()).map((v) => v.name);
}

function theirVms(experiment: Experiment, nodes: readonly string[]): string {
  const vms = nodes.flatMap((n) => vmsOn(experiment, n));
  return vms.length ? `; ${nodes.length === 1 ? 'its' : 'their'} VMs (${listed(vms)}) may restart on other nodes` : '';
}

/** One fault step: what is done, to what, for how long; how it is undone; the worst it can do. */
function faultLines(experiment: Experiment, step: FaultStep, entry: AllowlistEntry | undefined): { done: string; undone: string; worst?: string } {
  const p = step.params;
  const node = typeof p.node === 'string' ? p.node : '';
  const ms = (v: unknown): string | undefined => (typeof v === 'number' ? duration(v) : undefined);
  const lost = (): number => setting(experiment, 'ResiliencyDefaultPeriod');
  switch (step.fault) {
    case 'kill-clussvc': {
      const hold = ms(p.holdDown);
      return {
        done: `kill-clussvc on ${node}: clussvc force-killed${hold ? `, kept down ${hold}` : ''}`,
        undone: `clussvc started again on ${node} if it is not running`,
        worst: `${node} Isolated for up to ${duration(lost() * 1000)} (ResiliencyDefaultPeriod), then Down if it has not rejoined${theirVms(experiment, [node])}`,
      };
    }
    case 'isolate-network': {
      const peers = Array.isArray(p.peers) ? (p.peers as string[]) : undefined;
      const d = ms(p.duration) ?? 'its duration';
      return {
        done: `isolate-network ${node}${typeof p.network === 'string' ? ` (network ${p.network})` : ''}: cut off from ${peers ? listed(peers) : 'every other node'} for ${d}`,
        undone: `firewall rules removed (a scheduled task on ${node} also removes them after ${d}, even if clusterchaos dies)`,
        // a cut shorter than ResiliencyDefaultPeriod heals while the node is still Isolated; a longer one outlasts it
        worst:
          typeof p.duration === 'number' && p.duration < lost() * 1000
            ? `${node} cut off for up to ${d}: Isolated, back before ResiliencyDefaultPeriod (${duration(lost() * 1000)}) runs out${theirVms(experiment, [node])}`
            : `${node} cut off for up to ${d}: Isolated, then Down after ResiliencyDefaultPeriod (${duration(lost() * 1000)})${theirVms(experiment, [node])}`,
      };
    }
    case 'stop-node':
      return { done: `stop-node ${node}: Stop-ClusterNode`, undone: `Start-ClusterNode ${node}`, worst: `${node} out of the cluster until the run ends${theirVms(experiment, [node])}` };
    case 'start-node':
      return { done: `start-node ${node}: Start-ClusterNode`, undone: 'nothing to undo' };
    case 'drain-node':
      return { done: `drain-node ${node}: Suspend-ClusterNode -Drain`, undone: `${node} resumed (Resume-ClusterNode, no failback)`, worst: `${node}'s VMs (${listed(vmsOn(experiment, node)) || 'none described'}) live-migrate away; one that cannot is left where it is or fails over` };
    case 'resume-node':
      return { done: `resume-node ${node}: Resume-ClusterNode${p.failback === false ? '' : ' -Failback Immediate'}`, undone: 'nothing to undo' };
    case 'live-migrate': {
      const vms = typeof p.vm === 'string' ? [p.vm] : (p.vm as string[]);
      return { done: `live-migrate ${listed(vms)} to ${String(p.to)}`, undone: 'nothing to undo (a VM that moved stays where it went)', worst: `a failed migration leaves ${vms.length === 1 ? 'the VM' : 'a VM'} on its node (or, rarely, restarts it)` };
    }
    case 'power-off-node':
    case 'power-on-node': {
      const power = entry ? powerOf(entry, node) : undefined;
      const how = power ? (power.kind === 'redfish' ? `its BMC (${power.system})` : `the outer Hyper-V host ${power.host}`) : 'its power control';
      return step.fault === 'power-off-node'
        ? { done: `power-off-node ${node}: power cut through ${how}`, undone: `${node} powered on through ${how}`, worst: `${node} off without a shutdown until it is powered on${theirVms(experiment, [node])}` }
        : { done: `power-on-node ${node}: powered on through ${how}`, undone: 'nothing to undo' };
    }
    case 'restart-node':
      return { done: `restart-node ${node}: Restart-Computer`, undone: 'nothing to undo (waited for until the node is back)', worst: `${node} down for up to ${ms(p.timeout) ?? 'its restart timeout'}${theirVms(experiment, [node])}` };
    case 'fail-storage-path':
    case 'fail-storage': {
      const nodes = step.fault === 'fail-storage' ? experiment.cluster.nodes : [node];
      const d = ms(p.duration) ?? 'its duration';
      return {
        done: `${step.fault} ${String(p.storage)}: unreachable from ${listed(nodes)} for ${d}`,
        undone: `firewall rule removed (a scheduled task also removes it after ${d}, even if clusterchaos dies)`,
        worst: `VMs on ${String(p.storage)} pause (PausedCritical) or go Unmonitored for up to ${d}`,
      };
    }
    case 'fail-witness': {
      const d = ms(p.duration) ?? 'its duration';
      return { done: `fail-witness: the quorum witness lost for ${d}`, undone: 'witness traffic restored (it also comes back by itself)', worst: `the cluster runs on its nodes' votes alone for up to ${d}` };
    }
    default: {
      const f = faults.get(step.fault);
      return { done: `${step.fault} ${JSON.stringify(p)}`, undone: f?.revert ? 'its revert' : 'nothing to undo' };
    }
  }
}

/**
 * The plan summary the question shows, for one or more runs (`accept` makes several, one after another).
 * `where`: how the cluster is reached (`through PowerShell`, `in the rehearsal lab`).
 */
export function planSummary(runs: readonly Experiment[], o: { where: string; entry?: AllowlistEntry; heading?: string }): string[] {
  const first = runs[0]!;
  const out: string[] = [];
  out.push(o.heading ?? `about to change the cluster ${first.cluster.name} ${o.where}:`);
  out.push(`  nodes: ${first.cluster.nodes.join(', ')}; VMs: ${first.cluster.vms.map((v) => v.name).join(', ') || 'none described'}`);
  const worst = new Set<string>();
  // several runs (accept): one line each, with how each kind of fault is undone said once below
  const undone = new Map<string, string>();
  for (const [r, experiment] of runs.entries()) {
    const several = runs.length > 1;
    const prefix = '  ';
    const settings = Object.entries(experiment.settings).filter(([name]) => settingDefinitions.find((d) => d.name === name)?.kind === 'cluster');
    const settingsSaid = settings.length ? `settings for the run: ${settings.map(([k, v]) => `${k} = ${v}`).join(', ')} (the cluster's own values set back at the end)` : undefined;
    const soak = experiment.soak;
    const soakSaid = soak
      ? `a soak: the steps below ${soak.iterations !== undefined ? `${soak.iterations} times` : `again and again for ${duration(soak.durationMs ?? 0)}`}, stopping ${soak.stopOn === 'first-anomaly' ? 'at the first anomaly' : 'never'}`
      : undefined;
    if (!several) {
      if (settingsSaid) out.push(`${prefix}${settingsSaid}`);
      if (soakSaid) out.push(`${prefix}${soakSaid}`);
    }
    const shortly: string[] = [];
    let n = 0;
    for (const step of experiment.method) {
      n++;
      const branch = step.parallel ? ` [at once, branch ${step.parallel.branch + 1}]` : '';
      if (step.kind === 'wait') {
        if (!several) out.push(`${prefix}${n}. wait ${duration(step.ms)}${branch}`);
        continue;
      }
      const said = faultLines(experiment, step, o.entry);
      if (several) {
        shortly.push(said.done.split(':')[0]!);
        const node = typeof step.params.node === 'string' ? step.params.node : undefined;
        undone.set(step.fault, node ? said.undone.split(node).join('the node') : said.undone);
      } else out.push(`${prefix}${n}. ${said.done}${branch} — undone: ${said.undone}`);
      if (said.worst) worst.add(said.worst);
    }
    if (several) out.push(`${prefix}run ${r + 1} of ${runs.length}: ${experiment.title}${shortly.length ? ` (${shortly.join(', ')})` : ''}${settingsSaid ? `; ${settingsSaid}` : ''}`);
  }
  if (undone.size) out.push(`  undone: ${[...undone].map(([fault, how]) => `${fault}: ${how}`).join('; ')}`);
  out.push('  every change is undone when the run ends, however it ends (Ctrl-C too); if clusterchaos itself dies, `clusterchaos revert <out>` finishes the undo journal');
  if (worst.size) {
    out.push('  worst case:');
    for (const w of worst) out.push(`    ${w}`);
  }
  return out;
}
