import { liveMigration, migrationLimits, maximumCopyPasses, type HostVersion } from '../../machines/live-migration.js';
import type { Settings } from '../../machines/settings.js';
import type { EventRecord, HeaderRecord, LiveMigrationValue, NodeObservation, ObserveRecord, OpRecord, TraceRecord, VmObservation } from '../trace/records.js';
import { nodeClass } from './classify.js';
import { MigrationModel, Replay, type Refusal } from './migrations-replay.js';
import { OpenInvokes } from './pairing.js';
import type { QuotedLine, TransitionCoverage, Violation } from './result.js';
import { formatT, seconds } from './time.js';
import { liveMigrationOrder, networksOf, resolveNetworks } from '../trace/networks.js';

/**
 * Live migrations against the live-migration model. Fed every record of the trace (streamed), it replays each
 * migration the trace reports — a live-migrate op's value, or each move of a drain (drain-node) or failback
 * (resume-node) — through the model, and checks what the model and its settings say of it:
 *
 * - `migration-pass-limit`: no more pre-copy passes than the host version allows (5, or 10 on 2008 R2);
 * - `migration-blackout`: the blackout within BlackoutWithin (from the value, or event 20417's figure), and no
 *   event 20417 whatever the figure it states;
 * - `migration-time`: start (leaving the queue) to completion within LiveMigrationWithin (a migration cancelled, of unknown
 *   outcome or never completed before that long is unknown, not a pass);
 * - `migration-failed`: a migration fails only when its source or target was not available;
 * - `migration-limit`: at most MaximumVirtualMachineMigrations from or to a host, MaximumParallelMigrations in
 *   the cluster, at once;
 * - `migration-owner`: once a migration completed, the VM's next observation shows the target owning it: not
 *   its source, nor (when no other operation ran in between, which could have moved it again) a third node;
 * - `guest-crash`: a guest crash (18590) is a violation on its VM, told against its last migration;
 * - `live-migration`: anything else the model does not take (a cancel during the blackout, a failure after
 *   the switch-over).
 *
 * Values may lack fields (a real cluster reports phases only through its event log): what is there is
 * checked, nothing fails for being absent. Memory stays flat: per VM and per node a few entries, per
 * migration only what is in flight, and the concurrency intervals that may still overlap a later one.
 */

const MIGRATION_OPS = new Set(['live-migrate', 'drain-node', 'resume-node', 'revert:drain-node']);
/** Operations that only look at the cluster: they move no VM. */
const OBSERVING_OPS = new Set(['poll', 'steady-state']);
/** Guest crash (Hyper-V-Worker-Admin) [LIS]. */
const GUEST_CRASH = 18590;
/** Live migration succeeded with an unexpectedly long blackout (VMMS-Admin) [LM-ISSUES]. */
const LONG_BLACKOUT = 20417;
/** Live migration failed: 21502 (the failure text), 21501 (at the source), 21111 (HA-Admin) [BRAIN-HA]. */
const MIGRATION_FAILED_EVENTS = new Set([21502, 21501, 21111]);
/** Violations kept per rule; the rest are counted in the first one's message. */
const MAX_PER_RULE = 20;
const MAX_UNKNOWNS = 20;
/** Concurrency intervals kept at most (a trace whose migrations never complete must not grow memory). */
const MAX_INTERVALS = 4096;
/** Failures waiting for node observations, at most (without polls they are judged on what is known). */
const MAX_PENDING_FAILURES = 1024;
/** An error text that says the migration was cancelled because it did not complete in time. */
const CANCELLED = /cancel|timed?[ -]?out/i;

type Outcome = 'ok' | 'fail' | 'info';

/** One migration as the trace reports it. */
interface Migration {
  vm: string;
  source: string | undefined;
  target: string;
  value: Partial<LiveMigrationValue> | undefined;
  outcome: Outcome;
  /** The failure or cancellation text (the op's `error`). */
  error: string | undefined;
  /** Cancelled because it did not complete in time (the error says so). */
  cancelled: boolean;
  requestedAt: number;
  /** When the trace told how it ended (the op's completion). */
  endedAt: number;
  /** How a person names it: `live-migrate web01 to N3`, `drain-node N2: web01 to N3`. */
  via: string;
  /** Its own operation (live-migrate): the op's invoke and completion time it. A drain's moves share one op. */
  ownOp: boolean;
  lines: QuotedLine[];
}

interface Interval {
  vm: string;
  source: string;
  target: string;
  start: number;
  end: number;
  /** Other migrations running when it started: from or to its source, its target, in the cluster. */
  slots: { source: number; target: number; cluster: number };
  reported: boolean;
  lines: QuotedLine[];
}

interface PendingFailure {
  m: Migration;
  replay: Replay;
  /** Node classes at the failure (last observation before it) and at the first observation after it. */
  before: Map<string, string | undefined>;
  after: Map<string, string>;
}

interface RecentFailure {
  t: number;
  violation: Violation | undefined;
  events: Set<number>;
  lines: QuotedLine[];
  texts: string[];
}

/** A cut of `networks` between `node` and `peers` (undefined: every other node), from `from` until `to`. */
interface NetworkCut {
  node: string;
  peers: string[] | undefined;
  networks: string[];
  from: number;
  to: number;
}

/** Network cuts kept at most (a soak that cuts networks over and over must not grow memory). */
const MAX_CUTS = 256;

interface Completed {
  source: string | undefined;
  target: string;
  startedAt: number | undefined;
  endedAt: number;
  via: string;
  lines: QuotedLine[];
  blackout: Violation | undefined;
}

export class MigrationChecker {
  private readonly tolerance: number;
  private readonly hostVersion: HostVersion;
  private readonly model: MigrationModel;
  /** The settings the model's deadlines name (state meta `within`), in ms. */
  private readonly blackoutSetting: string;
  private readonly migrationSetting: string;
  private readonly vmNames: ReadonlySet<string>;

  /** Invokes waiting for their completion, paired by the op's id (by process on traces without ids): src/check/pairing.ts. */
  private readonly invokes = new OpenInvokes<{ op: OpRecord; line: QuotedLine }>();
  private readonly nodeClasses = new Map<string, string>();
  private readonly owners = new Map<string, string>();
  /** The VMs whose next observation must show them on their migration's target; `moved`: another operation ran since. */
  private readonly ownerChecks = new Map<string, { m: Migration; source: string | undefined; moved?: boolean }>();
  private readonly lastCompleted = new Map<string, Completed>();
  private readonly pendingFailures: PendingFailure[] = [];
  private readonly recentFailures = new Map<string, RecentFailure>();
  /** Cluster networks cut by isolate-network, oldest first (at most MAX_CUTS). */
  private readonly cuts: NetworkCut[] = [];
  private readonly cluster: HeaderRecord['cluster'];
  private intervals: Interval[] = [];
  /** The last excess of the limits per host ('' = the cluster): overlapping excesses extend it. */
  private readonly limitEpisodes = new Map<string, { violation: Violation | undefined; members: Set<Interval>; most: number }>();
  private lastT = 0;

  private readonly violations: Violation[] = [];
  private readonly perRule = new Map<string, { first: Violation; more: number; kept: number }>();
  private readonly unknowns: string[] = [];
  private moreUnknowns = 0;
  /** Migrations replayed, for the report. */
  count = 0;

  constructor(
    header: HeaderRecord,
    private readonly settings: Settings,
  ) {
    this.tolerance = header.check.toleranceMs;
    this.hostVersion = header.cluster.hostVersion ?? '2012R2+';
    this.model = new MigrationModel(settings, this.hostVersion);
    this.blackoutSetting = withinOf('Blackout') ?? 'BlackoutWithin';
    this.migrationSetting = withinOf(undefined) ?? 'LiveMigrationWithin';
    this.vmNames = new Set(header.cluster.vms.map((vm) => vm.name));
    this.cluster = header.cluster;
    for (const vm of header.cluster.vms) this.owners.set(vm.name, vm.owner);
  }

  private get blackoutWithinMs(): number {
    return this.settings[this.blackoutSetting]! * 1000;
  }

  private get migrationWithinMs(): number {
    return this.settings[this.migrationSetting]! * 1000;
  }

  /** What the checker holds between records (for tests and benchmarks: it must not grow with the trace). */
  retained(): number {
    return (
      this.invokes.size + this.nodeClasses.size + this.owners.size + this.ownerChecks.size + this.lastCompleted.size +
      this.pendingFailures.length + this.recentFailures.size + this.intervals.length + this.limitEpisodes.size
    );
  }

  feed(record: TraceRecord, text: string): void {
    if (record.type === 'op') {
      if (record.t > this.lastT) this.lastT = record.t;
      if (record.f === 'isolate-network' || record.f === 'revert:isolate-network') this.networkCut(record);
      // Any other operation (a fault, a drain, another migration) may move a VM again before it is next observed
      if (record.phase === 'invoke' && !OBSERVING_OPS.has(record.f)) for (const check of this.ownerChecks.values()) check.moved = true;
      if (MIGRATION_OPS.has(record.f)) this.op(record, text);
    } else if (record.type === 'observe') {
      if (record.t > this.lastT) this.lastT = record.t;
      this.observe(record, text);
    } else if (record.type === 'event') {
      this.event(record, text);
    }
  }

  /** Adds this checker's violations, unknowns and model coverage to the run's. */
  finish(violations: Violation[], unknowns: string[], coverage: Iterable<TransitionCoverage>): void {
    for (const pending of this.pendingFailures.splice(0)) this.resolveFailure(pending);
    for (const { op, line } of this.invokes.values()) {
      if (op.f !== 'live-migrate') continue;
      const m = this.fromLiveMigrate(op, undefined, [line], op.t);
      m.endedAt = this.lastT;
      this.notCompleted(m, `it had not completed when the trace ended, ${seconds(this.lastT - op.t)} after it was requested`);
    }
    this.invokes.clear();
    for (const { first, more } of this.perRule.values()) {
      if (more) first.message += ` (${more} more like it in this trace.)`;
    }
    violations.push(...this.violations);
    if (this.moreUnknowns) this.unknowns.push(`… and ${this.moreUnknowns} more live migrations whose outcome is unknown`);
    unknowns.push(...this.unknowns);
    const entries = new Map<string, TransitionCoverage>();
    for (const entry of coverage) if (entry.model === 'live-migration') entries.set(`${entry.from}|${entry.event}|${entry.to}`, entry);
    for (const [key, n] of this.model.taken) {
      const entry = entries.get(key);
      if (entry) entry.count += n;
    }
  }

  // ── operations ────────────────────────────────────────────────────────────────────────────────────

  private op(op: OpRecord, text: string): void {
    const line = { seq: op.seq, t: op.t, text };
    if (op.phase === 'invoke') {
      this.invokes.invoke(op, { op, line });
      return;
    }
    // A completion whose id no open invoke had is judged from its own line (the checker names it unknown).
    const { invoked } = this.invokes.complete(op);
    const lines = invoked ? [invoked.line, line] : [line];
    const requestedAt = invoked?.op.t ?? op.t;
    if (op.f === 'live-migrate') {
      this.migration(this.fromLiveMigrate(op, op.value as Partial<LiveMigrationValue> | undefined, lines, requestedAt));
    } else {
      const moves = (op.value as { migrations?: Partial<LiveMigrationValue>[] } | undefined)?.migrations;
      const cancelled = op.phase === 'fail' && CANCELLED.test(op.error ?? '');
      for (const move of Array.isArray(moves) ? moves : []) {
        if (typeof move.vm !== 'string' || typeof move.target !== 'string') continue;
        const failed = move.failedIn !== undefined;
        this.migration({
          vm: move.vm,
          source: move.source ?? this.owners.get(move.vm),
          target: move.target,
          value: move,
          outcome: failed ? 'fail' : 'ok',
          error: failed ? op.error : undefined,
          cancelled: failed && cancelled,
          requestedAt,
          endedAt: op.t,
          via: `${op.f} ${String(op.args.node)}: ${move.vm} to ${move.target}`,
          ownOp: false,
          lines,
        });
      }
    }
    this.prune();
  }

  private fromLiveMigrate(op: OpRecord, value: Partial<LiveMigrationValue> | undefined, lines: QuotedLine[], requestedAt: number): Migration {
    const vm = String(op.args.vm);
    const target = typeof value?.target === 'string' ? value.target : String(op.args.to);
    return {
      vm,
      source: value?.source ?? this.owners.get(vm),
      target,
      value,
      outcome: op.phase === 'invoke' ? 'info' : (op.phase as Outcome),
      error: op.error,
      cancelled: op.phase === 'fail' && CANCELLED.test(op.error ?? ''),
      requestedAt,
      endedAt: op.t,
      via: `live-migrate ${vm} to ${String(op.args.to)}`,
      ownOp: true,
      lines,
    };
  }

  /** Check one migration that the trace says has ended (ok, fail or info). */
  private migration(m: Migration): void {
    this.count++;
    const v = m.value ?? {};
    const replay = new Replay(this.model);
    // running time: waiting in the queue behind other migrations is not a stall
    const elapsed = v.totalMs !== undefined ? v.totalMs - (v.queuedMs ?? 0) : m.ownOp ? m.endedAt - m.requestedAt : undefined;
    const failedIn = m.outcome === 'ok' ? undefined : (v.failedIn ?? (v.startedAt === undefined ? 'Queued' : 'Setup'));
    this.replayPhases(m, replay, failedIn);

    let blackout: Violation | undefined;
    if (v.blackoutMs !== undefined && v.blackoutMs > this.blackoutWithinMs + this.tolerance) {
      blackout = this.report({
        rule: 'migration-blackout',
        entity: `vm/${m.vm}`,
        expected: `a blackout within ${this.blackoutSetting} = ${this.settings[this.blackoutSetting]} s`,
        observed: `a blackout of ${seconds(v.blackoutMs)}`,
        t: m.endedAt,
        since: { what: m.via, t: m.requestedAt },
        setting: { name: this.blackoutSetting, value: this.settings[this.blackoutSetting]!, unit: 's' },
        message:
          `${m.vm} was paused for ${seconds(v.blackoutMs)} while it switched over from ${m.source ?? 'its source'} to ${m.target} (${m.via}, ` +
          `completed at ${formatT(m.endedAt)}); the model allows a blackout of at most ${this.blackoutSetting} = ${this.settings[this.blackoutSetting]} s ` +
          `(± ${seconds(this.tolerance)}), the TCP timeout after which its clients drop their connections.`,
        context: m.lines,
      });
    }

    if (m.outcome === 'ok') {
      if (elapsed !== undefined && elapsed > this.migrationWithinMs + this.tolerance) {
        this.tooSlow(m, `it completed only after ${seconds(elapsed)}`, `completed after ${seconds(elapsed)}`);
      }
      this.intervalOf(m);
      this.ownerChecks.set(m.vm, { m, source: m.source });
      this.lastCompleted.set(m.vm, { source: m.source, target: m.target, startedAt: v.startedAt, endedAt: m.endedAt, via: m.via, lines: m.lines, blackout });
      return;
    }
    this.intervalOf(m);
    if (m.outcome === 'info') {
      this.notCompleted(m, `its outcome is unknown (${m.error ?? 'no reason given'})`, elapsed);
    } else if (m.cancelled) {
      this.notCompleted(m, `it was cancelled (${m.error})`, elapsed);
      replay.send({ type: 'migration.cancel' });
      this.refused(m, replay.refusals);
    } else {
      // Whether an end was available shows in the node observations around the failure: wait for the next ones
      if (this.pendingFailures.length >= MAX_PENDING_FAILURES) this.resolveFailure(this.pendingFailures.shift()!);
      this.pendingFailures.push({ m, replay, before: this.classesOf(m), after: new Map() });
      this.recentFailures.set(m.vm, { t: m.endedAt, violation: undefined, events: new Set(), lines: [], texts: [] });
    }
  }

  /** The model's events for what the value reports, up to where the migration failed (or to the end). */
  private replayPhases(m: Migration, replay: Replay, failedIn: string | undefined): void {
    const v = m.value ?? {};
    const until = (phase: string) => failedIn === phase;
    replay.send({ type: 'migration.requested' });
    if (!until('Queued')) {
      const slots = v.startedAt !== undefined && m.source !== undefined ? this.slotsAt(v.startedAt, m.source, m.target, m.vm) : undefined;
      if (!replay.send({ type: 'migration.started', ...(slots ? { slots } : {}) })) replay.send({ type: 'migration.started' });
      if (!until('Setup')) {
        replay.send({ type: 'setup.done' });
        const passes = v.passes ?? v.passMs?.length;
        for (let i = 0; i < (passes ?? 0); i++) if (!replay.send({ type: 'pass.done' })) break;
        if (!until('PreCopy')) {
          if (replay.state === 'PreCopy') replay.send({ type: 'precopy.done' });
          if (!until('Blackout')) {
            replay.send({ type: 'blackout.done' });
            if (!until('Cleanup') && failedIn === undefined) replay.send({ type: 'cleanup.done' });
          }
        }
      }
    }
    this.refused(m, replay.refusals.splice(0));
  }

  /** What the model would not take, as violations. */
  private refused(m: Migration, refusals: Refusal[]): void {
    for (const r of refusals) {
      if (r.event.type === 'migration.started') continue; // the concurrency rule tells it, with the migrations involved
      if (r.event.type === 'pass.done') {
        const limit = maximumCopyPasses(this.hostVersion);
        const passes = m.value?.passes ?? m.value?.passMs?.length ?? r.passes + 1;
        this.report({
          rule: 'migration-pass-limit',
          entity: `vm/${m.vm}`,
          expected: `at most ${limit} pre-copy passes`,
          observed: `${passes} pre-copy passes`,
          t: m.endedAt,
          since: { what: m.via, t: m.requestedAt },
          message:
            `${m.vm}'s live migration ${m.source ?? '?'} → ${m.target} (${m.via}) made ${passes} memory pre-copy passes; ` +
            `on ${this.hostVersion === '2008R2' ? 'Windows Server 2008 R2' : 'Windows Server 2012 R2 and later'} hosts the model forces the ` +
            `switch-over (the blackout) after ${limit} [DIRMS], [SAVILL-499].`,
          context: m.lines,
        });
        continue;
      }
      this.report({
        rule: 'live-migration',
        entity: `vm/${m.vm}`,
        expected: `no ${r.event.type} in ${r.state}`,
        observed: `${r.event.type} in ${r.state}`,
        t: m.endedAt,
        since: { what: m.via, t: m.requestedAt },
        message:
          r.event.type === 'migration.cancel'
            ? `${m.vm}'s live migration ${m.source ?? '?'} → ${m.target} (${m.via}) was cancelled in ${r.state}; the model allows a cancel only ` +
              'before the blackout: once the VM is paused for the switch-over the migration completes or fails.'
            : `${m.vm}'s live migration ${m.source ?? '?'} → ${m.target} (${m.via}) reports ${r.event.type} in ${r.state}, which the ` +
              `live-migration model does not allow there${m.error ? ` (error: ${m.error})` : ''}.`,
        context: m.lines,
      });
    }
  }

  private tooSlow(m: Migration, what: string, observed: string): void {
    const within = this.settings[this.migrationSetting]!;
    this.report({
      rule: 'migration-time',
      entity: `vm/${m.vm}`,
      expected: `completed within ${this.migrationSetting} = ${within} s`,
      observed,
      t: m.endedAt,
      since: { what: m.via, t: m.requestedAt },
      setting: { name: this.migrationSetting, value: within, unit: 's' },
      message:
        `${m.vm}'s live migration ${m.source ?? '?'} → ${m.target} (${m.via}, requested at ${formatT(m.requestedAt)}) did not complete ` +
        `within ${this.migrationSetting} = ${within} s: ${what}. The model counts a migration that takes longer as stalled.`,
      context: m.lines,
    });
  }

  /** Not completed: a violation if it ran at least LiveMigrationWithin, else unknown (it might have completed in time). */
  private notCompleted(m: Migration, why: string, elapsed = m.endedAt - m.requestedAt): void {
    if (elapsed >= this.migrationWithinMs) {
      this.tooSlow(m, why, `not completed after ${seconds(elapsed)}`);
      return;
    }
    if (this.unknowns.length >= MAX_UNKNOWNS) {
      this.moreUnknowns++;
      return;
    }
    this.unknowns.push(
      `${m.vm}'s live migration to ${m.target} (${m.via}, requested at ${formatT(m.requestedAt)}) did not complete: ${why}, ` +
        `${seconds(elapsed)} after it was requested, before ${this.migrationSetting} = ${this.settings[this.migrationSetting]} s; ` +
        'whether it would have completed in time is unknown',
    );
  }

  // ── failures: explained only if an end was unavailable ────────────────────────────────────────────

  // ── cluster networks cut (isolate-network): a migration may lose its connection's network ─────────────────

  /** An isolate-network (from its completion, until its duration or its revert) or its revert. */
  private networkCut(op: OpRecord): void {
    if (op.phase !== 'ok' && op.phase !== 'info') return;
    const node = String(op.args.node);
    if (op.f === 'revert:isolate-network') {
      for (const cut of this.cuts) if (cut.node === node && cut.to > op.t) cut.to = op.t;
      return;
    }
    const all = networksOf(this.cluster).map((n) => n.name);
    const networks = typeof op.args.network === 'string' ? (resolveNetworks(this.cluster, op.args.network) ?? []) : all;
    const peers = Array.isArray(op.args.peers) ? op.args.peers.map(String) : undefined;
    const duration = Number(op.args.duration);
    this.cuts.push({ node, peers, networks, from: op.t, to: op.t + (Number.isFinite(duration) ? duration : Infinity) });
    if (this.cuts.length > MAX_CUTS) this.cuts.shift();
  }

  /** Whether `network` was cut between `a` and `b` at `t`, and when that cut began. */
  private cutAt(a: string, b: string, network: string, t: number): number | undefined {
    const covers = (x: string, y: string) => (c: NetworkCut) => c.node === x && (c.peers === undefined || c.peers.includes(y)) && c.networks.includes(network);
    const cut = this.cuts.find((c) => c.from <= t + this.tolerance && t < c.to && (covers(a, b)(c) || covers(b, a)(c)));
    return cut?.from;
  }

  /**
   * Whether a failed migration lost its connection's network: one cut between its hosts after it started (the one
   * it reports, or any of the live-migration order when it reports none), or no live-migration network up between
   * them when it started [MIGNETORDER].
   */
  private networkLost(m: Migration): boolean {
    if (m.source === undefined || !this.cuts.length) return false;
    const started = m.value?.startedAt ?? m.requestedAt;
    const order = liveMigrationOrder(this.cluster).map((n) => n.name);
    if (order.length && order.every((n) => this.cutAt(m.source!, m.target, n, started) !== undefined)) return true;
    const used = typeof m.value?.network === 'string' ? [m.value.network] : order;
    // a cut that came after the request: one before it left the first network down, and the next should have served
    return used.some((n) => this.cuts.some((c) => c.from > m.requestedAt && c.from <= m.endedAt && this.cutAt(m.source!, m.target, n, c.from) === c.from));
  }

  /** For a failure while a cluster network was cut: what the cluster should have done. */
  private networkHint(m: Migration): string {
    const order = liveMigrationOrder(this.cluster).map((n) => n.name);
    if (order.length < 2 || m.source === undefined) return '';
    const down = order.filter((n) => this.cutAt(m.source!, m.target, n, m.value?.startedAt ?? m.requestedAt) !== undefined);
    if (!down.length) return '';
    const next = order.find((n) => !down.includes(n));
    return (
      ` ${down.join(', ')} ${down.length === 1 ? 'was' : 'were'} already cut between ${m.source} and ${m.target} when it was requested; a live migration ` +
      `sets its connection up over the first network of the preference order (${order.join(', ')}) that works, here ${next}, so the lost network alone does not explain the failure.`
    );
  }

  private classesOf(m: Migration): Map<string, string | undefined> {
    const before = new Map<string, string | undefined>();
    if (m.source) before.set(m.source, this.nodeClasses.get(m.source));
    before.set(m.target, this.nodeClasses.get(m.target));
    return before;
  }

  /** A source may be Up or Paused (being drained); a target must be Up. Unknown when it was never observed. */
  private available(p: PendingFailure, node: string | undefined, ok: readonly string[]): boolean | undefined {
    if (node === undefined) return undefined;
    const before = p.before.get(node);
    const after = p.after.get(node);
    if (before === undefined && after === undefined) return undefined;
    return (before === undefined || ok.includes(before)) && (after === undefined || ok.includes(after));
  }

  private resolveFailure(p: PendingFailure): void {
    const { m, replay } = p;
    const sourceAvailable = this.available(p, m.source, ['Up', 'Paused']);
    const targetAvailable = this.available(p, m.target, ['Up']);
    const networkLost = this.networkLost(m);
    if (replay.send({ type: 'migration.failed', sourceAvailable, targetAvailable, networkLost })) return;
    const refusal = replay.refusals.pop()!;
    const recent = this.recentFailures.get(m.vm);
    if (refusal.state === 'Cleanup' || refusal.state === 'Completed') {
      this.refused(m, [refusal]);
      return;
    }
    const violation = this.report({
      rule: 'migration-failed',
      entity: `vm/${m.vm}`,
      expected: `a completed live migration (${m.source} and ${m.target} were available)`,
      observed: `a failed live migration (in ${refusal.state})`,
      t: m.endedAt,
      since: { what: m.via, t: m.requestedAt },
      message:
        `${m.vm}'s live migration ${m.source} → ${m.target} (${m.via}) failed in ${refusal.state} at ${formatT(m.endedAt)} although ${m.source} ` +
        `and ${m.target} were both available (seen ${p.before.get(m.source!) ?? p.after.get(m.source!)} and ${p.before.get(m.target) ?? p.after.get(m.target)}): ` +
        `in a healthy cluster a requested migration is expected to complete.${m.error ? ` Error: ${m.error}.` : ''}${this.networkHint(m)}`,
      context: [...m.lines, ...(recent?.lines ?? [])],
    });
    if (recent && violation) {
      recent.violation = violation;
      for (const text of recent.texts) violation.message += text;
    }
  }

  // ── observations ──────────────────────────────────────────────────────────────────────────────────

  private observe(rec: ObserveRecord, text: string): void {
    if (rec.entity.startsWith('node/')) {
      const node = rec.entity.slice('node/'.length);
      const cls = nodeClass(rec.state as NodeObservation);
      this.nodeClasses.set(node, cls);
      if (this.pendingFailures.length) {
        for (let i = 0; i < this.pendingFailures.length; i++) {
          const p = this.pendingFailures[i]!;
          if (rec.t < p.m.endedAt || !p.before.has(node) || p.after.has(node)) continue;
          p.after.set(node, cls);
          if (p.after.size === p.before.size) {
            this.pendingFailures.splice(i--, 1);
            this.resolveFailure(p);
          }
        }
      }
      return;
    }
    const vm = rec.entity.slice('vm/'.length);
    const owner = (rec.state as VmObservation).OwnerNode;
    const check = this.ownerChecks.get(vm);
    if (check && rec.t >= check.m.endedAt) {
      this.ownerChecks.delete(vm);
      const m = check.m;
      // Still on its source: the migration did not move the VM. On a third node: a completed live migration
      // resumes the VM on its target (lab §2 step 8), which owns its group from then on; a third node may own it
      // next only if something moved it again, and no operation ran in between. So may its source: a failback
      // (resume-node) invoked before the VM was next seen moves it back there (a poll that failed at the moment of
      // the failback's invoke left the drain's move unconfirmed: trace-edits property test, seed 1307).
      const onSource = check.source !== undefined && owner === check.source;
      if (owner !== m.target && !check.moved) {
        this.report({
          rule: 'migration-owner',
          entity: `vm/${vm}`,
          expected: `owned by ${m.target}`,
          observed: `owned by ${owner}`,
          t: rec.t,
          since: { what: m.via, t: m.endedAt },
          message: onSource
            ? `${vm} was observed owned by ${owner} at ${formatT(rec.t)}, ${seconds(rec.t - m.endedAt)} after its live migration ${owner} → ${m.target} ` +
              `(${m.via}) completed: a completed live migration moves the VM and its cluster group to the target, so ${m.target} should own it.`
            : `${vm} was observed owned by ${owner} at ${formatT(rec.t)}, ${seconds(rec.t - m.endedAt)} after its live migration ` +
              `${m.source ?? '?'} → ${m.target} (${m.via}) completed, with no other operation in between: a completed live migration resumes ` +
              `the VM on its target (lab §2), so ${m.target} should own it, not ${owner}, a node the migration did not involve.`,
          context: [...m.lines, { seq: rec.seq, t: rec.t, text }],
        });
      }
    }
    this.owners.set(vm, owner);
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────────────

  private event(rec: EventRecord, text: string): void {
    if (rec.id !== GUEST_CRASH && rec.id !== LONG_BLACKOUT && !MIGRATION_FAILED_EVENTS.has(rec.id)) return;
    const vm = this.vmNamed(rec.message);
    const line = { seq: rec.seq, t: rec.t, text };
    const firstLine = rec.message.split('\n')[0]!.trim();
    if (MIGRATION_FAILED_EVENTS.has(rec.id)) {
      const recent = vm !== undefined ? this.recentFailures.get(vm) : undefined;
      if (!recent || recent.events.has(rec.id) || rec.t < recent.t - this.settings.EventLogWithin! * 1000) return;
      recent.events.add(rec.id);
      const detail = rec.message.split('\n').map((l) => l.trim()).filter(Boolean).at(-1)!;
      const said = ` The cluster logged ${rec.id} on ${rec.node}: "${rec.id === 21502 ? detail : firstLine}"`;
      if (recent.violation) {
        recent.violation.message += said;
        recent.violation.context.push(line);
      } else {
        recent.texts.push(said);
        recent.lines.push(line);
      }
      return;
    }
    const entity = vm !== undefined ? `vm/${vm}` : `node/${rec.node}`;
    const last = vm !== undefined ? this.lastCompleted.get(vm) : undefined;
    if (rec.id === LONG_BLACKOUT) {
      const figure = /blackout time of ([\d.]+) s/i.exec(rec.message);
      const blackoutMs = figure ? Number(figure[1]) * 1000 : undefined;
      const window = this.settings.EventLogWithin! * 1000;
      if (last?.blackout && rec.t >= (last.startedAt ?? last.endedAt) - this.tolerance && rec.t <= last.endedAt + window) {
        last.blackout.context.push(line);
        last.blackout.message += ` The cluster logged 20417 on ${rec.node}: "${firstLine}"`;
        return;
      }
      const within = this.settings[this.blackoutSetting]!;
      // Any 20417 is a violation, whatever figure it states. It is Hyper-V's own verdict that the switch-over
      // took unexpectedly long, which Microsoft treats as a live-migration problem to troubleshoot [LM-ISSUES];
      // its threshold is undocumented, and a converged migration's blackout is milliseconds [SAVILL-499] to 1–2 s
      // [ANYSTACK]. So a 20417 under BlackoutWithin is not excused by the clients' 20 s TCP timeout: the host
      // says this migration did not behave, and the README's rule is "no event 20417".
      const under = blackoutMs !== undefined && blackoutMs <= this.blackoutWithinMs + this.tolerance;
      this.report({
        rule: 'migration-blackout',
        entity,
        expected: under ? 'a live migration without event 20417 (a blackout Hyper-V did not find unexpectedly long)' : `a blackout within ${this.blackoutSetting} = ${within} s`,
        observed: blackoutMs !== undefined ? `a blackout of ${seconds(blackoutMs)} (event 20417)` : 'an unexpectedly long blackout (event 20417)',
        t: rec.t,
        ...(last ? { since: sinceMigration(last, rec.t) } : {}),
        setting: { name: this.blackoutSetting, value: within, unit: 's' },
        message: under
          ? `${rec.node} logged event 20417 at ${formatT(rec.t)}: "${firstLine}"${last ? ` (${last.via})` : ''}. The blackout it states is within ` +
            `${this.blackoutSetting} = ${within} s, but 20417 is Hyper-V itself reporting an unexpectedly long blackout, a live-migration ` +
            'problem to troubleshoot [LM-ISSUES]: a converged migration pauses the VM for milliseconds to a second or two.'
          : `${rec.node} logged event 20417 at ${formatT(rec.t)}: "${firstLine}"${last ? ` (${last.via})` : ''}; the model allows a blackout of at most ` +
            `${this.blackoutSetting} = ${within} s (± ${seconds(this.tolerance)}), the TCP timeout after which clients drop their connections.`,
        context: [...(last?.lines ?? []), line],
      });
      return;
    }
    // 18590: the guest crashed
    let when = vm !== undefined ? ' No live migration of it is in the trace before it.' : '';
    if (last) {
      const route = `${last.source ?? '?'} → ${last.target}`;
      const started = last.startedAt ?? last.endedAt;
      if (rec.t > last.endedAt) when = ` It happened ${seconds(rec.t - last.endedAt)} after its live migration ${route} completed (${last.via}).`;
      else if (rec.t >= started - this.tolerance) when = ` It happened during its live migration ${route} (${last.via}), ${seconds(last.endedAt - rec.t)} before it completed.`;
    }
    this.report({
      rule: 'guest-crash',
      entity,
      expected: 'a guest that keeps running through its live migrations',
      observed: 'a guest crash (event 18590)',
      t: rec.t,
      ...(last ? { since: sinceMigration(last, rec.t) } : {}),
      message: `${vm ?? 'A VM'}'s guest operating system crashed: ${rec.node} logged event 18590 at ${formatT(rec.t)}: "${firstLine}"${when}`,
      context: [...(last?.lines ?? []), line],
    });
  }

  /** The VM an event names: `'web01'` or `'Virtual Machine web01'` in its message. */
  private vmNamed(message: string): string | undefined {
    for (const match of message.matchAll(/'([^']+)'/g)) {
      const name = match[1]!.replace(/^Virtual Machine /, '');
      if (this.vmNames.has(name)) return name;
    }
    return undefined;
  }

  // ── concurrency ───────────────────────────────────────────────────────────────────────────────────

  /** When the migration ran, from leaving the queue to the end of its cleanup; undefined when the value cannot tell. */
  private span(m: Migration): { start: number; end: number } | undefined {
    const v = m.value;
    if (v?.startedAt === undefined) return undefined;
    const phases = [v.setupMs, v.passMs?.reduce((a, b) => a + b, 0), v.blackoutMs, v.cleanupMs];
    let running: number | undefined;
    if (m.outcome === 'ok' && phases.every((p) => p !== undefined)) running = phases.reduce((a, b) => a! + b!, 0);
    else if (v.totalMs !== undefined) running = v.totalMs - (v.queuedMs ?? 0);
    else if (phases.some((p) => p !== undefined)) running = phases.reduce((a, b) => (a ?? 0) + (b ?? 0), 0);
    return running !== undefined && running > 0 ? { start: v.startedAt, end: v.startedAt + running } : undefined;
  }

  /** Migrations known to be running at t, this VM's aside: from or to each host, and in the cluster. */
  private slotsAt(t: number, source: string, target: string, vm: string): { source: number; target: number; cluster: number } {
    const slots = { source: 0, target: 0, cluster: 0 };
    for (const i of this.intervals) {
      if (i.vm === vm || i.start > t || i.end <= t) continue;
      slots.cluster++;
      if (i.source === source || i.target === source) slots.source++;
      if (i.source === target || i.target === target) slots.target++;
    }
    return slots;
  }

  /**
   * Record when the migration ran and check the limits: at its start (the model's guard on migration.started,
   * with the migrations known to be running), and at the start of each one already recorded that it overlaps
   * (migrations are reported when they end, not in the order they started).
   */
  private intervalOf(m: Migration): void {
    const span = this.span(m);
    if (!span || m.source === undefined) return;
    const x: Interval = { vm: m.vm, source: m.source, target: m.target, ...span, slots: this.slotsAt(span.start, m.source, m.target, m.vm), reported: false, lines: m.lines };
    this.intervals.push(x);
    for (const y of this.intervals) {
      if (y === x || y.vm === x.vm || y.start < x.start || y.start >= x.end) continue;
      y.slots.cluster++;
      if (x.source === y.source || x.target === y.source) y.slots.source++;
      if (x.source === y.target || x.target === y.target) y.slots.target++;
      if (!y.reported && !this.model.slotFree(y.slots)) this.overLimit(y);
    }
    if (!x.reported && !this.model.slotFree(x.slots)) this.overLimit(x);
    if (this.intervals.length > MAX_INTERVALS) this.intervals.splice(0, this.intervals.length - MAX_INTERVALS);
  }

  /**
   * A violation for the migrations running at once when `x` started. Overlapping excesses on the same host (or
   * in the cluster) are one episode and one violation, which grows to name the most that ran at once.
   */
  private overLimit(x: Interval): void {
    x.reported = true;
    const limits = migrationLimits(this.settings, this.hostVersion);
    const all = this.intervals
      .filter((i) => i === x || (i.vm !== x.vm && i.start <= x.start && i.end > x.start))
      .sort((a, b) => a.start - b.start || a.vm.localeCompare(b.vm));
    const host = [x.source, x.target].find((h) => (h === x.source ? x.slots.source : x.slots.target) >= limits.perHost);
    const group = host === undefined ? all : all.filter((i) => i.source === host || i.target === host);
    for (const i of group) i.reported = true;
    const key = host ?? '';
    const episode = this.limitEpisodes.get(key);
    if (episode?.violation && group.some((i) => episode.members.has(i))) {
      for (const i of group) episode.members.add(i);
      if (group.length > episode.most) {
        episode.most = group.length;
        Object.assign(episode.violation, this.limitViolation(x.start, host, group, limits));
      }
      return;
    }
    const violation = this.report({ ...this.limitViolation(x.start, host, group, limits) });
    this.limitEpisodes.set(key, { violation, members: new Set(group), most: group.length });
  }

  private limitViolation(t: number, host: string | undefined, group: Interval[], limits: { perHost: number; cluster: number }): Violation {
    const describe = group.map((i) => `${i.vm} ${i.source} → ${i.target}`).join(', ');
    const context = [...new Map(group.flatMap((i) => i.lines).map((l) => [l.seq, l])).values()].sort((a, b) => a.seq - b.seq);
    if (host !== undefined) {
      const allowed = this.hostVersion === '2008R2' ? 'one at a time on 2008 R2 hosts' : `MaximumVirtualMachineMigrations = ${limits.perHost}`;
      return {
        rule: 'migration-limit',
        entity: `node/${host}`,
        expected: `at most ${limits.perHost} live migration${limits.perHost === 1 ? '' : 's'} from or to ${host} at once`,
        observed: `${group.length} at once`,
        t,
        setting: { name: 'MaximumVirtualMachineMigrations', value: limits.perHost, unit: 'count' },
        message:
          `At ${formatT(t)} ${group.length} live migrations ran from or to ${host} at once (${describe}); the host allows ` +
          `${allowed}: the next one waits in the queue [LM-SETUP].`,
        context,
      };
    }
    return {
      rule: 'migration-limit',
      entity: 'cluster',
      expected: `at most ${limits.cluster} live migration${limits.cluster === 1 ? '' : 's'} in the cluster at once`,
      observed: `${group.length} at once`,
      t,
      setting: { name: 'MaximumParallelMigrations', value: limits.cluster, unit: 'count' },
      message:
        `At ${formatT(t)} ${group.length} live migrations ran in the cluster at once (${describe}); MaximumParallelMigrations = ` +
        `${limits.cluster} allows no more: the next one waits in the queue [TC-MPM].`,
      context,
    };
  }

  /** Forget intervals no later migration can overlap: every migration still to be reported was requested after the horizon. */
  private prune(): void {
    if (!this.intervals.length) return;
    let horizon = this.lastT;
    for (const { op } of this.invokes.values()) if (op.t < horizon) horizon = op.t;
    this.intervals = this.intervals.filter((i) => i.end > horizon);
  }

  // ── violations ────────────────────────────────────────────────────────────────────────────────────

  /** Keep the first MAX_PER_RULE violations of each rule; count the rest. */
  private report(v: Violation): Violation | undefined {
    const seen = this.perRule.get(v.rule);
    if (seen && seen.kept >= MAX_PER_RULE) {
      seen.more++;
      return undefined;
    }
    if (seen) seen.kept++;
    else this.perRule.set(v.rule, { first: v, more: 0, kept: 1 });
    this.violations.push(v);
    return v;
  }
}

/** The setting a state's deadline names (`meta.within`); undefined = the machine's own (the whole migration). */
function withinOf(state: string | undefined): string | undefined {
  const node = state === undefined ? liveMigration.root : liveMigration.root.states[state];
  return (node?.meta as { within?: string } | undefined)?.within;
}

export type { Migration };

/** What an event on a VM is measured from: the end of its last migration, or its start when the event came before the end. */
function sinceMigration(last: { via: string; startedAt?: number; endedAt: number }, t: number): { what: string; t: number } {
  return t >= last.endedAt ? { what: `the end of ${last.via}`, t: last.endedAt } : { what: last.via, t: last.startedAt ?? last.endedAt };
}
