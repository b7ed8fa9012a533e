/**
 * A scheduled task's action, run for real: the `powershell.exe` command line a task registers is read as
 * Windows PowerShell would read it, and its command runs in a NEW PowerShell 7 process with the stand-ins
 * imported and the node as its context (`Set-ClusterChaosLabContext -Node`), as SYSTEM would run it there.
 */
import { spawn } from 'node:child_process';

/** What a task's Exec action runs: a PowerShell command, or why it cannot be run. */
export type TaskCommand = { script: string } | { error: string };

/** How a task process ended. exitCode null: killed (the lab closed, or it ran past its wall-clock limit). */
export interface TaskExit {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface RunningTask {
  readonly pid: number | undefined;
  readonly exited: Promise<TaskExit>;
  kill(): void;
}

/** Output kept per stream, for a test or a report to show why a task failed. */
const KEEP_BYTES = 64 * 1024;

/**
 * Split a Windows command line into arguments as CommandLineToArgvW does: white space separates, double
 * quotes group (`""` inside quotes is a quote), 2n backslashes before a quote are n backslashes.
 */
export function splitArguments(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      let n = 0;
      while (line[i + n] === '\\') n++;
      if (line[i + n] === '"') {
        current += '\\'.repeat(Math.floor(n / 2));
        i += n;
        if (n % 2 === 1) current += '"';
        else {
          quoted = !quoted;
        }
      } else {
        current += '\\'.repeat(n);
        i += n - 1;
      }
      inArg = true;
    } else if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
      inArg = true;
    } else if (!quoted && /\s/.test(c)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  return args;
}

const SWITCHES = ['noprofile', 'noninteractive', 'nologo', 'noexit', 'sta', 'mta'];
const WITH_VALUE = ['executionpolicy', 'windowstyle', 'inputformat', 'outputformat', 'version', 'configurationname'];

/** Whether `arg` (without its dash) abbreviates `name` as powershell.exe accepts it. */
function abbreviates(arg: string, name: string, shortest = 1): boolean {
  return arg.length >= shortest && name.startsWith(arg);
}

/**
 * The PowerShell command an Exec action runs: `powershell.exe` (any path; `pwsh` too) with
 * `-EncodedCommand <base64 of UTF-16LE>` or `-Command <the rest of the line>`; -NoProfile, -NonInteractive,
 * -NoLogo, -ExecutionPolicy, -WindowStyle are accepted. Anything else cannot run in the lab.
 */
export function taskCommand(execute: string, argumentLine: string | null): TaskCommand {
  const program = execute.replace(/^"|"$/g, '').split(/[\\/]/).pop()!.toLowerCase();
  if (!['powershell.exe', 'powershell', 'pwsh.exe', 'pwsh'].includes(program)) {
    return { error: `the task runs '${execute}': only powershell.exe actions run in the rehearsal lab` };
  }
  const args = splitArguments(argumentLine ?? '');
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!/^[-/]/.test(a)) return { error: `the task's argument '${a}' is not a powershell.exe parameter (a -File script cannot run in the rehearsal lab)` };
    const name = a.slice(1).toLowerCase();
    if (name === 'e' || name === 'ec' || abbreviates(name, 'encodedcommand', 3)) {
      const encoded = args[i + 1];
      if (encoded === undefined) return { error: 'the task gives -EncodedCommand without a value' };
      const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
      if (!bytes.length || bytes.length % 2 !== 0) return { error: "the task's -EncodedCommand is not base64 of UTF-16LE text" };
      return { script: bytes.toString('utf16le') };
    }
    if (name === 'c' || abbreviates(name, 'command', 1)) {
      const rest = args.slice(i + 1);
      if (!rest.length) return { error: 'the task gives -Command without a command' };
      if (rest.length === 1 && rest[0] === '-') return { error: 'the task reads its command from standard input (-Command -), which a task has not' };
      return { script: rest.join(' ') };
    }
    if (name === 'f' || abbreviates(name, 'file', 2)) return { error: 'a task running a script file (-File) cannot run in the rehearsal lab: give the command with -EncodedCommand or -Command' };
    if (SWITCHES.some((s) => abbreviates(name, s, 3))) continue;
    if (WITH_VALUE.some((s) => abbreviates(name, s, 2)) || name === 'ep' || name === 'ex' || name === 'w') {
      i++;
      continue;
    }
    return { error: `the task's powershell.exe parameter '${a}' is not one the rehearsal lab knows` };
  }
  return { error: 'the task runs powershell.exe without -EncodedCommand or -Command: nothing to run' };
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Start a PowerShell 7 process for a task's command on `node`: the stand-ins imported, the node as its
 * context, then the command as -EncodedCommand would run it. Killed after `wallLimitMs` of real time.
 */
export function runTaskProcess(o: {
  pwsh: string;
  standIns: string;
  node: string;
  script: string;
  env: Record<string, string>;
  wallLimitMs: number;
}): RunningTask {
  const script = [
    `Import-Module -Name ${quote(o.standIns)} -ErrorAction Stop`,
    `Set-ClusterChaosLabContext -Node ${quote(o.node)}`,
    o.script,
  ].join('\n');
  const encoded = Buffer.from(script, 'utf16le').toString('base64');
  const child = spawn(o.pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-EncodedCommand', encoded], {
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-KEEP_BYTES)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-KEEP_BYTES)));
  const exited = new Promise<TaskExit>((resolve) => {
    let done = false;
    const finish = (exitCode: number | null, signal: string | null, extra = '') => {
      if (done) return;
      done = true;
      clearTimeout(limit);
      resolve({ exitCode, signal, stdout, stderr: stderr + extra });
    };
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      finish(null, 'SIGKILL', `\nclusterchaos lab: the task process ran past ${o.wallLimitMs} ms of real time and was killed`);
    }, o.wallLimitMs);
    child.on('error', (e) => finish(null, null, `\nclusterchaos lab: ${o.pwsh} could not be started: ${e.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  });
  return {
    pid: child.pid,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
