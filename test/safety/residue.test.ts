import { expect } from 'chai';
import { formatResidue, scanResidue, type ResidueSnapshot } from '../../src/safety/residue.js';
import type { Poll } from '../../src/targets/target.js';
import { FakeTarget } from '../engine/fake-target.js';

const TAG = 'clusterchaos-1234';
const up = { State: 'Up', StatusInformation: [] as string[] };

/** A fake that answers the residue round trip like the PowerShell target, from a script of snapshots. */
class ProbingTarget extends FakeTarget {
  asked: { tag: string; settings: Record<string, number> }[] = [];
  constructor(private readonly snapshots: ResidueSnapshot[]) {
    super();
  }
  async residue(o: { tag: string; settings: Record<string, number> }): Promise<ResidueSnapshot> {
    this.asked.push(o);
    return this.snapshots.length > 1 ? this.snapshots.shift()! : this.snapshots[0]!;
  }
}

const snapshot = (o: Partial<ResidueSnapshot> = {}): ResidueSnapshot => ({
  nodes: [{ Name: 'N1', ...up }, { Name: 'N2', ...up }],
  firewallRules: [],
  tasks: [],
  settings: { ResiliencyDefaultPeriod: 240 },
  ...o,
});
const opts = { tag: TAG, settingsBefore: { ResiliencyDefaultPeriod: 240 }, nodes: ['N1', 'N2'] };

describe('residue scan', () => {
  it('is clean when every node is Up, nothing tagged is left and the settings are back, asking with the run tag', async () => {
    const target = new ProbingTarget([snapshot()]);
    expect(await scanResidue(target, opts)).to.deep.equal({ clean: true, findings: [] });
    expect(target.asked).to.deep.equal([{ tag: TAG, settings: { ResiliencyDefaultPeriod: 240 } }]);
  });

  it('finds a Paused node, a node Down and quarantined, firewall rules, tasks and a setting not restored, saying what to do', async () => {
    const target = new ProbingTarget([
      snapshot({
        nodes: [{ Name: 'N1', State: 'Paused', StatusInformation: [] }, { Name: 'N2', State: 'Down', StatusInformation: ['Quarantined'] }],
        firewallRules: ['N2/clusterchaos-1234-Inbound-UDP'],
        tasks: ['N2/clusterchaos-1234-heal'],
        unchecked: ['N1'],
        settings: { ResiliencyDefaultPeriod: 60 },
      }),
    ]);
    const r = await scanResidue(target, opts);
    expect(r.clean).to.equal(false);
    expect(r.findings).to.have.length(6);
    expect(r.findings[0]).to.match(/node N1 is still Paused: Resume-ClusterNode -Name N1/);
    expect(r.findings[1]).to.match(/node N2 is Down \(Quarantined\), not Up: Start-ClusterNode -Name N2 -ClearQuarantine/);
    expect(r.findings[2]).to.equal("firewall rule N2/clusterchaos-1234-Inbound-UDP is still there (a network cut not healed): on N2, Remove-NetFirewallRule -Group 'clusterchaos-1234'");
    expect(r.findings[3]).to.equal("scheduled task N2/clusterchaos-1234-heal is still there: on N2, Unregister-ScheduledTask -TaskName 'clusterchaos-1234-heal' -Confirm:$false");
    expect(r.findings[4]).to.match(/^node N1 could not be asked about clusterchaos firewall rules/);
    expect(r.findings[5]).to.equal('cluster property ResiliencyDefaultPeriod is 60, was 240 before the run: (Get-Cluster).ResiliencyDefaultPeriod = 240');
    expect(formatResidue(r)[0]).to.equal('residue: 6 findings — the cluster is not as it was:');
  });

  it('reports a node the cluster no longer lists, and a setting it cannot read back', async () => {
    const r = await scanResidue(new ProbingTarget([snapshot({ nodes: [{ Name: 'N1', ...up }], settings: {} })]), opts);
    expect(r.findings).to.deep.equal([
      'node N2 was not reported by the cluster (Get-ClusterNode): check it',
      'cluster property ResiliencyDefaultPeriod could not be read back (it was 240 before the run): check (Get-Cluster).ResiliencyDefaultPeriod',
    ]);
  });

  it('waits for a node still joining after its revert, looking again every interval until the settle time is up', async () => {
    const joining = snapshot({ nodes: [{ Name: 'N1', ...up }, { Name: 'N2', State: 'Joining', StatusInformation: [] }] });
    const target = new ProbingTarget([joining, joining, snapshot()]);
    const r = await scanResidue(target, { ...opts, settleMs: 10_000, intervalMs: 1000 });
    expect(r).to.deep.equal({ clean: true, findings: [] });
    expect(target.t).to.equal(2000);
    const stuck = new ProbingTarget([joining]);
    const r2 = await scanResidue(stuck, { ...opts, settleMs: 5000, intervalMs: 1000 });
    expect(r2.findings).to.deep.equal(['node N2 is Joining, not Up: Start-ClusterNode -Name N2']);
    expect(stuck.t).to.equal(5000);
  });

  it('scans a target without the residue round trip through poll and getSettings', async () => {
    const target = new FakeTarget();
    target.nodeState = { State: 'Paused', StatusInformation: [] };
    const r = await scanResidue(target, opts);
    expect(r.findings).to.deep.equal(['node N2 is still Paused: Resume-ClusterNode -Name N2']);
  });

  it('is dirty when the scan itself fails: nobody can say the cluster is clean', async () => {
    const target = new FakeTarget();
    target.poll = async (): Promise<Poll> => {
      throw new Error('the session was lost');
    };
    const r = await scanResidue(target, opts);
    expect(r).to.deep.equal({ clean: false, findings: ['the residue scan could not run (the session was lost): check the cluster by hand'] });
  });
});
