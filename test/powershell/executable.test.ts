import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPowerShell, findPwsh7 } from '../../src/targets/powershell/executable.js';
import { pwsh, runPwsh, runPwshServer } from '../helpers/pwsh.js';

/** Fake folders with fake executables: nothing is started, only looked up. */
describe('which PowerShell is started (executable.ts)', () => {
  let root: string;
  const dir = (name: string): string => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const exe = (folder: string, name: string, mode = 0o755): string => {
    const p = join(folder, name);
    writeFileSync(p, '#!/bin/sh\n');
    chmodSync(p, mode);
    return p;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'clusterchaos-executable-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('findPowerShell (the session)', () => {
    it('starts Windows PowerShell 5.1 on Windows even when pwsh.exe is on PATH (review B1)', () => {
      const bin = dir('bin');
      exe(bin, 'pwsh.exe');
      const desktop = exe(dir('System32'), 'powershell.exe');
      expect(findPowerShell({ platform: 'win32', env: { PATH: `${bin};${join(root, 'System32')}` }, home: dir('home') })).to.deep.equal({
        path: desktop,
        edition: 'Desktop',
      });
    });

    it('finds powershell.exe under %SystemRoot% when it is not on PATH, and falls back to pwsh.exe without it', () => {
      const systemRoot = dir('Windows');
      const desktop = exe(dir('Windows/System32/WindowsPowerShell/v1.0'), 'powershell.exe');
      const bin = dir('bin');
      const core = exe(bin, 'pwsh.exe');
      expect(findPowerShell({ platform: 'win32', env: { Path: bin, SystemRoot: systemRoot }, home: dir('home') })).to.deep.equal({ path: desktop, edition: 'Desktop' });
      expect(findPowerShell({ platform: 'win32', env: { Path: bin }, home: dir('home') })).to.deep.equal({ path: core, edition: 'Core' });
    });

    it('elsewhere starts pwsh from PATH, else the dotnet global tool in ~/.dotnet/tools', () => {
      const home = dir('home');
      const tool = exe(dir('home/.dotnet/tools'), 'pwsh');
      const bin = dir('bin');
      expect(findPowerShell({ platform: 'linux', env: { PATH: bin }, home })).to.deep.equal({ path: tool, edition: 'Core' });
      const onPath = exe(bin, 'pwsh');
      expect(findPowerShell({ platform: 'linux', env: { PATH: `/nonexistent:${bin}` }, home })).to.deep.equal({ path: onPath, edition: 'Core' });
    });

    it('honours NODE_POWERSHELL, then CLUSTERCHAOS_PWSH, and tells Windows PowerShell from pwsh by name', () => {
      const bin = dir('bin');
      const desktop = exe(bin, 'powershell.exe');
      exe(bin, 'pwsh');
      const env = { PATH: bin, NODE_POWERSHELL: 'powershell.exe', CLUSTERCHAOS_PWSH: '/opt/pwsh/pwsh' };
      expect(findPowerShell({ platform: 'linux', env, home: root })).to.deep.equal({ path: desktop, edition: 'Desktop' });
      expect(findPowerShell({ platform: 'linux', env: { ...env, NODE_POWERSHELL: '' }, home: root })).to.deep.equal({ path: '/opt/pwsh/pwsh', edition: 'Core' });
      expect(findPowerShell({ platform: 'win32', env: { NODE_POWERSHELL: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE' } })!.edition).to.equal('Desktop');
    });

    it('returns an executable that was named but does not exist as given (starting it then names it)', () => {
      expect(findPowerShell({ platform: 'linux', env: { PATH: dir('bin'), NODE_POWERSHELL: 'pwsh-preview' }, home: root })).to.deep.equal({
        path: 'pwsh-preview',
        edition: 'Core',
      });
    });

    it('skips files that are not executable and folders named pwsh, and finds nothing in an empty world', () => {
      const bin = dir('bin');
      exe(bin, 'pwsh', 0o644);
      dir('bin2/pwsh');
      expect(findPowerShell({ platform: 'linux', env: { PATH: `${bin}:${join(root, 'bin2')}` }, home: dir('home') })).to.equal(undefined);
      expect(findPowerShell({ platform: 'linux', env: {}, home: dir('home') })).to.equal(undefined);
      expect(findPowerShell({ platform: 'win32', env: {}, home: dir('home') })).to.equal(undefined);
    });
  });

  describe('findPwsh7 (the rehearsal lab, the tests)', () => {
    it('never picks Windows PowerShell, and ignores NODE_POWERSHELL (a session setting)', () => {
      const bin = dir('bin');
      exe(bin, 'powershell.exe');
      const core = exe(bin, 'pwsh.exe');
      const env = { PATH: bin, NODE_POWERSHELL: 'powershell.exe' };
      expect(findPwsh7({ platform: 'win32', env, home: root })).to.deep.equal({ path: core, edition: 'Core' });
    });

    it('takes CLUSTERCHAOS_PWSH, else pwsh on PATH, else ~/.dotnet/tools/pwsh', () => {
      const home = dir('home');
      const tool = exe(dir('home/.dotnet/tools'), 'pwsh');
      const bin = dir('bin');
      expect(findPwsh7({ platform: 'linux', env: { PATH: bin }, home })).to.deep.equal({ path: tool, edition: 'Core' });
      const onPath = exe(bin, 'pwsh');
      expect(findPwsh7({ platform: 'linux', env: { PATH: bin }, home })).to.deep.equal({ path: onPath, edition: 'Core' });
      const mine = exe(dir('mine'), 'pwsh');
      expect(findPwsh7({ platform: 'linux', env: { PATH: bin, CLUSTERCHAOS_PWSH: mine }, home })).to.deep.equal({ path: mine, edition: 'Core' });
      expect(findPwsh7({ platform: 'linux', env: {}, home: dir('empty') })).to.equal(undefined);
    });

    it('finds the global tool as pwsh.exe under the Windows home', () => {
      const tool = exe(dir('User/.dotnet/tools'), 'pwsh.exe');
      expect(findPwsh7({ platform: 'win32', env: { Path: '' }, home: join(root, 'User') })).to.deep.equal({ path: tool, edition: 'Core' });
    });
  });

  describe('PowerShell for tests (test/helpers/pwsh.ts)', function () {
    this.timeout(120_000);

    it('runs a script and returns its output, errors and exit code, non-ASCII intact', async () => {
      const r = await runPwsh("'wéb 漢 😀'\n[Console]::Error.WriteLine('to stderr')\nexit 3");
      expect(pwsh()).to.be.a('string');
      expect(r).to.deep.equal({ stdout: 'wéb 漢 😀\n', stderr: 'to stderr\n', code: 3 });
      const failed = await runPwsh("Write-Error 'it broke'");
      expect(failed.code).to.equal(1);
      expect(failed.stderr).to.match(/^Write-Error: it broke/);
    });

    it('sends a script too long for a command line through standard input', async () => {
      const long = `$x = '${'x'.repeat(40_000)}'\n$x.Length`;
      const r = await runPwsh(long);
      expect(r.stdout.trim()).to.equal('40000');
      expect(r.code).to.equal(0);
    });

    it('keeps a server process that answers requests in order, and says why when it dies', async () => {
      const server = runPwshServer(
        "while ($true) { $l = [Console]::In.ReadLine(); if ($null -eq $l) { break }; $o = ConvertFrom-Json ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($l))); if ($o.die) { throw 'asked to die' }; 'noise'; [Console]::Out.WriteLine('@@answer ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject @($o.n * 2) -Compress)))) }",
      );
      try {
        expect(await Promise.all([server.request({ n: 1 }), server.request({ n: 2 })])).to.deep.equal([[2], [4]]);
        let error: Error | undefined;
        await server.request({ die: true }).catch((e: Error) => (error = e));
        expect(error?.message).to.match(/exited \(code 1\) before it answered; its errors:[\s\S]*asked to die/);
        expect(error?.message).to.include('noise');
      } finally {
        await server.close();
      }
    });
  });
});
