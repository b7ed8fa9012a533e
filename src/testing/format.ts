import type { QuotedLine, Violation } from '../check/index.js';
import { formatT, seconds } from '../check/time.js';

/**
 * A violation laid out as `clusterchaos run` prints it: entity and rule, expected, observed, when (and how long
 * after which stimulus), the setting involved, the explanation, and the quoted trace lines, the observation
 * itself marked with `>`. (src/testing may not import src/report, so the layout is repeated here.)
 */
export function formatViolation(v: Violation): string {
  const when = v.since ? `${formatT(v.t)}, ${seconds(v.t - v.since.t)} after ${v.since.what} (at ${formatT(v.since.t)})` : formatT(v.t);
  const lines = [`${v.entity} (${v.rule})`, `  expected: ${v.expected}`, `  observed: ${v.observed}`, `  when:     ${when}`];
  if (v.setting) lines.push(`  setting:  ${v.setting.name} = ${v.setting.value} ${v.setting.unit}`);
  lines.push(`  ${v.message}`);
  if (v.context.length) {
    lines.push('  trace:');
    const marked = v.context.map((q) => q.t === v.t && q.text.includes('"observe"') && q.text.includes(JSON.stringify(v.entity)));
    lines.push(...quoteLines(v.context, marked));
  }
  return lines.join('\n');
}

/** Quoted trace lines, `    #41  00:10.0  {"type":"observe",…}`, the `marked` ones with `>`. */
export function quoteLines(lines: QuotedLine[], marked: boolean[] = []): string[] {
  const width = Math.max(0, ...lines.map((q) => String(q.seq).length));
  return lines.map((q, i) => `  ${marked[i] ? '>' : ' '} #${String(q.seq).padEnd(width)}  ${formatT(q.t)}  ${q.text}`);
}
