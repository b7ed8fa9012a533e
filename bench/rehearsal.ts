/**
 * `npx tsx bench/rehearsal.ts [experiment…]` (also in `npm run bench`): what the rehearsal lab costs in wall
 * time. Every catalogue experiment the PowerShell target can run (or those named), rehearsed once
 * (`--target powershell --rehearse`, real PowerShell 7 against the lab), then the poll and the event
 * collection on their own in a lab. Prints, per experiment, its length on the lab's clock and the wall time the
 * rehearsal took, and the median round trip of one poll and one collection of events (wall ms, the PowerShell
 * module and the stand-ins' own cost: the lab adds no latency unless asked).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { settingDefinitions } from '../machines/index.js';
import { listExperiments, loadExperiment } from '../src/experiment/load.js';
import { faults } from '../src/faults/catalogue.js';
import { createRehearsalTarget } from '../src/targets/powershell/rehearsal/target.js';
import { BIN } from '../test/helpers/build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Refused on any real cluster, so in the rehearsal too (2008 R2 hosts; past the quarantine cap). */
const REFUSED = new Set(['live-migration-soak', 'quarantine-cap']);
const wanted = process.argv.slice(2);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

console.log('rehearsal lab: each experiment through --target powershell --rehearse (real PowerShell 7), wall time');
const rows: { name: string; virtualMs: number; wallMs: number; verdict: string }[] = [];
for (const e of listExperiments(join(ROOT, 'experiments'))) {
  if (REFUSED.has(e.name) || (wanted.length && !wanted.includes(e.name))) continue;
  const out = join(mkdtempSync(join(tmpdir(), 'clusterchaos-bench-rh-')), 'run');
  const started = performance.now();
  spawnSync(process.execPath, [BIN, 'run', e.file, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml'), '--out', out], {
    cwd: ROOT,
    env: { ...process.env, CI: '1' },
    stdio: 'ignore',
  });
  const wallMs = performance.now() - started;
  let summary: { verdict: string; run?: { virtualMs: number } } = { verdict: 'error' };
  try {
    summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  } catch {
    // the row says error
  }
  rows.push({ name: e.name, virtualMs: summary.run?.virtualMs ?? 0, wallMs, verdict: summary.verdict });
  console.log(`  ${e.name.padEnd(32)} ${s(summary.run?.virtualMs ?? 0).padStart(9)} of the lab's time in ${s(wallMs).padStart(7)} (${summary.verdict})`);
}
if (rows.length) {
  const total = rows.reduce((a, r) => a + r.wallMs, 0);
  console.log(`  all ${rows.length}: ${s(total)}; median ${s(median(rows.map((r) => r.wallMs)))}; lab time / wall time ${(rows.reduce((a, r) => a + r.virtualMs, 0) / total).toFixed(1)}×`);
}

// One poll and one collection of events, on their own (wall ms per round trip).
const experiment = loadExperiment(join(ROOT, 'experiments/compute-resiliency.yaml'), { settings: settingDefinitions, faults });
const target = await createRehearsalTarget({ experiment, defects: [], runTag: 'clusterchaos-bench', log: pino({ level: 'silent' }) });
try {
  await target.connect();
  const time = async (what: () => Promise<unknown>): Promise<number> => {
    const ms: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      await what();
      ms.push(performance.now() - t0);
    }
    return median(ms);
  };
  const poll = await time(() => target.poll());
  const events = await time(() => target.collectEvents({ now: true }));
  console.log(`  one poll (4 nodes, 8 VMs): ${poll.toFixed(0)} ms median; one collection of events (4 nodes): ${events.toFixed(0)} ms median (21 each)`);
} finally {
  await target.close();
}
