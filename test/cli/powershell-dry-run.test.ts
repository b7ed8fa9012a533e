import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli, ROOT } from '../helpers/cli.js';

const FLAGSHIP = 'experiments/compute-resiliency.yaml';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-ps-'));
}

function allowlist(text: string): string {
  const file = join(tmp(), 'allow.yaml');
  writeFileSync(file, text);
  return file;
}

const LAB = allowlist('clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, isolate-network, stop-node, start-node, live-migrate, drain-node, resume-node]\n');

/** Run with extra environment variables (the helper passes process.env through). */
function withEnv<T>(env: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  try {
    return f();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** A `pwsh` that leaves a mark if anything starts it. */
function trapPwsh(): { exe: string; mark: string } {
  const dir = tmp();
  const mark = join(dir, 'started');
  const exe = join(dir, 'pwsh');
  writeFileSync(exe, `#!/bin/sh\necho started > '${mark}'\nexit 1\n`);
  chmodSync(exe, 0o755);
  return { exe, mark };
}

/** The section of the dry run for one step: from its "step N" line to the next. */
function section(stdout: string, step: number): string {
  const lines = stdout.split('\n');
  const from = lines.findIndex((l) => l.startsWith(`step ${step}`));
  const to = lines.findIndex((l, i) => i > from && /^(step \d|after the method|$)/.test(l));
  return lines.slice(from, to < 0 ? undefined : to).join('\n');
}

describe('clusterchaos run --target powershell --dry-run', function () {
  this.timeout(60_000);

  describe('with an allowlist entry for HVCLUSTER01', () => {
    let r: ReturnType<typeof cli>;
    const trap = trapPwsh();
    before(() => {
      r = withEnv({ NODE_POWERSHELL: trap.exe, PATH: `${join(trap.exe, '..')}:${process.env.PATH}`, CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: 'S3cret-pa55' }, () =>
        cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run', '--allowlist', LAB]),
      );
    });

    it('exits 3 with "verdict: unknown — dry run, nothing was run"', () => {
      expect(r.stderr).to.equal('');
      expect(r.lastLine).to.equal('verdict: unknown — dry run, nothing was run');
      expect(r.code).to.equal(3);
    });

    it('prints the kill-clussvc step on N2 with Stop-Process -Name clussvc -Force, and the revert registered before it', () => {
      const step = section(r.stdout, 1);
      expect(step).to.match(/^step 1 \(line \d+\): kill-clussvc \{"node":"N2"\}/);
      const [revert, inject] = step.split('  inject:');
      expect(revert).to.match(/revert, registered before the injection and run on every exit path \(Ctrl-C included\):/);
      expect(revert).to.match(/# clusterchaos \S+/);
      expect(revert).to.contain("$node = 'N2'");
      expect(revert).not.to.contain('Stop-Process');
      expect(inject).to.match(/# clusterchaos kill-clussvc/);
      expect(inject).to.contain("$node = 'N2'");
      expect(inject).to.contain('Stop-Process -Name clussvc -Force');
    });

    it('prints the settings change and its restore, the read-only poll, event-log and residue scripts, and the wait', () => {
      expect(r.stdout).to.match(/set for the run: ResiliencyDefaultPeriod=60\n {6}# clusterchaos \S+/);
      expect(r.stdout).to.match(/restore \(registered before the change; runs on every exit path\)/);
      expect(r.stdout).to.contain("$cluster = 'HVCLUSTER01'");
      expect(r.stdout).to.contain('Get-ClusterNode');
      expect(r.stdout).to.contain('Get-WinEvent');
      expect(r.stdout).to.match(/step 2 \(line \d+\): wait 90 s, observing every 1 s/);
      expect(r.stdout).to.match(/residue scan/);
    });

    it('starts no PowerShell and prints no credential', () => {
      expect(existsSync(trap.mark)).to.equal(false);
      expect(r.stdout + r.stderr).not.to.contain('S3cret-pa55');
    });
  });

  it('prints a network cut with its dead-man task, and live migrations and drains, for every shipped experiment it allows', () => {
    for (const file of ['network-isolation', 'asymmetric-partition', 'drain-host', 'busy-vm-migration', 'graceful-stop', 'clear-quarantine']) {
      const r = cli(['run', `experiments/${file}.yaml`, '--target', 'powershell', '--dry-run', '--allowlist', LAB]);
      expect(r.code, `${file}: ${r.stderr}`).to.equal(3);
      expect(r.stdout).not.to.match(/undefined|NaN|\[object Object\]/);
    }
    const r = cli(['run', 'experiments/network-isolation.yaml', '--target', 'powershell', '--dry-run', '--allowlist', LAB]);
    expect(r.stdout).to.match(/dead-man revert/);
    expect(r.stdout).to.match(/\$tag = 'clusterchaos-[0-9a-f-]{36}'/);
  });

  describe('refusals: exit 2, nothing done to any cluster', () => {
    it('refuses without an entry for the cluster, naming the allowlist line and what to add', () => {
      const other = allowlist('# lab\nclusters:\n  - name: OTHER\n    faults: [kill-clussvc]\n');
      const r = cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run', '--allowlist', other]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(`${other}:2: clusters: expected an entry for the experiment's cluster HVCLUSTER01`);
      expect(r.stderr).to.match(/add an entry: "- name: HVCLUSTER01"/);
      expect(r.stderr).to.match(/no PowerShell session was started/);
      expect(r.stdout).not.to.contain('Stop-Process');
      expect(r.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    });

    it('refuses a fault the entry does not allow, at its line', () => {
      const narrow = allowlist('clusters:\n  - name: HVCLUSTER01\n    faults: [live-migrate]\n');
      const r = cli(['run', FLAGSHIP, '--target', 'powershell', '--allowlist', narrow]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`${narrow.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: clusters\\[0\\]\\.faults: expected kill-clussvc among the faults allowed on HVCLUSTER01 \\(experiments/compute-resiliency\\.yaml:\\d+ uses it\\)`));
    });

    it('refuses without any allowlist, naming where it looked: CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml', () => {
      const dir = tmp();
      const r = withEnv({ CLUSTERCHAOS_ALLOWLIST: undefined }, () => cli(['run', resolve(ROOT, FLAGSHIP), '--target', 'powershell', '--dry-run'], { cwd: dir }));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(join(dir, 'clusterchaos-allowlist.yaml'));
      expect(r.stderr).to.match(/PowerShell target touches a real cluster only when an allowlist names that cluster/);
      const missing = join(dir, 'nope.yaml');
      const viaEnv = withEnv({ CLUSTERCHAOS_ALLOWLIST: missing }, () => cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run']));
      expect(viaEnv.code).to.equal(2);
      expect(viaEnv.stderr).to.contain(missing).and.to.contain('the file named by CLUSTERCHAOS_ALLOWLIST');
      const fromEnv = withEnv({ CLUSTERCHAOS_ALLOWLIST: LAB }, () => cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run']));
      expect(fromEnv.code).to.equal(3);
    });

    it('refuses a malformed allowlist with file:line', () => {
      const bad = allowlist('clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc]\n    max-impaired-nodes: many\n');
      const r = cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run', '--allowlist', bad]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(`${bad}:4:25: clusters[0].max-impaired-nodes: expected a whole number of nodes, 1 or more, found "many"`);
    });

    it('refuses two nodes crashed at once with max-impaired-nodes 1, and allows it with 2', () => {
      const r = cli(['run', 'experiments/two-nodes-failing.yaml', '--target', 'powershell', '--dry-run', '--allowlist', LAB]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/two-nodes-failing\.yaml:\d+: method\[1\]: expected at most 1 node impaired at once .*found N2, N3 impaired at the same time/);
      const two = allowlist('clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc]\n    max-impaired-nodes: 2\n');
      expect(cli(['run', 'experiments/two-nodes-failing.yaml', '--target', 'powershell', '--dry-run', '--allowlist', two]).code).to.equal(3);
    });

    it('refuses a plan past the quarantine cap on a real cluster, while the simulator still runs it', () => {
      const r = cli(['run', 'experiments/quarantine-cap.yaml', '--target', 'powershell', '--dry-run', '--allowlist', allowlist('clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc]\n    max-impaired-nodes: 2\n')]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/quarantine-cap\.yaml:\d+: method\[2\]: expected at most 1 node reaching QuarantineThreshold/);
      expect(cli(['run', 'experiments/quarantine-cap.yaml', '--dry-run']).code).to.equal(3);
    });

    it('refuses --defect with --target powershell', () => {
      const r = cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run', '--allowlist', LAB, '--defect', 'no-isolation']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/defect profiles make the simulator misbehave/);
    });
  });

  it('keeps the simulator dry run as it was', () => {
    const r = cli(['run', FLAGSHIP, '--dry-run']);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.match(/^plan for .* on the simulator, seed 1:\n {2}kill-clussvc \{"node":"N2"\}\n {2}wait 90 s, observing every 1 s\nverdict: unknown — dry run, nothing was run\n$/);
  });
});
