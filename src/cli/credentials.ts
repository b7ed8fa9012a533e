/**
 * Credentials for the PowerShell target: CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD, or typed at a prompt
 * (`--credential prompt`, the password read without echo), or a PSCredential from the management host's secret
 * vaults (`--credential secret:<name>` [`--vault <vault>`]: Get-Secret of Microsoft.PowerShell.SecretManagement,
 * e.g. the Windows Credential Manager through the SecretManagement.JustinGrote.CredMan extension, or a
 * SecretStore vault), or none: the session runs as the signed-in user (Kerberos). They go to the target and
 * nowhere else: never to the log, the trace, a report or a command line.
 */
import { spawn } from 'node:child_process';
import { findPowerShell } from '../targets/powershell/executable.js';
import { UsageError } from './out-dir.js';

export interface Credential {
  username: string;
  password: string;
}

export const USERNAME_ENV = 'CLUSTERCHAOS_USERNAME';
export const PASSWORD_ENV = 'CLUSTERCHAOS_PASSWORD';

/** `--credential`: `prompt`, or `secret:<name>` (a secret of the management host's vaults). */
export type CredentialHow = 'prompt' | `secret:${string}`;

/** A secret in the management host's SecretManagement vaults: its name, and the vault to look in (absent: every registered vault, the default first). */
export interface SecretReference {
  secret: string;
  vault?: string;
}

/** The module Get-Secret comes from, and how to get it. */
export const SECRET_MODULE = 'Microsoft.PowerShell.SecretManagement';
const INSTALL = `Install-Module ${SECRET_MODULE} -Scope CurrentUser (and a vault extension: e.g. SecretManagement.JustinGrote.CredMan for the Windows Credential Manager, or Microsoft.PowerShell.SecretStore), then Register-SecretVault`;

/** The `--credential` option's parser: `prompt` or `secret:<name>`; anything else is a usage error naming both. */
export function credentialHow(value: string): CredentialHow {
  if (value === 'prompt') return value;
  if (value.startsWith('secret:') && value.slice('secret:'.length).trim() !== '') return value as CredentialHow;
  throw new UsageError(`--credential ${value}: expected prompt (asks for a user name and password) or secret:<name> (a PSCredential stored with Set-Secret on this host)`);
}

/**
 * The credential the run uses; undefined: the signed-in user's own. Throws UsageError (exit 2, nothing done) for
 * half a credential, an empty user name at the prompt, or a secret that cannot be read (the message says what to
 * install or store).
 */
export async function readCredential(
  how: CredentialHow | undefined,
  env: NodeJS.ProcessEnv = process.env,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
  o: { vault?: string | undefined } = {},
): Promise<Credential | undefined> {
  if (o.vault !== undefined && !how?.startsWith('secret:')) throw new UsageError(`--vault ${o.vault} says where --credential secret:<name> is looked up: add --credential secret:<name>, or remove --vault`);
  if (how?.startsWith('secret:')) return readSecret({ secret: how.slice('secret:'.length), ...(o.vault !== undefined ? { vault: o.vault } : {}) }, { env });
  if (how === 'prompt') {
    const username = await ask('user name for the cluster (DOMAIN\\user): ', input, output, true);
    const password = await ask(`password for ${username}: `, input, output, false);
    if (username === '') throw new UsageError('--credential prompt: no user name given; nothing was done to any cluster');
    return { username, password };
  }
  const username = env[USERNAME_ENV];
  const password = env[PASSWORD_ENV];
  if ((username ?? '') === '' && (password ?? '') === '') return undefined;
  if ((username ?? '') === '' || (password ?? '') === '') {
    throw new UsageError(
      `${USERNAME_ENV} and ${PASSWORD_ENV} go together: set both (or neither, to run as the signed-in user, or use --credential prompt or secret:<name>); nothing was done to any cluster`,
    );
  }
  return { username: username!, password: password! };
}

/**
 * The script that reads one secret (names from the environment: CLUSTERCHAOS_SECRET_NAME, CLUSTERCHAOS_SECRET_VAULT)
 * and answers one JSON line on stdout: `{user, password}` for a PSCredential, else `{problem, …}`. It holds no
 * secret, so it may go on the command line; the password comes back through the pipe alone.
 */
const READ_SECRET_SCRIPT = `
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Answer($o) { [Console]::Out.WriteLine((ConvertTo-Json -InputObject $o -Compress)) }
$name = $env:CLUSTERCHAOS_SECRET_NAME
$vault = $env:CLUSTERCHAOS_SECRET_VAULT
if (-not (Get-Module -ListAvailable -Name ${SECRET_MODULE})) { Answer @{ problem = 'module' }; exit 0 }
try { Import-Module -Name ${SECRET_MODULE} -ErrorAction Stop } catch { Answer @{ problem = 'module'; message = $_.Exception.Message }; exit 0 }
$vaults = @(Get-SecretVault -ErrorAction SilentlyContinue | ForEach-Object { $_.Name })
if ($vault -and $vaults -notcontains $vault) { Answer @{ problem = 'vault'; vaults = $vaults }; exit 0 }
if (-not $vaults.Count) { Answer @{ problem = 'no-vault' }; exit 0 }
$parameters = @{ Name = $name; ErrorAction = 'Stop' }
if ($vault) { $parameters.Vault = $vault }
try { $secret = Get-Secret @parameters } catch { Answer @{ problem = 'secret'; message = $_.Exception.Message; vaults = $vaults }; exit 0 }
if ($null -eq $secret) { Answer @{ problem = 'secret'; vaults = $vaults }; exit 0 }
if ($secret -is [System.Management.Automation.PSCredential]) {
  Answer @{ user = $secret.UserName; password = $secret.GetNetworkCredential().Password }
  exit 0
}
Answer @{ problem = 'type'; type = $secret.GetType().FullName }
`;

interface SecretAnswer {
  user?: string;
  password?: string;
  problem?: 'module' | 'vault' | 'no-vault' | 'secret' | 'type';
  message?: string;
  vaults?: string[];
  type?: string;
}

/**
 * A PSCredential from the management host's vaults, through Get-Secret in PowerShell there (the shell a session
 * would start: NODE_POWERSHELL, CLUSTERCHAOS_PWSH, powershell.exe on Windows, pwsh elsewhere). Throws UsageError
 * naming the secret and what to do when the module, the vault or the secret is missing, or the secret is not a
 * PSCredential. The password is never in an argument, a message or a log line.
 */
export async function readSecret(ref: SecretReference, o: { env?: NodeJS.ProcessEnv } = {}): Promise<Credential> {
  const env = o.env ?? process.env;
  const exe = findPowerShell({ env })?.path ?? (process.platform === 'win32' ? 'powershell.exe' : 'pwsh');
  const where = `secret ${ref.secret}${ref.vault !== undefined ? ` in vault ${ref.vault}` : ''}`;
  const encoded = Buffer.from(READ_SECRET_SCRIPT, 'utf16le').toString('base64');
  const childEnv: NodeJS.ProcessEnv = { ...env, CLUSTERCHAOS_SECRET_NAME: ref.secret, CLUSTERCHAOS_SECRET_VAULT: ref.vault ?? '' };
  delete childEnv[PASSWORD_ENV];
  const { code, stdout, stderr, error } = await new Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(exe, ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => resolve({ code: null, stdout: out, stderr: err, error: e }));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (error) throw new UsageError(`--credential secret:${ref.secret}: could not start PowerShell (${exe}: ${error.message}) to read the ${where}; install PowerShell, or name it with NODE_POWERSHELL. Nothing was done to any cluster.`);
  const line = stdout.split('\n').map((l) => l.trim()).find((l) => l.startsWith('{'));
  let answer: SecretAnswer;
  try {
    answer = JSON.parse(line ?? '') as SecretAnswer;
  } catch {
    throw new UsageError(`--credential secret:${ref.secret}: PowerShell (${exe}) did not answer when asked for the ${where} (exit ${code}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}). Nothing was done to any cluster.`);
  }
  const vaults = answer.vaults?.length ? `registered vaults: ${answer.vaults.join(', ')}` : 'no vault is registered';
  switch (answer.problem) {
    case undefined:
      if (typeof answer.user === 'string' && answer.user !== '' && typeof answer.password === 'string') return { username: answer.user, password: answer.password };
      throw new UsageError(`--credential secret:${ref.secret}: the ${where} is a PSCredential without a user name; store it again with Set-Secret -Name ${ref.secret} -Secret (Get-Credential). Nothing was done to any cluster.`);
    case 'module':
      throw new UsageError(`--credential secret:${ref.secret}: the PowerShell module ${SECRET_MODULE} is not installed on this host (${exe}${answer.message ? `: ${answer.message}` : ''}). ${INSTALL}. Nothing was done to any cluster.`);
    case 'vault':
      throw new UsageError(`--vault ${ref.vault}: no such secret vault on this host (${vaults}; Get-SecretVault lists them). Register it with Register-SecretVault, or give one of those. Nothing was done to any cluster.`);
    case 'no-vault':
      throw new UsageError(`--credential secret:${ref.secret}: ${SECRET_MODULE} is installed but no secret vault is registered on this host (Get-SecretVault lists none): Register-SecretVault, then Set-Secret -Name ${ref.secret} -Secret (Get-Credential). Nothing was done to any cluster.`);
    case 'secret':
      throw new UsageError(
        `--credential secret:${ref.secret}: Get-Secret found no ${where} (${vaults}${answer.message ? `; it said: ${answer.message}` : ''}). Store it with Set-Secret -Name ${ref.secret} -Secret (Get-Credential)${ref.vault !== undefined ? ` -Vault ${ref.vault}` : ''}, or give its name as Get-SecretInfo shows it. Nothing was done to any cluster.`,
      );
    case 'type':
      throw new UsageError(`--credential secret:${ref.secret}: the ${where} is a ${answer.type ?? 'value'}, not a PSCredential (a user name and a password); store one with Set-Secret -Name ${ref.secret} -Secret (Get-Credential). Nothing was done to any cluster.`);
  }
}

/**
 * Read one line from the terminal. With `echo` false the characters typed are not shown (raw mode; Backspace
 * edits, Ctrl-C and Ctrl-D give up). From a pipe, the next line is read as is; the end of the input gives what was read.
 */
export function ask(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream, echo: boolean): Promise<string> {
  output.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    const tty = input.isTTY === true && typeof input.setRawMode === 'function';
    const done = (err?: Error): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      if (tty) input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onEnd = (): void => done();
    const onData = (chunk: Buffer | string): void => {
      const chars = [...chunk.toString('utf8')];
      for (const [i, ch] of chars.entries()) {
        if (ch === '\r' || ch === '\n') {
          // what came after the line is the next answer's (a pipe delivers both at once)
          let rest = chars.slice(i + 1).join('');
          if (ch === '\r' && rest.startsWith('\n')) rest = rest.slice(1);
          done();
          if (rest !== '') input.unshift(Buffer.from(rest, 'utf8'));
          return;
        }
        if (ch === '\u0003') return done(new UsageError('interrupted at the prompt; nothing was done to any cluster'));
        // raw mode: Ctrl-D arrives as a character, not as the end of the input
        if (ch === '\u0004') return done(new UsageError('end of input (Ctrl-D) at the prompt; nothing was done to any cluster'));
        if (ch === '\u007f' || ch === '\b') {
          if (text.length) {
            text = [...text].slice(0, -1).join('');
            if (echo && tty) output.write('\b \b');
          }
          continue;
        }
        text += ch;
        if (echo && tty) output.write(ch);
      }
    };
    if (tty) input.setRawMode(true);
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
