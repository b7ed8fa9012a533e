/**
 * How quickly `clusterchaos` starts: the compiled command (dist/, what users run) for `--version`, `--help` and
 * `list`, against Node's own start (`node -e 0`) on the same machine, and against the same command run from its
 * TypeScript sources through tsx (as it ran before it was compiled). Median wall time of `runs` starts each, and
 * the ratio to Node's start: the figure to watch ("close to Node's own start"). Builds dist/ first when it is
 * missing (`npm run build`).
 *
 *   npx tsx bench/startup.ts [runs=15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median } from './shared.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Math.max(3, Number(process.argv[2] ?? 15));
if (!existsSync(`${ROOT}dist/src/cli/main.js`)) spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });

/** Median wall time, in ms, of `runs` starts of node with `args` (after one warm-up start, for the file cache). */
function startMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

/** The command as it ran before it was compiled: main.ts through tsx (a script beside bin/, so it finds tsx). */
const FROM_SOURCES = join(ROOT, 'bench', '.from-sources.mjs');
writeFileSync(
  FROM_SOURCES,
  "import { register } from 'tsx/esm/api';\nregister();\nconst { main } = await import('../src/cli/main.ts');\nprocess.exitCode = await main(process.argv.slice(2));\n",
);
process.on('exit', () => rmSync(FROM_SOURCES, { force: true }));

console.log(`clusterchaos start-up: median of ${runs} starts each, on ${machine()}`);
const node = startMs(['-e', '0']);
console.log(`  ${'node -e 0'.padEnd(34)} ${node.toFixed(0).padStart(5)} ms   1.0 × (Node's own start)`);
for (const args of [['--version'], ['--help'], ['list']]) {
  const compiled = startMs(['bin/clusterchaos.js', ...args]);
  const sources = startMs([FROM_SOURCES, ...args]);
  console.log(
    `  ${`clusterchaos ${args.join(' ')}`.padEnd(34)} ${compiled.toFixed(0).padStart(5)} ms  ${(compiled / node).toFixed(1).padStart(4)} × Node's start` +
      `   (from the sources through tsx: ${sources.toFixed(0)} ms, ${(sources / compiled).toFixed(1)} × the compiled command)`,
  );
}
