import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATING_OPS } from '../../src/targets/powershell/scripts.js';
import { ROOT } from '../helpers/cli.js';
import { ops, run, tmp, type Run } from '../helpers/pwsh-cli.js';

/**
 * `--target powershell` for real, through node-powershell and the fake pwsh (test/fake-bin/pwsh), which serves
 * the cluster of test/powershell/fixtures/cluster.json (HVLAB01) in real time.
 */
const EXPERIMENT = 'test/powershell/fixtures/short-resiliency.yaml';
const PASSWORD = 'Pa55-w0rd-never-logged';
const ALLOW = join(tmp(), 'allow.yaml');
writeFileSync(ALLOW, 'clusters:\n  - name: HVLAB01\n    faults: [kill-clussvc, live-migrate]\n');

describe('clusterchaos run --target powershell (through the fake pwsh)', function () {
  this.timeout(120_000);

  describe('a whole run', () => {
    let r: Run;
    let out: string;
    before(async () => {
      out = join(tmp(), 'out');
      r = await run(['run', EXPERIMENT, '--target', 'powershell', '--allowlist', ALLOW, '--out', out], {
        env: { CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: PASSWORD },
      });
    });

    it('passes, with the header saying target powershell', () => {
      expect(r.lastLine, r.stderr).to.match(/^verdict: pass — /);
      expect(r.code).to.equal(0);
      const header = JSON.parse(readFileSync(join(out, 'trace.ndjson'), 'utf8').split('\n')[0]!);
      expect(header.target).to.equal('powershell');
    });

    it('checks the nodes and VMs read-only before changing anything', () => {
      const first = ops(r).findIndex((op) => (MUTATING_OPS as ReadonlySet<string>).has(op));
      expect(ops(r)[0]).to.equal('poll');
      expect(first).to.be.greaterThan(0);
      expect(ops(r)[first]).to.equal('set-settings');
    });

    it('reverts, then scans for residue: clean, on the console and in summary.json', () => {
      const o = ops(r);
      expect(o.lastIndexOf('residue')).to.be.greaterThan(o.lastIndexOf('start-clussvc'));
      expect(o.lastIndexOf('start-clussvc')).to.be.greaterThan(o.indexOf('kill-clussvc'));
      expect(r.stdout).to.match(/^residue: clean/m);
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).residue).to.deep.equal({ clean: true, findings: [] });
    });

    it('writes the password nowhere: console, log, trace, reports', () => {
      expect(r.stdout + r.stderr).not.to.contain(PASSWORD);
      for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8'), f).not.to.contain(PASSWORD);
    });
  });

  it('on Ctrl-C during the method stops, runs the reverts (clussvc started, settings restored), scans for residue, exit 3', async () => {
    const out = join(tmp(), 'out');
    let pressed = false;
    const r = await run(['run', EXPERIMENT, '--target', 'powershell', '--allowlist', ALLOW, '--out', out], {
      onCommand: (op, interrupt) => {
        if (op === 'kill-clussvc' && !pressed) {
          pressed = true;
          interrupt();
        }
      },
    });
    expect(pressed).to.equal(true);
    expect(r.code, r.stderr).to.equal(3);
    expect(r.lastLine).to.match(/^verdict: unknown — the run was aborted: interrupted \(Ctrl-C\)/);
    const o = ops(r);
    const after = o.slice(o.indexOf('kill-clussvc') + 1);
    expect(after).not.to.include('live-migrate');
    expect(after.filter((x) => (MUTATING_OPS as ReadonlySet<string>).has(x))).to.deep.equal(['start-clussvc', 'set-settings']);
    expect(after.at(-1)).to.equal('residue');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).residue.clean).to.equal(true);
  });

  it('refuses an experiment whose VM the cluster does not have, exit 2, after read-only commands only', async () => {
    const dir = tmp();
    const file = join(dir, 'ghost.yaml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, EXPERIMENT), 'utf8').replace('    - { name: rds01, owner: N4, storage: csv-block, memoryGB: 1 }', '    - { name: rds01, owner: N4, storage: csv-block, memoryGB: 1 }\n    - { name: ghost01, owner: N4, storage: smb, memoryGB: 1 }'),
    );
    const out = join(dir, 'out');
    const r = await run(['run', file, '--target', 'powershell', '--allowlist', ALLOW, '--out', out]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/the cluster HVLAB01 has no VM ghost01 .*Nothing was done to it/);
    expect(ops(r).length).to.be.greaterThan(0);
    expect(ops(r).filter((x) => (MUTATING_OPS as ReadonlySet<string>).has(x))).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it('starts no PowerShell for a dry run, a refusal, or half a credential', async () => {
    const dry = await run(['run', EXPERIMENT, '--target', 'powershell', '--allowlist', ALLOW, '--dry-run']);
    expect(dry.code).to.equal(3);
    expect(dry.commands).to.deep.equal([]);
    const refused = await run(['run', EXPERIMENT, '--target', 'powershell', '--allowlist', join(tmp(), 'none.yaml')]);
    expect(refused.code).to.equal(2);
    expect(refused.commands).to.deep.equal([]);
    // an empty password is half a credential too
    const half = await run(['run', EXPERIMENT, '--target', 'powershell', '--allowlist', ALLOW], { env: { CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: '' } });
    expect(half.code).to.equal(2);
    expect(half.stderr).to.match(/CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD go together/);
    expect(half.commands).to.deep.equal([]);
  });
});
