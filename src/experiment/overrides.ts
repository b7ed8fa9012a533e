/**
 * `--set path=value`: overrides applied to the parsed YAML document before validation, so an overridden
 * value is checked exactly like one written in the file; a problem in it names the flag instead of a line.
 *
 * The path is dotted with list indices (`cluster.vms[0].memoryGB`); the value is read as YAML (`60` is a
 * number, `90s` text, `true` a boolean, `[5s, 20s]` a list). A missing key is created (the schema then says
 * whether it may exist); a list index that does not exist is refused.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, type Document, type Node } from 'yaml';
import type { Problem } from './errors.js';
import { describeValue } from './finding.js';
import { parsePath, pathText, startsWith, type Segment } from './path.js';
import { keyName } from './source.js';

/** A value (or a mapping created on the way to it) that came from a flag rather than the file. */
export interface Override {
  flag: string;
  path: Segment[];
}

export interface AppliedOverrides {
  overrides: Override[];
  problems: Problem[];
}

export function applySets(doc: Document, sets: readonly string[], file: string): AppliedOverrides {
  const overrides: Override[] = [];
  const problems: Problem[] = [];
  for (const text of sets) {
    const flag = `--set ${text}`;
    const problem = (path: string, expected: string, found: string, hint = ''): void => {
      problems.push({ file, flag, path, expected, found, hint });
    };
    const eq = text.indexOf('=');
    if (eq < 0) {
      problem('', 'path=value, e.g. --set settings.ResiliencyDefaultPeriod=60', 'no "="');
      continue;
    }
    const pathSource = text.slice(0, eq).trim();
    const path = parsePath(pathSource);
    if (!path) {
      problem('', 'a dotted path such as settings.ResiliencyDefaultPeriod or cluster.vms[0].memoryGB', JSON.stringify(pathSource));
      continue;
    }
    const value = parseValue(text.slice(eq + 1));
    if (typeof value === 'string') {
      problem(pathText(path), 'a YAML value (a number, text, true/false or a [list])', `${JSON.stringify(text.slice(eq + 1))}: ${value}`, 'Quote the value for your shell.');
      continue;
    }
    const created: Segment[][] = [];
    const refused = setIn(doc, path, value, created);
    if (refused) {
      problem(refused.path, refused.expected, refused.found, refused.hint);
      continue;
    }
    for (const p of created) overrides.push({ flag, path: p });
    overrides.push({ flag, path });
  }
  return { overrides, problems };
}

/** The override a problem at `path` comes from: the flag that set it or a mapping holding it. */
export function overrideFor(overrides: readonly Override[], path: readonly Segment[]): Override | undefined {
  let found: Override | undefined;
  for (const o of overrides) {
    const prefix = startsWith(path, o.path);
    // later flags win over earlier ones that set the same value
    if (prefix && (!found || o.path.length >= found.path.length)) found = o;
  }
  return found;
}

/** The value as a YAML node, or the parser's complaint. Plain text that is not a flow collection stays text. */
function parseValue(text: string): Node | string {
  const trimmed = text.trim();
  const doc = parseDocument(text, { prettyErrors: false });
  const flow = trimmed.startsWith('[') || trimmed.startsWith('{');
  if (doc.errors.length > 0) return flow || trimmed.startsWith('"') || trimmed.startsWith("'") ? doc.errors[0]!.message : new Scalar(text);
  const node = doc.contents;
  if (node === null) return new Scalar(null);
  if (isScalar(node) || flow) return stripRanges(node);
  return new Scalar(text); // `a: b` or `- x` given as a value: the user meant text
}

function stripRanges(node: Node): Node {
  const visit = (n: unknown): void => {
    if (n && typeof n === 'object') {
      delete (n as { range?: unknown }).range;
      if (isMap(n)) for (const p of n.items) (visit(p.key), visit(p.value));
      if (isSeq(n)) n.items.forEach(visit);
    }
  };
  visit(node);
  return node;
}

interface Refusal {
  path: string;
  expected: string;
  found: string;
  hint: string;
}

function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    return v === null || v === undefined ? 'nothing' : `the ${typeof v === 'string' ? 'text' : typeof v} ${describeValue(v)}`;
  }
  return 'nothing';
}

function setIn(doc: Document, path: Segment[], value: Node, created: Segment[][]): Refusal | undefined {
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    doc.contents = new YAMLMap();
  }
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = path[i]!;
    const here = path.slice(0, i);
    const last = i === path.length - 1;
    if (typeof seg === 'string') {
      if (!isMap(node)) {
        return { path: pathText(here), expected: `a mapping to hold "${seg}"`, found: describe(node), hint: '' };
      }
      let pair = node.items.find((p) => keyName(p) === seg);
      if (last) {
        if (pair) pair.value = value;
        else node.items.push(doc.createPair(seg, value));
        return undefined;
      }
      const empty = !pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null);
      if (empty) {
        if (typeof path[i + 1] === 'number') {
          return {
            path: pathText(path.slice(0, i + 1)),
            expected: `an existing list to index into`,
            found: 'no list',
            hint: 'Write the list in the file first; --set can only change items that exist.',
          };
        }
        const map = new YAMLMap();
        if (pair) pair.value = map;
        else {
          pair = doc.createPair(seg, map);
          node.items.push(pair);
        }
        created.push(path.slice(0, i + 1));
      }
      node = pair!.value;
    } else {
      if (!isSeq(node)) {
        return { path: pathText(here), expected: `a list to take item [${seg}] from`, found: describe(node), hint: '' };
      }
      if (seg >= node.items.length) {
        const n = node.items.length;
        return {
          path: pathText(path.slice(0, i + 1)),
          expected: n === 0 ? 'an index into a list that has items' : `an index from 0 to ${n - 1} (the list has ${n} item${n === 1 ? '' : 's'})`,
          found: String(seg),
          hint: '--set changes items that exist; add new ones in the file.',
        };
      }
      if (last) {
        node.items[seg] = value;
        return undefined;
      }
      node = node.items[seg];
    }
  }
  return undefined;
}
