/**
 * One trace checked in a process of its own (bench/memory.ts runs it once per trace size), reporting its
 * memory as JSON on stdout: peak RSS, peak heap used (sampled every 10,000 records) and the heap still live
 * after a full GC at the end of the trace, before `finish` (what the checker keeps, garbage aside).
 * Run with --expose-gc.
 */
import { Checker } from '../src/check/checker.js';
import type { HeaderRecord } from '../src/trace/records.js';
import { readTrace } from '../src/trace/reader.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const file = process.argv[2]!;
gc();
const baseline = process.memoryUsage();
let checker: Checker | undefined;
let records = 0;
let peakHeap = 0;
const t0 = performance.now();
for await (const read of readTrace(file)) {
  if (!checker) {
    checker = new Checker(read.record as HeaderRecord);
    continue;
  }
  checker.feed(read);
  if (++records % 10_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
gc();
const live = process.memoryUsage();
const result = checker!.finish();
const ms = performance.now() - t0;
console.log(
  JSON.stringify({
    records,
    verdict: result.verdict,
    ms,
    baselineHeap: baseline.heapUsed,
    peakHeap: Math.max(peakHeap, live.heapUsed),
    liveHeap: live.heapUsed,
    peakRss: process.resourceUsage().maxRSS * 1024,
  }),
);
