import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';

/** The fake pwsh of these tests (not P3's end-to-end fake): answers from a rule table. */
export const FAKE_PWSH = fileURLToPath(new URL('./fake-pwsh.mjs', import.meta.url));

export interface Rule {
  /** A regular expression searched for in the command. */
  match: string;
  stdout?: string;
  stderr?: string;
  delayMs?: number;
  /** Wait until this file exists (at most delayMs) instead of a fixed delay. */
  waitFor?: string;
  /** Create this file before answering. */
  touch?: string;
  exit?: number;
  /** The rule is skipped once this file exists (with `touch`: a rule that applies once). */
  unless?: string;
}

export interface LogEntry {
  pid: number;
  start?: boolean;
  argv?: string[];
  env?: { username: string | null; secret: string | null; inheritedPassword: string | null };
  command?: string;
}

/**
 * A rule table and a command log in a temporary directory, handed to every fake shell started while it is
 * installed (through the environment the session passes on to the child).
 */
export class FakeShell {
  readonly dir = mkdtempSync(join(tmpdir(), 'clusterchaos-fake-shell-'));
  private readonly saved = { rules: process.env.FAKE_SHELL_RULES, log: process.env.FAKE_SHELL_LOG };

  constructor(rules: Rule[]) {
    this.setRules(rules);
    process.env.FAKE_SHELL_RULES = join(this.dir, 'rules.json');
    process.env.FAKE_SHELL_LOG = join(this.dir, 'log.ndjson');
  }

  /** New rules apply from the next command on. */
  setRules(rules: Rule[]): void {
    writeFileSync(join(this.dir, 'rules.json'), JSON.stringify(rules));
  }

  entries(): LogEntry[] {
    const file = join(this.dir, 'log.ndjson');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogEntry);
  }

  commands(): string[] {
    return this.entries().flatMap((e) => (e.command !== undefined ? [e.command] : []));
  }

  /** Commands whose first line is `# clusterchaos <op>`, without the session set-up. */
  ops(): string[] {
    return this.commands()
      .map((c) => /^# clusterchaos (\S+)/.exec(c)?.[1] ?? '?')
      .filter((op) => op !== 'session');
  }

  starts(): LogEntry[] {
    return this.entries().filter((e) => e.start);
  }

  uninstall(): void {
    if (this.saved.rules === undefined) delete process.env.FAKE_SHELL_RULES;
    else process.env.FAKE_SHELL_RULES = this.saved.rules;
    if (this.saved.log === undefined) delete process.env.FAKE_SHELL_LOG;
    else process.env.FAKE_SHELL_LOG = this.saved.log;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A pino logger whose lines are kept for assertions. */
export function capturedLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}
