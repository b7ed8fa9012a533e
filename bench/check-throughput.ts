/**
 * How fast the checker reads a large trace, next to merely parsing the same NDJSON with the same streaming
 * reader (the ratio is the figure: machines differ). The traces are long simulated soaks (bench/shared.ts):
 * clussvc crashes, and drains with live migrations. Parse and check alternate, `runs` times each; medians
 * are printed, in wall time and in CPU time (steadier when the machine is busy).
 *
 *   npx tsx bench/check-throughput.ts [hours=6] [runs=5]
 */
import { checkTrace } from '../src/check/index.js';
import { readTrace } from '../src/trace/reader.js';
import { machine, mb, median, SOAKS, soakTrace, timed, type SoakKind } from './shared.js';

const hours = Number(process.argv[2] ?? 6);
const runs = Math.max(3, Number(process.argv[3] ?? 5));
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

console.log(`check throughput — ${machine()}; median of ${runs} runs`);
for (const kind of Object.keys(SOAKS) as SoakKind[]) {
  const trace = await soakTrace(hours, kind);
  const parse = { wall: [] as number[], cpu: [] as number[] };
  const check = { wall: [] as number[], cpu: [] as number[] };
  let records = 0;
  let observations = 0;
  for (let i = 0; i < runs; i++) {
    const p = await timed(async () => {
      let count = 0;
      for await (const _ of readTrace(trace.path)) count++;
      return count;
    });
    records = p.value;
    parse.wall.push(p.wallMs);
    parse.cpu.push(p.cpuMs);
    const c = await timed(() => checkTrace(trace.path, { footer: 'to-come' })); // a Runner's trace: its footer is written by `run` once checked
    const { result } = c.value;
    if (result.verdict !== 'pass') throw new Error(`the ${kind} bench trace should pass: ${result.reason}`);
    observations = result.stats.observations;
    check.wall.push(c.wallMs);
    check.cpu.push(c.cpuMs);
  }
  const [pw, pc, cw, cc] = [median(parse.wall), median(parse.cpu), median(check.wall), median(check.cpu)];
  console.log('');
  console.log(`${kind}: ${SOAKS[kind]}`);
  console.log(
    `  trace: ${hours} h of virtual time, ${n(records)} records (${n(observations)} observations), ${mb(trace.bytes)}` +
      (trace.writeMs ? `, simulated and written in ${s(trace.writeMs)}` : ''),
  );
  console.log(`                           wall        cpu`);
  console.log(`  parse only (readTrace) ${s(pw).padStart(8)} ${s(pc).padStart(10)}   ${n(records / (pw / 1000))} records/s`);
  console.log(
    `  parse + check          ${s(cw).padStart(8)} ${s(cc).padStart(10)}   ${n(records / (cw / 1000))} records/s, ${n(observations / (cw / 1000))} observations/s`,
  );
  console.log(`  check / parse          ${(cw / pw).toFixed(2).padStart(7)}× ${(cc / pc).toFixed(2).padStart(9)}×   (target ≤ 2×)`);
}
