import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * clusterchaos could not write what it must (a full disk, an unwritable folder, a closed stdout): a failure of
 * clusterchaos itself, never of the cluster. The CLI says what and where, and exits 4 (DESIGN.md's exit codes).
 */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** `ENOSPC: no space left on device, write` → `no space left on device (ENOSPC)`: how a write error is named to a person. */
export function describeWriteError(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err?.code || typeof err.message !== 'string') return String((e as Error | undefined)?.message ?? e);
  const plain = err.message
    .replace(new RegExp(`^${err.code}: `), '')
    .replace(/, \w+(?: '.*?')?(?: -> '.*?')?$/, '');
  return `${plain} (${err.code})`;
}

/**
 * Write a file whole or not at all: into `<file>.partial` first, then renamed over `file`. A full disk leaves the
 * old file (or none), never a 0-byte or half-written one; the partial file is removed. Throws OutputError.
 */
export async function writeWhole(file: string, data: string): Promise<void> {
  const partial = `${file}.partial`;
  try {
    await writeFile(partial, data);
    await rename(partial, file);
  } catch (e) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw new OutputError(`cannot write ${file}: ${describeWriteError(e)}`, { cause: e });
  }
}

/** writeWhole, synchronously. */
export function writeWholeSync(file: string, data: string): void {
  const partial = `${file}.partial`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch (e) {
    try {
      rmSync(partial, { force: true });
    } catch {
      /* it was never created */
    }
    throw new OutputError(`cannot write ${file}: ${describeWriteError(e)}`, { cause: e });
  }
}
