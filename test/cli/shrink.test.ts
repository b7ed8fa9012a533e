import { expect } from 'chai';
import { ddmin } from '../../src/cli/shrink.js';

describe('shrinking a failing schedule (ddmin)', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('finds the two steps a failure needs among a thousand, keeping their order', async () => {
    const fails = async (xs: number[]) => xs.includes(317) && xs.includes(802);
    expect(await ddmin(range(1000), fails, () => true)).to.deep.equal([317, 802]);
  });

  it('keeps what a stateful failure needs: the fourth migration of one VM needs the three before it', async () => {
    // steps alternate between two VMs; the failure comes at sql01's 4th migration
    const steps = range(40).map((i) => (i % 2 ? `sql01#${(i + 1) / 2}` : `web01#${i / 2}`));
    const fails = async (xs: string[]) => xs.filter((x) => x.startsWith('sql01')).length >= 4;
    const shrunk = await ddmin(steps, fails, () => true);
    expect(shrunk).to.have.length(4);
    expect(shrunk.every((x) => x.startsWith('sql01'))).to.equal(true);
  });

  it('returns the schedule unchanged when every step is needed', async () => {
    const fails = async (xs: number[]) => xs.length === 6;
    expect(await ddmin(range(6), fails, () => true)).to.deep.equal(range(6));
  });

  it('stops when the budget is spent, with the smallest failing schedule found so far', async () => {
    let tests = 0;
    const fails = async (xs: number[]) => {
      tests++;
      return xs.includes(500);
    };
    const shrunk = await ddmin(range(1000), fails, () => tests < 3);
    expect(tests).to.equal(3);
    expect(shrunk).to.include(500);
    expect(shrunk.length).to.be.below(1000);
  });
});
