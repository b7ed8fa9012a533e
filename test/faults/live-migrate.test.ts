import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import { liveMigrate } from '../../src/faults/live-migrate.js';
import { context, recordingTarget } from './recording-target.js';

const nodes = ['N1', 'N2', 'N3', 'N4'];

describe('live-migrate', () => {
  it('is in the catalogue as a workload operation: it impairs no node and has nothing to revert', () => {
    expect(faults.get('live-migrate')).to.equal(liveMigrate);
    expect(liveMigrate.impairs({ vm: ['a', 'b'], to: 'round-robin' })).to.deep.equal([]);
    expect(liveMigrate.revert).to.equal(undefined);
    expect(liveMigrate.summary).to.match(/Move-ClusterVirtualMachineRole -MigrationType Live/);
  });

  it('migrates one VM to a named node with its transport and timeout (Move-ClusterVirtualMachineRole)', async () => {
    const { target, calls } = recordingTarget({ nodes, owners: { sql01: 'N1' } });
    const params = await liveMigrate.resolve!(target, { vm: 'sql01', to: 'N2', transport: 'SMBDirect', timeout: 120_000 }, context());
    expect(params).to.deep.equal({ vm: 'sql01', to: 'N2', transport: 'SMBDirect', timeout: 120_000 });
    const value = await liveMigrate.inject(target, params, context());
    expect(calls).to.deep.equal([['liveMigrate', 'sql01', 'N2', { transport: 'SMBDirect', timeoutMs: 120_000 }]]);
    expect(value).to.deep.include({ vm: 'sql01', source: 'N1', target: 'N2' });
  });

  it("takes the soak's migration timeout when the step gives none, and leaves the transport to the hosts", async () => {
    const { target, calls } = recordingTarget({ nodes, owners: { sql01: 'N1' } });
    const params = await liveMigrate.resolve!(target, { vm: 'sql01', to: 'N3' }, context(1, [], 45_000));
    expect(params).to.deep.equal({ vm: 'sql01', to: 'N3', timeout: 45_000 });
    await liveMigrate.inject(target, params, context());
    expect(calls).to.deep.equal([['liveMigrate', 'sql01', 'N3', { timeoutMs: 45_000 }]]);
  });

  it('migrates a list of VMs in turn: iteration i takes vms[(i - 1) mod n]', async () => {
    const { target } = recordingTarget({ nodes, owners: { a: 'N1', b: 'N2', c: 'N3' } });
    const picked: string[] = [];
    for (let i = 1; i <= 7; i++) picked.push(((await liveMigrate.resolve!(target, { vm: ['a', 'b', 'c'], to: 'N4' }, context(i))).vm as string));
    expect(picked).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it("round-robin sends a VM to the next Up node after its owner, in cluster node order, wrapping round", async () => {
    const owners = { a: 'N1', b: 'N2', c: 'N4' };
    const { target } = recordingTarget({ nodes, owners });
    const to = async (vm: string) => (await liveMigrate.resolve!(target, { vm, to: 'round-robin' }, context())).to;
    expect([await to('a'), await to('b'), await to('c')]).to.deep.equal(['N2', 'N3', 'N1']);
  });

  it('round-robin skips nodes that are not Up (Paused by a drain, Down) and never picks the owner', async () => {
    const { target } = recordingTarget({ nodes, states: { N2: 'Paused', N3: 'Down' }, owners: { a: 'N1', b: 'N4' } });
    expect((await liveMigrate.resolve!(target, { vm: 'a', to: 'round-robin' }, context())).to).to.equal('N4');
    expect((await liveMigrate.resolve!(target, { vm: 'b', to: 'round-robin' }, context())).to).to.equal('N1');
  });

  it("finds the VM's owner without regard to case, as Windows compares names", async () => {
    const { target } = recordingTarget({ nodes, owners: { SQL01: 'n3' } });
    expect((await liveMigrate.resolve!(target, { vm: 'sql01', to: 'round-robin' }, context())).to).to.equal('N4');
  });

  it('random picks among the other Up nodes with the seeded draw, so a replay makes the same moves', async () => {
    const { target } = recordingTarget({ nodes, states: { N3: 'Paused' }, owners: { a: 'N1' } });
    // candidates after N1: N2, N4 (N3 is Paused); a draw below 0.5 takes the first, at or above the second
    const to = async (draw: number) => (await liveMigrate.resolve!(target, { vm: 'a', to: 'random' }, context(1, [draw]))).to;
    expect(await to(0)).to.equal('N2');
    expect(await to(0.49)).to.equal('N2');
    expect(await to(0.5)).to.equal('N4');
    expect(await to(0.999)).to.equal('N4');
  });

  it('refuses to resolve when no other node is Up, or the VM is not in the cluster', async () => {
    const { target } = recordingTarget({ nodes: ['N1', 'N2'], states: { N2: 'Paused' }, owners: { a: 'N1' } });
    await expectRejection(liveMigrate.resolve!(target, { vm: 'a', to: 'round-robin' }, context()), /no node other than N1 is Up to take a/);
    await expectRejection(liveMigrate.resolve!(target, { vm: 'zz', to: 'random' }, context(1, [0])), /VM zz is not in the cluster/);
  });

  it('does not poll the cluster for a named node', async () => {
    const { target, polls } = recordingTarget({ nodes, owners: { a: 'N1' } });
    await liveMigrate.resolve!(target, { vm: 'a', to: 'N2' }, context());
    expect(polls()).to.equal(0);
  });

  it('resolves a policy itself when injected with unresolved parameters', async () => {
    const { target, calls } = recordingTarget({ nodes, owners: { a: 'N1', b: 'N2' } });
    await liveMigrate.inject(target, { vm: ['a', 'b'], to: 'round-robin' }, context(2, [], 30_000));
    expect(calls).to.deep.equal([['liveMigrate', 'b', 'N3', { timeoutMs: 30_000 }]]);
  });
});

async function expectRejection(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).message).to.match(message);
    return;
  }
  expect.fail('expected a rejection');
}
