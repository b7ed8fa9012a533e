import { expect } from 'chai';
import { FakeLab, runPwsh, section, type LabRequest, type PwshRun } from './fixtures/stand-ins/fake-lab.js';
import { NOW_UTC, world } from './fixtures/stand-ins/world.js';

const record = {
  $type: 'EventLogRecord', Id: 1135, LogName: 'System', ProviderName: 'Microsoft-Windows-FailoverClustering', Level: 2,
  LevelDisplayName: 'Error', TimeCreated: '2026-11-22T02:00:00.000Z', MachineName: 'N1', RecordId: 42, Properties: ['N2'],
  Message: "Cluster node 'N2' was removed from the active failover cluster membership.",
};

function events(r: LabRequest) {
  const query = (r.parameters.FilterHashtable as { LogName?: string }[] | undefined)?.[0];
  const log = query?.LogName ?? (r.parameters.LogName as string[] | undefined)?.[0];
  if (r.parameters.ListLog) return { output: [{ $type: 'EventLogConfiguration', LogName: 'System', RecordCount: 10, IsEnabled: true }] };
  if (log === 'System') return { output: [record] };
  if (log === 'Security') {
    return { errors: [{ message: 'No events were found that match the specified selection criteria.', id: 'NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand', category: 'ObjectNotFound' }] };
  }
  return {};
}

const service = (status: string) => ({ $type: 'ServiceController', ServiceName: 'clussvc', DisplayName: 'Cluster Service', Status: status, StartType: 'Automatic' });

describe('stand-ins on a node (Set-ClusterChaosLabContext -Node N2): events, services, lab time, tasks', function () {
  this.timeout(120_000);
  let lab: FakeLab;
  let run: PwshRun;
  let serviceReads = 0;

  before(async () => {
    lab = await new FakeLab(world({
      answers: {
        'Get-WinEvent': events,
        'Start-Service': (r) => ((r.parameters.Name as string[])[0] === 'clussvc' ? { output: [service('StartPending')] } : {
          errors: [{ message: "Service 'Cluster Service (clussvc)' cannot be started due to the following error: Cannot start service clussvc on computer '.'.", id: 'CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand', category: 'OpenError' }],
        }),
        // StartPending for two more reads, then Running (serviceStartMs above 4 s)
        'Get-Service': () => ({ output: [service(++serviceReads <= 2 ? 'StartPending' : 'Running')] }),
        'Get-ItemProperty': { output: [{ $type: 'ItemProperty', FailureActions: [128, 81, 1, 0, 0, 0, 0, 0, 3, 0], Start: 2, PSPath: 'Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\ClusSvc' }] },
        'Test-Path': { output: [true] },
        'New-ScheduledTaskAction': (r) => ({ output: [{ $type: 'ScheduledTaskAction', Execute: r.parameters.Execute, Arguments: r.parameters.Argument }] }),
        'New-ScheduledTaskTrigger': (r) => ({ output: [{ $type: 'ScheduledTaskTrigger', StartBoundary: r.parameters.At, Enabled: true }] }),
        'Get-ScheduledTask': { output: [{ $type: 'ScheduledTask', TaskName: 'clusterchaos-heal', TaskPath: '\\', State: 'Ready', Actions: [{ $type: 'ScheduledTaskAction', Execute: 'powershell.exe' }] }] },
        'Get-NetFirewallRule': { output: [{ $type: 'NetFirewallRule', Name: 'cc-1', DisplayName: 'clusterchaos block', Group: 'clusterchaos', Enabled: 'True', Direction: 'Inbound', Action: 'Block' }] },
      },
    })).start();
    run = await runPwsh(lab, [
      'Set-ClusterChaosLabContext -Node N2',
      section('startTime', `$since = [datetime]::new(2026, 11, 22, 2, 0, 0, [DateTimeKind]::Utc)
        $r = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; StartTime = $since; EndTime = '2026-11-22 03:00' })
        @{ count = $r.Count; kind = [string]$r[0].TimeCreated.Kind; local = $r[0].TimeCreated.ToString('yyyy-MM-dd HH:mm'); id = $r[0].Id.GetType().Name
           level = $r[0].Level.GetType().Name; data = [string]$r[0].Properties[0].Value; type = $r[0].PSObject.TypeNames[0]; caller = [string]$since.Kind }`),
      section('noEvents', `$r = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ID = 1 } -ErrorVariable ev -ErrorAction SilentlyContinue)
        @{ count = $r.Count; ids = @($ev | ForEach-Object FullyQualifiedErrorId); category = [string]$ev[0].CategoryInfo.Category; message = $ev[0].ToString() }`),
      section('noEventsStop', `try { Get-WinEvent -LogName Application -ErrorAction Stop; 'returned' } catch { 'caught ' + $_.FullyQualifiedErrorId }`),
      section('noEventsFromLab', `$null = Get-WinEvent -LogName Security -ErrorVariable ev -ErrorAction SilentlyContinue; $ev.Count`),
      section('listLog', `$l = @(Get-WinEvent -ListLog System -ErrorVariable ev); @{ name = $l[0].LogName; errors = $ev.Count }`),
      section('startService', `$s = Start-Service -Name clussvc -PassThru; [string]$s.Status`),
      section('startDisabled', `Start-Service -Name clussvc2 -ErrorVariable ev -ErrorAction SilentlyContinue; @{ id = $ev[0].FullyQualifiedErrorId; message = $ev[0].ToString() }`),
      section('time', `@{ o = Get-Date -Format o; kind = [string](Get-Date).Kind; utc = (Get-Date).ToUniversalTime().ToString('o'); day = Get-Date -UFormat '%Y-%m-%d' }`),
      section('asUtcOnNode', `Get-Date -AsUTC`),
      section('dateGiven', `$before = 0; Get-Date -Date '2020-01-02' -Format yyyy-MM-dd`),
      section('sleep', `Start-Sleep -Seconds 1.5; Start-Sleep -Milliseconds 20; Start-Sleep 2; 'slept'`),
      section('durationOnNode', `Start-Sleep -Duration (New-TimeSpan -Minutes 1)`),
      section('registry', `$p = Get-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ClusSvc'; @{ type = $p.FailureActions.GetType().Name; length = $p.FailureActions.Length; start = $p.Start }`),
      section('testPath', `Test-Path -LiteralPath 'C:\\ClusterStorage\\Volume1\\SharedStoragePath'`),
      section('kill', `Stop-Process -Name clussvc -Force; 'killed'`),
      section('task', `$a = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-NoProfile -EncodedCommand AAAA'
        $t = New-ScheduledTaskTrigger -Once -At ([datetime]::new(2026, 11, 21, 16, 5, 0, [DateTimeKind]::Local))
        $t.StartBoundary = '2026-11-21T16:05:00-10:00'
        $null = Register-ScheduledTask -TaskName 'clusterchaos-heal' -Action $a -Trigger $t -Force
        Get-ScheduledTask -TaskName 'clusterchaos-heal' | Unregister-ScheduledTask -Confirm:$false
        @{ triggerType = $t.PSObject.TypeNames[0]; actionType = $a.GetType().FullName }`),
      section('firewall', `Get-NetFirewallRule -Group 'clusterchaos' | Remove-NetFirewallRule; 'removed'`),
    ].join('\n'));
  });
  after(() => lab.close());

  const result = (name: string) => {
    expect(run.results, `section ${name} printed no RESULT; stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).to.have.property(name);
    return run.results[name];
  };

  it('sends every request with node N2 (the context a scheduled-task process sets)', () => {
    expect(lab.requests.length).to.be.greaterThan(10);
    expect(lab.requests.every((r) => r.node === 'N2' && r.process === 'main')).to.equal(true);
  });

  it("reads -FilterHashtable's StartTime/EndTime as GetEventCommand does: a UTC DateTime is taken as local time (TZ=Pacific/Honolulu)", () => {
    const query = (lab.calls('Get-WinEvent')[0]!.parameters.FilterHashtable as Record<string, unknown>[])[0]!;
    expect(query.StartTime).to.equal('2026-11-22T12:00:00.0000000Z'); // 02:00 read as 02:00 HST = 12:00 UTC
    expect(query.EndTime).to.equal('2026-11-22T13:00:00.0000000Z');
    expect(result('startTime').caller).to.equal('Utc'); // the caller's hashtable is not changed
  });

  it('makes event records with a LOCAL TimeCreated, typed Id and Level, and Properties whose .Value are the insertion strings', () => {
    expect(result('startTime')).to.deep.include({
      count: 1, kind: 'Local', local: '2026-11-21 16:00', id: 'Int32', level: 'Byte', data: 'N2', type: 'System.Diagnostics.Eventing.Reader.EventLogRecord',
    });
  });

  it('writes NoMatchingEventsFound as a non-terminating error with the real FullyQualifiedErrorId, once', () => {
    expect(result('noEvents')).to.deep.equal({
      count: 0, ids: ['NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand'], category: 'ObjectNotFound',
      message: 'No events were found that match the specified selection criteria.',
    });
    expect(result('noEventsStop')).to.equal('caught NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand');
    expect(result('noEventsFromLab')).to.equal(1);
    expect(result('listLog')).to.deep.equal({ name: 'System', errors: 0 });
  });

  it("warns \"Waiting for service 'Cluster Service (clussvc)' to start...\" every 2 s of lab time while StartPending", () => {
    expect(result('startService')).to.equal('Running');
    const warning = "WARNING: Waiting for service 'Cluster Service (clussvc)' to start...";
    expect(run.stdout.split(warning).length - 1).to.equal(2);
    const sleeps = lab.calls('Lab-Sleep').map((r) => r.parameters.Milliseconds);
    expect(sleeps.slice(0, 3)).to.deep.equal([2000, 2000, 2000]);
    expect(lab.calls('Get-Service')).to.have.length(3);
  });

  it("passes on the lab's error for a service that cannot start", () => {
    expect(result('startDisabled')).to.deep.equal({
      id: 'CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand',
      message: "Service 'Cluster Service (clussvc)' cannot be started due to the following error: Cannot start service clussvc on computer '.'.",
    });
  });

  it("reads the node's lab clock through Get-Date (every real parameter still works) and waits through Start-Sleep", () => {
    expect(result('time')).to.deep.equal({ o: '2026-11-21T16:00:00.0000000-10:00', kind: 'Local', utc: '2026-11-22T02:00:00.0000000Z', day: '2026-11-21' });
    expect(NOW_UTC).to.equal('2026-11-22T02:00:00.000Z');
    expect(result('dateGiven')).to.equal('2020-01-02');
    expect(lab.calls('Lab-Now')).to.have.length(4); // -Date given: no lab call
    expect(result('sleep')).to.equal('slept');
    // Windows PowerShell 5.1 (a node) binds -Seconds as [int]: 1.5 is 2 s
    expect(lab.calls('Lab-Sleep').slice(3).map((r) => r.parameters.Milliseconds)).to.deep.equal([2000, 20, 2000]);
  });

  it("refuses on a node what Windows PowerShell 5.1's Get-Date and Start-Sleep do not have (-AsUTC, -Duration)", () => {
    expect(result('asUtcOnNode').id).to.equal('NamedParameterNotFound,Microsoft.PowerShell.Commands.GetDateCommand');
    expect(result('durationOnNode').id).to.equal('NamedParameterNotFound,Microsoft.PowerShell.Commands.StartSleepCommand');
  });

  it('gives REG_BINARY values as byte[] and answers Test-Path from the lab on a node', () => {
    expect(result('registry')).to.deep.equal({ type: 'Byte[]', length: 10, start: 2 });
    expect(result('testPath')).to.equal(true);
  });

  it('kills clussvc through the lab (Stop-Process -Name, set Name)', () => {
    expect(result('kill')).to.equal('killed');
    const [kill] = lab.calls('Stop-Process');
    expect(kill!.parameterSet).to.equal('Name');
    expect(kill!.parameters).to.deep.equal({ Name: ['clussvc'], Force: true });
  });

  it('sends task objects whole to Register-ScheduledTask (a settable StartBoundary) and a piped task or rule as its identity', () => {
    expect(result('task')).to.deep.equal({
      triggerType: 'Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_TaskTimeTrigger',
      actionType: 'ClusterChaos.Lab.CimInstance',
    });
    expect(lab.calls('New-ScheduledTaskTrigger')[0]!.parameters).to.deep.equal({ Once: true, At: '2026-11-21T16:05:00.0000000-10:00' });
    const register = lab.calls('Register-ScheduledTask')[0]!.parameters;
    expect(register.Trigger).to.deep.equal([{ $type: 'ScheduledTaskTrigger', StartBoundary: '2026-11-21T16:05:00-10:00', Enabled: true }]);
    expect(register.Action).to.deep.equal([{ $type: 'ScheduledTaskAction', Execute: 'powershell.exe', Arguments: '-NoProfile -EncodedCommand AAAA' }]);
    expect(lab.calls('Unregister-ScheduledTask')[0]!.parameters).to.deep.equal({ InputObject: [{ $type: 'ScheduledTask', TaskName: 'clusterchaos-heal', TaskPath: '\\' }] });
    expect(result('firewall')).to.equal('removed');
    expect(lab.calls('Remove-NetFirewallRule')[0]!.parameters).to.deep.equal({ InputObject: [{ $type: 'NetFirewallRule', Name: 'cc-1' }] });
  });
});

describe('stand-ins on the management host: node-only commands pass to the real cmdlet', function () {
  this.timeout(60_000);
  let lab: FakeLab;
  let run: PwshRun;

  before(async () => {
    lab = await new FakeLab(world()).start();
    run = await runPwsh(lab, [
      section('testPath', `Test-Path -LiteralPath '/tmp' -PathType Container`),
      section('item', `(Get-ItemProperty -LiteralPath '/tmp' -Name Name).Name`),
      section('date', `Get-Date -Format o`),
      section('asUtc', `(Get-Date -AsUTC).ToString('o')`),
      section('sleep', `Start-Sleep -Seconds 1.5; Start-Sleep -Duration (New-TimeSpan -Minutes 1); 'slept'`),
    ].join('\n'));
  });
  after(() => lab.close());

  it('runs Test-Path and Get-ItemProperty for real with no lab request, and Get-Date on the lab clock with node null', () => {
    expect(run.results.testPath).to.equal(true);
    expect(run.results.item).to.equal('tmp');
    expect(run.results.date).to.equal('2026-11-21T16:00:00.0000000-10:00');
    expect(run.results.asUtc).to.equal('2026-11-22T02:00:00.0000000Z');
    // -AsUTC asks the edition once (core: PowerShell 7 here, where it exists)
    expect(lab.requests.map((r) => r.command)).to.deep.equal(['Lab-Now', 'Lab-Context', 'Lab-Now', 'Lab-Sleep', 'Lab-Sleep']);
    expect(lab.requests.every((r) => r.node === null)).to.equal(true);
  });

  it('takes PowerShell 7 Start-Sleep on the management host: fractional -Seconds and -Duration', () => {
    expect(run.results.sleep).to.equal('slept');
    expect(lab.calls('Lab-Sleep').map((r) => r.parameters.Milliseconds)).to.deep.equal([1500, 60000]);
  });
});
