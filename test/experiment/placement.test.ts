import { expect } from 'chai';
import { errorLines, experimentFile, load } from './helpers.js';

function doc(o: { cluster?: string; vms?: string[] } = {}): string {
  return [
    'title: T',
    'cluster:',
    '  nodes: [N1, N2, N3]',
    ...(o.cluster ? [o.cluster] : []),
    '  vms:',
    ...(o.vms ?? ['    - { name: web01, owner: N2, storage: smb }']),
    'method:',
    '  - wait: 1s',
    '',
  ].join('\n');
}

describe('placement in the cluster description: priority, preferred owners, anti-affinity, host memory', () => {
  it('reads them into the cluster description; absent: none (Medium priority, memory no limit)', () => {
    const e = load(
      experimentFile(
        doc({
          cluster: '  hostMemoryGB: { N1: 64, N2: 128, N3: 64 }',
          vms: ['    - { name: sql01, owner: N2, storage: smb, memoryGB: 32, priority: High, preferredOwners: [N2, N3], antiAffinityClassNames: [sql] }'],
        }),
      ),
    );
    expect(e.cluster.hostMemoryGB).to.deep.equal({ N1: 64, N2: 128, N3: 64 });
    expect(e.cluster.vms[0]).to.deep.include({ priority: 'High', preferredOwners: ['N2', 'N3'], antiAffinityClassNames: ['sql'] });
    const plain = load(experimentFile(doc()));
    expect(plain.cluster).not.to.have.property('hostMemoryGB');
    expect(plain.cluster.vms[0]).not.to.have.any.keys('priority', 'preferredOwners', 'antiAffinityClassNames');
    expect(load(experimentFile(doc({ cluster: '  hostMemoryGB: 96' }))).cluster.hostMemoryGB).to.equal(96);
  });

  it('refuses an unknown priority and a preferred owner that is not a node, at their line', () => {
    const f = experimentFile(doc({ vms: ['    - { name: web01, owner: N2, storage: smb, priority: Urgent }', '    - { name: web02, owner: N2, storage: smb, preferredOwners: [N3, N9] }'] }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:57: cluster.vms[0].priority: expected High, Medium, Low or NoAutoStart, found "Urgent". The group's Priority (Get-ClusterGroup .Priority: 3000, 2000, 1000, 0). Higher-priority VMs are placed and started first when several fail over or a node drains; NoAutoStart VMs are not restarted by a failover. Absent: Medium, the cluster's default.`,
      `${f}:6:69: cluster.vms[1].preferredOwners[1]: expected one of the cluster's nodes (N1, N2, N3), found "N9". Use a node listed in cluster.nodes, or add it there.`,
    ]);
  });

  it('refuses host memory that leaves out a node, names one that is not, or is less than the VMs a node starts with', () => {
    const f = experimentFile(doc({ cluster: '  hostMemoryGB: { N1: 64, N2: 2, N7: 64 }' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:4:17: cluster.hostMemoryGB: expected the memory of every node (N1, N2, N3), found no figure for N3. Add N3: <GB>, or give one number for every host.`,
      `${f}:4:31: cluster.hostMemoryGB.N2: expected at least the memory of the VMs N2 owns when the run starts (4 GB: web01), found 2 GB. A host cannot run more VM memory than it has: raise N2's figure, or give some of its VMs another owner or less memoryGB.`,
      `${f}:4:34: cluster.hostMemoryGB.N7: expected one of the cluster's nodes (N1, N2, N3), found "N7". Use a node listed in cluster.nodes, or add it there.`,
    ]);
  });
});
