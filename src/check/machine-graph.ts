/**
 * An XState machine as plain data for documentation: its state tree and the transitions each state node
 * declares, read by walking the machine's state nodes (`machine.root`, `states`, `transitions`, `always`).
 * The models' source comments are not available at run time; everything here is what the machine itself
 * says: names, tags (the states an observer may see), meta, guards and delays.
 */
import type { AnyStateMachine } from 'xstate';
import { eventLabel } from './entity.js';

export interface GraphState {
  /** Dotted path from the root (`Critical.RunningCritical`); '' for the root. */
  path: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The observable states (XState tags). */
  tags: string[];
  /** Path of the initial child, for compound states. */
  initial?: string;
  description?: string;
  /** `meta` as `key: value` lines, in declaration order. */
  meta: string[];
  children: GraphState[];
}

export interface GraphTransition {
  /** Path of the state node that declares it ('' = the root: from any state). */
  from: string;
  /** How a person names the event: the event type, `after <DelayName>` for timers, `always` for eventless ones. */
  event: string;
  /** Target state paths; empty for a transition that runs actions and stays. */
  to: string[];
  /** The guard in words, or undefined. */
  guard?: string;
  /** True for an unguarded transition after guarded ones for the same event: taken when no guard held. */
  otherwise: boolean;
  /** The delay's name for a timed transition (`ResiliencyDefaultPeriod`). */
  delay?: string;
}

export interface MachineGraph {
  id: string;
  root: GraphState;
  transitions: GraphTransition[];
}

interface StateNodeLike {
  id: string;
  key: string;
  type: GraphState['type'];
  tags: readonly string[];
  description?: string;
  meta?: Record<string, unknown>;
  states: Record<string, StateNodeLike>;
  initial?: { target: readonly StateNodeLike[] };
  transitions: Map<string, readonly TransitionLike[]>;
  always?: readonly TransitionLike[];
}

interface TransitionLike {
  target?: readonly StateNodeLike[];
  guard?: unknown;
  delay?: string | number;
}

/** Read a machine's states and transitions, in declaration order. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const root = machine.root as unknown as StateNodeLike;
  const pathOf = (node: StateNodeLike): string => (node.id === machine.id ? '' : node.id.slice(machine.id.length + 1));
  const transitions: GraphTransition[] = [];

  const walk = (node: StateNodeLike): GraphState => {
    const from = pathOf(node);
    const groups: [string, readonly TransitionLike[]][] = [...node.transitions];
    if (node.always?.length) groups.push(['', node.always]);
    for (const [eventType, defs] of groups) {
      defs.forEach((def, i) => {
        const delay = def.delay === undefined ? undefined : String(def.delay);
        transitions.push({
          from,
          event: eventType === '' ? 'always' : eventLabel(eventType, machine.id),
          to: (def.target ?? []).map(pathOf),
          guard: def.guard === undefined ? undefined : guardText(def.guard),
          otherwise: def.guard === undefined && i > 0 && defs.slice(0, i).some((d) => d.guard !== undefined),
          ...(delay === undefined ? {} : { delay }),
        });
      });
    }
    const children = Object.values(node.states ?? {}).map(walk);
    const initial = node.initial?.target[0];
    return {
      path: from,
      key: node.key,
      type: node.type,
      tags: [...(node.tags ?? [])],
      ...(initial ? { initial: pathOf(initial) } : {}),
      ...(node.description ? { description: node.description } : {}),
      meta: Object.entries(node.meta ?? {}).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
      children,
    };
  };

  return { id: machine.id, root: walk(root), transitions };
}

/** Every state below the root, parents before their children. */
export function allStates(graph: MachineGraph): GraphState[] {
  const out: GraphState[] = [];
  const visit = (s: GraphState): void => {
    for (const c of s.children) {
      out.push(c);
      visit(c);
    }
  };
  visit(graph.root);
  return out;
}

/**
 * A guard in words: a named guard by its name (`resiliencyEnabled`), XState's higher-order guards spelled
 * out (`not x`, `x and y`, `x or y`, `in State`), an inline function by its name.
 */
export function guardText(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const g = guard as { name?: string; guards?: unknown[]; stateValue?: unknown };
    if (g.guards && g.name === 'not') return `not ${guardText(g.guards[0])}`;
    if (g.guards && (g.name === 'and' || g.name === 'or')) {
      return g.guards.map((x) => (typeof x === 'function' && (x as { guards?: unknown }).guards ? `(${guardText(x)})` : guardText(x))).join(` ${g.name} `);
    }
    if (g.stateValue !== undefined) return `in ${typeof g.stateValue === 'string' ? g.stateValue : JSON.stringify(g.stateValue)}`;
    return g.name || 'inline guard';
  }
  if (guard !== null && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'guard';
}
