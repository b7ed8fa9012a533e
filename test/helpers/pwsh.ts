import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPwsh7 } from '../../src/targets/powershell/executable.js';
import { ROOT } from './cli.js';

/**
 * Real PowerShell for tests: the one `npm test`'s pretest (scripts/ensure-test-tools.mjs) found or installed
 * and wrote to .cache/test-tools.json, else whatever findPwsh7 finds (when mocha is run without the pretest).
 */
export const TEST_TOOLS_JSON = join(ROOT, '.cache/test-tools.json');

/** What the pretest recorded: null for a tool it could not get. */
export interface TestTools {
  pwsh: { path: string; version: string; edition: 'Desktop' | 'Core' } | null;
  pester: { path: string; version: string } | null;
  chromium: { path: string; version: string } | null;
}

export function testTools(): Partial<TestTools> {
  if (!existsSync(TEST_TOOLS_JSON)) return {};
  return JSON.parse(readFileSync(TEST_TOOLS_JSON, 'utf8')) as Partial<TestTools>;
}

/** The environment every test PowerShell runs with: no telemetry, no update check, no terminal escape codes. */
export const PWSH_ENV: NodeJS.ProcessEnv = { POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', TERM: 'dumb', NO_COLOR: '1' };

/** The path of PowerShell 7 for tests; throws, saying how to get it, when there is none. */
export function pwsh(): string {
  const recorded = testTools().pwsh?.path;
  if (recorded && existsSync(recorded)) return recorded;
  const found = findPwsh7()?.path;
  if (found) return found;
  throw new Error(
    'PowerShell 7 is needed for this test and was not found (no .cache/test-tools.json, no CLUSTERCHAOS_PWSH, no pwsh on PATH or in ' +
      '~/.dotnet/tools): run `npm test`, whose pretest (scripts/ensure-test-tools.mjs) installs it, or `node scripts/ensure-test-tools.mjs`.',
  );
}

export interface PwshResult {
  stdout: string;
  stderr: string;
  /** The exit code; null when PowerShell was killed (timeout). */
  code: number | null;
}

/** Windows' command line holds 32,767 characters; longer scripts go through standard input instead. */
const MAX_ENCODED = 30_000;

/**
 * Run a script in a fresh `pwsh -NoLogo -NoProfile -NonInteractive`. The script travels as -EncodedCommand
 * (UTF-16LE base64, so no quoting or code page can change it); one too long for a command line is sent on
 * standard input to `-Command -` as a single line that decodes and runs it. Either way `exit N` sets the code;
 * a script whose last statement wrote an error exits 1 through -EncodedCommand, 0 through standard input.
 */
export function runPwsh(script: string, o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<PwshResult> {
  const encoded = Buffer.from(script, 'utf16le').toString('base64');
  const viaStdin = encoded.length > MAX_ENCODED;
  // -OutputFormat Text: with -EncodedCommand pwsh would write errors to stderr as CLIXML.
  const args = ['-NoLogo', '-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', ...(viaStdin ? ['-Command', '-'] : ['-EncodedCommand', encoded])];
  return new Promise((resolve, reject) => {
    const child = spawn(pwsh(), args, { env: { ...process.env, ...PWSH_ENV, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    if (viaStdin) {
      const utf8 = Buffer.from(script, 'utf8').toString('base64');
      child.stdin.end(`& ([scriptblock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${utf8}'))))\n`);
    } else {
      child.stdin.end();
    }
  });
}

/**
 * A PowerShell process that answers requests: `script` runs once and then reads requests from standard input,
 * one line each, `base64(UTF-8 JSON)`, and writes each answer as the line `@@answer <base64(UTF-8 JSON)>`
 * (other output is ignored, and shown if the process dies). Requests are answered in order. Only ASCII crosses
 * the pipes, so no console code page can change a value on the way.
 */
export interface PwshServer {
  request(payload: unknown): Promise<unknown>;
  /** Ends standard input and waits for the process to exit (kills it after 5 s). */
  close(): Promise<void>;
}

export function runPwshServer(script: string, o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): PwshServer {
  // A short loader on the command line; the script itself comes as the first line of standard input.
  const loader = "$s = [Console]::In.ReadLine(); & ([scriptblock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($s))))";
  const child = spawn(pwsh(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', Buffer.from(loader, 'utf16le').toString('base64')], {
    env: { ...process.env, ...PWSH_ENV, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const timeoutMs = o.timeoutMs ?? 60_000;
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  let noise = '';
  let stderr = '';
  let pending = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));

  const fail = (why: string): void => {
    const tail = (text: string): string => text.trim().split(/\r?\n/).slice(-15).join('\n');
    const error = new Error(`${why}${stderr.trim() ? `; its errors:\n${tail(stderr)}` : ''}${noise.trim() ? `\nits other output:\n${tail(noise)}` : ''}`);
    for (const w of waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      if (!line.startsWith('@@answer ')) {
        noise += line + '\n';
        continue;
      }
      const w = waiting.shift();
      if (!w) continue;
      clearTimeout(w.timer);
      try {
        w.resolve(JSON.parse(Buffer.from(line.slice('@@answer '.length), 'base64').toString('utf8')));
      } catch (e) {
        w.reject(new Error(`PowerShell answered with something that is not base64 JSON: ${(e as Error).message}`));
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.on('error', (e) => {
    exited = { code: null, signal: null };
    fail(`PowerShell (${pwsh()}) could not start: ${e.message}`);
  });
  child.on('close', (code, signal) => {
    exited = { code, signal };
    fail(`PowerShell exited (code ${code}${signal ? `, ${signal}` : ''}) before it answered`);
  });
  child.stdin.on('error', () => undefined); // a dead process: reported by 'close'
  child.stdin.write(Buffer.from(script, 'utf8').toString('base64') + '\n');

  return {
    request(payload: unknown): Promise<unknown> {
      return new Promise((resolve, reject) => {
        if (exited) {
          reject(new Error(`PowerShell already exited (code ${exited.code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
          return;
        }
        const timer = setTimeout(() => {
          fail(`PowerShell did not answer within ${timeoutMs} ms`);
          child.kill('SIGKILL');
        }, timeoutMs);
        waiting.push({ resolve, reject, timer });
        child.stdin.write(Buffer.from(JSON.stringify(payload), 'utf8').toString('base64') + '\n');
      });
    },
    async close(): Promise<void> {
      if (!exited) {
        child.stdin.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await closed;
        clearTimeout(killer);
      }
    },
  };
}

/** Pester 5's module manifest for the module's own tests (Invoke-Tests.ps1 -Pester <this>); throws, saying how to get it. */
export function pesterManifest(): string {
  const path = testTools().pester?.path ?? join(ROOT, '.cache/powershell-modules/Pester/5.9.1/Pester.psd1');
  if (existsSync(path)) return path;
  throw new Error(
    `Pester 5.9.1 is needed for this test and was not found (${path}): run \`npm test\`, whose pretest (scripts/ensure-test-tools.mjs) restores it ` +
      'into .cache/powershell-modules, or `node scripts/ensure-test-tools.mjs`.',
  );
}
