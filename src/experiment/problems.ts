/**
 * ajv's errors as findings a user can act on: one per value, key or missing key, with the schema's own
 * words for what was expected (the `x-…` annotations in schema.ts), and without ajv's noise (the
 * "must match then schema" wrappers, every failed branch of a oneOf).
 */
import type { ErrorObject } from 'ajv';
import { DURATION_EXAMPLES, DURATION_HINT, tryParseDuration } from './duration.js';
import { describeValue, type Finding } from './finding.js';
import { pathText, pointerPath, type Segment } from './path.js';
import { didYouMean, hints } from './suggest.js';

type Schema = Record<string, any>;

export function findingsFromAjv(errors: readonly ErrorObject[], data: unknown): Finding[] {
  const kept = pickBranches(errors.filter((e) => e.keyword !== 'if'));
  const out: Finding[] = [];
  const seen = new Set<string>();
  const once = (key: string, f: () => Finding): void => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f());
  };
  // a wrong type says it all: drop the other complaints about the same value
  const ordered = [...kept].sort((a, b) => rank(a) - rank(b));
  for (const e of ordered) {
    const at = pointerPath(e.instancePath, data);
    const schema = (e.parentSchema ?? {}) as Schema;
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      once(`key ${pathText([...at, key])}`, () => unknownKey(at, key, schema));
    } else if (e.keyword === 'required' && schema['x-missing']) {
      once(`value ${e.instancePath}`, () => missingDiscriminator(at, e.data, schema));
    } else if (e.keyword === 'required') {
      const key = String(e.params.missingProperty);
      once(`missing ${pathText([...at, key])}`, () => missingKey(at, key, schema));
    } else {
      once(`value ${e.instancePath}`, () => wrongValue(at, e, schema));
    }
  }
  return out;
}

/** Which complaint about one value to keep: its type first, then what it may be, then anything else. */
function rank(e: ErrorObject): number {
  const i = ['type', 'enum', 'const', 'format'].indexOf(e.keyword);
  return i < 0 ? 4 : i;
}

/**
 * For each oneOf/anyOf that failed, keep only the errors of the branch that came closest (its errors go
 * deepest into the value, then the fewest of them), and drop the oneOf's own "must match one" error
 * when that branch explains it.
 */
function pickBranches(errors: ErrorObject[]): ErrorObject[] {
  let work = errors;
  const combinators = errors
    .filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && !(e.params as { passingSchemas?: unknown }).passingSchemas)
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const c of combinators) {
    if (!work.includes(c)) continue;
    const prefix = `${c.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of work) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    if (branches.size === 0) continue;
    const depth = (es: ErrorObject[]): number => Math.max(...es.map((e) => e.instancePath.split('/').length));
    const best = [...branches.values()].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
    const dropped = new Set([...branches.values()].filter((es) => es !== best).flat());
    // a value of the wrong type for every branch: say so once, at the combinator
    const allTypes = [...branches.values()].every((es) => es.length === 1 && es[0]!.keyword === 'type' && es[0]!.instancePath === c.instancePath);
    if (allTypes) for (const e of best) dropped.add(e);
    else dropped.add(c);
    work = work.filter((e) => !dropped.has(e));
  }
  return work;
}

function unknownKey(at: Segment[], key: string, schema: Schema): Finding {
  const known = Object.keys((schema.properties ?? {}) as object).filter((k) => k !== 'fault');
  return {
    path: [...at, key],
    at: 'key',
    expected: schema['x-keys'] ?? (known.length > 0 ? `one of the known keys (${known.join(', ')})` : 'no keys here'),
    found: describeValue(key),
    hint: hints(schema['x-key-hints']?.[key] ?? didYouMean(key, known), schema['x-keys-hint'] ?? ''),
  };
}

function missingKey(at: Segment[], key: string, schema: Schema): Finding {
  const property = (schema.properties?.[key] ?? {}) as Schema;
  const where = at.length === 0 ? '' : ` under ${pathText(at)}`;
  return {
    path: [...at, key],
    at: 'parent',
    expected: property['x-expected'] ?? (typeof property.description === 'string' ? lowerFirst(property.description) : expectedFromType(property)),
    found: `no ${key}`,
    hint: `Add "${key}:"${where}.`,
  };
}

/** `The node whose…` → `the node whose…`, to follow "expected". */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

function missingDiscriminator(at: Segment[], data: unknown, schema: Schema): Finding {
  const keys = data !== null && typeof data === 'object' ? Object.keys(data) : [];
  const mistyped = keys.map((k) => didYouMean(k, ['fault', 'wait'])).find((h) => h !== '') ?? '';
  return { path: at, at: 'value', expected: schema['x-missing'], found: describeValue(data), hint: hints(mistyped, schema['x-missing-hint'] ?? '') };
}

function wrongValue(at: Segment[], e: ErrorObject, schema: Schema): Finding {
  const value = e.data;
  const takesNumber = ([] as unknown[]).concat(schema.type ?? []).includes('integer');
  // a number where a number may go (a setting out of its range) needs no word on durations
  let hint: string = schema['x-hint'] ?? (schema.format === 'duration' && !(takesNumber && typeof value === 'number') ? DURATION_HINT : '');
  if (e.keyword === 'enum' && Array.isArray(schema.enum)) {
    hint = hints(didYouMean(value, schema.enum.map(String)), hint);
  }
  // a value in seconds written as a duration where only a number goes: say which number to write
  const unit = schema['x-unit'];
  const unitWords = unit === 's' ? 'seconds' : 'milliseconds';
  if ((unit === 's' || unit === 'ms') && typeof value === 'string') {
    const ms = tryParseDuration(value);
    if (ms !== undefined) {
      const n = unit === 's' ? ms / 1000 : ms;
      hint = Number.isInteger(n) ? `Write ${n}, a plain number of ${unitWords}.` : hint;
    } else if (schema.format === 'duration') {
      // a setting that takes either
      hint = `Write a whole number of ${unitWords}, or a duration: a whole number with its unit (ms, s, m or h), without spaces.`;
    }
  }
  if (schema.format === 'duration' && typeof value === 'number' && !takesNumber) hint = `Give the unit, e.g. ${value}s or ${value}ms.`;
  return { path: at, at: 'value', expected: schema['x-expected'] ?? expectedFromError(e, schema), found: describeValue(value), hint };
}

function expectedFromType(schema: Schema): string {
  const words: Record<string, string> = {
    string: 'text',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
    null: 'nothing',
  };
  if (schema.format === 'duration') return DURATION_EXAMPLES;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  const types = ([] as string[]).concat(schema.type ?? []);
  return types.length > 0 ? types.map((t) => words[t] ?? t).join(' or ') : 'a value';
}

function expectedFromError(e: ErrorObject, schema: Schema): string {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'minimum':
      return `${expectedFromType(schema)} of at least ${p.limit}`;
    case 'exclusiveMinimum':
      return `${expectedFromType(schema)} greater than ${p.limit}`;
    case 'maximum':
      return `${expectedFromType(schema)} of at most ${p.limit}`;
    case 'exclusiveMaximum':
      return `${expectedFromType(schema)} less than ${p.limit}`;
    case 'minLength':
      return p.limit === 1 ? 'text that is not empty' : `text of at least ${p.limit} characters`;
    case 'maxLength':
      return `text of at most ${p.limit} characters`;
    case 'minItems':
      return `a list of at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `a list of at most ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    case 'pattern':
      return `text matching ${p.pattern}`;
    case 'const':
      return JSON.stringify(p.allowedValue);
    case 'enum':
      return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return schema.format === 'duration' ? DURATION_EXAMPLES : `text in the ${p.format} format`;
    case 'uniqueItems':
      return 'a list without repeated items';
    case 'type':
      // ajv's own words ("must be boolean") would only repeat what the type says
      return expectedFromType(schema);
    default:
      return expectedFromType(schema) + (e.message ? ` (${e.message})` : '');
  }
}
