import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDetectionMatrix, ROOT, type DetectionMatrix } from '../../src/docs/matrix.js';

let matrix: Promise<DetectionMatrix> | undefined;

/** The detection matrix of the catalogue, run once for all the docs tests (every experiment × every defect, in-process). */
export function catalogueMatrix(): Promise<DetectionMatrix> {
  matrix ??= runDetectionMatrix();
  return matrix;
}

/** A generated doc as it is in the repository ('' when missing). */
export function committedDoc(path: string): string {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return '';
  }
}

/** Undefined when equal; else the first line that differs, for a message a person can act on. */
export function firstDifference(committed: string, generated: string): string | undefined {
  if (committed === generated) return undefined;
  if (committed === '') return 'the file does not exist';
  const a = committed.split('\n');
  const b = generated.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1} differs:\n  in the repository: ${a[i] ?? '(end of file)'}\n  generated now:     ${b[i] ?? '(end of file)'}`;
  }
  return 'they differ';
}

/** The message of a doc that is out of date. */
export function staleMessage(path: string, difference: string, because: string): string {
  return `${path} is out of date with ${because}: run \`npm run docs\` and commit the result.\n${difference}`;
}
