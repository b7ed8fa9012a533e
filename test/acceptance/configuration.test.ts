import { expect } from 'chai';
import { configurationProblems } from '../../src/acceptance/configuration.js';
import { acceptancePlan } from '../../src/acceptance/plan.js';
import { ANSWER_BEGIN, ANSWER_END, parseConfiguration, PowerShellOutputError } from '../../src/targets/powershell/parse.js';
import { createSimTarget } from '../../src/targets/sim/index.js';
import type { ClusterConfiguration } from '../../src/targets/target.js';
import { load, shipped } from '../experiment/helpers.js';

const PATH = String.raw`C:\ClusterStorage\Volume1\Hyper-V\Shared`;

function sound(): ClusterConfiguration {
  return {
    sharedStoragePath: { path: PATH, exists: true },
    hosts: ['N1', 'N2', 'N3'].map((node) => ({ node, liveMigrationEnabled: true, maximumMigrations: 2, transport: 'Compression' })),
    vms: [
      { name: 'dc01', version: '9.0' },
      { name: 'sql01', version: '8.0' },
    ],
    supportedVersions: ['8.0', '9.0'],
  };
}

describe('pre-upgrade acceptance: the configuration check', () => {
  it('finds nothing wrong with a sound configuration, or one without a SharedStoragePath', () => {
    expect(configurationProblems(sound(), 'HVCLUSTER01')).to.deep.equal([]);
    const { sharedStoragePath: _, ...none } = sound();
    expect(configurationProblems(none, 'HVCLUSTER01')).to.deep.equal([]);
  });

  it('names a missing SharedStoragePath, what it breaks and both ways to fix it (lab-observations §5)', () => {
    const problems = configurationProblems({ ...sound(), sharedStoragePath: { path: PATH, exists: false } }, 'HVCLUSTER01');
    expect(problems).to.have.length(1);
    for (const words of [PATH, 'Get-VMHostCluster -ClusterName HVCLUSTER01', '21502', '0x80070002', '0x80070032', 'recreate a (small) CSV', 'ConfigStoreRootPath', 'stopped on all nodes']) {
      expect(problems[0]).to.include(words);
    }
  });

  it('names the nodes whose live-migration settings differ', () => {
    const config = sound();
    config.hosts[1]!.transport = 'SMB';
    config.hosts[2]!.maximumMigrations = 4;
    const problems = configurationProblems(config, 'X');
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include('Compression on N1, N3; SMB on N2');
    expect(problems[1]).to.include('MaximumVirtualMachineMigrations differs between the nodes: 2 on N1, N2; 4 on N3');
  });

  it("does not fail a clustered host whose own live-migration switch is off: the cluster migrates through the VM's resource (review R8)", () => {
    const config = sound();
    config.hosts[2]!.liveMigrationEnabled = false;
    expect(configurationProblems(config, 'X')).to.deep.equal([]);
  });

  it('names the VMs whose configuration version the hosts do not support', () => {
    const problems = configurationProblems({ ...sound(), vms: [{ name: 'old01', version: '5.0' }, { name: 'dc01', version: '9.0' }] }, 'X');
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include('old01 (5.0)').and.include('8.0, 9.0').and.include('Update-VMVersion').and.not.include('dc01');
  });

  it('says a VM newer than the hosts run was made on a newer Windows Server, comparing versions as numbers (10.0 > 9.0)', () => {
    const problems = configurationProblems({ ...sound(), vms: [{ name: 'new01', version: '10.0' }] }, 'X');
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include('new01 (10.0)').and.include('newer than the hosts run').and.not.include('Update-VMVersion');
  });

  it('names the VMs that will not start on the Windows Server of the upgrade (2022 and 2025 run 8.0 and later)', () => {
    const config = { ...sound(), vms: [{ name: 'old01', version: '7.1' }, { name: 'dc01', version: '8.0' }, { name: 'sql01', version: '9.0' }], supportedVersions: ['5.0', '7.1', '8.0', '9.0'] };
    expect(configurationProblems(config, 'X')).to.deep.equal([]);
    expect(configurationProblems(config, 'X', '2019')).to.deep.equal([]);
    for (const release of ['2022', '2025'] as const) {
      const problems = configurationProblems(config, 'X', release);
      expect(problems, release).to.have.length(1);
      expect(problems[0]).to.include(`old01 (7.1) will not start on Windows Server ${release} nodes`).and.include('Update-VMVersion').and.not.include('dc01');
    }
    expect(configurationProblems({ ...config, vms: [{ name: 'sql01', version: '9.0' }] }, 'X', '2016')[0]).to.include('sql01 (9.0) will not run on Windows Server 2016 nodes either (they run 5.0 to 8.0)');
  });
});

describe('pre-upgrade acceptance: the simulator reads its configuration', () => {
  const e = load(shipped('pre-upgrade.yaml'));
  const read = (defects: string[] = []) => createSimTarget({ cluster: e.cluster, simulator: e.simulator, seed: 1, defects }).readConfiguration();

  it('has an existing SharedStoragePath, every node with the same settings, every VM version supported', async () => {
    const c = await read();
    expect(c.sharedStoragePath).to.deep.equal({ path: PATH, exists: true });
    expect(c.hosts.map((h) => h.node)).to.deep.equal(e.cluster.nodes);
    expect(c.hosts[0]).to.deep.equal({ node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 'Compression' });
    expect(c.vms.map(({ name, version }) => ({ name, version }))).to.deep.include({ name: 'file01', version: '8.0' });
    expect(configurationProblems(c, e.cluster.name)).to.deep.equal([]);
  });

  it('gives a VM without a version "9.0", and loses the SharedStoragePath under missing-shared-storage-path', async () => {
    const c = await createSimTarget({ cluster: { ...e.cluster, vms: [{ name: 'v', owner: 'N1', storage: 'smb', memoryGB: 1 }] }, simulator: e.simulator, seed: 1 }).readConfiguration();
    expect(c.vms).to.deep.equal([{ name: 'v', version: '9.0', priority: 2000, antiAffinityClassNames: [], preferredOwners: [] }]);
    expect((await read(['missing-shared-storage-path'])).sharedStoragePath).to.deep.equal({ path: PATH, exists: false });
  });
});

/** The module's answer as it prints it: the JSON between its frame lines. */
const framed = (json: unknown): string => `${ANSWER_BEGIN}\n${JSON.stringify(json)}\n${ANSWER_END}`;

describe('pre-upgrade acceptance: the PowerShell answer', () => {
  it('parses read-configuration, a list of one as PowerShell 5.1 prints it, and no SharedStoragePath', () => {
    const c = parseConfiguration(
      framed({
        sharedStoragePath: PATH,
        sharedStoragePathExists: false,
        hosts: { node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 'SMB' },
        vms: [{ name: 'dc01', version: '9.0' }],
        supportedVersions: ['8.0', '9.0'],
      }),
    );
    expect(c).to.deep.equal({
      sharedStoragePath: { path: PATH, exists: false },
      hosts: [{ node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 'SMB' }],
      vms: [{ name: 'dc01', version: '9.0' }],
      supportedVersions: ['8.0', '9.0'],
    });
    const none = parseConfiguration(framed({ sharedStoragePath: '', sharedStoragePathExists: false, hosts: [], vms: [], supportedVersions: [] }));
    expect(none).to.not.have.property('sharedStoragePath');
  });

  it('refuses an enum given as an integer and a version given as a number', () => {
    const base = { sharedStoragePath: null, sharedStoragePathExists: false, vms: [], supportedVersions: [] };
    expect(() => parseConfiguration(framed({ ...base, hosts: [{ node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 1 }] }))).to.throw(PowerShellOutputError, /transport/);
    expect(() => parseConfiguration(framed({ ...base, hosts: [], supportedVersions: [9] }))).to.throw(PowerShellOutputError, /supportedVersions\[0\]/);
  });
});

describe('pre-upgrade acceptance: the generated runs', () => {
  const e = load(shipped('pre-upgrade.yaml'));
  const plan = acceptancePlan(e);

  it('drains and resumes each node in its own run, and kills clussvc on each node in its own run', () => {
    expect(plan.drains.map((x) => x.method.filter((s) => s.kind === 'fault').map((s) => s.kind === 'fault' && `${s.fault} ${JSON.stringify(s.params)}`))).to.deep.equal(
      e.cluster.nodes.map((node) => [`drain-node {"node":"${node}"}`, `resume-node {"node":"${node}","failback":true}`]),
    );
    expect(plan.resiliency.map((x) => x.method[0])).to.deep.equal(e.cluster.nodes.map((node) => ({ kind: 'fault', fault: 'kill-clussvc', params: { node } })));
  });

  it('takes every VM to every other node and home again, each VM in its own run', () => {
    expect(plan.migrations).to.have.length(e.cluster.vms.length);
    for (const [i, vm] of e.cluster.vms.entries()) {
      const moves = plan.migrations[i]!.method.flatMap((s) => (s.kind === 'fault' ? [s.params as { vm: string; to: string }] : []));
      expect(new Set(moves.map((m) => m.vm))).to.deep.equal(new Set([vm.name]));
      const tour = moves.map((m) => m.to);
      expect([...tour].sort()).to.deep.equal([...e.cluster.nodes].sort());
      expect(tour[tour.length - 1]).to.equal(vm.owner);
    }
  });
});
