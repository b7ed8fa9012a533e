import type { HeaderRecord, NodeObservation, ObserveRecord, OpRecord, VmDescription, VmObservation } from '../trace/records.js';
import { vmClass } from './classify.js';
import type { QuotedLine, Violation } from './result.js';
import { formatT } from './time.js';

/** A VM in these classes runs (or starts, or is paused) on the node it names. */
const ON_NODE = new Set(['Running', 'Unmonitored', 'RunningCritical', 'PausedCritical', 'Paused', 'Starting']);
/** Operations that move VMs by live migration: while one runs, or shortly after, where a VM lands is not judged here. */
const MOVES = new Set(['live-migrate', 'drain-node', 'resume-node', 'stop-node', 'restart-node']);
/** A node a fault touched this recently (ms) may have been unable to take roles though polls showed it Up. */
const FAULT_MARGIN_MS = 30_000;

interface Home {
  node: string;
  /** When it was last seen there. */
  t: number;
  /** Since when it has been seen there without a break. */
  since: number;
  /** Seen offline since it was last seen there: its next node is a failover's. */
  offline: boolean;
}

/**
 * Where a failed-over VM restarts, judged only where the trace says for sure which nodes could take it: nodes seen
 * Up (unflagged) in every poll since before the failover, touched by no fault for FAULT_MARGIN_MS, with memory free
 * for the VM in the poll that shows it placed (cluster.hostMemoryGB), while no live migration moved anything.
 *
 * - `preferred-owner`: a group with preferred owners fails over to the next node after the failed one in its node
 *   list — its preferred owners in order, then the other nodes in Node ID order — that can take it [KB-299631],
 *   [MSBLOG-PO]. A VM placed on a node when a surely able node comes before it in that list is a violation.
 *   (Not judged for a VM with AntiAffinityClassNames, which may pass a node over.)
 * - `anti-affinity`: a group is not placed on a node hosting a group that shares one of its AntiAffinityClassNames
 *   while another node can take it (soft anti-affinity, ClusterEnforcedAntiAffinity 0 [MSDN-AACN], [MSDN-CEAA]).
 *   Judged when the other group was already on that node before the failover.
 */
export class PlacementRules {
  private readonly vms = new Map<string, VmDescription>();
  private readonly nodes: readonly string[];
  private readonly memory: HeaderRecord['cluster']['hostMemoryGB'];
  private readonly upSince = new Map<string, number>();
  private readonly lastFault = new Map<string, number>();
  private readonly homes = new Map<string, Home>();
  private readonly openMoves = new Set<number | string>();
  private lastMoveT = -Infinity;

  constructor(header: HeaderRecord) {
    for (const vm of header.cluster.vms) this.vms.set(vm.name, vm);
    this.nodes = header.cluster.nodes;
    this.memory = header.cluster.hostMemoryGB;
  }

  op(op: OpRecord): void {
    for (const key of ['node', 'to']) {
      const n = op.args[key];
      if (typeof n === 'string' && this.nodes.includes(n)) this.lastFault.set(n, op.t);
    }
    const peers = op.args.peers;
    if (Array.isArray(peers)) for (const p of peers) if (typeof p === 'string') this.lastFault.set(p, op.t);
    if (!MOVES.has(op.f)) return;
    this.lastMoveT = op.t;
    const id = op.id ?? op.process;
    if (op.phase === 'invoke') this.openMoves.add(id);
    else this.openMoves.delete(id);
  }

  poll(batch: readonly { rec: ObserveRecord; quoted: QuotedLine }[]): Violation[] {
    const t = batch[0]?.rec.t ?? 0;
    for (const { rec } of batch) {
      if (!rec.entity.startsWith('node/')) continue;
      const node = rec.entity.slice(5);
      const o = rec.state as NodeObservation;
      if (o.State === 'Up' && !o.StatusInformation.length) {
        if (!this.upSince.has(node)) this.upSince.set(node, t);
      } else this.upSince.delete(node);
    }
    const shown = new Map<string, { vm: string; line: QuotedLine }[]>();
    for (const { rec, quoted } of batch) {
      if (!rec.entity.startsWith('vm/')) continue;
      const o = rec.state as VmObservation;
      if (!ON_NODE.has(vmClass(o)) || !o.OwnerNode) continue;
      let list = shown.get(o.OwnerNode);
      if (!list) shown.set(o.OwnerNode, (list = []));
      list.push({ vm: rec.entity.slice(3), line: quoted });
    }
    const out: Violation[] = [];
    const arrivals: { vm: string; from: Home; to: string; line: QuotedLine }[] = [];
    for (const { rec, quoted } of batch) {
      if (!rec.entity.startsWith('vm/')) continue;
      const vm = rec.entity.slice(3);
      const o = rec.state as VmObservation;
      const home = this.homes.get(vm);
      if (!ON_NODE.has(vmClass(o)) || !o.OwnerNode) {
        if (home) home.offline = true;
        continue;
      }
      // restarted on another node (seen offline since, or Starting: a live-migrated VM never starts): a failover's placement
      const restarted = home?.offline === true || vmClass(o) === 'Starting';
      if (home && home.node !== o.OwnerNode && restarted) arrivals.push({ vm, from: { ...home }, to: o.OwnerNode, line: quoted });
      if (!home || home.node !== o.OwnerNode) this.homes.set(vm, { node: o.OwnerNode, t, since: t, offline: false });
      else Object.assign(home, { t, offline: false });
    }
    for (const a of arrivals) {
      const v = this.judge(a, t, shown);
      if (v) out.push(v);
    }
    return out;
  }

  /** A node that could surely take `vm` when it failed over at or after `from.t`, as this poll shows it. */
  private surelyAble(node: string, vm: VmDescription, from: Home, shown: Map<string, { vm: string }[]>): boolean {
    const since = this.upSince.get(node);
    if (since === undefined || since > from.t) return false;
    if ((this.lastFault.get(node) ?? -Infinity) >= from.t - FAULT_MARGIN_MS) return false;
    if (this.memory === undefined) return true;
    const capacity = typeof this.memory === 'number' ? this.memory : this.memory[node];
    if (capacity === undefined) return true;
    const used = (shown.get(node) ?? []).reduce((sum, s) => sum + (this.vms.get(s.vm)?.memoryGB ?? 0), 0);
    return capacity - used >= vm.memoryGB;
  }

  private classMates(vm: VmDescription, node: string, shown: Map<string, { vm: string }[]>): string[] {
    const mine = vm.antiAffinityClassNames ?? [];
    return (shown.get(node) ?? [])
      .filter((s) => s.vm !== vm.name && (this.vms.get(s.vm)?.antiAffinityClassNames ?? []).some((c) => mine.includes(c)))
      .map((s) => s.vm);
  }

  private judge(a: { vm: string; from: Home; to: string; line: QuotedLine }, t: number, shown: Map<string, { vm: string; line: QuotedLine }[]>): Violation | undefined {
    const vm = this.vms.get(a.vm);
    if (!vm || this.openMoves.size || this.lastMoveT >= a.from.t - FAULT_MARGIN_MS) return undefined;
    const O = a.from.node;
    const classes = vm.antiAffinityClassNames ?? [];
    if (classes.length) {
      // only mates that were on the node before the failover: they were there when the VM was placed
      const mates = this.classMates(vm, a.to, shown).filter((m) => {
        const h = this.homes.get(m);
        return h !== undefined && h.node === a.to && h.since <= a.from.t;
      });
      if (!mates.length) return undefined;
      const free = this.nodes.find((n) => n !== O && n !== a.to && this.surelyAble(n, vm, a.from, shown) && !this.classMates(vm, n, shown).length);
      if (!free) return undefined;
      return {
        rule: 'anti-affinity',
        entity: `vm/${vm.name}`,
        expected: `${vm.name} on a node without ${mates.join(', ')} (AntiAffinityClassNames ${classes.join(', ')}), e.g. ${free}`,
        observed: `on ${a.to} with ${mates.join(', ')}`,
        t,
        message:
          `At ${formatT(t)} ${vm.name}, failed over from ${O}, was placed on ${a.to}, which hosts ${mates.join(', ')}: they share an ` +
          `AntiAffinityClassNames value (${classes.join(', ')}). Anti-affinity keeps such groups on different nodes while another node ` +
          `can take one [MSDN-AACN] — ${free} was Up throughout${this.memory !== undefined ? ' with memory for it' : ''} and hosts none of them.`,
        context: [a.line, ...(shown.get(a.to) ?? []).filter((s) => mates.includes(s.vm)).map((s) => s.line)].sort((x, y) => x.seq - y.seq),
      };
    }
    const preferred = (vm.preferredOwners ?? []).filter((n) => this.nodes.includes(n));
    if (!preferred.length) return undefined;
    const list = [...preferred, ...this.nodes.filter((n) => !preferred.includes(n))];
    const at = list.indexOf(O);
    const after = [...list.slice(at + 1), ...list.slice(0, at + 1)];
    for (const node of after) {
      if (node === a.to) return undefined;
      if (node === O || !this.surelyAble(node, vm, a.from, shown)) continue;
      return {
        rule: 'preferred-owner',
        entity: `vm/${vm.name}`,
        expected: `${vm.name} restarted on ${node}, the next node after ${O} in its node list (${list.join(', ')}) that could take it`,
        observed: `restarted on ${a.to}`,
        t,
        message:
          `At ${formatT(t)} ${vm.name}, failed over from ${O}, was restarted on ${a.to}. Its preferred owners are ${preferred.join(', ')}: ` +
          `a failover goes to the next node after the failed one in the list of preferred owners followed by the other nodes ` +
          `[KB-299631], [MSBLOG-PO], and ${node} comes before ${a.to} there and was Up throughout` +
          `${this.memory !== undefined ? ' with memory free for it' : ''}.`,
        context: [a.line],
      };
    }
    return undefined;
  }
}
