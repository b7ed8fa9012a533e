/**
 * The subset of the event log's XPath that Get-WinEvent -FilterXPath takes here: `*` (every record), or
 * `*[System[<condition>]]` where a condition combines with `and`, `or` and parentheses:
 *   Provider[@Name='…' or @Name='…']   EventID=n (also !=, <, <=, >, >=)   Level=n   EventRecordID=n
 *   TimeCreated[@SystemTime>='<ISO 8601>' and @SystemTime<='…']   TimeCreated[timediff(@SystemTime) <= ms]
 * Anything else is refused as the event log service refuses it: "The specified query is invalid".
 */
import type { StoredEvent } from './events.js';

export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
  constructor(readonly detail: string) {
    super('The specified query is invalid');
  }
}

export type EventPredicate = (e: StoredEvent, nowMs: number) => boolean;

type Token = { kind: 'punct'; text: string } | { kind: 'name'; text: string } | { kind: 'string'; text: string } | { kind: 'number'; value: number };

const PUNCT = ['!=', '>=', '<=', '*', '[', ']', '(', ')', '@', '=', '<', '>'];

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const punct = PUNCT.find((p) => query.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct });
      i += punct.length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = query.indexOf(c, i + 1);
      if (end < 0) throw new InvalidQueryError(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: query.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const number = /^\d+/.exec(query.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(query.slice(i));
    if (name) {
      tokens.push({ kind: 'name', text: name[0] });
      i += name[0].length;
      continue;
    }
    throw new InvalidQueryError(`unexpected '${c}' at ${i}`);
  }
  return tokens;
}

type Compare = '=' | '!=' | '<' | '<=' | '>' | '>=';
const COMPARES: readonly string[] = ['=', '!=', '<', '<=', '>', '>='];

function compare(op: Compare, a: number, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  query(): EventPredicate {
    if (!this.punct('*') && !this.name('Event')) this.fail('a query starts with * (or Event)');
    if (this.done()) return () => true;
    this.expect('[');
    if (!this.name('System')) this.fail('only System[…] conditions are supported');
    this.expect('[');
    const p = this.or(() => this.systemTerm());
    this.expect(']');
    this.expect(']');
    if (!this.done()) this.fail('unexpected text after the query');
    return p;
  }

  private or(term: () => EventPredicate): EventPredicate {
    let left = this.and(term);
    while (this.name('or')) {
      const l = left;
      const r = this.and(term);
      left = (e, now) => l(e, now) || r(e, now);
    }
    return left;
  }

  private and(term: () => EventPredicate): EventPredicate {
    let left = this.unary(term);
    while (this.name('and')) {
      const l = left;
      const r = this.unary(term);
      left = (e, now) => l(e, now) && r(e, now);
    }
    return left;
  }

  private unary(term: () => EventPredicate): EventPredicate {
    if (this.punct('(')) {
      const p = this.or(term);
      this.expect(')');
      return p;
    }
    return term();
  }

  private systemTerm(): EventPredicate {
    if (this.name('Provider')) {
      this.expect('[');
      const p = this.or(() => {
        this.expect('@');
        if (!this.name('Name')) this.fail('Provider[@Name=…] is the provider condition supported');
        this.expect('=');
        const name = this.string().toLowerCase();
        return (e) => e.provider.toLowerCase() === name;
      });
      this.expect(']');
      return p;
    }
    for (const [field, get] of [
      ['EventID', (e: StoredEvent) => e.id],
      ['Level', (e: StoredEvent) => e.level],
      ['EventRecordID', (e: StoredEvent) => e.recordId],
    ] as const) {
      if (this.name(field)) {
        const op = this.compare();
        const n = this.number();
        return (e) => compare(op, get(e), n);
      }
    }
    if (this.name('TimeCreated')) {
      this.expect('[');
      const p = this.or(() => this.timeTerm());
      this.expect(']');
      return p;
    }
    return this.fail('expected Provider, EventID, Level, EventRecordID or TimeCreated');
  }

  private timeTerm(): EventPredicate {
    if (this.name('timediff')) {
      this.expect('(');
      this.expect('@');
      if (!this.name('SystemTime')) this.fail('timediff(@SystemTime) expected');
      this.expect(')');
      const op = this.compare();
      const ms = this.number();
      return (e, now) => compare(op, now - e.timeMs, ms);
    }
    this.expect('@');
    if (!this.name('SystemTime')) this.fail('@SystemTime expected');
    const op = this.compare();
    const text = this.string();
    const t = Date.parse(text);
    // The service reads SystemTime values as UTC (ISO 8601 with Z)
    if (Number.isNaN(t) || !/(Z|[+-]\d{2}:\d{2})$/i.test(text)) this.fail(`'${text}' is not a UTC date-time`);
    return (e) => compare(op, e.timeMs, t);
  }

  private compare(): Compare {
    const t = this.tokens[this.at];
    if (t?.kind === 'punct' && COMPARES.includes(t.text)) {
      this.at++;
      return t.text as Compare;
    }
    return this.fail('a comparison (=, !=, <, <=, >, >=) expected');
  }

  private number(): number {
    const t = this.tokens[this.at];
    if (t?.kind !== 'number') this.fail('a number expected');
    this.at++;
    return (t as { value: number }).value;
  }

  private string(): string {
    const t = this.tokens[this.at];
    if (t?.kind !== 'string') this.fail('a quoted string expected');
    this.at++;
    return (t as { text: string }).text;
  }

  private punct(text: string): boolean {
    const t = this.tokens[this.at];
    if (t?.kind === 'punct' && t.text === text) {
      this.at++;
      return true;
    }
    return false;
  }

  /** The next token is this name (XPath's names are case-sensitive). */
  private name(text: string): boolean {
    const t = this.tokens[this.at];
    if (t?.kind === 'name' && t.text === text) {
      this.at++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.punct(text)) this.fail(`'${text}' expected`);
  }

  private done(): boolean {
    return this.at >= this.tokens.length;
  }

  private fail(why: string): never {
    throw new InvalidQueryError(`${why} (at token ${this.at + 1})`);
  }
}

/** Parse a -FilterXPath query; InvalidQueryError for anything outside the subset. */
export function parseEventXPath(query: string): EventPredicate {
  return new Parser(tokenize(query)).query();
}
