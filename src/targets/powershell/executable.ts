/**
 * Which PowerShell executable to start.
 *
 * - findPowerShell: the shell a session of the PowerShell target starts. On Windows that is Windows PowerShell
 *   5.1 (`powershell.exe`): under PowerShell 7 the FailoverClusters module loads through the WinCompat proxy,
 *   whose deserialized objects lose `OwnerNode.Name` and whose setters change a copy (review B1).
 * - findPwsh7: PowerShell 7, always — for the rehearsal lab and the tests, which run on Linux too.
 *
 * Both are pure lookups over an environment, a platform and a home folder (every one can be faked), and start
 * nothing. An executable named explicitly (NODE_POWERSHELL, CLUSTERCHAOS_PWSH) is returned even when it does
 * not exist: the user chose it, and starting it then fails with the name they gave.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';

export interface PowerShellExecutable {
  path: string;
  /** `Desktop`: Windows PowerShell 5.1 (powershell.exe); `Core`: PowerShell 6+ (pwsh). */
  edition: 'Desktop' | 'Core';
}

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The home folder whose .dotnet/tools may hold the PowerShell global tool. */
  home?: string;
}

/**
 * The PowerShell a session starts: NODE_POWERSHELL, else CLUSTERCHAOS_PWSH, when set; on Windows
 * `powershell.exe` (on PATH, else in %SystemRoot%\System32\WindowsPowerShell\v1.0), falling back to
 * `pwsh.exe`; elsewhere `pwsh` on PATH, else ~/.dotnet/tools/pwsh. Undefined when there is none.
 */
export function findPowerShell(o: FindOptions = {}): PowerShellExecutable | undefined {
  const { env, platform } = resolved(o);
  const explicit = env.NODE_POWERSHELL || env.CLUSTERCHAOS_PWSH;
  if (explicit) return named(explicit, env, platform);
  if (platform === 'win32') {
    const desktop = onPath('powershell.exe', env, platform) ?? inSystemRoot(env);
    if (desktop) return { path: desktop, edition: 'Desktop' };
  }
  return pwsh7(o);
}

/**
 * PowerShell 7 (`pwsh`), whatever the platform: CLUSTERCHAOS_PWSH when set, else `pwsh` on PATH (`pwsh.exe`
 * on Windows), else ~/.dotnet/tools/pwsh (the dotnet global tool npm test's pretest installs). Undefined when
 * there is none: `npm test` (its pretest, scripts/ensure-test-tools.mjs) installs it.
 */
export function findPwsh7(o: FindOptions = {}): PowerShellExecutable | undefined {
  const { env, platform } = resolved(o);
  if (env.CLUSTERCHAOS_PWSH) return named(env.CLUSTERCHAOS_PWSH, env, platform);
  return pwsh7(o);
}

function pwsh7(o: FindOptions): PowerShellExecutable | undefined {
  const { env, platform, home } = resolved(o);
  const exe = platform === 'win32' ? 'pwsh.exe' : 'pwsh';
  const found = onPath(exe, env, platform) ?? existing(join(join(join(home, '.dotnet'), 'tools'), exe), platform);
  return found === undefined ? undefined : { path: found, edition: 'Core' };
}

function resolved(o: FindOptions): { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; home: string } {
  return { env: o.env ?? process.env, platform: o.platform ?? process.platform, home: o.home ?? homedir() };
}

/** An executable the user named: a path as given, a bare name looked up on PATH (kept as given if absent). */
function named(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): PowerShellExecutable {
  const bare = !name.includes('/') && !(platform === 'win32' && name.includes('\\'));
  const path = (bare ? onPath(name, env, platform) ?? (platform === 'win32' && !/\.exe$/i.test(name) ? onPath(`${name}.exe`, env, platform) : undefined) : undefined) ?? name;
  return { path, edition: editionOf(name) };
}

/** `powershell` / `powershell.exe` (any folder, any case) is Windows PowerShell; anything else is taken as pwsh. */
function editionOf(path: string): 'Desktop' | 'Core' {
  const base = path.split(/[\\/]/).pop()!.toLowerCase();
  return base === 'powershell' || base === 'powershell.exe' ? 'Desktop' : 'Core';
}

function inSystemRoot(env: NodeJS.ProcessEnv): string | undefined {
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir;
  if (!root) return undefined;
  return existing(['System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe'].reduce(join, root), 'win32');
}

function onPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const path = env.PATH ?? env.Path ?? '';
  for (const dir of path.split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue;
    const found = existing(join(dir, name), platform);
    if (found) return found;
  }
  return undefined;
}

/**
 * Join with the separator the folder already uses (`\` when it has one, else `/`): a Windows folder stays a
 * Windows path, and a test can hand a POSIX folder to the win32 lookup (Windows accepts `/` too).
 */
function join(dir: string, name: string): string {
  const sep = dir.includes('\\') ? '\\' : '/';
  return dir.replace(/[\\/]+$/, '') + sep + name;
}

function existing(path: string, platform: NodeJS.Platform): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    if (platform !== 'win32') accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}
