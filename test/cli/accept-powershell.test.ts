import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATING_OPS } from '../../src/targets/powershell/scripts.js';
import { ROOT } from '../helpers/cli.js';
import { ops, run, tmp, type Run } from '../helpers/pwsh-cli.js';

/**
 * `clusterchaos accept --target powershell` through node-powershell and the fake pwsh, which serves the lab of
 * test/powershell/fixtures/acceptance-cluster.json in real time: three nodes, one CSV-backed VM, fast heartbeats.
 */
const EXPERIMENT = 'test/powershell/fixtures/short-acceptance.yaml';
const CLUSTER = join(ROOT, 'test/powershell/fixtures/acceptance-cluster.json');
const ALLOW = join(tmp(), 'allow.yaml');
writeFileSync(ALLOW, 'clusters:\n  - name: HVLAB01\n    faults: [kill-clussvc, live-migrate, drain-node, resume-node]\n    max-impaired-nodes: 1\n');

const mutating = (r: Run): string[] => ops(r).filter((op) => (MUTATING_OPS as ReadonlySet<string>).has(op));

/** The fake lab with these defect profiles (the simulator behind the fake pwsh misbehaves as a real cluster might). */
function labWith(defects: string[]): string {
  const file = join(tmp(), 'cluster.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(CLUSTER, 'utf8')), defects }));
  return file;
}

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

describe('clusterchaos accept --target powershell (through the fake pwsh)', function () {
  this.timeout(180_000);

  describe('the whole suite on a sound lab cluster', () => {
    let r: Run;
    let out: string;
    before(async () => {
      out = join(tmp(), 'out');
      // one cluster for the whole suite, as a real one would be (the fake keeps its state between sessions)
      r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--out', out], {
        env: { FAKE_PWSH_CLUSTER: CLUSTER, FAKE_PWSH_STATE: join(tmp(), 'cluster.state') },
      });
    });

    it('passes every spec, with one passing testcase each in junit.xml', () => {
      expect(r.lastLine, r.stdout + r.stderr).to.equal('acceptance: pass — 4 of 4 specs passed');
      expect(r.code).to.equal(0);
      expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(/<testsuites [^>]*tests="4" failures="0" errors="0" skipped="0"/);
    });

    it('reads the configuration first, read-only, then drains, moves and kills through the PowerShell scripts', () => {
      const o = mutating(r);
      expect(ops(r).indexOf('read-configuration')).to.be.lessThan(ops(r).indexOf(o[0]!));
      expect(o.filter((op) => op === 'suspend-node')).to.have.length(3);
      expect(o.filter((op) => op === 'live-migrate')).to.have.length(3);
      expect(o.filter((op) => op === 'kill-clussvc')).to.have.length(3);
      // every run scanned for residue at its end, and found none
      expect(ops(r).filter((op) => op === 'residue')).to.have.length(7);
      for (const run of ['drain-N2', 'migrations', 'resiliency-N2']) {
        expect(JSON.parse(readFileSync(join(out, `short-acceptance-${run}`, 'summary.json'), 'utf8')).residue).to.deep.equal({ clean: true, findings: [] });
      }
    });

    it('saw what the models expect: N2 Isolated and its CSV-backed VM PausedCritical after the kill, then whole again', () => {
      // in real time a poll every 250 ms may miss a short state (RunningCritical, Joining); these last seconds
      const trace = join(out, 'short-acceptance-resiliency-N2', 'trace.ndjson');
      const node = statesSeen(trace, 'node/N2');
      const vm = statesSeen(trace, 'vm/sql01');
      expect(node[0]).to.equal('Up');
      expect(node).to.include('Down+Isolated');
      expect(node.at(-1)).to.equal('Up');
      expect(vm.slice(1, -1)).to.include('PausedCritical');
      expect([vm[0], vm.at(-1)]).to.deep.equal(['Running', 'Running']);
    });
  });

  it('fails at the configuration check when the SharedStoragePath is gone, and changes nothing on the cluster', async () => {
    const out = join(tmp(), 'out');
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--out', out], {
      env: { FAKE_PWSH_CLUSTER: labWith(['missing-shared-storage-path']) },
    });
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.lastLine).to.equal('acceptance: fail — the configuration is sound failed first (0 of 4 passed)');
    expect(r.stdout).to.include(String.raw`SharedStoragePath C:\ClusterStorage\Volume1\Hyper-V\Shared does not exist`);
    expect(r.stdout).to.include('Get-VMHostCluster -ClusterName HVLAB01');
    expect(ops(r)).to.include('read-configuration');
    expect(mutating(r)).to.deep.equal([]);
  });

  it('on Ctrl-C during a drain resumes the node, scans for residue, starts no further run and exits 3', async () => {
    const out = join(tmp(), 'out');
    let pressed = false;
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--out', out], {
      env: { FAKE_PWSH_CLUSTER: CLUSTER },
      onCommand: (op, interrupt) => {
        if (op === 'suspend-node' && !pressed) {
          pressed = true;
          interrupt();
        }
      },
    });
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.lastLine).to.match(/^acceptance: unknown — interrupted \(Ctrl-C\) after 1 of 4 specs passed/);
    const o = ops(r);
    // the drain was undone (Resume-ClusterNode, its revert), the residue scanned clean, nothing else injected
    expect(o.slice(o.indexOf('suspend-node'))).to.include.members(['resume-node', 'residue']);
    expect(o.filter((op) => op === 'suspend-node')).to.have.length(1);
    expect(o).to.not.include.members(['live-migrate']);
    expect(o).to.not.include('kill-clussvc');
    expect(r.stdout).to.include('residue: clean');
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml).to.match(/<testsuites [^>]*tests="4" failures="1" errors="0" skipped="2"/);
    expect(xml).to.include('<skipped message="not attempted: interrupted (Ctrl-C)"/>');
  });

  it('refuses to start when a node crashed twice this hour: one more kill would quarantine it (event 1135 read first)', async () => {
    const lab = { FAKE_PWSH_CLUSTER: CLUSTER, FAKE_PWSH_STATE: join(tmp(), 'cluster.state') };
    const crash = join(tmp(), 'crash-n2.yaml');
    writeFileSync(
      crash,
      readFileSync(join(ROOT, EXPERIMENT), 'utf8').replace('method:\n  - wait: 1s', 'method:\n  - fault: kill-clussvc\n    node: N2\n  - wait: 3s'),
    );
    for (const n of [1, 2]) {
      const crashed = await run(['run', crash, '--target', 'powershell', '--allowlist', ALLOW, '--out', join(tmp(), `crash-${n}`)], { env: lab });
      expect(crashed.code, crashed.stdout + crashed.stderr).to.equal(0);
    }
    const out = join(tmp(), 'out');
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--out', out], { env: lab });
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.include('expected no node reaching QuarantineThreshold (3 ungraceful exits within 3600 s)');
    expect(r.stderr).to.match(/N2 already left the cluster ungracefully 2 times in the last 3600 s \(event 1135 at \S+, \S+\)/);
    expect(ops(r)).to.include('events');
    expect(mutating(r)).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it('refuses a cluster whose allowlist entry does not allow drains: exit 2, no PowerShell started', async () => {
    const narrow = join(tmp(), 'allow.yaml');
    writeFileSync(narrow, 'clusters:\n  - name: HVLAB01\n    faults: [kill-clussvc, live-migrate]\n');
    const out = join(tmp(), 'out');
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', narrow, '--out', out], { env: { FAKE_PWSH_CLUSTER: CLUSTER } });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('drain-node');
    expect(r.stderr).to.include('nothing was done to any cluster');
    expect(r.commands).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it('checks the configuration alone (--spec configuration) with read-only commands, under an entry that allows no drain', async () => {
    const narrow = join(tmp(), 'allow.yaml');
    writeFileSync(narrow, 'clusters:\n  - name: HVLAB01\n    faults: [kill-clussvc]\n');
    const out = join(tmp(), 'out');
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', narrow, '--spec', 'configuration', '--out', out], { env: { FAKE_PWSH_CLUSTER: CLUSTER } });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.lastLine).to.equal('acceptance: pass — 1 of 1 specs passed');
    expect(ops(r)).to.include('read-configuration');
    expect(mutating(r)).to.deep.equal([]);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).to.match(/<testsuites [^>]*tests="1" failures="0"/);
  });

  it('refuses an experiment whose VM the cluster does not have: exit 2, read-only commands only, no folder written', async () => {
    const file = join(tmp(), 'ghost.yaml');
    writeFileSync(file, readFileSync(join(ROOT, EXPERIMENT), 'utf8').replace('    - { name: sql01, owner: N2, storage: csv-block, memoryGB: 1 }', '    - { name: sql01, owner: N2, storage: csv-block, memoryGB: 1 }\n    - { name: ghost01, owner: N3, storage: smb, memoryGB: 1 }'));
    const out = join(tmp(), 'out');
    const r = await run(['accept', '--target', 'powershell', '--experiment', file, '--allowlist', ALLOW, '--out', out], { env: { FAKE_PWSH_CLUSTER: CLUSTER } });
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.include('the cluster HVLAB01 has no VM ghost01');
    expect(ops(r)).to.include('poll');
    expect(mutating(r)).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it('refuses half a credential: exit 2, no PowerShell started', async () => {
    const out = join(tmp(), 'out');
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--out', out], {
      env: { FAKE_PWSH_CLUSTER: CLUSTER, CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: '' },
    });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD go together');
    expect(r.commands).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it('prints the runs and the exact PowerShell for --dry-run, and sends nothing', async () => {
    const r = await run(['accept', '--target', 'powershell', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--dry-run'], { env: { FAKE_PWSH_CLUSTER: CLUSTER } });
    expect(r.code).to.equal(3);
    expect(r.lastLine).to.equal('acceptance: not run — dry run, nothing was done');
    expect(r.stdout).to.include('Get-VMHostCluster -ClusterName $cluster');
    expect(r.stdout).to.match(/run short-acceptance-drain-N1:\n {6}drain-node \{"node":"N1"\}, then observe 1 s\n/);
    expect(r.stdout).to.include('Suspend-ClusterNode');
    expect(r.stdout).to.include('Move-ClusterVirtualMachineRole');
    expect(r.commands).to.deep.equal([]);
  });
});
