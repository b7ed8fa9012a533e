/**
 * The PowerShell target (index.ts) against the rehearsal lab: real PowerShell 7 running the ClusterChaos
 * module against stand-in commands backed by the simulated cluster, in virtual time (lab-target.ts). Each
 * operation is checked where it lands: the simulated cluster (`lab.sim`) and the calls the stand-ins made
 * (`lab.calls()`). What only the parser decides is parse.test.ts's; the session's own failures, session.test.ts's.
 *
 * One lab per describe, shared by its tests in order (a lab and its first contact take seconds of wall time;
 * virtual time is free).
 */
import { expect } from 'chai';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import type { RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { ANSWER_BEGIN, ANSWER_END, createDryRunTarget, createPowerShellTarget, PowerShellReadError, type PowerShellTarget } from '../../src/targets/powershell/index.js';
import { OperationError, OperationUnknownError, type Poll } from '../../src/targets/target.js';
import type { ClusterDescription } from '../../src/trace/records.js';
import { FAKE_PWSH, FakeShell, capturedLogger, type Rule } from './fake-shell/harness.js';
import { callsSince, labTarget, messages, rehearsal, rejection, TAG, type OpenLabTarget } from './lab-target.js';

/** Lab calls as `<node> <command>` (the management host's as `M`), for comparing sequences. */
const named = (calls: ReturnType<Lab['calls']>): string[] => calls.map((c) => `${c.node ?? 'M'} ${c.command}`);

describe('PowerShell target against the rehearsal lab', function () {
  this.timeout(300_000);
  let target: RehearsalTarget;
  let lab: Lab;
  let lines: string[];

  /** Let virtual time pass until the simulated cluster shows `holds` (no PowerShell round trip: cheap). */
  async function until(what: string, holds: () => boolean, maxMs = 300_000): Promise<void> {
    for (let waited = 0; !holds(); waited += 500) {
      if (waited >= maxMs) throw new Error(`${what}: not within ${maxMs / 1000} s of lab time; the cluster: ${JSON.stringify(lab.sim.poll())}`);
      await target.sleep(500);
    }
  }
  const whole = (): boolean => Object.values(lab.sim.poll().nodes).every((n) => n.State === 'Up' && n.StatusInformation.length === 0) && Object.values(lab.sim.poll().vms).every((v) => v.State === 'Running');
  const owner = (vm: string): string => lab.sim.poll().vms[vm]!.OwnerNode;

  before(async () => {
    // every stand-in call costs 10 ms of lab time, so what a round trip reads is spread over time
    ({ target, lab, lines } = await rehearsal({ lab: { latencyMs: 10 } }));
    // nodes noticed gone within a second (as the experiments set it)
    await target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
  });

  after(async () => {
    await target?.close();
  });

  describe('poll', () => {
    it('reads every node and VM in one round trip, as the simulated cluster has them', async () => {
      const poll = await target.poll();
      const sim = lab.sim.poll();
      expect(poll.nodes).to.deep.equal(sim.nodes);
      expect(poll.vms).to.deep.equal(sim.vms);
      expect(Object.keys(poll.vms)).to.deep.equal(['web01', 'sql01', 'app01']);
    });

    it("dates the nodes and the VMs where the cluster side read them, on the lab's clock", async () => {
      const from = lab.calls().length;
      const began = target.now();
      const poll = await target.poll();
      const calls = callsSince(lab, from);
      const at = (command: string) => calls.find((c) => c.command === command)!.at;
      expect(poll.t).to.equal(at('Get-ClusterNode'));
      expect(poll.vmsT).to.equal(at('Get-ClusterGroup'));
      // the round trip lasted longer than that: several stand-in calls at 10 ms each
      expect(poll.t).to.be.at.least(began);
      expect(poll.vmsT! - poll.t).to.equal(10);
      expect(target.now() - poll.vmsT!).to.be.at.least(30);
      expect(target.pollCost()).to.include({ failed: 0 });
    });
  });

  describe('the faults reach the simulated cluster', () => {
    it('killClusterService: Stop-Process -Name clussvc -Force on the node; a poll then shows it Isolated, its VMs Unmonitored, the CSV VM PausedCritical', async () => {
      const from = lab.calls().length;
      await target.killClusterService('n2'); // the description's spelling is what is sent
      const stop = callsSince(lab, from).filter((c) => c.command === 'Stop-Process');
      expect(stop.map((c) => [c.node, c.parameters])).to.deep.equal([['N2', { Name: ['clussvc'], Force: true }]]);
      expect(lab.sim.service('N2')!.status).to.equal('Stopped');
      await until('N2 Isolated and sql01 paused', () => lab.sim.poll().nodes.N2!.StatusInformation.includes('Isolated') && lab.sim.poll().vms.sql01!.State === 'PausedCritical');
      const poll = await target.poll();
      expect(poll.nodes.N2!.StatusInformation).to.deep.equal(['Isolated']);
      expect(poll.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
      expect(poll.vms.sql01).to.deep.equal({ State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] });
      expect(poll.nodes).to.deep.equal(lab.sim.poll().nodes);
    });

    it('startClusterService: Start-Service on the node (no lift task to remove), and it rejoins', async () => {
      const from = lab.calls().length;
      await target.startClusterService('N2');
      expect(named(callsSince(lab, from)).filter((c) => /Service|ScheduledTask/.test(c))).to.deep.equal([
        'N2 Get-ScheduledTask',
        'N2 Set-Service',
        'N2 Start-Service',
        'N2 Get-Service',
        'N2 Get-Service',
        'N2 Get-Service',
      ]);
      expect(lab.sim.service('N2')!.status).to.equal('Running');
      await until('the cluster whole again', whole);
    });

    it('a hold-down: the lift task on the node first, then clussvc Disabled and killed; startClusterService lifts it', async () => {
      const from = lab.calls().length;
      await target.killClusterService('N3', { holdDownMs: 600_000 });
      const held = callsSince(lab, from).filter((c) => /^(Register-ScheduledTask|Set-Service|Stop-Process)$/.test(c.command));
      expect(held.map((c) => `${c.node} ${c.command}`)).to.deep.equal(['N3 Register-ScheduledTask', 'N3 Set-Service', 'N3 Stop-Process']);
      expect(held[0]!.parameters.TaskName).to.equal('clusterchaos-clussvc-holddown');
      expect(held[1]!.parameters).to.deep.equal({ Name: 'clussvc', StartupType: 'Disabled' });
      // SCM's recovery restart does not start a Disabled service
      await target.sleep(120_000);
      expect([lab.sim.service('N3')!.status, lab.sim.service('N3')!.startType]).to.deep.equal(['Stopped', 'Disabled']);
      // a second hold-down on a node already held down is refused, nothing changed
      const again = await rejection(target.killClusterService('N3', { holdDownMs: 600_000 }));
      expect(again).to.be.instanceOf(OperationError);
      expect(again.message).to.match(/^hold-down-clussvc: .*Disabled/);
      expect((await target.residue({ tag: TAG, settings: {} })).tasks).to.deep.equal(['N3/clusterchaos-clussvc-holddown']);
      await target.startClusterService('N3');
      expect([lab.sim.service('N3')!.status, lab.sim.service('N3')!.startType]).to.deep.equal(['Running', 'Automatic']);
      expect((await target.residue({ tag: TAG, settings: {} })).tasks).to.deep.equal([]);
      await until('the cluster whole again', whole);
    });

    it('stopClusterNode: Stop-ClusterNode drains the node and stops it (Down, not Isolated); startClusterNode -ClearQuarantine brings it back', async () => {
      const from = lab.calls().length;
      await target.stopClusterNode('N1');
      expect(callsSince(lab, from).filter((c) => c.command === 'Stop-ClusterNode').map((c) => c.parameters)).to.deep.equal([{ Name: ['N1'], Cluster: 'HVCLUSTER01' }]);
      expect(lab.sim.poll().nodes.N1).to.deep.equal({ State: 'Down', StatusInformation: [] });
      expect(owner('app01')).to.not.equal('N1');
      const back = lab.calls().length;
      await target.startClusterNode('N1', { clearQuarantine: true });
      expect(callsSince(lab, back).filter((c) => c.command === 'Start-ClusterNode').map((c) => c.parameters)).to.deep.equal([{ Name: ['N1'], ClearQuarantine: true, Cluster: 'HVCLUSTER01' }]);
      await until('N1 Up', () => lab.sim.poll().nodes.N1!.State === 'Up');
    });

    it('isolateNetwork with peers: block rules on UDP/TCP 3343 to those peers only and a heal task, as the residue scan sees; restoreNetwork removes them', async () => {
      const from = lab.calls().length;
      await target.isolateNetwork('N3', { peers: ['N1'], healAfterMs: 600_000 });
      const rules = callsSince(lab, from).filter((c) => c.command === 'New-NetFirewallRule');
      expect(rules.map((c) => [c.node, c.parameters.Name, c.parameters.Action, c.parameters.Protocol, c.parameters.RemoteAddress])).to.deep.equal([
        ['N3', `${TAG}-Inbound-UDP`, 'Block', 'UDP', ['10.10.0.11']],
        ['N3', `${TAG}-Inbound-TCP`, 'Block', 'TCP', ['10.10.0.11']],
        ['N3', `${TAG}-Outbound-UDP`, 'Block', 'UDP', ['10.10.0.11']],
        ['N3', `${TAG}-Outbound-TCP`, 'Block', 'TCP', ['10.10.0.11']],
      ]);
      expect(lab.sim.network.peersOf('N3')).to.deep.equal(['N1']);
      expect(lab.sim.network.connected('N3', 'N2')).to.equal(true);
      const residue = await target.residue({ tag: TAG, settings: {} });
      expect(residue.firewallRules).to.have.members(rules.map((r) => `N3/${String(r.parameters.Name)}`));
      expect(residue.tasks).to.deep.equal([`N3/${TAG}-heal`]);
      await target.restoreNetwork('N3');
      expect(lab.sim.network.peersOf('N3')).to.deep.equal([]);
      const after = await target.residue({ tag: TAG, settings: {} });
      expect([...after.firewallRules, ...after.tasks]).to.deep.equal([]);
      // idempotent: nothing left to remove is fine
      await target.restoreNetwork('N3');
      await until('the cluster whole again', whole);
    });

    it("setSettings and getSettings: the cluster's own properties, set on the live object and read back", async () => {
      expect(await target.getSettings()).to.deep.equal({
        ResiliencyLevel: 2,
        ResiliencyDefaultPeriod: 240,
        QuarantineThreshold: 3,
        QuarantineDuration: 7200,
        SameSubnetDelay: 250,
        SameSubnetThreshold: 3,
        DrainOnShutdown: 1,
      });
      await target.setSettings({ ResiliencyDefaultPeriod: 60, QuarantineThreshold: 5 });
      expect([lab.sim.properties.get('ResiliencyDefaultPeriod'), lab.sim.properties.get('QuarantineThreshold')]).to.deep.equal([60, 5]);
      expect(await target.getSettings()).to.include({ ResiliencyDefaultPeriod: 60, QuarantineThreshold: 5 });
      // a value the cluster refuses: refused, and nothing set (the module puts back what it changed)
      const e = await rejection(target.setSettings({ ResiliencyDefaultPeriod: 240, SameSubnetDelay: 5 }));
      expect(e).to.be.instanceOf(OperationError);
      expect(e.message).to.match(/^set-settings: .*SameSubnetDelay/);
      expect(lab.sim.properties.get('ResiliencyDefaultPeriod')).to.equal(60);
      await target.setSettings({ ResiliencyDefaultPeriod: 240, QuarantineThreshold: 3 });
    });

    it("a VM's own ResiliencyPeriod is its group's property: set and read back", async () => {
      expect(await target.vmResiliencyPeriods(['web01', 'SQL01'])).to.deep.equal({ web01: 0, sql01: 0 });
      await target.setVmResiliencyPeriod('web01', 20);
      expect(lab.sim.vms.find((v) => v.name === 'web01')!.resiliencyPeriod).to.equal(20);
      expect(await target.vmResiliencyPeriods(['web01'])).to.deep.equal({ web01: 20 });
      await target.setVmResiliencyPeriod('web01', 0);
      expect(lab.sim.vms.find((v) => v.name === 'web01')!.resiliencyPeriod).to.equal(undefined);
    });

    it('suspendNode drains the node over the transport asked for, every host put back after; resumeNode with failback brings its VMs back', async () => {
      const from = lab.calls().length;
      const drained = await target.suspendNode('N2', { drain: true, transport: 'TCPIP' });
      expect(lab.sim.poll().nodes.N2!.State).to.equal('Paused');
      expect(owner('web01')).to.not.equal('N2');
      expect(owner('sql01')).to.not.equal('N2');
      expect(drained.node).to.equal('N2');
      expect(drained.migrations.map((m) => [m.vm, m.source, m.target])).to.have.deep.members([
        ['web01', 'N2', owner('web01')],
        ['sql01', 'N2', owner('sql01')],
      ]);
      const transports = callsSince(lab, from).filter((c) => c.command === 'Set-VMHost');
      // set on the node and every Up node, then each put back to its own (SMB: SMB Direct on these NICs)
      expect(transports.map((c) => `${c.node} ${String(c.parameters.VirtualMachineMigrationPerformanceOption)}`)).to.deep.equal(['N2 TCPIP', 'N1 TCPIP', 'N3 TCPIP', 'N2 SMB', 'N1 SMB', 'N3 SMB']);
      const resumed = await target.resumeNode('N2', { failback: true });
      expect(lab.sim.poll().nodes.N2!.State).to.equal('Up');
      expect([owner('web01'), owner('sql01')]).to.deep.equal(['N2', 'N2']);
      expect(resumed.migrations.map((m) => m.vm).sort()).to.deep.equal(['sql01', 'web01']);
      await until('the cluster whole again', whole);
    });

    it("readConfiguration: each host's live-migration settings and memory, each VM's version, storage, memory and group placement properties, the SharedStoragePath", async () => {
      const c = await target.readConfiguration();
      expect(c.sharedStoragePath).to.deep.equal({ path: String.raw`C:\ClusterStorage\Volume1\SharedStoragePath`, exists: true });
      // lab.yaml gives no hostMemoryGB: the lab's hosts have 256 GiB
      expect(c.hosts).to.deep.equal(['N1', 'N2', 'N3'].map((node) => ({ node, liveMigrationEnabled: true, maximumMigrations: 2, transport: 'SMB', memoryCapacityBytes: 256 * 2 ** 30 })));
      const placement = { priority: 2000, antiAffinityClassNames: [], preferredOwners: [] };
      expect(c.vms).to.deep.equal([
        { name: 'web01', version: '10.0', storage: 'smb', memoryStartupBytes: 4 * 2 ** 30, ...placement },
        { name: 'sql01', version: '10.0', storage: 'csv', memoryStartupBytes: 16 * 2 ** 30, ...placement },
        { name: 'app01', version: '10.0', storage: 'smb', memoryStartupBytes: 8 * 2 ** 30, ...placement },
      ]);
      expect(c.supportedVersions).to.include('10.0');
    });

    it('refuses a node or VM outside the cluster, and a value it cannot quote, before anything is sent', async () => {
      const from = lab.calls().length;
      const other = await rejection(target.killClusterService('DC01'));
      expect(other).to.be.instanceOf(OperationError);
      expect(other.message).to.equal('no node DC01 in cluster HVCLUSTER01 (nodes: N1, N2, N3); nothing was sent');
      expect(await rejection(target.isolateNetwork('N1', { peers: ['N9'], healAfterMs: 1000 }))).to.be.instanceOf(OperationError);
      expect((await rejection(target.liveMigrate('exchange01', 'N1'))).message).to.match(/^no VM exchange01 in the experiment's cluster HVCLUSTER01/);
      const zero = await rejection(target.isolateNetwork('N1', { healAfterMs: 0 }));
      expect(zero).to.be.instanceOf(OperationError);
      expect(zero.message).to.equal('refused: healAfterMs must be a positive number of milliseconds, got 0; nothing was sent');
      expect(lab.calls().length).to.equal(from);
    });
  });

  describe('liveMigrate', () => {
    it('moves the VM and says what the move did; a transport is set on both hosts for the move and put back after', async () => {
      const from = lab.calls().length;
      const began = target.now();
      const moved = await target.liveMigrate('web01', 'N1', { transport: 'Compression' });
      expect(moved).to.deep.equal({ vm: 'web01', source: 'N2', target: 'N1', totalMs: moved.totalMs, transport: 'Compression' });
      expect(moved.totalMs).to.be.within(2_000, target.now() - began);
      expect(owner('web01')).to.equal('N1');
      const calls = callsSince(lab, from);
      expect(calls.filter((c) => c.command === 'Move-ClusterVirtualMachineRole').map((c) => c.parameters)).to.deep.equal([
        { Name: 'web01', Node: 'N1', MigrationType: 'Live', Cluster: 'HVCLUSTER01' },
      ]);
      expect(calls.filter((c) => c.command === 'Set-VMHost').map((c) => `${c.node} ${String(c.parameters.VirtualMachineMigrationPerformanceOption)}`)).to.deep.equal([
        'N2 Compression',
        'N1 Compression',
        'N2 SMB',
        'N1 SMB',
      ]);
    });

    it('a migration that fails is an OperationError carrying the VM, where it was and where it was going; the VM stays put', async () => {
      await target.poll(); // the target knows where web01 runs from its last poll
      // N3's cluster service dies 1.5 s into the move (during its setup)
      lab.timer(1_500, async () => lab.sim.service('N3')!.kill());
      const e = (await rejection(target.liveMigrate('web01', 'N3'))) as OperationError;
      expect(e).to.be.instanceOf(OperationError);
      expect(e.message).to.match(/^live-migrate: live migration of 'web01' to N3 failed in Setup: .*web01 stays on N1$/);
      expect(e.value).to.deep.equal({ vm: 'web01', source: 'N1', target: 'N3' });
      expect(owner('web01')).to.equal('N1');
      await target.startClusterService('N3');
      await until('the cluster whole again', whole);
    });

    it('a migration that overruns its timeout is cancelled through a second session while the first waits for it', async () => {
      const from = lab.calls().length;
      const began = target.now();
      const e = (await rejection(target.liveMigrate('web01', 'N2', { timeoutMs: 1_000 }))) as OperationError;
      expect(e).to.be.instanceOf(OperationError);
      expect(e.message).to.match(/^live migration of web01 to N2 did not complete within 1 s and was cancelled: live-migrate: .*cancelled in Setup.*web01 stays on N1$/);
      expect(e.value).to.deep.equal({ vm: 'web01', source: 'N1', target: 'N2' });
      expect(owner('web01')).to.equal('N1');
      const moves = callsSince(lab, from).filter((c) => c.command === 'Move-ClusterVirtualMachineRole');
      expect(moves.map((c) => [c.process, c.parameters.Cancel ?? false])).to.deep.equal([
        ['op-1', false],
        ['side', true],
      ]);
      // sent 1 s after the call began (then the side session finds the VM's group: a few 10 ms calls)
      expect(moves[1]!.at - began).to.be.within(1_000, 1_500);
      expect(messages(lines, 40)).to.include('live migration of web01 to N2 did not complete within 1 s; cancelled it');
    });

    it('a migration whose cancel comes too late (past its blackout) completes: a success', async () => {
      // how long this move takes (the lab's migrations have no jitter), then the same move with a timeout that
      // runs out in its clean-up, after the blackout
      const there = await target.liveMigrate('web01', 'N2');
      await target.liveMigrate('web01', 'N1');
      const from = lab.calls().length;
      const again = await target.liveMigrate('web01', 'N2', { timeoutMs: there.totalMs! - 1_000 });
      expect(again).to.deep.equal({ vm: 'web01', source: 'N1', target: 'N2', totalMs: there.totalMs });
      expect(owner('web01')).to.equal('N2');
      expect(callsSince(lab, from).filter((c) => c.command === 'Move-ClusterVirtualMachineRole' && c.process === 'side')).to.have.length(1);
      expect(messages(lines, 40).some((m) => /^live migration of web01 to N2 did not complete within .* s and could not be cancelled \(cancel-live-migration: .*past its blackout/.test(m))).to.equal(true);
    });
  });

  describe('time', () => {
    it("now() and sleep() are the lab's virtual clock: an hour passes at once", async () => {
      const t0 = target.now();
      const lab0 = lab.now();
      const wall = Date.now();
      await target.sleep(3_600_000);
      expect(target.now() - t0).to.equal(3_600_000);
      expect(lab.now() - lab0).to.equal(3_600_000);
      expect(target.epochMs()).to.equal(lab.epochMs());
      expect(Date.now() - wall).to.be.below(10_000);
      expect(target.kind).to.equal('powershell');
      expect(target.describe().nodes).to.deep.equal(['N1', 'N2', 'N3']);
    });
  });
});

describe('PowerShell target against the rehearsal lab: collectEvents', function () {
  this.timeout(300_000);
  let open: OpenLabTarget;
  let target: PowerShellTarget;
  let lab: Lab;
  /** Make the next events round trip fail in the module (its -Since is no time), as a failed query would. */
  let breakNextEvents = false;

  before(async () => {
    open = await labTarget({
      // N3's clock is 20 s behind the management host's; first contact (which measures that) is not made here
      lab: { skewMs: { N3: -20_000 } },
      wrap: async (_role, request, next) => {
        if (request.op !== 'events' || !breakNextEvents) return next(request);
        breakNextEvents = false;
        return next({ ...request, script: request.script.replace(/-Since '[^']*'/, "-Since 'yesterday'") });
      },
    });
    ({ target, lab } = open);
    // N2 is killed again and again here: never quarantined for it
    await target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3, QuarantineThreshold: 0 });
    // a minute into the run, so that looking back 30 s stays after its start
    await target.sleep(60_000);
  });

  after(async () => {
    await open?.close();
  });

  /** Let lab time pass until every node is Up again (no round trip), so the next kill cannot cost quorum. */
  async function whole(): Promise<void> {
    for (let waited = 0; !Object.values(lab.sim.poll().nodes).every((n) => n.State === 'Up' && n.StatusInformation.length === 0); waited += 500) {
      if (waited > 300_000) throw new Error(`the cluster is not whole again: ${JSON.stringify(lab.sim.poll().nodes)}`);
      await target.sleep(500);
    }
  }

  /** The Get-WinEvent queries' start time (their XPath's TimeCreated clause) since call index `from`, per node. */
  const sinceOf = (from: number): string[] =>
    lab
      .calls()
      .slice(from)
      .filter((c) => c.command === 'Get-WinEvent' && typeof c.parameters.FilterXPath === 'string')
      .map((c) => /@SystemTime>='([^']+)'/.exec(String(c.parameters.FilterXPath))?.[1] ?? '?');

  it('returns what the nodes logged since the run started, oldest first, each record once, incrementally', async () => {
    expect(await target.collectEvents({ now: true })).to.deep.equal([]);
    const killedAt = target.now();
    await target.killClusterService('N2');
    await target.sleep(5_000);
    const first = await target.collectEvents({ now: true });
    expect(first.map((e) => e.t)).to.deep.equal(first.map((e) => e.t).sort((a, b) => a - b));
    expect(first.find((e) => e.id === 7031)).to.include({ node: 'N2', log: 'System', provider: 'Service Control Manager', level: 'Error', t: killedAt });
    expect(first.some((e) => e.id === 1135 && e.node !== 'N2' && e.provider === 'Microsoft-Windows-FailoverClustering')).to.equal(true);
    // by each node's clock: N3's is 20 s behind (first contact, which measures that, was not made here)
    expect(first.every((e) => e.t >= killedAt - (e.node === 'N3' ? 20_000 : 0))).to.equal(true);
    // nothing new: nothing returned, although the query asks again from before the newest record
    const from = lab.calls().length;
    expect(await target.collectEvents({ now: true })).to.deep.equal([]);
    const newest = Math.max(...first.map((e) => Date.parse(e.time)));
    const since = sinceOf(from);
    expect(since.length).to.be.greaterThan(0);
    expect(since.every((s) => Date.parse(s) < newest), `asked from ${since.join(', ')}`).to.equal(true);
    // something new: only that
    await target.startClusterService('N2');
    await whole();
    const later = await target.collectEvents({ now: true });
    expect(later.length).to.be.greaterThan(0);
    const keys = [...first, ...later].map((e) => `${e.node}/${e.id}/${e.time}/${e.message}`);
    expect(new Set(keys).size).to.equal(keys.length);
  });

  it('asks the nodes at most every 5 s of lab time unless told to collect now', async () => {
    await target.collectEvents({ now: true });
    const from = open.sent.length;
    await target.sleep(4_000);
    expect(await target.collectEvents()).to.deep.equal([]);
    expect(open.sent.slice(from).map((s) => s.op)).to.deep.equal([]);
    await target.sleep(1_000);
    await target.collectEvents();
    expect(open.sent.slice(from).map((s) => s.op)).to.deep.equal(['events']);
  });

  it('for a node without records, looks back behind the previous query: a record by a clock behind ours is still collected', async () => {
    await target.collectEvents({ now: true });
    await target.sleep(5_000);
    // N3's first record of its own: its clock says 20 s ago, before the previous query was made
    const killedAt = target.now();
    await target.killClusterService('N3');
    await target.sleep(1_000);
    const n3 = (await target.collectEvents({ now: true })).filter((e) => e.node === 'N3');
    expect(n3.map((e) => [e.id, e.t])).to.deep.include([7031, killedAt - 20_000]);
    await target.startClusterService('N3');
    await whole();
  });

  it('a node that cannot be reached is reported once, and what it logged meanwhile is collected once it can be', async () => {
    await target.collectEvents({ now: true });
    const killedAt = target.now();
    await target.killClusterService('N2');
    lab.setUnreachable('N2', true);
    await target.sleep(5_000);
    const without = await target.collectEvents({ now: true });
    expect(without.filter((e) => e.node === 'N2')).to.deep.equal([]);
    expect(without.some((e) => e.id === 1135)).to.equal(true);
    await target.sleep(5_000);
    expect(await target.collectEvents({ now: true })).to.deep.equal([]);
    expect(messages(open.lines, 40).filter((m) => m === 'could not reach N2 for its event logs (will try again at the next poll)')).to.have.length(1);
    lab.setUnreachable('N2', false);
    const caughtUp = await target.collectEvents({ now: true });
    expect(caughtUp.find((e) => e.id === 7031)).to.include({ node: 'N2', t: killedAt });
    expect(caughtUp.filter((e) => e.node !== 'N2')).to.deep.equal([]);
    await target.startClusterService('N2');
    await whole();
  });

  it('a collection that fails is logged once and yields nothing; the next covers its time again', async () => {
    await target.collectEvents({ now: true });
    const killedAt = target.now();
    await target.killClusterService('N2');
    await target.sleep(5_000);
    breakNextEvents = true;
    expect(await target.collectEvents({ now: true })).to.deep.equal([]);
    breakNextEvents = true;
    expect(await target.collectEvents({ now: true })).to.deep.equal([]);
    const failed = messages(open.lines, 40).filter((m) => m.startsWith('could not collect event-log records (will try again at the next poll): events: '));
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include("'yesterday' is not an ISO 8601 time");
    const covered = await target.collectEvents({ now: true });
    expect(covered.find((e) => e.id === 7031)).to.include({ node: 'N2', t: killedAt });
    await target.startClusterService('N2');
    await whole();
  });
});

describe('PowerShell target: what a misbehaving shell leaves it (the framing fake)', function () {
  this.timeout(30_000);
  const description: ClusterDescription = { name: 'HVCLUSTER01', nodes: ['N1', 'N2', 'N3'], vms: [{ name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 }] };
  let fake: FakeShell | undefined;
  let target: PowerShellTarget | undefined;

  function open(rules: Rule[], timeoutMs: number): PowerShellTarget {
    fake = new FakeShell(rules);
    const { log } = capturedLogger();
    target = createPowerShellTarget({ cluster: 'HVCLUSTER01', description, executable: FAKE_PWSH, log, runTag: TAG, env: {}, timeoutMs });
    return target;
  }

  afterEach(async () => {
    await target?.close();
    target = undefined;
    fake?.uninstall();
  });

  it('a read the shell fails, or that times out, is a read error (PowerShellReadError): neither refused nor unknown', async () => {
    const t = open(
      [
        { match: 'clusterchaos poll', stderr: "Get-ClusterChaosObservation: The term 'Get-ClusterChaosObservation' is not recognized as a name of a cmdlet." },
        { match: 'clusterchaos get-settings', delayMs: 1_000 },
      ],
      300,
    );
    const failed = await rejection(t.poll());
    expect(failed).to.be.instanceOf(PowerShellReadError);
    expect(failed).not.to.be.instanceOf(OperationError);
    expect(failed.message).to.match(/^poll: Get-ClusterChaosObservation: The term/);
    const slow = await rejection(t.getSettings());
    expect(slow).to.be.instanceOf(PowerShellReadError);
    expect(slow).not.to.be.instanceOf(OperationUnknownError);
    expect(slow.message).to.equal('get-settings timed out after 0.3 s; its outcome is unknown');
    expect(t.pollCost()).to.include({ polls: 0, failed: 1 });
  });

  it('a change that times out has an unknown outcome', async () => {
    const t = open([{ match: 'clusterchaos start-clussvc', delayMs: 1_000 }], 300);
    const e = await rejection(t.startClusterService('N2'));
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.equal('start-clussvc timed out after 0.3 s; its outcome is unknown');
  });

  it('a migration that could not be cancelled and never answers is unknown, with the VM, its source and target', async () => {
    const t = open(
      [
        { match: 'clusterchaos live-migrate', delayMs: 30_000 },
        { match: 'clusterchaos cancel-live-migration', stdout: `${ANSWER_BEGIN}\n{"error":"The cluster service is not running."}\n${ANSWER_END}` },
      ],
      400,
    );
    const e = (await rejection(t.liveMigrate('web01', 'N3', { timeoutMs: 300 }))) as OperationUnknownError;
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.equal(
      'live migration of web01 to N3 did not complete within 0.3 s and could not be cancelled (cancel-live-migration: The cluster service is not running.); live-migrate timed out after 0.7 s; its outcome is unknown',
    );
    expect(e.value).to.deep.equal({ vm: 'web01', source: 'N2', target: 'N3' });
  });
});

describe('PowerShell target: dry run (ScriptRecorder)', () => {
  const description: ClusterDescription = {
    name: 'HVCLUSTER01',
    nodes: ['N1', 'N2', 'N3'],
    vms: [
      { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
      { name: "o'brien-db", owner: 'N1', storage: 'csv-block', memoryGB: 8 },
    ],
  };

  it('records the exact scripts, marks the mutating ones, spawns nothing and does not wait', async () => {
    // a PowerShell started by anything would be this fake, which logs its starts
    const fake = new FakeShell([]);
    const saved = process.env.NODE_POWERSHELL;
    process.env.NODE_POWERSHELL = FAKE_PWSH;
    try {
      const { log } = capturedLogger();
      const { target, recorder } = createDryRunTarget({ cluster: 'HVCLUSTER01', description, runTag: TAG, log });
      const poll: Poll = await target.poll();
      expect(poll.nodes.N1).to.deep.equal({ State: 'Up', StatusInformation: [] });
      expect(poll.vms["o'brien-db"]!.OwnerNode).to.equal('N1');
      await target.killClusterService('N2', { holdDownMs: 60_000 });
      const t = target.now();
      const wall = Date.now();
      await target.sleep(600_000);
      expect(target.now() - t).to.equal(600_000);
      expect(Date.now() - wall).to.be.below(1_000);
      expect(await target.liveMigrate("o'brien-db", 'N3', { timeoutMs: 60_000, transport: 'SMB' })).to.include({ vm: "o'brien-db", source: 'N1', target: 'N3' });
      await target.isolateNetwork('N3', { peers: ['N1'], healAfterMs: 45_000 });
      await target.startClusterService('N2');
      await target.close();
      expect(recorder.take()).to.deep.equal([
        { op: 'poll', mutating: false, script: "# clusterchaos poll\nGet-ClusterChaosObservation -Cluster 'HVCLUSTER01'\n" },
        { op: 'hold-down-clussvc', mutating: true, script: "# clusterchaos hold-down-clussvc\nStop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N2' -HoldDownMs 60000\n" },
        { op: 'live-migrate', mutating: true, script: "# clusterchaos live-migrate\nMove-ClusterChaosVm -Cluster 'HVCLUSTER01' -Vm 'o''brien-db' -Node 'N3' -Transport 'SMB'\n" },
        {
          op: 'isolate-network',
          mutating: true,
          script: `# clusterchaos isolate-network\nDisconnect-ClusterChaosNetwork -Cluster 'HVCLUSTER01' -Node 'N3' -Peer @('N1') -HealAfterMs 45000 -Tag '${TAG}'\n`,
        },
        // the hold-down's start type is put back: the dry run's answer gave none, so Automatic
        { op: 'start-clussvc', mutating: true, script: "# clusterchaos start-clussvc\nStart-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N2' -StartType 'Automatic'\n" },
      ]);
      expect(await target.getSettings()).to.include({ ResiliencyLevel: 0 });
      expect(fake.starts()).to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.NODE_POWERSHELL;
      else process.env.NODE_POWERSHELL = saved;
      fake.uninstall();
    }
  });
});
