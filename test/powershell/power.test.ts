/**
 * Host power and OS restarts through the PowerShell target (issue 14), against the rehearsal lab: real
 * PowerShell 7 running the ClusterChaos module's Power.ps1 against the lab's BMCs (Redfish over
 * Invoke-RestMethod), its outer Hyper-V host LABHOST (Get-VM, Stop-VM -TurnOff, Start-VM) and
 * Restart-Computer, backed by the simulator's host power (src/targets/sim/power.ts). Each operation is checked
 * where it lands: the simulated cluster and the calls the stand-ins received.
 */
import { expect } from 'chai';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { labBmcSystem, LAB_OUTER_HOST } from '../../src/targets/powershell/rehearsal/commands/power.js';
import { OperationError } from '../../src/targets/target.js';
import { callsSince, labExperiment, rehearsal, rejection } from './lab-target.js';

const named = (calls: ReturnType<Lab['calls']>): string[] => calls.map((c) => `${c.node ?? 'M'} ${c.command}`);

describe('PowerShell target: power-off-node, power-on-node, restart-node against the rehearsal lab', function () {
  this.timeout(600_000);
  let target: RehearsalTarget;
  let lab: Lab;
  let lines: string[];
  const previous = { user: process.env.LABTEST_BMC_USERNAME, password: process.env.LABTEST_BMC_PASSWORD };

  async function until(what: string, holds: () => boolean, maxMs = 600_000): Promise<void> {
    for (let waited = 0; !holds(); waited += 1000) {
      if (waited >= maxMs) throw new Error(`${what}: not within ${maxMs / 1000} s of lab time; the cluster: ${JSON.stringify(lab.sim.poll().nodes)}`);
      await target.sleep(1000);
    }
  }
  const state = (node: string): string => lab.sim.poll().nodes[node]!.State;

  before(async () => {
    // a BMC account in the environment, as on a real management host: its password must never be in a script
    process.env.LABTEST_BMC_USERNAME = 'bmcadmin';
    process.env.LABTEST_BMC_PASSWORD = 'Pa$$-w0rd';
    ({ target, lab, lines } = await rehearsal({
      experiment: labExperiment('lab.yaml'),
      power: {
        N2: { kind: 'redfish', system: labBmcSystem('N2'), credential: 'LABTEST_BMC' },
        N3: { kind: 'hyperv', host: LAB_OUTER_HOST, vm: 'N3' },
      },
    }));
    await target.connect();
  });

  after(async () => {
    await target?.close();
    if (previous.user === undefined) delete process.env.LABTEST_BMC_USERNAME;
    else process.env.LABTEST_BMC_USERNAME = previous.user;
    if (previous.password === undefined) delete process.env.LABTEST_BMC_PASSWORD;
    else process.env.LABTEST_BMC_PASSWORD = previous.password;
  });

  it("powerOffNode through a BMC: Redfish GET, then POST ResetType ForceOff to the system's Reset action, with Basic authentication from the named environment variables; the host is dark at once", async () => {
    const from = lab.calls().length;
    await target.powerOffNode('N2');
    expect(lab.sim.power.poweredOff('N2')).to.equal(true);
    const rest = callsSince(lab, from).filter((c) => c.command === 'Invoke-RestMethod');
    expect(rest.map((c) => `${String(c.parameters.Method ?? 'Get')} ${String(c.parameters.Uri)}`)).to.deep.equal([
      'Get https://bmc-n2.lab.local/redfish/v1/Systems/1',
      'Post https://bmc-n2.lab.local/redfish/v1/Systems/1/Actions/ComputerSystem.Reset',
      'Get https://bmc-n2.lab.local/redfish/v1/Systems/1',
    ]);
    expect(JSON.parse(String(rest[1]!.parameters.Body))).to.deep.equal({ ResetType: 'ForceOff' });
    const authorization = String((rest[1]!.parameters.Headers as Record<string, unknown>).Authorization);
    expect(Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8')).to.equal('bmcadmin:Pa$$-w0rd');
    // what a poll sees of a dark host: the node gone from membership soon, its VMs unreadable (Get-VM needs the host)
    const poll = await target.poll();
    expect(poll.vms.web01!.State).to.equal('Unknown');
  });

  it('never puts the BMC password in a script or the log', () => {
    expect(lines.join('\n')).not.to.contain('Pa$$-w0rd');
    const scripts = lab.calls().map((c) => JSON.stringify(c.parameters)).filter((p) => p.includes('Pa$$-w0rd'));
    expect(scripts, 'only the Authorization header carries it (base64), never a parameter in clear').to.deep.equal([]);
  });

  it('powerOnNode through the BMC: ResetType On; it resolves once the power is on, and the node boots and joins by itself', async () => {
    const from = lab.calls().length;
    await target.powerOnNode('N2');
    expect(lab.sim.power.poweredOff('N2')).to.equal(false);
    const posts = callsSince(lab, from).filter((c) => c.command === 'Invoke-RestMethod' && c.parameters.Method === 'Post');
    expect(posts.map((c) => JSON.parse(String(c.parameters.Body)))).to.deep.equal([{ ResetType: 'On' }]);
    await until('N2 back Up after its boot', () => state('N2') === 'Up');
    // idempotent: powered on already, nothing is posted
    const again = lab.calls().length;
    await target.powerOnNode('N2');
    expect(callsSince(lab, again).filter((c) => c.command === 'Invoke-RestMethod' && c.parameters.Method === 'Post')).to.deep.equal([]);
  });

  it('powerOffNode of a nested lab: Stop-VM -TurnOff -Force on the outer Hyper-V host; powerOnNode: Start-VM there', async () => {
    let from = lab.calls().length;
    await target.powerOffNode('N3');
    expect(lab.sim.power.poweredOff('N3')).to.equal(true);
    const stop = callsSince(lab, from).find((c) => c.command === 'Stop-VM')!;
    expect(stop.node, 'from the management host').to.equal(null);
    expect(stop.parameters).to.deep.include({ ComputerName: [LAB_OUTER_HOST], Name: ['N3'], TurnOff: true, Force: true });
    from = lab.calls().length;
    await target.powerOnNode('N3');
    expect(lab.sim.power.poweredOff('N3')).to.equal(false);
    expect(named(callsSince(lab, from)).filter((c) => / (Get|Start|Stop)-VM$/.test(c))).to.deep.equal(['M Get-VM', 'M Start-VM', 'M Get-VM']);
    await until('N3 back Up after its boot', () => state('N3') === 'Up');
  });

  it('refuses a node the allowlist gives no power control, before anything is sent, saying what to add', async () => {
    const from = lab.calls().length;
    const e = await rejection(target.powerOffNode('N1'));
    expect(e).to.be.instanceOf(OperationError);
    expect(e.message).to.match(/no power control for N1: the allowlist's entry for HVCLUSTER01 has no power: N1: .*nothing was sent/);
    expect(callsSince(lab, from)).to.deep.equal([]);
  });

  it('the residue scan says a node is still powered off, and how to power it on', async () => {
    await target.powerOffNode('N3');
    await until('N3 removed', () => state('N3') !== 'Up');
    const found = await target.residue({ tag: 'clusterchaos-lab-test', settings: {} });
    expect(found.power?.find((p) => p.node === 'N3')).to.deep.equal({ node: 'N3', via: 'hyperv', powerState: 'Off' });
    const { scanResidue } = await import('../../src/safety/residue.js');
    const residue = await scanResidue(target, { tag: 'clusterchaos-lab-test', settingsBefore: {}, nodes: ['N1', 'N2', 'N3'] });
    expect(residue.findings.join('\n')).to.match(/node N3 is powered off \(its hyperv power control reads Off\): clusterchaos revert <out>, or power it on/);
    await target.powerOnNode('N3');
    await until('N3 back Up', () => state('N3') === 'Up');
  });

  it('restartNode: Restart-Computer -ComputerName <node> -Force from the management host; it resolves once the node has been gone and is Up again, not before', async () => {
    await until('every node Up', () => ['N1', 'N2', 'N3'].every((n) => state(n) === 'Up'));
    const from = lab.calls().length;
    const began = lab.now();
    await target.restartNode('N1', { timeoutMs: 20 * 60_000 });
    expect(state('N1')).to.equal('Up');
    // the host booted meanwhile (the simulator's boot takes 90–180 s by default): the answer did not come at once
    expect(lab.now() - began).to.be.greaterThan(90_000);
    const restart = callsSince(lab, from).filter((c) => c.command === 'Restart-Computer');
    expect(restart).to.have.length(1);
    expect(restart[0]!.node).to.equal(null);
    expect(restart[0]!.parameters).to.deep.include({ ComputerName: ['N1'], Force: true });
  });

  it('restartNode past its timeout: outcome unknown (the restart was asked for; whether the node comes back is not known)', async () => {
    const e = await rejection(target.restartNode('N2', { timeoutMs: 5_000 }));
    expect(e.name).to.equal('OperationUnknownError');
    expect(e.message).to.match(/N2 was restarted \(Restart-Computer\) but .* after 5 s: whether it comes back is unknown; check it/);
    await until('N2 back Up', () => state('N2') === 'Up');
  });
});
