import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import { cli, ROOT } from '../helpers/cli.js';
import { runClusterchaos } from '../helpers/rehearse-cli.js';
import { BIN } from '../helpers/build.js';

const SPECS = [
  'the configuration is sound',
  'every node drains and resumes with its VMs back',
  'every VM live-migrates to every node',
  'Compute Resiliency holds, one node at a time',
];
const NODES = ['N1', 'N2', 'N3', 'N4'];
const VMS = ['dc01', 'file01', 'web01', 'sql01', 'app01', 'rds01'];
/** The cases of experiments/pre-upgrade.yaml, in order, as "spec › node or VM". */
const CASES = [
  `${SPECS[0]} › HVCLUSTER01`,
  ...NODES.map((n) => `${SPECS[1]} › ${n}`),
  ...VMS.map((vm) => `${SPECS[2]} › ${vm}`),
  ...NODES.map((n) => `${SPECS[3]} › ${n}`),
];

interface Case {
  classname: string;
  name: string;
  failure?: string;
  skipped?: string;
  out?: string;
}

/** The few DOM calls made on the parsed document (xmlbuilder2 parses into a DOM). */
interface El {
  nodeType: number;
  nodeName: string;
  childNodes: ArrayLike<El>;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
const children = (el: El): El[] => Array.from(el.childNodes).filter((n) => n.nodeType === 1);

/**
 * junit.xml parsed back (throws on malformed XML) and held to the shape CI tools read, as test/report/junit.test.ts
 * does for a run's: testsuites › testsuite › properties, testcase*; a testcase has classname, name and a numeric
 * time, and holds only skipped, failure (with message and type) and system-out; the counts agree with the cases.
 */
function testcases(xml: string): Case[] {
  const suites = create(xml).root().node as unknown as El;
  expect(suites.nodeName).to.equal('testsuites');
  const [suite, ...more] = children(suites);
  expect(more).to.have.length(0);
  expect(suite!.nodeName).to.equal('testsuite');
  const [props, ...cases] = children(suite!);
  expect(props!.nodeName).to.equal('properties');
  expect(new Set(cases.map((c) => c.nodeName))).to.deep.equal(new Set(cases.length ? ['testcase'] : []));
  const parsed = cases.map((tc): Case => {
    for (const attr of ['classname', 'name', 'time']) expect(tc.getAttribute(attr), attr).to.be.a('string');
    expect(Number.isFinite(Number(tc.getAttribute('time')))).to.equal(true);
    const kids = children(tc);
    for (const k of kids) expect(['skipped', 'failure', 'system-out']).to.include(k.nodeName);
    const failure = kids.find((k) => k.nodeName === 'failure');
    if (failure) for (const attr of ['message', 'type']) expect(failure.getAttribute(attr), attr).to.be.a('string');
    const skipped = kids.find((k) => k.nodeName === 'skipped');
    const out = kids.find((k) => k.nodeName === 'system-out');
    return {
      classname: tc.getAttribute('classname')!,
      name: tc.getAttribute('name')!,
      ...(failure ? { failure: failure.textContent ?? '' } : {}),
      ...(skipped ? { skipped: skipped.getAttribute('message')! } : {}),
      ...(out ? { out: out.textContent ?? '' } : {}),
    };
  });
  const counts = { tests: parsed.length, failures: parsed.filter((c) => c.failure !== undefined).length, errors: 0, skipped: parsed.filter((c) => c.skipped !== undefined).length };
  for (const el of [suites, suite!]) {
    for (const [attr, n] of Object.entries(counts)) expect(el.getAttribute(attr), `${el.nodeName} ${attr}`).to.equal(String(n));
  }
  return parsed;
}

const named = (cases: Case[]): string[] => cases.map((c) => `${c.classname} › ${c.name}`);

describe('clusterchaos accept (pre-upgrade acceptance)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-accept-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on the simulator: junit.xml has one passing testcase per node and per VM, classname the spec', () => {
    const r = cli(['accept', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.lastLine).to.equal('acceptance: pass — 15 of 15 cases passed (4 specs)');
    const cases = testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'));
    expect(named(cases)).to.deep.equal(CASES);
    expect(cases.filter((c) => c.failure !== undefined || c.skipped !== undefined)).to.deep.equal([]);
    // each generated run left its evidence, linked from its case: one drain and one resiliency run per node, one tour per VM
    expect(cases.find((c) => c.classname === SPECS[2] && c.name === 'sql01')!.out).to.include(join(dir, 'out', 'pre-upgrade-migrate-sql01', 'report.html'));
    for (const run of ['drain-N1', 'drain-N4', 'migrate-dc01', 'migrate-rds01', 'resiliency-N2']) {
      expect(readFileSync(join(dir, 'out', `pre-upgrade-${run}`, 'summary.json'), 'utf8')).to.include('"verdict": "pass"');
    }
    expect(r.stdout).to.include(`report: ${join(dir, 'out', 'report.html')} (every case, linking each run's report.html)`);
  });

  it('fails at the configuration check first under missing-shared-storage-path, naming the path and the fixes', () => {
    const r = cli(['accept', '--defect', 'missing-shared-storage-path', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — the configuration is sound (HVCLUSTER01) failed first (0 of 15 cases passed, 14 not attempted)');
    const cases = testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'));
    expect(named(cases)).to.deep.equal(CASES);
    const [configuration, ...later] = cases;
    expect(configuration!.failure).to.include(String.raw`C:\ClusterStorage\Volume1\Hyper-V\Shared`);
    expect(configuration!.failure).to.include('recreate');
    expect(configuration!.failure).to.include('ConfigStoreRootPath');
    expect(configuration!.failure).to.include('0x80070032');
    for (const c of later) expect(c).to.deep.equal({ classname: c.classname, name: c.name, skipped: 'not attempted: the configuration check failed first' });
    // the console says the same, and the reason of the cases held back once
    expect(r.stdout).to.match(/FAIL {10}HVCLUSTER01\n.*SharedStoragePath C:\\ClusterStorage\\Volume1\\Hyper-V\\Shared does not exist/);
    expect(r.stdout).to.include('recreate a (small) CSV');
  });

  it('fails the resiliency case of each node, each with its own message, when the crashed node is never isolated (no-isolation)', () => {
    const r = cli(['accept', '--defect', 'no-isolation', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    const cases = testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'));
    // the simulator risks nothing: without --bail every node is tried
    expect(named(cases.filter((c) => c.failure !== undefined))).to.deep.equal(NODES.map((n) => `${SPECS[3]} › ${n}`));
    for (const n of NODES) {
      const failure = cases.find((c) => c.classname === SPECS[3] && c.name === n)!.failure!;
      expect(failure).to.include(`Compute Resiliency on ${n}: fail`);
      expect(failure).to.include(`node-membership on node/${n}`);
      expect(failure).to.not.match(new RegExp(`node/(?!${n})N\\d`));
      expect(failure, 'no stack frame in the failure text').to.not.include('    at ');
    }
    expect(r.lastLine).to.equal('acceptance: fail — Compute Resiliency on N1 failed first (11 of 15 cases passed)');
  });

  it('--bail stops at the first failed case: no later run starts, the rest are skipped in junit.xml saying why, exit 1', () => {
    const out = join(dir, 'out');
    const r = cli(['accept', '--bail', '--defect', 'failover-instead-of-drain', '--out', out]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — N1 drains and resumes with its VMs back failed first (1 of 15 cases passed, 13 not attempted)');
    // the one run that started is the drain of N1: nothing else was drained, moved or killed
    expect(readdirSync(out).sort()).to.deep.equal(['junit.xml', 'pre-upgrade-drain-N1', 'report.html']);
    const cases = testcases(readFileSync(join(out, 'junit.xml'), 'utf8'));
    expect(named(cases)).to.deep.equal(CASES);
    expect(cases[0]).to.deep.equal({ classname: SPECS[0], name: 'HVCLUSTER01' });
    expect(cases[1]!.failure).to.include('N1 drains and resumes with its VMs back: fail');
    for (const c of cases.slice(2)) {
      expect(c).to.deep.equal({ classname: c.classname, name: c.name, skipped: 'not attempted: --bail, and N1 drains and resumes with its VMs back failed first' });
    }
    expect(r.stdout).to.include('15 cases, stops at the first failed case (--bail):');
    expect(r.stdout).to.include('    [3/15] N2 drains and resumes with its VMs back: not attempted\n        not attempted: --bail, and N1 drains and resumes with its VMs back failed first\n');
    expect(r.stdout).to.include('replay: npx clusterchaos accept --target sim --seed 1 --defect failover-instead-of-drain --bail');
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
      expect(o.cases.filter((c) => c.failure !== undefined).map((c) => c.classname), defect).to.include(spec);
      const failure = o.cases.filter((c) => c.classname === spec && c.failure !== undefined).map((c) => c.failure).join('\n');
      for (const w of words) expect(failure, `${defect}: ${failure}`).to.include(w.replaceAll('"', '&quot;'));
      expect(o.stdout, defect).to.include(`replay: npx clusterchaos accept --target sim --seed 1 --defect ${defect}`);
    }
    // the drain defects leave Compute Resiliency alone, and the resiliency defects the drains and moves
    expect(new Set(outcomes.get('no-rejoin')!.cases.filter((c) => c.failure !== undefined).map((c) => c.classname))).to.deep.equal(new Set([SPECS[3]]));
    for (const c of outcomes.get('long-blackout')!.cases.filter((x) => x.classname === SPECS[3])) expect(c.failure, c.name).to.equal(undefined);
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
    expect(r.lastLine).to.equal('acceptance: fail — the configuration is sound (HVCLUSTER01) failed first (0 of 15 cases passed, 14 not attempted)');
    expect(r.stdout).to.include('file01 (7.0) will not start on Windows Server 2022 nodes, which run configuration versions 8.0 to 10.0');
    const bad = cli(['accept', '--set', 'acceptance.upgrade-to=2021', '--dry-run']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('the Windows Server the nodes will run after the upgrade: 2016, 2019, 2022, 2025');
  });

  it('runs only the specs asked for (--spec), in the suite\'s order, and says so in the replay command', () => {
    const r = cli(['accept', '--spec', 'resiliency', '--spec', 'configuration', '--defect', 'no-rejoin', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(named(testcases(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8')))).to.deep.equal([CASES[0], ...CASES.slice(-4)]);
    expect(r.stdout).to.include('replay: npx clusterchaos accept --target sim --seed 1 --spec resiliency --spec configuration --defect no-rejoin');
    expect(r.lastLine).to.equal('acceptance: fail — Compute Resiliency on N1 failed first (1 of 5 cases passed)');
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
