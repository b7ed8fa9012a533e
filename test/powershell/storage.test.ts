/**
 * fail-storage-path and fail-storage through the PowerShell target against a rehearsal lab whose cluster has a CSV
 * and an SMB share with their addresses: Storage.ps1 blocks iSCSI (TCP 3260) or SMB (TCP 445) to them on one node or
 * on every node, with a firewall rule and a heal task on each; the lab cuts the simulated paths while the rules are
 * enforced; the revert removes them.
 */
import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import type { FaultContext } from '../../src/faults/fault.js';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { OperationError } from '../../src/targets/target.js';
import { callsSince, labExperiment, rehearsal, TAG } from './lab-target.js';

const context: FaultContext = { iteration: 1, random: () => 0.5, migrationTimeoutMs: 600_000 };
const SHARE = String.raw`\\fs01\vms`;

describe('fail-storage-path and fail-storage through the PowerShell target, against a rehearsal lab', function () {
  this.timeout(600_000);
  let target: RehearsalTarget;
  let lab: Lab;

  before(async () => {
    const base = labExperiment('lab.yaml');
    const cluster = {
      ...base.cluster,
      storage: [
        { name: 'CSV1', kind: 'csv' as const, address: ['10.0.5.10'] },
        { name: SHARE, kind: 'smb' as const, address: ['10.0.5.20'] },
        { name: 'CSV2', kind: 'csv' as const },
      ],
      vms: base.cluster.vms.map((vm) => ({ ...vm, volume: vm.storage === 'csv-block' ? 'CSV1' : SHARE })),
    };
    ({ target, lab } = await rehearsal({ experiment: { ...base, cluster } }));
  });

  after(async () => {
    await target?.close();
  });

  it("fail-storage-path on a CSV: one Block rule for TCP 3260 to its portal and a heal task on that node only; the node is in redirected access; the revert removes them", async () => {
    const fault = faults.get('fail-storage-path')!;
    const params = { node: 'N2', storage: 'CSV1', duration: 600_000 };
    const from = lab.calls().length;
    await fault.inject(target, params, context);
    const calls = callsSince(lab, from).map((c) => `${c.node ?? 'M'} ${c.command}`);
    expect(calls.filter((c) => c.endsWith('New-NetFirewallRule'))).to.deep.equal(['N2 New-NetFirewallRule']);
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect(residue.firewallRules).to.deep.equal([`N2/${TAG}-storage-v1-Outbound-TCP`]);
    expect(residue.tasks).to.deep.equal([`N2/${TAG}-storage-v1-heal`]);
    const rule = lab.firewallRules('N2').find((r) => r.Name === `${TAG}-storage-v1-Outbound-TCP`)!;
    expect([rule.Direction, rule.Protocol, rule.RemotePort, rule.RemoteAddress, rule.Action, rule.Group]).to.deep.equal(['Outbound', 'TCP', ['3260'], ['10.0.5.10'], 'Block', TAG]);
    expect(lab.sim.storage.redirected('CSV1', 'N2')).to.equal(true);
    expect(lab.sim.storage.reachable('CSV1', 'N2')).to.equal(true);

    await fault.revert!(target, params);
    const after = await target.residue({ tag: TAG, settings: {} });
    expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
    expect(lab.sim.storage.redirected('CSV1', 'N2')).to.equal(false);
  });

  it('fail-storage on a share: TCP 445 to its file server blocked on every node; the share is lost; the revert gives it back', async () => {
    const fault = faults.get('fail-storage')!;
    const params = { storage: SHARE, duration: 600_000 };
    const nodes = lab.sim.describe().nodes;
    await fault.inject(target, params, context);
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect(residue.firewallRules.sort()).to.deep.equal(nodes.map((n) => `${n}/${TAG}-storage-v2-Outbound-TCP`).sort());
    expect(residue.tasks.sort()).to.deep.equal(nodes.map((n) => `${n}/${TAG}-storage-v2-heal`).sort());
    expect(lab.firewallRules(nodes[0]!)[0]!.RemotePort).to.deep.equal(['445']);
    expect(nodes.some((n) => lab.sim.storage.reachable(SHARE, n))).to.equal(false);

    await fault.revert!(target, params);
    const after = await target.residue({ tag: TAG, settings: {} });
    expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
    expect(nodes.every((n) => lab.sim.storage.reachable(SHARE, n))).to.equal(true);
  });

  it('refuses a volume without an address, saying what to add, before anything is sent', async () => {
    const from = lab.calls().length;
    const e = await target.failStorage('CSV2', { healAfterMs: 60_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).to.be.instanceOf(OperationError);
    expect((e as Error).message).to.contain('the volume CSV2 has no address').and.contain('TCP 3260').and.contain('nothing was changed');
    expect(callsSince(lab, from)).to.deep.equal([]);
  });
});
