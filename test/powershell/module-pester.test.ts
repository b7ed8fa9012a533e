import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { pesterManifest, pwsh, PWSH_ENV } from '../helpers/pwsh.js';

/**
 * The ClusterChaos module's own tests (src/targets/powershell/module/tests/*.Tests.ps1), in Pester 5 under real
 * PowerShell 7: each public function's logic with the Windows cmdlets it calls mocked (the framed answer, base64
 * values, flags bit by bit, read-back of settings, restore errors per host, the failback wait, the firewall's
 * refusal, the VM join by Id, FailureActions, …), and the module's own rules read from its source.
 */
describe('the ClusterChaos module, in Pester (src/targets/powershell/module/tests)', function () {
  this.timeout(600_000);

  it('passes every Pester test, and has some', async () => {
    const script = [
      `Import-Module '${pesterManifest().replaceAll("'", "''")}'`,
      '$c = New-PesterConfiguration',
      `$c.Run.Path = '${join(ROOT, 'src/targets/powershell/module/tests').replaceAll("'", "''")}'`,
      '$c.Run.PassThru = $true',
      "$c.Output.Verbosity = 'None'",
      '$r = Invoke-Pester -Configuration $c',
      "'PESTER ' + (ConvertTo-Json -Compress -InputObject @{ passed = $r.PassedCount; failed = @($r.Failed | ForEach-Object { $_.ExpandedPath + ': ' + $_.ErrorRecord[0].ToString() }) })",
    ].join('\n');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const child = spawn(pwsh(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '-'], { env: { ...process.env, ...PWSH_ENV } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', () => resolve({ stdout: out, stderr: err }));
      child.stdin.end(script + '\n');
    });
    const line = stdout.split('\n').find((l) => l.startsWith('PESTER '));
    expect(line, `no result from Pester:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`).to.be.a('string');
    const result = JSON.parse(line!.slice('PESTER '.length)) as { passed: number; failed: string[] };
    expect(result.failed).to.deep.equal([]);
    expect(result.passed).to.be.greaterThan(100);
  });
});
