import { expect } from 'chai';
import type { FaultStep } from '../../src/experiment/types.js';
import { errorLines, experimentFile, load } from './helpers.js';
import { faults } from '../../src/faults/catalogue.js';
import { blastRadiusProblems } from '../../src/safety/blast-radius.js';

/** A three-node cluster with two VMs; `cluster` adds lines under cluster:, `vm` fields to sql01, `method` the steps. */
function doc(o: { cluster?: string; vm?: string; top?: string; method?: string } = {}): string {
  return [
    'title: T',
    'cluster:',
    '  nodes: [N1, N2, N3]',
    ...(o.cluster ? [o.cluster] : []),
    '  vms:',
    `    - { name: sql01, owner: N1, storage: csv-block${o.vm ?? ''} }`,
    '    - { name: web01, owner: N2, storage: smb }',
    ...(o.top ? [o.top] : []),
    'method:',
    o.method ?? '  - wait: 1s',
    '',
  ].join('\n');
}

describe('the live-migration network in the cluster section', () => {
  it('fills in the defaults: 2012R2+ hosts, 4 idle cores, Compression over one untuned 10 GbE NIC', () => {
    const e = load(experimentFile(doc()));
    expect(e.cluster.hostVersion).to.equal('2012R2+');
    expect(e.cluster.idleCpuCores).to.equal(4);
    expect(e.cluster.liveMigration).to.deep.equal({
      transport: 'Compression',
      nics: 1,
      nicGbps: 10,
      teaming: false,
      jumboFrames: false,
      powerProfile: 'balanced',
    });
  });

  it('reads every field, and keeps the defaults for those left out', () => {
    const e = load(
      experimentFile(
        doc({
          cluster: '  hostVersion: 2008R2\n  idleCpuCores: 0\n  liveMigration: { transport: SMBDirect, nics: 2, nicGbps: 25, jumboFrames: true, powerProfile: c-states-disabled }',
        }),
      ),
    );
    expect(e.cluster).to.deep.include({ hostVersion: '2008R2', idleCpuCores: 0 });
    expect(e.cluster.liveMigration).to.deep.equal({
      transport: 'SMBDirect',
      nics: 2,
      nicGbps: 25,
      teaming: false,
      jumboFrames: true,
      powerProfile: 'c-states-disabled',
    });
  });

  it('treats a liveMigration section with nothing under it as the defaults', () => {
    expect(load(experimentFile(doc({ cluster: '  liveMigration:' }))).cluster.liveMigration).to.include({ transport: 'Compression', nics: 1 });
  });

  it('can be changed with --set, as the catalogue experiments suggest', () => {
    const e = load(experimentFile(doc()), { sets: ['cluster.liveMigration.transport=SMB', 'cluster.liveMigration.nicGbps=1', 'cluster.hostVersion=2008R2'] });
    expect(e.cluster.liveMigration).to.include({ transport: 'SMB', nicGbps: 1, nics: 1 });
    expect(e.cluster.hostVersion).to.equal('2008R2');
  });

  it('refuses a host version, core count, transport, NIC count or speed, flag or power profile it cannot use, each at its place', () => {
    const f = experimentFile(
      doc({ cluster: '  hostVersion: 2020\n  idleCpuCores: -2\n  liveMigration: { transport: RDMA, nics: 0, nicGbps: 0, teaming: yes, powerProfile: max, speed: 10 }' }),
    );
    expect(errorLines(f)).to.deep.equal([
      `${f}:4:16: cluster.hostVersion: expected the hosts' Windows Server: 2008R2, 2012R2+, 2016, 2019, 2022, 2025, found 2020. 2008R2: at most 10 pre-copy passes and one live migration at a time per host (--target powershell refuses it). 2012R2+, 2016, 2019, 2022, 2025: 5 pre-copy passes and concurrent migrations, the same for every release since 2012 R2 as far as the sources go; --target powershell drives 2016 and later. A release runs only the VM configuration versions it supports (2016: 5.0–8.0, 2019: 5.0–9.0, 2022: 8.0–10.0, 2025: 8.0–12.0): a VM of another version is refused.`,
      `${f}:5:17: cluster.idleCpuCores: expected a whole number of idle CPU cores per host, from 0 to 1024, found -2. Compression needs idle cores; without them it falls back to TCP/IP.`,
      `${f}:6:31: cluster.liveMigration.transport: expected TCPIP, Compression, SMB or SMBDirect, found "RDMA". TCPIP: one TCP connection; Compression: the same with idle CPU compressing memory; SMB: SMB 3 over every NIC (Multichannel); SMBDirect: SMB over RDMA-capable NICs.`,
      `${f}:6:43: cluster.liveMigration.nics: expected a whole number of NICs per host from 1 to 16, found 0.`,
      `${f}:6:55: cluster.liveMigration.nicGbps: expected the speed of each NIC in Gbps, greater than 0 (1, 10, 25…), found 0.`,
      `${f}:6:67: cluster.liveMigration.teaming: expected true or false (the NICs are teamed), found "yes".`,
      `${f}:6:86: cluster.liveMigration.powerProfile: expected balanced, high-performance or c-states-disabled, found "max". The hosts' power setting: balanced (the power-saving default), high-performance, or high performance with C-states and C1E disabled in the BIOS.`,
      `${f}:6:91: cluster.liveMigration.speed: expected one of the keys of cluster.liveMigration (transport, nics, nicGbps, teaming, jumboFrames, powerProfile), found "speed".`,
    ]);
  });

  it('suggests the transport meant when it is misspelt', () => {
    const f = experimentFile(doc({ cluster: '  liveMigration: { transport: Compresion }' }));
    expect(errorLines(f)[0]).to.include('found "Compresion". Did you mean "Compression"?');
  });
});

describe("a VM's dirty rate and disks", () => {
  it('defaults to 16 MiB/s and no disks, and always ends in the VM description', () => {
    const e = load(experimentFile(doc()));
    expect(e.cluster.vms[0]).to.deep.equal({ name: 'sql01', owner: 'N1', storage: 'csv-block', memoryGB: 4, dirtyMBps: 16, disks: [] });
  });

  it('reads them, a disk being written to only when it says so', () => {
    const e = load(experimentFile(doc({ vm: ', dirtyMBps: 0, disks: [{ type: dynamic, controller: scsi, writes: true }, { type: fixed, controller: ide }]' })));
    expect(e.cluster.vms[0]).to.deep.include({
      dirtyMBps: 0,
      disks: [
        { type: 'dynamic', controller: 'scsi', writes: true },
        { type: 'fixed', controller: 'ide', writes: false },
      ],
    });
  });

  it('refuses a negative or wordy dirty rate', () => {
    for (const value of ['-1', 'fast']) {
      const f = experimentFile(doc({ vm: `, dirtyMBps: ${value}` }));
      expect(errorLines(f)).to.deep.equal([
        `${f}:5:64: cluster.vms[0].dirtyMBps: expected a number of MiB the VM writes to its memory per second, from 0 to 1048576, found ${value === 'fast' ? '"fast"' : value}. How busy the VM is: it decides how many pre-copy passes a live migration needs.`,
      ]);
    }
  });

  it('refuses a disk of an unknown type or controller, without one, or a write flag that is not true or false', () => {
    const f = experimentFile(doc({ vm: ', disks: [{ type: thin, controller: scsi }, { type: fixed }, { type: fixed, controller: sata, writes: yes }]' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:69: cluster.vms[0].disks[0].type: expected dynamic or fixed, found "thin". dynamic = a dynamically expanding VHD(X); fixed = a fixed-size one.`,
      `${f}:5:95: cluster.vms[0].disks[1].controller: expected scsi or ide, found no controller. Add "controller:" under cluster.vms[0].disks[1].`,
      `${f}:5:139: cluster.vms[0].disks[2].controller: expected scsi or ide, found "sata". The virtual controller the disk is attached to.`,
      `${f}:5:153: cluster.vms[0].disks[2].writes: expected true or false (whether the guest writes to the disk), found "yes".`,
    ]);
  });

  it("reads a working set, absent by default (the timing model then takes a quarter of the VM's memory)", () => {
    expect(load(experimentFile(doc())).cluster.vms[0]).to.not.have.property('workingSetGB');
    expect(load(experimentFile(doc({ vm: ', memoryGB: 16, workingSetGB: 2.5' }))).cluster.vms[0]).to.include({ memoryGB: 16, workingSetGB: 2.5 });
  });

  it('refuses a working set larger than the VM\'s memory, or not above 0, at its place', () => {
    const f = experimentFile(doc({ vm: ', memoryGB: 8, workingSetGB: 12' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:80: cluster.vms[0].workingSetGB: expected at most the VM's memoryGB (8), found 12. The working set is the part of its memory the VM keeps rewriting: lower it, or raise memoryGB.`,
    ]);
    const g = experimentFile(doc({ vm: ', workingSetGB: 0' }));
    expect(errorLines(g)).to.deep.equal([
      `${g}:5:67: cluster.vms[0].workingSetGB: expected a number of GB greater than 0 and at most the VM's memoryGB, found 0. The part of its memory the VM keeps rewriting: no pre-copy pass finds more than this dirty. Absent: a quarter of memoryGB.`,
    ]);
  });

  it('refuses disks written as a mapping rather than a list', () => {
    const f = experimentFile(doc({ vm: ', disks: { type: fixed, controller: scsi }' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:60: cluster.vms[0].disks: expected a list of at most 260 virtual disks, each such as { type: dynamic, controller: scsi, writes: true }, found a mapping with type, controller.`,
    ]);
  });
});

describe('simulator.liveMigrationJitter', () => {
  it('defaults to 0.1 and reads 0 (exactly the timing model)', () => {
    expect(load(experimentFile(doc())).simulator.liveMigrationJitter).to.equal(0.1);
    expect(load(experimentFile(doc({ top: 'simulator:\n  liveMigrationJitter: 0' }))).simulator.liveMigrationJitter).to.equal(0);
  });

  it('refuses 1 or more, or less than 0', () => {
    for (const value of ['1', '-0.1']) {
      const f = experimentFile(doc({ top: `simulator:\n  liveMigrationJitter: ${value}` }));
      expect(errorLines(f)).to.deep.equal([
        `${f}:8:24: simulator.liveMigrationJitter: expected a fraction from 0 up to (not including) 1, e.g. 0.1, found ${value}. Each live migration takes the timing model's duration times a factor drawn from [1 - jitter, 1 + jitter]; 0 = exactly the model.`,
      ]);
    }
  });

  it('reads rdmaSetupPerGB, the SMB Direct set-up per GB of VM memory, as milliseconds', () => {
    expect(load(experimentFile(doc())).simulator).to.not.have.property('rdmaSetupMsPerGB');
    expect(load(experimentFile(doc({ top: 'simulator:\n  rdmaSetupPerGB: 200ms' }))).simulator.rdmaSetupMsPerGB).to.equal(200);
  });

  it('says what replaced the old simulator.liveMigration range', () => {
    const f = experimentFile(doc({ top: 'simulator:\n  liveMigration: [2s, 8s]' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:8:3: simulator.liveMigration: expected one of the keys of simulator (scmRestartDelay, vmStart, vmIoInterval, hostBoot, liveMigrationJitter, rdmaSetupPerGB), found "liveMigration". simulator.liveMigration (a [min, max] range) was replaced by simulator.liveMigrationJitter (a fraction such as 0.1): live migrations now take what the timing model computes from each VM's memoryGB and dirtyMBps and cluster.liveMigration.`,
    ]);
  });
});

describe('the live-migrate step', () => {
  const steps = (method: string): FaultStep[] => load(experimentFile(doc({ method }))).method as FaultStep[];

  it('takes one VM or a list, a node or a policy, a transport and a timeout in milliseconds', () => {
    expect(steps('  - fault: live-migrate\n    vm: sql01\n    to: N2\n    transport: SMBDirect\n    timeout: 5m').map((s) => s.params)).to.deep.equal([
      { vm: 'sql01', to: 'N2', transport: 'SMBDirect', timeout: 300_000 },
    ]);
    expect(steps('  - fault: live-migrate\n    vm: [sql01, web01]\n    to: round-robin').map((s) => s.params)).to.deep.equal([
      { vm: ['sql01', 'web01'], to: 'round-robin' },
    ]);
    expect(steps('  - fault: live-migrate\n    vm: [web01]\n    to: random')[0]!.params).to.deep.equal({ vm: ['web01'], to: 'random' });
  });

  it('sends a list of VMs to one fixed node', () => {
    expect(steps('  - fault: live-migrate\n    vm: [sql01, web01]\n    to: N3')[0]!.params).to.deep.equal({ vm: ['sql01', 'web01'], to: 'N3' });
  });

  it('refuses VMs the cluster does not have and a destination that is neither a node nor a policy, suggesting names', () => {
    const f = experimentFile(
      doc({ method: '  - fault: live-migrate\n    vm: [sql01, sq02]\n    to: N4\n  - fault: live-migrate\n    vm: sql1\n    to: roundrobin' }),
    );
    expect(errorLines(f)).to.deep.equal([
      `${f}:9:17: method[0].vm[1]: expected one of the cluster's VMs (sql01, web01), found "sq02". Use a VM listed in cluster.vms, or add it there.`,
      `${f}:10:9: method[0].to: expected one of the cluster's nodes (N1, N2, N3), round-robin or random, found "N4". round-robin: the next Up node after the VM's owner; random: a seeded pick among the other Up nodes.`,
      `${f}:12:9: method[1].vm: expected one of the cluster's VMs (sql01, web01), found "sql1". Did you mean "sql01"? Use a VM listed in cluster.vms, or add it there.`,
      `${f}:13:9: method[1].to: expected one of the cluster's nodes (N1, N2, N3), round-robin or random, found "roundrobin". Did you mean "round-robin"? round-robin: the next Up node after the VM's owner; random: a seeded pick among the other Up nodes.`,
    ]);
  });

  it('refuses a missing or empty VM list, a VM twice in it, an unknown transport and a timeout without a unit', () => {
    const f = experimentFile(
      doc({
        method: [
          '  - fault: live-migrate',
          '    to: N2',
          '  - fault: live-migrate',
          '    vm: []',
          '    to: N2',
          '  - fault: live-migrate',
          '    vm: [sql01, SQL01]',
          '    to: random',
          '    transport: RDMA',
          '    timeout: 5',
        ].join('\n'),
      }),
    );
    expect(errorLines(f)).to.deep.equal([
      `${f}:8:5: method[0].vm: expected a VM name or a list of VM names, e.g. sql01 or [sql01, sql02], found no vm. Add "vm:" under method[0].`,
      `${f}:11:9: method[1].vm: expected a VM name or a list of VM names, e.g. sql01 or [sql01, sql02], found an empty list.`,
      `${f}:14:17: method[2].vm[1]: expected each VM once in the list (names are compared without case), found "SQL01" again, already at method[2].vm[0]. Remove the repeat; the list is migrated in turn, one VM per iteration.`,
      `${f}:16:16: method[2].transport: expected TCPIP, Compression, SMB or SMBDirect, found "RDMA". SMBDirect is SMB over RDMA-capable NICs; SMB uses every NIC (SMB Multichannel); TCPIP and Compression one connection.`,
      `${f}:17:14: method[2].timeout: expected a duration such as 500ms, 90s, 2m, 1h or 1m30s, found 5. Give the unit, e.g. 5s or 5ms.`,
    ]);
  });

  it('impairs no node, so migrating every VM of a small cluster is no threat to quorum', () => {
    expect(steps('  - fault: live-migrate\n    vm: [sql01, web01]\n    to: round-robin\n  - fault: live-migrate\n    vm: web01\n    to: N3')).to.have.length(2);
  });
});

describe('the drain-node and resume-node steps', () => {
  it('take a node, a timeout and (resume) failback', () => {
    const e = load(experimentFile(doc({ method: '  - fault: drain-node\n    node: N2\n    timeout: 30m\n  - fault: resume-node\n    node: N2\n    failback: false' })));
    expect((e.method as FaultStep[]).map((s) => [s.fault, s.params])).to.deep.equal([
      ['drain-node', { node: 'N2', timeout: 1_800_000 }],
      ['resume-node', { node: 'N2', failback: false }],
    ]);
  });

  it('refuse nodes the cluster does not have, a timeout without a unit and a failback that is not true or false', () => {
    const f = experimentFile(doc({ method: '  - fault: drain-node\n    node: N4\n    timeout: 10\n  - fault: resume-node\n    node: n2\n    failback: yes' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:9:11: method[0].node: expected one of the cluster's nodes (N1, N2, N3), found "N4". Use a node listed in cluster.nodes, or add it there.`,
      `${f}:10:14: method[0].timeout: expected a duration such as 500ms, 90s, 2m, 1h or 1m30s, found 10. Give the unit, e.g. 10s or 10ms.`,
      `${f}:12:11: method[1].node: expected one of the cluster's nodes (N1, N2, N3), found "n2". Did you mean "N2"? Use a node listed in cluster.nodes, or add it there.`,
      `${f}:13:15: method[1].failback: expected true or false, found "yes".`,
    ]);
  });

  it('do not cost a vote: draining two of three nodes keeps quorum (a paused node is still a member), the guard lets it through', () => {
    const e = load(experimentFile(doc({ method: '  - fault: drain-node\n    node: N1\n  - fault: drain-node\n    node: N2' })));
    expect(e.method).to.have.length(2);
    expect(blastRadiusProblems(e, faults)).to.deep.equal([]);
  });

  it('do not count resuming a node as impairing it', () => {
    const e = load(experimentFile(doc({ method: '  - fault: drain-node\n    node: N1\n  - fault: resume-node\n    node: N2' })));
    expect(e.method).to.have.length(2);
  });
});

describe('cluster.networks and isolate-network network:', () => {
  const networks = '  networks:\n    - { name: LM, role: ClusterOnly, liveMigration: 1 }\n    - { name: Mgmt, role: ClusterAndClient }';

  it('reads the networks; a description without them has none (one network that carries everything)', () => {
    expect(load(experimentFile(doc())).cluster).to.not.have.property('networks');
    expect(load(experimentFile(doc({ cluster: networks }))).cluster.networks).to.deep.equal([
      { name: 'LM', role: 'ClusterOnly', liveMigration: 1 },
      { name: 'Mgmt', role: 'ClusterAndClient' },
    ]);
  });

  it('takes a network by name or role in isolate-network', () => {
    const method = '  - fault: isolate-network\n    node: N2\n    network: LM\n    duration: 30s\n  - fault: isolate-network\n    node: N3\n    network: ClusterAndClient\n    duration: 30s';
    const steps = load(experimentFile(doc({ cluster: networks, method }))).method as FaultStep[];
    expect(steps.map((s) => s.params.network)).to.deep.equal(['LM', 'ClusterAndClient']);
  });

  it('refuses an unknown role, a network named twice, a live-migration place taken twice, and a network: it does not have', () => {
    const f = experimentFile(
      doc({
        cluster: '  networks:\n    - { name: LM, role: Storage }\n    - { name: LM, role: ClusterOnly, liveMigration: 1 }\n    - { name: B, role: ClusterOnly, liveMigration: 1 }',
        method: '  - fault: isolate-network\n    node: N2\n    network: Lm\n    duration: 30s',
      }),
    );
    const lines = errorLines(f);
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/cluster\.networks\[0\]\.role: expected ClusterAndClient, ClusterOnly or None, found "Storage"/);
    expect(lines[1]).to.match(/cluster\.networks\[1\]\.name: expected a network name not used before in cluster\.networks/);
    expect(lines[2]).to.match(/cluster\.networks\[2\]\.liveMigration: expected a place in the live-migration order not taken \(cluster\.networks\[1\] is 1 already\), found 1/);
    expect(lines[3]).to.match(/method\[0\]\.network: expected a cluster network \(LM, B\) or a role one of them has .* found "Lm"\. Did you mean "LM"\?/);
  });
});
