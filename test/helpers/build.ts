import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `clusterchaos` command as users run it: bin/clusterchaos.js, which runs the compiled dist/. Importing this
 * builds dist/ first when a source (src/, machines/, tsconfig*.json, scripts/build.mjs) is newer than the last
 * build, so a test run from a single file (`npx mocha … test/cli/x.test.ts`) never tests a stale build. `npm test`
 * builds before mocha starts; this then finds it fresh. Builds from two test processes at once queue on the build's
 * lock (scripts/build.mjs).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'clusterchaos.js');
const STAMP = join(ROOT, 'dist', '.build-stamp');

function newestMs(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMs(join(path, name)));
  return newest;
}

function stale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  const sources = ['src', 'machines', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'].map((p) => join(ROOT, p));
  return sources.some((p) => newestMs(p) > built);
}

if (stale()) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed, so the command cannot be tested:\n${r.stdout}${r.stderr}`);
}
