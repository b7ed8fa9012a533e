import type { Segment } from './path.js';

/**
 * A problem before it is placed: what is wrong with the value at `path`. `at` says where to point:
 * the value itself, its key (an unknown key), or the mapping that should hold it (a missing key).
 */
export interface Finding {
  path: Segment[];
  at: 'value' | 'key' | 'parent';
  expected: string;
  found: string;
  hint: string;
}

/** A value as a user would recognise it in a message: `"kil-clussvc"`, `60`, `a list of 3 items`, `nothing`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  const keys = Object.keys(v as object);
  return keys.length === 0 ? 'an empty mapping' : `a mapping with ${keys.join(', ')}`;
}
