import { expect } from 'chai';
import { errorLines, experimentFile, load } from './helpers.js';

function doc(o: { cluster?: string; method?: string } = {}): string {
  return ['title: T', 'cluster:', '  nodes: [N1, N2, N3, N4]', ...(o.cluster ? [o.cluster] : []), '  vms:', '    - { name: web01, owner: N2, storage: smb }', 'method:', o.method ?? '  - wait: 1s', ''].join('\n');
}

describe('the quorum witness and dynamic quorum in the cluster section', () => {
  it('reads cluster.witness and cluster.dynamicQuorum; absent: no witness, and dynamic quorum left to its default (on)', () => {
    const e = load(experimentFile(doc({ cluster: '  witness: { type: fileshare }\n  dynamicQuorum: false' })));
    expect(e.cluster.witness).to.deep.equal({ type: 'fileshare' });
    expect(e.cluster.dynamicQuorum).to.equal(false);
    const plain = load(experimentFile(doc()));
    expect(plain.cluster).not.to.have.property('witness');
    expect(plain.cluster).not.to.have.property('dynamicQuorum');
  });

  it('refuses a witness type it does not know and a dynamicQuorum that is not true or false, at their line', () => {
    const f = experimentFile(doc({ cluster: '  witness: { type: usb }\n  dynamicQuorum: 1' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:4:20: cluster.witness.type: expected disk, fileshare or cloud, found "usb". disk = a disk witness (a clustered disk); fileshare = a file share witness (an SMB share on another server); cloud = a cloud witness (an Azure storage account).`,
      `${f}:5:18: cluster.dynamicQuorum: expected true or false (the DynamicQuorum cluster property; default true), found 1. true: the cluster adjusts the votes as nodes leave one at a time and may run down to its last node [MS-QUORUM]; false: a fixed majority of every vote.`,
    ]);
  });

  it('refuses fail-witness on a cluster described without a witness, saying what to add', () => {
    const f = experimentFile(doc({ method: '  - fault: fail-witness\n    duration: 30s' }));
    expect(errorLines(f)).to.deep.equal([
      `${f}:7:5: method[0]: expected a cluster with a quorum witness for fail-witness (cluster.witness), found no cluster.witness. Describe the witness the cluster has, e.g. cluster.witness: { type: fileshare }, or remove the step (a cluster without a witness has none to lose).`,
    ]);
  });

  it('takes fail-witness with its duration in ms, and refuses one without a duration', () => {
    const e = load(experimentFile(doc({ cluster: '  witness: { type: cloud }', method: '  - fault: fail-witness\n    duration: 45s' })));
    expect(e.method).to.deep.equal([{ kind: 'fault', fault: 'fail-witness', params: { duration: 45_000 }, line: 8 }]);
    const f = experimentFile(doc({ cluster: '  witness: { type: cloud }', method: '  - fault: fail-witness' }));
    expect(errorLines(f).join('\n')).to.match(/method\[0\]\.duration: expected how long the witness stays lost before it comes back by itself, e\.g\. 60s, found no duration\. Add "duration:" under method\[0\]\./);
  });
});
