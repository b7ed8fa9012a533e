import { expect } from 'chai';
import { createSimTarget, type SimTarget } from '../../src/targets/sim/index.js';
import { OperationError } from '../../src/targets/target.js';
import type { ClusterNetworkDescription, VmDescription } from '../../src/trace/records.js';
import { labSimulator, rejection, slowNetwork } from './lab.js';

/**
 * Three cluster networks, as a Hyper-V cluster is usually built: a live-migration network (cluster only, first in
 * the live-migration order), a cluster network for heartbeats and CSV (cluster only, second), and the management
 * network the clients use (cluster and client, not for live migration).
 */
const networks: ClusterNetworkDescription[] = [
  { name: 'LM', role: 'ClusterOnly', liveMigration: 1 },
  { name: 'Cluster', role: 'ClusterOnly', liveMigration: 2 },
  { name: 'Management', role: 'ClusterAndClient' },
];
const vms: VmDescription[] = [
  { name: 'web01', owner: 'N1', storage: 'smb', memoryGB: 4 },
  { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 8 },
];

function cluster(o: { networks?: ClusterNetworkDescription[]; defects?: string[] } = {}): SimTarget {
  return createSimTarget({
    cluster: { name: 'LAB', nodes: ['N1', 'N2', 'N3'], vms, liveMigration: slowNetwork, networks: o.networks ?? networks },
    simulator: { ...labSimulator, liveMigrationJitter: 0 },
    seed: 1,
    defects: o.defects,
  });
}

const nodeStates = async (target: SimTarget) => Object.values((await target.poll()).nodes).map((n) => n.State);

describe('sim: one cluster network lost (isolate-network network:)', () => {
  it('isolates nothing when the lost network is one of two that carry heartbeats: no node leaves, no 1673', async () => {
    const target = cluster();
    await target.isolateNetwork('N2', { network: 'Cluster', healAfterMs: 60_000 });
    for (let i = 0; i < 60; i++) {
      await target.sleep(1_000);
      expect(await nodeStates(target)).to.deep.equal(['Up', 'Up', 'Up']);
    }
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.not.include(1135); // node removed from membership
    expect(ids).to.not.include(1673); // isolated
  });

  it('isolates the node when every network that carries heartbeats is lost (a Role names them all)', async () => {
    const target = cluster({ networks: [networks[0], networks[1], { name: 'Management', role: 'None' }] });
    await target.isolateNetwork('N2', { network: 'ClusterOnly', healAfterMs: 60_000 });
    await target.sleep(15_000);
    const n2 = (await target.poll()).nodes.N2;
    expect(n2.StatusInformation).to.include('Isolated');
    expect((await target.collectEvents()).map((e) => e.id)).to.include(1673);
  });

  it('with defect one-network-isolates, isolates the node although another network carries its heartbeats', async () => {
    const target = cluster({ defects: ['one-network-isolates'] });
    await target.isolateNetwork('N2', { network: 'Cluster', healAfterMs: 60_000 });
    await target.sleep(15_000);
    expect((await target.poll()).nodes.N2.StatusInformation).to.include('Isolated');
  });

  it('sets a live migration up over the next network of the preference order when the first is lost', async () => {
    const target = cluster();
    const before = await target.liveMigrate('web01', 'N3');
    expect(before.network).to.equal('LM');
    await target.isolateNetwork('N3', { network: 'LM', healAfterMs: 600_000 });
    const after = await target.liveMigrate('web01', 'N1');
    expect(after).to.include({ network: 'Cluster', source: 'N3', target: 'N1' });
    expect(after).to.not.have.property('failedIn');
    expect((await target.poll()).vms.web01.OwnerNode).to.equal('N1');
    // between two hosts the cut does not touch, the first network still serves
    expect((await target.liveMigrate('web01', 'N2')).network).to.equal('LM');
  });

  it('fails a migration in flight over the network that is lost: the VM keeps running on its source, 21502 there', async () => {
    const target = cluster();
    const pending = rejection(target.liveMigrate('sql01', 'N1')); // 8 GB over 1 GbE: over a minute of pre-copy
    await target.sleep(20_000);
    await target.isolateNetwork('N2', { network: 'LM', healAfterMs: 600_000 });
    const error = await pending;
    expect(error).to.be.instanceOf(OperationError);
    expect(error.message).to.match(/network LM between N2 and N1 was lost/);
    expect((error as OperationError).value).to.include({ network: 'LM', failedIn: 'PreCopy' });
    expect((await target.poll()).vms.sql01).to.include({ State: 'Running', OwnerNode: 'N2' });
    expect((await target.collectEvents()).filter((e) => e.node === 'N2').map((e) => e.id)).to.include.members([21502, 21111]);
    // the next try takes the next network and completes
    expect((await target.liveMigrate('sql01', 'N1')).network).to.equal('Cluster');
  });

  it('with defect lm-network-no-fallback, a migration keeps to the lost first network and fails', async () => {
    const target = cluster({ defects: ['lm-network-no-fallback'] });
    await target.isolateNetwork('N1', { network: 'LM', healAfterMs: 600_000 });
    const error = await rejection(target.liveMigrate('web01', 'N3'));
    expect(error.message).to.match(/network LM is down between N1 and N3/);
    expect((await target.poll()).vms.web01.OwnerNode).to.equal('N1');
  });

  it('refuses a migration when no live-migration network is up between the hosts', async () => {
    const target = cluster({ networks: [networks[0], { name: 'Management', role: 'ClusterAndClient' }] });
    await target.isolateNetwork('N1', { network: 'LM', healAfterMs: 600_000 });
    const error = await rejection(target.liveMigrate('web01', 'N3'));
    expect(error.message).to.match(/no live-migration network is up between N1 and N3/);
    expect(await nodeStates(target)).to.deep.equal(['Up', 'Up', 'Up']);
  });

  it('refuses a network it does not know, naming the cluster networks', async () => {
    const error = await rejection(cluster().isolateNetwork('N2', { network: 'Storage', healAfterMs: 1_000 }));
    expect(error.message).to.equal(
      'no cluster network named Storage, nor of that role (networks: LM (ClusterOnly), Cluster (ClusterOnly), Management (ClusterAndClient)); name one of them, or a role',
    );
  });

  it('keeps a description without networks as before: one network, whose loss isolates the node', async () => {
    const target = createSimTarget({ cluster: { name: 'LAB', nodes: ['N1', 'N2', 'N3'], vms }, simulator: { ...labSimulator }, seed: 1 });
    await target.isolateNetwork('N2', { network: 'ClusterAndClient', healAfterMs: 60_000 });
    await target.sleep(15_000);
    expect((await target.poll()).nodes.N2.StatusInformation).to.include('Isolated');
  });
});
