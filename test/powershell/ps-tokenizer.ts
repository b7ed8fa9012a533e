/**
 * A small, independent model of PowerShell's tokenizer — just enough of it to read what the script builders
 * (src/targets/powershell/scripts.ts) put in a script's header, the way PowerShell would read it:
 *
 *   # clusterchaos <op>
 *   $cluster = 'HVCLUSTER01'
 *   $peers = @('N1', 'N3')
 *   $healAfterMs = 30000
 *   $clearQuarantine = $true
 *   <empty line, then the body>
 *
 * It is written from the language rules (windows-cluster-facts.md §5), not from quote.ts, so the tests that
 * use it check psString against PowerShell's rules rather than against itself:
 * - single-quote characters are U+0027 ' U+2018 ‘ U+2019 ’ U+201A ‚ U+201B ‛ (§5.1); double-quote characters
 *   are U+0022 " U+201C “ U+201D ” U+201E „; U+201F ‟, U+02BC and the backtick are neither;
 * - a verbatim string opens on any single-quote character; inside it, a single-quote character followed by
 *   ANY single-quote character is an escape and the second is kept, any other single-quote character ends
 *   the string (§5.2, `ScanStringLiteral`) — so `'a’’b'` is a’b and `'a’b'` ends after a; nothing else
 *   (`$`, backtick, double quotes, newlines) is special inside it;
 * - a newline is CR, LF or CR LF, and outside strings ends a statement; `#` outside strings starts a comment
 *   that runs to the end of the line.
 *
 * Simplifications (fine for headers, NOT a general PowerShell tokenizer): variables are `$` + letters,
 * digits and `_`; numbers are an optional `-` and decimal digits; everything the model does not know (double
 * quoted strings, braces, pipes, operators, here-strings…) becomes an `other` token of one character, which
 * the header parser rejects. Do not tokenize a script body with it and draw conclusions.
 *
 * The fake pwsh (test/fake-bin) imports parseScriptHeader to learn which operation a script is and with which
 * values; the property tests use singleStringToken to check that a psString literal is exactly one token.
 */

export const SINGLE_QUOTES = new Set(['\u0027', '\u2018', '\u2019', '\u201A', '\u201B']);
export const DOUBLE_QUOTES = new Set(['\u0022', '\u201C', '\u201D', '\u201E']);

export type TokenKind =
  | 'string' // a verbatim '…' string; `value` is its content after un-doubling
  | 'variable' // $name; `value` is the name without `$`
  | 'number' // an integer; `value` is the number
  | 'equals' // =
  | 'arrayStart' // @(
  | 'comma' // ,
  | 'rparen' // )
  | 'comment' // # … to the end of the line; `value` is the text after `#`
  | 'newline' // CR, LF or CR LF
  | 'other'; // one character the model does not know (an opening double quote, `{`, `|`, `;`, …)

export interface Token {
  kind: TokenKind;
  /** Offsets into the text: [start, end). */
  start: number;
  end: number;
  value?: string | number;
}

/** The text ended inside a verbatim string: PowerShell would keep reading (or report a missing terminator). */
export class UnterminatedStringError extends Error {
  override name = 'UnterminatedStringError';
}

/** A script whose header is not `# clusterchaos <op>` followed by `$name = <literal>` lines. */
export class ScriptHeaderError extends Error {
  override name = 'ScriptHeaderError';
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t';
const isNameChar = (c: string): boolean => /^[A-Za-z0-9_]$/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/**
 * Read a verbatim string starting at `start` (which must be a single-quote character).
 * Returns its value and the offset just past the closing quote.
 */
export function readVerbatimString(text: string, start: number): { value: string; end: number } {
  if (!SINGLE_QUOTES.has(text[start] ?? '')) throw new Error(`no single quote at offset ${start}`);
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new UnterminatedStringError(`verbatim string opened at offset ${start} never ends`);
    const c = text[i]!;
    if (SINGLE_QUOTES.has(c)) {
      const next = text[i + 1];
      if (next !== undefined && SINGLE_QUOTES.has(next)) {
        value += next; // doubled: the first is an escape, the second is kept (whichever quote it is)
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c; // `$`, backtick, double quotes, newlines, NUL…: all plain text here
    i++;
  }
}

/** Tokenize `text` from `start` until `stop(token)` says so (inclusive) or the text ends. */
export function tokenize(text: string, start = 0, stop?: (t: Token) => boolean): Token[] {
  const tokens: Token[] = [];
  let i = start;
  const push = (t: Token): boolean => {
    tokens.push(t);
    i = t.end;
    return stop?.(t) ?? false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    let done: boolean;
    if (c === '\r' || c === '\n') {
      const end = c === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
      done = push({ kind: 'newline', start: i, end });
    } else if (SINGLE_QUOTES.has(c)) {
      const s = readVerbatimString(text, i);
      done = push({ kind: 'string', start: i, end: s.end, value: s.value });
    } else if (c === '#') {
      let end = i + 1;
      while (end < text.length && text[end] !== '\r' && text[end] !== '\n') end++;
      done = push({ kind: 'comment', start: i, end, value: text.slice(i + 1, end) });
    } else if (c === '$' && isNameChar(text[i + 1] ?? '')) {
      let end = i + 1;
      while (end < text.length && isNameChar(text[end]!)) end++;
      done = push({ kind: 'variable', start: i, end, value: text.slice(i + 1, end) });
    } else if (isDigit(c) || (c === '-' && isDigit(text[i + 1] ?? ''))) {
      let end = i + 1;
      while (end < text.length && isDigit(text[end]!)) end++;
      done = push({ kind: 'number', start: i, end, value: Number(text.slice(i, end)) });
    } else if (c === '=') {
      done = push({ kind: 'equals', start: i, end: i + 1 });
    } else if (c === '@' && text[i + 1] === '(') {
      done = push({ kind: 'arrayStart', start: i, end: i + 2 });
    } else if (c === ',') {
      done = push({ kind: 'comma', start: i, end: i + 1 });
    } else if (c === ')') {
      done = push({ kind: 'rparen', start: i, end: i + 1 });
    } else {
      done = push({ kind: 'other', start: i, end: i + 1 });
    }
    if (done) break;
  }
  return tokens;
}

/**
 * The value of `text` when it is exactly one complete verbatim string token and nothing else (no leading or
 * trailing characters, not even spaces); undefined otherwise (including when the string never ends).
 */
export function singleStringToken(text: string): string | undefined {
  if (!SINGLE_QUOTES.has(text[0] ?? '')) return undefined;
  try {
    const s = readVerbatimString(text, 0);
    return s.end === text.length ? s.value : undefined;
  } catch (e) {
    if (e instanceof UnterminatedStringError) return undefined;
    throw e;
  }
}

export type HeaderValue = string | number | boolean | string[] | number[];

export interface ScriptHeader {
  /** The operation name from the first line, `# clusterchaos <op>`. */
  op: string;
  /** Each `$name = <literal>` of the header, by variable name as written. */
  values: Record<string, HeaderValue>;
  /** Offset where the header ends (just past the empty line that ends it, or the text's length). */
  end: number;
}

const FIRST_LINE = /^# clusterchaos ([a-z][a-z0-9-]*)[ \t]*$/;

/**
 * Parse the header of a script built by scripts.ts:
 * - line 1: `# clusterchaos <op>` (op: lower-case letters, digits and dashes);
 * - then one assignment per line, `$name = <literal>`, where the literal is a verbatim string, an integer,
 *   `$true` / `$false`, or an array `@(…)` of strings or of integers (`@()` reads as []);
 * - the header ends at the first empty line (or the end of the text). The body is never tokenized.
 *
 * Throws ScriptHeaderError when the first line is not the marker, when a header line is anything but one
 * complete assignment (a string that does not end on its own line, a second statement, a comment, an
 * unknown character), or when a variable is assigned twice. Line endings may be LF or CR LF.
 */
export function parseScriptHeader(script: string): { op: string; values: Record<string, HeaderValue> } {
  const { op, values } = readScriptHeader(script);
  return { op, values };
}

/** parseScriptHeader, also telling where the header ends (the body is `script.slice(end)`). */
export function readScriptHeader(script: string): ScriptHeader {
  const firstEnd = lineEnd(script, 0);
  const first = FIRST_LINE.exec(script.slice(0, firstEnd));
  if (!first) throw new ScriptHeaderError(`the first line is not "# clusterchaos <op>": ${JSON.stringify(script.slice(0, 80))}`);
  const op = first[1]!;
  const values: Record<string, HeaderValue> = Object.create(null) as Record<string, HeaderValue>;
  let i = skipNewline(script, firstEnd);
  while (i < script.length) {
    const end = lineEnd(script, i);
    if (end === i) return { op, values, end: skipNewline(script, i) }; // the empty line: header done
    // Tokenize exactly one statement: up to and including its newline (a string may not contain one,
    // so a newline token is always the real end of the line as PowerShell sees it).
    let tokens: Token[];
    try {
      tokens = tokenize(script, i, (t) => t.kind === 'newline');
    } catch (e) {
      if (e instanceof UnterminatedStringError) {
        throw new ScriptHeaderError(`header line ${lineNo(script, i)}: a string never ends (${e.message})`);
      }
      throw e;
    }
    const last = tokens[tokens.length - 1];
    const statementEnd = last?.kind === 'newline' ? last.start : script.length;
    if (statementEnd !== end) {
      throw new ScriptHeaderError(`header line ${lineNo(script, i)}: a string runs past the end of its line`);
    }
    const body = tokens.filter((t) => t.kind !== 'newline');
    const [name, value] = readAssignment(body, script, i);
    if (Object.prototype.hasOwnProperty.call(values, name)) {
      throw new ScriptHeaderError(`header line ${lineNo(script, i)}: $${name} is assigned twice`);
    }
    values[name] = value;
    i = last?.kind === 'newline' ? last.end : script.length;
  }
  return { op, values, end: script.length };
}

function readAssignment(tokens: Token[], script: string, lineStart: number): [string, HeaderValue] {
  const where = `header line ${lineNo(script, lineStart)} (${JSON.stringify(script.slice(lineStart, lineEnd(script, lineStart)).slice(0, 120))})`;
  const [v, eq, ...rest] = tokens;
  if (v?.kind !== 'variable' || eq?.kind !== 'equals' || rest.length === 0) {
    throw new ScriptHeaderError(`${where}: expected "$name = <literal>"`);
  }
  const name = v.value as string;
  const one = (t: Token): string | number | boolean => {
    if (t.kind === 'string' || t.kind === 'number') return t.value!;
    if (t.kind === 'variable' && /^(true|false)$/i.test(t.value as string)) return (t.value as string).toLowerCase() === 'true';
    throw new ScriptHeaderError(`${where}: ${t.kind} ${JSON.stringify(script.slice(t.start, t.end))} is not a literal`);
  };
  if (rest[0]!.kind !== 'arrayStart') {
    if (rest.length !== 1) throw new ScriptHeaderError(`${where}: more than one token after "="`);
    return [name, one(rest[0]!)];
  }
  // @( [literal (, literal)*] )
  const items: (string | number | boolean)[] = [];
  let k = 1;
  if (rest[k]?.kind === 'rparen') k++;
  else {
    for (;;) {
      const t = rest[k];
      if (t === undefined) throw new ScriptHeaderError(`${where}: array not closed`);
      items.push(one(t));
      k++;
      const sep = rest[k];
      if (sep?.kind === 'comma') {
        k++;
        continue;
      }
      if (sep?.kind === 'rparen') {
        k++;
        break;
      }
      throw new ScriptHeaderError(`${where}: expected "," or ")" in the array`);
    }
  }
  if (k !== rest.length) throw new ScriptHeaderError(`${where}: something follows the array`);
  if (items.every((x) => typeof x === 'string')) return [name, items as string[]];
  if (items.every((x) => typeof x === 'number')) return [name, items as number[]];
  throw new ScriptHeaderError(`${where}: an array must hold only strings or only integers`);
}

function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

function skipNewline(text: string, at: number): number {
  if (text[at] === '\r' && text[at + 1] === '\n') return at + 2;
  if (text[at] === '\r' || text[at] === '\n') return at + 1;
  return at;
}

function lineNo(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) n++;
  return n;
}

/**
 * Pieces of text that have broken quoting somewhere, for property tests that build names out of them: all
 * five single quotes and four double quotes, the backtick, `$` and `$(`, statement and comment starters,
 * here-string openers and closers, line breaks (CR, LF, CR LF, NEL, U+2028), NUL and other control
 * characters, U+201F (which is NOT a quote), lone surrogates, spaces, and non-ASCII letters and emoji.
 * Mix with ordinary text; psString must refuse (UnsafeValueError) or quote every combination.
 */
export const DANGEROUS_UNITS: readonly string[] = [
  "'", '\u2018', '\u2019', '\u201A', '\u201B', "''", '\u2019\u2019', "'\u2019",
  '"', '\u201C', '\u201D', '\u201E', '\u201F', '\u02BC',
  '`', '$', '$(', '${', '$_', '$true', ')', '(', '}', '{', ';', '&', '|', '#', '<#', '#>',
  "@'", "'@", '@"', '"@', '\n', '\r', '\r\n', '\u0085', '\u2028', '\u2029', '\0', '\u0007', '\u001B', '\u007F',
  '\uD800', '\uDC00', ' ', '\t', '\u00A0', 'é', 'ß', '漢', '😀', 'a', 'Z', '0', '-', '\\', '/', ':', '.', ',', '=',
];
