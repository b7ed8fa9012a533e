/**
 * How quickly report.html opens as runs grow: the flagship, then live-migration soaks of 10,000 and 100,000
 * migrations (experiments/live-migration-soak.yaml) on the simulator. For each: the report's size, and the time
 * headless Chromium takes to load and lay it out (`--dump-dom`, median of `runs`), less Chromium's own start-up
 * (the same on an empty page). Needs Debian's `chromium`; without it only the sizes are printed.
 *
 *   npx tsx bench/report.ts [migrations=100000] [runs=3]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { settingDefinitions } from '../machines/index.js';
import { runExperiment } from '../src/run/run-experiment.js';
import { loadExperiment } from '../src/experiment/load.js';
import { faults } from '../src/faults/catalogue.js';
import { browser } from '../test/helpers/browser.js';
import { machine, median } from './shared.js';

const largest = Number(process.argv[2] ?? 100_000);
const runs = Math.max(1, Number(process.argv[3] ?? 3));
const kb = (bytes: number): string => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const CHROMIUM = browser();
const hasChromium = spawnSync(CHROMIUM, ['--version']).status === 0;
/** Wall time of one headless Chromium load of `file` (start-up included). */
function load(file: string): number {
  const t0 = performance.now();
  const r = spawnSync(CHROMIUM, ['--headless', '--disable-gpu', '--no-sandbox', '--window-size=1400,1000', '--dump-dom', pathToFileURL(file).href], {
    encoding: 'utf8',
    maxBuffer: 512 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return performance.now() - t0;
}

const work = mkdtempSync(join(tmpdir(), 'bench-report-'));
const empty = join(work, 'empty.html');
writeFileSync(empty, '<!doctype html><title>empty</title>');
const startup = hasChromium ? median(Array.from({ length: runs }, () => load(empty))) : 0;

console.log(`report.html: size and time to open in headless Chromium (${machine()}; median of ${runs})`);
if (hasChromium) console.log(`  Chromium start-up on an empty page: ${s(startup)} (taken off the figures below)`);
else console.log('  chromium not found (apt-get install chromium): sizes only');

const cases: { label: string; file: string; sets: string[] }[] = [
  { label: 'flagship (compute-resiliency)', file: 'experiments/compute-resiliency.yaml', sets: [] },
  ...[10_000, largest].filter((n, i, all) => all.indexOf(n) === i).map((n) => ({
    label: `${n.toLocaleString('en-US')}-migration soak`,
    file: 'experiments/live-migration-soak.yaml',
    sets: [`iterations=${n}`],
  })),
];
let flagshipMs: number | undefined;
for (const c of cases) {
  const experiment = loadExperiment(c.file, { settings: settingDefinitions, faults, sets: c.sets });
  const outDir = join(work, experiment.name + c.sets.join(''));
  mkdirSync(outDir);
  const t0 = performance.now();
  const run = await runExperiment({ experiment, outDir, defects: [], replay: 'bench', log: pino({ level: 'silent' }) });
  const runMs = performance.now() - t0;
  const html = run.files.html;
  let opens = '';
  if (hasChromium) {
    const ms = Math.max(0, median(Array.from({ length: runs }, () => load(html))) - startup);
    flagshipMs ??= ms;
    opens = `, opens in ${s(ms)}${flagshipMs > 0 && ms !== flagshipMs ? ` (${(ms / flagshipMs).toFixed(1)}× the flagship's)` : ''}`;
  }
  console.log(`  ${c.label.padEnd(30)} report.html ${kb(statSync(html).size).padStart(9)} (trace ${kb(statSync(run.tracePath).size)}; the whole run ${s(runMs)})${opens}`);
  rmSync(outDir, { recursive: true, force: true });
}
rmSync(work, { recursive: true, force: true });
