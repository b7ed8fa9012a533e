import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli, ROOT } from '../helpers/cli.js';
import { trapPwsh } from '../helpers/rehearse-cli.js';

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
    let tag: string;
    const trap = trapPwsh();
    before(() => {
      r = withEnv({ ...trap.env, CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: 'S3cret-pa55' }, () =>
        cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run', '--allowlist', LAB]),
      );
      tag = /with (clusterchaos-[0-9a-f-]{36}) as the run's tag/.exec(r.stdout)?.[1] ?? 'no tag printed';
    });

    it('exits 3 with "verdict: unknown — dry run, nothing was run"', () => {
      expect(r.stderr).to.equal('');
      expect(r.lastLine).to.equal('verdict: unknown — dry run, nothing was run');
      expect(r.code).to.equal(3);
    });

    it('prints the session set-up every script relies on: the ClusterChaos module imported, the credential handed to it (never the stand-ins of a rehearsal)', () => {
      expect(r.stdout).to.match(/which every session imports once:\n {4}# clusterchaos session\n/);
      expect(r.stdout).to.match(/^ {4}Import-Module -Name '[^']*src\/targets\/powershell\/module\/ClusterChaos\.psd1' -Global -Force -ErrorAction Stop$/m);
      expect(r.stdout).to.match(/^ {6}Initialize-ClusterChaosSession -Credential \$credential$/m);
      expect(r.stdout).not.to.include('ClusterChaosLab');
    });

    it('prints the read-only contact before anything: first contact with every node, the configuration, the settings read', () => {
      expect(r.stdout).to.match(/^before anything else, read-only: first contact .*\(event 1135\)/m);
      expect(r.stdout).to.include("      # clusterchaos connect\n      Connect-ClusterChaosCluster -Cluster 'HVCLUSTER01' -Node @('N1', 'N2', 'N3', 'N4')\n");
      expect(r.stdout).to.include("      # clusterchaos read-configuration\n      Get-ClusterChaosConfiguration -Cluster 'HVCLUSTER01'\n");
      // the guard's and the header's settings, then the experiment's own
      expect(r.stdout).to.include(
        "      # clusterchaos get-settings\n      Get-ClusterChaosSetting -Cluster 'HVCLUSTER01' -Name @('ResiliencyLevel', 'ResiliencyDefaultPeriod', 'QuarantineThreshold', 'QuarantineDuration', 'SameSubnetDelay', 'SameSubnetThreshold', 'DrainOnShutdown')\n",
      );
    });

    it('prints the kill-clussvc step on N2 as one call of the module, and the revert registered before it', () => {
      const step = section(r.stdout, 1);
      expect(step).to.match(/^step 1 \(line \d+\): kill-clussvc \{"node":"N2"\}/);
      const [revert, inject] = step.split('  inject:');
      expect(revert).to.match(/revert, registered before the injection and run on every exit path \(Ctrl-C included\):/);
      expect(revert).to.include("      # clusterchaos start-clussvc\n      Start-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N2' -StartType 'Automatic'");
      expect(revert).not.to.include('Stop-ClusterChaosService');
      expect(inject!.trim().split('\n').map((l) => l.trim())).to.deep.equal(['# clusterchaos kill-clussvc', "Stop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N2'"]);
    });

    it('prints the settings change and its restore, the read-only poll, event-log and residue scripts, and the wait', () => {
      expect(r.stdout).to.include(
        "set for the run: ResiliencyDefaultPeriod=60\n      # clusterchaos set-settings\n      Set-ClusterChaosSetting -Cluster 'HVCLUSTER01' -Name @('ResiliencyDefaultPeriod') -Value @(60)\n",
      );
      expect(r.stdout).to.match(/restore \(registered before the change; runs on every exit path\).*\n {6}# clusterchaos set-settings\n {6}Set-ClusterChaosSetting -Cluster 'HVCLUSTER01' -Name @\('ResiliencyDefaultPeriod'\) -Value @\(240\)\n/);
      expect(r.stdout).to.include("      # clusterchaos poll\n      Get-ClusterChaosObservation -Cluster 'HVCLUSTER01'\n");
      expect(r.stdout).to.include("      # clusterchaos events\n      Get-ClusterChaosEvent -Cluster 'HVCLUSTER01' -Node @('N1', 'N2', 'N3', 'N4') -Since '1970-01-01T00:00:00.000Z'\n");
      expect(r.stdout).to.match(/step 2 \(line \d+\): wait 90 s, observing every 1 s/);
      // the residue scan looks for what carries the run's tag, the one named at the top
      expect(r.stdout).to.include(`      # clusterchaos residue\n      Get-ClusterChaosResidue -Cluster 'HVCLUSTER01' -Tag '${tag}' -Name @('ResiliencyDefaultPeriod')\n`);
    });

    it('starts no PowerShell and prints no credential', () => {
      expect(trap.started()).to.equal(false);
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
    const step = section(r.stdout, 1);
    expect(step).to.match(/# clusterchaos restore-network\n {6}Connect-ClusterChaosNetwork -Cluster 'HVCLUSTER01' -Node 'N2' -Tag 'clusterchaos-[0-9a-f-]{36}'\n/);
    expect(step).to.match(/# clusterchaos isolate-network\n {6}Disconnect-ClusterChaosNetwork -Cluster 'HVCLUSTER01' -Node 'N2' -Peer @\(\) -HealAfterMs 40000 -Tag 'clusterchaos-[0-9a-f-]{36}'$/);
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

    it('refuses --defect with --target powershell, unless rehearsed', () => {
      const r = cli(['run', FLAGSHIP, '--target', 'powershell', '--dry-run', '--allowlist', LAB, '--defect', 'no-isolation']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/defect profiles make the simulator misbehave/);
      expect(r.stderr).to.include('or rehearse with --rehearse');
      expect(cli(['run', FLAGSHIP, '--target', 'powershell', '--rehearse', '--dry-run', '--allowlist', LAB, '--defect', 'no-isolation']).code).to.equal(3);
    });

    it('refuses an experiment written for 2008 R2 hosts, naming the file and the line of hostVersion (review B4)', () => {
      const file = 'experiments/live-migration-soak.yaml';
      const line = readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => /^\s*hostVersion: 2008R2/.test(l)) + 1;
      expect(line).to.be.greaterThan(0);
      const r = cli(['run', file, '--target', 'powershell', '--dry-run', '--allowlist', LAB]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`${file}:${line}: cluster.hostVersion is 2008R2, but --target powershell drives Windows Server 2016 and later`);
      expect(r.stderr).to.include('Run this experiment on the simulator (--target sim)');
      expect(r.stderr).to.include('no PowerShell session was started');
      expect(r.stdout).not.to.include('# clusterchaos');
      expect(r.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
      // the simulator still runs it
      expect(cli(['run', file, '--dry-run']).code).to.equal(3);
    });

    it('refuses --rehearse without --target powershell: the simulator needs no rehearsal', () => {
      const r = cli(['run', FLAGSHIP, '--rehearse', '--dry-run']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include('--rehearse rehearses a run of --target powershell: add --target powershell');
      expect(r.stdout).not.to.include('plan for');
      expect(r.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    });
  });

  it('keeps the simulator dry run as it was', () => {
    const r = cli(['run', FLAGSHIP, '--dry-run']);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.match(/^plan for .* on the simulator, seed 1:\n {2}kill-clussvc \{"node":"N2"\}\n {2}wait 90 s, observing every 1 s\nverdict: unknown — dry run, nothing was run\n$/);
  });
});
