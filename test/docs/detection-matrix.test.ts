import { expect } from 'chai';
import { models, type Model } from '../../machines/index.js';
import { coverageKey, declaredTransitions } from '../../src/check/coverage.js';
import { catalogueCoverage, coverageDoc, COVERAGE_DOC } from '../../src/docs/coverage-doc.js';
import { firstLine, matrixDoc, matrixDocComparable, MATRIX_DOC } from '../../src/docs/matrix-doc.js';
import { caughtBy, failingBaselines, ROOT, uncaughtDefects, type DetectionMatrix, type MatrixRun } from '../../src/docs/matrix.js';
import { listExperiments } from '../../src/experiment/load.js';
import { simDefects } from '../../src/targets/sim/index.js';
import { catalogueMatrix, committedDoc, firstDifference, staleMessage } from './helpers.js';
import { join } from 'node:path';

describe('the detection matrix of the experiment catalogue', function () {
  // Every experiment × (no defect + every defect), in virtual time: a run takes tens of milliseconds, and each
  // stored trace is read back as check reads it; 648 cells take about a minute alone on 2 cores, twice that
  // beside other work.
  // Issue 14 made it 27 experiments × 57 defects, and drain-host is polled during its drains: about 6 minutes alone
  // on 2 cores; twice that beside other work.
  this.timeout(900_000);
  let m: DetectionMatrix;

  before(async () => {
    m = await catalogueMatrix();
  });

  it('runs every experiment in experiments/ without defects and under every simulator defect profile', () => {
    expect(m.experiments.map((e) => e.name)).to.deep.equal(listExperiments(join(ROOT, 'experiments')).map((e) => e.name));
    expect(m.defects.map((d) => d.name)).to.deep.equal(simDefects.map((d) => d.name));
    expect(m.baseline.size).to.equal(m.experiments.length);
    for (const d of m.defects) expect(m.runs.get(d.name)!.size, d.name).to.equal(m.experiments.length);
  });

  it('passes every catalogue experiment on the simulator without defects', () => {
    const bad = failingBaselines(m).map((r) => `${r.experiment}: ${r.outcome} — ${firstLine(r.reason)} (replay: ${r.replay})`);
    expect(bad, `experiments that do not pass without defects:\n  ${bad.join('\n  ')}`).to.deep.equal([]);
  });

  it('check on every run\'s stored trace gives the verdict and the first violation run gave (issue 13)', () => {
    const cells = [...m.baseline.values(), ...[...m.runs.values()].flatMap((r) => [...r.values()])].filter((r) => r.outcome !== 'error');
    expect(cells.length).to.equal(m.experiments.length * (1 + m.defects.length));
    const differ = cells
      .filter((r) => r.checked?.verdict !== r.outcome || r.checked?.firstViolation !== r.firstViolation)
      .map((r) => `${r.experiment}${r.defect ? ` --defect ${r.defect}` : ''}: run ${r.outcome} ${r.firstViolation ?? ''}, check ${r.checked?.verdict} ${r.checked?.firstViolation ?? ''}`);
    expect(differ, differ.join('\n')).to.deep.equal([]);
  });

  it('catches every simulator defect with at least one catalogue experiment', () => {
    const uncaught = uncaughtDefects(m).map((d) => {
      const seen = m.experiments.map((e) => `${e.name} ${m.runs.get(d.name)!.get(e.name)!.outcome}`).join(', ');
      return `${d.name} (${d.summary}): ${seen}`;
    });
    expect(uncaught, `defects no experiment catches (add or extend an experiment that exercises them):\n  ${uncaught.join('\n  ')}`).to.deep.equal([]);
  });

  it('keeps docs/detection-matrix.md up to date (regenerate with npm run docs)', () => {
    const difference = firstDifference(matrixDocComparable(committedDoc(MATRIX_DOC)), matrixDocComparable(matrixDoc(m)));
    expect(difference === undefined, staleMessage(MATRIX_DOC, difference ?? '', 'the experiments, the defects or the checker')).to.equal(true);
  });

  it('keeps docs/model-coverage.md up to date (regenerate with npm run docs)', () => {
    const difference = firstDifference(committedDoc(COVERAGE_DOC), coverageDoc(m));
    expect(difference === undefined, staleMessage(COVERAGE_DOC, difference ?? '', 'the experiments or the models')).to.equal(true);
  });

  it('adds up the coverage of the runs without defects over every declared transition of every model', () => {
    const all = catalogueCoverage(m);
    const declared = (Object.values(models) as Model[]).flatMap(declaredTransitions).map(coverageKey);
    expect(all.map(coverageKey)).to.include.members(declared);
    expect(new Set(all.map(coverageKey)).size).to.equal(all.length);
    const sum = (run: MatrixRun | undefined): number => (run?.coverage ?? []).reduce((n, c) => n + c.count, 0);
    expect(all.reduce((n, t) => n + t.total, 0)).to.equal(m.experiments.reduce((n, e) => n + sum(m.baseline.get(e.name)), 0));
  });
});

describe('docs/detection-matrix.md, as written from a matrix', () => {
  const run = (experiment: string, outcome: MatrixRun['outcome'], defect?: string): MatrixRun => ({
    experiment,
    ...(defect ? { defect } : {}),
    outcome,
    reason: `${outcome} because`,
    coverage: [],
    replay: `npx clusterchaos run experiments/${experiment}.yaml --seed 1`,
    wallMs: 10,
  });
  const fake: DetectionMatrix = {
    experiments: [
      { name: 'crash', file: 'experiments/crash.yaml', title: 'Crash', seed: 1, sets: [] },
      { name: 'stop', file: 'experiments/stop.yaml', title: 'Stop', seed: 2, sets: [] },
      { name: 'broken', file: 'experiments/broken.yaml', title: 'Broken', seed: 3, sets: [] },
    ],
    defects: [
      { name: 'loud', summary: 'Breaks the crash path' },
      { name: 'quiet', summary: 'Breaks nothing any experiment looks at' },
      { name: 'rare', summary: 'Breaks the stop path once in a long while' },
    ],
    baseline: new Map([
      ['crash', run('crash', 'pass')],
      ['stop', run('stop', 'pass')],
      ['broken', run('broken', 'fail')],
    ]),
    runs: new Map([
      ['loud', new Map([['crash', run('crash', 'fail', 'loud')], ['stop', run('stop', 'unknown', 'loud')], ['broken', run('broken', 'fail', 'loud')]])],
      ['quiet', new Map([['crash', run('crash', 'pass', 'quiet')], ['stop', run('stop', 'pass', 'quiet')], ['broken', run('broken', 'fail', 'quiet')]])],
      ['rare', new Map([['crash', run('crash', 'pass', 'rare')], ['stop', run('stop', 'pass', 'rare')], ['broken', run('broken', 'fail', 'rare')]])],
    ]),
    longRuns: [{ spec: { defect: 'rare', experiment: 'stop', sets: ['iterations=9000'], why: 'it is rare' }, baseline: run('stop', 'pass'), run: run('stop', 'fail', 'rare') }],
    wallMs: 1234,
  };
  const doc = matrixDoc(fake);
  const rows = doc.split('\n').filter((l) => l.startsWith('| '));

  it('has a row per defect after the no-defect row, a column per experiment', () => {
    expect(rows[0]).to.equal('| defect | what the simulator does wrong | `crash` | `stop` | `broken` |');
    expect(rows[1]).to.equal('| no defect | nothing: the cluster behaves as documented | pass | pass | **FAIL** |');
    expect(rows[2]).to.equal('| `loud` | Breaks the crash path | caught | unknown | fail† |');
    expect(rows[3]).to.equal('| `quiet` | Breaks nothing any experiment looks at | — | — | fail† |');
  });

  it('credits a catch only to experiments that pass without the defect', () => {
    expect(caughtBy(fake, 'loud')).to.deep.equal(['crash']);
    expect(caughtBy(fake, 'quiet')).to.deep.equal([]);
    expect(doc).to.include('- `loud`: caught by `crash`\n- `quiet`: **caught by no experiment**');
  });

  it('credits a long run that fails with the defect and passes without it, and shows it in its own table', () => {
    expect(caughtBy(fake, 'rare')).to.deep.equal(['stop --set iterations=9000']);
    expect(rows.find((r) => r.startsWith('| `rare` | `stop`'))).to.equal('| `rare` | `stop` | `--set iterations=9000` | pass | caught | it is rare |');
  });

  it('flags loudly the defects no experiment catches and the experiments that fail without defects', () => {
    expect(doc).to.include('**⚠ 1 defect profile is caught by no experiment.**');
    expect(doc).to.include('- `quiet`: Breaks nothing any experiment looks at');
    expect(doc).to.include('## ⚠ Experiments that do not pass without defects');
    expect(doc).to.include('- `broken`: fail — fail because');
  });

  it('leaves timings out, so the file changes only when a verdict does', () => {
    expect(doc).not.to.match(/1\.2|1234/);
    expect(matrixDocComparable(doc)).not.to.include('replay:');
  });
});
