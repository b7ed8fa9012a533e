import { models, resolveSettings, type Model, type Settings } from '../../machines/index.js';
import type { HeaderRecord, NodeObservation, ObserveRecord, OpRecord, TraceRecord, VmObservation } from '../trace/records.js';
import type { ReadRecord } from '../trace/reader.js';
import { nodeClass, vmClass } from './classify.js';
import { coverageKey, declaredTransitions } from './coverage.js';
import {
  advance,
  apply,
  entityKey,
  forceEntity,
  leafState,
  ownerMoves,
  startEntity,
  topState,
  type EntityState,
  type Env,
  type Step,
} from './entity.js';
import { explain } from './explain-violation.js';
import { worstVerdict, type CheckResult, type QuotedLine, type TransitionCoverage, type Violation } from './result.js';
import { EventRules } from './events.js';
import { stimuliOf, type Stimulus } from './stimuli.js';
import { formatT, seconds } from './time.js';

/** One candidate run of the models that explains everything seen so far. */
interface World {
  entities: ReadonlyMap<string, EntityState>;
  /** Sequence numbers of `info` operations this world assumes happened. */
  infoApplied: readonly number[];
}

/** More candidate worlds than this and the checker says `unknown` rather than guess. */
const MAX_WORLDS = 5000;
const CONTEXT_BEFORE = 3;
const CONTEXT_AFTER = 2;

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
  private readonly invokes = new Map<string, { op: OpRecord; quoted: QuotedLine }>();
  private readonly lastStimulus = new Map<string, { label: string; t: number; lines: QuotedLine[] }>();
  private readonly recent = new Map<string, QuotedLine[]>();
  private readonly awaitingContext: { violation: Violation; entity: string; remaining: number }[] = [];
  private readonly seen = new Map<string, Set<string>>();
  private readonly unchecked = new Set<string>();
  private readonly unobservedSince = new Map<string, string>();
  private readonly infoOps: { seq: number; label: string }[] = [];
  private readonly stats = { records: 0, observations: 0, ops: 0, events: 0, maxWorlds: 1 };
  private tooMany = false;
  private readonly eventRules: EventRules;

  constructor(readonly header: HeaderRecord) {
    this.settings = resolveSettings(header.settings);
    this.tolerance = header.check.toleranceMs;
    this.eventRules = new EventRules(this.settings.EventLogWithin! * 1000);
    const entities = new Map<string, EntityState>();
    for (const node of header.cluster.nodes) {
      entities.set(`node/${node}`, startEntity(models.nodeMembership, { settings: this.settings }, undefined));
    }
    for (const vm of header.cluster.vms) {
      entities.set(
        `vm/${vm.name}`,
        startEntity(
          models.clusteredVm,
          { storage: vm.storage, settings: this.settings, resiliencyPeriod: vm.resiliencyPeriod, version: vm.version },
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
    if (this.tooMany) return;
    const quoted = 'seq' in record ? { seq: record.seq, t: record.t, text } : undefined;
    switch (record.type) {
      case 'op':
        this.stats.ops++;
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
    for (const pending of this.awaitingContext) pending.remaining = 0;
    this.countCoverage();
    const fromEvents = this.eventRules.finish();
    this.violations.push(...fromEvents.violations);
    this.unknowns.push(...fromEvents.unknowns);
    for (const [entity, label] of this.unobservedSince) {
      this.unknowns.push(`${entity} was not observed after ${label}, so its reaction was not checked`);
    }
    for (const info of this.infoOps) {
      if (!this.worlds.some((w) => w.infoApplied.includes(info.seq))) {
        this.unknowns.push(`${info.label} has an unknown outcome and no observation shows that it took effect`);
      }
    }
    if (this.stats.observations === 0) this.unknowns.push('nothing was observed');
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
      this.invokes.set(op.process, { op, quoted });
      return;
    }
    const invoked = this.invokes.get(op.process);
    this.invokes.delete(op.process);
    if (op.phase === 'fail') return;
    const from = invoked?.op.t ?? op.t;
    const lines = invoked ? [invoked.quoted, quoted] : [quoted];
    for (const stimulus of stimuliOf(op)) {
      this.lastStimulus.set(stimulus.entity, { label: stimulus.label, t: op.t, lines });
      this.unobservedSince.set(stimulus.entity, stimulus.label);
      this.seen.set(stimulus.entity, new Set());
      if (op.phase === 'info') this.infoOps.push({ seq: op.seq, label: stimulus.label });
      this.stimulate(stimulus, from, op.t, op.phase === 'info' ? op.seq : undefined);
    }
  }

  private stimulate(stimulus: Stimulus, lo: number, hi: number, infoSeq: number | undefined): void {
    const next: World[] = [];
    for (const world of this.worlds) {
      const es = world.entities.get(stimulus.entity);
      if (!es) continue;
      if (infoSeq !== undefined) next.push(world); // the operation may not have happened
      const env = this.env(world, stimulus.entity);
      for (const s of advance(es, hi, env)) {
        const event = env.decorate ? env.decorate(stimulus.event) : stimulus.event;
        const taken = s.snapshot.can(event as never) ? apply(s, event, Math.max(lo, s.floor), hi) : s;
        const applied = infoSeq === undefined ? world.infoApplied : [...world.infoApplied, infoSeq];
        next.push(this.settle({ ...world, infoApplied: applied }, stimulus.entity, taken, es.steps.length));
      }
    }
    this.setWorlds(next);
  }

  // ── observations ──────────────────────────────────────────────────────────────────────────────────

  private observe(rec: ObserveRecord, quoted: QuotedLine): void {
    const entity = rec.entity;
    if (this.unchecked.has(entity)) return;
    const isVm = entity.startsWith('vm/');
    const cls = isVm ? vmClass(rec.state as VmObservation) : nodeClass(rec.state as NodeObservation);
    const observedOwner = isVm ? (rec.state as VmObservation).OwnerNode : undefined;
    this.unobservedSince.delete(entity);
    const survivors: World[] = [];
    const candidates: { world: World; es: EntityState }[] = [];
    const dropped: EntityState[] = [];
    for (const world of this.worlds) {
      const es = world.entities.get(entity);
      if (!es) {
        this.unchecked.add(entity);
        this.unknowns.push(`${entity} is observed but not part of the cluster described in the header`);
        return;
      }
      for (const s of advance(es, rec.t, this.env(world, entity), dropped)) {
        candidates.push({ world, es: s });
        if (!s.snapshot.hasTag(cls)) continue;
        let owner = s.owner;
        if (isVm) {
          if (owner === undefined) {
            if (!ownerMoves(s.snapshot)) {
              // The VM has settled on a new node after failing over: that node must be Up.
              const node = world.entities.get(`node/${observedOwner}`);
              if (!node?.snapshot.hasTag('Up')) continue;
              owner = observedOwner;
            }
          } else if (owner !== observedOwner) continue;
        }
        survivors.push(this.settle(world, entity, { ...s, owner, floor: rec.t }, es.steps.length, true));
      }
    }
    (this.seen.get(entity) ?? this.seen.set(entity, new Set()).get(entity)!).add(cls);
    this.eventRules.observe(entity, cls, rec.t, quoted);
    if (survivors.length) {
      this.setWorlds(survivors);
    } else {
      this.violate(rec, cls, observedOwner, candidates, dropped);
    }
    this.feedContext(entity, quoted);
  }

  /**
   * Put an entity's new state into a world. A node's changes of top-level state are announced to the VMs
   * it owns as `owner.<state>`; `observed` clears the steps (they are confirmed) after counting them.
   */
  private settle(world: World, entity: string, es: EntityState, stepsBefore: number, observed = false): World {
    const entities = new Map(world.entities);
    const newSteps = es.steps.slice(stepsBefore);
    entities.set(entity, observed ? { ...es, steps: [] } : es);
    if (entity.startsWith('node/')) {
      const node = entity.slice('node/'.length);
      const announcements = newSteps
        .filter((s: Step) => topState(s.from) !== topState(s.to))
        .map((s: Step) => ({ event: { type: `owner.${topState(s.to)}` }, lo: s.lo, hi: s.hi }));
      if (announcements.length) {
        for (const [id, other] of entities) {
          if (id.startsWith('vm/') && other.owner === node) {
            entities.set(id, { ...other, inbox: [...other.inbox, ...announcements] });
          }
        }
      }
    }
    return { ...world, entities };
  }

  /**
   * How an entity's model sees the rest of this world: node events carry the cluster facts the quarantine
   * cap needs (how many other nodes are quarantined right now).
   */
  private env(world: World, entity: string): Env {
    if (!entity.startsWith('node/')) return { tolerance: this.tolerance };
    let quarantined = 0;
    for (const [id, es] of world.entities) {
      if (id !== entity && id.startsWith('node/') && es.snapshot.hasTag('Quarantined')) quarantined++;
    }
    const cluster = { nodes: this.header.cluster.nodes.length, quarantined };
    return { tolerance: this.tolerance, decorate: (event) => ({ ...event, cluster }) };
  }

  private setWorlds(worlds: World[]): void {
    if (worlds.length === 1) {
      this.worlds = worlds;
      return;
    }
    const unique = new Map<string, World>();
    for (const w of worlds) {
      let key = w.infoApplied.join(',');
      for (const es of w.entities.values()) key += '\n' + entityKey(es);
      if (!unique.has(key)) unique.set(key, w);
    }
    this.worlds = [...unique.values()];
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
   * trace (the first surviving world; any of them is a valid explanation), counted once per time taken.
   */
  private countCoverage(): void {
    const world = this.worlds[0];
    if (!world) return;
    const index = new Map<string, TransitionCoverage>();
    for (const entry of this.coverage.values()) index.set(`${entry.from}|${entry.event}|${entry.to}`, entry);
    for (const es of world.entities.values()) {
      for (let h = es.history; h; h = h.previous) {
        if (h.step.event === 'resync') continue;
        const entry = index.get(`${h.step.from}|${h.step.event}|${h.step.to}`);
        if (entry && entry.model === es.model.name) entry.count++;
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
    const forced = forceEntity(base.es, path, t, observedOwner);
    this.worlds = [this.settle(base.world, entity, forced, base.es.steps.length, true)];
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
    for (const pending of this.awaitingContext) {
      if (pending.entity === entity && pending.remaining > 0 && pending.violation.context.at(-1)?.seq !== line.seq) {
        pending.violation.context.push(line);
        pending.remaining--;
      }
    }
  }
}

/** The verdict line's reason for a failure: how many violations, and the first in a few words. */
export function shortReason(violations: readonly Violation[]): string {
  const v = violations[0]!;
  const count = `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  return `${count}; first: ${v.entity} observed ${v.observed} at ${formatT(v.t)}, the model allowed ${v.expected}`;
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
