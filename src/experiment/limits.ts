/**
 * How big and how fast an experiment may be, and why. Past these, a hostile or mistyped file would cost the
 * machine its memory or disk before anything useful happened; each limit is well beyond what an experiment
 * needs, and each refusal names the file's line and what to write instead. The limits of names and other text
 * are in text.ts; those of a whole run (its trace, its length) in estimate.ts.
 */
import { Lexer } from 'yaml';

/**
 * The largest experiment file, in bytes: 256 KiB. The largest shipped one (live-migration-soak.yaml, six VMs
 * with their disks and a page of comments) is under 8 KB, and 256 KiB hold some 3,000 VMs written one a line.
 * What a file costs to read grows with its size, whatever it holds: 1 MiB of YAML took the parser and the
 * checks up to 5 s and 300 MB, 256 KiB about 2 s and 100 MB (a list of 20,000 wrong steps, each with its
 * message). The file is read at most this far: a device such as /dev/zero never ends and says its size is 0.
 */
export const MAX_EXPERIMENT_BYTES = 256 * 1024;

/**
 * The deepest nesting of mappings and lists. An experiment nests five deep (cluster.vms[0].disks[0].type);
 * ten thousand `[` in a row cost the YAML parser seconds and hundreds of MB before it gives up.
 */
export const MAX_NESTING = 64;

/**
 * The shortest observe.interval. One poll of a real cluster (Get-ClusterNode, Get-ClusterGroup, Get-VM, over
 * one session a node) costs 0.1–1 s: 163 ms for 4 nodes and 8 VMs in the rehearsal lab, more on a real
 * network. A shorter interval asks a real cluster for polls it cannot make (they would run back to back), and
 * the same file also runs on the simulator, whose clock is virtual: there nothing but the interval bounds
 * the polls, and at 0 ms a wait polls at one instant for ever (~20 MB of trace a second until the disk is
 * full). 100 ms still sees a state that lasts 200 ms, the case DESIGN.md gives for what a 1 s poll misses;
 * the shipped experiments poll every 1s.
 */
export const MIN_OBSERVE_INTERVAL_MS = 100;

/** `1 MiB`, `640 KiB`, `12 bytes`. */
export function bytesText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n.toLocaleString('en-US')} bytes`;
}

const MARKERS = new Set(['\x02', '\x18', '\x1f']); // the lexer's own tokens: a document, the end of a flow, a scalar
const LINE_END = /^(?:\r?\n)$/;
const BLANK = /^[ \t]+$/;

/**
 * Where the YAML text first nests deeper than `limit`, as an offset into the text, or undefined. Reads the
 * lexer's tokens only (a third of a second for 1 MiB): block nesting by indentation and by the indicators
 * of a compact line (`- - x`, `? ? x`), flow nesting by brackets. An approximation of the parser's depth
 * that never counts less than one level for each.
 */
export function tooDeep(text: string, limit = MAX_NESTING): number | undefined {
  let offset = 0;
  let flow = 0;
  let indent = 0;
  let lineStart = true;
  let onLine = 0;
  const indents: number[] = [];
  for (const token of new Lexer().lex(text)) {
    if (MARKERS.has(token)) continue;
    const at = offset;
    offset += token.length;
    if (LINE_END.test(token)) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (BLANK.test(token)) {
      if (lineStart) indent = token.length;
      continue;
    }
    if (token.startsWith('#')) continue;
    if (token.endsWith('\n')) {
      // a block scalar's lines (`description: >`): text, not structure
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      lineStart = false;
      if (flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
        indents.push(indent);
        onLine = indents.length;
      }
    }
    if (flow === 0 && (token === '-' || token === '?')) onLine++;
    if (token === '[' || token === '{') flow++;
    else if (token === ']' || token === '}') flow = Math.max(0, flow - 1);
    if (onLine + flow > limit) return at;
  }
  return undefined;
}
