import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { pwsh, PWSH_ENV } from './pwsh.js';
import type { LabOverride } from './recording-main.js';
import { BIN } from './build.js';

/**
 * The real `clusterchaos` command in a child process, waited for without blocking the test (runClusterchaos),
 * and the same command through test/helpers/recording-main.ts (rehearse), which writes down what a rehearsal
 * sent and what the lab received: use it with `--target powershell --rehearse`, where the run goes through
 * node-powershell to real PowerShell 7 and the rehearsal lab (src/targets/powershell/rehearsal).
 */
const RECORDING_MAIN = join(ROOT, 'test/helpers/recording-main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  lastLine: string;
}

/** A round trip the PowerShell target handed to a session: its operation and the module call it sent. */
export interface SentOp {
  op: string;
  call: string;
}

/** A stand-in command the lab received (lab.calls()), with the lab it went to (1 = the first the run started). */
export interface LabCall {
  lab: number;
  process: string;
  node: string | null;
  command: string;
  parameters: Record<string, unknown>;
}

export interface Rehearsal extends CliRun {
  /** Round trips sent, in order (the session set-up aside). */
  sent: SentOp[];
  /** Their operations alone. */
  ops: string[];
  /** How many rehearsal labs the command started. */
  labs: number;
  /** Every stand-in call, lab by lab, each lab's in the order received. */
  calls: LabCall[];
}

export function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-rehearse-'));
}

/**
 * Stand-in commands that change nothing on the cluster: reads, remote sessions opened and closed, and the
 * ScheduledTasks constructors that only build an object for Register-ScheduledTask. Every other command counts
 * as a change (Set-, Stop-, Start-, Move-, Suspend-, Resume-, Register-, New-NetFirewallRule, …).
 */
const READ_ONLY_COMMAND = /^(Get|Test|Resolve|Lab)-|^(New|Remove)-PSSession$|^New-ScheduledTask(Action|Principal|SettingsSet|Trigger)$/;

export function changesCluster(call: LabCall): boolean {
  return !READ_ONLY_COMMAND.test(call.command);
}

interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Sees each line the child writes to the record (rehearse only) as it is written; `interrupt` is Ctrl-C. */
  onOp?: (op: SentOp, interrupt: () => void) => void;
}

function spawnNode(argv: string[], env: NodeJS.ProcessEnv, o: { record?: string; onOp?: SpawnOptions['onOp'] }): Promise<CliRun> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let seen = 0;
  const watch =
    o.onOp && o.record
      ? setInterval(() => {
          const sent = readRecord(o.record!).filter((l) => l.type === 'op');
          for (; seen < sent.length; seen++) o.onOp!(sent[seen] as unknown as SentOp, () => child.kill('SIGINT'));
        }, 25)
      : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (watch) clearInterval(watch);
      resolve({ code, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' });
    });
  });
}

function readRecord(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function childEnv(env: SpawnOptions['env']): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...PWSH_ENV, CI: '1' };
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** `clusterchaos <args>` (bin/clusterchaos.js) from the repository root, as a user runs it. */
export function runClusterchaos(args: string[], o: Pick<SpawnOptions, 'env'> = {}): Promise<CliRun> {
  return spawnNode([BIN, ...args], childEnv(o.env), {});
}

/**
 * `clusterchaos <args>` with what the rehearsal sent and received written down. PowerShell 7 is the tests' own
 * (test/helpers/pwsh.ts) unless `env` names another; `lab` makes the lab's cluster differ from the experiment's.
 */
export async function rehearse(args: string[], o: SpawnOptions & { lab?: LabOverride } = {}): Promise<Rehearsal> {
  const record = join(tmp(), 'record.ndjson');
  const env = childEnv({
    CLUSTERCHAOS_PWSH: pwsh(),
    CLUSTERCHAOS_TEST_RECORD: record,
    ...(o.lab ? { CLUSTERCHAOS_TEST_LAB: JSON.stringify(o.lab) } : {}),
    ...o.env,
  });
  const r = await spawnNode(['--import', 'tsx', RECORDING_MAIN, ...args], env, { record, ...(o.onOp ? { onOp: o.onOp } : {}) });
  const lines = readRecord(record);
  const sent = lines.filter((l) => l.type === 'op').map(({ op, call }) => ({ op, call }) as SentOp);
  return {
    ...r,
    sent,
    ops: sent.map((s) => s.op),
    labs: lines.filter((l) => l.type === 'lab').length,
    calls: lines.filter((l) => l.type === 'call').map(({ type: _type, at: _at, compat: _compat, ...call }) => call as unknown as LabCall),
  };
}

/** A `pwsh` that leaves a mark if anything starts it: give `env` to a command that must start no PowerShell. */
export function trapPwsh(): { env: Record<string, string>; started: () => boolean } {
  const dir = tmp();
  const mark = join(dir, 'started');
  const exe = join(dir, 'pwsh');
  writeFileSync(exe, `#!/bin/sh\necho started >> '${mark}'\nexit 1\n`);
  chmodSync(exe, 0o755);
  return { env: { NODE_POWERSHELL: exe, CLUSTERCHAOS_PWSH: exe, PATH: `${dir}:${process.env.PATH ?? ''}` }, started: () => existsSync(mark) };
}
