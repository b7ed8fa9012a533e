/**
 * `npm run bench [hours]`: every benchmark in turn, each in a process of its own (so one's heap does not
 * weigh on the next). Add a benchmark by adding its file here.
 *
 *   npm run bench            # 6 h trace (and 60 h for memory)
 *   npm run bench -- 2       # smaller and quicker
 */
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
const benchmarks: { file: string; args: string[] }[] = [
  { file: 'bench/check-throughput.ts', args },
  { file: 'bench/memory.ts', args },
  { file: 'bench/soak.ts', args: [] },
  { file: 'bench/report.ts', args: [] },
  { file: 'bench/rehearsal.ts', args: [] },
  { file: 'bench/startup.ts', args: [] },
  { file: 'bench/campaign.ts', args: [] },
];
for (const [i, b] of benchmarks.entries()) {
  if (i) console.log('');
  execFileSync(process.execPath, ['--import', 'tsx', b.file, ...b.args], { stdio: 'inherit' });
}
