#!/usr/bin/env node
/**
 * Finds or installs what `npm test` needs beyond node_modules, so that `npm ci && npm test` passes on a fresh
 * machine with nothing installed by hand. It runs as the `pretest` npm script; run it alone with
 * `node scripts/ensure-test-tools.mjs`. Plain Node, no dependencies.
 *
 * - PowerShell 7 (the syntax gate, the parser checks of quoting, the module's own tests):
 *   CLUSTERCHAOS_PWSH if set (used as given: a bad one is an error, not a reason to look elsewhere); else `pwsh`
 *   on PATH; else ~/.dotnet/tools/pwsh; else, when `dotnet` exists,
 *   `dotnet tool install --global PowerShell --version 7.6.10` (7.7.0 does not install on this kind of machine).
 *   Each candidate must answer `$PSVersionTable.PSVersion` with 7.2 or later.
 *   On Windows: CLUSTERCHAOS_PWSH, else pwsh.exe, else Windows PowerShell 5.1 (powershell.exe); dotnet is
 *   never tried there.
 * - Pester 5.9.1 (the PowerShell module's own tests): the project-local cache .cache/powershell-modules/
 *   (gitignored); else restored from NuGet through a throwaway project (`<PackageDownload>`, `dotnet restore
 *   --packages <tmp>`) and its tools/ folder copied to .cache/powershell-modules/Pester/5.9.1/; without dotnet
 *   (and always on Windows) `Save-Module` from the PowerShell Gallery into the same place.
 * - A Chromium-family browser, headless (the report.html tests): CLUSTERCHAOS_BROWSER if set (a path or a
 *   name on PATH, used as given: a bad one is an error); else the first of chromium, chromium-browser,
 *   google-chrome, google-chrome-stable, microsoft-edge, msedge on PATH (chrome.exe and msedge.exe on Windows,
 *   also in their usual install folders; the app bundles on macOS); else, on Linux as root,
 *   `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium` (with `sudo -n` when not
 *   root and sudo needs no password); never on Windows or macOS.
 * - redis-server (the campaign queue tests start a real Redis): CLUSTERCHAOS_REDIS if set (a path or a name on PATH,
 *   used as given: a bad one is an error); else redis-server on PATH; else, on Linux as root (or with password-less
 *   sudo), `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server` (Debian's package
 *   starts a system service; the tests never use it, they start their own on a free loopback port).
 *
 * Prints one line per tool (what, where, how it was found, how long it took), writes what it found to
 * .cache/test-tools.json ({pwsh, pester, chromium, redis}; null for what is missing) for the tests to read, and exits 1
 * naming what is missing and the one command that installs it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache');
const MODULES = join(CACHE, 'powershell-modules');
const TOOLS_JSON = join(CACHE, 'test-tools.json');

/** The PowerShell global tool's version: without --version dotnet takes 7.7.0, which fails to install here. */
const PWSH_TOOL_VERSION = '7.6.10';
const PESTER_VERSION = '5.9.1';
const MIN_CORE = [7, 2];
const MIN_DESKTOP = [5, 1];

const WINDOWS = process.platform === 'win32';
const HOME = homedir();

/** Every PowerShell we start: no telemetry, no update check, no terminal escape codes on stdout. */
const PS_ENV = { ...process.env, POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', TERM: 'dumb' };
const DOTNET_ENV = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** Run a program; never throws. `code` is null when it could not start or was killed (timeout). */
function run(command, args, { env = process.env, cwd = ROOT, timeoutMs = 120_000 } = {}) {
  return new Promise((resolvePromise) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      resolvePromise({ code: null, stdout, stderr, error });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise({ code: null, stdout, stderr, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, error: signal ? new Error(`killed by ${signal} after ${timeoutMs} ms`) : undefined });
    });
  });
}

/** The last lines of a program's output, for a failure message. */
function tail(r, lines = 8) {
  const text = `${r.stdout}\n${r.stderr}\n${r.error ? r.error.message : ''}`.trim().split(/\r?\n/);
  return text.slice(-lines).map((l) => `    ${l}`).join('\n');
}

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    if (!WINDOWS) accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH (on Windows, `name` must carry its extension). */
function onPath(name) {
  const dirs = (process.env.PATH ?? process.env.Path ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function shown(path) {
  if (!path) return path;
  const rel = relative(ROOT, path);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel;
  return path.startsWith(HOME + '/') ? '~/' + path.slice(HOME.length + 1) : path;
}

function atLeast(version, min) {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

// ---------------------------------------------------------------------------------------------------------
// PowerShell

/** `{version, edition}` of a PowerShell executable, or `{problem}`. */
async function probePowerShell(path) {
  const r = await run(path, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString(); $PSVersionTable.PSEdition'], {
    env: PS_ENV,
    timeoutMs: 60_000,
  });
  if (r.code !== 0) return { problem: `${shown(path)} did not run (exit ${r.code}):\n${tail(r)}` };
  const [version = '', edition = 'Core'] = r.stdout.trim().split(/\r?\n/).map((l) => l.trim());
  const min = edition === 'Desktop' ? MIN_DESKTOP : MIN_CORE;
  if (!/^\d+\.\d+/.test(version)) return { problem: `${shown(path)} printed no version: ${JSON.stringify(r.stdout.trim())}` };
  if (!atLeast(version, min)) return { problem: `${shown(path)} is PowerShell ${version}; the tests need ${min.join('.')} or later` };
  return { version, edition };
}

async function ensurePwsh() {
  const started = Date.now();
  const done = (path, probe, how) => ({ ok: true, path, version: probe.version, edition: probe.edition, how, ms: Date.now() - started });
  const skipped = [];

  const explicit = process.env.CLUSTERCHAOS_PWSH;
  if (explicit) {
    const path = explicit.includes('/') || explicit.includes('\\') ? explicit : onPath(explicit) ?? explicit;
    const probe = await probePowerShell(path);
    if (probe.problem) {
      return { ok: false, problem: `CLUSTERCHAOS_PWSH=${explicit}: ${probe.problem}`, fix: 'unset CLUSTERCHAOS_PWSH, or point it at PowerShell 7.2 or later', ms: Date.now() - started };
    }
    return done(path, probe, 'CLUSTERCHAOS_PWSH');
  }

  const candidates = WINDOWS
    ? [
        ['found on PATH (pwsh.exe)', onPath('pwsh.exe')],
        ['found on PATH (powershell.exe, Windows PowerShell)', onPath('powershell.exe')],
        ['found in %SystemRoot% (Windows PowerShell)', process.env.SystemRoot && join(process.env.SystemRoot, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe')],
      ]
    : [
        ['found on PATH', onPath('pwsh')],
        ['found in ~/.dotnet/tools', join(HOME, '.dotnet', 'tools', 'pwsh')],
      ];
  for (const [how, path] of candidates) {
    if (!path || !isExecutableFile(path)) continue;
    const probe = await probePowerShell(path);
    if (!probe.problem) return done(path, probe, skipped.length ? `${how} (skipped: ${skipped.join('; ')})` : how);
    skipped.push(probe.problem);
  }

  const notFound = [...skipped, WINDOWS ? 'neither pwsh.exe nor powershell.exe was found' : 'no pwsh on PATH or in ~/.dotnet/tools'].join('; ');
  const installCommand = `dotnet tool install --global PowerShell --version ${PWSH_TOOL_VERSION}`;
  if (WINDOWS) {
    return { ok: false, problem: notFound, fix: 'winget install --id Microsoft.PowerShell --source winget', ms: Date.now() - started };
  }
  const dotnet = onPath('dotnet');
  if (!dotnet) {
    return { ok: false, problem: `${notFound}, and no dotnet to install it with`, fix: `install the .NET SDK, then ${installCommand}`, ms: Date.now() - started };
  }
  const toolPwsh = join(HOME, '.dotnet', 'tools', 'pwsh');
  const args = ['tool', 'install', '--global', 'PowerShell', '--version', PWSH_TOOL_VERSION];
  let r = await run(dotnet, args, { env: DOTNET_ENV, timeoutMs: 300_000 });
  if (r.code !== 0 && /already installed/i.test(r.stdout + r.stderr)) {
    // An older or broken global tool: move it to the version we know installs and runs.
    r = await run(dotnet, ['tool', 'update', '--global', 'PowerShell', '--version', PWSH_TOOL_VERSION], { env: DOTNET_ENV, timeoutMs: 300_000 });
  }
  if (r.code !== 0) {
    return { ok: false, problem: `${notFound}; \`${installCommand}\` failed:\n${tail(r)}`, fix: installCommand, ms: Date.now() - started };
  }
  const probe = await probePowerShell(toolPwsh);
  if (probe.problem) return { ok: false, problem: `installed, but ${probe.problem}`, fix: installCommand, ms: Date.now() - started };
  return done(toolPwsh, probe, `installed: ${installCommand}${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}`);
}

// ---------------------------------------------------------------------------------------------------------
// Pester

const PESTER_DIR = join(MODULES, 'Pester', PESTER_VERSION);
const PESTER_PSD1 = join(PESTER_DIR, 'Pester.psd1');

function pesterCached() {
  return existsSync(PESTER_PSD1) && existsSync(join(PESTER_DIR, 'Pester.psm1'));
}

/** Put a freshly downloaded module folder in place atomically, so an interrupted run leaves no half a module. */
function moveIntoCache(from) {
  mkdirSync(dirname(PESTER_DIR), { recursive: true });
  const staging = mkdtempSync(join(dirname(PESTER_DIR), '.staging-'));
  try {
    cpSync(from, join(staging, 'module'), { recursive: true });
    rmSync(PESTER_DIR, { recursive: true, force: true });
    renameSync(join(staging, 'module'), PESTER_DIR);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function restorePesterFromNuGet(dotnet) {
  const work = mkdtempSync(join(tmpdir(), 'clusterchaos-pester-'));
  try {
    // The SDK's own target framework needs no download of its own; only the package is fetched.
    const v = await run(dotnet, ['--version'], { env: DOTNET_ENV, timeoutMs: 60_000 });
    const major = /^(\d+)\./.exec(v.stdout.trim())?.[1] ?? '8';
    writeFileSync(
      join(work, 'pester-download.csproj'),
      [
        '<Project Sdk="Microsoft.NET.Sdk">',
        `  <PropertyGroup><TargetFramework>net${major}.0</TargetFramework></PropertyGroup>`,
        `  <ItemGroup><PackageDownload Include="Pester" Version="[${PESTER_VERSION}]" /></ItemGroup>`,
        '</Project>',
        '',
      ].join('\n'),
    );
    const packages = join(work, 'packages');
    const r = await run(dotnet, ['restore', '--packages', packages], { env: DOTNET_ENV, cwd: work, timeoutMs: 300_000 });
    const tools = join(packages, 'pester', PESTER_VERSION, 'tools');
    if (r.code !== 0 || !existsSync(join(tools, 'Pester.psd1'))) return { problem: `dotnet restore of Pester ${PESTER_VERSION} failed:\n${tail(r)}` };
    moveIntoCache(tools);
    return {};
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function savePesterFromGallery(pwsh) {
  const work = mkdtempSync(join(tmpdir(), 'clusterchaos-pester-'));
  try {
    const script = `$ErrorActionPreference = 'Stop'; Save-Module -Name Pester -RequiredVersion ${PESTER_VERSION} -Path '${work.replaceAll("'", "''")}' -Force`;
    const r = await run(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], { env: PS_ENV, timeoutMs: 300_000 });
    const saved = join(work, 'Pester', PESTER_VERSION);
    if (r.code !== 0 || !existsSync(join(saved, 'Pester.psd1'))) return { problem: `Save-Module Pester ${PESTER_VERSION} failed:\n${tail(r)}` };
    moveIntoCache(saved);
    return {};
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function ensurePester(pwsh) {
  const started = Date.now();
  const found = (how) => ({ ok: true, path: PESTER_PSD1, version: PESTER_VERSION, how, ms: Date.now() - started });
  if (pesterCached()) return found('cached');

  const dotnet = WINDOWS ? undefined : onPath('dotnet');
  const fix = dotnet || !pwsh ? 'install the .NET SDK (dotnet), then npm test' : `Save-Module -Name Pester -RequiredVersion ${PESTER_VERSION} -Path .cache/powershell-modules`;
  let how;
  let result;
  if (dotnet) {
    how = 'restored from NuGet';
    result = await restorePesterFromNuGet(dotnet);
  } else if (pwsh) {
    how = 'saved from the PowerShell Gallery';
    result = await savePesterFromGallery(pwsh);
  } else {
    return { ok: false, problem: 'not in .cache/powershell-modules, and neither dotnet nor PowerShell is there to fetch it', fix, ms: Date.now() - started };
  }
  if (result.problem) return { ok: false, problem: result.problem, fix, ms: Date.now() - started };

  // A fresh copy is imported once, so a broken download fails here and not in the middle of the tests.
  if (pwsh) {
    const psd1 = PESTER_PSD1.replaceAll("'", "''");
    const r = await run(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', `(Import-Module '${psd1}' -PassThru).Version.ToString()`], {
      env: PS_ENV,
      timeoutMs: 120_000,
    });
    if (r.code !== 0 || r.stdout.trim() !== PESTER_VERSION) {
      rmSync(PESTER_DIR, { recursive: true, force: true });
      return { ok: false, problem: `the downloaded Pester does not import:\n${tail(r)}`, fix, ms: Date.now() - started };
    }
  }
  return found(how);
}

// ---------------------------------------------------------------------------------------------------------
// Chromium

async function probeChromium(path) {
  const r = await run(path, ['--version'], { timeoutMs: 60_000 });
  return r.code === 0 ? { version: r.stdout.trim() } : { problem: `${path} --version failed:\n${tail(r)}` };
}

/** The browsers the report tests can drive headless (`--headless --dump-dom`), by the names they install under. */
const BROWSER_NAMES = WINDOWS ? ['chromium.exe', 'chrome.exe', 'msedge.exe'] : ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable'];
/** Where they install when not on PATH. */
function browserFolders() {
  if (WINDOWS) {
    const roots = [process.env.ProgramFiles, process.env['ProgramFiles(x86)'], process.env.LOCALAPPDATA].filter(Boolean);
    return roots.flatMap((r) => [join(r, 'Google', 'Chrome', 'Application', 'chrome.exe'), join(r, 'Microsoft', 'Edge', 'Application', 'msedge.exe'), join(r, 'Chromium', 'Application', 'chrome.exe')]);
  }
  if (process.platform === 'darwin') {
    return ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'].map((a) => join('/Applications', a));
  }
  return [];
}

async function ensureChromium() {
  const started = Date.now();
  const fix = WINDOWS || process.platform === 'darwin' ? 'install Chromium, Chrome or Edge, or set CLUSTERCHAOS_BROWSER to one' : 'sudo apt-get install chromium (or set CLUSTERCHAOS_BROWSER to Chrome or Edge)';
  const finish = async (path, how) => {
    const probe = await probeChromium(path);
    if (probe.problem) return { ok: false, problem: probe.problem, fix, ms: Date.now() - started };
    return { ok: true, path, version: probe.version, how, ms: Date.now() - started };
  };
  const told = process.env.CLUSTERCHAOS_BROWSER;
  if (told) {
    const path = isAbsolute(told) || told.includes('/') || told.includes('\\') ? resolve(told) : onPath(told);
    if (!path || !isExecutableFile(path)) return { ok: false, problem: `CLUSTERCHAOS_BROWSER=${told} is not an executable file`, fix: 'set CLUSTERCHAOS_BROWSER to the path of Chromium, Chrome or Edge, or unset it', ms: Date.now() - started };
    return finish(path, 'CLUSTERCHAOS_BROWSER');
  }
  for (const name of BROWSER_NAMES) {
    const existing = onPath(name);
    if (existing) return finish(existing, 'found on PATH');
  }
  for (const path of browserFolders()) if (isExecutableFile(path)) return finish(path, 'found in its install folder');
  if (WINDOWS || process.platform === 'darwin') return { ok: false, problem: 'no Chromium, Chrome or Edge found', fix, ms: Date.now() - started };

  const aptGet = onPath('apt-get');
  if (!aptGet) return { ok: false, problem: 'chromium is not on PATH and there is no apt-get to install it', fix: 'install Chromium so that `chromium` is on PATH', ms: Date.now() - started };
  let prefix;
  if (process.getuid?.() === 0) prefix = [];
  else if (onPath('sudo') && (await run('sudo', ['-n', 'true'], { timeoutMs: 10_000 })).code === 0) prefix = ['sudo', '-n'];
  else return { ok: false, problem: 'chromium is not on PATH and this user cannot install it (not root, no password-less sudo)', fix, ms: Date.now() - started };

  process.stdout.write(`chromium  not on PATH: installing Debian's chromium with apt-get (about a minute)…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => (prefix.length ? run(prefix[0], [...prefix.slice(1), 'env', 'DEBIAN_FRONTEND=noninteractive', aptGet, ...args], { env, timeoutMs: 900_000 }) : run(aptGet, args, { env, timeoutMs: 900_000 }));
  const update = await apt(['update']);
  if (update.code !== 0) return { ok: false, problem: `apt-get update failed:\n${tail(update)}`, fix, ms: Date.now() - started };
  const install = await apt(['install', '-y', 'chromium']);
  const installed = onPath('chromium');
  if (install.code !== 0 || !installed) return { ok: false, problem: `apt-get install -y chromium failed:\n${tail(install)}`, fix, ms: Date.now() - started };
  return finish(installed, `installed: ${prefix.length ? 'sudo ' : ''}apt-get install -y chromium`);
}

// ---------------------------------------------------------------------------------------------------------
// Redis

async function probeRedis(path) {
  const r = await run(path, ['--version'], { timeoutMs: 30_000 });
  const version = /v=(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
  return r.code === 0 && version ? { version } : { problem: `${path} --version failed:\n${tail(r)}` };
}

async function ensureRedis() {
  const started = Date.now();
  const fix = WINDOWS ? 'install Redis (e.g. in WSL) and set CLUSTERCHAOS_REDIS to its redis-server' : process.platform === 'darwin' ? 'brew install redis' : 'sudo apt-get install redis-server';
  const finish = async (path, how) => {
    const probe = await probeRedis(path);
    if (probe.problem) return { ok: false, problem: probe.problem, fix, ms: Date.now() - started };
    return { ok: true, path, version: probe.version, how, ms: Date.now() - started };
  };
  const told = process.env.CLUSTERCHAOS_REDIS;
  if (told) {
    const path = isAbsolute(told) || told.includes('/') || told.includes('\\') ? resolve(told) : onPath(told);
    if (!path || !isExecutableFile(path)) return { ok: false, problem: `CLUSTERCHAOS_REDIS=${told} is not an executable file`, fix: 'set CLUSTERCHAOS_REDIS to the path of redis-server, or unset it', ms: Date.now() - started };
    return finish(path, 'CLUSTERCHAOS_REDIS');
  }
  const existing = onPath(WINDOWS ? 'redis-server.exe' : 'redis-server');
  if (existing) return finish(existing, 'found on PATH');
  // Debian puts it in /usr/bin, which a trimmed PATH may lack
  if (!WINDOWS && isExecutableFile('/usr/bin/redis-server')) return finish('/usr/bin/redis-server', 'found in /usr/bin');
  if (WINDOWS || process.platform === 'darwin') return { ok: false, problem: 'no redis-server found', fix, ms: Date.now() - started };

  const aptGet = onPath('apt-get');
  if (!aptGet) return { ok: false, problem: 'redis-server is not on PATH and there is no apt-get to install it', fix: 'install Redis so that `redis-server` is on PATH', ms: Date.now() - started };
  let prefix;
  if (process.getuid?.() === 0) prefix = [];
  else if (onPath('sudo') && (await run('sudo', ['-n', 'true'], { timeoutMs: 10_000 })).code === 0) prefix = ['sudo', '-n'];
  else return { ok: false, problem: 'redis-server is not on PATH and this user cannot install it (not root, no password-less sudo)', fix, ms: Date.now() - started };

  process.stdout.write(`redis     not on PATH: installing Debian's redis-server with apt-get…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => (prefix.length ? run(prefix[0], [...prefix.slice(1), 'env', 'DEBIAN_FRONTEND=noninteractive', aptGet, ...args], { env, timeoutMs: 900_000 }) : run(aptGet, args, { env, timeoutMs: 900_000 }));
  const update = await apt(['update']);
  if (update.code !== 0) return { ok: false, problem: `apt-get update failed:\n${tail(update)}`, fix, ms: Date.now() - started };
  const install = await apt(['install', '-y', 'redis-server']);
  const installed = onPath('redis-server') ?? (isExecutableFile('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
  if (install.code !== 0 || !installed) return { ok: false, problem: `apt-get install -y redis-server failed:\n${tail(install)}`, fix, ms: Date.now() - started };
  return finish(installed, `installed: ${prefix.length ? 'sudo ' : ''}apt-get install -y redis-server`);
}

// ---------------------------------------------------------------------------------------------------------

function line(tool, r) {
  const name = tool.padEnd(9);
  if (!r.ok) return `${name} MISSING: ${r.problem} (${seconds(r.ms)})`;
  const what = tool === 'pwsh' ? `PowerShell ${r.version} (${r.edition})` : tool === 'pester' ? `Pester ${r.version}` : tool === 'redis' ? `Redis ${r.version}` : r.version;
  return `${name} ${what} at ${shown(r.path)}: ${r.how} (${seconds(r.ms)})`;
}

async function main() {
  const started = Date.now();
  const [[pwsh, pester], chromium, redis] = await Promise.all([
    ensurePwsh().then(async (p) => {
      process.stdout.write(line('pwsh', p) + '\n');
      const q = await ensurePester(p.ok ? p.path : undefined);
      process.stdout.write(line('pester', q) + '\n');
      return [p, q];
    }),
    ensureChromium().then((c) => {
      process.stdout.write(line('chromium', c) + '\n');
      return c;
    }),
  ]).then(async (found) => {
    // after chromium: two apt-get at once would fight over dpkg's lock
    const r = await ensureRedis();
    process.stdout.write(line('redis', r) + '\n');
    return [...found, r];
  });

  mkdirSync(CACHE, { recursive: true });
  const record = (r, extra) => (r.ok ? { path: r.path, version: r.version, ...extra } : null);
  const tools = {
    pwsh: record(pwsh, { edition: pwsh.edition }),
    pester: record(pester, {}),
    chromium: record(chromium, {}),
    redis: record(redis, {}),
    checkedAt: new Date().toISOString(),
  };
  writeFileSync(TOOLS_JSON, JSON.stringify(tools, null, 2) + '\n');

  const missing = [['pwsh', pwsh], ['pester', pester], ['chromium', chromium], ['redis', redis]].filter(([, r]) => !r.ok);
  if (missing.length) {
    process.stderr.write(`\nensure-test-tools: the tests cannot run without ${missing.map(([t]) => t).join(', ')}. Install with:\n`);
    for (const [tool, r] of missing) process.stderr.write(`  ${tool}: ${r.fix}\n`);
    process.stderr.write('then run npm test again.\n');
    process.exit(1);
  }
  process.stdout.write(`test tools ready in ${seconds(Date.now() - started)} (${shown(TOOLS_JSON)})\n`);
}

await main();
