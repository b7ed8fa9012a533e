/**
 * `docs/detection-matrix.md`: which experiment catches which simulator defect, from a `DetectionMatrix`.
 * Rows are defects, columns experiments; the first row is the simulator without defects, which every
 * experiment must pass. Timings are left out so the file changes only when the verdicts do.
 */
import { blocks, code, generatedBanner, table } from './markdown.js';
import { caughtBy, failingBaselines, MATRIX_SOAK_ITERATIONS, uncaughtDefects, type DetectionMatrix, type MatrixRun } from './matrix.js';

export const MATRIX_DOC = 'docs/detection-matrix.md';

/** The section of the matrix doc that quotes the checker's reasons: left out when docs are compared, as its wording is the checker's. */
export const MATRIX_DETAILS_HEADING = '## Why each run failed';

const NOT_COUNTED = '†';

export function matrixDoc(m: DetectionMatrix): string {
  const baselineBad = failingBaselines(m);
  const uncaught = uncaughtDefects(m);
  const header = ['defect', 'what the simulator does wrong', ...m.experiments.map((e) => code(e.name))];
  const rows = [
    ['no defect', 'nothing: the cluster behaves as documented', ...m.experiments.map((e) => baselineCell(m.baseline.get(e.name)))],
    ...m.defects.map((d) => [code(d.name), d.summary, ...m.experiments.map((e) => defectCell(m.runs.get(d.name)?.get(e.name), m.baseline.get(e.name)))]),
  ];
  const anyNotCounted = m.defects.some((d) => m.experiments.some((e) => defectCell(m.runs.get(d.name)?.get(e.name), m.baseline.get(e.name)).endsWith(NOT_COUNTED)));

  const legend = [
    '`caught`: the run with the defect failed (the checker found a violation, or the steady state did not come back);',
    '`—`: it passed, the defect went unnoticed; `unknown`: the checker could not decide; `error`: the run could not be made.',
    anyNotCounted ? `\`fail${NOT_COUNTED}\`: failed, but the experiment fails without the defect too, so it does not count as catching it.` : '',
  ].filter(Boolean).join('\n');

  return blocks(
    '# Detection matrix',
    generatedBanner('`experiments/`, the simulator\'s defect profiles (`clusterchaos list defects`) and the models'),
    [
      'Every experiment in `experiments/` runs on the simulated cluster with its own seed, once without defects and',
      'once with each defect profile switched on (`clusterchaos run <experiment> --defect <name>`). For every behaviour the',
      'models encode there should be a defect that breaks it, and an experiment whose check catches it.',
      `Soaks run at most ${MATRIX_SOAK_ITERATIONS} iterations here (\`--set iterations=${MATRIX_SOAK_ITERATIONS}\`); a defect that needs a longer soak has a long run of its own, below.`,
    ].join('\n'),
    table(header, rows),
    legend,
    '## Which experiments catch each defect',
    m.defects.length ? m.defects.map((d) => `- ${code(d.name)}: ${catchLine(caughtBy(m, d.name))}`).join('\n') : 'The simulator has no defect profiles.',
    '## Long runs',
    m.longRuns.length
      ? table(
          ['defect', 'experiment', 'overrides', 'without the defect', 'with it', 'why a long run'],
          m.longRuns.map((l) => [code(l.spec.defect), code(l.spec.experiment), l.spec.sets.map((x) => code(`--set ${x}`)).join(' '), l.baseline.outcome, l.run.outcome === 'fail' ? (l.baseline.outcome === 'pass' ? 'caught' : `fail${NOT_COUNTED}`) : l.run.outcome === 'pass' ? '—' : l.run.outcome, l.spec.why]),
        )
      : 'None.',
    '## Defects no experiment catches',
    uncaught.length
      ? [
          `**⚠ ${uncaught.length} defect profile${uncaught.length === 1 ? ' is' : 's are'} caught by no experiment.** With the current catalogue the checker cannot`,
          'tell these deviations from the documented behaviour: add or extend an experiment that exercises them.',
          '',
          ...uncaught.map((d) => `- ${code(d.name)}: ${d.summary}`),
        ].join('\n')
      : 'None: every defect profile is caught by at least one experiment.',
    baselineBad.length
      ? [
          '## ⚠ Experiments that do not pass without defects',
          '',
          'On the simulator as documented these should all pass; until they do, their column proves nothing:',
          '',
          ...baselineBad.map((r) => `- ${code(r.experiment)}: ${r.outcome} — ${firstLine(r.reason)}`),
        ].join('\n')
      : undefined,
    '## Experiments',
    table(
      ['experiment', 'title', 'seed', 'matrix overrides'],
      m.experiments.map((e) => [code(e.name), e.title, e.seed === undefined ? '—' : String(e.seed), e.sets.length ? e.sets.map((x) => code(`--set ${x}`)).join(' ') : '—']),
    ),
    detailsSection(m),
  );
}

function baselineCell(run: MatrixRun | undefined): string {
  if (!run) return 'error';
  return run.outcome === 'fail' ? '**FAIL**' : run.outcome;
}

function defectCell(run: MatrixRun | undefined, baseline: MatrixRun | undefined): string {
  if (!run) return 'error';
  if (run.outcome === 'fail') return baseline?.outcome === 'pass' ? 'caught' : `fail${NOT_COUNTED}`;
  return run.outcome === 'pass' ? '—' : run.outcome;
}

function catchLine(experiments: string[]): string {
  return experiments.length ? `caught by ${experiments.map(code).join(', ')}` : '**caught by no experiment**';
}

/** Each run that did not pass, with the checker's reason and the command that replays it. */
function detailsSection(m: DetectionMatrix): string {
  const runs = [
    ...m.experiments.map((e) => m.baseline.get(e.name)),
    ...m.defects.flatMap((d) => m.experiments.map((e) => m.runs.get(d.name)?.get(e.name))),
    ...m.longRuns.flatMap((l) => [l.baseline, l.run]),
  ]
    .filter((r): r is MatrixRun => r !== undefined && r.outcome !== 'pass');
  const lines = runs.map((r) => `- ${code(r.defect ?? 'no defect')} × ${code(r.experiment)}: ${r.outcome} — ${firstLine(r.reason)}\n  replay: ${code(r.replay)}`);
  return [MATRIX_DETAILS_HEADING, '', lines.length ? lines.join('\n') : 'Every run passed.'].join('\n');
}

/** A reason's first line (an aborted run's reason may carry a stack trace). */
export function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** The doc without the section that quotes the checker's reasons: what the docs tests compare. */
export function matrixDocComparable(doc: string): string {
  const at = doc.indexOf(`\n${MATRIX_DETAILS_HEADING}\n`);
  return at < 0 ? doc : doc.slice(0, at);
}
