import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.js';
import { runClusterchaos } from '../helpers/rehearse-cli.js';
import { BIN } from '../helpers/build.js';

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
    expect(withDefect.stderr).to.include('--rehearse');
    const rehearseSim = cli(['accept', '--rehearse', '--out', join(dir, 'd')]);
    expect(rehearseSim.code).to.equal(2);
    expect(rehearseSim.stderr).to.include('--rehearse rehearses --target powershell: add --target powershell');
    expect(existsSync(join(dir, 'd'))).to.equal(false);
  });

  /**
   * Each defect profile that breaks something the suite exercises, the spec it must fail (the others pass) and
   * the rule and entity its failure names. The profiles left out break what the suite does not do (quarantine,
   * graceful stops, network cuts, per-VM periods, busy VMs) or are rare races an overnight soak is for.
   */
  const RELEVANT: [defect: string, spec: string, words: string[]][] = [
    ['failover-instead-of-drain', SPECS[1]!, ['clustered-vm on vm/dc01', 'observed Starting']],
    ['owner-not-moved', SPECS[1]!, ['migration-owner on vm/dc01', 'dc01 was observed owned by N1']],
    ['long-blackout', SPECS[1]!, ['migration-blackout on vm/dc01', 'BlackoutWithin']],
    ['csv-not-paused', SPECS[3]!, ['clustered-vm on vm/file01', 'the model allowed RunningCritical or PausedCritical']],
    ['smb-paused', SPECS[3]!, ['clustered-vm on vm/dc01', 'observed RunningCritical']],
    ['no-remonitor', SPECS[3]!, ['clustered-vm on vm/dc01', 'observed Unmonitored']],
    ['no-isolation-event', SPECS[3]!, ['event-log on node/N1', 'no event 1673']],
    ['no-rejoin', SPECS[3]!, ['steady-state on cluster', 'node N1 is Down, Isolated']],
  ];

  it('fails the spec each relevant defect breaks, naming the rule and the entity, two runs at a time', async () => {
    const outcomes = new Map<string, { code: number | null; cases: ReturnType<typeof testcases>; stdout: string }>();
    const queue = [...RELEVANT];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const out = join(dir, next[0]);
        const r = await runClusterchaos(['accept', '--defect', next[0], '--out', out]);
        outcomes.set(next[0], { code: r.code, stdout: r.stdout, cases: r.code === 1 ? testcases(readFileSync(join(out, 'junit.xml'), 'utf8')) : [] });
      }
    };
    await Promise.all([worker(), worker()]);
    for (const [defect, spec, words] of RELEVANT) {
      const o = outcomes.get(defect)!;
      expect(o.code, `${defect}: ${o.stdout}`).to.equal(1);
      expect(o.cases.filter((c) => c.failure !== undefined).map((c) => c.name), defect).to.include(spec);
      const failure = o.cases.find((c) => c.name === spec)!.failure!;
      for (const w of words) expect(failure, `${defect}: ${failure}`).to.include(w.replaceAll('"', '&quot;'));
      expect(o.stdout, defect).to.include(`replay: npx clusterchaos accept --target sim --seed 1 --defect ${defect}`);
    }
    // the drain defects leave Compute Resiliency alone, and the resiliency defects the drains and moves
    expect(outcomes.get('no-rejoin')!.cases.filter((c) => c.failure !== undefined).map((c) => c.name)).to.deep.equal([SPECS[3]]);
    expect(outcomes.get('long-blackout')!.cases.find((c) => c.name === SPECS[3])).to.deep.equal({ name: SPECS[3] });
  });

  it('finishes quietly when its reader goes away (clusterchaos accept --dry-run | head -1)', async () => {
    const child = spawn(process.execPath, [BIN, 'accept', '--dry-run'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).to.not.include('EPIPE');
    expect(code).to.equal(3);
  });

  it('fails at the configuration check a VM that will not start on the Windows Server of the upgrade (upgrade-to: 2022)', () => {
    const r = cli(['accept', '--set', 'cluster.vms[1].version="7.0"', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — the configuration is sound failed first (0 of 4 passed)');
    expect(r.stdout).to.include('file01 (7.0) will not start on Windows Server 2022 nodes, which run configuration versions 8.0 to 10.0');
    const bad = cli(['accept', '--set', 'acceptance.upgrade-to=2021', '--dry-run']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('the Windows Server the nodes will run after the upgrade: 2016, 2019, 2022, 2025');
  });

  it('runs only the specs asked for (--spec), in the suite\'s order, and says so in the replay command', () => {
    const r = cli(['accept', '--spec', 'resiliency', '--spec', 'configuration', '--defect', 'no-rejoin', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8')).map((c) => c.name)).to.deep.equal([SPECS[0], SPECS[3]]);
    expect(r.stdout).to.include('replay: npx clusterchaos accept --target sim --seed 1 --spec resiliency --spec configuration --defect no-rejoin');
    expect(r.lastLine).to.equal('acceptance: fail — Compute Resiliency holds, one node at a time failed first (1 of 2 passed)');
    expect(r.stdout).to.not.include('pre-upgrade-drain-N1');
    const bad = cli(['accept', '--spec', 'config']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('expected one of configuration, drains, migrations, resiliency');
  });

  it('paces its runs by the experiment: --set acceptance.after-kill and --seed show in the plan and the replay command', () => {
    const dry = cli(['accept', '--dry-run', '--seed', '42', '--set', 'acceptance.after-kill=2m', '--set', 'acceptance.after-move=7s']);
    expect(dry.code, dry.stderr).to.equal(3);
    expect(dry.stdout).to.include('on the simulator, seed 42:');
    expect(dry.stdout).to.match(/run pre-upgrade-resiliency-N3:\n {6}kill-clussvc \{"node":"N3"\}, then observe 120 s\n/);
    expect(dry.stdout).to.include('live-migrate {"vm":"rds01","to":"N4"}, then observe 7 s');
    const bad = cli(['accept', '--set', 'acceptance.after-kil=2m', '--out', join(dir, 'bad')]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--set acceptance.after-kil=2m');
    expect(bad.stderr).to.include('after-kill');
    expect(existsSync(join(dir, 'bad'))).to.equal(false);
  });
});
