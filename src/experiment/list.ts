/** `clusterchaos list experiments`: the experiment files in a folder with their titles. */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, parse as parsePath } from 'node:path';
import type * as Yaml from 'yaml';
import { ExperimentError } from './errors.js';

/** The YAML parser, loaded only for a title written in a way plainTitle does not read (its ~40 modules are most of `list`'s start-up). */
const lazyRequire = createRequire(import.meta.url);
const parse = (text: string, options: Yaml.ParseOptions & Yaml.DocumentOptions): unknown => (lazyRequire('yaml') as typeof Yaml).parse(text, options);

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
    const text = readFileSync(file, 'utf8');
    const plain = plainTitle(text);
    if (plain !== undefined) return plain;
    const doc = parse(text, { uniqueKeys: false }) as unknown;
    const title = doc !== null && typeof doc === 'object' ? (doc as { title?: unknown }).title : undefined;
    return typeof title === 'string' ? title.trim() : '';
  } catch {
    return '';
  }
}

/**
 * The title when the file writes it as every catalogue file does: one top-level `title:` line whose value is a
 * plain scalar on that line alone (no quotes, block scalar, anchor, tag, flow collection, comment or `: `, no
 * continuation below). Anything else is undefined, and the file is parsed as YAML: the same title either way
 * (test/experiment/list.test.ts compares both on the catalogue and on the ways a title can be written).
 */
export function plainTitle(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const at = lines.flatMap((l, i) => (/^title\s*:/.test(l) ? [i] : []));
  if (at.length !== 1) return undefined;
  const value = /^title\s*:[ \t]+(.*)$/.exec(lines[at[0]!]!)?.[1]?.trim();
  if (!value || /^['"|>&*!%@`[{#?,-]/.test(value) || /: |\s#/.test(value) || value.endsWith(':')) return undefined;
  const next = lines.slice(at[0]! + 1).find((l) => l.trim() !== '' && !/^\s*#/.test(l));
  if (next !== undefined && /^\s/.test(next)) return undefined;
  return value;
}
