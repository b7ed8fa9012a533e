import { expect } from 'chai';
import { errorLines, experimentFile, load, shipped } from './helpers.js';

const doc = (hostBoot: string) => `title: t
cluster:
  nodes: [N1, N2, N3]
  vms: []
simulator:
  hostBoot: ${hostBoot}
method:
  - fault: power-off-node
    node: N2
`;

describe('experiment: simulator.hostBoot (how long a powered-on or restarted host takes until clussvc starts)', () => {
  it('reads a [min, max] range in ms, and defaults to 90–180 s', () => {
    expect(load(experimentFile(doc('[30s, 1m]'))).simulator.hostBootMs).to.deep.equal([30_000, 60_000]);
    expect(load(shipped('compute-resiliency.yaml')).simulator.hostBootMs).to.deep.equal([90_000, 180_000]);
  });

  it('refuses min > max at its line, saying what to do', () => {
    const f = experimentFile(doc('[2m, 1m]'));
    expect(errorLines(f)).to.deep.equal([`${f}:6:13: simulator.hostBoot: expected [min, max] with min no greater than max, found [2m, 1m]. Swap the two values.`]);
  });

  it('refuses what is not a range of durations at its line', () => {
    const f = experimentFile(doc('90s'));
    const [line] = errorLines(f);
    expect(line).to.match(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:\\d+: simulator\\.hostBoot: expected`));
  });
});
