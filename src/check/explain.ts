import { transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { delayNameOf, leafState, statePath } from './entity.js';

/** Every event type a machine reacts to anywhere (including its timers' events). */
function eventTypes(machine: AnyStateMachine): string[] {
  const out = new Set<string>();
  const walk = (node: { transitions: Map<string, unknown>; states: Record<string, unknown> }): void => {
    for (const type of node.transitions.keys()) out.add(type);
    for (const child of Object.values(node.states)) walk(child as typeof node);
  };
  walk(machine.root as unknown as Parameters<typeof walk>[0]);
  return [...out];
}

export interface Route {
  /** The states passed through, ending in the one with the observed tag. */
  states: string[];
  /** The timers on the way: delay name and its value (ms). */
  timers: { delayName: string; delay: number; after: string }[];
}

/**
 * The shortest way the model gets from `snapshot` to a state tagged `tag`, ignoring time: used to explain
 * a violation ("Down is reached only through Isolated, after ResiliencyDefaultPeriod").
 */
export function routeTo(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, tag: string, maxDepth = 6): Route | undefined {
  const types = eventTypes(machine);
  interface Item {
    snap: AnyMachineSnapshot;
    states: string[];
    timers: Route['timers'];
  }
  let frontier: Item[] = [{ snap: snapshot, states: [], timers: [] }];
  const seen = new Set([statePath(snapshot)]);
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: Item[] = [];
    for (const item of frontier) {
      for (const type of types) {
        if (!item.snap.can({ type })) continue;
        const [snap] = transition(machine, item.snap, { type } as never);
        const path = statePath(snap);
        if (seen.has(path)) continue;
        seen.add(path);
        const delayName = delayNameOf(type, machine.id);
        const timers = [...item.timers];
        if (delayName !== undefined) {
          const raised = findDelay(machine, item.snap, type);
          timers.push({ delayName, delay: raised ?? NaN, after: leafState(statePath(item.snap)) });
        }
        const reached: Item = { snap, states: [...item.states, leafState(path)], timers };
        if (snap.hasTag(tag)) return { states: reached.states, timers: reached.timers };
        next.push(reached);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** The value of the delay whose timer raises `eventType`, as entering the state would schedule it. */
function findDelay(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, eventType: string): number | undefined {
  const delayName = delayNameOf(eventType, machine.id);
  const impl = delayName ? (machine.implementations.delays as Record<string, unknown>)[delayName] : undefined;
  if (typeof impl === 'function') return (impl as (a: { context: unknown }) => number)({ context: snapshot.context });
  if (typeof impl === 'number') return impl;
  return undefined;
}
