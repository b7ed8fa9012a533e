import { expect } from 'chai';
import { FakeLab, runPwsh, section, type PwshRun } from './fixtures/stand-ins/fake-lab.js';
import { world } from './fixtures/stand-ins/world.js';

// The stand-ins declare the documented parameter sets: PowerShell itself refuses what Windows would refuse,
// before anything reaches the lab. One real pwsh runs every section; each `it` reads its RESULT.
describe('stand-ins: parameter binding as documented (real pwsh, a fake lab)', function () {
  this.timeout(120_000);
  let lab: FakeLab;
  let run: PwshRun;

  before(async () => {
    lab = await new FakeLab(world({ edition: 'desktop' })).start();
    run = await runPwsh(lab, [
      section('misspelled', `Get-ClusterNode -Nmae N1 -Cluster HVCLUSTER01`),
      section('drainForce', `$null = Suspend-ClusterNode -Name N2 -Drain -ForceDrain -Wait -Cluster HVCLUSTER01 -Confirm:$false; 'bound'`),
      section('getVmConflict', `Get-VM -Name web01 -Id ([guid]::NewGuid())`),
      section('winEventConflict', `Get-WinEvent -ListLog System -FilterHashtable @{ LogName = 'System' }`),
      section('stopProcessConflict', `Stop-Process -Name clussvc -Id 4`),
      section('clearQuarantineAlias', `$null = Start-ClusterNode N2 -cq -Cluster HVCLUSTER01; 'bound'`),
      section('positional', `$null = Move-ClusterVirtualMachineRole web01 N1 -MigrationType Live -Cluster HVCLUSTER01; 'bound'`),
      section('badEnum', `Move-ClusterVirtualMachineRole web01 N1 -MigrationType Teleport`),
      section('failbackPositional', `$null = Resume-ClusterNode N2 Immediate -Cluster HVCLUSTER01; 'bound'`),
      section('missingMandatory', `Get-VMHostCluster`),
      section('emptyName', `Get-ClusterGroup -Name '' -Cluster HVCLUSTER01`),
      section('emptyVmName', `Get-VM -Name ''`),
      section('suspendWaitIsSwitch', `Suspend-ClusterNode -Name N2 -Wait 30 -TargetNode N1 -Confirm:$false`),
      section('firewallDirection', `New-NetFirewallRule -DisplayName x -Direction Sideways`),
      section('getDateUnix', `Get-Date -UnixTimeSeconds 0 -Date (Get-Date)`),
      section('parameterSet', `$null = Get-WinEvent -FilterHashtable @{ LogName = 'System'; ID = 1135 } -MaxEvents 5 -ErrorAction SilentlyContinue; 'ok'`),
    ].join('\n'));
  });
  after(() => lab.close());

  const result = (name: string) => {
    expect(run.results, `section ${name} printed no RESULT; stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).to.have.property(name);
    return run.results[name];
  };
  const sent = (command: string) => lab.calls(command);

  it('refuses a misspelled parameter (NamedParameterNotFound) and asks the lab nothing', () => {
    expect(result('misspelled').id).to.equal('NamedParameterNotFound,Get-ClusterNode');
    expect(sent('Get-ClusterNode')).to.have.length(0);
  });

  it('binds Suspend-ClusterNode -Drain with -ForceDrain and -Wait (a switch): the 2022 syntax puts them in one set', () => {
    expect(result('drainForce')).to.equal('bound');
    const [request] = sent('Suspend-ClusterNode');
    expect(request!.parameters).to.deep.include({ Name: ['N2'], Drain: true, ForceDrain: true, Wait: true, Cluster: 'HVCLUSTER01' });
    expect(request!.parameterSet).to.equal('InputObject');
    expect(result('suspendWaitIsSwitch').id).to.equal('PositionalParameterNotFound,Suspend-ClusterNode');
  });

  it('refuses parameters of different sets together, as on Windows', () => {
    expect(result('getVmConflict').id).to.equal('AmbiguousParameterSet,Get-VM');
    expect(result('winEventConflict').id).to.equal('AmbiguousParameterSet,Get-WinEvent');
    expect(result('stopProcessConflict').id).to.equal('AmbiguousParameterSet,Stop-Process');
    expect(result('getDateUnix').id).to.equal('AmbiguousParameterSet,Get-Date');
  });

  it("takes Start-ClusterNode's documented alias -cq for -ClearQuarantine", () => {
    expect(result('clearQuarantineAlias')).to.equal('bound');
    expect(sent('Start-ClusterNode')[0]!.parameters).to.deep.include({ Name: ['N2'], ClearQuarantine: true });
  });

  it('binds positions and enums as documented: Move-ClusterVirtualMachineRole <Name> <Node>, Resume-ClusterNode <Name> <Failback>', () => {
    expect(result('positional')).to.equal('bound');
    expect(sent('Move-ClusterVirtualMachineRole')[0]!.parameters).to.deep.include({ Name: 'web01', Node: 'N1', MigrationType: 'Live' });
    expect(result('badEnum').id).to.equal('ParameterArgumentTransformationError,Move-ClusterVirtualMachineRole');
    expect(result('failbackPositional')).to.equal('bound');
    expect(sent('Resume-ClusterNode')[0]!.parameters).to.deep.include({ Name: ['N2'], Failback: 'Immediate' });
    expect(result('firewallDirection').id).to.equal('ParameterArgumentTransformationError,New-NetFirewallRule');
  });

  it('refuses an empty name where the real modules validate it (ValidateNotNullOrEmpty)', () => {
    expect(result('emptyName').id).to.equal('ParameterArgumentValidationError,Get-ClusterGroup');
    expect(result('emptyVmName').id).to.equal('ParameterArgumentValidationError,Get-VM');
  });

  it('refuses a missing mandatory parameter in a non-interactive shell', () => {
    expect(result('missingMandatory').id).to.equal('MissingMandatoryParameter,Get-VMHostCluster');
    expect(sent('Get-VMHostCluster')).to.have.length(0);
  });

  it('sends the parameter set PowerShell chose and the bound parameters, without common parameters', () => {
    expect(result('parameterSet')).to.equal('ok');
    const request = sent('Get-WinEvent')[0]!;
    expect(request.parameterSet).to.equal('HashQuerySet');
    expect(request.parameters).to.deep.equal({ FilterHashtable: [{ LogName: 'System', ID: 1135 }], MaxEvents: 5 });
    expect(request.process).to.equal('main');
    expect(request.node).to.equal(null);
    expect(request.compat).to.equal(false);
  });
});
