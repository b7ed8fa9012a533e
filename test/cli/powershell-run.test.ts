import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATING_OPS, READ_ONLY_OPS } from '../../src/targets/powershell/scripts.js';
import { cli, ROOT } from '../helpers/cli.js';
import { changesCluster, rehearse, tmp, trapPwsh, type Rehearsal } from '../helpers/rehearse-cli.js';

/**
 * `clusterchaos run --target powershell --rehearse`: the real PowerShell target, through node-powershell, in
 * real PowerShell 7 against the rehearsal lab (stand-in commands backed by the simulated cluster, in virtual
 * time). test/helpers/rehearse-cli.ts writes down what the run sent and what the lab received.
 */
const EXPERIMENT = 'test/rehearsal/fixtures/experiments/short-resiliency.yaml';
const PASSWORD = 'Pa55-w0rd-never-logged';
const ALLOW = join(tmp(), 'allow.yaml');
writeFileSync(ALLOW, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, live-migrate]\n');

const mutating = (ops: string[]): string[] => ops.filter((op) => (MUTATING_OPS as ReadonlySet<string>).has(op));
const traceOps = (out: string): { f: string; phase: string }[] =>
  readFileSync(join(out, 'trace.ndjson'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'op');

describe('clusterchaos run --target powershell --rehearse (real PowerShell against the rehearsal lab)', function () {
  this.timeout(300_000);

  describe('a whole run', () => {
    let r: Rehearsal;
    let out: string;
    before(async () => {
      out = join(tmp(), 'out');
      // a credential set and a prompt asked for: a rehearsal must use neither
      r = await rehearse(['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', ALLOW, '--out', out, '--credential', 'prompt'], {
        env: { CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: PASSWORD },
      });
    });

    it('passes, with the header saying target powershell, rehearsed in PowerShell 7', () => {
      expect(r.lastLine, r.stdout + r.stderr).to.match(/^verdict: pass — /);
      expect(r.code).to.equal(0);
      const header = JSON.parse(readFileSync(join(out, 'trace.ndjson'), 'utf8').split('\n')[0]!);
      expect(header.target).to.equal('powershell');
      expect(header.facts.powershell).to.include({ rehearsal: true, edition: 'Core' });
      expect(header.facts.powershell.version).to.match(/^7\./);
      expect(header.replay).to.include('--target powershell --rehearse');
      expect(r.labs).to.equal(1);
    });

    it('reads the cluster before changing anything: first contact, its nodes and VMs, settings, configuration and event logs', () => {
      const first = r.ops.findIndex((op) => (MUTATING_OPS as ReadonlySet<string>).has(op));
      expect(r.ops[first]).to.equal('set-settings');
      const before = r.ops.slice(0, first);
      expect(before[0]).to.equal('connect');
      expect(before).to.include.members(['poll', 'get-settings', 'read-configuration', 'events']);
      expect(before.every((op) => (READ_ONLY_OPS as ReadonlySet<string>).has(op))).to.equal(true);
      // and the lab agrees: its first change is the cluster property being set
      expect(r.calls.find(changesCluster)?.command).to.equal('Set-ClusterObjectProperty');
    });

    it('kills clussvc on N2 and live-migrates app01 through the ClusterChaos module; the lab saw N2 Isolated and its VMs as the models expect', () => {
      expect(r.sent.map((s) => s.call)).to.include.members([
        "Stop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N2'",
        "Move-ClusterChaosVm -Cluster 'HVCLUSTER01' -Vm 'app01' -Node 'N1'",
      ]);
      expect(r.calls.filter((c) => c.command === 'Stop-Process').map((c) => c.node)).to.deep.equal(['N2']);
      expect(r.stdout).to.match(/^ {2}N2 +Up → Isolated [\d:.]+ → .*Up [\d:.]+$/m);
      expect(r.stdout).to.match(/^ {2}web01 \(smb\) +Running on N2 → Unmonitored on N2 .*→ Running on N2 [\d:.]+$/m);
      expect(r.stdout).to.match(/^ {2}sql01 \(csv-block\) +Running on N2 → .*PausedCritical on N2 .*→ Running on N2 [\d:.]+$/m);
      expect(r.stdout).to.match(/^ {2}app01 \(smb\) +Running on N3 → Running on N1 [\d:.]+$/m);
    });

    it('reverts (clussvc started, the settings read before put back), then scans for residue: clean, on the console and in summary.json', () => {
      const o = r.ops;
      expect(mutating(o.slice(o.indexOf('live-migrate') + 1))).to.deep.equal(['start-clussvc', 'set-settings']);
      expect(o.lastIndexOf('residue')).to.be.greaterThan(o.lastIndexOf('set-settings'));
      // the lab's own values, read before the run (SameSubnetDelay 1000, SameSubnetThreshold 10, ResiliencyDefaultPeriod 240)
      expect(r.sent.filter((s) => s.op === 'set-settings').at(-1)!.call).to.match(/-Value @\(1000, 10, 240\)$/);
      const reverts = traceOps(out).filter((op) => op.f.startsWith('revert:') || op.f === 'restore-cluster-settings');
      expect(reverts.map((op) => `${op.f} ${op.phase}`)).to.deep.equal(['revert:kill-clussvc invoke', 'revert:kill-clussvc ok', 'restore-cluster-settings invoke', 'restore-cluster-settings ok']);
      expect(r.stdout).to.include('reverts: kill-clussvc N2 ok; restore cluster settings ok');
      expect(r.stdout).to.match(/^residue: clean/m);
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).residue).to.deep.equal({ clean: true, findings: [] });
    });

    it('sent only calls its dry run prints (the run\'s tag and the events\' start time aside)', () => {
      const dry = cli(['run', EXPERIMENT, '--target', 'powershell', '--dry-run', '--allowlist', ALLOW]);
      expect(dry.code, dry.stderr).to.equal(3);
      const normal = (call: string): string => call.replace(/clusterchaos-[0-9a-f-]{36}/g, '<tag>').replace(/-Since '[^']*'/, "-Since '<time>'");
      const lines = dry.stdout.split('\n');
      const printed = new Set(lines.flatMap((l, i) => (/^\s*# clusterchaos [a-z-]+$/.test(l) && lines[i + 1] ? [normal(lines[i + 1]!.trim())] : [])));
      const unprinted = [...new Set(r.sent.map((s) => normal(s.call)))].filter((call) => !printed.has(call));
      expect(unprinted).to.deep.equal([]);
      expect(r.sent.length).to.be.greaterThan(20);
    });

    it('asks for no credential, and writes the password nowhere: console, log, trace, reports, undo journal', () => {
      expect(r.stderr).not.to.include('user name for the cluster');
      expect(r.stdout + r.stderr).not.to.contain(PASSWORD);
      expect(readdirSync(out)).to.include.members(['trace.ndjson', 'summary.json', 'junit.xml', 'report.html', 'undo.ndjson']);
      for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8'), f).not.to.contain(PASSWORD);
    });
  });

  it('on Ctrl-C during the method stops, runs the reverts (clussvc started, settings restored), scans for residue, exit 3', async () => {
    const out = join(tmp(), 'out');
    let pressed = false;
    // the wait after the kill lasts 10 minutes of the lab's time: only Ctrl-C ends the run early
    const r = await rehearse(['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', ALLOW, '--out', out, '--set', 'method[1].wait=10m'], {
      onOp: (sent, interrupt) => {
        if (sent.op === 'kill-clussvc' && !pressed) {
          pressed = true;
          interrupt();
        }
      },
    });
    expect(pressed).to.equal(true);
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.lastLine).to.match(/^verdict: unknown — the run was aborted: interrupted \(Ctrl-C\)/);
    const after = r.ops.slice(r.ops.indexOf('kill-clussvc') + 1);
    expect(after).not.to.include('live-migrate');
    expect(mutating(after)).to.deep.equal(['start-clussvc', 'set-settings']);
    expect(after.at(-1)).to.equal('residue');
    // on N2 itself: killed, then its service set back to start automatically and started
    expect(r.calls.filter((c) => changesCluster(c) && c.node === 'N2').map((c) => c.command)).to.deep.equal(['Stop-Process', 'Set-Service', 'Start-Service']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.residue).to.deep.equal({ clean: true, findings: [] });
    const footer = JSON.parse(readFileSync(join(out, 'trace.ndjson'), 'utf8').trimEnd().split('\n').at(-1)!);
    expect(footer.run.status).to.equal('aborted');
    expect(footer.run.virtualMs).to.be.lessThan(600_000);
  });

  it('refuses an experiment whose VM the cluster does not have, exit 2, after read-only commands only, no folder written', async () => {
    const dir = tmp();
    const file = join(dir, 'ghost.yaml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, EXPERIMENT), 'utf8').replace(
        '    - { name: app01, owner: N3, storage: smb, memoryGB: 1 }',
        '    - { name: app01, owner: N3, storage: smb, memoryGB: 1 }\n    - { name: ghost01, owner: N3, storage: smb, memoryGB: 1 }',
      ),
    );
    const out = join(dir, 'out');
    const r = await rehearse(['run', file, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', ALLOW, '--out', out], { lab: { withoutVms: ['ghost01'] } });
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.match(/the cluster HVCLUSTER01 has no VM ghost01 .*Nothing was done to it/);
    expect(r.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    expect(r.ops).to.include('poll');
    expect(mutating(r.ops)).to.deep.equal([]);
    expect(r.calls.length).to.be.greaterThan(0);
    expect(r.calls.filter(changesCluster)).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it('starts no PowerShell for a dry run, a refusal, or half a credential', async () => {
    const trap = trapPwsh();
    const dry = await rehearse(['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--allowlist', ALLOW, '--dry-run'], { env: trap.env });
    expect(dry.code, dry.stderr).to.equal(3);
    expect(dry.lastLine).to.equal('verdict: unknown — dry run, nothing was run');
    const refused = await rehearse(['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--allowlist', join(tmp(), 'none.yaml')], { env: trap.env });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include('no PowerShell session was started');
    // a real cluster's credential: an empty password is half a credential too, refused before any PowerShell
    const half = await rehearse(['run', EXPERIMENT, '--target', 'powershell', '--yes', '--allowlist', ALLOW, '--out', join(tmp(), 'out')], {
      env: { ...trap.env, CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: '' },
    });
    expect(half.code).to.equal(2);
    expect(half.stderr).to.match(/CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD go together/);
    for (const r of [dry, refused, half]) {
      expect(r.ops).to.deep.equal([]);
      expect(r.labs).to.equal(0);
    }
    expect(trap.started()).to.equal(false);
  });
});
