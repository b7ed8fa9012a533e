import { expect } from 'chai';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import { call, cluster, onHost, onNode, out, startLab } from './lab-fixture.js';

const owner = (lab: Lab, vm: string) => lab.sim.vms.find((v) => v.name === vm)!.owner;

describe('rehearsal lab: FailoverClusters', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  it("shows the cluster's real Get-Cluster properties with WS2022's defaults, and none of the simulator's own knobs", async () => {
    lab = await startLab();
    const [c] = out(await onHost(lab, 'Get-Cluster', { Name: 'HVCLUSTER01' }));
    expect(c).to.include({ $type: 'Cluster', Name: 'HVCLUSTER01', ResiliencyLevel: 'AlwaysIsolate', ResiliencyDefaultPeriod: 240, QuarantineThreshold: 3 });
    expect(c).to.include({ CrossSubnetDelay: 1000, CrossSubnetThreshold: 20, CrossSiteDelay: 1000, CrossSiteThreshold: 20, DrainOnShutdown: 1 });
    expect(c).to.include({ ClusterFunctionalLevel: 11, SetSMBBandwidthLimit: 0, SMBBandwidthLimitFactor: 2500, MaximumParallelMigrations: 2 });
    for (const knob of ['MaxQuarantinedPercent', 'QuarantineAtCap', 'MinimumResilientVmVersion', 'MaximumVirtualMachineMigrations']) {
      expect(c, knob).not.to.have.property(knob);
    }
    const wrong = await onHost(lab, 'Get-Cluster', { Name: 'OTHERCLUSTER' });
    expect(wrong.terminating?.message).to.contain("'OTHERCLUSTER'");
  });

  it("changes the simulated cluster through the live object's setter, refusing a value out of range and the simulator's knobs", async () => {
    lab = await startLab();
    const set = (Property: string, Value: unknown) => onHost(lab, 'Set-ClusterObjectProperty', { Object: 'Cluster', Cluster: 'HVCLUSTER01', Property, Value });
    expect((await set('ResiliencyDefaultPeriod', 60)).terminating).to.equal(undefined);
    expect(lab.sim.properties.get('ResiliencyDefaultPeriod')).to.equal(60);
    expect((await set('ResiliencyLevel', 'IsolateOnSpecialHeartbeat')).terminating).to.equal(undefined);
    expect(lab.sim.properties.get('ResiliencyLevel')).to.equal(1);
    expect((await set('SameSubnetThreshold', 500)).terminating?.message).to.match(/^The parameter is incorrect\. .*between 3 and 120/);
    expect(lab.sim.properties.get('SameSubnetThreshold')).to.equal(10);
    expect((await set('MaxQuarantinedPercent', 50)).terminating?.message).to.contain('cannot be set');
    expect((await set('CrossSubnetDelay', 2000)).terminating).to.equal(undefined);
    expect(out(await onHost(lab, 'Get-Cluster'))[0]).to.include({ ResiliencyDefaultPeriod: 60, ResiliencyLevel: 'IsolateOnSpecialHeartbeat', CrossSubnetDelay: 2000 });
  });

  it('answers Get-ClusterNode with the simulated state and a not-found error per unknown name', async () => {
    lab = await startLab();
    await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
    await lab.sleep(20_000);
    const answer = await onHost(lab, 'Get-ClusterNode', { Name: ['N2', 'N1', 'N9'], Cluster: 'HVCLUSTER01' });
    expect(out(answer).map((n) => [n.Name, n.State, n.StatusInformation, n.BuildNumber])).to.deep.equal([
      ['N2', 'Down', 'Isolated', 20348],
      ['N1', 'Up', 'Normal', 20348],
    ]);
    expect(answer.errors).to.deep.equal([
      { message: "The cluster node 'N9' was not found.", id: 'ClusterObjectNotFound,Microsoft.FailoverClusters.PowerShell.GetNodeCommand', category: 'ObjectNotFound', target: 'N9' },
    ]);
  });

  it("finds a VM by its Virtual Machine resource's VmID, whatever its group is called", async () => {
    lab = await startLab({ groupNames: { web01: 'SCVMM web01 Resources' } });
    const groups = out(await onHost(lab, 'Get-ClusterGroup'));
    expect(groups.map((g) => [g.Name, g.GroupType])).to.deep.equal([
      ['Cluster Group', 'Cluster'],
      ['Available Storage', 'AvailableStorage'],
      ['SCVMM web01 Resources', 'VirtualMachine'],
      ['sql01', 'VirtualMachine'],
      ['app01', 'VirtualMachine'],
    ]);
    const resource = out(await onHost(lab, 'Get-ClusterResource')).find((r) => (r.ResourceType as { Name: string }).Name === 'Virtual Machine' && (r.OwnerGroup as { Name: string }).Name === 'SCVMM web01 Resources')!;
    expect(resource.Name).to.equal('Virtual Machine web01');
    const [vmId] = out(await onHost(lab, 'Get-ClusterParameter', { InputObject: { $type: 'ClusterResource', Name: resource.Name }, Name: ['VmID'] }));
    const vms = out(await onNode(lab, 'N2', 'Get-VM'));
    expect(vms.find((v) => v.Id === vmId.Value)?.Name).to.equal('web01');
  });

  it("keeps a group's own ResiliencyPeriod at 0 (the cluster's) until set on the live group; then that VM fails over at its own period", async () => {
    // The experiment's own periods are not the lab's: a group has none until the run sets it
    lab = await startLab({ cluster: { ...cluster, vms: cluster.vms.map((vm) => ({ ...vm, resiliencyPeriod: 10 })) } });
    const period = async () => out(await onHost(lab, 'Get-ClusterGroup', { Name: ['web01'] }))[0].ResiliencyPeriod;
    expect(await period()).to.equal(0);
    await onHost(lab, 'Set-ClusterObjectProperty', { Object: 'ClusterGroup', Cluster: 'HVCLUSTER01', Name: 'web01', Property: 'ResiliencyPeriod', Value: 30 });
    expect(await period()).to.equal(30);
    // N2 isolated (clussvc down for the SCM's 60 s): web01 leaves at its 30 s, sql01 waits with the node
    await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
    await lab.sleep(55_000);
    expect(owner(lab, 'web01')).not.to.equal('N2');
    expect(owner(lab, 'sql01')).to.equal('N2');
  });

  it('waits in Move-ClusterVirtualMachineRole until the live migration completed, and returns the group on its new node', async () => {
    lab = await startLab();
    const answer = await onHost(lab, 'Move-ClusterVirtualMachineRole', { Name: 'web01', Node: 'N3', MigrationType: 'Live', Cluster: 'HVCLUSTER01' });
    const [group] = out(answer);
    expect((group.OwnerNode as { Name: string }).Name).to.equal('N3');
    expect(owner(lab, 'web01')).to.equal('N3');
    expect(lab.now(), 'the migration took virtual time').to.be.within(2_000, 30_000);
    const refused = await onHost(lab, 'Move-ClusterVirtualMachineRole', { Name: 'web01', Node: 'N3', MigrationType: 'Live' });
    expect(refused.terminating?.message).to.contain('already runs on N3');
    expect((await onHost(lab, 'Move-ClusterVirtualMachineRole', { Name: 'web01', Node: 'N1', MigrationType: 'Quick' })).terminating?.id).to.equal(
      'NotSupportedByRehearsalLab,Move-ClusterVirtualMachineRole',
    );
  });

  it("cancels a migration in progress with -Cancel from another process: the waiting move fails with the simulator's reason", async () => {
    lab = await startLab({ cluster: { ...cluster, liveMigration: { transport: 'TCPIP', nics: 1, nicGbps: 1, teaming: false, jumboFrames: false, powerProfile: 'balanced' } } });
    const move = onHost(lab, 'Move-ClusterVirtualMachineRole', { Name: 'sql01', Node: 'N1', MigrationType: 'Live' });
    let cancelAt: number | undefined;
    let cancel: Awaited<typeof move> | undefined;
    lab.timer(5_000, async () => {
      cancel = await onHost(lab, 'Move-ClusterVirtualMachineRole', { Name: 'sql01', Cancel: true }, 'side');
      cancelAt = lab.now();
    });
    const answer = await move;
    expect(cancel?.terminating).to.equal(undefined);
    expect(cancelAt).to.equal(5_000);
    expect(lab.now(), 'the move ended when it was cancelled').to.equal(5_000);
    expect(answer.terminating?.message).to.match(/cancelled.*sql01 stays on N2/);
    expect(owner(lab, 'sql01')).to.equal('N2');
    const none = await onHost(lab, 'Move-ClusterVirtualMachineRole', { Name: 'sql01', Cancel: true });
    expect(none.terminating?.message).to.contain('no migration');
  });

  it("migrates over a host's own Set-VMHost transport when the move names none", async () => {
    const slow = { ...cluster, liveMigration: { transport: 'TCPIP' as const, nics: 1, nicGbps: 10, teaming: false, jumboFrames: false, powerProfile: 'balanced' as const } };
    const moveTakes = async (option?: string) => {
      const l = await startLab({ cluster: slow, simulator: { scmRestartDelayMs: 60_000, vmStartMs: [5_000, 15_000], vmIoIntervalMs: [200, 2_000], liveMigrationJitter: 0 } });
      try {
        if (option) await onNode(l, 'N2', 'Set-VMHost', { VirtualMachineMigrationPerformanceOption: option });
        const [host] = out(await onNode(l, 'N2', 'Get-VMHost'));
        const before = l.now();
        out(await onHost(l, 'Move-ClusterVirtualMachineRole', { Name: 'sql01', Node: 'N1', MigrationType: 'Live' }));
        return { option: host.VirtualMachineMigrationPerformanceOption, ms: l.now() - before };
      } finally {
        await l.close();
      }
    };
    const tcp = await moveTakes();
    const compressed = await moveTakes('Compression');
    expect(tcp.option).to.equal('TCPIP');
    expect(compressed.option).to.equal('Compression');
    expect(compressed.ms, 'Compression moves a 16 GB VM faster over 10 GbE than TCP/IP').to.be.below(tcp.ms * 0.8);
  });

  it('drains with Suspend-ClusterNode -Drain -Wait, then fails back after Resume-ClusterNode -Failback Immediate, which returns at once', async () => {
    lab = await startLab();
    const [paused] = out(await onHost(lab, 'Suspend-ClusterNode', { Name: ['N2'], Drain: true, Wait: true, Cluster: 'HVCLUSTER01' }));
    expect(paused).to.include({ Name: 'N2', State: 'Paused', DrainStatus: 'Completed' });
    expect([owner(lab, 'web01'), owner(lab, 'sql01')]).not.to.include('N2');
    const drainedAt = lab.now();
    expect(drainedAt).to.be.above(0);
    const [resumed] = out(await onHost(lab, 'Resume-ClusterNode', { Name: ['N2'], Failback: 'Immediate' }));
    expect(resumed).to.include({ State: 'Up' });
    expect(lab.now(), 'Resume-ClusterNode has no -Wait').to.equal(drainedAt);
    await lab.sleep(60_000);
    expect([owner(lab, 'web01'), owner(lab, 'sql01')]).to.deep.equal(['N2', 'N2']);
  });

  it('returns from Stop-ClusterNode once the node is Down, its VMs drained; Start-ClusterNode brings it back', async () => {
    lab = await startLab();
    const [stopped] = out(await onHost(lab, 'Stop-ClusterNode', { Name: ['N2'] }));
    expect(stopped).to.include({ State: 'Down', StatusInformation: 'Normal' });
    expect(lab.sim.services.get('N2')!.running).to.equal(false);
    expect([owner(lab, 'web01'), owner(lab, 'sql01')]).not.to.include('N2');
    out(await onHost(lab, 'Start-ClusterNode', { Name: ['N2'] }));
    await lab.sleep(10_000);
    expect(lab.sim.membership.observe('N2').State).to.equal('Up');
  });
});

describe('rehearsal lab: clussvc, registry and paths on a node', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  it("kills clussvc with Stop-Process: SCM's 7031 and recovery restart; a Disabled service is not restarted", async () => {
    lab = await startLab();
    out(await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true }));
    expect(lab.sim.services.get('N2')!.running).to.equal(false);
    const again = await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
    expect(again.errors[0]?.id).to.equal('NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.StopProcessCommand');
    await lab.sleep(61_000);
    expect(lab.sim.services.get('N2')!.running, 'restarted by SCM after its 60 s delay').to.equal(true);

    out(await onNode(lab, 'N3', 'Set-Service', { Name: 'clussvc', StartupType: 'Disabled' }));
    out(await onNode(lab, 'N3', 'Stop-Process', { Name: ['clussvc'], Force: true }));
    await lab.sleep(120_000);
    const [service] = out(await onNode(lab, 'N3', 'Get-Service', { Name: ['clussvc'] }));
    expect(service).to.include({ $type: 'ServiceController', ServiceName: 'ClusSvc', Status: 'Stopped', StartType: 'Disabled' });
  });

  it('refuses to start a Disabled clussvc with the real error; otherwise it is StartPending for serviceStartMs, then Running', async () => {
    lab = await startLab({ serviceStartMs: 2_500 });
    out(await onNode(lab, 'N2', 'Set-Service', { Name: 'clussvc', StartupType: 'Disabled' }));
    out(await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true }));
    const refused = await onNode(lab, 'N2', 'Start-Service', { Name: ['clussvc'] });
    expect(refused.output).to.deep.equal([]);
    expect(refused.errors).to.deep.equal([
      {
        message: "Service 'Cluster Service (clussvc)' cannot be started due to the following error: Cannot start service clussvc on computer '.'.",
        id: 'CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand',
        category: 'OpenError',
        target: 'ClusSvc',
      },
    ]);
    out(await onNode(lab, 'N2', 'Set-Service', { Name: 'clussvc', StartupType: 'Automatic' }));
    const [starting] = out(await onNode(lab, 'N2', 'Start-Service', { Name: ['clussvc'] }));
    expect(starting.Status).to.equal('StartPending');
    await lab.sleep(2_000);
    expect(out(await onNode(lab, 'N2', 'Get-Service', { Name: ['clussvc'] }))[0].Status).to.equal('StartPending');
    await lab.sleep(500);
    expect(out(await onNode(lab, 'N2', 'Get-Service', { Name: ['clussvc'] }))[0].Status).to.equal('Running');
  });

  it("reads clussvc's FailureActions (restarts after the simulator's SCM delay) and Start from the registry", async () => {
    lab = await startLab();
    const [values] = out(await onNode(lab, 'N1', 'Get-ItemProperty', { LiteralPath: ['HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ClusSvc'], Name: ['FailureActions', 'Start'] }));
    const bytes = values.FailureActions as number[];
    const dword = (at: number) => bytes[at] + 256 * bytes[at + 1] + 65_536 * bytes[at + 2] + 16_777_216 * bytes[at + 3];
    expect(bytes).to.have.length(20 + 8 * 3);
    expect(dword(12), 'actions').to.equal(3);
    expect([dword(20), dword(24)], 'first action: restart after 60 s').to.deep.equal([1, 60_000]);
    expect(values.Start).to.equal(2);
    expect(values).not.to.have.property('DisplayName');
    const missing = await onNode(lab, 'N1', 'Get-ItemProperty', { LiteralPath: ['HKLM:\\SOFTWARE\\Nothing'] });
    expect(missing.errors[0]?.id).to.equal('PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand');
  });

  it("has the SharedStoragePath on the CSV unless the missing-shared-storage-path defect removed it", async () => {
    const exists = async (defects: string[]) => {
      const l = await startLab({ defects });
      try {
        const [hostCluster] = out(await onNode(l, 'N1', 'Get-VMHostCluster', { ClusterName: ['HVCLUSTER01'] }));
        return [hostCluster.SharedStoragePath, ...out<boolean>(await onNode(l, 'N1', 'Test-Path', { Path: [String(hostCluster.SharedStoragePath), 'C:\\ClusterStorage\\Volume1\\sql01\\sql01.vhdx'] }))];
      } finally {
        await l.close();
      }
    };
    const path = 'C:\\ClusterStorage\\Volume1\\SharedStoragePath';
    expect(await exists([])).to.deep.equal([path, true, true]);
    expect(await exists(['missing-shared-storage-path'])).to.deep.equal([path, false, true]);
    lab = await startLab({ sharedStoragePath: null });
    expect((await onNode(lab, 'N1', 'Get-VMHostCluster', { ClusterName: ['HVCLUSTER01'] })).terminating?.message).to.contain('no SharedStoragePath');
  });

  it("lists a node's VMs with Get-VM (wildcards as the real one), their disks, and the build's configuration versions", async () => {
    lab = await startLab({ build: 17763 });
    expect(out(await onNode(lab, 'N2', 'Get-VM')).map((v) => [v.Name, v.State, v.Version, v.MemoryStartup])).to.deep.equal([
      ['web01', 'Running', '9.0', 4 * 2 ** 30],
      ['sql01', 'Running', '9.0', 16 * 2 ** 30],
    ]);
    expect(out(await onNode(lab, 'N2', 'Get-VM', { Name: ['s*'] })).map((v) => v.Name)).to.deep.equal(['sql01']);
    expect((await onNode(lab, 'N2', 'Get-VM', { Name: ['app01'] })).errors[0]?.message).to.equal('Hyper-V was unable to find a virtual machine with name "app01".');
    expect(out(await onHost(lab, 'Get-VM', { ComputerName: ['N1'] })).map((v) => v.Name)).to.deep.equal(['app01']);
    expect(out(await onNode(lab, 'N2', 'Get-VMHardDiskDrive', { VMName: ['web01', 'sql01'] })).map((d) => d.Path)).to.deep.equal([
      '\\\\FS01\\VMs\\web01\\web01.vhdx',
      'C:\\ClusterStorage\\Volume1\\sql01\\sql01.vhdx',
    ]);
    expect(out(await onNode(lab, 'N1', 'Get-VMHostSupportedVersion', { Default: true })).map((v) => v.Version)).to.deep.equal(['9.0']);
  });
});

describe('rehearsal lab: the lab itself', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  it('tells the stand-ins the edition, the nodes and which ones WinRM cannot reach, and refuses calls on those', async () => {
    lab = await startLab({ edition: 'desktop' });
    lab.setUnreachable('N3', true);
    expect(out(await onHost(lab, 'Lab-Context'))[0]).to.include({ edition: 'desktop' }).and.deep.include({
      unreachable: ['N3', 'N3.lab.local'],
      nodes: ['N1', 'N2', 'N3', 'N1.lab.local', 'N2.lab.local', 'N3.lab.local'],
    });
    expect((await onNode(lab, 'N3', 'Get-Service')).terminating?.id).to.equal('WinRMOperationTimeout,PSSessionStateBroken');
    lab.setUnreachable('N3', false);
    expect(out(await onNode(lab, 'N3', 'Get-Service'))).to.have.length(1);
  });

  it('adds the per-call latency in virtual time to every stand-in call, not to the lab-only ones', async () => {
    lab = await startLab({ latencyMs: 250 });
    await onHost(lab, 'Get-ClusterNode');
    expect(lab.now()).to.equal(250);
    await onHost(lab, 'Lab-Now');
    expect(lab.now()).to.equal(250);
    await onNode(lab, 'N1', 'Get-VM');
    expect(lab.now()).to.equal(500);
  });

  it('records every call and counts the remote sessions opened per node', async () => {
    lab = await startLab();
    await onHost(lab, 'New-PSSession', { ComputerName: ['N1', 'N2'] });
    await onHost(lab, 'New-PSSession', { ComputerName: ['n1.lab.local'] });
    await call(lab, { process: 'side', node: 'N2', command: 'Get-Service', parameters: { Name: ['clussvc'] } });
    expect(lab.sessionsOpened()).to.deep.equal({ N1: 2, N2: 1 });
    expect(lab.calls().map((c) => [c.process, c.node, c.command, c.at])).to.deep.equal([
      ['main', null, 'New-PSSession', 0],
      ['main', null, 'New-PSSession', 0],
      ['side', 'N2', 'Get-Service', 0],
    ]);
    const unknown = await onHost(lab, 'Get-Printer');
    expect(unknown.terminating?.id).to.equal('NotSupportedByRehearsalLab,Get-Printer');
  });
});
