import { expect } from 'chai';
import { and, createMachine, not } from 'xstate';
import type { Model } from '../../machines/index.js';
import { declaredTransitions } from '../../src/check/coverage.js';
import { mermaidStateDiagram, mermaidText } from '../../src/docs/mermaid.js';
import { registeredModels } from '../../src/docs/models-doc.js';

interface Diagram {
  /** Mermaid id → state path in the machine. */
  paths: Map<string, string>;
  edges: { from: string; to: string; label: string }[];
  initials: { parent: string; to: string }[];
}

/**
 * Read back a diagram, line by line, the way Mermaid's grammar allows it; any other line is an error. Ids are
 * mapped to state paths through the `state "Name" as Id` declarations and the nesting of `{ }` blocks.
 */
function readDiagram(text: string): Diagram {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).to.equal('stateDiagram-v2');
  const paths = new Map<string, string>();
  const edges: Diagram['edges'] = [];
  const initials: Diagram['initials'] = [];
  const stack: string[] = [];
  const pathIn = (name: string): string => [...stack.map((id) => paths.get(id)!.split('.').pop()!), name].join('.');
  for (const [i, line] of lines.slice(1).entries()) {
    const where = `line ${i + 2}: ${line}`;
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^\s*state (?:"([^"]+)" as )?([A-Za-z_][A-Za-z0-9_]*) \{$/))) {
      paths.set(m[2]!, pathIn(m[1] ?? m[2]!));
      stack.push(m[2]!);
    } else if (/^\s*\}$/.test(line)) {
      expect(stack.length, `unbalanced } at ${where}`).to.be.greaterThan(0);
      stack.pop();
    } else if ((m = line.match(/^\s*state "([^"]+)" as ([A-Za-z_][A-Za-z0-9_]*)$/))) {
      paths.set(m[2]!, pathIn(m[1]!));
    } else if ((m = line.match(/^\s*\[\*\] --> ([A-Za-z_][A-Za-z0-9_]*)$/))) {
      initials.push({ parent: stack.length ? paths.get(stack[stack.length - 1]!)! : '', to: m[1]! });
    } else if ((m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*) --> ([A-Za-z_][A-Za-z0-9_]*) : ([^:;#"<>{}]+)$/))) {
      edges.push({ from: m[1]!, to: m[2]!, label: m[3]! });
    } else if (/^\s*([A-Za-z_][A-Za-z0-9_]*) --> \[\*\]$/.test(line) || /^\s*--$/.test(line)) {
      // a final state's exit, a separator between the regions of a parallel state
    } else {
      expect(line, `a state description (Id : text) at ${where}`).to.match(/^\s*[A-Za-z_][A-Za-z0-9_]* : [^:;#"<>{}]+$/);
    }
  }
  expect(stack, 'every { is closed').to.deep.equal([]);
  return { paths, edges, initials };
}

function isSelfOrAncestor(ancestor: string, path: string): boolean {
  return path === ancestor || path.startsWith(ancestor + '.');
}

describe('Mermaid diagrams of the models', () => {
  for (const model of registeredModels() as Model[]) {
    describe(model.name, () => {
      const text = mermaidStateDiagram(model.machine);

      it('is a stateDiagram-v2 of declarations and one transition per line, with balanced braces', () => {
        const lines = text.trimEnd().split('\n');
        expect(lines[0]).to.equal('stateDiagram-v2');
        expect(text.split('{').length).to.equal(text.split('}').length);
        expect(() => readDiagram(text)).not.to.throw();
      });

      it('draws every state of every declared transition, with an edge for it', () => {
        const d = readDiagram(text);
        const known = new Set(d.paths.values());
        for (const t of declaredTransitions(model)) {
          expect(known, `state ${t.from}`).to.include(t.from);
          expect(known, `state ${t.to}`).to.include(t.to);
          // Drawn from the state or the compound state that declares it, to the target or the compound state it enters.
          const drawn = d.edges.some(
            (e) =>
              isSelfOrAncestor(d.paths.get(e.from)!, t.from) &&
              isSelfOrAncestor(d.paths.get(e.to)!, t.to) &&
              (e.label === mermaidText(t.event) || e.label.startsWith(`${mermaidText(t.event)} [`)),
          );
          expect(drawn, `an edge ${t.from} → ${t.to} labelled ${t.event}`).to.equal(true);
        }
      });

      it('marks the initial state of the machine and of every compound state', () => {
        const d = readDiagram(text);
        const initial = (model.machine.root as unknown as { initial?: { target: { key: string }[] } }).initial!.target[0]!.key;
        expect(d.initials.find((i) => i.parent === '')?.to).to.equal(initial);
        for (const [id, path] of d.paths) {
          if (text.includes(`as ${id} {`) || text.includes(`state ${id} {`)) expect(d.initials.some((i) => i.parent === path), `[*] in ${path}`).to.equal(true);
        }
      });

      it('says what an observer sees in each leaf state (its tags)', () => {
        for (const line of text.split('\n').filter((l) => / : seen as /.test(l) && !l.includes('-->'))) {
          expect(line).to.match(/ : seen as [A-Za-z]+(, [A-Za-z]+)*$/);
        }
        expect(text).to.match(/ : seen as /);
      });
    });
  }

  it('draws nested, parallel and final states, guards and numeric delays, with ids Mermaid accepts', () => {
    const machine = createMachine({
      id: 'toy-machine',
      initial: 'A',
      states: {
        A: {
          initial: 'Idle',
          states: { Idle: { tags: ['Idle'], on: { go: 'Busy' } }, Busy: { always: { guard: not('done'), target: 'Idle' } } },
          on: { 'b.go': { target: 'B', guard: and(['ready', 'allowed']) } },
        },
        B: {
          type: 'parallel',
          states: {
            L: { initial: 'Idle', states: { Idle: { after: { 1000: 'Done' } }, Done: { type: 'final' } } },
            R: { initial: 'state', states: { state: {} } },
          },
        },
        end: { type: 'final' },
      },
    });
    const text = mermaidStateDiagram(machine);
    const d = readDiagram(text);
    expect([...d.paths.values()]).to.have.members(['A', 'A.Idle', 'A.Busy', 'B', 'B.L', 'B.L.Idle', 'B.L.Done', 'B.R', 'B.R.state', 'end']);
    expect(new Set(d.paths.keys()).size, 'ids are unique').to.equal(d.paths.size);
    expect(d.paths.get('end')).to.equal(undefined, 'a keyword is not used as an id');
    expect(d.edges.map((e) => e.label)).to.have.members(['b.go [ready and allowed]', 'go', 'always [not done]', 'after 1000']);
    expect(text).to.include('\n        --\n');
  });

  it('keeps labels to characters Mermaid shows as they are', () => {
    expect(mermaidText('after SameSubnetThreshold × SameSubnetDelay')).to.equal('after SameSubnetThreshold x SameSubnetDelay');
    expect(mermaidText('a: b; c #1 <x> "q" {y}')).to.equal('a - b c 1 x q y');
  });
});
