/**
 * isolate-network `network:` through the PowerShell target against the rehearsal lab: the module resolves the
 * cluster network (Get-ClusterNetwork: by name or role), blocks all traffic to and from its subnet on the node
 * (Address/AddressMask) with the same dead-man task as a whole cut, and the lab's firewall cuts that network
 * only; the revert removes the rules and the task.
 */
import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { callsSince, labExperiment, rehearsal, TAG } from './lab-target.js';

describe('isolate-network network: through the PowerShell target, against the rehearsal lab', function () {
  this.timeout(300_000);
  let target: RehearsalTarget;
  let lab: Lab;
  const isolate = faults.get('isolate-network')!;
  const context = { iteration: 1, random: () => 0.5, migrationTimeoutMs: 600_000 };

  before(async () => {
    ({ target, lab } = await rehearsal({ experiment: labExperiment('networks.yaml') }));
    await target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
  });

  after(async () => {
    await target?.close();
  });

  it('blocks only that network\'s subnet on the node: heartbeats go on over the others, the node stays Up', async () => {
    const from = lab.calls().length;
    const params = { node: 'N2', network: 'Cluster', duration: 600_000 };
    await isolate.inject(target, params, context);
    const rules = callsSince(lab, from).filter((c) => c.command === 'New-NetFirewallRule');
    expect(rules.map((c) => [c.node, c.parameters.Direction, c.parameters.Protocol, c.parameters.RemoteAddress])).to.deep.equal([
      ['N2', 'Inbound', 'Any', ['10.10.1.0/255.255.255.0']],
      ['N2', 'Outbound', 'Any', ['10.10.1.0/255.255.255.0']],
    ]);
    expect(lab.sim.network.linkUp('N2', 'N1', 'Cluster')).to.equal(false);
    expect(lab.sim.network.linkUp('N2', 'N1', 'LM')).to.equal(true);
    expect(lab.sim.network.connected('N2', 'N1')).to.equal(true);
    await target.sleep(10_000);
    expect(lab.sim.poll().nodes.N2).to.deep.equal({ State: 'Up', StatusInformation: [] });
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect(residue.firewallRules.sort()).to.deep.equal([`N2/${TAG}-Inbound-Any`, `N2/${TAG}-Outbound-Any`]);
    expect(residue.tasks).to.deep.equal([`N2/${TAG}-heal`]);
    await isolate.revert!(target, params);
    expect(lab.sim.network.linkUp('N2', 'N1', 'Cluster')).to.equal(true);
    const after = await target.residue({ tag: TAG, settings: {} });
    expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
  });

  it('takes a role, and with peers blocks only their addresses on it; a live migration then goes over the next network', async () => {
    const params = { node: 'N1', network: 'LM', peers: ['N3'], duration: 600_000 };
    const from = lab.calls().length;
    await isolate.inject(target, params, context);
    const rules = callsSince(lab, from).filter((c) => c.command === 'New-NetFirewallRule');
    expect(rules.map((c) => c.parameters.RemoteAddress)).to.deep.equal([['10.10.0.13'], ['10.10.0.13']]);
    expect([lab.sim.network.linkUp('N1', 'N3', 'LM'), lab.sim.network.linkUp('N1', 'N2', 'LM')]).to.deep.equal([false, true]);
    expect(lab.sim.network.migrationNetwork('N1', 'N3')).to.equal('Cluster');
    await target.liveMigrate('app01', 'N3', {});
    expect(lab.sim.poll().vms.app01!.OwnerNode).to.equal('N3');
    await isolate.revert!(target, params);
    const role = { node: 'N2', network: 'ClusterOnly', duration: 600_000 }; // LM and Cluster; Management carries heartbeats
    await isolate.inject(target, role, context);
    expect(['LM', 'Cluster', 'Management'].map((n) => lab.sim.network.linkUp('N2', 'N1', n))).to.deep.equal([false, false, true]);
    expect(lab.sim.network.connected('N2', 'N1')).to.equal(true);
    await isolate.revert!(target, role);
  });

  it('refuses a network the cluster does not have, naming those it has, and changes nothing', async () => {
    const error = await isolate.inject(target, { node: 'N2', network: 'Storage', duration: 600_000 }, context).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/no cluster network named Storage, nor of that role \(Get-ClusterNetwork: LM \(ClusterOnly\), Cluster \(ClusterOnly\), Management \(ClusterAndClient\)\); name one of them, or a role; nothing was changed/);
    expect((await target.residue({ tag: TAG, settings: {} })).firewallRules).to.deep.equal([]);
  });
});
