import { expect } from 'chai';
import { createSimTarget } from '../../src/targets/sim/index.js';
import { OperationError } from '../../src/targets/target.js';
import { fastNetwork, lab, labSimulator, labVms, rejection } from './lab.js';

describe('sim: the Target seam', () => {
  it('is a sim target that starts at t=0 with every node Up and every VM Running on its owner', async () => {
    const target = lab();
    expect(target.kind).to.equal('sim');
    expect(target.now()).to.equal(0);
    const poll = await target.poll();
    expect(poll.t).to.equal(0);
    expect(Object.keys(poll.nodes)).to.deep.equal(['N1', 'N2', 'N3']);
    expect(Object.keys(poll.vms)).to.deep.equal(['web01', 'sql01', 'app01']);
    expect(poll.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
  });

  it('moves virtual time only when asked, by exactly the amount asked', async () => {
    const target = lab();
    await target.sleep(1234.5);
    await target.sleep(0);
    expect(target.now()).to.equal(1234.5);
    expect((await target.poll()).t).to.equal(1234.5);
    expect(await target.collectEvents()).to.deep.equal([]);
  });

  it('refuses to sleep a negative time', async () => {
    const error = await rejection(lab().sleep(-1));
    expect(error.message).to.contain('time only runs forward');
  });

  it('describes the cluster with its current VM owners', async () => {
    const target = lab();
    expect(target.describe()).to.deep.equal({ name: 'LAB', nodes: ['N1', 'N2', 'N3'], vms: labVms, liveMigration: fastNetwork });
    await target.setSettings({ ResiliencyDefaultPeriod: 0 });
    await target.killClusterService('N2', { holdDownMs: 60_000 });
    await target.sleep(30_000);
    expect(target.describe().vms.find((vm) => vm.name === 'web01')!.owner).to.not.equal('N2');
  });

  it('refuses to kill clussvc where it is not running', async () => {
    const target = lab();
    await target.killClusterService('N2');
    const error = await rejection(target.killClusterService('N2'));
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.equal('clussvc is not running on N2');
  });

  it('refuses an unknown node, naming the known ones', async () => {
    const target = lab();
    for (const call of [target.killClusterService('N9'), target.startClusterService('N9')]) {
      const error = await rejection(call);
      expect(error).to.be.instanceOf(OperationError);
      expect(error.message).to.contain('N9').and.contain('N1, N2, N3');
    }
  });

  it('refuses a negative hold-down', async () => {
    const error = await rejection(lab().killClusterService('N2', { holdDownMs: -5 }));
    expect(error).to.be.instanceOf(OperationError);
  });

  it('counts crashes in 7031', async () => {
    const target = lab({ scmRestartDelayMs: 1_000 });
    await target.killClusterService('N2');
    await target.sleep(5_000);
    await target.killClusterService('N2');
    const crashes = (await target.collectEvents()).filter((e) => e.id === 7031);
    expect(crashes[1].message).to.contain('It has done this 2 time(s)').and.contain('taken in 1000 milliseconds');
  });

  it('resolves close()', async () => {
    await lab().close();
  });

  describe('refuses an inconsistent cluster', () => {
    const make = (cluster: Parameters<typeof createSimTarget>[0]['cluster']) => () =>
      createSimTarget({ cluster, simulator: labSimulator, seed: 1 });

    it('a VM owned by a node that is not in the cluster', () => {
      expect(make({ name: 'LAB', nodes: ['N1'], vms: [{ name: 'web01', owner: 'N7', storage: 'smb', memoryGB: 4 }] })).to.throw(
        Error,
        /VM web01 is owned by N7, which is not a node of the cluster \(nodes: N1\)/,
      );
    });

    it('a node listed twice', () => {
      expect(make({ name: 'LAB', nodes: ['N1', 'N2', 'N1'], vms: [] })).to.throw(Error, /node N1 is listed twice/);
    });

    it('a VM listed twice', () => {
      const vm = { name: 'web01', owner: 'N1', storage: 'smb' as const, memoryGB: 4 };
      expect(make({ name: 'LAB', nodes: ['N1'], vms: [vm, vm] })).to.throw(Error, /VM web01 is listed twice/);
    });

    it('no nodes at all', () => {
      expect(make({ name: 'LAB', nodes: [], vms: [] })).to.throw(Error, /no nodes/);
    });

    it('a VM without memory, a negative dirty rate, or a disk that is not dynamic/fixed on scsi/ide', () => {
      const vm = { name: 'web01', owner: 'N1', storage: 'smb' as const, memoryGB: 4 };
      expect(make({ name: 'LAB', nodes: ['N1'], vms: [{ ...vm, memoryGB: 0 }] })).to.throw(Error, /VM web01 has memoryGB 0/);
      expect(make({ name: 'LAB', nodes: ['N1'], vms: [{ ...vm, dirtyMBps: -1 }] })).to.throw(Error, /VM web01 has dirtyMBps -1/);
      const disk = { type: 'thin', controller: 'scsi', writes: true } as never;
      expect(make({ name: 'LAB', nodes: ['N1'], vms: [{ ...vm, disks: [disk] }] })).to.throw(Error, /VM web01 disk 1 is .*thin/);
    });

    it('a live-migration network, host version or idle cores the timing model cannot use', () => {
      const network = { transport: 'TCPIP' as const, nics: 1, nicGbps: 1, teaming: false, jumboFrames: false, powerProfile: 'balanced' as const };
      const base = { name: 'LAB', nodes: ['N1'], vms: [] };
      expect(make({ ...base, liveMigration: { ...network, transport: 'RDMA' as never } })).to.throw(Error, /liveMigration\.transport is "RDMA"/);
      expect(make({ ...base, liveMigration: { ...network, nics: 0 } })).to.throw(Error, /liveMigration\.nics is 0/);
      expect(make({ ...base, liveMigration: { ...network, nicGbps: -10 } })).to.throw(Error, /liveMigration\.nicGbps is -10/);
      expect(make({ ...base, hostVersion: '2016' as never })).to.throw(Error, /hostVersion "2016"/);
      expect(make({ ...base, idleCpuCores: -1 })).to.throw(Error, /idleCpuCores -1/);
      expect(make({ ...base, liveMigration: network, hostVersion: '2008R2', idleCpuCores: 0 })).to.not.throw();
    });

    it('a simulator range upside down', () => {
      const build = () =>
        createSimTarget({ cluster: { name: 'LAB', nodes: ['N1'], vms: [] }, simulator: { ...labSimulator, vmStartMs: [9, 1] }, seed: 1 });
      expect(build).to.throw(Error, /simulator.vmStartMs/);
    });
  });
});
