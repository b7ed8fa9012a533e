import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fake `pwsh` executable (node-powershell spawns it as its PowerShell). */
export const FAKE_PWSH = fileURLToPath(new URL('./pwsh', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../powershell/fixtures/', import.meta.url));

/** One command the fake received, as its log records it. */
export interface LoggedCommand {
  t: string;
  pid: number;
  op: string | null;
  values: Record<string, unknown> | null;
  fault?: string;
  /** The fake could not serve the script (a bug in the fake or a script it does not know). */
  internalError?: string;
}

export interface FakeFaults {
  dieOn?: FaultRule | FaultRule[] | string;
  hangOn?: FaultRule | FaultRule[];
  malformedOn?: FaultRule | FaultRule[] | string;
  stderrOn?: FaultRule | FaultRule[] | string;
}

export interface FaultRule {
  op: string;
  count?: number;
  after?: string;
  applied?: boolean;
  exitCode?: number;
  ms?: number;
  text?: string;
}

const VARIABLES = ['NODE_POWERSHELL', 'FAKE_PWSH_CLUSTER', 'FAKE_PWSH_LOG', 'FAKE_PWSH_STATE', 'FAKE_PWSH_FAULTS', 'FAKE_PWSH_ERRORVIEW', 'FAKE_PWSH_TIMESCALE'] as const;

/**
 * A lab cluster behind the fake pwsh, for one test: the environment every PowerShell session started from
 * now on inherits (NODE_POWERSHELL points node-powershell at the fake), a fresh command log and a fresh
 * cluster state (its clock starts when the first session does). `dispose()` puts the environment back.
 */
export class FakeLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'clusterchaos-fake-pwsh-'));
  readonly logFile = join(this.dir, 'commands.ndjson');
  private readonly saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));

  constructor(o: { cluster?: string; faults?: FakeFaults; timeScale?: number } = {}) {
    process.env.NODE_POWERSHELL = FAKE_PWSH;
    process.env.FAKE_PWSH_CLUSTER = o.cluster ?? join(FIXTURES, 'cluster.json');
    process.env.FAKE_PWSH_LOG = this.logFile;
    process.env.FAKE_PWSH_STATE = join(this.dir, 'cluster.state');
    if (o.faults) process.env.FAKE_PWSH_FAULTS = JSON.stringify(o.faults);
    else delete process.env.FAKE_PWSH_FAULTS;
    if (o.timeScale !== undefined) process.env.FAKE_PWSH_TIMESCALE = String(o.timeScale);
    else delete process.env.FAKE_PWSH_TIMESCALE;
    delete process.env.FAKE_PWSH_ERRORVIEW;
  }

  /** Every command received so far, in order (session starts left out). */
  commands(): LoggedCommand[] {
    return this.entries().filter((e) => 'op' in e && !('internalError' in e)) as unknown as LoggedCommand[];
  }

  /** Scripts the fake could not serve: each is a bug in the fake or a script it does not know yet. */
  internalErrors(): string[] {
    return this.entries()
      .filter((e) => 'internalError' in e)
      .map((e) => `${String(e.op)}: ${String(e.internalError)}`);
  }

  /** The commands with this op. */
  issued(op: string): LoggedCommand[] {
    return this.commands().filter((c) => c.op === op);
  }

  /** How many PowerShell processes were started. */
  sessions(): number {
    return this.entries().filter((e) => 'session' in e).length;
  }

  private entries(): Record<string, unknown>[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  dispose(): void {
    for (const v of VARIABLES) {
      if (this.saved[v] === undefined) delete process.env[v];
      else process.env[v] = this.saved[v];
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
