import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';

async function runOnSim(file: string, o: { defects?: string[]; sets?: string[]; seed?: number } = {}) {
  const experiment = loadExperiment(file, { settings: settingDefinitions, faults, sets: o.sets, seed: o.seed });
  const outDir = mkdtempSync(join(tmpdir(), 'run-experiment-'));
  return runExperiment({ experiment, outDir, defects: o.defects ?? [], replay: 'replay', log: pino({ level: 'silent' }) });
}

describe('a whole run on the simulator', () => {
  it('fails the flagship under the no-isolation defect profile (the whole matrix is in test/docs)', async () => {
    const { result } = await runOnSim('experiments/compute-resiliency.yaml', { defects: ['no-isolation'] });
    expect(result.verdict).to.equal('fail');
    expect(result.violations[0]!.entity).to.equal('node/N2');
  });

  it('passes the flagship for many seeds (the checker does not cry wolf)', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const { result } = await runOnSim('experiments/compute-resiliency.yaml', { seed });
      expect(result.verdict, `seed ${seed}: ${result.reason}`).to.equal('pass');
    }
  });

  it('fails when the steady state does not come back in time after the method', async () => {
    const { result } = await runOnSim('experiments/clussvc-stays-down.yaml', {
      sets: ['method[1].wait=30s', 'steady-state.timeout=5s'],
    });
    expect(result.verdict).to.equal('fail');
    expect(result.violations.map((v) => v.rule)).to.deep.equal(['steady-state']);
    expect(result.violations[0]!.observed).to.match(/node N2 is Down, Isolated/);
  });

  it('runs the quarantine cap under either reading of QuarantineAtCap: the second node Isolated (1) or Down (2)', async () => {
    for (const [atCap, state] of [[1, 'Isolated'], [2, 'Down']] as const) {
      const { result, lanes } = await runOnSim('experiments/quarantine-cap.yaml', { sets: [`settings.QuarantineAtCap=${atCap}`] });
      expect(result.verdict, result.reason).to.equal('pass');
      expect(lanes.lanes.find((l) => l.entity === 'node/N3')!.intervals[1]!.state).to.equal(state);
    }
  });

  it('asserts the QuarantineDuration the experiment sets: the quarantined node is back after it', async () => {
    const { header, result, lanes } = await runOnSim('experiments/clear-quarantine.yaml', {
      sets: ['settings.QuarantineDuration=100', 'method[1].wait=150s'],
    });
    expect(result.verdict, result.reason).to.equal('pass');
    expect(header.settings.QuarantineDuration).to.equal(100);
    const quarantined = lanes.lanes.find((l) => l.entity === 'node/N2')!.intervals.find((i) => i.state === 'Quarantined')!;
    expect(quarantined.to - quarantined.from).to.be.within(99_000, 101_000);
  });

  for (const [name, sets, lo, hi] of [
    ['ResiliencyDefaultPeriod', ['settings.ResiliencyDefaultPeriod=30'], 30_000, 30_000],
    ['SameSubnetThreshold', ['settings.SameSubnetThreshold=5'], 4_000, 6_000],
    ['SameSubnetDelay', ['settings.SameSubnetDelay=500'], 4_000, 6_000],
  ] as const) {
    it(`asserts the ${name} the experiment sets, not the documented default`, async () => {
      const { header, result, lanes } = await runOnSim('experiments/clussvc-stays-down.yaml', { sets: [...sets] });
      expect(result.verdict).to.equal('pass');
      expect(header.settings[name]).to.equal(Number(sets[0]!.split('=')[1]));
      const n2 = lanes.lanes.find((l) => l.entity === 'node/N2')!.intervals;
      const isolated = n2.find((i) => i.state === 'Isolated')!;
      const span = name === 'ResiliencyDefaultPeriod' ? isolated.to - isolated.from : isolated.from - n2[0]!.from;
      expect(span).to.be.within(lo - 1000, hi + 1000);
    });
  }
});
