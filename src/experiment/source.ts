/**
 * The experiment file as a YAML document that remembers where every value was written, so a problem at
 * `method[0].fault` can be reported at its line and column.
 */
import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLError, type YAMLMap } from 'yaml';
import type { Problem } from './errors.js';
import { describeValue } from './finding.js';
import { MAX_NESTING, tooDeep } from './limits.js';
import { pathText, type Segment } from './path.js';

export interface Position {
  line: number;
  column: number;
}

/** A mapping key as the path names it: `ResiliencyDefaultPeriod`, or `1` for a key written as a number. */
export function keyName(pair: Pair<unknown, unknown>): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

const SYNTAX_HINT = 'Check the indentation, the quotes and the ":" after each key on this line.';

export class ExperimentSource {
  readonly doc: Document;
  private readonly lines = new LineCounter();
  /** Nested too deep to be parsed at all: the one problem, and the document is left empty. */
  private readonly nesting: Problem | undefined;
  /** Each mapping's pairs by key (the first of repeated keys), built when first asked: a file of 70,000 unknown keys is located in linear time. */
  private readonly keys = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    readonly file: string,
    text: string,
  ) {
    const deep = tooDeep(text);
    if (deep !== undefined) {
      this.lines.addNewLine(0);
      for (let i = text.indexOf('\n'); i >= 0 && i < deep; i = text.indexOf('\n', i + 1)) this.lines.addNewLine(i + 1);
      this.nesting = {
        file,
        ...this.position(deep),
        path: '',
        expected: `mappings and lists nested at most ${MAX_NESTING} deep (an experiment needs five or six)`,
        found: 'deeper nesting',
        hint: 'Check the brackets and the indentation here.',
      };
      this.doc = parseDocument('', { prettyErrors: false });
      return;
    }
    // duplicate keys are found by duplicateKeyProblems(), which can say where the first one was
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: false, prettyErrors: false });
  }

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** YAML syntax errors, at most one per line (the parser's later errors on a line follow from the first). */
  syntaxProblems(): Problem[] {
    if (this.nesting) return [this.nesting];
    const seen = new Set<number>();
    const out: Problem[] = [];
    for (const e of this.doc.errors) {
      const at = this.position(e.pos[0]);
      if (seen.has(at.line)) continue;
      seen.add(at.line);
      out.push({ file: this.file, ...at, path: '', ...describeSyntaxError(e) });
    }
    return out;
  }

  /** Keys written twice in one mapping: the second is an error, pointing at the first. */
  duplicateKeyProblems(): Problem[] {
    const out: Problem[] = [];
    const visit = (node: unknown, path: Segment[]): void => {
      if (isMap(node)) {
        const first = new Map<string, Node>();
        for (const pair of node.items) {
          const key = keyName(pair);
          const earlier = first.get(key);
          if (earlier === undefined) first.set(key, pair.key as Node);
          else if (isScalar(pair.key) && pair.key.range) {
            const was = earlier.range ? this.position(earlier.range[0]) : undefined;
            out.push({
              file: this.file,
              ...this.position(pair.key.range[0]),
              path: pathText([...path, key]),
              expected: 'each key once in a mapping',
              found: `${describeValue(key)} again${was ? ` (first at line ${was.line})` : ''}`,
              hint: 'Remove one of them.',
            });
          }
          visit(pair.value, [...path, key]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => visit(item, [...path, i]));
      }
    };
    visit(this.doc.contents, []);
    return out;
  }

  /**
   * Where the value at `path` was written; with `key`, where its key was written. When the path does not
   * exist (a required key that is missing), the deepest node that does.
   */
  locate(path: readonly Segment[], key = false): Position | undefined {
    let node: unknown = this.doc.contents;
    let best: Position | undefined = this.rangeStart(node);
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const seg = path[i]!;
      let next: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = this.pair(node, String(seg));
        if (!pair) return best;
        next = pair.value;
        keyNode = pair.key;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
        if (next === undefined) return best;
      } else {
        return best;
      }
      const last = i === path.length - 1;
      if (last && key && keyNode) return this.rangeStart(keyNode) ?? best;
      // `key:` with nothing after it: point at the key rather than at the empty space after it
      const empty = isScalar(next) && next.value === null && (!next.range || next.range[0] === next.range[1]);
      best = (empty ? undefined : this.rangeStart(next)) ?? this.rangeStart(keyNode) ?? best;
      node = next;
    }
    return best;
  }

  /** The line the value at `path` was written on, if it was written in the file (not set by a flag). */
  lineOf(path: readonly Segment[]): number | undefined {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) node = this.pair(node, String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
    }
    return this.rangeStart(node)?.line;
  }

  private pair(map: YAMLMap, key: string): Pair | undefined {
    let index = this.keys.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (!index.has(keyName(p))) index.set(keyName(p), p);
      this.keys.set(map, index);
    }
    return index.get(key);
  }

  private rangeStart(node: unknown): Position | undefined {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? this.position(range[0]) : undefined;
  }
}

function describeSyntaxError(e: YAMLError): Pick<Problem, 'expected' | 'found' | 'hint'> {
  if (e.code === 'MULTIPLE_DOCS') {
    return { expected: 'one YAML document', found: 'a second one after "---"', hint: 'Put one experiment in each file.' };
  }
  if (e.code === 'TAB_AS_INDENT') {
    return { expected: 'spaces for indentation', found: 'a tab', hint: 'YAML does not allow tabs for indentation; use spaces.' };
  }
  const message = e.message.replace(/\.$/, '');
  return { expected: 'valid YAML', found: `a syntax error (${message})`, hint: SYNTAX_HINT };
}
