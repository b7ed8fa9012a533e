/**
 * Commands clusterchaos prints for the user to paste (a replay, a shrunk schedule, an acceptance run): quoted for
 * the shell they are in. On Linux and macOS that is a POSIX shell. On Windows, `npx clusterchaos` runs from
 * PowerShell or from cmd, whose quoting differ, and neither reads POSIX quotes: `'--set' 'a b'` passes the
 * quotes through in cmd.
 */
export type Shell = 'posix' | 'powershell' | 'cmd';

export const SHELLS: readonly Shell[] = ['posix', 'powershell', 'cmd'];

/**
 * The shell clusterchaos was started from. CLUSTERCHAOS_SHELL (posix, powershell or cmd) says it outright. On
 * Windows: PowerShell (5.1 and 7 alike) puts the user's own module folder (under the user's profile) in front of
 * PSModulePath for what it starts; cmd passes the machine's PSModulePath on, which names only system folders.
 */
export function currentShell(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Shell {
  const told = env.CLUSTERCHAOS_SHELL?.toLowerCase();
  if (told && (SHELLS as readonly string[]).includes(told)) return told as Shell;
  if (platform !== 'win32') return 'posix';
  const profile = (env.USERPROFILE ?? '').toLowerCase();
  const modulePaths = (env.PSModulePath ?? '').toLowerCase().split(';');
  return profile !== '' && modulePaths.some((p) => p.startsWith(`${profile}\\`)) ? 'powershell' : 'cmd';
}

/** A word for a POSIX shell, quoted only when it needs it. */
function posixWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A word for PowerShell: bare when it holds nothing PowerShell reads itself (no `@` `,` `$` `` ` `` `;` `(`
 * `[` `{` `#` `'` `"` or space), else in single quotes, where nothing is expanded and a quote mark is doubled.
 */
function powershellWord(word: string): string {
  // PowerShell ends a single-quoted string at any single quote mark, the typographic ones (U+2018 to U+201B) too,
  // and reads each doubled as itself
  return /^[\w%+=:./\\-]+$/.test(word) ? word : `'${word.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
}

/**
 * A word for cmd, as the program's argument parser (the C runtime's rules, which Node follows) reads it: bare
 * when it holds nothing cmd reads itself (`& | < > ^ " %`, spaces), else in double quotes, with a quote written
 * `\"` and the backslashes before one doubled. A `%` cannot be quoted for cmd: such a word is left to the user.
 */
function cmdWord(word: string): string {
  if (/^[\w@+=:,./\\-]+$/.test(word)) return word;
  const escaped = word.replace(/(\\*)"/g, (_, slashes: string) => `${slashes}${slashes}\\"`).replace(/(\\+)$/, '$1$1');
  return `"${escaped}"`;
}

const WORD: Record<Shell, (word: string) => string> = { posix: posixWord, powershell: powershellWord, cmd: cmdWord };

/** Words joined into one command line for `shell`, each quoted only when it needs it. */
export function shellWords(words: readonly string[], shell: Shell = currentShell()): string {
  return words.map(WORD[shell]).join(' ');
}

/** The one command that replays a run: same experiment, seed, overrides and defects. */
export function replayCommand(
  o: { file: string; seed: number; sets: string[]; defects: string[]; target: string; rehearse?: boolean },
  shell: Shell = currentShell(),
): string {
  const words = ['npx', 'clusterchaos', 'run', o.file, '--seed', String(o.seed)];
  if (o.target !== 'sim') words.push('--target', o.target);
  if (o.rehearse) words.push('--rehearse');
  for (const s of o.sets) words.push('--set', s);
  for (const d of o.defects) words.push('--defect', d);
  return shellWords(words, shell);
}
