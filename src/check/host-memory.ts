import type { HeaderRecord, ObserveRecord, VmObservation } from '../trace/records.js';
import { vmClass } from './classify.js';
import type { QuotedLine, Violation } from './result.js';
import { formatT } from './time.js';

/** What a VM seen in these classes holds of its host's memory: it runs, is starting, or is paused in place. */
const HOLDS_MEMORY = new Set(['Running', 'Unmonitored', 'RunningCritical', 'PausedCritical', 'Paused', 'Starting']);

/**
 * Host memory (`host-memory`), judged on each poll with the cluster description's `hostMemoryGB`: the VMs a
 * poll shows running, starting or paused on one node fit in the memory that node has for VMs. Placement puts a
 * VM only where its memory fits — drains by memory-aware placement [MSBLOG-DRAIN], [ASKCOREJP-CAU], and Hyper-V
 * cannot start or receive a VM it has no memory for (a live migration to such a host fails, 21502
 * [ASKCOREJP-CAU]). A poll is one look at the cluster: a VM in the middle of a live migration is shown on its
 * source only, so what a poll shows never exceeds what the hosts really hold. Reported once per node until the
 * node fits again. Without hostMemoryGB nothing is judged.
 */
export class HostMemoryRule {
  private readonly memoryGB = new Map<string, number>();
  private readonly described: HeaderRecord['cluster']['hostMemoryGB'];
  private readonly over = new Set<string>();

  constructor(header: HeaderRecord) {
    for (const vm of header.cluster.vms) this.memoryGB.set(vm.name, vm.memoryGB);
    this.described = header.cluster.hostMemoryGB;
  }

  private capacity(node: string): number | undefined {
    const m = this.described;
    return m === undefined ? undefined : typeof m === 'number' ? m : m[node];
  }

  /** The lines of one poll; violations for nodes that hold more than they have. */
  poll(batch: readonly { rec: ObserveRecord; quoted: QuotedLine }[]): Violation[] {
    if (this.described === undefined) return [];
    const perNode = new Map<string, { vm: string; gb: number; line: QuotedLine }[]>();
    for (const { rec, quoted } of batch) {
      if (!rec.entity.startsWith('vm/')) continue;
      const vm = rec.entity.slice(3);
      const o = rec.state as VmObservation;
      const gb = this.memoryGB.get(vm);
      if (gb === undefined || !o.OwnerNode || !HOLDS_MEMORY.has(vmClass(o))) continue;
      let list = perNode.get(o.OwnerNode);
      if (!list) perNode.set(o.OwnerNode, (list = []));
      list.push({ vm, gb, line: quoted });
    }
    const out: Violation[] = [];
    const t = batch[0]?.rec.t ?? 0;
    const seen = new Set<string>();
    for (const [node, vms] of perNode) {
      const capacity = this.capacity(node);
      if (capacity === undefined) continue;
      seen.add(node);
      const used = vms.reduce((sum, v) => sum + v.gb, 0);
      if (used <= capacity) {
        this.over.delete(node);
        continue;
      }
      if (this.over.has(node)) continue;
      this.over.add(node);
      const list = vms.map((v) => `${v.vm} (${gb(v.gb)})`).join(', ');
      out.push({
        rule: 'host-memory',
        entity: `node/${node}`,
        expected: `at most ${gb(capacity)} of VMs on ${node} (cluster.hostMemoryGB)`,
        observed: `${gb(used)} of VMs running there`,
        t,
        message:
          `At ${formatT(t)} ${node} was shown running ${list}: ${gb(used)}, more than the ${gb(capacity)} it has for VMs. ` +
          `Placement puts a VM only where its memory fits [MSBLOG-DRAIN], [ASKCOREJP-CAU]; a VM that fits nowhere stays ` +
          `offline (failover) or where it is (a drain fails). If ${node} really has more, correct cluster.hostMemoryGB.`,
        context: vms.map((v) => v.line).sort((a, b) => a.seq - b.seq),
      });
    }
    for (const node of this.over) if (!seen.has(node)) this.over.delete(node);
    return out;
  }
}

function gb(n: number): string {
  return `${Math.round(n * 10) / 10} GB`;
}
