import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { runPwsh } from '../helpers/pwsh.js';
import { PARSER_SCRIPT } from './ps-parser.js';
import { SAMPLE_SCRIPTS, unsampledBuilders } from './sample-scripts.js';
import { GATE_RULES, GATE_SCRIPT, checkWindowsPowerShell51, describeFindings, gateTables, type GateFinding, type GateSource } from './syntax-gate.js';

const FIXTURES = join(ROOT, 'test/powershell/fixtures/syntax-gate');
const MODULE = join(ROOT, 'src/targets/powershell/module');

const fixture = (name: string): GateSource => ({ name, text: readFileSync(join(FIXTURES, name), 'utf8') });

/** `<line>: <rule>` for each finding the fixture expects (`# expect: <rule> [<rule>…]` at the end of a line). */
function expectedOf(source: GateSource): string[] {
  return source.text
    .split(/\r?\n/)
    .flatMap((line, i) => (/#\s*expect:\s*([a-z0-9 -]+)$/.exec(line)?.[1] ?? '').split(/\s+/).filter(Boolean).map((rule) => `${i + 1}: ${rule}`))
    .sort();
}

const found = (findings: readonly GateFinding[], file: string): string[] =>
  findings
    .filter((f) => f.file === file)
    .map((f) => `${f.line}: ${f.rule}`)
    .sort();

function powerShellFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return powerShellFiles(p);
    return /\.(ps1|psm1|psd1)$/i.test(name) ? [p] : [];
  });
}

describe('the Windows PowerShell 5.1 syntax gate', function () {
  this.timeout(180_000);

  describe('the gate itself (fixtures in test/powershell/fixtures/syntax-gate)', () => {
    const forbidden = fixture('forbidden.ps1');
    const clean = fixture('clean-51.ps1');
    const parseError = fixture('parse-error.ps1');
    const allowed = fixture('allowed.ps1');
    let findings: GateFinding[];

    before(async () => {
      // All fixtures, and the gate's and the parser helper's own PowerShell, in one PowerShell process.
      findings = await checkWindowsPowerShell51([
        forbidden,
        clean,
        parseError,
        allowed,
        { name: 'GATE_SCRIPT', text: GATE_SCRIPT },
        { name: 'PARSER_SCRIPT', text: PARSER_SCRIPT },
      ]);
    });

    it('reports every construct 5.1 cannot parse or run, each at its line with its rule', () => {
      const expected = expectedOf(forbidden);
      expect(expected.length, 'the fixture names what it expects').to.be.above(30);
      expect(found(findings, 'forbidden.ps1')).to.deep.equal(expected);
    });

    it('says what the construct is, why 5.1 cannot take it, and shows the line', () => {
      const ternary = findings.find((f) => f.file === 'forbidden.ps1' && f.rule === 'ternary')!;
      expect(ternary).to.deep.include({ line: 5, column: 13, what: 'ternary operator ?:', text: "$mode = $Value ? 'set' : 'unset'  # expect: ternary" });
      expect(ternary.why).to.match(/PowerShell 7\.0.*if\/else/);
      const parallel = findings.find((f) => f.file === 'forbidden.ps1' && f.line === 16)!;
      expect(parallel.what, 'an abbreviation and an alias are resolved as PowerShell binds them').to.equal('ForEach-Object -Par (-Parallel)');
      const qualified = findings.find((f) => f.file === 'forbidden.ps1' && f.line === 33)!;
      expect(qualified.what).to.equal('ConvertFrom-Json -NoEnumerate');
    });

    it('passes a clean Windows PowerShell 5.1 script', () => {
      expect(describeFindings(findings.filter((f) => f.file === 'clean-51.ps1'))).to.equal('');
    });

    it('reports a file PowerShell cannot parse, at the line of the error', () => {
      const errors = findings.filter((f) => f.file === 'parse-error.ps1');
      expect(errors.length).to.be.above(0);
      expect(errors.every((f) => f.rule === 'parse-error')).to.equal(true);
      // PowerShell reports each block left open where it opens (the function, the hashtable), and the `if`
      // that cannot stand inside a hashtable.
      expect(errors.map((f) => `${f.line}: ${f.what}`)).to.deep.equal([
        '2: parse error MissingEndCurlyBrace',
        '3: parse error MissingEndCurlyBrace',
        '4: parse error MissingEqualsInHashLiteral',
      ]);
      expect(errors.map((f) => f.why).join('\n')).to.match(/Missing closing '}'/);
    });

    it('lets a comment allow a line that runs only under PowerShell 7, but never syntax 5.1 cannot parse', () => {
      const mine = findings.filter((f) => f.file === 'allowed.ps1').map((f) => `${f.line}: ${f.rule}${f.allowed ? ' (allowed)' : ''}`);
      expect(mine).to.deep.equal(['4: parameter-7 (allowed)', '5: psstyle (allowed)', '7: null-coalescing', '8: cmdlet-7']);
      expect(Object.entries(GATE_RULES).filter(([, r]) => r.allowable).map(([rule]) => rule)).to.deep.equal([
        'cmdlet-7',
        'parameter-7',
        'encoding-7',
        'action-break',
        'psstyle',
        'class-or-enum',
      ]);
    });

    it('knows only cmdlets and parameters that PowerShell 7 really has (no typo in its tables)', async () => {
      const check = [
        gateTables(),
        '$missing = @()',
        // Remove-Service exists only in PowerShell 7 on Windows.
        "foreach ($c in $cmdlets7.Keys) { if (-not (Get-Command -Name $c -ErrorAction SilentlyContinue) -and ($IsWindows -or $c -ne 'Remove-Service')) { $missing += $c } }",
        'foreach ($c in $params7.Keys) { $m = Get-Command -Name $c; foreach ($p in $params7[$c].Keys) { if (-not $m.Parameters.ContainsKey($p)) { $missing += "$c -$p" } } }',
        "'missing: ' + ($missing -join ', ')",
      ].join('\n');
      const r = await runPwsh(check, { timeoutMs: 120_000 });
      expect(r.stderr).to.equal('');
      expect(r.stdout.trim()).to.equal('missing:');
    });

    it("is itself Windows PowerShell 5.1 (so are the parser helper's scripts): both can run under powershell.exe", () => {
      expect(describeFindings(findings.filter((f) => f.file === 'GATE_SCRIPT' || f.file === 'PARSER_SCRIPT'))).to.equal('');
    });
  });

  describe('what the PowerShell target runs', () => {
    // The module's own Pester tests (module/tests) run here, in PowerShell 7; what is sent to a cluster is the rest.
    const files = powerShellFiles(MODULE).filter((p) => !relative(MODULE, p).startsWith('tests'));
    let findings: GateFinding[];

    before(async () => {
      // The module's files and every sample script, in one PowerShell process.
      const moduleSources = files.map((p) => ({ name: relative(ROOT, p), text: readFileSync(p, 'utf8') }));
      const samples = SAMPLE_SCRIPTS.map((s) => ({ name: `sample: ${s.name}`, text: s.script() }));
      findings = await checkWindowsPowerShell51([...moduleSources, ...samples]);
    });

    it('the module (src/targets/powershell/module) is Windows PowerShell 5.1', () => {
      if (files.length === 0) {
        expect.fail(`no PowerShell files found under ${relative(ROOT, MODULE)} (.ps1, .psm1, .psd1): the module the session imports must be there`);
      }
      expect(describeFindings(findings.filter((f) => !f.file.startsWith('sample: '))), `${files.length} files checked`).to.equal('');
    });

    it('every script the target can send (test/powershell/sample-scripts.ts) is Windows PowerShell 5.1', () => {
      expect(unsampledBuilders(), 'exported by scripts.ts but not in SAMPLE_SCRIPTS (add a sample, or NOT_BUILDERS)').to.deep.equal([]);
      expect(describeFindings(findings.filter((f) => f.file.startsWith('sample: ')))).to.equal('');
    });
  });
});
