import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIN } from '../helpers/build.js';
import { ROOT } from '../helpers/cli.js';

/**
 * The package as a lab engineer installs it: `npm pack`, then the tarball installed into an empty folder with
 * production dependencies only (no tsx, no TypeScript, no test tools), and every command run from there, as in the
 * README. The review found `npm ci --omit=dev && npx clusterchaos accept` crashing with exit 1 ("Cannot find
 * package 'mocha'"), the code that blames the cluster.
 */
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(NPM, args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} in ${cwd} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('the npm package, installed with production dependencies only', function () {
  this.timeout(900_000);
  let dir: string;
  let app: string;
  let files: string[];
  /** `clusterchaos <args>` as installed: the bin npm linked, run from the lab folder. */
  const clusterchaos = (...args: string[]) => {
    const r = spawnSync(join(app, 'node_modules', '.bin', 'clusterchaos'), args, { cwd: app, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CI: '1' } });
    return { ...r, lastLine: r.stdout.trimEnd().split('\n').at(-1) ?? '' };
  };

  before(() => {
    void BIN; // built: npm pack ships dist/ as it is
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-pack-'));
    const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT).stdout) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((f) => f.path);
    app = join(dir, 'lab');
    mkdirSync(app);
    npm(['init', '-y'], app);
    npm(['install', '--omit=dev', join(dir, packed[0]!.filename)], app);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the compiled command, its PowerShell module and the catalogue, not the TypeScript sources or the tests', () => {
    for (const f of ['bin/clusterchaos.js', 'dist/src/cli/main.js', 'dist/machines/index.js', 'dist/src/targets/powershell/module/ClusterChaos.psd1', 'experiments/compute-resiliency.yaml', 'README.md']) {
      expect(files, f).to.include(f);
    }
    expect(files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('src/'))).to.deep.equal([]);
  });

  it('installs no transpiler and no development tool: what runs is JavaScript', () => {
    for (const dev of ['tsx', 'typescript', 'esbuild', 'fast-check']) expect(existsSync(join(app, 'node_modules', dev)), `node_modules/${dev}`).to.equal(false);
  });

  it('--version prints the package version; list lists the catalogue', () => {
    const v = clusterchaos('--version');
    expect(v.status, v.stderr).to.equal(0);
    expect(v.stdout.trim()).to.equal(VERSION);
    const l = clusterchaos('list');
    expect(l.status, l.stderr).to.equal(0);
    expect(l.stdout).to.match(/compute-resiliency\s/);
  });

  it('run, check and report the flagship from the installed catalogue', () => {
    const experiment = join(app, 'node_modules', 'clusterchaos', 'experiments', 'compute-resiliency.yaml');
    const run = clusterchaos('run', experiment, '--out', 'flagship');
    expect(run.status, run.stderr).to.equal(0);
    expect(run.lastLine).to.match(/^verdict: pass/);
    const check = clusterchaos('check', join('flagship', 'trace.ndjson'));
    expect(check.status, check.stderr).to.equal(0);
    expect(check.lastLine).to.match(/^verdict: pass/);
    rmSync(join(app, 'flagship', 'report.html'));
    const report = clusterchaos('report', 'flagship');
    expect(report.status, report.stderr).to.equal(0);
    expect(readFileSync(join(app, 'flagship', 'report.html'), 'utf8')).to.include('compute-resiliency');
  });

  it('accept runs its mocha specs (mocha is a runtime dependency, not a dev tool)', () => {
    const accept = clusterchaos('accept', '--out', 'acceptance');
    expect(accept.status, `${accept.stdout}\n${accept.stderr}`).to.equal(0);
    expect(accept.stdout).to.match(/acceptance: pass/);
    expect(existsSync(join(app, 'acceptance', 'junit.xml'))).to.equal(true);
  });

  it("a missing package is clusterchaos failing (exit 4, what to do), never exit 1, which would blame the cluster", () => {
    const mocha = join(app, 'node_modules', 'mocha');
    const aside = join(app, 'node_modules', '.mocha-aside');
    renameSync(mocha, aside);
    try {
      const accept = clusterchaos('accept', '--out', 'no-mocha');
      expect(accept.status).to.equal(4);
      expect(accept.stderr).to.match(/clusterchaos itself failed: .*'mocha'.*npm/);
      expect(accept.stdout).to.not.match(/verdict: fail/);
    } finally {
      renameSync(aside, mocha);
    }
  });
});
