import { expect } from 'chai';
import { FakeLab, runPwsh, section, type PwshRun } from './fixtures/stand-ins/fake-lab.js';
import { world } from './fixtures/stand-ins/world.js';

// Invoke-Command / New-PSSession as a remote session behaves: $using: from the caller, fresh preferences,
// depth-1 copies with PSComputerName, warnings and errors re-emitted locally, WinRM's errors for a node it
// cannot reach. Each node's block runs in a runspace whose stand-ins carry that node's context.
describe('stand-ins: remoting (Invoke-Command, New-PSSession)', function () {
  this.timeout(120_000);
  let lab: FakeLab;
  let run: PwshRun;

  before(async () => {
    lab = await new FakeLab(world({ edition: 'core', unreachable: ['N3'] })).start();
    run = await runPwsh(lab, [
      section('using', `$name = 'web01'; $h = @{ k = @(1, 2) }; $t = [datetime]::new(2026, 11, 22, 2, 0, 0, [DateTimeKind]::Utc)
        Invoke-Command -ComputerName N1 -ScriptBlock { param($a) [pscustomobject]@{ name = $using:name; k = $using:h.k[1]; kind = [string]($using:t).Kind; a = $a; rest = $args.Count } } -ArgumentList 'x', 'y'`),
      section('argumentsWhole', `Invoke-Command -ComputerName N1 { param($name, $known, $flag) [pscustomobject]@{ name = $name; known = @($known).Count; knownType = $known.GetType().Name; flag = $flag; count = $PSBoundParameters.Count } } -ArgumentList @('HVCLUSTER01', @(), $true) | Select-Object name, known, knownType, flag, count`),
      section('argumentArray', `$names = @('N1', 'N2'); Invoke-Command -ComputerName N1 { param($list, $last) [pscustomobject]@{ list = @($list).Count; last = $last; using = @($using:names).Count } } -ArgumentList $names, 'z' | Select-Object list, last, using`),
      section('loneArray', `Invoke-Command -ComputerName N1 { param($ids) [pscustomobject]@{ count = @($ids).Count; first = @($ids)[0] } } -ArgumentList @(, [string[]]@('a1', 'b2')) | Select-Object count, first`),
      section('usingNoParam', `$vm = 'db01'; [string](Invoke-Command -ComputerName N1 { "vm=$($using:vm)" })`),
      section('usingInFunction', `function Get-Inner { $local = 'inner'; Invoke-Command -ComputerName N1 { $using:local } }; [string](Get-Inner)`),
      section('preferences', `$WarningPreference = 'SilentlyContinue'; $ErrorActionPreference = 'Stop'
        Invoke-Command -ComputerName N1 { [pscustomobject]@{ warning = [string]$WarningPreference; error = [string]$ErrorActionPreference } } | Select-Object warning, error`),
      section('warnings', `$out = Invoke-Command -ComputerName N1 { Write-Warning 'remote says'; 'out' } -WarningVariable wv -WarningAction SilentlyContinue
        @{ out = [string]$out; warnings = @($wv | ForEach-Object { [string]$_ }) }`),
      section('errors', `$out = @(Invoke-Command -ComputerName N1 { Write-Error 'bad' -ErrorId 'Custom.Id'; 'after'; throw 'boom'; 'never' } -ErrorVariable ev -ErrorAction SilentlyContinue)
        @{ out = @($out | ForEach-Object { [string]$_ }); ids = @($ev | ForEach-Object FullyQualifiedErrorId); messages = @($ev | ForEach-Object { $_.ToString() })
           origin = @($ev | ForEach-Object { $_.OriginInfo.PSComputerName }) }`),
      section('errorStop', `try { Invoke-Command -ComputerName N1 { throw 'boom' } -ErrorAction Stop; 'continued' } catch { 'caught ' + $_.FullyQualifiedErrorId }`),
      section('unreachable', `$out = @(Invoke-Command -ComputerName N3, N1 { 'hi' } -ErrorVariable ev -ErrorAction SilentlyContinue)
        @{ from = @($out | ForEach-Object PSComputerName); id = $ev[0].FullyQualifiedErrorId; category = [string]$ev[0].CategoryInfo.Category
           target = $ev[0].TargetObject; exception = $ev[0].Exception.GetType().FullName; message = $ev[0].ToString() }`),
      section('unknownName', `$null = Invoke-Command -ComputerName N9 { 'hi' } -ErrorVariable ev -ErrorAction SilentlyContinue; $ev[0].FullyQualifiedErrorId`),
      section('openUnreachable', `$s = New-PSSession -ComputerName N3 -ErrorVariable ev -ErrorAction SilentlyContinue; @{ session = $null -eq $s; id = $ev[0].FullyQualifiedErrorId }`),
      section('session', `$s = New-PSSession -ComputerName N1
        Invoke-Command -Session $s { $x = 41 }
        $kept = Invoke-Command -Session $s { $x + 1 }
        $fresh = Invoke-Command -ComputerName N1 { $null -eq $x }
        Remove-PSSession -Session $s
        @{ kept = [int]$kept; fresh = [bool]$fresh; name = $s.Name; computer = $s.ComputerName; state = [string]$s.State }`),
      section('objects', `$g = Invoke-Command -ComputerName N1 { Get-ClusterGroup -Name web01 -Cluster HVCLUSTER01 }
        $s = Invoke-Command -ComputerName N1 { 'text' } -HideComputerName
        @{ type = $g.PSObject.TypeNames[0]; owner = $g.OwnerNode.Name; ownerString = [string]$g.OwnerNode; computer = $g.PSComputerName
           runspace = $g.RunspaceId.GetType().Name; shown = $g.PSShowComputerName; hidden = $s.PSShowComputerName; text = [string]$s }`),
      section('pipelineInput', `1, 2, 3 | Invoke-Command -ComputerName N1 { $input | ForEach-Object { $_ * 2 } } | ForEach-Object { [int]$_ }`),
      section('inProcess', `Invoke-Command { param($a) $a + 1 } -ArgumentList 1`),
    ].join('\n'));
  });
  after(() => lab.close());

  const result = (name: string) => {
    expect(run.results, `section ${name} printed no RESULT; stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).to.have.property(name);
    return run.results[name];
  };

  it('resolves $using: in the caller\'s scope (variables, members, indexes, a UTC DateTime keeps its Kind) beside -ArgumentList', () => {
    expect(result('using'), JSON.stringify(result('using'))).to.deep.include({ name: 'web01', k: 2, kind: 'Utc', a: 'x', rest: 1, PSComputerName: 'N1' });
    expect(result('usingNoParam')).to.equal('vm=db01');
    // an argument that is a collection stays one argument (an ArrayList), even an empty one
    expect(result('argumentsWhole')).to.deep.equal({ name: 'HVCLUSTER01', known: 0, knownType: 'ArrayList', flag: true, count: 3 });
    expect(result('argumentArray')).to.deep.equal({ list: 2, last: 'z', using: 2 });
    // one argument that is an array stays one argument (it used to be unrolled into its items)
    expect(result('loneArray')).to.deep.equal({ count: 2, first: 'a1' });
    expect(result('usingInFunction')).to.equal('inner');
  });

  it("runs the block with the node's context: its stand-ins' requests carry node N1", () => {
    const onNode = lab.calls('Get-ClusterGroup').filter((r) => r.node === 'N1');
    expect(onNode).to.have.length(1);
    expect(onNode[0]!.compat).to.equal(false);
  });

  it('starts the block with the default preferences a remote session has, whatever the caller set', () => {
    expect(result('preferences')).to.deep.include({ warning: 'Continue', error: 'Continue' });
  });

  it('re-emits remote warnings through the local warning stream', () => {
    expect(result('warnings')).to.deep.equal({ out: 'out', warnings: ['remote says'] });
  });

  it('turns remote errors, terminating or not, into local non-terminating errors with the remote FullyQualifiedErrorId and OriginInfo', () => {
    expect(result('errors')).to.deep.equal({ out: ['after'], ids: ['Custom.Id', 'boom'], messages: ['bad', 'boom'], origin: ['N1', 'N1'] });
    expect(result('errorStop')).to.equal('caught boom');
  });

  it("gives WinRM's connection error for an unreachable node and still runs the block on the others", () => {
    const r = result('unreachable');
    expect(r).to.deep.include({
      from: ['N1'], id: 'WinRMOperationTimeout,PSSessionStateBroken', category: 'OpenError', target: 'N3',
      exception: 'System.Management.Automation.Remoting.PSRemotingTransportException',
    });
    expect(r.message).to.match(/^Connecting to remote server N3 failed with the following error message : WinRM cannot complete the operation\./);
    expect(result('unknownName')).to.equal('ComputerNotFound,PSSessionStateBroken');
    expect(result('openUnreachable')).to.deep.equal({ session: true, id: 'WinRMOperationTimeout,PSSessionOpenFailed' });
  });

  it('keeps state in a PSSession across calls, not across -ComputerName calls; the lab counts the session', () => {
    expect(result('session')).to.deep.equal({ kept: 42, fresh: true, name: 'Runspace1', computer: 'N1', state: 'Closed' });
    expect(lab.calls('New-PSSession').map((r) => r.parameters)).to.deep.include({ ComputerName: ['N1'] });
  });

  it('returns each object deserialized at depth 1 with PSComputerName, RunspaceId and PSShowComputerName', () => {
    expect(result('objects')).to.deep.equal({
      type: 'Deserialized.Microsoft.FailoverClusters.PowerShell.ClusterGroup', owner: null, ownerString: 'N2', computer: 'N1',
      runspace: 'Guid', shown: true, hidden: false, text: 'text',
    });
    expect(run.stdout).not.to.include('WinPSCompatSession'); // on a node FailoverClusters is native
  });

  it('pipes input to the remote block, and runs a block without -ComputerName locally', () => {
    expect(result('pipelineInput')).to.deep.equal([2, 4, 6]);
    expect(result('inProcess')).to.equal(2);
  });
});

describe('stand-ins: remote sessions in the language mode the lab gives the nodes (review N5)', function () {
  this.timeout(60_000);
  let lab: FakeLab;
  let run: PwshRun;

  before(async () => {
    lab = await new FakeLab(world({ languageMode: 'ConstrainedLanguage' })).start();
    run = await runPwsh(lab, [
      section('modes', `$s = New-PSSession -ComputerName N2
        $r = @{ node = [string](Invoke-Command -ComputerName N1 { $ExecutionContext.SessionState.LanguageMode })
                session = [string](Invoke-Command -Session $s { $ExecutionContext.SessionState.LanguageMode })
                local = [string](Invoke-Command -ComputerName localhost { $ExecutionContext.SessionState.LanguageMode })
                here = [string]$ExecutionContext.SessionState.LanguageMode }
        $null = Invoke-Command -ComputerName N1 { [System.IO.File]::Exists('C:\\') } -ErrorVariable ev -ErrorAction SilentlyContinue
        $r.blocked = $ev[0].FullyQualifiedErrorId
        $r.standIn = [string](Invoke-Command -ComputerName N1 { (Get-Date).Kind })
        $r`),
    ].join('\n'));
  });
  after(() => lab.close());

  it("runs a node's block in ConstrainedLanguage (the stand-ins it calls still work), the management host's in FullLanguage", () => {
    expect(run.results, run.stderr).to.have.property('modes');
    expect(run.results.modes).to.deep.equal({
      node: 'ConstrainedLanguage', session: 'ConstrainedLanguage', local: 'FullLanguage', here: 'FullLanguage',
      blocked: 'MethodInvocationNotSupportedInConstrainedLanguage', standIn: 'Local',
    });
  });
});
