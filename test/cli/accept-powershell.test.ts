import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { acceptancePlan } from '../../src/acceptance/plan.js';
import { checkFitsCluster, consent, powerShellTargetFor } from '../../src/cli/powershell.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { BlastRadiusError } from '../../src/safety/blast-radius.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { MUTATING_OPS } from '../../src/targets/powershell/scripts.js';
import { ROOT } from '../helpers/cli.js';
import { changesCluster, rehearse, tmp, trapPwsh, type Rehearsal } from '../helpers/rehearse-cli.js';

/**
 * `clusterchaos accept --target powershell --rehearse`: the suite through the real PowerShell target, in real
 * PowerShell 7, against the rehearsal lab: three nodes, one CSV-backed VM. Every generated run opens its own lab
 * (the lab holds no state between them, as each begins where a sound cluster would).
 */
const EXPERIMENT = 'test/rehearsal/fixtures/experiments/short-acceptance.yaml';
const ALLOW = join(tmp(), 'allow.yaml');
writeFileSync(ALLOW, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, live-migrate, drain-node, resume-node]\n    max-impaired-nodes: 1\n');
// --yes: no terminal to ask Proceed? on
const accept = (...args: string[]): string[] => ['accept', '--target', 'powershell', '--rehearse', '--experiment', EXPERIMENT, '--yes', ...args];

const mutating = (r: Rehearsal): string[] => r.ops.filter((op) => (MUTATING_OPS as ReadonlySet<string>).has(op));

/** Each state the entity was observed in, in order, with repeats dropped ("Down+Isolated" for a node, "PausedCritical" for a VM). */
function statesSeen(tracePath: string, entity: string): string[] {
  const seen: string[] = [];
  for (const line of readFileSync(tracePath, 'utf8').trimEnd().split('\n')) {
    const r = JSON.parse(line);
    if (r.type !== 'observe' || r.entity !== entity) continue;
    const s = entity.startsWith('node/') ? [r.state.State, ...r.state.StatusInformation].join('+') : r.state.State;
    if (seen.at(-1) !== s) seen.push(s);
  }
  return seen;
}

describe('clusterchaos accept --target powershell --rehearse (real PowerShell against the rehearsal lab)', function () {
  this.timeout(600_000);

  describe('the whole suite on a sound lab cluster', () => {
    let r: Rehearsal;
    let out: string;
    before(async () => {
      out = join(tmp(), 'out');
      r = await rehearse(accept('--allowlist', ALLOW, '--out', out));
    });

    it('passes every case, one per node and per VM, each a passing testcase in junit.xml', () => {
      expect(r.lastLine, r.stdout + r.stderr).to.equal('acceptance: pass — 8 of 8 cases passed (4 specs)');
      expect(r.code).to.equal(0);
      expect(r.stdout).to.include('on the rehearsal lab, through real PowerShell');
      expect(r.stdout).to.include('8 cases, impairs no further node once a drain or a kill failed (--no-bail to go on):');
      expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(/<testsuites [^>]*tests="8" failures="0" errors="0" skipped="0"/);
    });

    it('reads the cluster and its configuration first, read-only, then drains, moves and kills through the ClusterChaos module', () => {
      const o = mutating(r);
      expect(r.ops.indexOf('read-configuration')).to.be.lessThan(r.ops.indexOf(o[0]!));
      // a lab for the read-only fit check, one for the configuration spec, one per generated run (3 drains, 1 tour, 3 kills)
      expect(r.labs).to.equal(9);
      for (const lab of [1, 2]) expect(r.calls.filter((c) => c.lab === lab && changesCluster(c)), `lab ${lab}`).to.deep.equal([]);
      const calls = (op: string): string[] => r.sent.filter((s) => s.op === op).map((s) => s.call);
      expect(calls('suspend-node')).to.have.length(3);
      for (const node of ['N1', 'N2', 'N3']) expect(calls('suspend-node').join('\n')).to.include(`-Node '${node}'`);
      expect(calls('live-migrate')).to.deep.equal(['N3', 'N1', 'N2'].map((n) => `Move-ClusterChaosVm -Cluster 'HVCLUSTER01' -Vm 'sql01' -Node '${n}'`));
      expect(calls('kill-clussvc')).to.deep.equal(['N1', 'N2', 'N3'].map((n) => `Stop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node '${n}'`));
      // every run scanned for residue at its end, and found none
      expect(r.ops.filter((op) => op === 'residue')).to.have.length(7);
      expect(r.stdout.match(/^ {10}residue: clean/gm)).to.have.length(7);
      for (const run of ['drain-N1', 'drain-N2', 'drain-N3', 'migrate-sql01', 'resiliency-N1', 'resiliency-N2', 'resiliency-N3']) {
        expect(JSON.parse(readFileSync(join(out, `short-acceptance-${run}`, 'summary.json'), 'utf8')).residue, run).to.deep.equal({ clean: true, findings: [] });
      }
    });

    it('saw what the models expect: N2 Isolated and its CSV-backed VM PausedCritical after the kill, then whole again', () => {
      const trace = join(out, 'short-acceptance-resiliency-N2', 'trace.ndjson');
      const node = statesSeen(trace, 'node/N2');
      const vm = statesSeen(trace, 'vm/sql01');
      expect(node[0]).to.equal('Up');
      expect(node).to.include('Down+Isolated');
      expect(node.at(-1)).to.equal('Up');
      expect(vm.slice(1, -1)).to.include('PausedCritical');
      expect([vm[0], vm.at(-1)]).to.deep.equal(['Running', 'Running']);
      // and the drain of N2 moved sql01 away and back
      const drained = readFileSync(join(out, 'short-acceptance-drain-N2', 'trace.ndjson'), 'utf8');
      const owners = drained.trimEnd().split('\n').map((l) => JSON.parse(l)).filter((x) => x.type === 'observe' && x.entity === 'vm/sql01').map((x) => x.state.OwnerNode);
      expect(owners[0]).to.equal('N2');
      expect(owners).to.include('N1');
      expect(owners.at(-1)).to.equal('N2');
    });
  });

  it('fails at the configuration check when the SharedStoragePath is gone (--defect missing-shared-storage-path), and changes nothing', async () => {
    const out = join(tmp(), 'out');
    const r = await rehearse(accept('--allowlist', ALLOW, '--out', out, '--defect', 'missing-shared-storage-path'));
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — the configuration is sound (HVCLUSTER01) failed first (0 of 8 cases passed, 7 not attempted)');
    expect(r.stdout).to.include(String.raw`The cluster's SharedStoragePath C:\ClusterStorage\Volume1\SharedStoragePath does not exist`);
    expect(r.stdout).to.include('Get-VMHostCluster -ClusterName HVCLUSTER01');
    expect(r.stdout).to.include('--defect missing-shared-storage-path');
    expect(r.ops).to.include('read-configuration');
    expect(mutating(r)).to.deep.equal([]);
    expect(r.calls.filter(changesCluster)).to.deep.equal([]);
    expect(r.calls.map((c) => c.command)).to.include('Test-Path');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(/<testsuites [^>]*tests="8" failures="1" errors="0" skipped="7"/);
  });

  it('by default drains and kills no further node once a drain failed (the VM failed over), but still moves the VM; exit 1', async () => {
    // failover-instead-of-drain: the drain of N2 fails sql01 over (Starting on N1) instead of live-migrating it
    const out = join(tmp(), 'out');
    const r = await rehearse(accept('--allowlist', ALLOW, '--out', out, '--defect', 'failover-instead-of-drain'));
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — N2 drains and resumes with its VMs back failed first (3 of 8 cases passed, 4 not attempted)');
    // N1 and N2 drained, the tour of sql01 made, and nothing more: N3 neither drained nor killed, no clussvc killed at all
    const suspended = r.sent.filter((x) => x.op === 'suspend-node').map((x) => x.call);
    expect(suspended).to.have.length(2);
    expect(suspended.join('\n')).to.not.include("-Node 'N3'");
    expect(r.ops.filter((op) => op === 'live-migrate')).to.have.length(3);
    expect(r.ops).to.not.include('kill-clussvc');
    expect(r.calls.map((c) => c.command)).to.not.include('Stop-Process');
    expect(readdirSync(out).filter((f) => f.startsWith('short-acceptance-')).sort()).to.deep.equal([
      'short-acceptance-drain-N1',
      'short-acceptance-drain-N2',
      'short-acceptance-migrate-sql01',
    ]);
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml).to.match(/<testsuites [^>]*tests="8" failures="1" errors="0" skipped="4"/);
    expect(xml).to.match(/<testcase classname="every node drains and resumes with its VMs back" name="N2" [^>]*>\s*<failure message="N2 drains and resumes with its VMs back: /);
    expect(xml).to.match(/<testcase classname="every VM live-migrates to every node" name="sql01" [^>]*>\s*<system-out>/);
    const why = 'not attempted: N2 drains and resumes with its VMs back failed first; on a real cluster the suite impairs no further node after a drain or a kill failed (--no-bail to go on)';
    for (const [spec, node] of [['every node drains and resumes with its VMs back', 'N3'], ...['N1', 'N2', 'N3'].map((n) => ['Compute Resiliency holds, one node at a time', n])]) {
      expect(xml).to.match(new RegExp(`<testcase classname="${spec}" name="${node}" time="0.000">\\s*<skipped message="${why.replace(/[()]/g, '\\$&')}"/>`));
    }
    expect(r.stdout).to.include(`    [4/8] N3 drains and resumes with its VMs back: not attempted\n        ${why}\n`);
  });

  it('on Ctrl-C during a drain resumes the node, scans for residue, starts no further run and exits 3', async () => {
    const out = join(tmp(), 'out');
    let pressed = false;
    const r = await rehearse(accept('--allowlist', ALLOW, '--out', out), {
      onOp: (sent, interrupt) => {
        if (sent.op === 'suspend-node' && !pressed) {
          pressed = true;
          interrupt();
        }
      },
    });
    expect(pressed).to.equal(true);
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.lastLine).to.match(/^acceptance: unknown — interrupted \(Ctrl-C\) after 1 of 8 cases passed/);
    // the drain was undone (Resume-ClusterNode on N1, its revert), the residue scanned clean, nothing else injected
    expect(r.ops.slice(r.ops.indexOf('suspend-node'))).to.include.members(['resume-node', 'residue']);
    expect(r.ops.filter((op) => op === 'suspend-node')).to.have.length(1);
    expect(r.ops).to.not.include('live-migrate');
    expect(r.ops).to.not.include('kill-clussvc');
    const changes = r.calls.filter(changesCluster).map((c) => `${c.command} ${[c.parameters.Name].flat().join(', ')}`);
    expect(changes).to.deep.equal(['Suspend-ClusterNode N1', 'Resume-ClusterNode N1']);
    expect(r.stdout).to.include('residue: clean');
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml).to.match(/<testsuites [^>]*tests="8" failures="1" errors="0" skipped="6"/);
    expect(xml).to.include('<skipped message="not attempted: interrupted (Ctrl-C)"/>');
  });

  it('refuses to start when a node crashed twice this hour: one more kill would quarantine it (event 1135 read first, read-only)', async () => {
    // A lab holds its history only while it is open, and each `clusterchaos accept` opens its own: so this is the
    // check accept makes before anything (checkFitsCluster with every generated run, no node may be quarantined),
    // in-process, on a lab where clussvc on N2 was killed twice through the real target.
    const base = loadExperiment(join(ROOT, EXPERIMENT), { sets: [], settings: settingDefinitions, faults });
    const { entry } = consent(base, ALLOW);
    const target = (await powerShellTargetFor(base, { log: pino({ level: 'silent' }), rehearse: { defects: [] } })).target as RehearsalTarget;
    try {
      for (let crash = 1; crash <= 2; crash++) {
        await target.killClusterService('N2');
        let left = false;
        for (let s = 0; s < 60; s++) {
          await target.sleep(1000);
          const state = (await target.poll()).nodes.N2?.State;
          if (state !== 'Up') left = true;
          else if (left) break;
        }
        expect(left, `crash ${crash}`).to.equal(true);
      }
      const checked = target.lab.calls().length;
      const plan = acceptancePlan(base);
      const e = await checkFitsCluster(target, base, [...plan.drains, ...plan.migrations, ...plan.resiliency], { entry, noQuarantine: true }).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(BlastRadiusError);
      const message = (e as Error).message;
      expect(message).to.include('the run short-acceptance-resiliency-N2, step 1 (kill-clussvc N2)');
      expect(message).to.include('expected no node reaching QuarantineThreshold (3 ungraceful exits within 3600 s)');
      expect(message).to.match(/N2 already left the cluster ungracefully 2 times in the last 3600 s \(event 1135 at \S+, \S+\)/);
      const reads = target.lab.calls().slice(checked);
      expect(reads.map((c) => c.command)).to.include('Get-WinEvent');
      expect(reads.filter((c) => changesCluster({ lab: 1, ...c }))).to.deep.equal([]);
    } finally {
      await target.close();
    }
  });

  it('refuses a cluster whose allowlist entry does not allow drains: exit 2, no PowerShell started', async () => {
    const narrow = join(tmp(), 'allow.yaml');
    writeFileSync(narrow, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, live-migrate]\n');
    const out = join(tmp(), 'out');
    const trap = trapPwsh();
    const r = await rehearse(accept('--allowlist', narrow, '--out', out), { env: trap.env });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('drain-node');
    expect(r.stderr).to.include('nothing was done to any cluster');
    expect(r.ops).to.deep.equal([]);
    expect(r.labs).to.equal(0);
    expect(trap.started()).to.equal(false);
    expect(existsSync(out)).to.equal(false);
  });

  it('checks the configuration alone (--spec configuration) with read-only commands, under an entry that allows no drain', async () => {
    const narrow = join(tmp(), 'allow.yaml');
    writeFileSync(narrow, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc]\n');
    const out = join(tmp(), 'out');
    const r = await rehearse(accept('--allowlist', narrow, '--spec', 'configuration', '--out', out));
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.lastLine).to.equal('acceptance: pass — 1 of 1 cases passed (1 spec)');
    expect(r.ops).to.include('read-configuration');
    expect(mutating(r)).to.deep.equal([]);
    expect(r.calls.map((c) => c.command)).to.include.members(['Get-VMHostCluster', 'Test-Path', 'Get-VMHost', 'Get-VMHostSupportedVersion']);
    expect(r.calls.filter(changesCluster)).to.deep.equal([]);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(/<testsuites [^>]*tests="1" failures="0"/);
  });

  it('refuses an experiment whose VM the cluster does not have: exit 2, read-only commands only, no folder written', async () => {
    const file = join(tmp(), 'ghost.yaml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, EXPERIMENT), 'utf8').replace(
        '    - { name: sql01, owner: N2, storage: csv-block, memoryGB: 1, version: "9.0" }',
        '    - { name: sql01, owner: N2, storage: csv-block, memoryGB: 1, version: "9.0" }\n    - { name: ghost01, owner: N3, storage: smb, memoryGB: 1 }',
      ),
    );
    const out = join(tmp(), 'out');
    const r = await rehearse(['accept', '--target', 'powershell', '--rehearse', '--yes', '--experiment', file, '--allowlist', ALLOW, '--out', out], { lab: { withoutVms: ['ghost01'] } });
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.include('the cluster HVCLUSTER01 has no VM ghost01');
    expect(r.lastLine).to.equal('acceptance: not run — bad input');
    expect(r.ops).to.include('poll');
    expect(mutating(r)).to.deep.equal([]);
    expect(r.calls.filter(changesCluster)).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it("refuses half of a real cluster's credential: exit 2, no PowerShell started", async () => {
    const out = join(tmp(), 'out');
    const trap = trapPwsh();
    const r = await rehearse(['accept', '--target', 'powershell', '--yes', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--out', out], {
      env: { ...trap.env, CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: '' },
    });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD go together');
    expect(r.ops).to.deep.equal([]);
    expect(trap.started()).to.equal(false);
    expect(existsSync(out)).to.equal(false);
  });

  it('prints the runs and the exact PowerShell for --dry-run, and sends nothing', async () => {
    const trap = trapPwsh();
    const r = await rehearse(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--dry-run'], { env: trap.env });
    expect(r.code, r.stderr).to.equal(3);
    expect(r.lastLine).to.equal('acceptance: not run — dry run, nothing was done');
    expect(r.stdout).to.include("the configuration is read with one read-only script:\n  # clusterchaos read-configuration\n  Get-ClusterChaosConfiguration -Cluster 'HVCLUSTER01'\n");
    expect(r.stdout).to.match(/run short-acceptance-drain-N1:\n {6}drain-node \{"node":"N1"\}, then observe 2 s\n/);
    expect(r.stdout).to.include("Suspend-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N1' -Drain:$true");
    expect(r.stdout).to.include("Move-ClusterChaosVm -Cluster 'HVCLUSTER01' -Vm 'sql01' -Node 'N3'");
    expect(r.stdout).to.include("Stop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N3'");
    expect(r.stdout).to.include('  Once a drain or a kill fails, no further node is drained or killed (--no-bail to go on); the live migrations still run.\n');
    expect(r.ops).to.deep.equal([]);
    expect(trap.started()).to.equal(false);
    const goOn = await rehearse(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--dry-run', '--no-bail'], { env: trap.env });
    expect(goOn.code, goOn.stderr).to.equal(3);
    expect(goOn.stdout).to.not.include('no further node is drained or killed');
    expect(trap.started()).to.equal(false);
  });
});
