/**
 * Peak memory of checking a trace and one ten times longer, for each soak of bench/shared.ts: it must be flat
 * in trace length (the trace is streamed, never loaded whole, and what the checker keeps per candidate run is
 * bounded). Each size is checked `runs` times, each in a fresh process (bench/memory-child.ts); medians.
 *
 *   npx tsx bench/memory.ts [hours=6] [runs=3]
 */
import { execFileSync } from 'node:child_process';
import { machine, mb, median, SOAKS, soakTrace, type SoakKind } from './shared.js';

const hours = Number(process.argv[2] ?? 6);
/** The old-space cap the 10× trace must still be checked within (V8 lets a heap grow lazily when it may). */
const CAP_MB = 32;
const runs = Math.max(3, Number(process.argv[3] ?? 3));

function child(trace: string, flags: string[] = []): Measured {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', ...flags, 'bench/memory-child.ts', trace], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measured;
}

interface Measured {
  records: number;
  verdict: string;
  ms: number;
  baselineHeap: number;
  peakHeap: number;
  liveHeap: number;
  peakRss: number;
}

console.log(`checker memory — ${machine()}; median of ${runs} runs, each in its own process`);
for (const kind of Object.keys(SOAKS) as SoakKind[]) {
  console.log('');
  console.log(`${kind}: ${SOAKS[kind]}`);
  console.log(`  ${'trace'.padEnd(40)} ${'peak RSS'.padStart(9)} ${'peak heap'.padStart(10)} ${'live heap'.padStart(10)}`);
  const rows: Measured[] = [];
  for (const h of [hours, hours * 10]) {
    const trace = await soakTrace(h, kind);
    const all: Measured[] = [];
    for (let i = 0; i < runs; i++) all.push(child(trace.path));
    if (all.some((m) => m.verdict !== 'pass')) throw new Error(`the ${kind} bench trace should pass (${h} h)`);
    const m: Measured = {
      ...all[0]!,
      peakRss: median(all.map((x) => x.peakRss)),
      peakHeap: median(all.map((x) => x.peakHeap)),
      liveHeap: median(all.map((x) => x.liveHeap)),
    };
    rows.push(m);
    const size = `${h} h: ${m.records.toLocaleString('en-US')} records, ${mb(trace.bytes)}`;
    console.log(`  ${size.padEnd(40)} ${mb(m.peakRss).padStart(9)} ${mb(m.peakHeap).padStart(10)} ${mb(m.liveHeap).padStart(10)}`);
  }
  const [a, b] = [rows[0]!, rows[1]!];
  console.log(
    `  10× the trace: peak RSS ×${(b.peakRss / a.peakRss).toFixed(2)}, peak heap ×${(b.peakHeap / a.peakHeap).toFixed(2)}, ` +
      `live heap ×${(b.liveHeap / a.liveHeap).toFixed(2)} (flat: ≈ ×1)`,
  );
  // What the longer trace needs, rather than what V8 takes when nothing stops it: checked with a small old space.
  const capped = child((await soakTrace(hours * 10, kind)).path, [`--max-old-space-size=${CAP_MB}`]);
  if (capped.verdict !== 'pass') throw new Error(`the ${kind} bench trace should pass with a ${CAP_MB} MB old space`);
  console.log(
    `  ${hours * 10} h with the old space capped at ${CAP_MB} MB: checked (${capped.verdict}) in ${(capped.ms / 1000).toFixed(1)} s, peak RSS ${mb(capped.peakRss)}`,
  );
}
console.log('');
console.log('live heap: what is still reachable after a full GC at the end of the trace, before the result is made;');
console.log('peak heap: the most heap in use at any sample (every 10,000 records), garbage included');
