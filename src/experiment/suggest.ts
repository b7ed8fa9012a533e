/** "Did you mean" for names people mistype: faults, settings, keys, nodes. */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring case. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `found`, if it is close enough to be what was meant and no other candidate is
 * as close (`N9` among N1…N4 suggests nothing; `n2` suggests `N2`).
 */
export function closest(found: string, candidates: Iterable<string>): string | undefined {
  const allowed = Math.max(1, Math.floor(found.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  let tied = false;
  for (const c of new Set(candidates)) {
    if (c === found) continue;
    // the distance is at least the difference in length: a candidate that far off could not be suggested,
    // and a fault name of 200,000 characters is not compared letter by letter with each fault's
    if (Math.abs(c.length - found.length) > allowed) continue;
    const dist = editDistance(found, c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
      tied = false;
    } else if (dist === bestDistance) {
      tied = true;
    }
  }
  return bestDistance <= allowed && !tied ? best : undefined;
}

/** `Did you mean "kill-clussvc"? ` or ''. */
export function didYouMean(found: unknown, candidates: Iterable<string>): string {
  if (typeof found !== 'string') return '';
  const c = closest(found, candidates);
  return c === undefined ? '' : `Did you mean ${JSON.stringify(c)}?`;
}

/** Join hint sentences, skipping empty ones. */
export function hints(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(' ');
}
