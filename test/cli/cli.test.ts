import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const FLAGSHIP = 'experiments/compute-resiliency.yaml';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-cli-'));
}

function traceBody(file: string): string[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);
}

describe('clusterchaos CLI', function () {
  this.timeout(120_000);

  describe('run', () => {
    let out: string;
    let result: ReturnType<typeof cli>;
    before(() => {
      out = join(tmp(), 'flagship');
      result = cli(['run', FLAGSHIP, '--out', out]);
    });

    it('passes the flagship on the simulator: exit 0 and a last line "verdict: pass"', () => {
      expect(result.stderr).not.to.match(/unexpected error/);
      expect(result.lastLine).to.match(/^verdict: pass — /);
      expect(result.code).to.equal(0);
    });

    it('tells what the faulted node and its VMs went through', () => {
      expect(result.stdout).to.match(/N2\s+Up → Isolated \d\d:\d\d\.\d → Joining \d\d:\d\d\.\d → Up \d\d:\d\d\.\d/);
      expect(result.stdout).to.match(/sql01 \(csv-block\)\s+Running on N2 → RunningCritical on N2 .* → PausedCritical on N2 .* → Running on N2/);
      expect(result.stdout).to.match(/web01 \(smb\)\s+Running on N2 → Unmonitored on N2 .* → Running on N2/);
    });

    it('writes trace.ndjson, summary.json, junit.xml and report.html', () => {
      for (const f of ['trace.ndjson', 'summary.json', 'junit.xml', 'report.html']) expect(existsSync(join(out, f)), f).to.equal(true);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(summary.verdict).to.equal('pass');
      expect(readFileSync(join(out, 'report.html'), 'utf8')).to.match(/<svg/);
    });

    it('writes a trace with a header first, kill-clussvc as invoke and ok, observations and a footer last', () => {
      const lines = readFileSync(join(out, 'trace.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines[0].type).to.equal('header');
      expect(lines[0].settings.ResiliencyDefaultPeriod).to.equal(60);
      const kill = lines.filter((l) => l.type === 'op' && l.f === 'kill-clussvc').map((l) => l.phase);
      expect(kill).to.deep.equal(['invoke', 'ok']);
      expect(lines.some((l) => l.type === 'observe' && l.entity === 'node/N2' && l.state.StatusInformation.includes('Isolated'))).to.equal(true);
      expect(lines.at(-1)).to.include({ type: 'footer', verdict: 'pass' });
    });

    it('gives the same trace, line for line (header aside), for the same seed', () => {
      const again = join(tmp(), 'again');
      cli(['run', FLAGSHIP, '--out', again]);
      expect(traceBody(join(again, 'trace.ndjson'))).to.deep.equal(traceBody(join(out, 'trace.ndjson')));
    });

    it('re-checks the stored trace with "check" and reaches the same verdict', () => {
      const r = cli(['check', join(out, 'trace.ndjson')]);
      expect(r.lastLine).to.match(/^verdict: pass/);
      expect(r.code).to.equal(0);
    });
  });

  it('fails under the no-isolation defect: exit 1, naming N2 and the Isolated state it never reached', () => {
    const out = join(tmp(), 'defect');
    const r = cli(['run', FLAGSHIP, '--defect', 'no-isolation', '--out', out]);
    expect(r.code).to.equal(1);
    expect(r.lastLine).to.match(/^verdict: fail — /);
    expect(r.stdout).to.match(/node\/N2/);
    expect(r.stdout).to.match(/never reached Isolated/);
    const check = cli(['check', join(out, 'trace.ndjson')]);
    expect(check.code).to.equal(1);
  });

  it('passes the experiment where clussvc stays down beyond the period (VMs fail over)', () => {
    const r = cli(['run', 'experiments/clussvc-stays-down.yaml', '--out', join(tmp(), 'down')]);
    expect(r.lastLine).to.match(/^verdict: pass/);
    expect(r.code).to.equal(0);
  });

  describe('bad input exits 2, names the file, and writes nothing', () => {
    function expectRefused(args: string[], pattern: RegExp): void {
      const out = join(tmp(), 'never');
      const r = cli([...args, '--out', out]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(pattern);
      expect(r.lastLine).to.match(/^verdict: unknown — bad input/);
      expect(existsSync(out), 'no output folder').to.equal(false);
    }

    it('refuses a malformed experiment file, naming file and line', () => {
      const dir = tmp();
      const file = join(dir, 'broken.yaml');
      writeFileSync(file, 'title: broken\nmethod:\n  - fault: kill-clussvc\n    node: [N2\n');
      expectRefused(['run', file], /broken\.yaml:\d+/);
    });

    it('refuses an unknown fault name', () => {
      const dir = tmp();
      const file = join(dir, 'typo.yaml');
      const text = readFileSync('experiments/compute-resiliency.yaml', 'utf8').replace('fault: kill-clussvc', 'fault: kil-clussvc');
      writeFileSync(file, text);
      expectRefused(['run', file], /typo\.yaml:\d+:\d+: .*kil-clussvc/);
    });

    it('refuses a wrongly typed setting in the file, naming its line and column', () => {
      const dir = tmp();
      const file = join(dir, 'sixty.yaml');
      const text = readFileSync('experiments/compute-resiliency.yaml', 'utf8').replace('ResiliencyDefaultPeriod: 60', 'ResiliencyDefaultPeriod: sixty');
      writeFileSync(file, text);
      const line = text.split('\n').findIndex((l) => l.includes('sixty')) + 1;
      expectRefused(['run', file], new RegExp(`sixty\\.yaml:${line}:\\d+: settings\\.ResiliencyDefaultPeriod: expected an integer number of seconds`));
    });

    it('refuses a wrongly typed setting given with --set', () => {
      expectRefused(['run', FLAGSHIP, '--set', 'settings.ResiliencyDefaultPeriod=sixty'], /--set settings\.ResiliencyDefaultPeriod=sixty/);
    });

    it('refuses an unknown defect profile', () => {
      expectRefused(['run', FLAGSHIP, '--defect', 'no-such-defect'], /no-such-defect/);
    });

    it('refuses the PowerShell target without an allowlist naming the cluster, touching no cluster', () => {
      expectRefused(['run', FLAGSHIP, '--target', 'powershell'], /expected an allowlist.*no PowerShell session was started/s);
    });

    it('refuses an experiment file that does not exist', () => {
      expectRefused(['run', 'experiments/nope.yaml'], /nope\.yaml/);
    });
  });

  it('changes the asserted time with --set: a shorter period makes the node go Down in the stays-down experiment sooner', () => {
    const out = join(tmp(), 'short');
    const r = cli(['run', 'experiments/clussvc-stays-down.yaml', '--set', 'settings.ResiliencyDefaultPeriod=30', '--out', out]);
    expect(r.code).to.equal(0);
    const lines = readFileSync(join(out, 'trace.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].settings.ResiliencyDefaultPeriod).to.equal(30);
    const isolated = lines.find((l) => l.entity === 'node/N2' && l.state?.StatusInformation?.includes('Isolated'));
    const down = lines.find((l) => l.entity === 'node/N2' && l.t > isolated.t && l.state.State === 'Down' && !l.state.StatusInformation.length);
    expect(down.t - isolated.t).to.be.within(28_000, 32_000);
  });

  it('check refuses a file that is not a trace, with exit 2', () => {
    const file = join(tmp(), 'x.ndjson');
    writeFileSync(file, 'hello\n');
    const r = cli(['check', file]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/x\.ndjson:1/);
  });

  it('check refuses a header that is not a clusterchaos run\'s (no cluster), with exit 2 and the line', () => {
    const file = join(tmp(), 'y.ndjson');
    writeFileSync(file, '{"type":"header","format":1}\n');
    const r = cli(['check', file]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/y\.ndjson:1: the header lacks the cluster/);
  });

  it('lists experiments, faults, defects and settings', () => {
    const r = cli(['list']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/compute-resiliency/);
    expect(r.stdout).to.match(/kill-clussvc/);
    expect(r.stdout).to.match(/no-isolation/);
    expect(r.stdout).to.match(/ResiliencyDefaultPeriod\s+default 240 s/);
  });

  it('exits 2 on unknown commands and options', () => {
    expect(cli(['explode']).code).to.equal(2);
    expect(cli(['run', FLAGSHIP, '--bogus']).code).to.equal(2);
    expect(cli(['run', FLAGSHIP, '--seed', 'abc']).code).to.equal(2);
  });
});
