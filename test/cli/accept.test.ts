import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const SPECS = [
  'the configuration is sound',
  'every node drains and resumes with its VMs back',
  'every VM live-migrates to every node',
  'Compute Resiliency holds, one node at a time',
];

/** The testcases of a junit.xml, in order: name and what is inside (failure / skipped / nothing). */
function testcases(xml: string): { name: string; failure?: string; skipped?: string }[] {
  return [...xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => {
    const body = m[2] ?? '';
    const failure = /<failure message="([^"]*)"[^>]*>([\s\S]*?)<\/failure>/.exec(body);
    const skipped = /<skipped message="([^"]*)"/.exec(body);
    return { name: m[1]!, ...(failure ? { failure: failure[2]! } : {}), ...(skipped ? { skipped: skipped[1]! } : {}) };
  });
}

describe('clusterchaos accept (pre-upgrade acceptance)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-accept-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on the simulator: junit.xml has one passing testcase per spec, in order', () => {
    const r = cli(['accept', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.lastLine).to.equal('acceptance: pass — 4 of 4 specs passed');
    const xml = readFileSync(join(dir, 'out', 'junit.xml'), 'utf8');
    expect(xml).to.match(/<testsuites [^>]*tests="4" failures="0" errors="0" skipped="0"/);
    expect(testcases(xml)).to.deep.equal(SPECS.map((name) => ({ name })));
    // each generated run left its evidence: one drain and one resiliency run per node, one migration tour
    for (const run of ['drain-N1', 'drain-N4', 'migrations', 'resiliency-N2']) {
      expect(readFileSync(join(dir, 'out', `pre-upgrade-${run}`, 'summary.json'), 'utf8')).to.include('"verdict": "pass"');
    }
  });

  it('fails at the configuration check first under missing-shared-storage-path, naming the path and the fixes', () => {
    const r = cli(['accept', '--defect', 'missing-shared-storage-path', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — the configuration is sound failed first (0 of 4 passed)');
    const cases = testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'));
    expect(cases.map((c) => c.name)).to.deep.equal(SPECS);
    const [configuration, ...later] = cases;
    expect(configuration!.failure).to.include(String.raw`C:\ClusterStorage\Volume1\Hyper-V\Shared`);
    expect(configuration!.failure).to.include('recreate');
    expect(configuration!.failure).to.include('ConfigStoreRootPath');
    expect(configuration!.failure).to.include('0x80070032');
    for (const c of later) expect(c).to.deep.equal({ name: c.name, skipped: 'not attempted: the configuration check failed first' });
    // the console says the same
    expect(r.stdout).to.match(/FAIL {10}the configuration is sound\n.*SharedStoragePath C:\\ClusterStorage\\Volume1\\Hyper-V\\Shared does not exist/);
    expect(r.stdout).to.include('recreate a (small) CSV');
  });

  it('fails the resiliency spec, and only it, when the crashed node is never isolated (no-isolation)', () => {
    const r = cli(['accept', '--defect', 'no-isolation', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    const cases = testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'));
    expect(cases.filter((c) => c.failure !== undefined).map((c) => c.name)).to.deep.equal(['Compute Resiliency holds, one node at a time']);
    const failure = cases[3]!.failure!;
    expect(failure).to.include('Compute Resiliency on N1: fail');
    expect(failure).to.match(/node\/N1/);
  });

  it('refuses bad input with exit 2 and runs nothing', () => {
    const unknown = cli(['accept', '--defect', 'no-such-defect', '--out', join(dir, 'a')]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('no such defect profile');
    const missing = cli(['accept', '--experiment', join(dir, 'nope.yaml'), '--out', join(dir, 'b')]);
    expect(missing.code).to.equal(2);
    const withDefect = cli(['accept', '--target', 'powershell', '--defect', 'no-isolation', '--out', join(dir, 'c')]);
    expect(withDefect.code).to.equal(2);
    expect(withDefect.stderr).to.include('Nothing was done to any cluster');
  });
});
