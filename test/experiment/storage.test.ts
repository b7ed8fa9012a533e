import { expect } from 'chai';
import { errorLines, experimentFile, load } from './helpers.js';

/** Three nodes; `storage` lines under cluster:, `vms` the VM lines, `method` the steps. */
function doc(o: { storage?: string[]; vms?: string[]; method?: string[] } = {}): string {
  return [
    'title: T',
    'cluster:',
    '  nodes: [N1, N2, N3]',
    ...(o.storage ? ['  storage:', ...o.storage] : []),
    '  vms:',
    ...(o.vms ?? ['    - { name: sql01, owner: N1, storage: csv-block }', '    - { name: web01, owner: N2, storage: smb }']),
    'method:',
    ...(o.method ?? ['  - wait: 1s']),
    '',
  ].join('\n');
}

describe('shared storage in the cluster section, and the storage faults', () => {
  it('reads volumes, a VM naming its own, and its critical-error action and timeout', () => {
    const e = load(
      experimentFile(
        doc({
          storage: ['    - { name: CSV1, kind: csv, address: [10.0.5.10] }', "    - { name: '\\\\fs01\\vms', kind: smb }"],
          vms: [
            '    - { name: sql01, owner: N1, storage: csv-block, volume: CSV1, automaticCriticalErrorAction: Pause, automaticCriticalErrorActionTimeout: 5 }',
            "    - { name: web01, owner: N2, storage: smb, volume: '\\\\fs01\\vms' }",
          ],
          method: ["  - { fault: fail-storage-path, node: N1, storage: CSV1, duration: 30s }", "  - { fault: fail-storage, storage: '\\\\fs01\\vms', duration: 1m }"],
        }),
      ),
    );
    expect(e.cluster.storage).to.deep.equal([
      { name: 'CSV1', kind: 'csv', address: ['10.0.5.10'] },
      { name: String.raw`\\fs01\vms`, kind: 'smb' },
    ]);
    expect(e.cluster.vms[0]).to.include({ volume: 'CSV1', automaticCriticalErrorAction: 'Pause', automaticCriticalErrorActionTimeout: 5 });
    expect(e.method.map((s) => (s.kind === 'fault' ? s.params : s))).to.deep.equal([
      { node: 'N1', storage: 'CSV1', duration: 30_000 },
      { storage: String.raw`\\fs01\vms`, duration: 60_000 },
    ]);
  });

  it('keeps a description without volumes as it was, and lets the faults name the volume each storage kind implies', () => {
    const e = load(experimentFile(doc({ method: ['  - { fault: fail-storage, storage: csv, duration: 30s }', '  - { fault: fail-storage, storage: smb, duration: 30s }'] })));
    expect(e.cluster.storage).to.equal(undefined);
    expect(e.cluster.vms[0]).to.not.have.property('volume');
  });

  it('refuses a volume no VM or description has, a VM on a volume not listed or of the wrong kind, a duplicate name — at their lines', () => {
    const f = experimentFile(
      doc({
        storage: ['    - { name: CSV1, kind: csv }', '    - { name: csv1, kind: smb }'],
        vms: ['    - { name: sql01, owner: N1, storage: csv-block, volume: CSV2 }', '    - { name: web01, owner: N2, storage: smb, volume: CSV1 }'],
        method: ['  - { fault: fail-storage, storage: CVS1, duration: 30s }'],
      }),
    );
    const lines = errorLines(f);
    expect(lines.some((l) => l.startsWith(`${f}:6:`) && l.includes('cluster.storage[1].name') && l.includes('"csv1"'))).to.equal(true, lines.join('\n'));
    expect(lines).to.include.members([
      `${f}:8:61: cluster.vms[0].volume: expected a volume listed in cluster.storage (CSV1, csv1), found "CSV2". Add the volume to cluster.storage, e.g. { name: CSV1, kind: csv }, or remove volume: to use the default one.`,
      `${f}:9:55: cluster.vms[1].volume: expected an smb share (the VM's storage is smb), found "CSV1", a csv volume. A csv-block VM is on a csv volume, an smb VM on an smb share: change the VM's storage or its volume.`,
      `${f}:11:37: method[0].storage: expected a volume of the cluster (CSV1, csv1), found "CVS1". List the volume in cluster.storage, or use the one a VM storage kind implies (csv, smb).`,
    ]);
  });

  it('refuses an unknown critical-error action and a negative timeout, saying what Set-VM takes', () => {
    const f = experimentFile(doc({ vms: ['    - { name: sql01, owner: N1, storage: csv-block, automaticCriticalErrorAction: TurnOff, automaticCriticalErrorActionTimeout: -1 }'] }));
    const lines = errorLines(f);
    expect(lines.join('\n')).to.contain('cluster.vms[0].automaticCriticalErrorAction: expected Pause or None, found "TurnOff"');
    expect(lines.join('\n')).to.contain('cluster.vms[0].automaticCriticalErrorActionTimeout: expected a whole number of minutes, e.g. 30 (the default), found -1');
  });
});
