import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import dayjs from 'dayjs';

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Where a run writes: `--out DIR`, or `reports/<timestamp>-<experiment>/`. An existing folder with
 * anything in it is refused: a run never overwrites another run's evidence.
 */
export function prepareOutDir(out: string | undefined, experimentName: string, now = new Date()): string {
  if (out) {
    if (existsSync(out) && readdirSync(out).length) {
      throw new UsageError(`--out ${out}: the folder is not empty; give a new or empty folder so no earlier run's evidence is overwritten`);
    }
    mkdirSync(out, { recursive: true });
    return out;
  }
  const base = join('reports', `${dayjs(now).format('YYYYMMDD-HHmmss')}-${experimentName}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}
