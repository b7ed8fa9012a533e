/** Paths to a value in an experiment: `['method', 0, 'fault']`, written `method[0].fault` for people. */

export type Segment = string | number;

/** `['cluster', 'vms', 0, 'memoryGB']` → `cluster.vms[0].memoryGB`. */
export function pathText(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** `cluster.vms[0].memoryGB` → `['cluster', 'vms', 0, 'memoryGB']`; undefined when it is not such a path. */
export function parsePath(text: string): Segment[] | undefined {
  const out: Segment[] = [];
  for (const part of text.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** An ajv instancePath (`/method/0/fault`) as segments, with list indices as numbers. */
export function pointerPath(pointer: string, data: unknown): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let at: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) {
      out.push(Number(key));
      at = at[Number(key)];
    } else {
      out.push(key);
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** True when `prefix` is `path` or one of its ancestors. */
export function startsWith(path: readonly Segment[], prefix: readonly Segment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}
