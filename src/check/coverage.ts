import type { AnyStateMachine } from 'xstate';
import type { Model } from '../../machines/index.js';
import type { TransitionCoverage } from './result.js';
import { eventLabel } from './entity.js';

interface StateNodeLike {
  id: string;
  states: Record<string, StateNodeLike>;
  transitions: Map<string, { target?: readonly StateNodeLike[] }[]>;
  initial?: { target: readonly StateNodeLike[] };
}

function pathOf(node: StateNodeLike, machine: AnyStateMachine): string {
  return node.id.slice(machine.id.length + 1);
}

function leaves(node: StateNodeLike): StateNodeLike[] {
  const children = Object.values(node.states);
  return children.length ? children.flatMap(leaves) : [node];
}

function initialLeaf(node: StateNodeLike): StateNodeLike {
  const first = node.initial?.target[0];
  return first ? initialLeaf(first) : node;
}

/**
 * Every transition a model declares, from leaf state to leaf state (a transition declared on a compound
 * state is listed once for each of its leaves), as the checker names the transitions it sees taken.
 */
export function declaredTransitions(model: Model): TransitionCoverage[] {
  const machine = model.machine;
  const out = new Map<string, TransitionCoverage>();
  const walk = (node: StateNodeLike): void => {
    for (const [eventType, defs] of node.transitions) {
      for (const def of defs) {
        for (const target of def.target ?? []) {
          for (const from of leaves(node)) {
            const entry = {
              model: model.name,
              from: pathOf(from, machine),
              to: pathOf(initialLeaf(target), machine),
              event: eventLabel(eventType, machine.id),
              count: 0,
            };
            out.set(coverageKey(entry), entry);
          }
        }
      }
    }
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as StateNodeLike);
  return [...out.values()];
}

export function coverageKey(t: { model: string; from: string; to: string; event: string }): string {
  return `${t.model}|${t.from}|${t.event}|${t.to}`;
}

const indexes = new WeakMap<Model, ReadonlyMap<string, number>>();

/**
 * A model's declared transitions by `from|event|to`, numbered in `declaredTransitions` order: the checker
 * counts coverage in an array indexed by these numbers as each candidate run goes.
 */
export function transitionIndex(model: Model): ReadonlyMap<string, number> {
  let index = indexes.get(model);
  if (!index) {
    index = new Map(declaredTransitions(model).map((t, i) => [`${t.from}|${t.event}|${t.to}`, i]));
    indexes.set(model, index);
  }
  return index;
}
