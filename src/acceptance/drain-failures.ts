import { readTrace } from '../trace/reader.js';
import type { ClusterDescription, NodeObservation, OpRecord, VmObservation } from '../trace/records.js';

/** States in which a VM holds its host's memory (as the checker's host-memory rule counts them). */
const HOLDS_MEMORY = new Set(['Running', 'RunningCritical', 'PausedCritical', 'Paused', 'Starting']);

/**
 * Every drain (Suspend-ClusterNode -Drain) of the run that failed, in words an engineer can act on before
 * Cluster-Aware Updating: which node, which VMs it could not move and, with cluster.hostMemoryGB, why — the N-1
 * question: "N2's drain failed: sql01 (64 GB) fits on no other node (free: N1 12 GB, N3 20 GB)". The VMs left and
 * the memory free are read from the first poll after the failure (what the cluster showed), so the figures are
 * the same on the simulator and on a real cluster, whose error says only that the drain failed.
 */
export async function drainFailures(tracePath: string, cluster: ClusterDescription): Promise<string[]> {
  const waiting: OpRecord[] = [];
  const out: string[] = [];
  let poll: { t: number; nodes: Map<string, NodeObservation>; vms: Map<string, VmObservation> } | undefined;
  const flush = (): void => {
    if (!poll) return;
    for (const op of waiting.splice(0)) out.push(describe(op, poll.nodes, poll.vms, cluster));
    poll = undefined;
  };
  for await (const { record } of readTrace(tracePath)) {
    if (record.type === 'observe') {
      if (poll && poll.t !== record.t) flush();
      if (!waiting.length) continue;
      poll ??= { t: record.t, nodes: new Map(), vms: new Map() };
      if (record.entity.startsWith('node/')) poll.nodes.set(record.entity.slice(5), record.state as NodeObservation);
      else if (record.entity.startsWith('vm/')) poll.vms.set(record.entity.slice(3), record.state as VmObservation);
      continue;
    }
    flush();
    if (record.type === 'op' && record.f === 'drain-node' && record.phase === 'fail') {
      waiting.push(record);
    }
  }
  flush();
  for (const op of waiting) out.push(describe(op, new Map(), new Map(), cluster));
  return out;
}

function describe(op: OpRecord, nodes: Map<string, NodeObservation>, vms: Map<string, VmObservation>, cluster: ClusterDescription): string {
  const node = String(op.args.node);
  const error = (op.error ?? 'no reason given').replace(/\.\s*$/, '');
  const left = cluster.vms.filter((vm) => vms.get(vm.name)?.OwnerNode === node && HOLDS_MEMORY.has(vms.get(vm.name)!.State));
  const memory = cluster.hostMemoryGB;
  if (!left.length || memory === undefined || !nodes.size) {
    return `${node}'s drain failed: ${error}${left.length ? `; still on ${node}: ${left.map((vm) => vm.name).join(', ')}` : ''}`;
  }
  const capacity = (n: string) => (typeof memory === 'number' ? memory : (memory[n] ?? Infinity));
  const hosts = cluster.nodes.filter((n) => n !== node && nodes.get(n)?.State === 'Up');
  const used = (n: string) =>
    cluster.vms.reduce((sum, vm) => {
      const o = vms.get(vm.name);
      return o && o.OwnerNode === n && HOLDS_MEMORY.has(o.State) ? sum + vm.memoryGB : sum;
    }, 0);
  const free = hosts.map((n) => ({ node: n, gb: Math.max(0, capacity(n) - used(n)) }));
  const freeText = free.map((f) => `${f.node} ${gb(f.gb)}`).join(', ') || 'no other node is Up';
  const reasons = left.map((vm) =>
    free.some((f) => f.gb >= vm.memoryGB) ? `${vm.name} (${gb(vm.memoryGB)}) was not moved` : `${vm.name} (${gb(vm.memoryGB)}) fits on no other node`,
  );
  const short = left.filter((vm) => !free.some((f) => f.gb >= vm.memoryGB));
  const verdict = short.length
    ? ` The other hosts lack memory for ${short.map((vm) => vm.name).join(', ')}: with ${node} out for its update, its VMs cannot all run elsewhere (the N-1 question before Cluster-Aware Updating).`
    : '';
  return `${node}'s drain failed: ${reasons.join('; ')} (free: ${freeText}).${verdict}\n  the cluster said: ${error}`;
}

function gb(n: number): string {
  return `${Math.round(n * 10) / 10} GB`;
}
