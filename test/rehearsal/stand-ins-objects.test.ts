import { expect } from 'chai';
import { FakeLab, runPwsh, section, type PwshRun } from './fixtures/stand-ins/fake-lab.js';
import { web01, world } from './fixtures/stand-ins/world.js';

const WINCOMPAT_WARNING =
  "WARNING: Module FailoverClusters is loaded in Windows PowerShell using WinPSCompatSession remoting session; please note that all input and output of commands from this module will be deserialized objects. If you want to load this module into PowerShell please use 'Import-Module -SkipEditionCheck' syntax.";

function resultOf(run: PwshRun, name: string): any {
  expect(run.results, `section ${name} printed no RESULT; stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).to.have.property(name);
  return run.results[name];
}

describe('stand-ins: objects with the documented types (desktop edition: FailoverClusters native)', function () {
  this.timeout(120_000);
  let lab: FakeLab;
  let run: PwshRun;

  before(async () => {
    lab = await new FakeLab(world({
      edition: 'desktop',
      answers: {
        'Move-ClusterVirtualMachineRole': { terminating: { message: "The operation 'Move' for 'web01' was cancelled.", id: 'MoveFailed,Microsoft.FailoverClusters.PowerShell.MoveClusterVirtualMachineRoleCommand', category: 'OperationStopped' } },
        'Set-ClusterObjectProperty': (r) => (r.parameters.Property === 'QuarantineThreshold'
          ? { errors: [{ message: 'The cluster refused the value.', id: 'SetPropertyFailed', category: 'InvalidArgument' }] } : {}),
        'Get-VM': { output: [{ $type: 'VirtualMachine', Name: 'web01', Id: '6a7f3f4e-1111-4222-8333-944455556666', State: 'PausedCritical', Version: '10.0', MemoryStartup: 4294967296, ComputerName: 'N2', IsClustered: true }] },
      },
    })).start();
    run = await runPwsh(lab, [
      section('group', `$g = Get-ClusterGroup -Name web01 -Cluster HVCLUSTER01
        @{ type = $g.GetType().FullName; owner = $g.OwnerNode.Name; ownerType = $g.OwnerNode.GetType().FullName; ownerString = [string]$g.OwnerNode
           state = $g.State.GetType().FullName; status = [string]$g.StatusInformation; statusValue = [uint64]$g.StatusInformation
           statusType = [Enum]::GetUnderlyingType($g.StatusInformation.GetType()).Name; flags = $g.StatusInformation.GetType().IsDefined([FlagsAttribute], $false)
           groupType = [int]$g.GroupType; asString = [string]$g }`),
      section('nodes', `$n = @(Get-ClusterNode -Cluster HVCLUSTER01)
        @{ n1 = [string]$n[0].StatusInformation; n1Isolated = $n[0].StatusInformation.HasFlag([Microsoft.FailoverClusters.PowerShell.ClusterNodeStatusInformation]::Isolated)
           n2 = [string]$n[1].StatusInformation; n2Value = [int]$n[1].StatusInformation; n2State = [int]$n[1].State; cluster = [string]$n[0].Cluster }`),
      section('setCluster', `$c = Get-Cluster -Name HVCLUSTER01; $c.ResiliencyDefaultPeriod = 60; @{ now = $c.ResiliencyDefaultPeriod; level = $c.ResiliencyLevel.GetType().FullName }`),
      section('setGroup', `$g = Get-ClusterGroup -Name web01 -Cluster HVCLUSTER01; $g.ResiliencyPeriod = 20; $g.ResiliencyPeriod`),
      section('setRefused', `$c = Get-Cluster -Name HVCLUSTER01; try { $c.QuarantineThreshold = 1; 'set' } catch { @{ message = $_.ToString(); value = $c.QuarantineThreshold } }`),
      section('notFound', `$out = @(Get-ClusterNode -Name N1, N9 -Cluster HVCLUSTER01 -ErrorVariable ev -ErrorAction SilentlyContinue)
        @{ names = @($out | ForEach-Object Name); id = $ev[0].FullyQualifiedErrorId; category = [string]$ev[0].CategoryInfo.Category; target = $ev[0].TargetObject }`),
      section('terminating', `try { Move-ClusterVirtualMachineRole -Name web01 -Node N1 -MigrationType Live -Cluster HVCLUSTER01; 'returned' } catch { @{ id = $_.FullyQualifiedErrorId; message = $_.ToString() } }`),
      section('pipeline', `$null = Get-ClusterNode -Name N1 -Cluster HVCLUSTER01 | Resume-ClusterNode -Failback NoFailback; 'ok'`),
      section('vm', `$vm = Get-VM -Name web01; @{ type = $vm.GetType().FullName; state = [string]$vm.State; stateValue = [int]$vm.State; id = $vm.Id.GetType().Name; vmId = [string]$vm.VMId; memory = $vm.MemoryStartup.GetType().Name }`),
    ].join('\n'));
  });
  after(() => lab.close());

  it('makes live ClusterGroup objects whose OwnerNode is a ClusterNode and whose enums are the real types', () => {
    const g = resultOf(run, 'group');
    expect(g).to.deep.include({
      type: 'Microsoft.FailoverClusters.PowerShell.ClusterGroup', owner: 'N2', ownerType: 'Microsoft.FailoverClusters.PowerShell.ClusterNode',
      ownerString: 'N2', state: 'Microsoft.FailoverClusters.PowerShell.ClusterGroupState', status: 'Unmonitored', statusValue: 256,
      statusType: 'UInt64', flags: true, groupType: 111, asString: 'web01',
    });
    expect(run.stdout).not.to.include('WinPSCompatSession');
  });

  it('reads [Flags] StatusInformation by name and keeps a bit the module does not define as a number', () => {
    expect(resultOf(run, 'nodes')).to.deep.equal({ n1: 'Isolated, Quarantined', n1Isolated: true, n2: '288', n2Value: 288, n2State: 1, cluster: 'HVCLUSTER01' });
  });

  it('sends a property set on the live Cluster or ClusterGroup to the lab (Set-ClusterObjectProperty)', () => {
    expect(resultOf(run, 'setCluster')).to.deep.equal({ now: 60, level: 'Microsoft.FailoverClusters.PowerShell.ClusterResiliencyLevel' });
    expect(resultOf(run, 'setGroup')).to.equal(20);
    const sets = lab.calls('Set-ClusterObjectProperty').map((r) => r.parameters);
    expect(sets).to.deep.include({ Object: 'Cluster', Cluster: 'HVCLUSTER01', Property: 'ResiliencyDefaultPeriod', Value: 60 });
    expect(sets).to.deep.include({ Object: 'ClusterGroup', Cluster: 'HVCLUSTER01', Name: 'web01', Property: 'ResiliencyPeriod', Value: 20 });
  });

  it('fails a setter the lab refuses, and keeps the old value', () => {
    const r = resultOf(run, 'setRefused');
    expect(r.message).to.include('The cluster refused the value.');
    expect(r.value).to.equal(3);
  });

  it("writes the lab's non-terminating errors with their FullyQualifiedErrorId unchanged, and still outputs the rest", () => {
    expect(resultOf(run, 'notFound')).to.deep.equal({
      names: ['N1'], id: 'ClusterObjectNotFound,Microsoft.FailoverClusters.PowerShell.GetNodeCommand', category: 'ObjectNotFound', target: 'N9',
    });
  });

  it("throws the lab's terminating error through $PSCmdlet.ThrowTerminatingError", () => {
    expect(resultOf(run, 'terminating')).to.deep.equal({
      id: 'MoveFailed,Microsoft.FailoverClusters.PowerShell.MoveClusterVirtualMachineRoleCommand', message: "The operation 'Move' for 'web01' was cancelled.",
    });
  });

  it('sends a pipeline object as its identity', () => {
    expect(resultOf(run, 'pipeline')).to.equal('ok');
    const [request] = lab.calls('Resume-ClusterNode');
    expect(request!.parameters).to.deep.equal({ InputObject: { $type: 'ClusterNode', Name: 'N1', Id: '1', Cluster: 'HVCLUSTER01' }, Failback: 'NoFailback' });
  });

  it('makes Hyper-V VirtualMachine objects with VMState by name (PausedCritical = 32789) and GUID ids', () => {
    expect(resultOf(run, 'vm')).to.deep.equal({
      type: 'Microsoft.HyperV.PowerShell.VirtualMachine', state: 'PausedCritical', stateValue: 32789, id: 'Guid',
      vmId: '6a7f3f4e-1111-4222-8333-944455556666', memory: 'Int64',
    });
  });
});

describe('stand-ins: FailoverClusters through WinCompat (core edition, the management host)', function () {
  this.timeout(120_000);
  let lab: FakeLab;
  let run: PwshRun;

  before(async () => {
    lab = await new FakeLab(world({ edition: 'core' })).start();
    run = await runPwsh(lab, [
      section('group', `$g = Get-ClusterGroup -Name web01 -Cluster HVCLUSTER01
        $g.ResiliencyPeriod = 20
        @{ typeNames = @($g.PSObject.TypeNames); ownerName = $g.OwnerNode.Name; ownerProjected = [string]$g.OwnerNode.Name
           ownerString = [string]$g.OwnerNode; state = [string]$g.State; computer = $g.PSComputerName }`),
      section('again', `@(Get-ClusterNode -Cluster HVCLUSTER01).Count`),
      section('compat', `$s = New-PSSession -UseWindowsPowerShell
        $inside = Invoke-Command -Session $s { $g = Get-ClusterGroup -Name web01 -Cluster HVCLUSTER01; [string]$g.OwnerNode.Name }
        $copy = Invoke-Command -Session $s { Get-ClusterGroup -Name web01 -Cluster HVCLUSTER01 }
        Remove-PSSession $s
        @{ inside = [string]$inside; copyOwner = $copy.OwnerNode.Name; copyOwnerString = [string]$copy.OwnerNode; state = [string]$s.State }`),
    ].join('\n'));
  });
  after(() => lab.close());

  it('writes the warning PowerShell 7 writes, once per process, on stdout', () => {
    expect(run.stdout.split(WINCOMPAT_WARNING).length - 1).to.equal(1);
    expect(resultOf(run, 'again')).to.equal(2);
  });

  it('returns groups deserialized at depth 1: OwnerNode.Name is empty while [string]OwnerNode is the name', () => {
    const g = resultOf(run, 'group');
    expect(g.typeNames[0]).to.equal('Deserialized.Microsoft.FailoverClusters.PowerShell.ClusterGroup');
    expect(g.ownerName).to.equal(null);
    expect(g.ownerProjected).to.equal('');
    expect(g.ownerString).to.equal('N2');
    expect(g.state).to.equal('Online');
    expect(g.computer).to.equal('localhost');
  });

  it('lets a property set on the deserialized copy go nowhere', () => {
    expect(lab.calls('Set-ClusterObjectProperty')).to.have.length(0);
  });

  it('gives live FailoverClusters objects inside New-PSSession -UseWindowsPowerShell, deserialized when they leave it', () => {
    expect(resultOf(run, 'compat')).to.deep.equal({ inside: 'N2', copyOwner: null, copyOwnerString: 'N2', state: 'Closed' });
    const inCompat = lab.calls('Get-ClusterGroup').filter((r) => r.compat);
    expect(inCompat).to.have.length(2);
    expect(inCompat[0]!.node).to.equal(null);
    expect(web01.OwnerNode.Name).to.equal('N2');
  });
});
