/** Quote a word for a POSIX shell only when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Words joined into one shell command line, each quoted only when it needs it. */
export function shellWords(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** The one command that replays a run: same experiment, seed, overrides and defects. */
export function replayCommand(o: { file: string; seed: number; sets: string[]; defects: string[]; target: string; rehearse?: boolean }): string {
  const words = ['npx', 'clusterchaos', 'run', o.file, '--seed', String(o.seed)];
  if (o.target !== 'sim') words.push('--target', o.target);
  if (o.rehearse) words.push('--rehearse');
  for (const s of o.sets) words.push('--set', s);
  for (const d of o.defects) words.push('--defect', d);
  return shellWords(words);
}
