/**
 * Durations as people write them in an experiment: `500ms`, `90s`, `2m`, `1h`, or parts from largest to
 * smallest unit, each at most once, without spaces: `1m30s`, `1h5m`, `2s500ms`. Whole numbers only.
 */

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];

const PART = /(\d+)(ms|h|m|s)/y;

/** What a duration looks like, for error messages. */
export const DURATION_EXAMPLES = 'a duration such as 500ms, 90s, 2m, 1h or 1m30s';

/** What to do about a malformed duration. */
export const DURATION_HINT = 'Write a whole number with its unit (ms, s, m or h), without spaces.';

/** Milliseconds in `text`, or undefined when it is not a duration. */
export function tryParseDuration(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let total = 0;
  let last = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) return undefined;
    const unit = m[2] as Unit;
    const rank = ORDER.indexOf(unit);
    if (rank <= last) return undefined; // units from largest to smallest, each once: `1m30s`, not `30s1m`
    last = rank;
    total += Number(m[1]) * UNIT_MS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

export function isDuration(text: string): boolean {
  return tryParseDuration(text) !== undefined;
}

/** `'90s'` → 90000. Throws on anything that is not a duration. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new Error(`expected ${DURATION_EXAMPLES}, found ${JSON.stringify(text)}`);
  return ms;
}
