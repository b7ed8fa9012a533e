/**
 * The generated docs, all at once: `docs/models.md` from the models, `docs/detection-matrix.md` and
 * `docs/model-coverage.md` from one pass of the detection matrix. `npm run docs` writes them; the docs
 * tests regenerate them in memory and compare, so a change to the models, the experiments or the defects
 * without `npm run docs` fails the tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { coverageDoc, COVERAGE_DOC } from './coverage-doc.js';
import { runDetectionMatrix, ROOT, type DetectionMatrix, type MatrixOptions } from './matrix.js';
import { matrixDoc, MATRIX_DOC } from './matrix-doc.js';
import { modelsDoc, MODELS_DOC } from './models-doc.js';

export interface GeneratedDoc {
  /** Path from the repository root, e.g. `docs/models.md`. */
  path: string;
  content: string;
}

/** Every generated doc, from a matrix already run. */
export function renderDocs(matrix: DetectionMatrix): GeneratedDoc[] {
  return [
    { path: MODELS_DOC, content: modelsDoc() },
    { path: MATRIX_DOC, content: matrixDoc(matrix) },
    { path: COVERAGE_DOC, content: coverageDoc(matrix) },
  ];
}

/** Run the matrix and render every doc. */
export async function generateDocs(o: MatrixOptions = {}): Promise<{ docs: GeneratedDoc[]; matrix: DetectionMatrix }> {
  const matrix = await runDetectionMatrix(o);
  return { docs: renderDocs(matrix), matrix };
}

/** Write the docs under `root` (the repository by default); returns the absolute paths written. */
export function writeDocs(docs: readonly GeneratedDoc[], root: string = ROOT): string[] {
  return docs.map((d) => {
    const file = join(root, d.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, d.content);
    return file;
  });
}
