/** `clusterchaos list experiments`: the experiment files in a folder with their titles. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, parse as parsePath } from 'node:path';
import { parse } from 'yaml';
import { ExperimentError } from './errors.js';

export interface ExperimentListing {
  /** File name without extension: what a user types after `clusterchaos run experiments/`. */
  name: string;
  file: string;
  /** The experiment's title; '' when the file has none or cannot be read as YAML (running it says why). */
  title: string;
}

/** Every `*.yaml` / `*.yml` in `dir`, sorted by name. */
export function listExperiments(dir: string): ExperimentListing[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExperimentError([
      {
        file: dir,
        path: '',
        expected: 'a folder of experiment files',
        found: code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'a file' : (e as Error).message,
        hint: '',
      },
    ]);
  }
  return entries
    .filter((f) => /\.ya?ml$/i.test(f))
    .map((f) => {
      const file = join(dir, f);
      return { name: parsePath(f).name, file, title: titleOf(file) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function titleOf(file: string): string {
  try {
    const doc = parse(readFileSync(file, 'utf8'), { uniqueKeys: false }) as unknown;
    const title = doc !== null && typeof doc === 'object' ? (doc as { title?: unknown }).title : undefined;
    return typeof title === 'string' ? title.trim() : '';
  } catch {
    return '';
  }
}
