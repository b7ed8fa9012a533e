import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/cli.js';
import { pwsh, testTools } from '../helpers/pwsh.js';

/**
 * `npm test` on a fresh machine finds a browser for the report tests with no manual step: CLUSTERCHAOS_BROWSER,
 * else Chromium, Chrome or Edge by their usual names. Runs a copy of scripts/ensure-test-tools.mjs in a scratch
 * project (its .cache/ is the copy's own; PowerShell and Pester are found where this machine has them) with a PATH
 * holding stand-in browsers, so the detection is seen without touching the real .cache/test-tools.json.
 */
describe('npm test finds a browser: CLUSTERCHAOS_BROWSER, else Chromium, Chrome or Edge', function () {
  this.timeout(300_000);
  let root: string;
  let browsers: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'clusterchaos-tools-'));
    mkdirSync(join(root, 'scripts'));
    cpSync(join(ROOT, 'scripts', 'ensure-test-tools.mjs'), join(root, 'scripts', 'ensure-test-tools.mjs'));
    if (testTools().pester) cpSync(join(ROOT, '.cache', 'powershell-modules'), join(root, '.cache', 'powershell-modules'), { recursive: true });
    // node (and dotnet, which the PowerShell global tool's pwsh starts) alone, not the folder they are in:
    // Debian's chromium is in /usr/bin beside them
    mkdirSync(join(root, 'node'));
    symlinkSync(process.execPath, join(root, 'node', 'node'));
    const dotnet = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'dotnet')).find((f) => existsSync(f));
    if (dotnet) symlinkSync(dotnet, join(root, 'node', 'dotnet'));
    browsers = join(root, 'browsers');
    mkdirSync(browsers);
    for (const name of ['google-chrome', 'microsoft-edge', 'my-browser']) {
      writeFileSync(join(browsers, name), `#!/bin/sh\necho "${name} 140.0 (stand-in)"\n`);
      chmodSync(join(browsers, name), 0o755);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** The copy run with only `dirs` (and PowerShell's folder, and the system's) on PATH; what it recorded. */
  function ensure(dirs: string[], env: NodeJS.ProcessEnv = {}) {
    const path = [...dirs, dirname(pwsh()), join(root, 'node')].join(delimiter);
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-test-tools.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: path, CLUSTERCHAOS_PWSH: pwsh(), CLUSTERCHAOS_BROWSER: '', ...env },
    });
    const recorded = JSON.parse(readFileSync(join(root, '.cache', 'test-tools.json'), 'utf8')) as { chromium: { path: string; version: string } | null };
    return { code: r.status, out: r.stdout + r.stderr, chromium: recorded.chromium };
  }

  it('Chrome when there is no Chromium; Edge when there is only Edge', () => {
    const chrome = ensure([browsers]);
    expect(chrome.code, chrome.out).to.equal(0);
    expect(chrome.chromium).to.deep.equal({ path: join(browsers, 'google-chrome'), version: 'google-chrome 140.0 (stand-in)' });
    rmSync(join(browsers, 'google-chrome'));
    const edge = ensure([browsers]);
    expect(edge.chromium?.path).to.equal(join(browsers, 'microsoft-edge'));
  });

  it('the browser CLUSTERCHAOS_BROWSER names, before any on PATH; a bad one is an error naming the variable', () => {
    const named = ensure([browsers], { CLUSTERCHAOS_BROWSER: join(browsers, 'my-browser') });
    expect(named.code, named.out).to.equal(0);
    expect(named.chromium?.path).to.equal(join(browsers, 'my-browser'));
    const bad = ensure([browsers], { CLUSTERCHAOS_BROWSER: join(browsers, 'no-such-browser') });
    expect(bad.code).to.equal(1);
    expect(bad.out).to.match(/CLUSTERCHAOS_BROWSER=.*no-such-browser is not an executable file/);
    expect(bad.chromium).to.equal(null);
  });
});
