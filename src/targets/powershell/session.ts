import { fileURLToPath } from 'node:url';
import { PowerShell, InvocationError, ProcessError, type PSExecutableType } from 'node-powershell';
import type { Logger } from 'pino';
import { OperationError, OperationUnknownError } from '../target.js';
import { findPowerShell } from './executable.js';
import { ANSWER_BEGIN } from './parse.js';
import { psValue } from './scripts.js';

/**
 * One long-lived PowerShell process per run, through node-powershell, that runs one script at a time.
 *
 * What a round trip can end in, and what the caller is told:
 * - the module's framed answer on stdout (ANSWER_BEGIN … ANSWER_END) → the whole stdout (parse.ts reads the
 *   frame, whatever else is around it); anything on stderr beside it is logged, not fatal;
 * - no answer, and PowerShell wrote an error (stderr) → OperationError with PowerShell's message: the call
 *   itself failed (a parameter that does not bind, a module that did not load), so nothing ran;
 * - no answer within the timeout → OperationUnknownError ("… timed out after N s; its outcome is unknown").
 *   The script keeps running in the shell (killing it could skip its own clean-up); the next call waits for
 *   it to finish, and if it still has not after another timeout, the shell is killed and a new one started;
 * - the shell died (ProcessError, or 'invoke called after process exited') → OperationUnknownError; the next
 *   call starts a new shell (logged once per re-establishment);
 * - the shell could not be started or set up at all → OperationError: the script was never sent.
 *
 * Credentials: the password never appears in any script text. It reaches the shell through an environment
 * variable of the child process only, which the set-up script reads into `$ClusterChaosCredential` and then
 * removes; without a credential `$ClusterChaosCredential` is `$null` and scripts run as the current identity.
 * Every message this module builds is scrubbed of the password as well, in case PowerShell echoes it.
 */
export interface SessionOptions {
  /** The PowerShell executable; default: defaultExecutable() (NODE_POWERSHELL, else powershell.exe on Windows, else pwsh). */
  executable?: string;
  /** Modules the set-up imports before the ClusterChaos module (the rehearsal lab's stand-ins). */
  imports?: readonly string[];
  /** Extra environment variables for the shell (the rehearsal lab's URL and process id, its time zone). */
  childEnv?: Readonly<Record<string, string>>;
  /** Instead of sessionSetupScript(): another set-up (tests of scripts from before the module). */
  setupScript?: string;
  /** How long one round trip may take before its outcome is unknown (default 120 s). */
  timeoutMs?: number;
  /** The account the scripts run as; absent: CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD, else the current identity. */
  credential?: CredentialSource;
  log: Logger;
  /** Where CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

export interface Credential {
  username: string;
  password: string;
}

/** A credential, or a prompt that asks for one (called at most once per session, when the first shell starts). */
export type CredentialSource = Credential | (() => Promise<Credential | undefined>);

/** One round trip: the script and how to treat its outcome. */
export interface ScriptRequest {
  /** The operation name, for messages (`poll`, `kill-clussvc`). */
  op: string;
  script: string;
  /** Overrides the session's timeout for this round trip (long operations: a migration, a drain). */
  timeoutMs?: number;
  /** Called when the script is handed to the shell (after any wait in the queue). */
  sent?: () => void;
}

/** What runs scripts: a PowerShell session, or the dry run's recorder. */
export interface ScriptRunner {
  run(request: ScriptRequest): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
/**
 * Starting a shell and running the set-up script may take this long whatever the commands' timeout: PowerShell
 * itself and the FailoverClusters and Hyper-V modules take seconds to load on a busy management host.
 */
export const SESSION_START_MS = 30_000;

/** Child-process environment variables the set-up script reads (and removes). Never the parent's. */
const USER_VARIABLE = 'CLUSTERCHAOS_SESSION_USERNAME';
const SECRET_VARIABLE = 'CLUSTERCHAOS_SESSION_SECRET';

/** The ClusterChaos module every session imports (module/README.md). */
export const MODULE_MANIFEST = fileURLToPath(new URL('./module/ClusterChaos.psd1', import.meta.url));


/**
 * The set-up script run once in every new shell: preferences that keep the output to the module's framed
 * answers (review B3: warnings, progress and information would otherwise reach stdout), UTF-8 output, the
 * ClusterChaos module, and the credential handed to it. It holds no secret: the credential comes from the
 * child's own environment, which the script then clears. `$ConfirmPreference = 'None'`: a confirmation prompt
 * would read our next input line. `imports`: modules to import first (the rehearsal lab's stand-ins).
 */
export function sessionSetupScript(o: { imports?: readonly string[]; module?: string } = {}): string {
  return [
    // the shape of every script: the marker, then complete lines (`pwsh -Command -` runs a block once an
    // empty line follows it; the script ends with one)
    '# clusterchaos session',
    '. {',
    "  $ProgressPreference = 'SilentlyContinue'",
    "  $WarningPreference = 'SilentlyContinue'",
    "  $InformationPreference = 'SilentlyContinue'",
    "  $VerbosePreference = 'SilentlyContinue'",
    "  $ConfirmPreference = 'None'",
    '  [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false',
    '}',
    ...(o.imports ?? []).map((m) => `Import-Module -Name ${psValue(m)} -Global -Force -ErrorAction Stop`),
    `Import-Module -Name ${psValue(o.module ?? MODULE_MANIFEST)} -Global -Force -ErrorAction Stop`,
    '& {',
    '  $credential = $null',
    `  if ($env:${USER_VARIABLE}) {`,
    `    $credential = New-Object System.Management.Automation.PSCredential ($env:${USER_VARIABLE}, (ConvertTo-SecureString $env:${SECRET_VARIABLE} -AsPlainText -Force))`,
    '  }',
    `  Remove-Item Env:${SECRET_VARIABLE}, Env:CLUSTERCHAOS_PASSWORD -ErrorAction SilentlyContinue`,
    '  Initialize-ClusterChaosSession -Credential $credential',
    '}',
    '',
  ].join('\n');
}

/** The set-up script of a session on a real cluster. */
export const SESSION_SETUP_SCRIPT = sessionSetupScript();

/**
 * The shell a session starts when none is named (executable.ts findPowerShell): NODE_POWERSHELL; on Windows,
 * Windows PowerShell 5.1 (`powershell.exe`), where FailoverClusters loads natively (review B1); elsewhere
 * `pwsh` on PATH or the dotnet global tool.
 */
export function defaultExecutable(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return findPowerShell({ env, platform })?.path ?? (platform === 'win32' ? 'powershell.exe' : 'pwsh');
}

/** node-powershell's PowerShell with our executable rule (defaultExecutable, unless the option names one). */
class ClusterChaosShell extends PowerShell {
  protected override setExecutable(options: { executable?: PSExecutableType }): string {
    return (options.executable as string | undefined) ?? defaultExecutable();
  }
}

/** One shell process and what we know about it. */
interface Shell {
  ps: PowerShell;
  pid: number | undefined;
  /** Set when the process exited (for whatever reason). */
  dead: boolean;
  /** Why it exited, when it did with an error. */
  exitReason?: string;
  /** A timed-out invocation still running in it: settles when that invocation ends. */
  stuck?: Promise<void>;
}

export class PowerShellSession implements ScriptRunner {
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private shell: Shell | undefined;
  private readonly setupScript: string;
  private credential: Credential | undefined;
  private credentialResolved = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** How many shells were started (1 = the first; more = re-established). */
  shellsStarted = 0;

  constructor(private readonly options: SessionOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError(`the PowerShell timeout must be positive (got ${options.timeoutMs})`);
    this.log = options.log;
    this.env = options.env ?? process.env;
    this.setupScript = options.setupScript ?? (options.imports?.length ? sessionSetupScript({ imports: options.imports }) : SESSION_SETUP_SCRIPT);
  }

  /** Run one script (after every earlier one) and return what it printed on stdout, trimmed. */
  run(request: ScriptRequest): Promise<string> {
    const result = this.queue.then(() => this.runNow(request));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Dispose the shell. Later calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.dispose(this.shell);
    this.shell = undefined;
  }

  private async runNow(request: ScriptRequest): Promise<string> {
    if (this.closed) throw new OperationError(`${request.op}: the PowerShell session is closed`);
    let shell = await this.ready(request.op);
    if (shell.stuck) {
      const finished = await settlesWithin(shell.stuck, this.timeoutMs);
      if (finished) shell.stuck = undefined;
      else {
        this.log.warn(`an earlier PowerShell command still had not finished after another ${seconds(this.timeoutMs)} s; starting a new PowerShell session`);
        await this.dispose(shell);
        this.shell = undefined;
        shell = await this.ready(request.op);
      }
    }
    // It may have died while we waited for it.
    if (shell.dead) shell = await this.ready(request.op);
    return this.invoke(shell, request, request.timeoutMs ?? this.timeoutMs);
  }

  /** The live shell, started (and set up) if there is none or it died. */
  private async ready(op: string): Promise<Shell> {
    if (this.shell && !this.shell.dead) return this.shell;
    if (this.shell?.dead) {
      this.log.warn(`the PowerShell session ended (${this.shell.exitReason ?? 'the process exited'}); starting a new one`);
      this.shell = undefined;
    }
    const credential = await this.resolveCredential();
    let shell = this.start(credential);
    try {
      await this.invoke(shell, { op: 'session', script: this.setupScript }, Math.max(this.timeoutMs, SESSION_START_MS));
    } catch (e) {
      await this.dispose(shell);
      // The set-up failed, so the operation's own script was never sent: it did not happen. A process that exited
      // during its set-up (seen once in a full test run under load: pwsh gone before it answered) is started once
      // more; one that never started (not found), timed out or failed in PowerShell (module, credential) is not retried.
      if (!shell.dead || shell.stuck || shell.pid === undefined) throw new OperationError(this.scrub(`${op}: could not start a PowerShell session: ${(e as Error).message}`));
      this.log.warn(`the PowerShell process exited while its session was being set up (${shell.exitReason ?? (e as Error).message}); starting it once more`);
      shell = this.start(credential);
      try {
        await this.invoke(shell, { op: 'session', script: this.setupScript }, Math.max(this.timeoutMs, SESSION_START_MS));
      } catch (again) {
        await this.dispose(shell);
        throw new OperationError(this.scrub(`${op}: could not start a PowerShell session (twice): ${(again as Error).message}`));
      }
    }
    this.shell = shell;
    this.log.info(
      `PowerShell session ${this.shellsStarted > 1 ? 're-established' : 'started'} (pid ${shell.pid ?? '?'}${credential ? `, as ${credential.username}` : ', as the current identity'})`,
    );
    return shell;
  }

  private start(credential: Credential | undefined): Shell {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.childEnv };
    delete env.CLUSTERCHAOS_PASSWORD;
    delete env[SECRET_VARIABLE];
    delete env[USER_VARIABLE];
    if (credential) {
      env[USER_VARIABLE] = credential.username;
      env[SECRET_VARIABLE] = credential.password;
    }
    const ps = new ClusterChaosShell({
      ...(this.options.executable ? { executable: this.options.executable } : {}),
      executableOptions: { '-NoProfile': true },
      // the answer is read from stdout even when PowerShell also wrote to stderr (see invoke)
      throwOnInvocationError: false,
      spawnOptions: { env },
    });
    this.shellsStarted++;
    const shell: Shell = { ps, pid: (ps as unknown as { process?: { pid?: number } }).process?.pid, dead: false };
    // node-powershell keeps a private promise that rejects when the process exits with an error; nobody
    // awaits it until an invoke, so without this a shell that dies while idle crashes Node 20 (unhandled
    // rejection). It also tells us when the shell is gone, before the pending invoke hears of it.
    const exited = (ps as unknown as { exitPromise: Promise<void> }).exitPromise;
    exited.then(
      () => {
        shell.dead = true;
      },
      (e: unknown) => {
        shell.dead = true;
        shell.exitReason = describeProcessError(e);
      },
    );
    return shell;
  }

  /** One invoke with our timeout, its failure turned into OperationError / OperationUnknownError. */
  private async invoke(shell: Shell, request: ScriptRequest, timeoutMs: number): Promise<string> {
    const started = Date.now();
    request.sent?.();
    const inflight = shell.ps.invoke(request.script);
    const settled = inflight.then(
      () => undefined,
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([inflight, timedOut]);
      if (outcome === 'timeout') {
        shell.stuck = settled;
        void settled.then(() => {
          shell.ps.history.length = 0;
          if (!shell.dead) this.log.info(`the timed-out ${request.op} finished after ${seconds(Date.now() - started)} s`);
        });
        throw new OperationUnknownError(`${request.op} timed out after ${seconds(timeoutMs)} s; its outcome is unknown`);
      }
      if (shell.dead) throw this.lost(shell, request.op);
      this.log.debug({ op: request.op, ms: Date.now() - started }, 'PowerShell round trip');
      const stdout = outcome.stdout?.toString('utf8') ?? '';
      const stderr = outcome.stderr?.toString('utf8') ?? '';
      if (!stderr.trim() || stdout.includes(ANSWER_BEGIN)) {
        if (stderr.trim()) this.log.debug({ op: request.op, stderr: this.scrub(stderr.slice(0, 2000)) }, 'PowerShell wrote to stderr beside its answer');
        return stdout.trim();
      }
      // No answer, and an error: the call itself failed in PowerShell (it did not bind, or a module is missing).
      throw new InvocationError(stderr);
    } catch (e) {
      if (e instanceof OperationUnknownError) throw e;
      if (e instanceof ProcessError || shell.dead || (e instanceof InvocationError && /invoke called after process exited/.test(e.message))) {
        shell.dead = true;
        shell.exitReason ??= describeProcessError(e);
        throw this.lost(shell, request.op, e);
      }
      if (e instanceof InvocationError) {
        const message = powerShellMessage(e.message, request.op);
        if (!message) throw new OperationUnknownError(`${request.op} failed without a message; its outcome is unknown`);
        throw new OperationError(this.scrub(`${request.op}: ${message}`));
      }
      throw new OperationUnknownError(this.scrub(`${request.op}: ${(e as Error).message ?? String(e)}; its outcome is unknown`));
    } finally {
      clearTimeout(timer);
      // node-powershell keeps every command it ran; a soak would grow it without end.
      if (!shell.stuck) shell.ps.history.length = 0;
    }
  }

  private lost(shell: Shell, op: string, e?: unknown): OperationUnknownError {
    const reason = shell.exitReason ?? (e ? describeProcessError(e) : 'the process exited');
    return new OperationUnknownError(this.scrub(`the PowerShell session ended during ${op} (${reason}); its outcome is unknown`));
  }

  private async dispose(shell: Shell | undefined): Promise<void> {
    if (!shell) return;
    shell.dead = true;
    try {
      await shell.ps.dispose();
    } catch {
      // It had already died; that was reported when it mattered.
    }
  }

  private async resolveCredential(): Promise<Credential | undefined> {
    if (this.credentialResolved) return this.credential;
    this.credential = await resolveCredential(this.options.credential, this.env);
    this.credentialResolved = true;
    return this.credential;
  }

  /** Remove the password from a message, should PowerShell ever echo it. */
  private scrub(message: string): string {
    const password = this.credential?.password;
    if (!password) return message;
    return message.split(password).join('***');
  }
}

/**
 * The account to run as: an explicit credential; else CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD from
 * `env` (the prompt asks for what is missing); else the prompt, if any; else none (the current identity).
 * Rejects with an OperationError (nothing was sent) when it cannot be made complete.
 */
export async function resolveCredential(source: CredentialSource | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Credential | undefined> {
  let credential: Credential | undefined;
  const username = env.CLUSTERCHAOS_USERNAME;
  if (source && typeof source === 'object') credential = source;
  else if (username) {
    const password = env.CLUSTERCHAOS_PASSWORD;
    if (password !== undefined) credential = { username, password };
    else if (typeof source === 'function') credential = await source();
    else throw new OperationError('CLUSTERCHAOS_USERNAME is set but CLUSTERCHAOS_PASSWORD is not');
  } else if (typeof source === 'function') credential = await source();
  if (credential && (!credential.username || /[\u0000-\u001f\u007f]/.test(credential.username))) {
    throw new OperationError('the credential has an empty user name or one with control characters');
  }
  return credential;
}

/** Resolve when `p` settles (true) or after `ms` (false). */
async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

function describeProcessError(e: unknown): string {
  if (e instanceof ProcessError) {
    const original = e.originalError?.message?.trim();
    if (original && /spawn/.test(original)) return original;
    if (e.signalCode) return `killed by ${e.signalCode}`;
    if (e.exitCode !== null && e.exitCode !== undefined) return `exit code ${e.exitCode}`;
  }
  const message = (e as Error | undefined)?.message?.split('\n')[0]?.trim();
  return message || 'the process exited';
}

/**
 * PowerShell's error text as one readable paragraph: without colour codes (PowerShell 7), without Windows
 * PowerShell 5.1's position and category lines (`At line:…`, `+ CategoryInfo …`, `~~~`), and without the
 * `Write-Error: clusterchaos <op>: ` the scripts put in front of the exception's message. At most 2,000 characters.
 */
export function powerShellMessage(text: string, op: string): string {
  let plain = text
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !/^(\+ |At line:\d|At [^\n]*:\d+ char:\d+$|~+$)/.test(line))
    .join(' ')
    .trim();
  const ours = plain.indexOf(`clusterchaos ${op}: `);
  if (ours >= 0) plain = plain.slice(ours + `clusterchaos ${op}: `.length);
  else plain = plain.replace(/^Write-Error: /, '');
  return plain.length > 2000 ? `${plain.slice(0, 1999)}…` : plain;
}

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);
