import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { tmp } from '../helpers/processes.js';
import { BIN } from '../helpers/build.js';

const EXPERIMENT = 'experiments/compute-resiliency.yaml';

/** `clusterchaos run <experiment> --out <out>`; `asAnotherUser`: as nobody when the tests run as root (root may write anywhere). */
function runTo(out: string, o: { asAnotherUser?: boolean } = {}) {
  const user = o.asAnotherUser && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = spawnSync(process.execPath, [BIN, 'run', EXPERIMENT, '--out', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 60_000, ...user });
  return { code: r.status, signal: r.signal, stderr: r.stderr, lastLine: r.stdout.trimEnd().split('\n').at(-1) ?? '' };
}

describe('an output folder that cannot be used: a clear message and its own exit code, never a stack trace or a hang', function () {
  this.timeout(120_000);
  const base = tmp();

  const cases: { what: string; out: () => string; code: number; says: RegExp; asAnotherUser?: boolean }[] = [
    { what: 'an existing file', out: () => (writeFileSync(join(base, 'a-file'), 'x'), join(base, 'a-file')), code: 2, says: /that is a file, not a folder/ },
    { what: 'a path through a file', out: () => join(base, 'a-file', 'results'), code: 2, says: /a part of that path is a file, not a folder/ },
    {
      what: 'a folder holding another run’s evidence',
      out: () => (mkdirSync(join(base, 'used')), writeFileSync(join(base, 'used', 'trace.ndjson'), '{}\n'), join(base, 'used')),
      code: 2,
      says: /the folder is not empty \(trace\.ndjson\)/,
    },
    { what: 'a folder under /proc/self (where mkdir -p never returns in Node)', out: () => '/proc/self/nope/out', code: 4, says: /cannot create the folder \/proc\/self\/nope\/out: no such file or directory \(ENOENT\)/ },
    {
      what: 'a loop of symbolic links',
      out: () => (symlinkSync(join(base, 'loop-b'), join(base, 'loop-a')), symlinkSync(join(base, 'loop-a'), join(base, 'loop-b')), join(base, 'loop-a', 'results')),
      code: 4,
      says: /too many symbolic links encountered \(ELOOP\)/,
    },
    { what: 'a name longer than the file system allows', out: () => join(base, 'x'.repeat(300)), code: 4, says: /name too long \(ENAMETOOLONG\)/ },
    {
      what: 'a folder the user may not write in',
      out: () => (mkdirSync(join(base, 'read-only')), chmodSync(join(base, 'read-only'), 0o555), chmodSync(base, 0o755), join(base, 'read-only', 'results')),
      code: 4,
      says: /cannot create the folder .*read-only\/results: permission denied \(EACCES\)/,
      asAnotherUser: true,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: exit ${c.code}, said on stderr, verdict line last, no folder made`, () => {
      const out = c.out();
      const r = runTo(out, c.asAnotherUser ? { asAnotherUser: true } : {});
      expect(r.signal, 'no hang').to.equal(null);
      expect(r.code, r.stderr).to.equal(c.code);
      expect(r.stderr).to.match(c.says);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
      expect(r.lastLine).to.match(c.code === 2 ? /^verdict: unknown — bad input, nothing was run$/ : /^verdict: unknown — clusterchaos itself failed: /);
      if (c.what !== 'a folder holding another run’s evidence' && c.what !== 'an existing file') expect(existsSync(join(out, 'trace.ndjson'))).to.equal(false);
    });
  }
});
