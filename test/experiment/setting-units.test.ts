import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { trapPwsh } from '../helpers/rehearse-cli.js';
import { errorLines, experimentFile, load, shipped } from './helpers.js';

const flagship = shipped('compute-resiliency.yaml');

const doc = (settings: string, cluster = ''): string =>
  `title: units\ncluster:\n  nodes: [N1, N2, N3]\n${cluster}settings:\n${settings}method:\n  - wait: 1s\n`;

describe('settings written with units and names', () => {
  it("takes a duration in the setting's own unit and a value's name, and gives the run the numbers", () => {
    const e = load(
      experimentFile(
        doc(
          '  ResiliencyDefaultPeriod: 4m\n  QuarantineDuration: 2h\n  SameSubnetDelay: 1s\n  ResiliencyLevel: IsolateOnSpecialHeartbeat\n  ClussvcFirstFailureAction: None\n  DrainWithin: 1m30s\n  QuarantineThreshold: 2\n',
        ),
      ),
    );
    expect(e.settings).to.deep.equal({
      ResiliencyDefaultPeriod: 240,
      QuarantineDuration: 7200,
      SameSubnetDelay: 1000,
      ResiliencyLevel: 1,
      ClussvcFirstFailureAction: 0,
      DrainWithin: 90,
      QuarantineThreshold: 2,
    });
    expect(load(experimentFile(doc('  ResiliencyDefaultPeriod: 240s\n  ResiliencyLevel: AlwaysIsolate\n'))).settings).to.deep.equal({ ResiliencyDefaultPeriod: 240, ResiliencyLevel: 2 });
  });

  it('takes them through --set too', () => {
    expect(load(flagship, { sets: ['settings.ResiliencyDefaultPeriod=4m', 'settings.SameSubnetDelay=2s', 'settings.ResiliencyLevel=AlwaysIsolate'] }).settings).to.include({
      ResiliencyDefaultPeriod: 240,
      SameSubnetDelay: 2000,
      ResiliencyLevel: 2,
    });
  });

  it('refuses a duration out of range, one that is not a whole number of the unit, a word and a misspelt name, each at its line and column', () => {
    const f = experimentFile(doc('  SameSubnetDelay: 5s\n  QuarantineDuration: 1500ms\n  ResiliencyDefaultPeriod: 4 minutes\n  ResiliencyLevel: AlwaysIsolat\n  JoinTakesAtLeast: 1h\n'));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:20: settings.SameSubnetDelay: expected an integer number of milliseconds from 250 to 4000, or a duration such as 1s or 500ms, found "5s" (5000 milliseconds). Write a value from 250 to 4000 milliseconds.`,
      `${f}:6:23: settings.QuarantineDuration: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found "1500ms", which is not a whole number of seconds. Write a whole number of seconds, e.g. 2s.`,
      `${f}:7:28: settings.ResiliencyDefaultPeriod: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found "4 minutes". Write a whole number of seconds, or a duration: a whole number with its unit (ms, s, m or h), without spaces.`,
      `${f}:8:20: settings.ResiliencyLevel: expected an integer level, one of 1, 2, or its name: IsolateOnSpecialHeartbeat (1), AlwaysIsolate (2), found "AlwaysIsolat". Did you mean "AlwaysIsolate"? ResiliencyLevel: 1 = IsolateOnSpecialHeartbeat, 2 = AlwaysIsolate: when a node that lost membership is kept Isolated instead of going Down.`,
      `${f}:9:21: settings.JoinTakesAtLeast: expected an integer number of seconds from 0 to 600, or a duration such as 4m or 240s, found "1h" (3600 seconds). Write a value from 0 to 600 seconds.`,
    ]);
  });

  it('refuses a name on a setting without names, and a duration on a count', () => {
    const f = experimentFile(doc('  QuarantineThreshold: 3m\n  QuarantineAtCap: Down\n'));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:24: settings.QuarantineThreshold: expected an integer count from 0 to 4294967295, found "3m".`,
      `${f}:6:20: settings.QuarantineAtCap: expected an integer level, one of 1, 2, found "Down". QuarantineAtCap: What happens to a node that reaches QuarantineThreshold while the quarantine cap is reached: 1 = it is Isolated as after any ungraceful exit, 2 = it is declared Down. Not a Get-Cluster property: exposed by the simulator.`,
    ]);
  });

  describe('clusterchaos', function () {
    this.timeout(120_000);

    it('exits 2 on a bad value, naming the flag, what it takes and what to do', () => {
      const r = cli(['run', 'experiments/compute-resiliency.yaml', '--set', 'settings.ResiliencyDefaultPeriod=4 min']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(
        'experiments/compute-resiliency.yaml: --set settings.ResiliencyDefaultPeriod=4 min: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found "4 min". Write a whole number of seconds, or a duration',
      );
    });

    it('runs with a duration and a name, and its trace header keeps the numbers', () => {
      const out = mkdtempSync(join(tmpdir(), 'clusterchaos-units-'));
      const r = cli(['run', 'experiments/compute-resiliency.yaml', '--set', 'settings.ResiliencyDefaultPeriod=1m', '--set', 'settings.ResiliencyLevel=AlwaysIsolate', '--out', out]);
      expect(r.lastLine, r.stderr).to.match(/^verdict: pass/);
      const header = JSON.parse(readFileSync(join(out, 'trace.ndjson'), 'utf8').split('\n')[0]!);
      expect(header.settings).to.include({ ResiliencyDefaultPeriod: 60, ResiliencyLevel: 2 });
      expect(readdirSync(out)).to.include('report.html');
    });

    it("'list settings' shows each setting's unit, default and names", () => {
      const r = cli(['list', 'settings']);
      expect(r.code).to.equal(0);
      const lines = r.stdout.split('\n');
      const at = (name: string): string => lines.slice(lines.findIndex((l) => l.startsWith(`${name} `))).slice(0, 2).join('\n');
      expect(at('ResiliencyDefaultPeriod')).to.match(/^ResiliencyDefaultPeriod +default 240 s \(4m\) +\(cluster\) How long a node/);
      expect(at('ResiliencyDefaultPeriod')).to.include('takes an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s.');
      expect(at('QuarantineDuration')).to.match(/default 7200 s \(2h\)/);
      expect(at('SameSubnetDelay')).to.match(/default 1000 ms \(1s\)[\s\S]*takes an integer number of milliseconds from 250 to 4000, or a duration such as 1s or 500ms\./);
      expect(at('ResiliencyLevel')).to.match(/default 2 \(AlwaysIsolate\)[\s\S]*takes an integer level, one of 1, 2, or its name: IsolateOnSpecialHeartbeat \(1\), AlwaysIsolate \(2\)\./);
      expect(at('ClussvcFirstFailureAction')).to.match(/default 1 \(Restart\)[\s\S]*or its name: None \(0\), Restart \(1\)\./);
    });
  });
});

describe('host versions', () => {
  for (const release of ['2016', '2019', '2022', '2025']) {
    it(`takes hostVersion ${release}, written as a number or in quotes, and simulates it as Windows Server 2012 R2 and later`, () => {
      expect(load(experimentFile(doc('', `  hostVersion: ${release}\n`))).cluster.hostVersion).to.equal('2012R2+');
      expect(load(experimentFile(doc('', `  hostVersion: '${release}'\n`))).cluster.hostVersion).to.equal('2012R2+');
    });
  }

  it('keeps 2008R2 as a behaviour of its own (one migration at a time, ten pre-copy passes)', () => {
    expect(load(experimentFile(doc('', '  hostVersion: 2008R2\n'))).cluster.hostVersion).to.equal('2008R2');
  });

  it("refuses a VM whose configuration version the hosts' release does not run, at its line, naming the releases that do", () => {
    const vms = (version: string) => `  vms:\n    - { name: sql01, owner: N1, storage: smb, version: "${version}" }\n`;
    const f = experimentFile(doc('', `  hostVersion: 2016\n${vms('9.0')}`));
    expect(errorLines(f)).to.deep.equal([
      `${f}:6:56: cluster.vms[0].version: expected a configuration version Windows Server 2016 hosts run: 5.0 to 8.0 (Get-VMHostSupportedVersion), found "9.0". Write the VM's version as Get-VM shows it, or the hosts' release as cluster.hostVersion: 9.0 runs on 2019, 2022, 2025.`,
    ]);
    const old = experimentFile(doc('', `  hostVersion: 2022\n${vms('5.0')}`));
    expect(errorLines(old)[0]).to.include('expected a configuration version Windows Server 2022 hosts run: 8.0 to 10.0 (Get-VMHostSupportedVersion), found "5.0".');
    expect(load(experimentFile(doc('', `  hostVersion: 2025\n${vms('12.0')}`))).cluster.vms[0]!.version).to.equal('12.0');
    // 2012R2+ names no release: any version goes, as before
    expect(load(experimentFile(doc('', vms('9.0')))).cluster.vms[0]!.version).to.equal('9.0');
  });

  it('--target powershell plans a 2016 cluster and refuses a 2008 R2 one', function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-host-'));
    const allow = join(dir, 'allow.yaml');
    writeFileSync(allow, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc]\n');
    const trap = trapPwsh();
    const saved = { ...process.env };
    Object.assign(process.env, trap.env, { CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: 'S3cret-pa55' });
    try {
      const run = (version: string) => cli(['run', 'experiments/compute-resiliency.yaml', '--target', 'powershell', '--dry-run', '--allowlist', allow, '--set', `cluster.hostVersion=${version}`]);
      const modern = run('2016');
      expect(modern.lastLine, modern.stderr).to.equal('verdict: unknown — dry run, nothing was run');
      expect(modern.code).to.equal(3);
      const old = run('2008R2');
      expect(old.code).to.equal(2);
      expect(old.stderr).to.include('cluster.hostVersion is 2008R2, but --target powershell drives Windows Server 2016 and later');
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
