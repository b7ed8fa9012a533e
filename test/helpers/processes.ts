import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './cli.js';
import { BIN } from './build.js';

/** Real clusterchaos processes, started, signalled and read back, for the tests of how runs end. */

/** A soak that kills clussvc on N2 every iteration, with ResiliencyDefaultPeriod set for the run. */
export const KILL_SOAK = 'test/fixtures/experiments/kill-soak.yaml';
export { BIN };
/** Preload it (`--import`) for a full disk: see the file. */
export const FULL_DISK = fileURLToPath(new URL('./full-disk.mjs', import.meta.url));

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-end-'));
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lastLine: string;
}

/** Start `clusterchaos <args>` as a real process; once `until()` holds, `then(pid)` is called (to signal it). Resolves with how it ended. */
export function start(args: string[], o: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; until?: () => boolean; then?: (pid: number) => void } = {}): Promise<Ended> {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = o.until
      ? setInterval(() => {
          if (o.until!()) {
            clearInterval(timer);
            o.then?.(child.pid!);
          }
        }, 20)
      : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      const lines = stdout.trimEnd().split('\n');
      resolve({ code, signal, stdout, stderr, lastLine: lines.at(-1) ?? '' });
    });
  });
}

export function records(file: string): Record<string, any>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return []; // a line cut short
      }
    });
}

/** The checkpoints in a trace (0 when there is none yet). */
export function checkpointCount(trace: string): number {
  try {
    return (readFileSync(trace, 'utf8').match(/"type":"checkpoint"/g) ?? []).length;
  } catch {
    return 0;
  }
}
