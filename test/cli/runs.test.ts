import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const FLAGSHIP = 'experiments/compute-resiliency.yaml';
const SOAK = 'experiments/live-migration-soak.yaml';

function header(dir: string): { startTime: string } {
  return JSON.parse(readFileSync(join(dir, 'trace.ndjson'), 'utf8').split('\n')[0]!);
}

/** The run's start as a clock in Asia/Kolkata reads it (UTC+5:30, no summer time): what `runs` must show there. */
function kolkata(iso: string): string {
  const d = new Date(Date.parse(iso) + 5.5 * 3600_000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

describe('clusterchaos runs [DIR]', function () {
  this.timeout(300_000);
  let dir: string;
  let pass: string;
  let fail: string;
  let killed: string;
  let nested: string;
  const tz = process.env.TZ;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterchaos-runs-'));
    pass = join(dir, 'flagship');
    fail = join(dir, 'no-isolation');
    killed = join(dir, 'soak-killed');
    nested = join(dir, 'suite', 'compute-resiliency'); // as `accept` writes its runs, one folder down
    const runs: [string, string[], number][] = [
      [pass, [FLAGSHIP], 0],
      [fail, [FLAGSHIP, '--defect', 'no-isolation', '--seed', '5'], 1],
      [nested, [FLAGSHIP, '--set', 'settings.ResiliencyDefaultPeriod=30'], 0],
      [killed, [SOAK, '--set', 'iterations=30'], 0],
    ];
    for (const [out, args, code] of runs) {
      const r = cli(['run', ...args, '--out', out]);
      expect(r.code, r.stderr + r.stdout).to.equal(code);
    }
    // the soak killed (SIGKILL) after its 12th checkpoint, in the middle of writing a line: no footer, no reports
    const lines = readFileSync(join(killed, 'trace.ndjson'), 'utf8').split('\n');
    let checkpoints = 0;
    const cut = lines.findIndex((l) => l.includes('"type":"checkpoint"') && ++checkpoints === 12);
    writeFileSync(join(killed, 'trace.ndjson'), lines.slice(0, cut + 1).join('\n') + '\n' + lines[cut + 1]!.slice(0, 30));
    for (const f of ['summary.json', 'junit.xml', 'report.html']) rmSync(join(killed, f));
    // what is not a run: a folder of other things, a stray file; a damaged trace is named, not fatal
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'readme.txt'), 'not a run\n');
    writeFileSync(join(dir, 'stray.txt'), 'not a run\n');
    mkdirSync(join(dir, 'damaged'));
    writeFileSync(join(dir, 'damaged', 'trace.ndjson'), '{"type":"header"}\n');
    process.env.TZ = 'Asia/Kolkata';
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each run, newest first: when (local time), verdict, experiment, target, seed, duration, folder', () => {
    const r = cli(['runs', dir]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^when +verdict +experiment +target +seed +duration +folder$/);
    const rows = lines.slice(1, 5);
    expect(rows.map((l) => l.split(/ {2,}/)[6])).to.deep.equal([killed, nested, fail, pass]);
    const summary = (d: string): { run: { virtualMs: number } } => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
    const mmss = (ms: number): string => `${String(Math.floor(ms / 60000)).padStart(2, '0')}:${((ms % 60000) / 1000).toFixed(1).padStart(4, '0')}`;
    expect(rows[1]!.split(/ {2,}/)).to.deep.equal([kolkata(header(nested).startTime), 'pass', 'compute-resiliency', 'sim', '1', mmss(summary(nested).run.virtualMs), nested]);
    expect(rows[2]!.split(/ {2,}/)).to.deep.equal([kolkata(header(fail).startTime), 'fail', 'compute-resiliency', 'sim', '5', mmss(summary(fail).run.virtualMs), fail]);
    expect(rows[3]!.split(/ {2,}/)).to.deep.equal([kolkata(header(pass).startTime), 'pass', 'compute-resiliency', 'sim', '1', '01:30.0', pass]);
  });

  it('shows a killed soak as unfinished, with its last iteration and the command that resumes it', () => {
    const r = cli(['runs', dir]);
    const row = r.stdout.split('\n').find((l) => l.includes(killed))!;
    const cells = row.split(/ {2,}/);
    expect(cells.slice(0, 5)).to.deep.equal([kolkata(header(killed).startTime), 'unfinished', 'live-migration-soak', 'sim', '1']);
    expect(cells.slice(6).join('  ')).to.equal(`${killed}  (killed, at iteration 12; go on with: clusterchaos run --resume ${killed})`);
  });

  it('names an unreadable run without failing the listing, and passes over what is not a run', () => {
    const r = cli(['runs', dir]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include(`unreadable: ${join(dir, 'damaged')}: ${join(dir, 'damaged', 'trace.ndjson')}:1: the header lacks format,`);
    expect(r.stdout).to.include(`(clusterchaos check ${join(dir, 'damaged', 'trace.ndjson')} says more)`);
    expect(r.stdout).not.to.match(/notes|stray/);
    expect(r.lastLine).to.equal(`runs: 4 in ${dir} (2 pass, 1 fail, 0 unknown, 1 unfinished); 1 unreadable`);
  });

  it('--json gives the same runs for scripts', () => {
    const r = cli(['runs', dir, '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const listed = JSON.parse(r.stdout) as { dir: string; runs: Record<string, unknown>[]; unreadable: { folder: string; problem: string }[] };
    expect(listed.runs.map((x) => [x.folder, x.verdict, x.status, x.seed, x.iteration])).to.deep.equal([
      [killed, null, 'unfinished', 1, 12],
      [nested, 'pass', 'finished', 1, null],
      [fail, 'fail', 'finished', 5, null],
      [pass, 'pass', 'finished', 1, null],
    ]);
    expect(listed.runs[3]).to.include({ experiment: 'compute-resiliency', target: 'sim', startTime: header(pass).startTime, virtualMs: 90_000 });
    expect(listed.runs[3]!.wallMs).to.be.a('number');
    expect(listed.unreadable.map((u) => u.folder)).to.deep.equal([join(dir, 'damaged')]);
  });

  it('says so when the folder holds no run', () => {
    const empty = mkdtempSync(join(tmpdir(), 'clusterchaos-runs-empty-'));
    const r = cli(['runs', empty]);
    rmSync(empty, { recursive: true });
    expect(r.code).to.equal(0);
    expect(r.lastLine).to.match(/^runs: none in .* \(a run's folder holds a trace\.ndjson; clusterchaos run writes one under reports\/\)$/);
  });

  it('refuses a folder that does not exist, or a file, with exit 2', () => {
    const missing = cli(['runs', join(dir, 'nowhere')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include(`${join(dir, 'nowhere')}: no such folder; give the folder your runs are in`);
    const file = cli(['runs', join(dir, 'stray.txt')]);
    expect(file.code).to.equal(2);
    expect(file.stderr).to.include(`${join(dir, 'stray.txt')}: not a folder of runs (ENOTDIR)`);
  });
});
