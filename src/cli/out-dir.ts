import { closeSync, mkdirSync, rmdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import dayjs from 'dayjs';
import { describeWriteError, OutputError } from '../trace/output.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The file that says a clusterchaos process is writing a folder (a run, a resume, a report, a revert). */
export const LOCK_FILE = '.clusterchaos.lock';

/** Who holds a folder: enough for a person to find the process. */
export interface Holder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** Another clusterchaos process holds the folder: bad usage (exit 2), naming it. */
export class FolderBusyError extends UsageError {
  constructor(
    readonly dir: string,
    readonly holder: Holder | undefined,
    readonly lockPath: string,
  ) {
    super(
      holder
        ? `${dir}: another clusterchaos is writing there: \`${holder.command}\` (process ${holder.pid} on ${holder.host}, since ${holder.started}). ` +
            `Wait for it to finish, or give another folder. If no such process is running, delete ${lockPath}.`
        : `${dir}: another clusterchaos is claiming this folder at this very moment (${lockPath} was just created). Give another folder.`,
    );
  }
}

/** A folder held by this process until `release()`. */
export interface FolderLock {
  dir: string;
  /** Whether clusterchaos created the folder (a run refused before it wrote anything removes it again). */
  created?: boolean;
  release(): void;
}

/** Give a claimed folder back: the lock goes, and so does the folder if this run made it and left it empty. */
export function abandon(lock: FolderLock): void {
  lock.release();
  if (!lock.created) return;
  try {
    rmdirSync(lock.dir);
  } catch {
    /* not empty after all: keep it */
  }
}

/**
 * Hold `dir` for this process, atomically: the lock file is created with O_EXCL, so of two processes exactly one
 * gets it, and the other is told who has it (FolderBusyError, exit 2). A lock left by a process that died
 * (SIGKILL, a power cut) on this machine is taken over: moved aside atomically, checked to be the dead one's
 * (two takers cannot both succeed), then removed. A lock from another machine (a shared folder) is never
 * presumed dead. Throws OutputError when the folder cannot be written at all (exit 4).
 */
export function lockFolder(dir: string, command: string): FolderLock {
  const lockPath = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new OutputError(`cannot write in ${dir}: ${describeWriteError(e)}`, { cause: e });
      const held = readHolder(lockPath);
      if (held.state === 'alive') throw new FolderBusyError(dir, held.holder, lockPath);
      if (held.state === 'fresh') throw new FolderBusyError(dir, undefined, lockPath);
      if (held.state === 'gone') continue; // released between our open and our read: try again
      takeOver(lockPath, held.text);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } catch (e) {
      closeSync(fd);
      rmSync(lockPath, { force: true });
      throw new OutputError(`cannot write in ${dir}: ${describeWriteError(e)}`, { cause: e });
    }
    closeSync(fd);
    let released = false;
    return {
      dir,
      release: () => {
        if (released) return;
        released = true;
        // only our own lock (a person may have removed it and another run taken the folder since)
        if (readHolder(lockPath).holder?.pid === process.pid) rmSync(lockPath, { force: true });
      },
    };
  }
  throw new FolderBusyError(dir, readHolder(lockPath).holder, lockPath);
}

type HolderState =
  | { state: 'alive' | 'dead'; holder: Holder; text: string }
  | { state: 'fresh' | 'dead'; holder?: undefined; text: string }
  | { state: 'gone'; holder?: undefined; text?: undefined };

/** What a lock file says, and whether its holder still runs (as far as this machine can tell). */
function readHolder(lockPath: string): HolderState {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    mtimeMs = statSync(lockPath).mtimeMs;
  } catch {
    return { state: 'gone' };
  }
  let holder: Holder | undefined;
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') holder = { pid: h.pid, host: h.host, started: String(h.started), command: String(h.command) };
  } catch {
    /* being written, or cut short by a crash */
  }
  if (!holder) return Date.now() - mtimeMs < 5_000 ? { state: 'fresh', text } : { state: 'dead', text };
  return { state: holder.host !== hostname() || running(holder.pid) ? 'alive' : 'dead', holder, text };
}

function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove a dead holder's lock, unless another taker got there first (then theirs is put back). */
function takeOver(lockPath: string, deadText: string): void {
  const aside = `${lockPath}.${process.pid}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = (() => {
    try {
      return readFileSync(aside, 'utf8');
    } catch {
      return undefined;
    }
  })();
  if (moved === deadText) {
    rmSync(aside, { force: true });
    return;
  }
  // we moved a live taker's fresh lock: put it back where it was (unless a third one has taken the name since)
  try {
    closeSync(openSync(lockPath, 'wx'));
  } catch {
    rmSync(aside, { force: true });
    return;
  }
  renameSync(aside, lockPath);
}

/**
 * Where a run writes, claimed for this process: `--out DIR`, or `reports/<timestamp>-<experiment>/`. An existing
 * folder with anything in it is refused (a run never overwrites another run's evidence), and so is one another
 * clusterchaos holds; of two runs started on one folder at once, exactly one gets it. Usage problems throw
 * UsageError (exit 2); a folder that cannot be created or written throws OutputError (exit 4).
 */
export function prepareOutDir(out: string | undefined, experimentName: string, command: string, now = new Date()): FolderLock {
  if (out !== undefined) {
    if (out.trim() === '') throw new UsageError('--out: an empty folder name; give the folder the results go to, e.g. --out reports/lab-run-1');
    const kind = kindOf(out);
    if (kind === 'other') throw new UsageError(`--out ${out}: that is a file, not a folder; give a new or empty folder for the results`);
    if (kind === 'missing') makeFolder(out);
    const lock: FolderLock = { ...lockFolder(out, command), created: kind === 'missing' };
    const others = readdirSync(out).filter((n) => n !== LOCK_FILE);
    if (others.length) {
      lock.release();
      throw new UsageError(`--out ${out}: the folder is not empty (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); give a new or empty folder so no earlier run's evidence is overwritten`);
    }
    return lock;
  }
  const base = join('reports', `${dayjs(now).format('YYYYMMDD-HHmmss')}-${experimentName}`);
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    if (kindOf(dir) !== 'missing') continue;
    makeFolder(dir);
    try {
      const lock: FolderLock = { ...lockFolder(dir, command), created: true };
      if (readdirSync(dir).every((n) => n === LOCK_FILE)) return lock;
      lock.release();
    } catch (e) {
      if (!(e instanceof FolderBusyError)) throw e;
    }
  }
}

function kindOf(path: string): 'missing' | 'folder' | 'other' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw new UsageError(`--out ${path}: a part of that path is a file, not a folder; give a folder for the results`);
    throw new OutputError(`cannot use ${path} for the results: ${describeWriteError(e)}`, { cause: e });
  }
}

/**
 * `mkdir -p`, one level at a time from the nearest folder that exists. (Node's recursive mkdirSync never returns
 * for some paths, e.g. under /proc/self, where every mkdir says ENOENT.)
 */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    try {
      if (!statSync(p).isDirectory()) throw new UsageError(`--out ${dir}: ${p} is a file, not a folder; give a folder for the results`);
      break;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new UsageError(`--out ${dir}: a part of that path is a file, not a folder; give a folder for the results`);
      if (code !== 'ENOENT') throw new OutputError(`cannot create the folder ${dir}: ${describeWriteError(e)}`, { cause: e });
      missing.unshift(p);
      const parent = dirname(p);
      if (parent === p) break;
      p = parent;
    }
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(m) === 'folder') continue; // another run made it: fine
      throw new OutputError(`cannot create the folder ${dir}: ${describeWriteError(e)}`, { cause: e });
    }
  }
}
