import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { listExperiments } from '../../src/experiment/load.js';
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
      expect(e.cluster.vms.find((vm) => vm.name === 'sql01')).to.deep.equal({
        name: 'sql01',
        owner: 'N2',
        storage: 'csv-block',
        memoryGB: 16,
        dirtyMBps: 16,
        disks: [],
      });
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
      expect(e.simulator).to.deep.equal({ scmRestartDelayMs: 15_000, vmStartMs: [5000, 20_000], vmIoIntervalMs: [100, 2000], hostBootMs: [90_000, 180_000], liveMigrationJitter: 0.1 });
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

  it('every one of them loads without a problem', () => {
    for (const { file } of listExperiments(shipped(''))) expect(() => load(file), file).not.to.throw();
  });

  describe('live-migration-soak (the overnight reproduction of KB2636573)', () => {
    const e = load(shipped('live-migration-soak.yaml'));
    const step = e.method[0] as FaultStep;

    it('is a soak of 12,000 iterations that stops at the first anomaly', () => {
      expect(e.soak).to.deep.equal({ iterations: 12_000, stopOn: 'first-anomaly', anomalyEvents: [18590, 20417, 21502, 21111], migrationTimeoutMs: 600_000 });
    });

    it('runs on four Windows Server 2008 R2 hosts over 10 GbE with TCP/IP, the only transport 2008 R2 had', () => {
      expect(e.cluster.nodes).to.have.length(4);
      expect(e.cluster.hostVersion).to.equal('2008R2');
      expect(e.cluster.liveMigration).to.include({ transport: 'TCPIP', nicGbps: 10 });
    });

    it('has SQL test VMs with written dynamic VHDs on SCSI, and some with fixed disks only', () => {
      const racy = e.cluster.vms.filter((vm) => vm.disks!.some((d) => d.type === 'dynamic' && d.controller === 'scsi' && d.writes));
      const fixed = e.cluster.vms.filter((vm) => vm.disks!.length > 0 && vm.disks!.every((d) => d.type === 'fixed'));
      expect(racy.length).to.be.at.least(2);
      expect(fixed.length).to.be.at.least(1);
      expect(racy.length + fixed.length).to.equal(e.cluster.vms.length);
      for (const vm of e.cluster.vms) expect(vm.name).to.match(/^sql/);
    });

    it('migrates every VM of the cluster in turn, round-robin, in one step', () => {
      expect(e.method).to.have.length(1);
      expect(step.fault).to.equal('live-migrate');
      expect(step.params).to.deep.equal({ vm: e.cluster.vms.map((vm) => vm.name), to: 'round-robin' });
    });

    it('says how to run it with the storvsc-race defect and 20,000 iterations, and how to resume it', () => {
      const text = readFileSync(shipped('live-migration-soak.yaml'), 'utf8');
      expect(text).to.include('--defect storvsc-race --set iterations=20000');
      expect(text).to.include('--resume');
    });
  });

  describe('migration-transport-comparison', () => {
    const e = load(shipped('migration-transport-comparison.yaml'));
    const moves = e.method.filter((s): s is FaultStep => s.kind === 'fault');

    it('moves one 8 GB VM back and forth between two nodes, once per transport', () => {
      expect(moves.map((s) => s.params.transport)).to.deep.equal(['TCPIP', 'Compression', 'SMB', 'SMBDirect']);
      const vm = e.cluster.vms.find((v) => v.name === moves[0]!.params.vm)!;
      expect(vm.memoryGB).to.equal(8);
      expect(moves.every((s) => s.fault === 'live-migrate' && s.params.vm === vm.name)).to.equal(true);
      // each move goes to the node the VM is not on: away from its owner first, then back
      const owners = [vm.owner, ...moves.map((s) => s.params.to as string)];
      for (let i = 1; i < owners.length; i++) expect(owners[i]).not.to.equal(owners[i - 1]);
      expect(new Set(owners).size).to.equal(2);
    });

    it('gives the hosts two 10 GbE NICs, so SMB Multichannel and SMB Direct have both to use', () => {
      expect(e.cluster.liveMigration).to.include({ nics: 2, nicGbps: 10, teaming: false });
    });
  });

  describe('drain-host', () => {
    const e = load(shipped('drain-host.yaml'));

    it('drains a node holding six VMs of 96 GB in all and fails them back, once over each transport', () => {
      const onN2 = e.cluster.vms.filter((vm) => vm.owner === 'N2');
      expect(onN2).to.have.length(6);
      expect(onN2.reduce((sum, vm) => sum + vm.memoryGB, 0)).to.equal(96);
      const steps = e.method.map((s) => (s.kind === 'wait' ? 'wait' : `${s.fault} ${String(s.params.node)} ${String(s.params.transport)}`));
      expect(steps).to.deep.equal(
        ['TCPIP', 'Compression', 'SMB', 'SMBDirect'].flatMap((t) => [`drain-node N2 ${t}`, 'wait', `resume-node N2 ${t}`, 'wait']),
      );
      for (const step of e.method.filter((s): s is FaultStep => s.kind === 'fault' && s.fault === 'resume-node')) expect(step.params).to.include({ failback: true });
    });

    it('allows the model enough time for a drain of that size', () => {
      expect(e.settings.DrainWithin).to.be.at.least(900);
      expect((e.method[0] as FaultStep).params.timeout).to.equal(30 * 60_000);
    });
  });
});
