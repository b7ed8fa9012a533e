import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExperimentError, listExperiments } from '../../src/experiment/load.js';
import { shipped } from './helpers.js';

describe('listing experiments', () => {
  it('lists the shipped experiments by name with their titles, sorted', () => {
    const dir = shipped('');
    const list = listExperiments(dir);
    expect(list.map((e) => e.name)).to.include.members([
      'clussvc-stays-down',
      'compute-resiliency',
      'drain-host',
      'live-migration-soak',
      'migration-transport-comparison',
    ]);
    expect(list.map((e) => e.name)).to.deep.equal([...list.map((e) => e.name)].sort());
    const flagship = list.find((e) => e.name === 'compute-resiliency')!;
    expect(flagship.file).to.equal(join(dir, 'compute-resiliency.yaml'));
    expect(flagship.title).to.match(/^Compute Resiliency — clussvc crashes/);
  });

  it('lists .yaml and .yml files only, and a file that is not valid YAML with an empty title', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-list-'));
    writeFileSync(join(dir, 'b.yml'), 'title: B\n');
    writeFileSync(join(dir, 'a.yaml'), 'title: [unclosed\n');
    writeFileSync(join(dir, 'notes.txt'), 'title: no\n');
    expect(listExperiments(dir)).to.deep.equal([
      { name: 'a', file: join(dir, 'a.yaml'), title: '' },
      { name: 'b', file: join(dir, 'b.yml'), title: 'B' },
    ]);
  });

  it('refuses a folder that does not exist, naming it', () => {
    expect(() => listExperiments('no-such-folder')).to.throw(ExperimentError, 'no-such-folder: expected a folder of experiment files, found no such folder.');
  });
});
