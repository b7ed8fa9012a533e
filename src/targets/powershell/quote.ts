/**
 * Values into PowerShell source text, safely. Every value a script carries (a cluster, node or VM name, a
 * number of milliseconds) goes through one of these functions and lands on its own `$name = <literal>` line;
 * nothing else ever splices a value into a script.
 *
 * Sources: windows-cluster-facts.md §5.1 (which characters are quotes) and §5.2 (verbatim strings), which
 * cite the PowerShell language spec [PSSPEC] §2.3.5.2, the tokenizer (`ScanStringLiteral`) [PSSRC-TOK] and
 * PowerShell's own `CodeGeneration.EscapeSingleQuotedStringContent` [PSSRC-CG].
 */

/**
 * The five characters PowerShell's tokenizer takes as a single quote: U+0027 ' and the "smart" quotes
 * U+2018 ‘, U+2019 ’, U+201A ‚, U+201B ‛ (§5.1; `CharExtensions.IsSingleQuote` [PSSRC-CT]). Any of them opens
 * or closes a verbatim string, whichever one opened it.
 */
export const SINGLE_QUOTE_CHARS: readonly string[] = ['\u0027', '\u2018', '\u2019', '\u201A', '\u201B'];

/** The four double-quote characters (§5.1). psString needs nothing special for them: inside '…' they are text. */
export const DOUBLE_QUOTE_CHARS: readonly string[] = ['\u0022', '\u201C', '\u201D', '\u201E'];

/** A value clusterchaos refuses to put into a script. Nothing was sent anywhere. */
export class UnsafeValueError extends RangeError {
  override name = 'UnsafeValueError';
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

/** Why a string cannot be quoted: the first offending character, or undefined when it can be. */
export interface UnsafeCharacter {
  index: number;
  codePoint: number;
  reason: string;
}

/**
 * The first character psString refuses, if any:
 * - control characters (Unicode Cc: U+0000–U+001F, U+007F and U+0080–U+009F). A newline inside a literal
 *   would be legal PowerShell, but the session is fed line by line (node-powershell writes the command to
 *   `pwsh -Command -`), every reader of a script (the dry-run, a person) reads it line by
 *   line, and no cluster, node or VM name has one: such names are refused, never quoted. NUL is refused too
 *   (the tokenizer only accepts it away from the end of input, §5.2).
 * - U+2028 and U+2029, line and paragraph separators (line breaks to JavaScript and to many editors).
 * - lone UTF-16 surrogates: they cannot be written as UTF-8 to the session, so the value PowerShell saw
 *   would not be the value we meant.
 */
export function findUnsafeCharacter(value: string): UnsafeCharacter | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return { index: i, codePoint: c, reason: 'a control character' };
    if (c === 0x2028 || c === 0x2029) return { index: i, codePoint: c, reason: 'a line or paragraph separator' };
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a well-formed pair: one astral character, fine
        continue;
      }
      return { index: i, codePoint: c, reason: 'a lone UTF-16 surrogate' };
    }
    if (c >= 0xdc00 && c <= 0xdfff) return { index: i, codePoint: c, reason: 'a lone UTF-16 surrogate' };
  }
  return undefined;
}

/**
 * A verbatim single-quoted PowerShell literal whose value is exactly `value`.
 *
 * Rule (§5.2, [PSSRC-TOK] `ScanStringLiteral`): inside '…', a single-quote character followed by another
 * single-quote character is an escape (the second is kept); any other single-quote character ends the
 * string. Nothing else is special: `$`, `$(`, backtick, the double quotes, `;`, `#`, `@'` are plain text.
 * So every one of the five single-quote characters is doubled with itself — exactly what PowerShell's own
 * `CodeGeneration.EscapeSingleQuotedStringContent` does (`if (IsSingleQuote(c)) sb.Append(c)`) [PSSRC-CG].
 * The literal is opened and closed with U+0027.
 *
 * Throws UnsafeValueError for a non-string and for the characters findUnsafeCharacter names.
 */
export function psString(value: string): string {
  if (typeof value !== 'string') {
    throw new UnsafeValueError(`expected a string to quote for PowerShell, got ${describe(value)}`, value);
  }
  const bad = findUnsafeCharacter(value);
  if (bad) {
    throw new UnsafeValueError(
      `refusing to put the value ${escapeForMessage(value)} into a PowerShell script: it contains ${bad.reason} ` +
        `(U+${hex(bad.codePoint)} at index ${bad.index}). Cluster, node and VM names cannot contain one; ` +
        `check the name in the experiment, the allowlist or the cluster.`,
      value,
    );
  }
  let out = "'";
  for (const ch of value) {
    out += SINGLE_QUOTE_CHARS.includes(ch) ? ch + ch : ch;
  }
  return out + "'";
}

/**
 * An integer literal. Only finite safe integers (Number.isSafeInteger): PowerShell reads them as Int32 or,
 * when larger, Int64, exactly. Fractions, NaN, Infinity and non-numbers are refused rather than rounded.
 */
export function psInteger(n: number): string {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new UnsafeValueError(
      `refusing to put ${describe(n)} into a PowerShell script as an integer: expected a whole number ` +
        `between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER} (round it first)`,
      n,
    );
  }
  // String(-0) is "0"; every other safe integer prints as plain digits with an optional minus.
  return String(n);
}

/** `$true` or `$false` (PowerShell's automatic boolean variables [PSSPEC] §2.3.2.2). */
export function psBool(b: boolean): string {
  if (typeof b !== 'boolean') {
    throw new UnsafeValueError(`expected a boolean for PowerShell, got ${describe(b)}`, b);
  }
  return b ? '$true' : '$false';
}

/**
 * An array of verbatim strings: `@('a', 'b')`, and `@()` when empty. `@(…)` always yields an array, even of
 * one element, in Windows PowerShell 5.1 and PowerShell 7 alike.
 */
export function psStringArray(values: readonly string[]): string {
  if (!Array.isArray(values)) {
    throw new UnsafeValueError(`expected an array of strings for PowerShell, got ${describe(values)}`, values);
  }
  return `@(${values.map(psString).join(', ')})`;
}

/** An array of integers: `@(60, 300)`, and `@()` when empty. Each element as psInteger. */
export function psIntegerArray(values: readonly number[]): string {
  if (!Array.isArray(values)) {
    throw new UnsafeValueError(`expected an array of integers for PowerShell, got ${describe(values)}`, values);
  }
  return `@(${values.map(psInteger).join(', ')})`;
}

/** A value for an error message: double-quoted, with every unsafe or invisible character as \u{…}. */
export function escapeForMessage(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (findUnsafeCharacter(ch) !== undefined) out += `\\u{${hex(cp)}}`;
    else out += ch;
  }
  return out + '"';
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${escapeForMessage(v)}`;
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
