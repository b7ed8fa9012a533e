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
import { DANGEROUS_UNITS } from './dangerous-units.js';

/*
 * quote.ts without PowerShell: the exact text each function writes and what it refuses. What PowerShell reads
 * from that text is checked by PowerShell's own parser in quote-parser.test.ts (every quoted value is exactly
 * one constant equal to the value).
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
    expect(psString('web😀\u00A0')).to.equal("'web😀\u00A0'");
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
