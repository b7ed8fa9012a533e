import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';

describe('the fault catalogue', () => {
  it('lists every fault once, in the order `clusterchaos list faults` shows them', () => {
    expect([...faults.keys()]).to.deep.equal(['kill-clussvc', 'isolate-network', 'stop-node', 'start-node', 'live-migrate', 'drain-node', 'resume-node', 'power-off-node', 'power-on-node', 'restart-node', 'fail-storage-path', 'fail-storage', 'fail-witness']);
    for (const [name, f] of faults) expect(f.name).to.equal(name);
  });

  it('gives each fault a one-line summary and a closed parameter schema', () => {
    for (const f of faults.values()) {
      expect(f.summary, f.name).to.be.a('string').and.not.match(/\n/);
      expect(f.summary.length, f.name).to.be.within(20, 160);
      expect(f.params, f.name).to.include({ type: 'object', additionalProperties: false });
    }
  });

  it('has a revert for every fault but the operations that leave nothing to undo (live-migrate, resume-node, restart-node: the node comes back by itself)', () => {
    const without = [...faults.values()].filter((f) => !f.revert).map((f) => f.name);
    expect(without).to.deep.equal(['live-migrate', 'resume-node', 'restart-node']);
  });
});
