/**
 * The overnight loop on the simulator: a 10,000-migration soak of experiments/live-migration-soak.yaml, run as
 * `clusterchaos run` runs it (simulate, write the trace, check it against the models, write the reports), in
 * one process. Prints the whole run's wall time with its parts, migrations per second, and the check next to
 * bare parsing of the same trace. Median of `runs` runs.
 *
 *   npx tsx bench/soak.ts [iterations=10000] [runs=3]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../machines/index.js';
import { checkTrace } from '../src/check/index.js';
import { runExperiment } from '../src/run/run-experiment.js';
import { loadExperiment } from '../src/experiment/load.js';
import { faults } from '../src/faults/catalogue.js';
import { readTrace } from '../src/trace/reader.js';
import { machine, mb, median, timed } from './shared.js';

const iterations = Number(process.argv[2] ?? 10_000);
const runs = Math.max(1, Number(process.argv[3] ?? 3));
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

const experiment = loadExperiment('experiments/live-migration-soak.yaml', { settings: settingDefinitions, faults, sets: [`iterations=${iterations}`] });
const log = pino({ level: 'silent' });
const whole: number[] = [];
const runner: number[] = [];
const check: number[] = [];
const parse: number[] = [];
let migrations = 0;
let bytes = 0;
let records = 0;
console.log(`live-migration soak — ${iterations.toLocaleString('en-US')} iterations of experiments/live-migration-soak.yaml; ${machine()}; median of ${runs} runs`);
for (let i = 0; i < runs; i++) {
  const outDir = mkdtempSync(join(tmpdir(), 'clusterchaos-bench-soak-'));
  try {
    const run = await timed(() => runExperiment({ experiment, outDir, defects: [], replay: 'bench', log }));
    const { result, outcome, lanes, tracePath } = run.value;
    if (result.verdict !== 'pass') throw new Error(`the bench soak should pass: ${result.reason}`);
    whole.push(run.wallMs);
    runner.push(outcome.wallMs);
    migrations = lanes.migrations.count;
    bytes = statSync(tracePath).size;
    const p = await timed(async () => {
      let count = 0;
      for await (const _ of readTrace(tracePath)) count++;
      return count;
    });
    records = p.value;
    parse.push(p.wallMs);
    check.push((await timed(() => checkTrace(tracePath))).wallMs);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
const total = median(whole);
console.log(`  ${n(migrations)} live migrations, ${n(records)} trace records (${mb(bytes)})`);
console.log(`  whole run (simulate + write trace + check + reports): ${s(total)} → ${n(migrations / (total / 1000))} migrations/s`);
console.log(`    simulate and write the trace: ${s(median(runner))}`);
console.log(`    check the trace alone: ${s(median(check))}; bare parse of it: ${s(median(parse))} → check/parse ${(median(check) / median(parse)).toFixed(2)}×`);
