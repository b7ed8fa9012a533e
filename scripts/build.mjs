#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm ci` and `npm pack` build it): compiles src/ and machines/ to dist/ with
 * the TypeScript compiler (tsconfig.build.json) and copies the files that are not TypeScript beside their
 * compiled neighbours (the PowerShell module and the rehearsal lab's stand-ins, found through import.meta.url).
 * What `clusterchaos` runs is dist/: no transpiler at run time.
 *
 * It builds into a fresh folder and swaps it in, so a clusterchaos started meanwhile sees the old build or the new
 * one, never half of one; a lock folder keeps two builds (two test runs) from racing. It writes dist/.build-stamp
 * last: test/helpers/build.ts rebuilds when a source is newer than it. Plain Node, no dependencies.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const NEXT = join(ROOT, 'dist.next');
const OLD = join(ROOT, 'dist.old');
const LOCK = join(ROOT, 'dist.lock');
/** A lock older than this was left by a build that died: taken over. */
const STALE_LOCK_MS = 5 * 60_000;

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

function lock() {
  const until = Date.now() + 3 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > until) fail(`${relative(ROOT, LOCK)} is held by another build for 3 minutes; if none runs, delete it`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** Every file under src/ that is not TypeScript, copied to the same place under dist/src/. */
function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyAssets(source, join(to, entry.name));
    else if (!entry.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(source, join(to, entry.name));
    }
  }
}

let tsc;
try {
  tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  if (!existsSync(tsc)) throw new Error('no bin/tsc');
} catch {
  fail('the TypeScript compiler is not installed (a devDependency): run `npm ci` (not `npm ci --omit=dev`) in the repository to build, or install the packed tarball, which ships dist/');
}

lock();
// released however the build ends (fail() exits the process: a finally would not run)
process.on('exit', () => rmSync(LOCK, { recursive: true, force: true }));
try {
  rmSync(NEXT, { recursive: true, force: true });
  const started = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', NEXT], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail(`the TypeScript compiler failed (exit ${r.status ?? r.signal}); dist/ is unchanged`);
  copyAssets(join(ROOT, 'src'), join(NEXT, 'src'));
  writeFileSync(join(NEXT, '.build-stamp'), `${new Date().toISOString()}\n`);
  rmSync(OLD, { recursive: true, force: true });
  if (existsSync(DIST)) renameSync(DIST, OLD);
  renameSync(NEXT, DIST);
  rmSync(OLD, { recursive: true, force: true });
  process.stdout.write(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  rmSync(LOCK, { recursive: true, force: true });
}
