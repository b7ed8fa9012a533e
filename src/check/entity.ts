import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Model } from '../../machines/index.js';
import { transitionIndex } from './coverage.js';

/**
 * One entity's model state in one candidate world, with what is known about *when* things happened.
 *
 * Observation is partial, so the checker keeps time as intervals: `lo..hi` is when the current state may
 * have been entered; every pending timer (an XState `after` delay) keeps the interval its clock started in
 * and may fire within `[lo + delay − tolerance, hi + delay + tolerance]`. Everything here is immutable:
 * branching a world copies references, never state.
 *
 * The checker takes the same few transitions millions of times in a long trace, so a transition is computed
 * once per (state, context, event) and its result shared: snapshots are interned (equal snapshots are one
 * object), and what is derived from a snapshot (its path, context key, the events it reacts to) is cached on it.
 */

export interface Timer {
  id: string;
  event: string;
  /** The delay's name in the model, which is the setting it comes from (e.g. ResiliencyDefaultPeriod). */
  delayName: string;
  delay: number;
  lo: number;
  hi: number;
  /** `id:lo:hi`, what tells two timers apart (part of an entity's key). */
  key: string;
}

export interface Message {
  event: { type: string };
  lo: number;
  hi: number;
}

/** A transition taken in a candidate run, with the interval it happened in. */
export interface Step {
  from: string;
  to: string;
  event: string;
  lo: number;
  hi: number;
}

export interface EntityState {
  readonly model: Model;
  readonly snapshot: AnyMachineSnapshot;
  readonly timers: readonly Timer[];
  readonly lo: number;
  readonly hi: number;
  /** No transition of this entity can be placed before this time (it was seen in its state then). */
  readonly floor: number;
  /** VMs: the owner node, or undefined while ownership is moving (failover). */
  readonly owner: string | undefined;
  /**
   * VMs whose owner is undefined because they live-migrated away (`meta.leavesOwnerOn`, or a live move): the node
   * they left. A live migration ends on another node, so the next observation must not show the VM on it. (Without
   * this, a VM that did not move was also explained as "migrated to the node it was already on", and every VM of a
   * failback doubled the candidate runs: 2^10 of them for drain-host's ten VMs.)
   */
  readonly leftOwner: string | undefined;
  /**
   * VMs in a live migration whose target is known (live-migrate's `to`, a failback's node): where the switch-over
   * puts the VM. A failback that lands a VM on a third node is then seen as such (defect owner-moved-elsewhere,
   * rehearsed: the PowerShell target reports only the VMs that came back).
   */
  readonly headedTo: string | undefined;
  /** Events from other entities (the owner node's changes), not yet delivered. */
  readonly inbox: readonly Message[];
  /** Transitions taken since the entity was last put into its world (newest first); the world clears them. */
  readonly steps: Steps | undefined;
  /**
   * How many times this candidate run took each of its model's declared transitions (indexed as
   * `transitionIndex(model)`): coverage counted as the run goes, in memory that does not grow with the trace.
   * Shared between states until a counted transition is taken (copy on write).
   */
  readonly counts: readonly number[];
}

/**
 * Entity states are made here only, always with the same fields in the same order: V8 then keeps one shape
 * for them all, and making one (millions of times in a long trace) is a plain allocation, not a copy by spread.
 */
function entityState(
  model: Model,
  snapshot: AnyMachineSnapshot,
  timers: readonly Timer[],
  lo: number,
  hi: number,
  floor: number,
  owner: string | undefined,
  leftOwner: string | undefined,
  headedTo: string | undefined,
  inbox: readonly Message[],
  steps: Steps | undefined,
  counts: readonly number[],
): EntityState {
  return { model, snapshot, timers, lo, hi, floor, owner, leftOwner: owner === undefined ? leftOwner : undefined, headedTo, inbox, steps, counts };
}

/** The entity as observed at `t` on `owner`: no transition of it can be placed before then. */
export function seenAt(es: EntityState, owner: string | undefined, t: number): EntityState {
  return entityState(es.model, es.snapshot, es.timers, es.lo, es.hi, t, owner, es.leftOwner, es.headedTo, es.inbox, es.steps, es.counts);
}

/** The entity with its owner changed (a failed live migration leaves the VM on its source). */
export function withOwner(es: EntityState, owner: string | undefined): EntityState {
  return entityState(es.model, es.snapshot, es.timers, es.lo, es.hi, es.floor, owner, es.leftOwner, es.headedTo, es.inbox, es.steps, es.counts);
}

/** A VM whose live migration, just requested, ends on `node`. */
export function headedTo(es: EntityState, node: string): EntityState {
  return entityState(es.model, es.snapshot, es.timers, es.lo, es.hi, es.floor, es.owner, es.leftOwner, node, es.inbox, es.steps, es.counts);
}

/** The entity with `messages` added to its inbox. */
export function withMessages(es: EntityState, messages: readonly Message[]): EntityState {
  return entityState(es.model, es.snapshot, es.timers, es.lo, es.hi, es.floor, es.owner, es.leftOwner, es.headedTo, [...es.inbox, ...messages], es.steps, es.counts);
}

/** The entity once its world has taken note of its steps. */
export function withoutSteps(es: EntityState): EntityState {
  return es.steps ? entityState(es.model, es.snapshot, es.timers, es.lo, es.hi, es.floor, es.owner, es.leftOwner, es.headedTo, es.inbox, undefined, es.counts) : es;
}

/** An immutable list of transitions, newest first. */
export interface Steps {
  readonly step: Step;
  readonly previous: Steps | undefined;
}

/** The steps of a list, oldest first. */
export function stepsInOrder(steps: Steps | undefined): Step[] {
  const out: Step[] = [];
  for (let s = steps; s; s = s.previous) out.push(s.step);
  return out.reverse();
}

const MAX_DEPTH = 8;
const AFTER_PREFIX = 'xstate.after.';

// ── what is known about a snapshot, computed once ───────────────────────────────────────────────────

interface Derived {
  path?: string;
  context?: string;
  ownerMoves?: boolean;
  dwell?: number;
  reactsTo?: readonly string[];
  /** Event key → what the event does to the snapshot. */
  next?: Map<string, Reaction>;
}

/** A transition computed once: the interned next snapshot, its actions and how it is named in coverage. */
interface Taken {
  next: AnyMachineSnapshot;
  actions: readonly { type: string; params?: unknown }[];
  from: string;
  to: string;
  label: string;
  /** Index in the model's declared transitions, or -1 when it is not one (not counted). */
  index: number;
}

/** What an event does to a snapshot: whether the state handles it (XState's `can`), and the transition once taken. */
interface Reaction {
  handled: boolean;
  taken?: Taken;
}

const derived = new WeakMap<AnyMachineSnapshot, Derived>();

function derive(snapshot: AnyMachineSnapshot): Derived {
  let d = derived.get(snapshot);
  if (!d) derived.set(snapshot, (d = {}));
  return d;
}

export function statePath(snapshot: AnyMachineSnapshot): string {
  const d = derive(snapshot);
  if (d.path !== undefined) return d.path;
  let value: unknown = snapshot.value;
  const parts: string[] = [];
  while (typeof value === 'object' && value !== null) {
    const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!;
    parts.push(key);
    value = inner;
  }
  parts.push(String(value));
  return (d.path = parts.join('.'));
}

/** Distinct objects (the settings a context refers to) as small numbers, for keys. */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

/** Snapshots by machine and (value, context): equal snapshots are one object, so what is cached on one is found again. */
const interned = new WeakMap<AnyStateMachine, Map<string, AnyMachineSnapshot>>();
/** Bounds the intern table of a machine (contexts with counters could make it grow); past it, it starts again. */
const MAX_INTERNED = 10_000;

function intern(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): AnyMachineSnapshot {
  // Only plain active snapshots: one with history states or children is not described by its value and context.
  const history = (snapshot as { historyValue?: object }).historyValue;
  if (snapshot.status !== 'active' || (history && Object.keys(history).length) || Object.keys(snapshot.children).length) return snapshot;
  let table = interned.get(machine);
  if (!table) interned.set(machine, (table = new Map()));
  const settings = (snapshot.context as { settings?: unknown } | undefined)?.settings;
  const value = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
  const key = `${value}|${contextKey(snapshot)}|${typeof settings === 'object' && settings !== null ? objectId(settings) : ''}`;
  const found = table.get(key);
  if (found) return found;
  if (table.size >= MAX_INTERNED) table.clear();
  table.set(key, snapshot);
  return snapshot;
}

const eventKeys = new WeakMap<object, string>();

/** What tells events apart: the type, or the whole event when it carries more (computed once per event object). */
function eventKey(event: { type: string }): string {
  let key = eventKeys.get(event);
  if (key === undefined) {
    key = event.type;
    for (const field in event) {
      if (field !== 'type') {
        key = JSON.stringify(event);
        break;
      }
    }
    eventKeys.set(event, key);
  }
  return key;
}

/**
 * What `event` does to `snapshot`. The models are pure (guards and assignments read only the context and
 * the event), so it depends only on the state, the context and the event, and is computed once.
 */
function reaction(snapshot: AnyMachineSnapshot, event: { type: string }): Reaction {
  const d = derive(snapshot);
  const cache = (d.next ??= new Map());
  const key = eventKey(event);
  let r = cache.get(key);
  if (!r) {
    r = { handled: snapshot.can(event as never) };
    if (cache.size >= 256) cache.clear();
    cache.set(key, r);
  }
  return r;
}

function take(model: Model, snapshot: AnyMachineSnapshot, event: { type: string }): Taken {
  const r = reaction(snapshot, event);
  if (!r.taken) {
    const machine = model.machine;
    const [raw, actions] = transition(machine, snapshot, event as never);
    const next = intern(machine, raw);
    const from = statePath(snapshot);
    const to = statePath(next);
    const label = eventLabel(event.type, machine.id);
    r.taken = { next, actions: actions as Taken['actions'], from, to, label, index: transitionIndex(model).get(`${from}|${label}|${to}`) ?? -1 };
  }
  return r.taken;
}

/** Whether the entity's current state handles `event` (guards included): XState's `snapshot.can`, cached. */
export function can(es: EntityState, event: { type: string }): boolean {
  return reaction(es.snapshot, event).handled;
}

export function topState(path: string): string {
  return path.split('.')[0]!;
}

export function leafState(path: string): string {
  const parts = path.split('.');
  return parts[parts.length - 1]!;
}

/** `xstate.after.ResiliencyDefaultPeriod.node-membership.Isolated` → `ResiliencyDefaultPeriod`. */
export function delayNameOf(eventType: string, machineId: string): string | undefined {
  if (!eventType.startsWith(AFTER_PREFIX)) return undefined;
  const rest = eventType.slice(AFTER_PREFIX.length);
  const end = rest.indexOf(`.${machineId}.`);
  return end < 0 ? rest : rest.slice(0, end);
}

/** How a person names an event: timers by their delay. */
export function eventLabel(eventType: string, machineId: string): string {
  const delay = delayNameOf(eventType, machineId);
  return delay === undefined ? eventType : `after ${delay}`;
}

export function ownerMoves(snapshot: AnyMachineSnapshot): boolean {
  const d = derive(snapshot);
  d.ownerMoves ??= Object.values(snapshot.getMeta() as Record<string, { ownerMoves?: boolean } | undefined>).some(
    (m) => m?.ownerMoves === true,
  );
  return d.ownerMoves;
}

/**
 * Whether taking `eventType` from this state moves the VM off its known owner (`meta.leavesOwnerOn`): a VM drained
 * from its node is owned by that node until its move completes, then runs on a node the next observation names.
 */
function leavesOwner(snapshot: AnyMachineSnapshot, eventType: string): boolean {
  return Object.values(snapshot.getMeta() as Record<string, { leavesOwnerOn?: readonly string[] } | undefined>).some(
    (m) => m?.leavesOwnerOn?.includes(eventType) === true,
  );
}

/** Whether the state is a live move (`meta.live`): the VM keeps running while its owner changes, never offline. */
export function liveMove(snapshot: AnyMachineSnapshot): boolean {
  return Object.values(snapshot.getMeta() as Record<string, { live?: boolean } | undefined>).some((m) => m?.live === true);
}

interface RaiseParams {
  event: { type: string };
  id: string;
  delay?: number;
}

/** Timers after `actions` ran: delayed raises start in [lo, hi], cancels remove theirs. */
function withTimers(
  timers: readonly Timer[],
  actions: readonly { type: string; params?: unknown }[],
  machineId: string,
  lo: number,
  hi: number,
): readonly Timer[] {
  let out = timers;
  for (const action of actions) {
    if (action.type === 'xstate.cancel') {
      const sendId = (action.params as { sendId: string }).sendId;
      out = out.filter((t) => t.id !== sendId);
    } else if (action.type === 'xstate.raise') {
      const p = action.params as RaiseParams;
      if (typeof p.delay === 'number') {
        // A delayed raise without an id (e.g. an exit that stops counting an hour later) is named by its event and start.
        const id = p.id ?? `${p.event.type}@${lo}`;
        const delayName = delayNameOf(p.event.type, machineId) ?? p.event.type;
        out = [...out, { id, event: p.event.type, delayName, delay: p.delay, lo, hi, key: `${id}:${lo}:${hi}` }];
      }
    }
  }
  return out;
}

/** An entity at the start of a run, in its model's initial state. */
export function startEntity(model: Model, input: unknown, owner: string | undefined, t = 0): EntityState {
  const [snapshot, actions] = initialTransition(model.machine, input);
  const timers = withTimers([], actions as never, model.machine.id, t, t);
  return entityState(model, intern(model.machine, snapshot), timers, t, t, t, owner, undefined, undefined, [], undefined, new Array<number>(transitionIndex(model).size).fill(0));
}

/** The entity put straight into `path` at time t (after a violation, to go on checking from what was seen). */
export function forceEntity(es: EntityState, path: string, t: number, owner: string | undefined): EntityState {
  const value = path.split('.').reduceRight<unknown>((inner, key) => (inner === undefined ? key : { [key]: inner }), undefined);
  const snapshot = intern(es.model.machine, es.model.machine.resolveState({ value: value as never, context: es.snapshot.context }));
  // Not counted in coverage: no run of the model takes it.
  const step: Step = { from: statePath(es.snapshot), to: path, event: 'resync', lo: t, hi: t };
  return entityState(es.model, snapshot, [], t, t, t, owner, undefined, undefined, [], { step, previous: es.steps }, es.counts);
}

/** Adds what the model needs to know about the rest of the cluster to an event (e.g. for the quarantine cap). */
export type Decorate = (event: { type: string }) => { type: string };

const plain: Decorate = (event) => event;

/** Take one transition during [lo, hi]; timers started by it start in that interval too. */
export function apply(
  es: EntityState,
  event: { type: string },
  lo: number,
  hi: number,
  fired?: Timer,
  decorate: Decorate = plain,
): EntityState {
  const t = take(es.model, es.snapshot, decorate(event));
  const timers = withTimers(fired ? es.timers.filter((tm) => tm !== fired) : es.timers, t.actions, es.model.machine.id, lo, hi);
  const step: Step = { from: t.from, to: t.to, event: t.label, lo, hi };
  let counts = es.counts;
  if (t.index >= 0) {
    const copy = counts.slice();
    copy[t.index]!++;
    counts = copy;
  }
  const leaves = leavesOwner(es.snapshot, event.type);
  // the switch-over of a migration whose target is known puts the VM there; any transition ends what it was headed for
  const owner = leaves ? es.headedTo : ownerMoves(t.next) ? undefined : es.owner;
  // A live migration's switch-over leaves its source (remembered until the VM is seen elsewhere); a failover, or a
  // move the trace reports only at its end, may end anywhere
  const left = leaves ? es.owner : ownerMoves(t.next) ? undefined : es.leftOwner;
  return entityState(es.model, t.next, timers, lo, hi, lo, owner, left, undefined, es.inbox, { step, previous: es.steps }, counts);
}

function overdue(es: EntityState, t: number, tolerance: number): boolean {
  return es.timers.some((tm) => tm.hi + tm.delay + tolerance < t);
}

/**
 * Every state the entity may be in at time `t` through transitions the cluster takes by itself (timers and
 * spontaneous events), keeping only states none of whose timers is overdue. States dropped for an overdue
 * timer go to `dropped`, so a violation can say which deadline was missed.
 */

/** The least time the model says the entity stays in its current state (`meta.minimumDwell`, a setting in s). */
function minimumDwell(es: EntityState): number {
  const d = derive(es.snapshot);
  if (d.dwell !== undefined) return d.dwell;
  const settings = (es.snapshot.context as { settings?: Record<string, number> }).settings ?? {};
  let ms = 0;
  for (const meta of Object.values(es.snapshot.getMeta() as Record<string, { minimumDwell?: string } | undefined>)) {
    if (meta?.minimumDwell) ms = Math.max(ms, (settings[meta.minimumDwell] ?? 0) * 1000);
  }
  d.dwell = ms;
  return ms;
}


/**
 * The spontaneous events the current state reacts to, whatever their guards say (snapshots are immutable, so
 * this is computed once per snapshot). Guards are evaluated when the event is applied.
 */
function reactsTo(es: EntityState): readonly string[] {
  const d = derive(es.snapshot);
  let list = d.reactsTo;
  if (!list) {
    const handled = new Set<string>();
    for (const node of es.snapshot._nodes as unknown as { transitions: Map<string, unknown> }[]) {
      for (const type of node.transitions.keys()) handled.add(type);
    }
    list = es.model.spontaneous.filter((type) => handled.has(type));
    d.reactsTo = list;
  }
  return list;
}

/**
 * Nothing can happen to the entity by itself up to `t`: nothing in its inbox, no spontaneous event handled,
 * and no timer that could fire by then (e.g. an exit that stops counting toward quarantine an hour later).
 */
export function quietUntil(es: EntityState, t: number, tolerance: number): boolean {
  if (es.inbox.length !== 0 || reactsTo(es).length !== 0) return false;
  for (const tm of es.timers) if (tm.lo + tm.delay - tolerance <= t) return false;
  return true;
}

export interface Env {
  tolerance: number;
  decorate?: Decorate;
}

export function explore(es: EntityState, t: number, env: Env, out: EntityState[], dropped?: EntityState[], depth = 0): void {
  if (overdue(es, t, env.tolerance)) dropped?.push(es);
  else out.push(es);
  if (depth >= MAX_DEPTH) return;
  const earliest = Math.max(es.floor, es.lo + minimumDwell(es));
  // The cluster's own events first, then timers: where both explain the same state, the first is kept.
  for (const type of reactsTo(es)) {
    const event = env.decorate ? env.decorate({ type }) : { type };
    if (earliest <= t && can(es, event)) {
      explore(apply(es, event, earliest, t, undefined), t, env, out, dropped, depth + 1);
    }
  }
  for (const tm of es.timers) {
    const lo = Math.max(tm.lo + tm.delay - env.tolerance, earliest);
    const hi = Math.min(tm.hi + tm.delay + env.tolerance, t);
    if (lo <= hi) explore(apply(es, { type: tm.event }, lo, hi, tm, env.decorate), t, env, out, dropped, depth + 1);
  }
}

function deliver(es: EntityState, message: Message, decorate?: Decorate): EntityState {
  const event = decorate ? decorate(message.event) : message.event;
  if (!can(es, event)) return es;
  const lo = Math.min(Math.max(message.lo, es.floor), message.hi);
  return apply(es, event, lo, message.hi);
}

function contextKey(snapshot: AnyMachineSnapshot): string {
  const d = derive(snapshot);
  if (d.context === undefined) {
    const { settings: _settings, ...rest } = (snapshot.context ?? {}) as Record<string, unknown>;
    d.context = JSON.stringify(rest);
  }
  return d.context;
}

const entityKeys = new WeakMap<EntityState, string>();
const timerKeys = new WeakMap<readonly Timer[], string>();

/** The timers part of a key, computed once per list (lists are shared between states). */
function timersKey(timers: readonly Timer[]): string {
  if (timers.length === 0) return '';
  let key = timerKeys.get(timers);
  if (key === undefined) {
    key = timers.map((t) => t.key).join(',');
    timerKeys.set(timers, key);
  }
  return key;
}

/**
 * What makes two candidate states different. When the state was entered matters only through its timers
 * (which keep their own start interval) and a minimum dwell, so without a dwell it is left out: candidates
 * that differ only in when an unobserved transition happened are one candidate, and worlds do not pile up.
 */
export function entityKey(es: EntityState): string {
  let key = entityKeys.get(es);
  if (key === undefined) {
    const timers = timersKey(es.timers);
    const entered = minimumDwell(es) > 0 ? `${es.lo}:${es.hi}` : '';
    key = `${statePath(es.snapshot)}|${contextKey(es.snapshot)}|${es.owner ?? (es.leftOwner === undefined ? '*' : `!${es.leftOwner}`)}|${es.floor}|${entered}|${timers}|${es.inbox.length}|${es.headedTo ?? ''}`;
    entityKeys.set(es, key);
  }
  return key;
}

/** Whether two candidate states are one (their `entityKey`s are equal), told without making the keys. */
export function sameEntity(a: EntityState, b: EntityState): boolean {
  if (a === b) return true;
  if (a.floor !== b.floor || a.inbox.length !== b.inbox.length || (a.owner ?? '*') !== (b.owner ?? '*') || a.leftOwner !== b.leftOwner || a.headedTo !== b.headedTo) return false;
  if (a.snapshot !== b.snapshot && (statePath(a.snapshot) !== statePath(b.snapshot) || contextKey(a.snapshot) !== contextKey(b.snapshot))) {
    return false;
  }
  const dwellA = minimumDwell(a) > 0;
  if (dwellA !== minimumDwell(b) > 0 || (dwellA && (a.lo !== b.lo || a.hi !== b.hi))) return false;
  if (a.timers !== b.timers) {
    if (a.timers.length !== b.timers.length) return false;
    for (let i = 0; i < a.timers.length; i++) if (a.timers[i]!.key !== b.timers[i]!.key) return false;
  }
  return true;
}

/** Up to this many candidate states are told apart pairwise; more by their keys. */
const PAIRWISE = 32;

export function dedupe(states: EntityState[]): EntityState[] {
  if (states.length < 2) return states;
  if (states.length <= PAIRWISE) {
    const unique: EntityState[] = [];
    for (const s of states) if (!unique.some((u) => sameEntity(u, s))) unique.push(s);
    return unique;
  }
  const seen = new Map<string, EntityState>();
  for (const s of states) {
    const key = entityKey(s);
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

/** Deliver the inbox in order, then let the entity move on by itself up to `t`. */
export function advance(es: EntityState, t: number, env: Env, dropped?: EntityState[]): EntityState[] {
  if (quietUntil(es, t, env.tolerance)) return [es];
  const start = es.inbox.length ? entityState(es.model, es.snapshot, es.timers, es.lo, es.hi, es.floor, es.owner, es.leftOwner, es.headedTo, [], es.steps, es.counts) : es;
  let frontier: EntityState[] = [start];
  for (const message of es.inbox) {
    const next: EntityState[] = [];
    for (const s of frontier) {
      const reached: EntityState[] = [];
      explore(s, message.hi, env, reached);
      for (const r of reached) next.push(deliver(r, message, env.decorate));
    }
    frontier = dedupe(next);
  }
  const out: EntityState[] = [];
  for (const s of frontier) explore(s, t, env, out, dropped);
  return dedupe(out);
}
