import { expect } from 'chai';
import { connectedGroup, regroupLoser, type Reach } from '../../src/targets/sim/regroup.js';

const nodes = ['N1', 'N2', 'N3', 'N4', 'N5'];

/** Cuts as isolateNetwork makes them: node → its peers. */
function reach(cuts: Record<string, string[]>): Reach {
  const cutsOff = (a: string, b: string) => (cuts[a] ?? []).includes(b);
  return { cutsOff, connected: (a, b) => !cutsOff(a, b) && !cutsOff(b, a) };
}

describe('sim: regroup over a network cut', () => {
  it('removes the node that lost heartbeats with more members', () => {
    const r = reach({ N1: ['N2', 'N3'] });
    expect(regroupLoser('N2', 'N1', nodes, r, nodes)).to.equal('N1');
    expect(regroupLoser('N1', 'N3', nodes, r, nodes)).to.equal('N1');
  });

  it('on a tie removes the node whose own cut separates them, whichever noticed first', () => {
    const r = reach({ N3: ['N2'] });
    expect(regroupLoser('N2', 'N3', nodes, r, nodes)).to.equal('N3');
    expect(regroupLoser('N3', 'N2', nodes, r, nodes)).to.equal('N3');
  });

  it('removes a peer that lost more members than the named nodes', () => {
    const r = reach({ N1: ['N2'], N3: ['N2'] });
    expect(regroupLoser('N1', 'N2', nodes, r, nodes)).to.equal('N2');
  });

  it('on a full tie removes the node listed later', () => {
    const r = reach({ N1: ['N2'], N2: ['N1'] });
    expect(regroupLoser('N1', 'N2', nodes, r, nodes)).to.equal('N2');
  });

  it('keeps the nodes that all reach one another, dropping the worst-connected first', () => {
    expect(connectedGroup(nodes, reach({}), nodes)).to.deep.equal(nodes);
    expect(connectedGroup(nodes, reach({ N1: nodes.slice(1), N2: nodes.filter((n) => n !== 'N2') }), nodes)).to.deep.equal(['N3', 'N4', 'N5']);
    expect(connectedGroup(nodes, reach({ N4: ['N5'] }), nodes)).to.deep.equal(['N1', 'N2', 'N3', 'N5']);
    expect(connectedGroup(['N1', 'N2'], reach({ N1: ['N2'] }), nodes)).to.deep.equal(['N2']);
  });
});
