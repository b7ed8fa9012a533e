import { expect } from 'chai';
import fc from 'fast-check';
import { UnsafeValueError, findUnsafeCharacter, psInteger, psString, psStringArray } from '../../src/targets/powershell/quote.js';
import { psValue } from '../../src/targets/powershell/scripts.js';
import { PowerShellParser, plainValue, type CommandElement, type ParseSummary, type ParsedValue } from './ps-parser.js';
import { DANGEROUS_UNITS } from './dangerous-units.js';
import { SAMPLE_SCRIPTS } from './sample-scripts.js';

/**
 * Quoting (review R9 and §4) checked by PowerShell's own parser, not a model of it: every value quoted by
 * quote.ts (psString, psStringArray, psInteger) and by scripts.ts (psValue: a literal, or base64 for
 * anything outside printable ASCII) is read by PowerShell as exactly one constant equal to the value — on
 * its own, followed by more code, and as a command's argument. Values are checked in batches, hundreds per
 * round trip to one pwsh process (ps-parser.ts).
 */

/** Strings made mostly of the characters that break quoting, with arbitrary code units mixed in. */
const dangerous = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DANGEROUS_UNITS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }), {
    maxLength: 24,
  })
  .map((parts) => parts.join(''));

const quotable = dangerous.filter((s) => findUnsafeCharacter(s) === undefined);

/**
 * Each run of a property checks a batch of up to 100 values in one round trip (lengths spread over 1..100, not
 * fast-check's default small sizes); 20 runs ≈ 1000 values. A failure prints `{ seed, path }` to replay it and
 * shrinks the batch to the values that fail.
 */
const RUNS = { numRuns: 20 } as const;
const BATCH = { minLength: 1, maxLength: 100, size: 'max' } as const;

const constant = (value: string): ParsedValue => ({ kind: 'constant', value, type: 'String', form: 'SingleQuoted', text: psString(value) });

/** The summary of `$v = <literal>`: no error, one statement, one assignment of one constant, no command. */
function expectOneConstant(summary: ParseSummary, value: string, literal: string): void {
  const where = `PowerShell's parse of $v = ${literal}`;
  expect(summary.errors, where).to.deep.equal([]);
  expect(summary.statements, where).to.equal(1);
  expect(summary.commands, where).to.deep.equal([]);
  expect(summary.assignments, where).to.have.length(1);
  expect(summary.assignments[0]!.variable, where).to.equal('v');
  expect(summary.assignments[0]!.value, where).to.deep.equal(constant(value));
}

describe("quoting, checked by PowerShell's own parser", function () {
  this.timeout(120_000);
  let parser: PowerShellParser;

  before(() => {
    parser = PowerShellParser.start();
  });
  after(() => parser.close());

  describe('the oracle', () => {
    it('tells one constant from a break-out, a double-quoted string and an expression', async () => {
      const breakOut = "web\u2019; Stop-Computer -Force; \u2019";
      const naive = "'" + breakOut.replaceAll("'", "''") + "'"; // doubles only U+0027
      const [good, broken, doubleQuoted, expression] = await parser.parse([
        `$v = ${psString(breakOut)}`,
        `$v = ${naive}`,
        '$v = "web$(Stop-Computer)"',
        "$v = 'a' + 'b'",
      ]);
      expectOneConstant(good!, breakOut, psString(breakOut));
      expect(broken!.commands.map((c) => c.name), 'naive quoting lets a command through').to.include('Stop-Computer');
      expect(doubleQuoted!.assignments[0]!.value).to.deep.include({ kind: 'other', ast: 'ExpandableStringExpressionAst' });
      expect(expression!.assignments[0]!.value).to.deep.include({ kind: 'other', ast: 'BinaryExpressionAst' });
    });

    it('reads base64 values strictly: what decodes to UTF-8 is the value, anything else is not', async () => {
      const [ok, bad, notSingleQuoted] = await parser.parse([
        "$v = (ConvertFrom-ClusterChaosBase64 'd8OpYuKAmTAx')",
        "$v = (ConvertFrom-ClusterChaosBase64 '/w==')",
        '$v = (ConvertFrom-ClusterChaosBase64 "d8OpYuKAmTAx")',
      ]);
      expect(ok!.assignments[0]!.value).to.deep.equal({ kind: 'base64', encoded: 'd8OpYuKAmTAx', value: 'wéb\u201901' });
      expect(ok!.commands, 'the decoding call is the value, not a command of the script').to.deep.equal([]);
      expect(bad!.assignments[0]!.value).to.deep.include({ kind: 'other', ast: 'ParenExpressionAst' });
      expect(notSingleQuoted!.assignments[0]!.value.kind).to.equal('other');
    });
  });

  describe('psString', () => {
    it('property: every quotable value is exactly one constant equal to it — alone, before more code, and as an argument', async () => {
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(quotable, BATCH), async (values) => {
          checked += values.length;
          const texts = values.flatMap((s) => {
            const l = psString(s);
            return [`$v = ${l}`, `$v = ${l}; $after = 'x'`, `Get-ClusterChaosObservation -Cluster ${l} -Node @(${l}, 'N2') -Drain`];
          });
          const summaries = await parser.parse(texts);
          values.forEach((s, i) => {
            const l = psString(s);
            const [alone, followed, argument] = summaries.slice(3 * i, 3 * i + 3) as [ParseSummary, ParseSummary, ParseSummary];
            expectOneConstant(alone, s, l);
            // The literal ends exactly where it should: the next statement is still code.
            expect(followed.statements, `$v = ${l}; …`).to.equal(2);
            expect(followed.assignments.map((a) => [a.variable, plainValue(a.value)]), `$v = ${l}; …`).to.deep.equal([
              ['v', s],
              ['after', 'x'],
            ]);
            expect(argument.errors).to.deep.equal([]);
            expect(argument.commands, `Get-ClusterChaosObservation -Cluster ${l} …`).to.deep.equal([
              {
                name: 'Get-ClusterChaosObservation',
                line: 1,
                elements: [
                  { kind: 'parameter', name: 'Cluster' },
                  constant(s),
                  { kind: 'parameter', name: 'Node' },
                  { kind: 'array', elements: [constant(s), constant('N2')] },
                  { kind: 'parameter', name: 'Drain' },
                ] satisfies CommandElement[],
              },
            ]);
          });
        }),
        RUNS,
      );
      expect(checked, 'values checked').to.be.above(500);
    });

    it('property: string arrays are arrays of exactly those constants (psStringArray)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(quotable, { maxLength: 5 }), BATCH), async (lists) => {
          const summaries = await parser.parse(lists.map((l) => `$v = ${psStringArray(l)}`));
          lists.forEach((list, i) => {
            const s = summaries[i]!;
            expect(s.errors).to.deep.equal([]);
            expect(s.assignments[0]!.value, psStringArray(list)).to.deep.equal({ kind: 'array', elements: list.map(constant) });
          });
        }),
        RUNS,
      );
    });
  });

  describe('psValue (scripts.ts: a literal for printable ASCII, base64 for the rest; review R9)', () => {
    it('property: the script text is printable ASCII and PowerShell reads exactly the value, alone and as an argument', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(dangerous, BATCH), async (values) => {
          const safe = values.filter((s) => findUnsafeCharacter(s) === undefined);
          for (const s of values.filter((v) => findUnsafeCharacter(v) !== undefined)) expect(() => psValue(s)).to.throw(UnsafeValueError);
          const summaries = await parser.parse(safe.flatMap((s) => [`$v = ${psValue(s)}`, `Move-ClusterChaosVm -Vm ${psValue(s)} -Node 'N3'`]));
          safe.forEach((s, i) => {
            const literal = psValue(s);
            expect(literal, 'what crosses the pipe').to.match(/^[\x20-\x7e]*$/);
            const [alone, argument] = [summaries[2 * i]!, summaries[2 * i + 1]!];
            expect(alone.errors, literal).to.deep.equal([]);
            expect(alone.statements).to.equal(1);
            expect(alone.commands, `${literal}: nothing runs but the decoding`).to.deep.equal([]);
            const value = alone.assignments[0]!.value;
            expect(value.kind, literal).to.equal(/^[\x20-\x7e]*$/.test(s) ? 'constant' : 'base64');
            expect(plainValue(value), literal).to.equal(s);
            expect(argument.commands.map((c) => c.elements.map((e) => (e.kind === 'parameter' ? `-${e.name}` : plainValue(e)))), literal).to.deep.equal([
              ['-Vm', s, '-Node', 'N3'],
            ]);
          });
        }),
        RUNS,
      );
    });
  });

  describe('psInteger', () => {
    it('property: every safe integer is one number constant of exactly that value', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER)), BATCH), async (ns) => {
          const summaries = await parser.parse(ns.map((n) => `$v = ${psInteger(n)}`));
          ns.forEach((n, i) => {
            const v = summaries[i]!.assignments[0]!.value;
            expect(v, psInteger(n)).to.deep.include({ kind: 'constant', value: n, form: 'Number' });
            expect(v.kind === 'constant' && ['Int32', 'Int64'].includes(v.type), `${psInteger(n)} is read as ${JSON.stringify(v)}`).to.equal(true);
          });
        }),
        RUNS,
      );
    });
  });

  describe('the scripts the target sends', () => {
    it('every sample script (sample-scripts.ts) is one call of the module whose arguments are only data', async () => {
      const builders = SAMPLE_SCRIPTS.filter((s) => s.builder !== 'session');
      const summaries = await parser.parse(builders.map((s) => s.script()));
      builders.forEach((sample, i) => {
        const s = summaries[i]!;
        expect(s.errors, sample.name).to.deep.equal([]);
        expect(s.statements, sample.name).to.equal(1);
        expect(s.assignments, sample.name).to.deep.equal([]);
        expect(s.commands, sample.name).to.have.length(1);
        const [call] = s.commands;
        expect(call!.name, sample.name).to.match(/^[A-Z][a-z]+-ClusterChaos[A-Za-z]+$/);
        const notData = call!.elements.filter((e) => (e.kind === 'parameter' ? e.argument !== undefined && plainValue(e.argument) === undefined : plainValue(e) === undefined));
        expect(notData, `${sample.name}: every argument is a constant, base64, $true or an array of them`).to.deep.equal([]);
      });
    });
  });
});
