import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CampaignResult } from '../../src/campaign/types.js';
import { BIN } from '../helpers/build.js';
import { cli, ROOT } from '../helpers/cli.js';

const experiment = (name: string): string => join(ROOT, 'experiments', `${name}.yaml`);

/**
 * 2 experiments × 3 defects × 2 seeds (each defect with the run without defects): compute-resiliency catches
 * csv-not-paused, graceful-stop catches owner-not-moved, neither sees no-failover-after-power-loss.
 */
const SMALL = `title: A small campaign
experiments:
  - ${experiment('compute-resiliency')}
  - ${experiment('graceful-stop')}
seeds: 1..2
defects: [csv-not-paused, owner-not-moved, no-failover-after-power-loss]
`;

describe('clusterchaos campaign', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cc-campaign-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a what-if grid on stdout: per cell, in how many runs VMs failed over and how long they were unmonitored', () => {
    writeFileSync(
      join(dir, 'what-if.yaml'),
      `title: What if\nexperiments: [${experiment('clussvc-stays-down')}]\nseeds: [1]\ngrid:\n  settings.ResiliencyDefaultPeriod: [30, 240]\n  method[0].holdDown: [5s, 60s]\n`,
    );
    const r = cli(['campaign', join(dir, 'what-if.yaml'), '--workers', '0', '--out', join(dir, 'out')], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    const row = (cell: string): string[] => r.stdout.split('\n').find((l) => l.includes(`${cell} `) || l.endsWith(cell))!.split(/\s{2,}/);
    // clussvc back after 5 s: nobody fails over; back after 60 s: only where the period (30 s) ran out first
    expect(row('ResiliencyDefaultPeriod=30 holdDown=5s').slice(2, 3)).to.deep.equal(['0/1']);
    expect(row('ResiliencyDefaultPeriod=30 holdDown=60s').slice(2, 4)).to.deep.equal(['1/1', '30 s']);
    expect(row('ResiliencyDefaultPeriod=240 holdDown=60s').slice(2, 3)).to.deep.equal(['0/1']);
  });

  it('runs a campaign on the local pool: campaign.json, junit.xml (a case per run), report.html; a missed defect named with its seeds; exit 1', () => {
    writeFileSync(join(dir, 'small.yaml'), SMALL);
    const out = join(dir, 'out');
    const r = cli(['campaign', join(dir, 'small.yaml'), '--workers', '2', '--out', out], { cwd: dir });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('verdict: fail — defect no-failover-after-power-loss caught by no experiment on seeds 1, 2');
    expect(r.stdout).to.contain('missed: defect no-failover-after-power-loss caught by no experiment on seeds 1, 2');
    expect(r.stdout).to.match(/compute-resiliency\s+csv-not-paused\s+2\s+0\s+2\s+0/);
    expect(r.stdout).to.contain(`results in ${out}/: campaign.json, junit.xml, report.html`);
    expect(readdirSync(out).sort()).to.deep.equal(['campaign.json', 'junit.xml', 'report.html', 'runs']);

    const result = JSON.parse(readFileSync(join(out, 'campaign.json'), 'utf8')) as CampaignResult;
    expect(result.planned).to.equal(16);
    expect(result.runs.map((x) => x.index)).to.deep.equal([...Array(16).keys()]);
    expect(result.via).to.deep.equal({ kind: 'pool', workers: 2 });
    expect(result.verdict).to.equal('fail');

    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).to.have.length(16);
    // the four runs of the missed defect fail; the caught defects' passing runs do not (another experiment caught them)
    const failing = [...junit.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"[^>]*>\s*<failure/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(failing).to.deep.equal([
      'compute-resiliency.no-failover-after-power-loss seed 1 sim',
      'compute-resiliency.no-failover-after-power-loss seed 2 sim',
      'graceful-stop.no-failover-after-power-loss seed 1 sim',
      'graceful-stop.no-failover-after-power-loss seed 2 sim',
    ]);
    expect(junit).to.not.contain('<skipped');
    expect(junit).to.contain(`replay: npx clusterchaos run ${experiment('graceful-stop')} --seed 2 --defect owner-not-moved`);
    // evidence of the failing runs only (the default, evidence: failing), as the record says
    const caught = result.runs.find((x) => x.key.startsWith('graceful-stop/owner-not-moved/') && x.spec.seed === 2)!;
    expect(existsSync(join(out, caught.evidence!, 'trace.ndjson'))).to.equal(true);
    expect(result.runs.filter((x) => x.evidence).map((x) => x.verdict)).to.deep.equal(['fail', 'fail', 'fail', 'fail']);
  });

  it('every defect caught on every seed: exit 0, in the default folder reports/<timestamp>-campaign-<name>/, --seeds overriding the file', () => {
    writeFileSync(join(dir, 'caught.yaml'), SMALL.replace(', no-failover-after-power-loss', ''));
    const r = cli(['campaign', 'caught.yaml', '--workers', '0', '--seeds', '3,4,5'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.lastLine).to.match(/^verdict: pass — 18 runs: all 6 runs without a defect passed; each of the 2 defects was caught on every seed \(seeds 3, 4, 5\)$/);
    const [folder, ...more] = readdirSync(join(dir, 'reports'));
    expect(more).to.deep.equal([]);
    expect(folder).to.match(/^\d{8}-\d{6}-campaign-caught$/);
    const result = JSON.parse(readFileSync(join(dir, 'reports', folder!, 'campaign.json'), 'utf8')) as CampaignResult;
    expect(result.campaign.seeds).to.deep.equal([3, 4, 5]);
    expect(result.via).to.deep.equal({ kind: 'process' });
  });

  it('a bad campaign: exit 2 with file:line, nothing run, no folder made', () => {
    writeFileSync(join(dir, 'bad.yaml'), SMALL.replace('owner-not-moved', 'owner-not-moovd'));
    const r = cli(['campaign', 'bad.yaml', '--workers', '0'], { cwd: dir });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('bad.yaml:6:');
    expect(r.stderr).to.contain('owner-not-moovd');
    expect(r.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    expect(existsSync(join(dir, 'reports'))).to.equal(false);

    const seeds = cli(['campaign', join(dir, 'bad.yaml'), '--seeds', '9..1'], { cwd: dir });
    expect(seeds.code).to.equal(2);
    expect(seeds.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
  });

  it('a real cluster among the targets: refused before anything is done without --allowlist for the pool, or without --yes and no terminal to ask on', () => {
    writeFileSync(join(dir, 'lab.yaml'), `title: On the lab
experiments: [${experiment('compute-resiliency')}]
seeds: 1
targets: [{ cluster: HVCLUSTER01, rehearse: true }]
`);
    const none = cli(['campaign', 'lab.yaml', '--workers', '1'], { cwd: dir });
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('need --allowlist FILE');
    expect(none.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    const unattended = cli(['campaign', 'lab.yaml', '--workers', '1', '--allowlist', join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml')], { cwd: dir });
    expect(unattended.code, unattended.stderr).to.equal(2);
    expect(unattended.stderr).to.contain('Add --yes');
    expect(existsSync(join(dir, 'reports'))).to.equal(false);
  });

  it('Ctrl-C: no new run is started, the runs in progress finish, the results are written with why it stopped; exit 3', async () => {
    writeFileSync(join(dir, 'long.yaml'), `${SMALL.replace('1..2', '1..20')}evidence: all\n`);
    const out = join(dir, 'out');
    const child = spawn(process.execPath, [BIN, 'campaign', 'long.yaml', '--workers', '1', '--out', out], { cwd: dir, env: { ...process.env, CI: '1' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // stopped as soon as the first run's results are written
    await new Promise<void>((resolve) => {
      const w = watch(dir, { recursive: true }, (_, name) => {
        if (String(name).endsWith('summary.json')) {
          w.close();
          child.kill('SIGINT');
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(3);
    const result = JSON.parse(readFileSync(join(out, 'campaign.json'), 'utf8')) as CampaignResult;
    expect(result.stopped).to.match(/^Ctrl-C: no new run was started/);
    expect(result.runs.length).to.be.within(1, 2);
    expect(result.planned).to.equal(160);
    for (const run of result.runs) expect(run.verdict).to.not.equal('unknown');
    expect(stdout.trimEnd().split('\n').at(-1)).to.match(/^verdict: unknown — Ctrl-C: no new run was started; the runs in progress finished; \d of 160 runs ran/);
  });
});
