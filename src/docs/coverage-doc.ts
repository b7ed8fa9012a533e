/**
 * `docs/model-coverage.md`: which model transitions the experiment catalogue exercises, summed over the
 * runs without defects, and which it never does. Transitions are named as the checker names them (leaf
 * state to leaf state, `declaredTransitions`), so the counts are the ones in each run's summary.json.
 */
import type { Model } from '../../machines/index.js';
import { coverageKey, declaredTransitions } from '../check/coverage.js';
import type { TransitionCoverage } from '../check/result.js';
import { blocks, code, generatedBanner, table } from './markdown.js';
import type { DetectionMatrix } from './matrix.js';
import { registeredModels } from './models-doc.js';

export const COVERAGE_DOC = 'docs/model-coverage.md';

export interface CatalogueTransition extends Omit<TransitionCoverage, 'count'> {
  total: number;
  /** Experiment name → count in its run without defects. */
  byExperiment: Map<string, number>;
}

/** Every declared transition of every model, with the counts of the runs without defects added up. */
export function catalogueCoverage(m: DetectionMatrix, list: readonly Model[] = registeredModels()): CatalogueTransition[] {
  const out = new Map<string, CatalogueTransition>();
  const entry = (t: Omit<TransitionCoverage, 'count'>): CatalogueTransition => {
    const key = coverageKey(t);
    let e = out.get(key);
    if (!e) {
      e = { model: t.model, from: t.from, event: t.event, to: t.to, total: 0, byExperiment: new Map() };
      out.set(key, e);
    }
    return e;
  };
  for (const model of list) for (const t of declaredTransitions(model)) entry(t);
  for (const exp of m.experiments) {
    for (const c of m.baseline.get(exp.name)?.coverage ?? []) {
      const e = entry(c);
      e.total += c.count;
      e.byExperiment.set(exp.name, (e.byExperiment.get(exp.name) ?? 0) + c.count);
    }
  }
  return [...out.values()];
}

export function coverageDoc(m: DetectionMatrix, list: readonly Model[] = registeredModels()): string {
  const all = catalogueCoverage(m, list);
  const exercised = all.filter((t) => t.total > 0);
  const names = [...new Set([...list.map((x) => x.name), ...all.map((t) => t.model)])];
  const notRun = m.experiments.filter((e) => m.baseline.get(e.name)?.outcome === 'error').map((e) => code(e.name));
  const summary = [
    `**${exercised.length} of ${all.length}** model transitions are exercised by the ${m.experiments.length} experiment${m.experiments.length === 1 ? '' : 's'} of the catalogue${pct(exercised.length, all.length)}:`,
    '',
    ...names.map((name) => {
      const mine = all.filter((t) => t.model === name);
      return `- ${code(name)}: ${mine.filter((t) => t.total > 0).length} of ${mine.length}`;
    }),
    notRun.length ? `\n**⚠ Not counted: ${notRun.join(', ')} could not be run** (see docs/detection-matrix.md).` : '',
  ].join('\n');

  return blocks(
    '# Model coverage of the experiment catalogue',
    generatedBanner('the runs without defects of every experiment in `experiments/`, on the simulator'),
    [
      'Every experiment in `experiments/` runs once on the simulated cluster without defects; the checker counts the',
      'model transitions each run takes (leaf state to leaf state, as in a run\'s `summary.json`). A transition no',
      'experiment takes is behaviour the models promise that the catalogue never checks: a candidate for a new experiment.',
    ].join('\n'),
    summary.trimEnd(),
    ...names.map((name) => modelSection(name, all.filter((t) => t.model === name), m)),
  );
}

function modelSection(name: string, transitions: CatalogueTransition[], m: DetectionMatrix): string {
  const exercised = transitions.filter((t) => t.total > 0);
  const never = transitions.filter((t) => t.total === 0);
  const exps = m.experiments.map((e) => e.name);
  return blocks(
    `## ${name}`,
    `### Exercised (${exercised.length} of ${transitions.length})`,
    exercised.length
      ? table(
          ['from', 'event', 'to', 'total', ...exps.map(code)],
          exercised.map((t) => [code(t.from), code(t.event), code(t.to), String(t.total), ...exps.map((e) => String(t.byExperiment.get(e) ?? 0))]),
        )
      : 'None: no experiment takes any transition of this model.',
    `### Never exercised (${never.length})`,
    never.length ? table(['from', 'event', 'to'], never.map((t) => [code(t.from), code(t.event), code(t.to)])) : 'None: the catalogue takes every transition of this model.',
  ).trimEnd();
}

function pct(part: number, whole: number): string {
  return whole ? ` (${Math.round((100 * part) / whole)} %)` : '';
}
