import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Model } from '../../machines/index.js';

/**
 * One entity's model state in one candidate world, with what is known about *when* things happened.
 *
 * Observation is partial, so the checker keeps time as intervals: `lo..hi` is when the current state may
 * have been entered; every pending timer (an XState `after` delay) keeps the interval its clock started in
 * and may fire within `[lo + delay − tolerance, hi + delay + tolerance]`. Everything here is immutable:
 * branching a world copies references, never state.
 */

export interface Timer {
  id: string;
  event: string;
  /** The delay's name in the model, which is the setting it comes from (e.g. ResiliencyDefaultPeriod). */
  delayName: string;
  delay: number;
  lo: number;
  hi: number;
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
  /** Events from other entities (the owner node's changes), not yet delivered. */
  readonly inbox: readonly Message[];
  /** Transitions taken since the entity was last observed. */
  readonly steps: readonly Step[];
  /** Every transition this candidate run took, newest first (shared tails: branching copies nothing). */
  readonly history: History | undefined;
}

/** An immutable list of the transitions a candidate run took. */
export interface History {
  readonly step: Step;
  readonly previous: History | undefined;
}

const MAX_DEPTH = 8;
const AFTER_PREFIX = 'xstate.after.';

export function statePath(snapshot: AnyMachineSnapshot): string {
  let value: unknown = snapshot.value;
  const parts: string[] = [];
  while (typeof value === 'object' && value !== null) {
    const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!;
    parts.push(key);
    value = inner;
  }
  parts.push(String(value));
  return parts.join('.');
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
  return Object.values(snapshot.getMeta() as Record<string, { ownerMoves?: boolean } | undefined>).some(
    (m) => m?.ownerMoves === true,
  );
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
        out = [...out, { id, event: p.event.type, delayName: delayNameOf(p.event.type, machineId) ?? p.event.type, delay: p.delay, lo, hi }];
      }
    }
  }
  return out;
}

/** An entity at the start of a run, in its model's initial state. */
export function startEntity(model: Model, input: unknown, owner: string | undefined, t = 0): EntityState {
  const [snapshot, actions] = initialTransition(model.machine, input);
  return {
    model,
    snapshot,
    timers: withTimers([], actions as never, model.machine.id, t, t),
    lo: t,
    hi: t,
    floor: t,
    owner,
    inbox: [],
    steps: [],
    history: undefined,
  };
}

/** The entity put straight into `path` at time t (after a violation, to go on checking from what was seen). */
export function forceEntity(es: EntityState, path: string, t: number, owner: string | undefined): EntityState {
  const value = path.split('.').reduceRight<unknown>((inner, key) => (inner === undefined ? key : { [key]: inner }), undefined);
  const snapshot = es.model.machine.resolveState({ value: value as never, context: es.snapshot.context });
  const step: Step = { from: statePath(es.snapshot), to: path, event: 'resync', lo: t, hi: t };
  return { ...es, snapshot, timers: [], lo: t, hi: t, floor: t, owner, inbox: [], steps: [...es.steps, step] };
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
  const machine = es.model.machine;
  const [next, actions] = transition(machine, es.snapshot, decorate(event) as never);
  const timers = withTimers(
    es.timers.filter((t) => t !== fired),
    actions as readonly { type: string; params?: unknown }[],
    machine.id,
    lo,
    hi,
  );
  const step: Step = { from: statePath(es.snapshot), to: statePath(next), event: eventLabel(event.type, machine.id), lo, hi };
  return {
    ...es,
    snapshot: next,
    timers,
    lo,
    hi,
    floor: lo,
    owner: ownerMoves(next) ? undefined : es.owner,
    steps: [...es.steps, step],
    history: { step, previous: es.history },
  };
}

function overdue(es: EntityState, t: number, tolerance: number): boolean {
  return es.timers.some((tm) => tm.hi + tm.delay + tolerance < t);
}

/**
 * Every state the entity may be in at time `t` through transitions the cluster takes by itself (timers and
 * spontaneous events), keeping only states none of whose timers is overdue. States dropped for an overdue
 * timer go to `dropped`, so a violation can say which deadline was missed.
 */
const dwells = new WeakMap<AnyMachineSnapshot, number>();

/** The least time the model says the entity stays in its current state (`meta.minimumDwell`, a setting in s). */
function minimumDwell(es: EntityState): number {
  const cached = dwells.get(es.snapshot);
  if (cached !== undefined) return cached;
  const settings = (es.snapshot.context as { settings?: Record<string, number> }).settings ?? {};
  let ms = 0;
  for (const meta of Object.values(es.snapshot.getMeta() as Record<string, { minimumDwell?: string } | undefined>)) {
    if (meta?.minimumDwell) ms = Math.max(ms, (settings[meta.minimumDwell] ?? 0) * 1000);
  }
  dwells.set(es.snapshot, ms);
  return ms;
}

const enabledCache = new WeakMap<AnyMachineSnapshot, readonly string[]>();

/**
 * The spontaneous events the current state reacts to, whatever their guards say (snapshots are immutable, so
 * this is computed once per snapshot). Guards are evaluated when the event is applied.
 */
function reactsTo(es: EntityState): readonly string[] {
  let list = enabledCache.get(es.snapshot);
  if (!list) {
    const handled = new Set<string>();
    for (const node of es.snapshot._nodes as unknown as { transitions: Map<string, unknown> }[]) {
      for (const type of node.transitions.keys()) handled.add(type);
    }
    list = es.model.spontaneous.filter((type) => handled.has(type));
    enabledCache.set(es.snapshot, list);
  }
  return list;
}

/**
 * Nothing can happen to the entity by itself up to `t`: nothing in its inbox, no spontaneous event handled,
 * and no timer that could fire by then (e.g. an exit that stops counting toward quarantine an hour later).
 */
function quietUntil(es: EntityState, t: number, tolerance: number): boolean {
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
    if (earliest <= t && es.snapshot.can(event as never)) {
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
  if (!es.snapshot.can(event as never)) return es;
  const lo = Math.min(Math.max(message.lo, es.floor), message.hi);
  return apply(es, event, lo, message.hi);
}

function contextKey(es: EntityState): string {
  const { settings: _settings, ...rest } = es.snapshot.context as Record<string, unknown>;
  return JSON.stringify(rest);
}

/**
 * What makes two candidate states different. When the state was entered matters only through its timers
 * (which keep their own start interval) and a minimum dwell, so without a dwell it is left out: candidates
 * that differ only in when an unobserved transition happened are one candidate, and worlds do not pile up.
 */
export function entityKey(es: EntityState): string {
  const timers = es.timers.map((t) => `${t.id}:${t.lo}:${t.hi}`).join(',');
  const entered = minimumDwell(es) > 0 ? `${es.lo}:${es.hi}` : '';
  return `${statePath(es.snapshot)}|${contextKey(es)}|${es.owner ?? '*'}|${es.floor}|${entered}|${timers}|${es.inbox.length}`;
}

export function dedupe(states: EntityState[]): EntityState[] {
  if (states.length < 2) return states;
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
  let frontier: EntityState[] = [es.inbox.length ? { ...es, inbox: [] } : es];
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
