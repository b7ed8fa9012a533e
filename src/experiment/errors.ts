/**
 * What the loader tells a user about an experiment it will not run. Every problem names where it is (the
 * file with line and column, or the `--set` flag it came from), what was expected there, what was found,
 * and what to do about it, so the message reads well on a terminal as is and the CLI exits with code 2.
 */

import { escapeRefused } from './text.js';

export interface Problem {
  /** The experiment file as the user gave it. */
  file: string;
  /** 1-based; absent when the problem is not at a place in the file (unreadable file, a `--set` flag). */
  line?: number;
  column?: number;
  /** The `--set` or `--seed` flag the value came from, as the user typed it (`--set a.b=1`). */
  flag?: string;
  /** Dotted path of the value in the experiment, e.g. `method[0].fault`; '' for the whole file. */
  path: string;
  expected: string;
  found: string;
  /** What to do, one sentence or two; '' when expected/found say it all. */
  hint: string;
}

/** One problem on one line: `experiments/x.yaml:14:11: method[0].fault: expected …, found …. Hint.` */
export function formatProblem(p: Problem): string {
  let where: string;
  let path = p.path;
  if (p.flag !== undefined) {
    where = `${p.file}: ${p.flag}`;
    // the flag already names the path when it set exactly this value
    if (flagPath(p.flag) === p.path) path = '';
  } else {
    where = p.file;
    if (p.line !== undefined) where += `:${p.line}`;
    if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
  }
  const head = path === '' ? `${where}:` : `${where}: ${path}:`;
  const hint = p.hint === '' ? '' : ` ${p.hint}`;
  // a hostile name quoted back (or a file named so) must not drive the terminal that shows the message
  return escapeRefused(`${head} expected ${p.expected}, found ${p.found}.${hint}`);
}

function flagPath(flag: string): string | undefined {
  if (flag.startsWith('--seed')) return 'seed';
  const m = /^--set (.*?)=/.exec(flag);
  return m ? m[1]!.trim() : undefined;
}

/** Problems in file order (line, column), then those from flags in the order the flags were given. */
export function sortProblems(problems: Problem[], flags: readonly string[] = []): Problem[] {
  const inFile = problems.filter((p) => p.flag === undefined);
  const fromFlags = problems.filter((p) => p.flag !== undefined);
  const order = (p: Problem): number => {
    const i = flags.indexOf(p.flag!);
    return i < 0 ? flags.length : i;
  };
  inFile.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  fromFlags.sort((a, b) => order(a) - order(b));
  return [...inFile, ...fromFlags];
}

/** The most problems a message lists: a file of a hundred thousand wrong steps is told so in a screenful. */
export const MAX_LISTED_PROBLEMS = 100;

/** The problems, one a line, the first MAX_LISTED_PROBLEMS of them and how many more there are. */
export function formatProblems(problems: readonly Problem[]): string {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem);
  const more = problems.length - MAX_LISTED_PROBLEMS;
  if (more > 0) lines.push(`… and ${more} more problem${more === 1 ? '' : 's'} (the first ${MAX_LISTED_PROBLEMS} are listed above).`);
  return lines.join('\n');
}

/** An experiment that cannot be run as written: bad input, exit code 2, nothing done to any cluster. */
export class ExperimentError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.name = 'ExperimentError';
    this.problems = problems;
  }
}
