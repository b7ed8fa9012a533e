/**
 * How fast the checker reads a large trace, next to merely parsing the same NDJSON (the ratio is the figure:
 * the machines are noisy). The trace is a long simulated run: clussvc crashes on one node every 2 minutes
 * for `hours` of virtual time, every node and VM polled every second.
 *
 *   npx tsx bench/check-throughput.ts [hours=6]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../machines/index.js';
import { checkTrace } from '../src/check/index.js';
import { Runner } from '../src/engine/runner.js';
import type { Experiment } from '../src/experiment/types.js';
import { loadExperiment } from '../src/experiment/load.js';
import { faults } from '../src/faults/catalogue.js';
import { createSimTarget } from '../src/targets/sim/index.js';
import { readTrace } from '../src/trace/reader.js';

const hours = Number(process.argv[2] ?? 6);
const base = loadExperiment('experiments/compute-resiliency.yaml', { settings: settingDefinitions, faults });
const method: Experiment['method'] = [];
for (let i = 0; i < (hours * 3600) / 120; i++) {
  method.push({ kind: 'fault', fault: 'kill-clussvc', params: { node: 'N2' } }, { kind: 'wait', ms: 120_000 });
}
// QuarantineThreshold 0: a node crashing every 2 minutes would otherwise be quarantined; here it stays a plain soak.
const experiment: Experiment = { ...base, method, settings: { ...base.settings, QuarantineThreshold: 0 } };
const tracePath = join(mkdtempSync(join(tmpdir(), 'bench-check-')), 'trace.ndjson');
const target = createSimTarget({ cluster: experiment.cluster, simulator: experiment.simulator, seed: 1, defects: [] });
const t0 = performance.now();
await new Runner({
  experiment,
  target,
  faults,
  tracePath,
  runId: 'bench',
  defects: [],
  replay: 'bench',
  clusterSettings: experiment.settings,
  modelSettings: {},
  log: pino({ level: 'silent' }),
}).run();
const runMs = performance.now() - t0;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const parse: number[] = [];
const check: number[] = [];
let records = 0;
let observations = 0;
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  records = 0;
  for await (const _ of readTrace(tracePath)) records++;
  parse.push(performance.now() - t);
  t = performance.now();
  const { result } = await checkTrace(tracePath);
  check.push(performance.now() - t);
  observations = result.stats.observations;
  if (result.verdict !== 'pass') throw new Error(`the bench trace should pass: ${result.reason}`);
}
const p = median(parse);
const c = median(check);
console.log(`trace: ${hours} h virtual, ${records} records (${observations} observations), written in ${(runMs / 1000).toFixed(1)} s`);
console.log(`parse only: median ${(p / 1000).toFixed(2)} s (${Math.round(records / (p / 1000))} records/s)`);
console.log(`check:      median ${(c / 1000).toFixed(2)} s (${Math.round(observations / (c / 1000))} observations/s)`);
console.log(`check / parse: ${(c / p).toFixed(1)}×   peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
