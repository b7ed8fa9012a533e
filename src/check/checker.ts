import { models, resolveSettings, type Model, type Settings } from '../../machines/index.js';
import type { ClussvcRecovery, HeaderRecord, NodeObservation, ObserveRecord, OpRecord, TraceRecord, VmObservation } from '../trace/records.js';
import type { ReadRecord } from '../trace/reader.js';
import { nodeClass, vmClass } from './classify.js';
import { HostMemoryRule } from './host-memory.js';
import { PlacementRules } from './placement-rules.js';
import { noAutoStartVms } from '../trace/steady-state.js';
import { coverageKey, declaredTransitions } from './coverage.js';
import {
  advance,
  apply,
  can,
  entityKey,
  forceEntity,
  leafState,
  liveMove,
  ownerMoves,
  quietUntil,
  sameEntity,
  seenAt,
  startEntity,
  stepsInOrder,
  topState,
  withMessages,
  withOwner,
  headedTo,
  withoutSteps,
  type EntityState,
  type Env,
} from './entity.js';
import { explain } from './explain-violation.js';
import { worstVerdict, type CheckResult, type QuotedLine, type TransitionCoverage, type Violation } from './result.js';
import { EventRules } from './events.js';
import { MigrationChecker } from './migrations.js';
import { RunOutcomeRules, type RunRules } from './outcome.js';
import { OpenInvokes } from './pairing.js';
import { stimuliOf, type Stimulus } from './stimuli.js';
import { formatT, seconds } from './time.js';

/**
 * One candidate run of the models that explains everything seen so far. Its map is its own (never shared
 * with another world), so a world that goes on as one world is updated in place; a world that branches is copied.
 */
interface World {
  entities: Map<string, EntityState>;
  /** Sequence numbers of `info` operations this world assumes happened. */
  infoApplied: readonly number[];
}

/** More candidate worlds than this and the checker says `unknown` rather than guess. */
const MAX_WORLDS = 5000;
const CONTEXT_BEFORE = 3;
const CONTEXT_AFTER = 2;
/** Up to this many worlds are told apart pairwise (most states shared by reference); more by a key each. */
const PAIRWISE_WORLDS = 16;

/**
 * Trace × models → verdict. Fed one record at a time (the trace is streamed, never loaded whole), it keeps
 * the set of candidate worlds — runs of the models, through unobserved states and within the timing
 * tolerance — that explain every observation so far, and reports a violation when an observation leaves
 * none. After a violation it goes on from what was observed, so one fault does not hide the next.
 */
export class Checker {
  private readonly settings: Settings;
  private readonly tolerance: number;
  private worlds: World[];
  private readonly violations: Violation[] = [];
  private readonly unknowns: string[] = [];
  private readonly coverage = new Map<string, TransitionCoverage>();
  /** Invokes waiting for their completion, paired by the op's id (by process on traces without ids): src/check/pairing.ts. */
  private readonly invokes = new OpenInvokes<{ op: OpRecord; quoted: QuotedLine }>();
  private orphanCompletions = 0;
  private readonly lastStimulus = new Map<string, { label: string; t: number; lines: QuotedLine[] }>();
  private readonly recent = new Map<string, QuotedLine[]>();
  private readonly awaitingContext: { violation: Violation; entity: string; remaining: number }[] = [];
  private readonly seen = new Map<string, Set<string>>();
  private readonly unchecked = new Set<string>();
  private readonly unobservedSince = new Map<string, string>();
  private readonly infoOps: { seq: number; label: string }[] = [];
  /**
   * For each node an administrator drain began on (drain-node, stop-node, restart-node): the VMs it may have moved
   * away — owned by the node, or by no known node, in some candidate run then. A failback to the node moves only
   * those back (sim NodeDrains.movedAway; [PSDOC-RESUME]): asking every VM of the cluster to maybe move made each
   * a branch of its own, 3^10 candidate runs for drain-host's ten VMs polled every 30 s. Forgotten when the node is
   * resumed; a node drained some other way (its quarantine) is failed back to from any VM.
   */
  private readonly drainedFrom = new Map<string, Set<string>>();
  private readonly stats = { records: 0, observations: 0, ops: 0, events: 0, maxWorlds: 1 };
  private tooMany = false;
  private readonly plainEnv: Env;
  private readonly decoratedEvents = new Map<string, { type: string; cluster: { nodes: number; quarantined: number } }>();
  private readonly eventRules: EventRules;
  private readonly migrations: MigrationChecker;
  /** The run's outcome judged from its lines (steady state, abort, reverts): absent when checking the models alone. */
  private readonly outcome: RunOutcomeRules | undefined;

  /** VMs a poll shows on a node fit in its memory (cluster.hostMemoryGB): src/check/host-memory.ts. */
  private readonly hostMemory: HostMemoryRule;
  /** Where a failed-over VM restarts: preferred owners, anti-affinity (src/check/placement-rules.ts). */
  private readonly placement: PlacementRules;

  /** The cluster's VMs, by name (a failed drain's stimuli reach the ones its value does not mention). */
  private readonly vmNames: readonly string[];

  /**
   * `run`: judge the run's outcome from the trace too (src/check/outcome.ts), as every command does through
   * checkTrace; without it only the models are checked (tests of the models on fragments of traces).
   */
  constructor(
    readonly header: HeaderRecord,
    options: { run?: RunRules } = {},
  ) {
    this.outcome = options.run
      ? new RunOutcomeRules(options.run, [...header.cluster.nodes.map((n) => `node/${n}`), ...header.cluster.vms.map((vm) => `vm/${vm.name}`)], noAutoStartVms(header.cluster))
      : undefined;
    this.vmNames = header.cluster.vms.map((vm) => vm.name);
    this.settings = resolveSettings(header.settings);
    this.tolerance = header.check.toleranceMs;
    this.plainEnv = { tolerance: this.tolerance };
    this.eventRules = new EventRules(this.settings.EventLogWithin! * 1000, this.settings.JoinTakesAtLeast! * 1000);
    this.migrations = new MigrationChecker(header, this.settings);
    this.hostMemory = new HostMemoryRule(header);
    this.placement = new PlacementRules(header);
    const entities = new Map<string, EntityState>();
    for (const node of header.cluster.nodes) {
      entities.set(`node/${node}`, startEntity(models.nodeMembership, { settings: nodeSettings(this.settings, header.facts?.nodes[node]?.clussvcRecovery) }, undefined));
    }
    for (const vm of header.cluster.vms) {
      entities.set(
        `vm/${vm.name}`,
        startEntity(
          models.clusteredVm,
          {
            storage: vm.storage,
            settings: this.settings,
            resiliencyPeriod: vm.resiliencyPeriod,
            version: vm.version,
            criticalErrorAction: vm.automaticCriticalErrorAction,
            criticalErrorTimeoutMinutes: vm.automaticCriticalErrorActionTimeout,
            priority: vm.priority,
          },
          vm.owner,
        ),
      );
    }
    this.worlds = [{ entities, infoApplied: [] }];
    for (const model of Object.values(models) as Model[]) {
      for (const t of declaredTransitions(model)) this.coverage.set(coverageKey(t), t);
    }
  }

  feed({ record, text }: ReadRecord): void {
    this.stats.records++;
    this.migrations.feed(record, text); // live migrations against the live-migration model (src/check/migrations.ts)
    const quoted = 'seq' in record ? { seq: record.seq, t: record.t, text } : undefined;
    this.outcome?.feed(record, quoted);
    if (record.type !== 'observe') this.flushPoll();
    if (this.tooMany) return;
    switch (record.type) {
      case 'op':
        this.stats.ops++;
        this.placement.op(record);
        this.op(record, quoted!);
        break;
      case 'observe':
        this.stats.observations++;
        this.quote(record.entity, quoted!);
        this.observe(record, quoted!);
        break;
      case 'event':
        this.stats.events++;
        this.eventRules.event(record, quoted!);
        break;
      default:
        break;
    }
  }

  finish(): CheckResult {
    this.flushPoll();
    for (const pending of this.awaitingContext) pending.remaining = 0;
    this.countCoverage();
    this.migrations.finish(this.violations, this.unknowns, this.coverage.values());
    const fromEvents = this.eventRules.finish();
    this.violations.push(...fromEvents.violations);
    this.unknowns.push(...fromEvents.unknowns);
    for (const [entity, label] of this.unobservedSince) {
      this.unknowns.push(`${entity} was not observed after ${label}, so its reaction was not checked`);
    }
    // An operation of unknown outcome counts as having happened only when no explanation without it is left:
    // if a run of the models where it never happened still explains the trace, nobody knows (Jepsen's `info`).
    for (const info of this.infoOps) {
      if (!this.worlds.every((w) => w.infoApplied.includes(info.seq))) {
        this.unknowns.push(`${info.label} has an unknown outcome and no observation shows that it took effect`);
      }
    }
    if (this.stats.observations === 0) this.unknowns.push('nothing was observed');
    if (this.outcome) {
      const outcome = this.outcome.finish();
      this.violations.push(...outcome.violations);
      this.unknowns.unshift(...outcome.first);
      this.unknowns.push(...outcome.last);
    }
    const verdict = worstVerdict(
      this.violations.length ? 'fail' : 'pass',
      this.unknowns.length ? 'unknown' : 'pass',
    );
    const reason =
      verdict === 'fail'
        ? shortReason(this.violations)
        : verdict === 'unknown'
          ? this.unknowns[0]!
          : `${this.stats.observations} observations of ${this.worlds[0]!.entities.size} entities conform to the models`;
    return {
      verdict,
      reason,
      violations: this.violations,
      unknowns: this.unknowns,
      coverage: [...this.coverage.values()],
      stats: { ...this.stats },
    };
  }

  // ── operations → stimuli ───────────────────────────────────────────────────────────────────────────

  private op(op: OpRecord, quoted: QuotedLine): void {
    if (op.phase === 'invoke') {
      this.invokes.invoke(op, { op, quoted });
      this.noteDrain(op);
      for (const stimulus of this.stimuliOf(op)) if (this.inCluster(stimulus)) this.stimulate(stimulus, op.t, op.t, undefined); // live migrations and drains act from their invoke
      return;
    }
    const { invoked, orphan } = this.invokes.complete(op);
    if (orphan && this.orphanCompletions++ < 5) {
      this.unknowns.push(
        `${op.f} (${op.process}) completed (${op.phase}) at ${formatT(op.t)}, line ${op.seq}, as operation ${op.id}, but no invoke of operation ${op.id} ` +
          'is open in the trace before it (cut out or edited): when it started is not known, so it was checked from its completion alone',
      );
    }
    const from = invoked?.op.t ?? op.t;
    const lines = invoked ? [invoked.quoted, quoted] : [quoted];
    const stimuli = this.stimuliOf(op);
    if (op.f === 'resume-node') this.drainedFrom.delete(String(op.args.node));
    for (const stimulus of stimuli) {
      if (!this.inCluster(stimulus)) continue;
      // a stimulus for one node's VMs is nothing to a VM no candidate run has on that node
      if (stimulus.ownedBy !== undefined && !this.worlds.some((w) => w.entities.get(stimulus.entity)?.owner === stimulus.ownedBy)) continue;
      // A dark host writes no event: the event-log rules do not ask it for its 1673 (src/check/events.ts)
      if (stimulus.event.type === 'host.poweredOff' || stimulus.event.type === 'host.poweredOn') {
        this.eventRules.hostPower(stimulus.entity.slice('node/'.length), stimulus.event.type === 'host.poweredOff', from);
      }
      this.lastStimulus.set(stimulus.entity, { label: stimulus.label, t: op.t, lines });
      this.unobservedSince.set(stimulus.entity, stimulus.label);
      this.seen.set(stimulus.entity, new Set());
      if (op.phase === 'info') this.infoOps.push({ seq: op.seq, label: stimulus.label });
      this.stimulate(stimulus, from, op.t, op.phase === 'info' ? op.seq : undefined);
    }
  }

  /** The operation's stimuli; a failback's only for the VMs the node's drain may have moved away. */
  private stimuliOf(op: OpRecord): Stimulus[] {
    const all = stimuliOf(op, this.vmNames, this.header.cluster);
    return all.filter((s) => s.failbackTo === undefined || (this.drainedFrom.get(s.failbackTo)?.has(s.entity) ?? true));
  }

  /** A drain begins (see `drainedFrom`); any other fault on the node forgets its last one. */
  private noteDrain(op: OpRecord): void {
    const node = op.args.node;
    if (typeof node !== 'string' || op.f === 'resume-node') return;
    if (op.f !== 'drain-node' && op.f !== 'stop-node' && op.f !== 'restart-node') {
      this.drainedFrom.delete(node);
      return;
    }
    // A restart or stop of a node already drained adds to what its drain took (a rolling restart: drain, restart, resume)
    const vms = new Set<string>(this.drainedFrom.get(node));
    for (const world of this.worlds) {
      for (const [id, es] of world.entities) if (id.startsWith('vm/') && (es.owner === node || es.owner === undefined)) vms.add(id);
    }
    this.drainedFrom.set(node, vms);
  }

  /**
   * Whether the stimulus is for an entity of the cluster the header describes. An operation on a node or VM
   * outside it (an edited trace: the runner refuses such a fault before it is sent) cannot be checked: unknown.
   */
  private inCluster(stimulus: Stimulus): boolean {
    if (this.worlds[0]?.entities.has(stimulus.entity)) return true;
    if (!this.unchecked.has(stimulus.entity)) {
      this.unchecked.add(stimulus.entity);
      this.unknowns.push(`${stimulus.label} acts on ${stimulus.entity}, which is not part of the cluster described in the header; it was not checked`);
    }
    return false;
  }

  private stimulate(stimulus: Stimulus, lo: number, hi: number, infoSeq: number | undefined): void {
    const next: World[] = [];
    for (const world of this.worlds) {
      const es = world.entities.get(stimulus.entity);
      if (!es) {
        next.push(world);
        continue;
      }
      if (infoSeq !== undefined) next.push(world); // the operation may not have happened
      const env = this.env(world, stimulus.entity);
      const reached = advance(es, hi, env);
      const inPlace = infoSeq === undefined && reached.length === 1;
      for (const s of reached) {
        const event = env.decorate ? env.decorate(stimulus.event) : stimulus.event;
        // a stimulus for the VMs of one node (a drain that completed) leaves the others as they are
        const mine = stimulus.ownedBy === undefined || s.owner === stimulus.ownedBy;
        const moved = mine && can(s, event) ? apply(s, event, Math.max(lo, s.floor), hi) : s;
        // A failed migration leaves the VM on its source: the one the stimulus names, else the node it switched over
        // from, if it did (a failback's "not moved back": the run's value says nothing moved, so a VM seen elsewhere did
        // move, and is a violation there)
        const source = stimulus.owner ?? (stimulus.event.type === 'migration.failed' && s.owner === undefined ? s.leftOwner : undefined);
        const placed = source !== undefined && moved !== s ? withOwner(moved, source) : moved;
        const taken = stimulus.to !== undefined && moved !== s ? headedTo(placed, stimulus.to) : placed;
        const applied = infoSeq === undefined ? world.infoApplied : [...world.infoApplied, infoSeq];
        next.push(this.settle(inPlace ? world : { ...world, infoApplied: applied }, stimulus.entity, taken, inPlace));
      }
    }
    this.setWorlds(next);
  }

  // ── observations ──────────────────────────────────────────────────────────────────────────────────

  /**
   * The observations of one poll (consecutive lines of one `t`) are one look at the cluster: the order of their
   * lines says nothing. They are checked nodes first, then VMs, so that what a VM may show (its owner's change,
   * the node it may start on) is judged against its owner as seen in the same poll whatever the line order.
   * A poll ends at a line of another `t` or at any other record.
   */
  private readonly poll: { rec: ObserveRecord; quoted: QuotedLine }[] = [];

  private observe(rec: ObserveRecord, quoted: QuotedLine): void {
    if (this.poll.length && this.poll[0]!.rec.t !== rec.t) this.flushPoll();
    this.poll.push({ rec, quoted });
  }

  private flushPoll(): void {
    if (!this.poll.length) return;
    const batch = this.poll.splice(0);
    this.violations.push(...this.hostMemory.poll(batch), ...this.placement.poll(batch));
    for (const vms of [false, true]) {
      for (const { rec, quoted } of batch) {
        if (this.tooMany) return;
        if (rec.entity.startsWith('vm/') === vms) this.observeNow(rec, quoted);
      }
    }
  }

  private observeNow(rec: ObserveRecord, quoted: QuotedLine): void {
    const entity = rec.entity;
    if (this.unchecked.has(entity)) return;
    const isVm = entity.startsWith('vm/');
    const cls = isVm ? vmClass(rec.state as VmObservation) : nodeClass(rec.state as NodeObservation);
    const observedOwner = isVm ? (rec.state as VmObservation).OwnerNode : undefined;
    this.unobservedSince.delete(entity);
    if (this.worlds.length === 1 && this.confirm(this.worlds[0]!, entity, cls, observedOwner, rec.t)) {
      this.observed(entity, cls, rec.t, quoted);
      this.feedContext(entity, quoted);
      return;
    }
    if (this.worlds.some((world) => !world.entities.has(entity))) {
      this.unchecked.add(entity);
      this.unknowns.push(`${entity} is observed but not part of the cluster described in the header`);
      return;
    }
    const candidates: { world: World; es: EntityState }[] = [];
    const dropped: EntityState[] = [];
    const explainedIn = (worlds: readonly World[], candidates: { world: World; es: EntityState }[], dropped: EntityState[]): World[] => {
      const survivors: World[] = [];
      const kept: EntityState[] = [];
      for (const world of worlds) {
        kept.length = 0;
        for (const s of advance(world.entities.get(entity)!, rec.t, this.env(world, entity), dropped)) {
          candidates.push({ world, es: s });
          if (!s.snapshot.hasTag(cls)) continue;
          const owner = isVm ? placedOn(world, s, cls, observedOwner) : s.owner;
          if (owner === false) continue;
          kept.push(seenAt(s, owner, rec.t));
        }
        // A world that goes on as one world is updated in place (no violation can need it as it was: it survives).
        for (const s of kept) survivors.push(this.settle(world, entity, s, kept.length === 1));
      }
      return survivors;
    };
    let survivors = explainedIn(this.worlds, candidates, dropped);
    // A VM may react to its node's change before the node is seen in it: on a real cluster a poll reads the nodes
    // a moment before the VMs (parse.ts vmsT). Only when nothing else explains the VM: its owner and the node it
    // is seen on may have moved on by themselves since they were last observed (their next observation checks it).
    if (!survivors.length && isVm) survivors = explainedIn(this.nodesMovedOn(entity, observedOwner, rec.t), [], []);
    if (survivors.length) {
      this.observed(entity, cls, rec.t, quoted);
      this.setWorlds(survivors);
    } else {
      this.observed(entity, cls, rec.t, quoted);
      this.violate(rec, cls, observedOwner, candidates, dropped);
    }
    this.feedContext(entity, quoted);
  }

  /**
   * The worlds with the VM's owner node and the node it is seen on (`observedOwner`) moved on by themselves up to
   * `t` (spontaneous events and timers of the node model, each candidate a world), their changes announced to
   * the VMs they own. Worlds where neither can move are left out (they were tried already).
   */
  private nodesMovedOn(entity: string, observedOwner: string | undefined, t: number): World[] {
    const out: World[] = [];
    for (const world of this.worlds) {
      const owner = world.entities.get(entity)?.owner;
      let branch: World[] = [world];
      for (const node of new Set([owner, observedOwner])) {
        const id = `node/${node}`;
        if (node === undefined || !world.entities.has(id)) continue;
        const next: World[] = [];
        for (const w of branch) {
          const es = w.entities.get(id)!;
          for (const s of advance(es, t, this.env(w, id))) if (s !== es && s.steps) next.push(this.settle(w, id, s, false));
        }
        branch = branch.concat(next);
      }
      out.push(...branch.filter((w) => w !== world));
    }
    return out;
  }

  /**
   * The common case of a long run, on its own path: one world, and the entity, with nothing that can happen
   * to it by now, is still in a state the observation shows (what `observe` concludes then, without its lists).
   */
  private confirm(world: World, entity: string, cls: string, observedOwner: string | undefined, t: number): boolean {
    const es = world.entities.get(entity);
    if (!es || !quietUntil(es, t, this.tolerance) || !es.snapshot.hasTag(cls)) return false;
    const owner = entity.startsWith('vm/') ? placedOn(world, es, cls, observedOwner) : es.owner;
    if (owner === false) return false;
    this.settle(world, entity, seenAt(es, owner, t), true);
    return true;
  }

  /** What every observation of an entity is remembered for: what it was seen as since its stimulus, the event-log rules. */
  private observed(entity: string, cls: string, t: number, quoted: QuotedLine): void {
    let seen = this.seen.get(entity);
    if (!seen) this.seen.set(entity, (seen = new Set()));
    seen.add(cls);
    this.eventRules.observe(entity, cls, t, quoted);
  }

  /**
   * Put an entity's new state into a world: into a copy, or `inPlace` into the world itself when it does not
   * branch. A node's changes of top-level state since it was last put into its world are announced to the VMs
   * it owns as `owner.<state>`; the steps are then cleared.
   */
  private settle(world: World, entity: string, es: EntityState, inPlace: boolean): World {
    const entities = inPlace ? world.entities : new Map(world.entities);
    entities.set(entity, withoutSteps(es));
    if (es.steps && entity.startsWith('node/')) {
      const node = entity.slice('node/'.length);
      const announcements = stepsInOrder(es.steps)
        .filter((s) => topState(s.from) !== topState(s.to))
        .map((s) => ({ event: { type: `owner.${topState(s.to)}` }, lo: s.lo, hi: s.hi }));
      if (announcements.length) {
        for (const [id, other] of entities) {
          if (id.startsWith('vm/') && other.owner === node) {
            entities.set(id, withMessages(other, announcements));
          }
        }
      }
    }
    return inPlace ? world : { ...world, entities };
  }

  /**
   * How an entity's model sees the rest of this world: node events carry the cluster facts the quarantine
   * cap needs (how many other nodes are quarantined right now).
   */
  private env(world: World, entity: string): Env {
    if (!entity.startsWith('node/')) return this.plainEnv;
    // Counted when first needed (most observations need no event); no other node changes in the meantime.
    let cluster: { nodes: number; quarantined: number } | undefined;
    const facts = (): { nodes: number; quarantined: number } => {
      if (cluster) return cluster;
      let quarantined = 0;
      for (const [id, es] of world.entities) {
        if (id !== entity && id.startsWith('node/') && es.snapshot.hasTag('Quarantined')) quarantined++;
      }
      return (cluster = { nodes: this.header.cluster.nodes.length, quarantined });
    };
    return { tolerance: this.tolerance, decorate: (event) => this.decorated(event, facts()) };
  }

  /** Node events with the cluster facts; plain events are made once per type and facts (the models cache per event). */
  private decorated(event: { type: string }, cluster: { nodes: number; quarantined: number }): { type: string } {
    for (const field in event) if (field !== 'type') return { ...event, cluster } as { type: string };
    const key = `${event.type}|${cluster.nodes}|${cluster.quarantined}`;
    let out = this.decoratedEvents.get(key);
    if (!out) {
      out = { type: event.type, cluster };
      this.decoratedEvents.set(key, out);
    }
    return out;
  }

  private setWorlds(worlds: World[]): void {
    if (worlds.length === 1) {
      this.worlds = worlds;
      return;
    }
    if (worlds.length <= PAIRWISE_WORLDS) {
      const unique: World[] = [];
      for (const w of worlds) if (!unique.some((u) => sameWorld(u, w))) unique.push(w);
      this.worlds = unique;
    } else {
      const unique = new Map<string, World>();
      for (const w of worlds) {
        let key = w.infoApplied.join(',');
        for (const es of w.entities.values()) key += '\n' + entityKey(es);
        if (!unique.has(key)) unique.set(key, w);
      }
      this.worlds = [...unique.values()];
    }
    this.stats.maxWorlds = Math.max(this.stats.maxWorlds, this.worlds.length);
    if (this.worlds.length > MAX_WORLDS) {
      this.tooMany = true;
      this.unknowns.push(
        `more than ${MAX_WORLDS} candidate runs of the models explain the trace; the checker stopped rather than guess`,
      );
    }
  }

  /**
   * Which model transitions the run exercised: those taken by a run of the models that explains the whole
   * trace (the first surviving world; any of them is a valid explanation), counted once per time taken. Each
   * candidate run counts as it goes (`EntityState.counts`), so nothing of the run's history is kept.
   */
  private countCoverage(): void {
    const world = this.worlds[0];
    if (!world) return;
    // A transition is credited to the entry its `from|event|to` names (the last model's, should two models share one).
    const index = new Map<string, TransitionCoverage>();
    for (const entry of this.coverage.values()) index.set(`${entry.from}|${entry.event}|${entry.to}`, entry);
    for (const es of world.entities.values()) {
      const declared = declaredOf(es.model);
      for (let i = 0; i < es.counts.length; i++) {
        if (es.counts[i] === 0) continue;
        const t = declared[i]!;
        const entry = index.get(`${t.from}|${t.event}|${t.to}`);
        if (entry && entry.model === es.model.name) entry.count += es.counts[i]!;
      }
    }
  }

  // ── violations ────────────────────────────────────────────────────────────────────────────────────

  private violate(
    rec: ObserveRecord,
    cls: string,
    observedOwner: string | undefined,
    candidates: { world: World; es: EntityState }[],
    dropped: EntityState[],
  ): void {
    const entity = rec.entity;
    const name = entity.slice(entity.indexOf('/') + 1);
    const stimulusEntity = entity.startsWith('vm/') ? this.ownerNode(entity) : undefined;
    const stimulus = this.lastStimulus.get(entity) ?? (stimulusEntity ? this.lastStimulus.get(stimulusEntity) : undefined);
    const since = stimulus ? { what: stimulus.label, t: stimulus.t } : undefined;
    const at = `at ${formatT(rec.t)}${since ? `, ${seconds(rec.t - since.t)} after ${since.what}` : ''}`;

    const { expected, observed, setting, explanation } = explain({
      name,
      cls,
      observedOwner,
      candidates: candidates.map((c) => c.es),
      dropped,
      t: rec.t,
      tolerance: this.tolerance,
      settings: this.settings,
      seen: this.seen.get(entity),
    });
    const violation: Violation = {
      rule: entity.startsWith('vm/') ? 'clustered-vm' : 'node-membership',
      entity,
      expected,
      observed,
      t: rec.t,
      since,
      setting,
      message: `${entity} was observed ${observed} ${at}; the model allowed ${expected} then.${explanation}`,
      context: [...(stimulus?.lines ?? []), ...(this.recent.get(entity) ?? []).slice(-CONTEXT_BEFORE - 1)],
    };
    this.violations.push(violation);
    this.awaitingContext.push({ violation, entity, remaining: CONTEXT_AFTER });
    this.resync(entity, cls, observedOwner, candidates, rec.t);
  }

  /** Go on from what was observed: the entity is put in a model state with the observed tag. */
  private resync(
    entity: string,
    cls: string,
    observedOwner: string | undefined,
    candidates: { world: World; es: EntityState }[],
    t: number,
  ): void {
    const base = candidates[0] ?? { world: this.worlds[0]!, es: this.worlds[0]!.entities.get(entity)! };
    const path = stateWithTag(base.es, cls);
    if (!path) {
      this.unchecked.add(entity);
      this.unknowns.push(`${entity} was observed ${cls}, which no model state allows; it was not checked after ${formatT(t)}`);
      return;
    }
    // Only the jump itself is announced to the VMs, not the steps of the candidate run that was rejected.
    const forced = forceEntity(withoutSteps(base.es), path, t, observedOwner);
    this.worlds = [this.settle(base.world, entity, forced, false)];
  }

  private ownerNode(vmEntity: string): string | undefined {
    const owner = this.worlds[0]?.entities.get(vmEntity)?.owner;
    return owner ? `node/${owner}` : undefined;
  }

  // ── evidence ──────────────────────────────────────────────────────────────────────────────────────

  private quote(entity: string, line: QuotedLine): void {
    const lines = this.recent.get(entity) ?? [];
    lines.push(line);
    if (lines.length > CONTEXT_BEFORE + 1) lines.shift();
    this.recent.set(entity, lines);
  }

  private feedContext(entity: string, line: QuotedLine): void {
    if (this.awaitingContext.length === 0) return;
    let done = 0;
    for (const pending of this.awaitingContext) {
      if (pending.entity === entity && pending.remaining > 0 && pending.violation.context.at(-1)?.seq !== line.seq) {
        pending.violation.context.push(line);
        pending.remaining--;
      }
      if (pending.remaining === 0) done++;
    }
    // Violations with all their lines after them need nothing more: the list stays as short as the open ones.
    if (done) {
      const open = this.awaitingContext.filter((p) => p.remaining > 0);
      this.awaitingContext.length = 0;
      this.awaitingContext.push(...open);
    }
  }
}

/**
 * Where a VM in candidate state `es`, observed `cls` on `observedOwner`, may be: its owner from then on, or
 * false when it cannot be on that node in this world. Checked at every observation, not only once it settles:
 * - while its owner is known (on its node, or on the source of a live move in progress) it is on that node;
 * - failing over (ownerMoves, not a live move): the group may still name its old owner while Offline, but a VM
 *   Starting (or anything but Offline) is being brought online by placement, which picks only nodes that are Up
 *   with their cluster service running [EVT] 1682, [AFINN-17525]: that node must be Up in this world at the
 *   observation (the nodes of a poll are observed before its VMs), its owner still free to change;
 * - during an operation's live migration (ownerMoves, live) on its source or its target;
 * - settled on a new node after failing over or moving: that node must be Up, and owns it from then on.
 */
function placedOn(world: World, es: EntityState, cls: string, observedOwner: string | undefined): string | undefined | false {
  const owner = es.owner;
  if (owner !== undefined) return owner === observedOwner ? owner : false;
  // A VM that live-migrated away is not seen on the node it left (a migration ends on another node)
  if (es.leftOwner !== undefined && es.leftOwner === observedOwner) return false;
  const up = world.entities.get(`node/${observedOwner}`)?.snapshot.hasTag('Up') === true;
  if (ownerMoves(es.snapshot)) return liveMove(es.snapshot) || cls === 'Offline' || up ? undefined : false;
  return up ? observedOwner : false;
}

/**
 * A node's settings: the run's, with clussvc's recovery as the node's own FailureActions say where the target read
 * them (the PowerShell target's header facts, [MS-SCMR] 2.2.40): the reset period, and whether the first, second
 * and later failures restart the service (the last action repeats; none at all: never restarted). The settings'
 * ClussvcFirstFailureAction … are then only the simulator's assumption; a node's own registry value wins.
 */
export function nodeSettings(settings: Settings, recovery: ClussvcRecovery | undefined): Settings {
  if (!recovery) return settings;
  const action = (n: number): number => {
    const a = recovery.actions[Math.min(n, recovery.actions.length) - 1];
    return a?.type === 'restart' ? 1 : 0;
  };
  return {
    ...settings,
    ClussvcResetPeriod: recovery.resetPeriodS,
    ClussvcFirstFailureAction: action(1),
    ClussvcSecondFailureAction: action(2),
    ClussvcSubsequentFailureAction: action(3),
  };
}

/** The verdict line's reason for a failure: how many violations, and the first in a few words. */
export function shortReason(violations: readonly Violation[]): string {
  const v = violations[0]!;
  const count = `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  return `${count}; first: ${v.entity} observed ${v.observed} at ${formatT(v.t)}, the model allowed ${v.expected}`;
}

/** Two candidate worlds that explain the trace the same way (as far as what happens next goes). */
function sameWorld(a: World, b: World): boolean {
  if (a.infoApplied.length !== b.infoApplied.length || a.entities.size !== b.entities.size) return false;
  for (let i = 0; i < a.infoApplied.length; i++) if (a.infoApplied[i] !== b.infoApplied[i]) return false;
  for (const [id, x] of a.entities) {
    const y = b.entities.get(id);
    if (y === undefined || !sameEntity(x, y)) return false;
  }
  return true;
}

const declaredLists = new WeakMap<Model, TransitionCoverage[]>();
function declaredOf(model: Model): TransitionCoverage[] {
  let list = declaredLists.get(model);
  if (!list) declaredLists.set(model, (list = declaredTransitions(model)));
  return list;
}

/** A leaf state of the entity's model tagged `tag`: the one named like the tag if there is one (Down, not Released). */
function stateWithTag(es: EntityState, tag: string): string | undefined {
  const machine = es.model.machine;
  const found: string[] = [];
  const search = (node: { id: string; tags: Iterable<string>; states: Record<string, unknown> }): void => {
    const children = Object.values(node.states) as (typeof node)[];
    if (!children.length && [...node.tags].includes(tag)) found.push(node.id.slice(machine.id.length + 1));
    for (const child of children) search(child);
  };
  search(machine.root as never);
  return found.find((path) => leafState(path) === tag) ?? found[0];
}

export type { TraceRecord };
