import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { settingDefinitions } from '../../machines/settings.js';
import type { FaultDefinition } from '../../src/faults/fault.js';
import { ExperimentError, loadExperiment, type SettingsCatalogueEntry } from '../../src/experiment/load.js';
import type { FaultStep } from '../../src/experiment/types.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-catalogue-'));
let n = 0;
function experimentFile(yaml: string): string {
  const file = join(dir, `e${++n}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

const noop = async (): Promise<unknown> => undefined;

/** A fault whose parameters nest durations and offer a oneOf, to exercise what kill-clussvc does not. */
const partition: FaultDefinition<any> = {
  name: 'partition-node',
  summary: 'test fault',
  params: {
    type: 'object',
    properties: {
      node: { type: 'string' },
      schedule: {
        type: 'object',
        properties: { after: { type: 'string', format: 'duration' }, every: { type: 'array', items: { type: 'string', format: 'duration' } } },
        additionalProperties: false,
      },
      mode: {
        oneOf: [
          { type: 'string', enum: ['drop', 'reject'] },
          { type: 'object', properties: { lossPercent: { type: 'integer', minimum: 0, maximum: 100 } }, required: ['lossPercent'], additionalProperties: false },
        ],
      },
    },
    required: ['node'],
    additionalProperties: false,
  },
  impairs: (p) => [p.node],
  inject: noop,
  revert: noop,
};
const faults = new Map([[partition.name, partition]]);

const settings: SettingsCatalogueEntry[] = [
  { name: 'HeartbeatEvery', kind: 'model', unit: 'ms', min: 100, max: 5000, description: 'test setting' },
  { name: 'Level', kind: 'cluster', unit: 'level', min: 1, max: 2, values: [1, 2], description: '1 = low, 2 = high' },
];

const cluster = 'title: T\ncluster:\n  nodes: [N1, N2, N3]\n';

function errors(file: string): string[] {
  try {
    loadExperiment(file, { settings, faults });
  } catch (e) {
    expect(e).to.be.instanceOf(ExperimentError);
    return (e as ExperimentError).message.split('\n');
  }
  return expect.fail('expected a refusal');
}

describe('catalogues given to the loader', () => {
  it('accepts the settings catalogue from machines/settings.ts as it is', () => {
    const catalogue: readonly SettingsCatalogueEntry[] = settingDefinitions;
    const file = experimentFile(`${cluster}settings:\n  ResiliencyLevel: 1\n  QuarantineDuration: 300\nmethod:\n  - wait: 1s\n`);
    expect(loadExperiment(file, { settings: catalogue }).settings).to.deep.equal({ ResiliencyLevel: 1, QuarantineDuration: 300 });
  });

  it("turns a fault's duration parameters into milliseconds wherever its schema nests them", () => {
    const file = experimentFile(`${cluster}method:\n  - fault: partition-node\n    node: N1\n    schedule: { after: 1m30s, every: [500ms, 2s] }\n    mode: drop\n`);
    const step = loadExperiment(file, { settings, faults }).method[0] as FaultStep;
    expect(step).to.deep.equal({
      kind: 'fault',
      fault: 'partition-node',
      params: { node: 'N1', schedule: { after: 90_000, every: [500, 2000] }, mode: 'drop' },
      line: 5,
    });
  });

  it('lists the faults of the catalogue it was given', () => {
    const file = experimentFile(`${cluster}method:\n  - fault: kill-clussvc\n    node: N1\n`);
    expect(errors(file)).to.deep.equal([
      `${file}:5:12: method[0].fault: expected one of the catalogue's faults (partition-node), found "kill-clussvc". Run 'clusterchaos list faults'.`,
    ]);
  });

  it('reports the one meaningful mismatch of a oneOf, not every branch', () => {
    const file = experimentFile(`${cluster}method:\n  - fault: partition-node\n    node: N1\n    mode: { lossPercent: 150 }\n`);
    expect(errors(file)).to.deep.equal([`${file}:7:26: method[0].mode.lossPercent: expected an integer of at most 100, found 150.`]);
  });

  it('says once that a value fits no branch of a oneOf when it has the wrong type for all of them', () => {
    const file = experimentFile(`${cluster}method:\n  - fault: partition-node\n    node: N1\n    mode: 5\n`);
    const lines = errors(file);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:7:11: method\\[0\\]\\.mode: expected `));
    expect(lines[0]).to.include('found 5.');
  });

  it("describes a structural setting by its unit, range and allowed values", () => {
    const file = experimentFile(`${cluster}settings:\n  HeartbeatEvery: fast\n  Level: 3\nmethod:\n  - wait: 1s\n`);
    expect(errors(file)).to.deep.equal([
      `${file}:5:19: settings.HeartbeatEvery: expected an integer number of milliseconds from 100 to 5000, or a duration such as 1s or 500ms, found "fast". Write a whole number of milliseconds, or a duration: a whole number with its unit (ms, s, m or h), without spaces.`,
      `${file}:6:10: settings.Level: expected an integer level, one of 1, 2, found 3. Level: 1 = low, 2 = high.`,
    ]);
  });
});
