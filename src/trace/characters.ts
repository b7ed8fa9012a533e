/**
 * The characters refused in every name clusterchaos handles (experiment files, the allowlist, stored traces):
 * characters a terminal interprets and characters that disguise text, because a name reaches a terminal, a
 * log, the reports and a PowerShell command line and must read the same everywhere. Each is named in messages
 * as U+hhhh at its position, because most of them cannot be seen.
 */
interface Refused {
  from: number;
  to: number;
  /** What the character is, in words, after "U+hhhh (…)". */
  what: string;
}

const REFUSED: readonly Refused[] = [
  // C0 controls and DEL (Unicode Cc): ESC (U+001B) starts a terminal escape sequence, CR rewrites the line
  { from: 0x00, to: 0x1f, what: 'a control character' },
  { from: 0x7f, to: 0x7f, what: 'DEL, a control character' },
  // C1 controls (Unicode Cc): U+009B is CSI, which starts a terminal escape sequence as ESC [ does
  { from: 0x80, to: 0x9f, what: 'a C1 control character' },
  // bidirectional controls reorder how the text is shown, so it reads otherwise than it is (CVE-2021-42574)
  { from: 0x061c, to: 0x061c, what: 'ARABIC LETTER MARK, a bidirectional control' },
  { from: 0x200e, to: 0x200f, what: 'a LEFT-TO-RIGHT or RIGHT-TO-LEFT MARK, a bidirectional control' },
  { from: 0x202a, to: 0x202e, what: 'a bidirectional embedding or override' },
  { from: 0x2066, to: 0x2069, what: 'a bidirectional isolate' },
  // a line break to JavaScript, some editors and terminals, though not to YAML
  { from: 0x2028, to: 0x2028, what: 'a LINE SEPARATOR' },
  { from: 0x2029, to: 0x2029, what: 'a PARAGRAPH SEPARATOR' },
  // invisible: two names that differ only by one look the same
  { from: 0x200b, to: 0x200b, what: 'an invisible ZERO WIDTH SPACE' },
  { from: 0x2060, to: 0x2060, what: 'an invisible WORD JOINER' },
  { from: 0xfeff, to: 0xfeff, what: 'an invisible ZERO WIDTH NO-BREAK SPACE, or byte-order mark' },
  // half of a surrogate pair on its own ("\ud800" in a double-quoted string) is not a character at all
  { from: 0xd800, to: 0xdfff, what: 'half of a UTF-16 surrogate pair, not a character' },
];

const NAMED: Record<number, string> = {
  0x09: 'a tab',
  0x0a: 'a line break',
  0x0d: 'a carriage return',
  0x1b: 'ESC, which starts a terminal escape sequence',
  0x9b: 'CSI, a C1 control character that starts a terminal escape sequence',
};

const hex = (c: number): string => c.toString(16).toUpperCase().padStart(4, '0');

/** The refused characters as a regular-expression class body (`\u0000-\u001f…`), for JSON Schema patterns (ajv compiles them with the u flag). */
export const REFUSED_CLASS = REFUSED.map((r) => (r.from === r.to ? `\\u${hex(r.from)}` : `\\u${hex(r.from)}-\\u${hex(r.to)}`)).join('');

/** JSON Schema pattern of a name: not empty, and none of the refused characters. */
export const NAME_PATTERN = `^[^${REFUSED_CLASS}]+$`;

const REFUSED_RE = new RegExp(`[${REFUSED_CLASS}]`, 'u');
const REFUSED_ALL_RE = new RegExp(`[${REFUSED_CLASS}]`, 'gu');

export interface RefusedCharacter {
  /** U+hhhh */
  code: string;
  /** 1-based position in the text, counted in characters (code points). */
  position: number;
  what: string;
}

/**
 * The first refused character of `text`, or undefined. `allow` lists characters allowed here all the same
 * (a description's `\n` and `\t`).
 */
export function refusedCharacter(text: string, allow = ''): RefusedCharacter | undefined {
  if (!REFUSED_RE.test(text)) return undefined;
  let position = 0;
  for (const ch of text) {
    position++;
    if (allow.includes(ch) || !REFUSED_RE.test(ch)) continue;
    const c = ch.codePointAt(0)!;
    const what = NAMED[c] ?? REFUSED.find((r) => c >= r.from && c <= r.to)!.what;
    return { code: `U+${hex(c)}`, position, what };
  }
  return undefined;
}

/** `U+009B (CSI, …) at position 2`, for the "found" of a message. */
export function describeRefused(r: RefusedCharacter): string {
  return `${r.code} (${r.what}) at position ${r.position}`;
}

/**
 * Text made safe to print: every refused character written as `\uhhhh`, so a message quoting a hostile name
 * cannot drive the terminal that shows it. Astral characters (U+10000 and above) are kept as they are.
 */
export function escapeRefused(text: string): string {
  return text.replace(REFUSED_ALL_RE, (ch) => `\\u${hex(ch.codePointAt(0)!).toLowerCase()}`);
}

