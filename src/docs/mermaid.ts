/**
 * A Mermaid `stateDiagram-v2` of an XState machine: states (compound ones as nested blocks, each with its
 * initial state), what an observer sees in each state (its tags) as the state's description, and one line
 * per transition, `From --> To : event [guard]`, with timers as `after DelayName`.
 *
 * Mermaid's grammar is narrow: a state id may not contain `-`, `:`, spaces or `{`, ids are global across
 * nested blocks, a label ends at `;` and breaks on `::`, a compound state may carry no description, and
 * `#` starts an entity code. So ids are plain words (the state's name, or its path with `_` where names
 * repeat) and every label keeps to letters, digits and a few safe marks.
 */
import type { AnyStateMachine } from 'xstate';
import { allStates, machineGraph, type GraphState, type GraphTransition, type MachineGraph } from '../check/machine-graph.js';

const INDENT = '    ';
/** Words Mermaid's state grammar reads as keywords. */
const RESERVED = new Set(['state', 'note', 'direction', 'end', 'as', 'class', 'classdef', 'style', 'click', 'href', 'default', 'hide', 'scale', 'left', 'right', 'of']);

/** A Mermaid state diagram of the machine. */
export function mermaidStateDiagram(machine: AnyStateMachine): string {
  return renderMermaid(machineGraph(machine));
}

export function renderMermaid(graph: MachineGraph): string {
  const ids = stateIds(graph);
  const lines = ['stateDiagram-v2'];

  const declare = (state: GraphState, depth: number): void => {
    const pad = INDENT.repeat(depth);
    const id = ids.get(state.path)!;
    // `state "Name" as Id` titles the box; a further `Id : text` line goes under the title (a lone one would replace it).
    const named = `state "${mermaidText(state.key)}" as ${id}`;
    if (state.children.length === 0) {
      const seen = state.type === 'final' ? 'final' : state.type === 'history' ? 'history' : seenAs(state);
      lines.push(pad + named, `${pad}${id} : ${mermaidText(seen)}`);
      return;
    }
    // A compound state may carry its title only: Mermaid refuses a description on a group.
    lines.push(`${pad}${id === state.key ? `state ${id}` : named} {`);
    declareChildren(state, depth + 1);
    lines.push(`${pad}}`);
  };

  const declareChildren = (parent: GraphState, depth: number): void => {
    const pad = INDENT.repeat(depth);
    if (parent.initial !== undefined) lines.push(`${pad}[*] --> ${ids.get(parent.initial)!}`);
    parent.children.forEach((child, i) => {
      // Regions of a parallel state are separated by `--`.
      if (parent.type === 'parallel' && i > 0) lines.push(`${pad}--`);
      declare(child, depth);
    });
    for (const child of parent.children) if (child.type === 'final') lines.push(`${pad}${ids.get(child.path)!} --> [*]`);
  };

  declareChildren(graph.root, 1);
  for (const t of graph.transitions) {
    for (const [from, to] of edges(graph, t)) {
      lines.push(`${INDENT}${ids.get(from)!} --> ${ids.get(to)!} : ${mermaidText(transitionLabel(t))}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** `event [guard]`, `event [otherwise]` for the fallback after guarded alternatives. */
export function transitionLabel(t: GraphTransition): string {
  const guard = t.guard ?? (t.otherwise ? 'otherwise' : undefined);
  return guard === undefined ? t.event : `${t.event} [${guard}]`;
}

/**
 * The edges a transition draws. One declared on the root applies in every state, so it is drawn from each
 * top-level state; a transition without a target only runs actions and draws nothing.
 */
function edges(graph: MachineGraph, t: GraphTransition): [string, string][] {
  const sources = t.from === '' ? graph.root.children.map((c) => c.path) : [t.from];
  return sources.flatMap((from) => t.to.map((to): [string, string] => [from, to]));
}

function seenAs(state: GraphState): string {
  return state.tags.length ? `seen as ${state.tags.join(', ')}` : 'not observable';
}

/** A Mermaid id per state path: the state's own name where it is unique in the machine, else its path. */
function stateIds(graph: MachineGraph): Map<string, string> {
  const states = allStates(graph);
  const byKey = new Map<string, number>();
  for (const s of states) byKey.set(mermaidId(s.key), (byKey.get(mermaidId(s.key)) ?? 0) + 1);
  const ids = new Map<string, string>();
  for (const s of states) {
    const own = mermaidId(s.key);
    ids.set(s.path, byKey.get(own) === 1 && own === s.key ? own : mermaidId(s.path.replaceAll('.', '_')));
  }
  // A path id may still collide with another state's own name: number the later ones.
  const used = new Set<string>();
  for (const s of states) {
    let id = ids.get(s.path)!;
    for (let n = 2; used.has(id); n++) id = `${ids.get(s.path)!}_${n}`;
    used.add(id);
    ids.set(s.path, id);
  }
  return ids;
}

/** A word Mermaid accepts as a state id. */
function mermaidId(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = `s_${id}`;
  if (RESERVED.has(id.toLowerCase())) id = `${id}_state`;
  return id;
}

/**
 * Text Mermaid shows as it is: `×` becomes `x`, a colon a dash, and anything outside letters, digits,
 * spaces and `_ . , ( ) [ ] + - * / = ! ' %` a space (`;` ends a label, `#` starts an entity, `<` opens HTML).
 */
export function mermaidText(text: string): string {
  return text
    .replaceAll('×', 'x')
    .replaceAll(':', ' -')
    .replace(/[^A-Za-z0-9 _.,()[\]+\-*/=!'%]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
