/**
 * fail-witness through the PowerShell target against a rehearsal lab whose cluster has a file share witness:
 * Witness.ps1 reads the quorum resource (Get-ClusterQuorum, its SharePath), blocks SMB (TCP 445) to the file
 * server from every node with a firewall rule and a heal task on each, and the simulated witness fails once
 * every node is blocked; the revert removes them all and the witness is back.
 */
import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import type { FaultContext } from '../../src/faults/fault.js';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { callsSince, labExperiment, rehearsal, TAG } from './lab-target.js';

const context: FaultContext = { iteration: 1, random: () => 0.5, migrationTimeoutMs: 600_000 };

describe('fail-witness through the PowerShell target, against a rehearsal lab with a file share witness', function () {
  this.timeout(300_000);
  let target: RehearsalTarget;
  let lab: Lab;

  before(async () => {
    const base = labExperiment('lab.yaml');
    ({ target, lab } = await rehearsal({ experiment: { ...base, cluster: { ...base.cluster, witness: { type: 'fileshare' } } } }));
  });

  after(async () => {
    await target?.close();
  });

  it('blocks TCP 445 to the witness server on every node, with a heal task on each; the witness fails, the nodes stay Up; the revert gives it back', async () => {
    const fault = faults.get('fail-witness')!;
    const nodes = lab.sim.describe().nodes;
    const from = lab.calls().length;
    await fault.inject(target, { duration: 600_000 }, context);
    const calls = callsSince(lab, from).map((c) => `${c.node ?? 'M'} ${c.command}`);
    expect(calls).to.include('M Get-ClusterQuorum');
    expect(calls.filter((c) => c.endsWith('New-NetFirewallRule')).sort()).to.deep.equal(nodes.map((n) => `${n} New-NetFirewallRule`).sort());
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect(residue.firewallRules.sort()).to.deep.equal(nodes.map((n) => `${n}/${TAG}-witness-Outbound-TCP`).sort());
    expect(residue.tasks.sort()).to.deep.equal(nodes.map((n) => `${n}/${TAG}-witness-heal`).sort());
    const rule = lab.firewallRules(nodes[0]!).find((r) => r.Name === `${TAG}-witness-Outbound-TCP`)!;
    expect([rule.Direction, rule.Protocol, rule.RemotePort, rule.RemoteAddress, rule.Action]).to.deep.equal(['Outbound', 'TCP', ['445'], ['10.10.0.250'], 'Block']);
    expect(lab.sim.witness.lost).to.equal(true);
    // the witness resource failed (1562, then 1069) and every node is still Up
    const events = (await target.collectEvents()).filter((e) => e.id === 1562 || e.id === 1069);
    expect(events.map((e) => e.id)).to.have.members([1562, 1069]);
    expect(events.find((e) => e.id === 1069)!.message).to.equal("Cluster resource 'File Share Witness' of type 'File Share Witness' in clustered role 'Cluster Group' failed.");
    expect(Object.values(lab.sim.poll().nodes).every((n) => n.State === 'Up')).to.equal(true);

    await fault.revert!(target, { duration: 600_000 });
    const after = await target.residue({ tag: TAG, settings: {} });
    expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
    // blocked from no node any more: the lab's witness is back
    expect(lab.firewallRules(nodes[0]!)).to.deep.equal([]);
    expect(lab.sim.witness.lost).to.equal(false);
  });
});
