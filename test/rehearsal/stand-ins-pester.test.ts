import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pwshPath, TYPES_CACHE } from './fixtures/stand-ins/fake-lab.js';

const ROOT = join(import.meta.dirname, '../..');
const TESTS = join(import.meta.dirname, 'fixtures/stand-ins/StandIns.Tests.ps1');

/** Pester 5.9.1 as npm test's pretest recorded it (.cache/test-tools.json), else its usual place. */
function pester(): string | undefined {
  const tools = join(ROOT, '.cache/test-tools.json');
  if (existsSync(tools)) {
    const path = (JSON.parse(readFileSync(tools, 'utf8')) as { pester?: { path?: string } | null }).pester?.path;
    if (path && existsSync(path)) return path;
  }
  const usual = join(ROOT, '.cache/powershell-modules/Pester/5.9.1/Pester.psd1');
  return existsSync(usual) ? usual : undefined;
}

// The stand-ins' declarations checked from PowerShell itself (Pester): the PowerShell 7 cmdlets that exist on
// Linux bind exactly as the stand-ins do; every stand-in names its doc; the manifest exports what exists.
describe("stand-ins: Pester tests of their declarations (fixtures/stand-ins/StandIns.Tests.ps1)", function () {
  this.timeout(180_000);

  it('pass', function () {
    const module = pester();
    if (!module) throw new Error('Pester 5.9.1 is missing: `npm test` installs it (scripts/ensure-test-tools.mjs)');
    const script = [
      `Import-Module '${module.replaceAll("'", "''")}'`,
      '$c = New-PesterConfiguration',
      `$c.Run.Path = '${TESTS.replaceAll("'", "''")}'`,
      '$c.Run.PassThru = $true',
      "$c.Output.Verbosity = 'None'",
      '$r = Invoke-Pester -Configuration $c',
      "'PESTER ' + (ConvertTo-Json -Compress -InputObject @{ passed = $r.PassedCount; failed = @($r.Failed | ForEach-Object { $_.ExpandedPath + ': ' + $_.ErrorRecord[0].ToString() }) })",
    ].join('\n');
    const r = spawnSync(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', script], {
      encoding: 'utf8',
      env: { ...process.env, CLUSTERCHAOS_LAB_CACHE: TYPES_CACHE, NO_COLOR: '1' },
      timeout: 170_000,
    });
    const line = r.stdout.split(/\r?\n/).find((l) => l.startsWith('PESTER '));
    expect(line, `Pester printed no summary; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`).to.be.a('string');
    const summary = JSON.parse(line!.slice('PESTER '.length)) as { passed: number; failed: string[] };
    expect(summary.failed).to.deep.equal([]);
    expect(summary.passed).to.be.greaterThan(15);
  });
});
