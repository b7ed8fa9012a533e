// `npm run docs`: regenerate docs/models.md, docs/detection-matrix.md, docs/model-coverage.md and schema/experiment.schema.json.
// Exits 1 when a simulator defect is caught by no experiment, or an experiment does not pass without defects.
import { generateDocs, writeDocs } from '../src/docs/generate.js';
import { firstLine } from '../src/docs/matrix-doc.js';
import { caughtBy, failingBaselines, uncaughtDefects } from '../src/docs/matrix.js';
import { sourcesDoc, SOURCES_DOC } from '../src/docs/sources-doc.js';
import { PUBLISHED_SCHEMA, publishedExperimentSchemaText } from '../src/experiment/published.js';
import { faults } from '../src/faults/catalogue.js';
import { settingDefinitions } from '../machines/settings.js';

const started = performance.now();
// the experiment schema editors read (schema/experiment.schema.json): needs no run, so written first
for (const file of writeDocs([{ path: PUBLISHED_SCHEMA, content: publishedExperimentSchemaText(settingDefinitions, faults) }])) console.log(`wrote ${file}`);
const { docs, matrix } = await generateDocs();
for (const file of writeDocs([...docs, { path: SOURCES_DOC, content: sourcesDoc() }])) console.log(`wrote ${file}`);

const runs = matrix.experiments.length * (1 + matrix.defects.length);
console.log(
  `detection matrix: ${matrix.experiments.length} experiments × (no defect + ${matrix.defects.length} defects) = ${runs} runs in ${(matrix.wallMs / 1000).toFixed(2)} s`,
);
for (const d of matrix.defects) {
  const by = caughtBy(matrix, d.name);
  console.log(`  ${d.name}: ${by.length ? `caught by ${by.join(', ')}` : 'CAUGHT BY NO EXPERIMENT'}`);
}

let failed = false;
const bad = failingBaselines(matrix);
if (bad.length) {
  failed = true;
  console.error(`\n${bad.length} experiment(s) do not pass without defects:`);
  for (const r of bad) console.error(`  ${r.experiment}: ${r.outcome} — ${firstLine(r.reason)}\n    replay: ${r.replay}`);
}
const uncaught = uncaughtDefects(matrix);
if (uncaught.length) {
  failed = true;
  console.error(`\n${uncaught.length} defect profile(s) caught by no experiment (add or extend an experiment that exercises them):`);
  for (const d of uncaught) console.error(`  ${d.name}: ${d.summary}`);
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(2)} s${failed ? ' — with problems, see above' : ''}`);
process.exitCode = failed ? 1 : 0;
