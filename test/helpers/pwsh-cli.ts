import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * The real `clusterchaos` command with `--target powershell` going through node-powershell to the fake pwsh
 * (test/fake-bin/pwsh), which serves the cluster FAKE_PWSH_CLUSTER names (default: test/powershell/fixtures/cluster.json)
 * in real time.
 */
const BIN = join(ROOT, 'bin/clusterchaos.js');
const FAKE_PWSH = join(ROOT, 'test/fake-bin/pwsh');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  lastLine: string;
  /** The fake pwsh's log: one entry per command it received. */
  commands: { op?: string; session?: string }[];
}

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-psrun-'));
}

/** Run clusterchaos with the fake pwsh; `onCommand` sees each command the fake logs (e.g. to press Ctrl-C). */
export function run(args: string[], o: { env?: Record<string, string>; onCommand?: (op: string, interrupt: () => void) => void } = {}): Promise<Run> {
  const dir = tmp();
  const log = join(dir, 'pwsh.ndjson');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', NODE_POWERSHELL: FAKE_PWSH, FAKE_PWSH_LOG: log, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const read = (): Run['commands'] => (existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  let seen = 0;
  const watch = o.onCommand
    ? setInterval(() => {
        const commands = read();
        for (; seen < commands.length; seen++) if (commands[seen]!.op) o.onCommand!(commands[seen]!.op!, () => child.kill('SIGINT'));
      }, 50)
    : undefined;
  return new Promise((resolve) => {
    child.on('close', (code) => {
      if (watch) clearInterval(watch);
      const lines = stdout.trimEnd().split('\n');
      resolve({ code, stdout, stderr, lastLine: lines.at(-1) ?? '', commands: read() });
    });
  });
}

/** The scripts' operations, in order (the session's own set-up aside). */
export const ops = (r: Run): string[] => r.commands.flatMap((c) => (c.op && c.op !== 'session' ? [c.op] : []));
