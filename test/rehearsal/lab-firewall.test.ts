import { expect } from 'chai';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import { onNode, out, startLab } from './lab-fixture.js';

/** The rule the ClusterChaos module makes for one direction and protocol (Network.ps1). */
const rule = (direction: 'Inbound' | 'Outbound', remote: string[], extra: Record<string, unknown> = {}) => ({
  Name: `clusterchaos-t-${direction}-UDP`,
  DisplayName: `clusterchaos-t ${direction} UDP 3343`,
  Group: 'clusterchaos-t',
  Direction: direction,
  Protocol: 'UDP',
  RemoteAddress: remote,
  Action: 'Block',
  ...(direction === 'Inbound' ? { LocalPort: ['3343'] } : { RemotePort: ['3343'] }),
  ...extra,
});

describe('rehearsal lab: Windows Firewall cuts the simulated cluster network', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  it("cuts a node off from the peers a Block rule on UDP 3343 names, and heals when the rule goes", async () => {
    lab = await startLab();
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['10.10.0.11'])));
    expect(lab.sim.network.connected('N2', 'N1')).to.equal(false);
    expect(lab.sim.network.connected('N2', 'N3')).to.equal(true);
    // A second rule for N3 changes the cut's peers without healing N1 in between
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Outbound', ['10.10.0.13'])));
    expect([lab.sim.network.connected('N2', 'N1'), lab.sim.network.connected('N2', 'N3')]).to.deep.equal([false, false]);
    await lab.sleep(30_000);
    expect(lab.sim.membership.observe('N2').State, 'cut off from every other node: removed').to.equal('Down');
    const rules = out(await onNode(lab, 'N2', 'Get-NetFirewallRule', { Group: ['clusterchaos-t'] }));
    expect(rules.map((r) => r.Name)).to.deep.equal(['clusterchaos-t-Inbound-UDP', 'clusterchaos-t-Outbound-UDP']);
    out(await onNode(lab, 'N2', 'Remove-NetFirewallRule', { InputObject: rules.map((r) => ({ $type: 'NetFirewallRule', Name: r.Name })) }));
    expect([lab.sim.network.connected('N2', 'N1'), lab.sim.network.connected('N2', 'N3')]).to.deep.equal([true, true]);
    await lab.sleep(10_000);
    expect(lab.sim.membership.observe('N2').State, 'joined again').to.equal('Up');
  });

  it('cuts every peer for RemoteAddress Any or a subnet, but not for a TCP-only, an Allow or a disabled rule', async () => {
    lab = await startLab();
    const cutPeers = () => ['N1', 'N3'].filter((p) => !lab.sim.network.connected('N2', p));
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['Any'], { Name: 'tcp', Protocol: 'TCP' })));
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['Any'], { Name: 'allow', Action: 'Allow' })));
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['Any'], { Name: 'off', Enabled: 'False' })));
    expect(cutPeers()).to.deep.equal([]);
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Outbound', ['10.10.0.0/24'], { Name: 'subnet' })));
    expect(cutPeers()).to.deep.equal(['N1', 'N3']);
  });

  it('enforces nothing while the profile is off or Group Policy refuses local rules: the ActiveStore is empty', async () => {
    lab = await startLab({ firewall: { N2: { enabled: false } } });
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['Any'])));
    expect(lab.sim.network.connected('N2', 'N1')).to.equal(true);
    expect(out(await onNode(lab, 'N2', 'Get-NetFirewallRule', { PolicyStore: 'ActiveStore' }))).to.deep.equal([]);
    const [domain] = out(await onNode(lab, 'N2', 'Get-NetFirewallProfile', { Name: ['Domain'], PolicyStore: 'ActiveStore' }));
    expect(domain).to.include({ Name: 'Domain', Enabled: 'False', AllowLocalFirewallRules: 'True' });
    lab.setFirewall('N2', { enabled: true });
    expect(lab.sim.network.connected('N2', 'N1'), 'enforced once the profile is on').to.equal(false);
    lab.setFirewall('N2', { allowLocalRules: false });
    expect(lab.sim.network.connected('N2', 'N1')).to.equal(true);
    expect(out(await onNode(lab, 'N2', 'Get-NetFirewallProfile', { Name: ['Domain'], PolicyStore: 'ActiveStore' }))[0]).to.include({ Enabled: 'True', AllowLocalFirewallRules: 'False' });
  });

  it("refuses a duplicate rule name and an address with a zone index, as New-NetFirewallRule does", async () => {
    lab = await startLab();
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['10.10.0.11'])));
    expect((await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Inbound', ['10.10.0.11']))).terminating?.message).to.equal('Cannot create a file when that file already exists.');
    const zoned = await onNode(lab, 'N2', 'New-NetFirewallRule', rule('Outbound', ['fe80::215:5dff:fe0a:b%12'], { Name: 'zoned' }));
    expect(zoned.terminating?.message).to.match(/^The address is invalid/);
    expect(out(await onNode(lab, 'N2', 'Get-NetFirewallRule', { Name: ['zoned'] }))).to.deep.equal([]);
    const missing = await onNode(lab, 'N2', 'Get-NetFirewallRule', { Name: ['zoned'] });
    expect(missing.errors[0]?.id).to.equal('CmdletizationQuery_NotFound_InstanceID,Get-NetFirewallRule');
  });

  it("gives the cluster NIC's addresses and profile as the module needs them to name the peers", async () => {
    lab = await startLab();
    const nics = out(await onNode(lab, 'N1', 'Get-ClusterNetworkInterface', { Cluster: 'HVCLUSTER01' }));
    expect(nics.map((n) => [n.Node, n.Adapter, n.Address])).to.deep.equal([
      ['N1', 'Ethernet', '10.10.0.11'],
      ['N2', 'Ethernet', '10.10.0.12'],
      ['N3', 'Ethernet', '10.10.0.13'],
    ]);
    expect(out(await onNode(lab, 'N2', 'Get-NetConnectionProfile', { InterfaceAlias: ['Ethernet'] }))[0]).to.include({ NetworkCategory: 'DomainAuthenticated' });
    const records = out(await onNode(lab, 'N2', 'Resolve-DnsName', { Name: 'N3' }));
    expect(records.map((r) => [r.Type, r.IPAddress])).to.deep.equal([
      ['AAAA', 'fe80::215:5dff:fe0a:d%12'],
      ['A', '10.10.0.13'],
    ]);
    expect((await onNode(lab, 'N2', 'Resolve-DnsName', { Name: 'N9' })).terminating?.id).to.equal('DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName');
  });
});
