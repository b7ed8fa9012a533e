import { expect } from 'chai';
import { OperationError } from '../../src/targets/target.js';
import { createSimTarget } from '../../src/targets/sim/index.js';
import { lab, labSimulator, rejection, waitFor } from './lab.js';

describe('sim: cluster properties', () => {
  it('reports the documented defaults for every property', async () => {
    expect(await lab().getSettings()).to.deep.equal({
      ResiliencyLevel: 2,
      ResiliencyDefaultPeriod: 240,
      QuarantineThreshold: 3,
      QuarantineDuration: 7200,
      MaxQuarantinedPercent: 25,
      QuarantineAtCap: 1,
      SameSubnetDelay: 1000,
      SameSubnetThreshold: 10,
      MinimumResilientVmVersion: 0,
      ClussvcResetPeriod: 86_400,
      ClussvcFirstFailureAction: 1,
      ClussvcSecondFailureAction: 1,
      ClussvcSubsequentFailureAction: 1,
      DrainOnShutdown: 1,
      MaximumVirtualMachineMigrations: 2,
      MaximumParallelMigrations: 2,
    });
  });

  it('reports the values it was set to', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyDefaultPeriod: 60, QuarantineDuration: 300, ResiliencyLevel: 1 });
    expect(await target.getSettings()).to.include({ ResiliencyDefaultPeriod: 60, QuarantineDuration: 300, ResiliencyLevel: 1 });
  });

  it('declares an isolated node Down after the ResiliencyDefaultPeriod it was set to', async () => {
    const target = lab();
    await target.setSettings({ ResiliencyDefaultPeriod: 60 });
    await target.killClusterService('N2', { holdDownMs: 120_000 });
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 15_000);
    const removedAt = (await target.collectEvents()).find((e) => e.id === 1135)!.t;
    const down = await waitFor(target, (p) => p.nodes.N2.StatusInformation.length === 0, 70_000);
    expect(down.t - removedAt).to.be.within(60_000, 60_100);
  });

  it('removes a silent node after the heartbeat settings it was set to', async () => {
    const target = lab();
    await target.setSettings({ SameSubnetDelay: 2000, SameSubnetThreshold: 5 });
    await target.killClusterService('N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Down', 20_000, 10);
    const removal = (await target.collectEvents()).find((e) => e.id === 1135)!;
    expect(removal.t).to.be.within(8_000, 12_000);
  });

  it('refuses an unknown property, naming it and the known ones, and changes nothing', async () => {
    const target = lab();
    const error = await rejection(target.setSettings({ ResiliencyDefaultPeriod: 30, ResilencyDefaultPeriod: 60 }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.contain('ResilencyDefaultPeriod').and.contain('ResiliencyDefaultPeriod, QuarantineThreshold');
    expect((await target.getSettings()).ResiliencyDefaultPeriod).to.equal(240);
  });

  for (const bad of [-1, 1.5, Number.NaN]) {
    it(`refuses ${bad} as a property value`, async () => {
      const error = await rejection(lab().setSettings({ ResiliencyDefaultPeriod: bad }));
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.contain('ResiliencyDefaultPeriod');
    });
  }

  it('accepts MaxQuarantinedPercent from 1 to 100 and refuses 0 and 101', async () => {
    const target = lab();
    await target.setSettings({ MaxQuarantinedPercent: 20 });
    expect((await target.getSettings()).MaxQuarantinedPercent).to.equal(20);
    for (const bad of [0, 101]) {
      const error = await rejection(target.setSettings({ MaxQuarantinedPercent: bad }));
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.contain('between 1 and 100');
    }
  });

  it('refuses a simulator without liveMigrationJitter, or with one outside 0 ≤ jitter < 1', () => {
    const { liveMigrationJitter: _, ...withoutJitter } = labSimulator;
    const build = (simulator: unknown) => () =>
      createSimTarget({ cluster: { name: 'LAB', nodes: ['N1'], vms: [] }, simulator: simulator as typeof labSimulator, seed: 1 });
    expect(build(withoutJitter)).to.throw(Error, /simulator.liveMigrationJitter must be a number with 0 ≤ jitter < 1/);
    for (const bad of [-0.1, 1, Number.NaN]) expect(build({ ...labSimulator, liveMigrationJitter: bad })).to.throw(Error, /liveMigrationJitter/);
    expect(build({ ...labSimulator, liveMigrationJitter: 0 })).to.not.throw();
    expect(build({ ...labSimulator, liveMigrationJitter: 0.99 })).to.not.throw();
  });

  it('accepts MaximumVirtualMachineMigrations and MaximumParallelMigrations from 1 to 64 and refuses 0 and 65', async () => {
    const target = lab();
    await target.setSettings({ MaximumVirtualMachineMigrations: 64, MaximumParallelMigrations: 1 });
    expect(await target.getSettings()).to.include({ MaximumVirtualMachineMigrations: 64, MaximumParallelMigrations: 1 });
    for (const name of ['MaximumVirtualMachineMigrations', 'MaximumParallelMigrations']) {
      for (const bad of [0, 65]) {
        const error = await rejection(target.setSettings({ [name]: bad }));
        expect(error).to.be.instanceOf(OperationError);
        expect(error.message).to.contain(name).and.contain('between 1 and 64');
      }
    }
  });

  it('accepts MinimumResilientVmVersion from 0 to 100 and refuses 101', async () => {
    const target = lab();
    await target.setSettings({ MinimumResilientVmVersion: 9 });
    await target.setSettings({ MinimumResilientVmVersion: 0 });
    expect((await target.getSettings()).MinimumResilientVmVersion).to.equal(0);
    const error = await rejection(target.setSettings({ MinimumResilientVmVersion: 101 }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.contain('MinimumResilientVmVersion').and.contain('between 0 and 100');
  });

  it('refuses a heartbeat setting out of its range', async () => {
    const error = await rejection(lab().setSettings({ SameSubnetDelay: 0 }));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.contain('between 250 and 4000');
  });
});
