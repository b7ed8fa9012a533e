import { expect } from 'chai';
import fc from 'fast-check';
import {
  UnsafeValueError,
  psBool,
  psInteger,
  psIntegerArray,
  psString,
  psStringArray,
} from '../../src/targets/powershell/quote.js';
import { DANGEROUS_UNITS, parseScriptHeader, readVerbatimString, singleStringToken, tokenize } from './ps-tokenizer.js';

/*
 * quote.ts without PowerShell: the exact text each function writes and what it refuses. What PowerShell reads
 * from that text is checked by PowerShell's own parser in quote-parser.test.ts (every quoted value is exactly
 * one constant equal to the value). The tokenizer model below (ps-tokenizer.ts) stays tested here because the
 * fake pwsh and the script tests read headers with it; quote-parser.test.ts checks it against the real parser.
 */
/**
 * What psString must refuse, written out independently of quote.ts: control characters (C0, DEL, C1), the
 * Unicode line and paragraph separators, and lone surrogates.
 */
const REFUSED = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Strings made mostly of the characters that break quoting, with some arbitrary code points mixed in. */
const dangerous = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DANGEROUS_UNITS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }), {
    maxLength: 24,
  })
  .map((parts) => parts.join(''));

describe('the tokenizer model (windows-cluster-facts §5)', () => {
  it('reads the examples of §5.2: a doubled quote of any kind is one quote, a single one ends the string', () => {
    expect(singleStringToken("'a''b'")).to.equal("a'b");
    expect(singleStringToken("'a\u2019\u2019b'")).to.equal('a\u2019b'); // 'a’’b' → a’b
    expect(readVerbatimString("'a\u2019b'", 0)).to.deep.equal({ value: 'a', end: 3 }); // 'a’b' ends at ’
    expect(singleStringToken("'a\u2019b'")).to.equal(undefined);
    // Any single quote followed by any single quote is an escape; the second is kept.
    expect(singleStringToken("'a\u2018'b'")).to.equal("a'b");
    // A string may open and close with a smart quote.
    expect(singleStringToken('\u201Bx\u201A')).to.equal('x');
  });

  it('treats $, $(, backticks, double quotes and U+201F as plain text inside a verbatim string', () => {
    expect(singleStringToken("'$(Remove-Item C:\\) `n \"x\" \u201Cy\u201D \u201F'")).to.equal('$(Remove-Item C:\\) `n "x" \u201Cy\u201D \u201F');
  });

  it('keeps reading a string across a newline, as PowerShell does, and reports one that never ends', () => {
    expect(singleStringToken("'a\nb'")).to.equal('a\nb');
    expect(singleStringToken("'abc")).to.equal(undefined);
    expect(singleStringToken("'abc' ")).to.equal(undefined);
  });

  it('catches the break-out that doubling only U+0027 would allow', () => {
    const name = "web\u2019; Stop-Computer -Force; \u2019";
    const naive = "'" + name.replaceAll("'", "''") + "'";
    expect(singleStringToken(naive), 'naive quoting is broken by a smart quote').to.equal(undefined);
    const kinds = tokenize(naive).map((t) => t.kind);
    expect(kinds.slice(0, 2)).to.deep.equal(['string', 'other']); // the string ends at ’, code follows
    expect(singleStringToken(psString(name))).to.equal(name);
  });

  it('parses a header and stops at the first empty line without reading the body', () => {
    const script = [
      '# clusterchaos isolate-network',
      "$cluster = 'C1'",
      "$peers = @('N1', 'N\u2019\u20193')",
      '$healAfterMs = 30000',
      '$negative = -5',
      '$drain = $true',
      '$none = @()',
      '$ints = @(60, 300)',
      '',
      '& { "the body is not tokenized: \u201C $( ) \u2019 " }',
    ].join('\r\n');
    expect(parseScriptHeader(script)).to.deep.equal({
      op: 'isolate-network',
      values: { cluster: 'C1', peers: ['N1', 'N\u20193'], healAfterMs: 30000, negative: -5, drain: true, none: [], ints: [60, 300] },
    });
  });

  it('rejects a header line that is not exactly one assignment of a literal', () => {
    const bad = [
      "$a = 'x'; Stop-Computer", // a second statement
      "$a = 'x' # note", // a comment after it
      "$a = 'x\ny'", // a string running past its line
      "$a = 'x", // a string that never ends
      '$a = $b', // a variable that is not $true/$false
      '$a = "x"', // an expandable string
      "$a = @('x', 1)", // a mixed array
      "$a = @('x'", // an unclosed array
      "'x'", // no assignment
    ];
    for (const line of bad) {
      expect(() => parseScriptHeader(`# clusterchaos poll\n${line}\n\nbody`), line).to.throw(/header line 2/);
    }
    expect(() => parseScriptHeader("# clusterchaos poll\n$a = 'x'\n$a = 'y'\n")).to.throw(/assigned twice/);
    expect(() => parseScriptHeader("$a = 'x'\n")).to.throw(/first line/);
  });
});

describe('psString', () => {
  it('wraps a value in U+0027 and doubles each of the five single quotes with itself (§5.2, [PSSRC-CG])', () => {
    expect(psString('HVCLUSTER01')).to.equal("'HVCLUSTER01'");
    expect(psString('')).to.equal("''");
    expect(psString("o'brien")).to.equal("'o''brien'");
    expect(psString('\u2018\u2019\u201A\u201B')).to.equal("'\u2018\u2018\u2019\u2019\u201A\u201A\u201B\u201B'");
    // Double quotes, backticks, $ and U+201F are left alone: nothing is special inside '…'.
    expect(psString('"`$(x)\u201C\u201F')).to.equal("'\"`$(x)\u201C\u201F'");
  });

  it('refuses control characters, line separators and lone surrogates with an UnsafeValueError that says what to do', () => {
    const refused = [
      ...Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)),
      '\u007F',
      '\u0085',
      '\u2028',
      '\u2029',
      '\uD800',
      '\uDFFF',
    ];
    for (const ch of refused) {
      const value = `vm${ch}01`;
      let caught: unknown;
      try {
        psString(value);
      } catch (e) {
        caught = e;
      }
      expect(caught, JSON.stringify(value)).to.be.instanceOf(UnsafeValueError);
      expect(caught).to.be.instanceOf(RangeError);
      const message = (caught as Error).message;
      expect(message).to.include('"vm\\u{').and.include('check the name');
      expect(message, 'the raw character never reaches the message').not.to.include(ch);
      expect((caught as UnsafeValueError).value).to.equal(value);
    }
  });

  it('accepts astral characters (well-formed surrogate pairs) and NBSP', () => {
    expect(singleStringToken(psString('web😀\u00A0'))).to.equal('web😀\u00A0');
  });

  it('refuses non-strings', () => {
    expect(() => psString(42 as unknown as string)).to.throw(UnsafeValueError, /expected a string/);
    expect(() => psString(undefined as unknown as string)).to.throw(UnsafeValueError);
  });

  it('property: refuses exactly the strings with a refused character, and quotes every other one', () => {
    // What PowerShell reads from the quoted ones is checked by its own parser: quote-parser.test.ts.
    fc.assert(
      fc.property(dangerous, (s) => {
        if (REFUSED.test(s)) expect(() => psString(s)).to.throw(UnsafeValueError);
        else expect(psString(s)).to.be.a('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('psInteger, psBool, psStringArray, psIntegerArray', () => {
  it('writes safe integers as plain digits and refuses everything else', () => {
    expect(psInteger(0)).to.equal('0');
    expect(psInteger(30000)).to.equal('30000');
    expect(psInteger(-1)).to.equal('-1');
    expect(psInteger(Number.MAX_SAFE_INTEGER)).to.equal('9007199254740991');
    for (const bad of [1.5, NaN, Infinity, -Infinity, 2 ** 53, '5', null]) {
      expect(() => psInteger(bad as number), String(bad)).to.throw(UnsafeValueError, /whole number/);
    }
  });

  it('writes booleans as $true / $false and refuses anything else', () => {
    expect(psBool(true)).to.equal('$true');
    expect(psBool(false)).to.equal('$false');
    expect(() => psBool('true' as unknown as boolean)).to.throw(UnsafeValueError);
  });

  it('writes arrays as @(…), each element quoted', () => {
    expect(psStringArray([])).to.equal('@()');
    expect(psStringArray(['N1'])).to.equal("@('N1')");
    expect(psStringArray(['N1', "N'2"])).to.equal("@('N1', 'N''2')");
    expect(() => psStringArray(['ok', 'bad\n'])).to.throw(UnsafeValueError);
    expect(psIntegerArray([60, -1])).to.equal('@(60, -1)');
    expect(psIntegerArray([])).to.equal('@()');
    expect(() => psIntegerArray([0.5])).to.throw(UnsafeValueError);
  });
});
