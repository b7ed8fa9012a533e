import { expect } from 'chai';
import { errorLines, load, shipped } from './helpers.js';
import { faults } from '../../src/faults/catalogue.js';
import { BlastRadiusError, guardBlastRadius } from '../../src/safety/blast-radius.js';

const twoNodes = shipped('two-nodes-failing.yaml');

describe('experiment plans', () => {
  it('accepts two nodes failing in a five-node cluster (three keep a node majority)', () => {
    expect(load(twoNodes).method.filter((s) => s.kind === 'fault')).to.have.length(2);
  });

  it('refuses, in the blast-radius guard, a plan that could cost quorum: two of four nodes impaired at once, 2 of 3 votes', () => {
    const e = load(twoNodes, { sets: ['cluster.nodes=[N1, N2, N3, N4]', 'cluster.vms[6].owner=N4'] });
    expect(() => guardBlastRadius(e, faults)).to.throw(
      BlastRadiusError,
      /method\[1\]: expected a plan that keeps more than half of the cluster's votes at every moment .*found N2, N3 impaired at once .*2 node votes = 2 of the 3 votes the cluster counted .* 1 of 3 left, not more than half\. The cluster could lose quorum/,
    );
  });

  it('counts an operation that starts a node as impairing nothing', () => {
    expect(load(shipped('graceful-stop.yaml')).method.map((s) => s.kind)).to.deep.equal(['fault', 'wait', 'fault', 'wait']);
  });

  it('checks that the peers of a network cut are nodes of the cluster, other than the node cut off', () => {
    const file = shipped('asymmetric-partition.yaml');
    expect(errorLines(file, { sets: ['method[0].peers=[N9]'] }).join('\n')).to.match(/method\[0\]\.peers\[0\]: expected one of the cluster's nodes/);
    expect(errorLines(file, { sets: ['method[0].peers=[N2]'] }).join('\n')).to.match(/expected nodes other than the one cut off, found "N2"/);
  });

  it('reads a VM configuration version and refuses one that is not a version', () => {
    const e = load(shipped('per-vm-overrides.yaml'));
    expect(e.cluster.vms.find((v) => v.name === 'legacy01')!.version).to.equal('5.0');
    expect(errorLines(shipped('per-vm-overrides.yaml'), { sets: ['cluster.vms[3].version=new'] }).join('\n')).to.match(/a VM configuration version such as "8\.0"/);
  });
});

describe('steady state after the method', () => {
  it('reads the nodes an experiment expects to stay down', () => {
    expect(load(shipped('node-never-returns.yaml')).steadyState.downAfter).to.deep.equal(['N2']);
  });

  it('refuses a node that is not in the cluster among them', () => {
    expect(errorLines(shipped('node-never-returns.yaml'), { sets: ['steady-state.down-after=[N7]'] }).join('\n')).to.match(
      /steady-state\.down-after\[0\]: expected one of the cluster's nodes/,
    );
  });
});
