import { expect } from 'chai';
import type { FaultStep, WaitStep } from '../../src/experiment/types.js';
import { load, shipped } from './helpers.js';

describe('shipped experiments', () => {
  describe('compute-resiliency (the flagship)', () => {
    const e = load(shipped('compute-resiliency.yaml'));

    it('is named after its file and keeps the path as given', () => {
      expect(e.name).to.equal('compute-resiliency');
      expect(e.file).to.equal(shipped('compute-resiliency.yaml'));
      expect(e.title).to.match(/^Compute Resiliency/);
    });

    it('describes what should happen: isolation, Unmonitored, PausedCritical, rejoin', () => {
      for (const word of ['Isolated', 'Unmonitored', 'RunningCritical', 'PausedCritical', 'rejoins']) {
        expect(e.description).to.include(word);
      }
    });

    it('runs on HVCLUSTER01 with four nodes and VMs of both storage kinds on N2', () => {
      expect(e.cluster.name).to.equal('HVCLUSTER01');
      expect(e.cluster.nodes).to.deep.equal(['N1', 'N2', 'N3', 'N4']);
      expect(e.cluster.vms.length).to.be.at.least(6);
      const onN2 = e.cluster.vms.filter((vm) => vm.owner === 'N2').map((vm) => vm.storage);
      expect(onN2).to.include.members(['smb', 'csv-block']);
      for (const node of e.cluster.nodes) expect(e.cluster.vms.some((vm) => vm.owner === node), node).to.equal(true);
      expect(e.cluster.vms.find((vm) => vm.name === 'sql01')).to.deep.equal({ name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 });
    });

    it("uses the lab engineer's ResiliencyDefaultPeriod of 60 s", () => {
      expect(e.settings).to.deep.equal({ ResiliencyDefaultPeriod: 60 });
    });

    it('kills clussvc on N2 without a hold-down, then waits 90 s, remembering the lines', () => {
      expect(e.method.map(({ line: _, ...step }) => step)).to.deep.equal([
        { kind: 'fault', fault: 'kill-clussvc', params: { node: 'N2' } },
        { kind: 'wait', ms: 90_000 },
      ]);
      const [kill, wait] = e.method as [FaultStep, WaitStep];
      expect(kill.line).to.be.a('number');
      expect(wait.line).to.be.greaterThan(kill.line!);
    });

    it('has the default timings: SCM restart 15 s, steady state 120 s, polls every 1 s, 2 s tolerance, seed 1', () => {
      expect(e.simulator).to.deep.equal({ scmRestartDelayMs: 15_000, vmStartMs: [5000, 20_000], vmIoIntervalMs: [100, 2000], liveMigrationMs: [2000, 8000] });
      expect(e.steadyState).to.deep.equal({ timeoutMs: 120_000, downAfter: [] });
      expect(e.observe).to.deep.equal({ intervalMs: 1000 });
      expect(e.check).to.deep.equal({ toleranceMs: 2000 });
      expect(e.seed).to.equal(1);
    });
  });

  describe('clussvc-stays-down', () => {
    const e = load(shipped('clussvc-stays-down.yaml'));

    it('holds clussvc down on N2 for 120 s, past the 60 s period, and reaches the fault as milliseconds', () => {
      expect(e.method[0]).to.include({ kind: 'fault', fault: 'kill-clussvc' });
      expect((e.method[0] as FaultStep).params).to.deep.equal({ node: 'N2', holdDown: 120_000 });
      expect(120_000).to.be.greaterThan(e.settings.ResiliencyDefaultPeriod! * 1000);
    });

    it('waits long enough for the node to come back after the hold-down', () => {
      expect(e.method[1]).to.include({ kind: 'wait', ms: 180_000 });
    });

    it('runs on the same cluster as the flagship and says the VMs fail over', () => {
      expect(e.cluster).to.deep.equal(load(shipped('compute-resiliency.yaml')).cluster);
      expect(e.description).to.match(/Down/).and.to.match(/fail over/);
    });
  });
});
