/**
 * Every fault of the catalogue (src/faults/catalogue.ts) through the PowerShell target against the rehearsal
 * lab: the fault's own code resolves, injects and reverts; the target sends the module's calls through real
 * PowerShell 7; the stand-ins act on the simulated cluster, whose state the tests read (`lab.sim`) after the
 * injection and again after the revert. One lab for the file, its virtual time let run between steps.
 */
import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import type { FaultContext, FaultDefinition } from '../../src/faults/fault.js';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { labBmcSystem, LAB_OUTER_HOST } from '../../src/targets/powershell/rehearsal/commands/power.js';
import { callsSince, rehearsal, TAG } from './lab-target.js';

const context: FaultContext = { iteration: 1, random: () => 0.5, migrationTimeoutMs: 600_000 };

describe('every catalogue fault through the PowerShell target, against the rehearsal lab', function () {
  this.timeout(300_000);
  let target: RehearsalTarget;
  let lab: Lab;
  const covered = new Set<string>();

  before(async () => {
    // N2's power through its BMC (Redfish), N3's through the nested lab's outer host (the allowlist's power:)
    ({ target, lab } = await rehearsal({ power: { N2: { kind: 'redfish', system: labBmcSystem('N2'), credential: 'LAB_BMC' }, N3: { kind: 'hyperv', host: LAB_OUTER_HOST, vm: 'N3' } } }));
    // nodes noticed gone within a second, as the experiments set it
    await target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
  });

  after(async () => {
    await target?.close();
  });

  function fault(name: string): FaultDefinition<any> {
    const f = faults.get(name);
    if (!f) throw new Error(`no fault ${name} in the catalogue`);
    covered.add(name);
    return f;
  }

  /** Resolve and inject as the runner does; the stand-in calls it made (`<node> <command>`, M for the management host). */
  async function inject(name: string, params: Record<string, unknown>): Promise<{ value: unknown; params: Record<string, unknown>; calls: string[] }> {
    const f = fault(name);
    const from = lab.calls().length;
    const resolved = f.resolve ? await f.resolve(target, params, context) : params;
    const value = await f.inject(target, resolved, context);
    return { value, params: resolved, calls: callsSince(lab, from).map((c) => `${c.node ?? 'M'} ${c.command}`) };
  }

  async function revert(name: string, params: Record<string, unknown>): Promise<string[]> {
    const f = fault(name);
    if (!f.revert) throw new Error(`${name} has no revert`);
    const from = lab.calls().length;
    await f.revert(target, params);
    return callsSince(lab, from).map((c) => `${c.node ?? 'M'} ${c.command}`);
  }

  const node = (n: string) => lab.sim.poll().nodes[n]!;
  const owner = (vm: string) => lab.sim.poll().vms[vm]!.OwnerNode;

  /** Let lab time pass (no round trip) until the simulated cluster shows it. */
  async function until(what: string, holds: () => boolean, maxMs = 300_000): Promise<void> {
    for (let waited = 0; !holds(); waited += 500) {
      if (waited >= maxMs) throw new Error(`${what}: not within ${maxMs / 1000} s of lab time; the cluster: ${JSON.stringify(lab.sim.poll())}`);
      await target.sleep(500);
    }
  }
  const whole = () =>
    until('every node Up and every VM Running', () => {
      const p = lab.sim.poll();
      return Object.values(p.nodes).every((n) => n.State === 'Up' && n.StatusInformation.length === 0) && Object.values(p.vms).every((v) => v.State === 'Running');
    });

  it('kill-clussvc: clussvc killed on the node, which goes Isolated; the revert starts it and the node rejoins', async () => {
    const injected = await inject('kill-clussvc', { node: 'N2' });
    expect(injected.calls).to.include('N2 Stop-Process');
    expect(lab.sim.service('N2')!.status).to.equal('Stopped');
    await until('N2 Isolated', () => node('N2').StatusInformation.includes('Isolated'));
    expect(lab.sim.poll().vms.web01!.StatusInformation).to.deep.equal(['Unmonitored']);
    const reverted = await revert('kill-clussvc', injected.params);
    expect(reverted).to.include('N2 Start-Service');
    expect(lab.sim.service('N2')!.status).to.equal('Running');
    await whole();
  });

  it('kill-clussvc with holdDown: clussvc Disabled and down past SCM\'s restart, a lift task on the node; the revert lifts it', async () => {
    const injected = await inject('kill-clussvc', { node: 'N2', holdDown: 600_000 });
    expect(injected.calls.filter((c) => /Register-ScheduledTask|Set-Service|Stop-Process/.test(c))).to.deep.equal(['N2 Register-ScheduledTask', 'N2 Set-Service', 'N2 Stop-Process']);
    await target.sleep(90_000); // SCM would have restarted it after 60 s
    expect([lab.sim.service('N2')!.status, lab.sim.service('N2')!.startType]).to.deep.equal(['Stopped', 'Disabled']);
    expect(node('N2').State).to.not.equal('Up');
    expect((await target.residue({ tag: TAG, settings: {} })).tasks).to.deep.equal(['N2/clusterchaos-clussvc-holddown']);
    await revert('kill-clussvc', injected.params);
    expect([lab.sim.service('N2')!.status, lab.sim.service('N2')!.startType]).to.deep.equal(['Running', 'Automatic']);
    expect((await target.residue({ tag: TAG, settings: {} })).tasks).to.deep.equal([]);
    await whole();
  });

  it('isolate-network: the node cut off from every peer by firewall rules, with its heal task; the revert removes both', async () => {
    const injected = await inject('isolate-network', { node: 'N3', duration: 600_000 });
    expect(injected.calls.filter((c) => c.endsWith('New-NetFirewallRule'))).to.have.length(4);
    expect(lab.sim.network.peersOf('N3').sort()).to.deep.equal(['N1', 'N2']);
    await until('N3 removed from membership', () => node('N3').State !== 'Up' || node('N3').StatusInformation.includes('Isolated'));
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect(residue.firewallRules.sort()).to.deep.equal([`N3/${TAG}-Inbound-TCP`, `N3/${TAG}-Inbound-UDP`, `N3/${TAG}-Outbound-TCP`, `N3/${TAG}-Outbound-UDP`]);
    expect(residue.tasks).to.deep.equal([`N3/${TAG}-heal`]);
    await revert('isolate-network', injected.params);
    expect(lab.sim.network.peersOf('N3')).to.deep.equal([]);
    const after = await target.residue({ tag: TAG, settings: {} });
    expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
    await whole();
  });

  it('isolate-network with peers: only the links to those peers are cut (an asymmetric partition); the revert heals them', async () => {
    const injected = await inject('isolate-network', { node: 'N3', peers: ['N1'], duration: 600_000 });
    expect(lab.sim.network.peersOf('N3')).to.deep.equal(['N1']);
    expect([lab.sim.network.connected('N3', 'N1'), lab.sim.network.connected('N3', 'N2')]).to.deep.equal([false, true]);
    await until('N1 or N3 removed', () => ['N1', 'N3'].some((n) => node(n).State !== 'Up' || node(n).StatusInformation.length > 0));
    await revert('isolate-network', injected.params);
    expect(lab.sim.network.connected('N3', 'N1')).to.equal(true);
    await whole();
  });

  it('stop-node: Stop-ClusterNode drains the node and stops it, Down without isolation; the revert starts it', async () => {
    const injected = await inject('stop-node', { node: 'N1' });
    expect(injected.calls).to.include('M Stop-ClusterNode');
    expect(node('N1')).to.deep.equal({ State: 'Down', StatusInformation: [] });
    expect(owner('app01')).to.not.equal('N1');
    expect(lab.sim.poll().vms.app01!.State).to.equal('Running');
    expect(await revert('stop-node', injected.params)).to.include('M Start-ClusterNode');
    await whole();
  });

  it('start-node with clearQuarantine: a quarantined node joins at once', async () => {
    // one ungraceful exit quarantines (QuarantineThreshold 1)
    await target.setSettings({ QuarantineThreshold: 1 });
    await target.killClusterService('N1');
    await until('N1 quarantined', () => node('N1').StatusInformation.includes('Quarantined'));
    await target.startClusterService('N1');
    await target.sleep(30_000);
    expect(node('N1').StatusInformation).to.include('Quarantined');
    const injected = await inject('start-node', { node: 'N1', clearQuarantine: true });
    expect(injected.calls).to.include('M Start-ClusterNode');
    await until('N1 Up, its quarantine cleared', () => node('N1').State === 'Up' && node('N1').StatusInformation.length === 0, 60_000);
    // nothing to revert: an operation, not a fault
    expect(await revert('start-node', injected.params)).to.deep.equal([]);
    await target.setSettings({ QuarantineThreshold: 3 });
    await whole();
  });

  it('live-migrate: to the next Up node after its owner (round-robin), over the transport asked for; the VM runs there', async () => {
    const from = owner('web01');
    const injected = await inject('live-migrate', { vm: 'web01', to: 'round-robin', transport: 'TCPIP' });
    const to = injected.params.to as string;
    expect(to).to.equal({ N1: 'N2', N2: 'N3', N3: 'N1' }[from]);
    expect(injected.params).to.deep.equal({ vm: 'web01', to, transport: 'TCPIP', timeout: 600_000 });
    expect(injected.value).to.include({ vm: 'web01', source: from, target: to, transport: 'TCPIP' });
    expect(owner('web01')).to.equal(to);
    expect(lab.sim.poll().vms.web01!.State).to.equal('Running');
    expect(fault('live-migrate').revert).to.equal(undefined);
  });

  it('drain-node: Suspend-ClusterNode -Drain, the node Paused with its VMs moved off; the revert resumes it without failback', async () => {
    await whole();
    const before = Object.entries(lab.sim.poll().vms).filter(([, v]) => v.OwnerNode === 'N2').map(([name]) => name);
    expect(before.length).to.be.greaterThan(0);
    const injected = await inject('drain-node', { node: 'N2' });
    expect(injected.params).to.deep.equal({ node: 'N2', timeout: 600_000 });
    expect(injected.calls).to.include('M Suspend-ClusterNode');
    expect(node('N2').State).to.equal('Paused');
    for (const vm of before) expect(owner(vm), vm).to.not.equal('N2');
    await revert('drain-node', injected.params);
    expect(node('N2').State).to.equal('Up');
    for (const vm of before) expect(owner(vm), `${vm} stays where the drain put it`).to.not.equal('N2');
    await whole();
  });

  it('resume-node: after a drain, Resume-ClusterNode -Failback Immediate brings the drained VMs back', async () => {
    const before = Object.entries(lab.sim.poll().vms).filter(([, v]) => v.OwnerNode === 'N3').map(([name]) => name);
    expect(before.length).to.be.greaterThan(0);
    await inject('drain-node', { node: 'N3' });
    for (const vm of before) expect(owner(vm)).to.not.equal('N3');
    const injected = await inject('resume-node', { node: 'N3' });
    expect(injected.params).to.deep.equal({ node: 'N3', failback: true });
    expect(node('N3').State).to.equal('Up');
    for (const vm of before) expect(owner(vm), `${vm} back`).to.equal('N3');
    expect(fault('resume-node').revert).to.equal(undefined);
  });

  for (const [name, params] of [
    ['fail-storage', { storage: 'csv', duration: 60_000 }],
    ['fail-storage-path', { node: 'N2', storage: 'smb', duration: 60_000 }],
  ] as const) {
    it(`${name}: refused when the experiment gives the volume no address to block, nothing changed`, async () => {
      let error: unknown;
      try {
        await inject(name, { ...params });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/has no address in the experiment's cluster\.storage: .*needs address: \[<IP>, …\] there; nothing was changed/);
      const residue = await target.residue({ tag: TAG, settings: {} });
      expect([...residue.firewallRules, ...residue.tasks]).to.deep.equal([]);
      // (test/powershell/storage.test.ts: a lab whose volumes have addresses, blocked and healed)
    });
  }

  it('fail-witness: refused on a cluster without a witness (Get-ClusterQuorum names none), nothing changed', async () => {
    let error: unknown;
    try {
      await inject('fail-witness', { duration: 60_000 });
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/fail-witness: the cluster has no witness to fail \(its quorum resource is '', of type ''\); nothing was changed/);
    const residue = await target.residue({ tag: TAG, settings: {} });
    expect([...residue.firewallRules, ...residue.tasks]).to.deep.equal([]);
    // (test/powershell/witness.test.ts: a lab with a file share witness)
  });

  /**
   * The host booted and its clussvc runs; the node joined, or (a third ungraceful exit within the hour after
   * the kills and cuts above: QuarantineThreshold) is quarantined, cleared here for the tests after.
   */
  async function backAfterBoot(n: string): Promise<void> {
    await until(`${n} booted, its clussvc running`, () => !lab.sim.power.dark(n) && lab.sim.service(n)!.status === 'Running');
    await until(`${n} joined or quarantined`, () => node(n).State === 'Up' || node(n).StatusInformation.includes('Quarantined'));
    if (node(n).StatusInformation.includes('Quarantined')) await target.startClusterNode(n, { clearQuarantine: true });
    await until(`${n} Up`, () => node(n).State === 'Up' && node(n).StatusInformation.length === 0);
  }

  it("power-off-node: the node's power cut through its BMC (Redfish ForceOff), its host dark; the revert powers it on (On) and it boots and rejoins", async () => {
    const { calls } = await inject('power-off-node', { node: 'N2' });
    expect(calls.filter((c) => c === 'M Invoke-RestMethod')).to.have.length(3);
    expect(lab.sim.power.poweredOff('N2')).to.equal(true);
    await until('N2 removed from membership', () => node('N2').State !== 'Up');
    expect(await revert('power-off-node', { node: 'N2' })).to.include('M Invoke-RestMethod');
    expect(lab.sim.power.poweredOff('N2')).to.equal(false);
    await backAfterBoot('N2');
  });

  it('power-on-node: a nested lab\'s node powered on with Start-VM on the outer host (after a Stop-VM -TurnOff there)', async () => {
    await inject('power-off-node', { node: 'N3' });
    expect(lab.sim.power.poweredOff('N3')).to.equal(true);
    const { calls } = await inject('power-on-node', { node: 'N3' });
    expect(calls).to.include('M Start-VM');
    expect(lab.sim.power.poweredOff('N3')).to.equal(false);
    await backAfterBoot('N3');
  });

  it('restart-node: Restart-Computer from the management host; the step ends once the node is back Up', async () => {
    const { params, calls } = await inject('restart-node', { node: 'N1' });
    expect(params).to.deep.equal({ node: 'N1', timeout: 20 * 60_000 });
    expect(calls).to.include('M Restart-Computer');
    expect(node('N1').State).to.equal('Up');
  });

  it('covered the whole catalogue', () => {
    expect([...covered].sort()).to.deep.equal([...faults.keys()].sort());
  });
});
