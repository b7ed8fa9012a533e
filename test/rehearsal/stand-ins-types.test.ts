import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST, pwshPath } from './fixtures/stand-ins/fake-lab.js';

function load(cache: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `Import-Module '${MANIFEST.replaceAll("'", "''")}'; [ClusterChaos.Lab.LabObjects].Assembly.Location`;
  const child = spawn(pwshPath(), ['-NoProfile', '-NonInteractive', '-Command', script], {
    env: { ...process.env, CLUSTERCHAOS_LAB_CACHE: cache, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr })));
}

// types.cs is compiled once per source hash into the cache and loaded from there; processes the lab starts at
// the same moment (a session and a scheduled task) must not trip over each other's compilation.
describe('stand-ins: types.cs compiled once into the cache', function () {
  this.timeout(180_000);

  it('lets two processes start at once on an empty cache: each loads the same DLL, no temporary file is left', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'clusterchaos-types-'));
    const runs = await Promise.all([load(cache), load(cache)]);
    for (const r of runs) expect(r.code, r.stderr).to.equal(0);
    const locations = new Set(runs.map((r) => r.stdout));
    expect(locations.size).to.equal(1);
    const files = readdirSync(cache);
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^ClusterChaosLab-[0-9A-F]{16}\.dll$/);
    expect([...locations][0]).to.equal(join(cache, files[0]!));

    const compiledAt = statSync(join(cache, files[0]!)).mtimeMs;
    const again = await load(cache);
    expect(again.code, again.stderr).to.equal(0);
    expect(statSync(join(cache, files[0]!)).mtimeMs).to.equal(compiledAt); // loaded, not compiled again
    rmSync(cache, { recursive: true, force: true });
  });
});
