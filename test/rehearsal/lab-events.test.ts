import { expect } from 'chai';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import { onNode, out, startLab } from './lab-fixture.js';

describe('rehearsal lab: Get-WinEvent on the nodes', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  /** Kill clussvc on N2 and let the cluster remove and isolate it: 7031 on N2, 1135 on a survivor. */
  async function crashN2(o: Parameters<typeof startLab>[0] = {}) {
    lab = await startLab(o);
    await lab.sleep(5_000);
    await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
    await lab.sleep(30_000);
  }

  it('carries insertion strings: 1135 names the node removed, 7031 the service, its count and restart delay', async () => {
    await crashN2();
    const removed = out(await onNode(lab, 'N1', 'Get-WinEvent', { FilterHashtable: [{ LogName: 'System', ID: 1135 }] }));
    expect(removed).to.have.length(1);
    expect(removed[0]).to.include({ $type: 'EventLogRecord', Id: 1135, ProviderName: 'Microsoft-Windows-FailoverClustering', LevelDisplayName: 'Critical', Level: 1, MachineName: 'N1.lab.local' });
    expect(removed[0].Properties).to.deep.equal([{ Value: 'N2' }]);
    const [crash] = out(await onNode(lab, 'N2', 'Get-WinEvent', { LogName: ['System'], FilterXPath: "*[System[Provider[@Name='Service Control Manager'] and (EventID=7031)]]" }));
    expect(crash.Properties).to.deep.equal([{ Value: 'Cluster Service' }, { Value: '1' }, { Value: '60000' }, { Value: '1' }, { Value: 'Restart the service' }]);
    expect(Date.parse(String(crash.TimeCreated))).to.equal(lab.epochMs() - lab.now() + 5_000);
  });

  it("stamps records with the node's clock, skew included, so a query's time compares with the node's time", async () => {
    await crashN2({ skewMs: { N2: 90_000 } });
    const [crash] = out(await onNode(lab, 'N2', 'Get-WinEvent', { FilterHashtable: [{ LogName: 'System', ID: 7031 }] }));
    const epoch = lab.epochMs() - lab.now();
    expect(Date.parse(String(crash.TimeCreated))).to.equal(epoch + 5_000 + 90_000);
    const since = new Date(epoch + 5_000 + 1).toISOString();
    const later = await onNode(lab, 'N2', 'Get-WinEvent', { LogName: ['System'], FilterXPath: `*[System[EventID=7031 and TimeCreated[@SystemTime>='${since}']]]` });
    expect(later.output, 'by the node clock the record is 90 s after that').to.have.length(1);
  });

  it('filters a hashtable by provider, level, time and data; newest first, -Oldest and -MaxEvents', async () => {
    await crashN2();
    const epoch = lab.epochMs() - lab.now();
    const all = out(await onNode(lab, 'N2', 'Get-WinEvent', { FilterHashtable: [{ ProviderName: 'Service Control Manager' }] }));
    expect(all.map((e) => e.Id)).to.deep.equal([7031]);
    const n1 = out(await onNode(lab, 'N1', 'Get-WinEvent', { LogName: ['System'] }));
    const times = n1.map((e) => Date.parse(String(e.TimeCreated)));
    expect(times).to.deep.equal([...times].sort((a, b) => b - a));
    const oldest = out(await onNode(lab, 'N1', 'Get-WinEvent', { LogName: ['System'], Oldest: true, MaxEvents: 1 }));
    expect(oldest).to.have.length(1);
    expect(Date.parse(String(oldest[0].TimeCreated))).to.equal(Math.min(...times));
    const window = { LogName: 'System', StartTime: new Date(epoch + 6_000).toISOString(), EndTime: new Date(epoch + 60_000).toISOString(), Level: [1, 2] };
    expect(out(await onNode(lab, 'N1', 'Get-WinEvent', { FilterHashtable: [window] })).map((e) => e.Id)).to.deep.equal([1135]);
    expect(out(await onNode(lab, 'N1', 'Get-WinEvent', { FilterHashtable: [{ LogName: 'System', Data: 'N2' }] })).map((e) => e.Id)).to.include(1135);
  });

  it('answers NoMatchingEventsFound when nothing matches, refuses an invalid query, and lists the logs a node has', async () => {
    lab = await startLab();
    const none = await onNode(lab, 'N1', 'Get-WinEvent', { FilterHashtable: [{ LogName: 'System', ID: 1135 }] });
    expect(none.output).to.deep.equal([]);
    expect(none.errors.map((e) => e.id)).to.deep.equal(['NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand']);
    const invalid = await onNode(lab, 'N1', 'Get-WinEvent', { LogName: ['System'], FilterXPath: "*[EventData[Data='N2']]" });
    expect(invalid.terminating?.message).to.equal('The specified query is invalid');
    const logs = await onNode(lab, 'N1', 'Get-WinEvent', { ListLog: ['Microsoft-Windows-Hyper-V-*-Admin', 'Microsoft-Windows-Hyper-V-Nothing-Admin'] });
    expect(logs.output.map((l) => (l as { LogName: string }).LogName)).to.deep.equal([
      'Microsoft-Windows-Hyper-V-High-Availability-Admin',
      'Microsoft-Windows-Hyper-V-VMMS-Admin',
      'Microsoft-Windows-Hyper-V-Worker-Admin',
      'Microsoft-Windows-Hyper-V-StorageVSP-Admin',
    ]);
    expect(logs.errors.map((e) => e.id)).to.deep.equal(['NoMatchingLogsFound,Microsoft.PowerShell.Commands.GetWinEventCommand']);
  });
});
