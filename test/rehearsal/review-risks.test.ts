/**
 * The PowerShell review's findings (shared/reference/powershell-review.md) that the code fixes, each shown
 * through the rehearsal lab with the knob that provokes it: real PowerShell 7 running the ClusterChaos module
 * against stand-in commands backed by the simulated cluster. Every test would fail if its fix were undone.
 *
 * Not here: B1–B5 (review-breaks.test.ts, before and after); R8 (acceptance's gating: src/acceptance, not the
 * target); R11 and R16 (what Stop-ClusterNode does to VMs, and when a cut takes effect, are what the lab's
 * simulator says, not something the code decides); N1 (README advice); N6 (no script assigns anything any more:
 * scripts.test.ts's one-call contract); N8 (prior-exits' merge, a unit of src/safety); N9 (a DST change is months
 * of lab time away from its epoch; the offset-carrying StartBoundary is in the module's Pester tests); N10 (the
 * cancel's session is set up as the main one: target.test.ts cancels through it). R10's bits and R12's revert of
 * a dead run need more than the lab offers: see those tests.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { checkFitsCluster, targetFacts } from '../../src/cli/powershell.js';
import { UsageError } from '../../src/cli/out-dir.js';
import { pendingReverts } from '../../src/cli/revert.js';
import { runExperiment, type ExperimentRun } from '../../src/run/run-experiment.js';
import type { JournalLine } from '../../src/engine/runner.js';
import type { Experiment } from '../../src/experiment/types.js';
import type { AllowlistEntry } from '../../src/safety/allowlist.js';
import { findPwsh7 } from '../../src/targets/powershell/executable.js';
import { ANSWER_BEGIN, ANSWER_END } from '../../src/targets/powershell/parse.js';
import { STAND_INS } from '../../src/targets/powershell/rehearsal/target.js';
import * as scripts from '../../src/targets/powershell/scripts.js';
import { PowerShellSession } from '../../src/targets/powershell/session.js';
import { OperationError } from '../../src/targets/target.js';
import type { OpRecord, TraceRecord } from '../../src/trace/records.js';
import { cli, ROOT } from '../helpers/cli.js';
import { callsSince, labExperiment, labTarget, LAB_FIXTURES, messages, rejection, TAG, type OpenLabTarget } from '../powershell/lab-target.js';
import { BIN } from '../helpers/build.js';

const quiet = pino({ level: 'silent' });
const ENTRY: AllowlistEntry = { name: 'HVCLUSTER01', faults: ['kill-clussvc', 'isolate-network', 'stop-node', 'start-node', 'live-migrate', 'drain-node', 'resume-node'], maxImpairedNodes: 1, line: 1, faultsLine: 1 };

function traceOf(run: ExperimentRun): TraceRecord[] {
  return readFileSync(run.tracePath, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TraceRecord);
}

/** One whole run of `experiment` on the lab target, as `clusterchaos run --target powershell` does it, and its trace. */
async function run(open: OpenLabTarget, experiment: Experiment): Promise<ExperimentRun & { trace: TraceRecord[] }> {
  const out = mkdtempSync(join(tmpdir(), 'clusterchaos-review-'));
  try {
    const result = await runExperiment({ experiment, outDir: out, defects: [], replay: 'n/a', log: quiet, target: open.target, runId: 'review-risks', residue: { tag: TAG } });
    return { ...result, trace: traceOf(result) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Let lab time pass (no round trip) until the simulated cluster shows it. */
async function until(open: OpenLabTarget, what: string, holds: () => boolean, maxMs = 300_000): Promise<void> {
  for (let waited = 0; !holds(); waited += 250) {
    if (waited >= maxMs) throw new Error(`${what}: not within ${maxMs / 1000} s of lab time; the cluster: ${JSON.stringify(open.lab.sim.poll())}`);
    await open.target.sleep(250);
  }
}
const whole = (open: OpenLabTarget) =>
  until(open, 'every node Up and every VM Running', () => {
    const p = open.lab.sim.poll();
    return Object.values(p.nodes).every((n) => n.State === 'Up' && n.StatusInformation.length === 0) && Object.values(p.vms).every((v) => v.State === 'Running');
  });

describe('review findings through the rehearsal lab', function () {
  this.timeout(300_000);

  describe('a whole run with clussvc killed (R1, R2)', () => {
    let open: OpenLabTarget;
    let result: ExperimentRun & { trace: TraceRecord[] };
    let trace: TraceRecord[];

    before(async () => {
      const experiment = labExperiment('kill.yaml');
      // R1: right after the kill, the cluster's name cannot be reached for two polls (its core group moving):
      // those polls go to a name that does not answer, as RPC to the cluster name fails then
      let unreachablePolls = 0;
      open = await labTarget({
        experiment,
        // R2: every stand-in call costs 20 ms of lab time
        lab: { latencyMs: 20 },
        settingNames: Object.keys(experiment.settings),
        wrap: async (_role, request, next) => {
          if (request.op === 'kill-clussvc') unreachablePolls = 2;
          if (request.op !== 'poll' || unreachablePolls === 0) return next(request);
          unreachablePolls--;
          return next({ ...request, script: request.script.replace("-Cluster 'HVCLUSTER01'", "-Cluster 'HVCLUSTER01.unreachable'") });
        },
      });
      result = await run(open, experiment);
      trace = result.trace;
    });

    after(async () => {
      await open?.close();
    });

    it('R1: a poll that fails during the fault is a gap (an observer poll op that failed), and the run goes on', () => {
      const failed = trace.filter((r): r is OpRecord => r.type === 'op' && r.process === 'observer' && r.f === 'poll' && r.phase === 'fail');
      expect(failed).to.have.length(2);
      expect(failed[0]!.error).to.match(/^poll: Failed to access cluster 'HVCLUSTER01\.unreachable'/);
      expect(result.outcome.status, result.outcome.abortReason).to.equal('completed');
      expect(result.outcome.observation).to.include({ failed: 2 });
      // observed before and after the gap; the run is judged on what was seen
      const kill = trace.find((r): r is OpRecord => r.type === 'op' && r.f === 'kill-clussvc' && r.phase === 'ok')!;
      expect(trace.some((r) => r.type === 'observe' && r.t > failed[1]!.t && r.t < kill.t + 10_000)).to.equal(true);
      expect(result.result.verdict, result.result.reason).to.equal('pass');
    });

    it('R2: one remote session per node for the whole run, and the per-call latency shows in the recorded poll cost', () => {
      expect(open.lab.sessionsOpened()).to.deep.equal({ N1: 1, N2: 1, N3: 1 });
      const cost = result.outcome.observation!;
      expect(cost.polls).to.be.greaterThan(6);
      // a poll is several stand-in calls (nodes, groups, resources, Get-VM on each owner), 20 ms each, in lab time
      expect(cost.medianMs).to.be.at.least(4 * 20);
      expect(cost.medianMs % 20).to.equal(0);
      expect(cost.maxMs).to.be.at.least(cost.medianMs);
      expect(result.outcome.steadyStateAfter?.ok).to.equal(true);
    });
  });

  describe('a firewall that does not enforce (R4)', () => {
    let open: OpenLabTarget;

    before(async () => {
      // Group Policy: N2's firewall profiles off; N3's firewall on, but local rules not applied
      open = await labTarget({ experiment: labExperiment('isolate.yaml'), lab: { firewall: { N2: { enabled: false }, N3: { allowLocalRules: false } } } });
    });

    after(async () => {
      await open?.close();
    });

    it('R4: the cut is refused as not effective, naming the profile, and nothing is left on the node', async () => {
      const from = open.lab.calls().length;
      const e = (await rejection(open.target.isolateNetwork('N3', { healAfterMs: 60_000 }))) as OperationError;
      expect(e).to.be.instanceOf(OperationError);
      expect(e.value).to.deep.equal({ notEffective: true });
      expect(e.message).to.match(/^isolate-network: fault not effective: on N3, .*AllowLocalFirewallRules False/);
      expect(callsSince(open.lab, from).map((c) => c.command)).to.not.include.members(['New-NetFirewallRule', 'Register-ScheduledTask']);
      expect(open.lab.sim.network.peersOf('N3')).to.deep.equal([]);
    });

    it("R4: a run whose cut would not take effect ends unknown ('fault not effective'), never as a cluster violation", async () => {
      const result = await run(open, labExperiment('isolate.yaml'));
      expect(result.result.violations).to.deep.equal([]);
      expect(result.result.verdict).to.equal('unknown');
      expect(result.result.unknowns.join('\n')).to.match(/fault not effective: isolate-network .*N2.*the Domain firewall profile .* is not enabled/);
      expect(open.lab.sim.network.peersOf('N2')).to.deep.equal([]);
      expect(result.residue).to.deep.equal({ clean: true, findings: [] });
    });
  });

  describe('the dead-man tasks (R5, N3)', () => {
    let open: OpenLabTarget;

    before(async () => {
      open = await labTarget({ lab: {} });
      await open.target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
    });

    after(async () => {
      await open?.close();
    });

    it("R5: a heal whose moment falls in a scheduler outage runs when the scheduler is back (StartWhenAvailable); the cut heals without clusterchaos", async () => {
      const { target, lab } = open;
      const at = lab.now();
      const from = lab.calls().length;
      await target.isolateNetwork('N2', { healAfterMs: 30_000 });
      const registered = callsSince(lab, from).find((c) => c.command === 'Register-ScheduledTask')!;
      expect(registered.parameters.TaskName).to.equal(`${TAG}-heal`);
      expect(JSON.stringify(registered.parameters.Settings)).to.match(/"StartWhenAvailable":true/);
      // N2's Task Scheduler cannot start tasks from 20 s to 90 s: the heal's deadline (30 s) falls in it
      lab.schedulerUnavailable('N2', at + 20_000, at + 90_000);
      await target.sleep(60_000);
      expect(lab.sim.network.peersOf('N2').sort(), 'still cut during the outage').to.deep.equal(['N1', 'N3']);
      await until(open, 'the cut healed by the task', () => lab.sim.network.peersOf('N2').length === 0, 60_000);
      const runs = lab.taskRuns().filter((r) => r.task === `\\${TAG}-heal`);
      expect(runs.some((r) => r.outcome === 'missed'), JSON.stringify(runs)).to.equal(false);
      expect(runs[0]).to.include({ node: 'N2', at: at + 90_000 });
      expect(runs[0]!.outcome).to.be.oneOf(['ran', 'running']);
      const residue = await target.residue({ tag: TAG, settings: {} });
      expect([...residue.firewallRules, ...residue.tasks]).to.deep.equal([]);
      await whole(open);
    });

    it('R5: the heal task also fires at startup: a node that reboots mid-cut heals then, long before the deadline', async () => {
      const { target, lab } = open;
      const at = lab.now();
      await target.isolateNetwork('N2', { healAfterMs: 600_000 });
      // N2 reboots from 10 s to 40 s: its Task Scheduler starts again at 40 s
      lab.schedulerUnavailable('N2', at + 10_000, at + 40_000);
      await until(open, 'the cut healed at startup', () => lab.sim.network.peersOf('N2').length === 0, 120_000);
      expect(lab.now() - at).to.be.below(60_000);
      const runs = lab.taskRuns().filter((r) => r.task === `\\${TAG}-heal` && r.at >= at);
      expect(runs[0]).to.include({ node: 'N2', at: at + 40_000 });
      await whole(open);
    });

    it("N3: a hold-down puts clussvc's own start type back (Manual here), whether lifted by the revert or by its task", async () => {
      const { target, lab } = open;
      // a node under maintenance: clussvc set to Manual
      lab.sim.service('N3')!.setStartType('Manual');
      await target.killClusterService('N3', { holdDownMs: 600_000 });
      expect(lab.sim.service('N3')!.startType).to.equal('Disabled');
      const from = lab.calls().length;
      await target.startClusterService('N3');
      expect(callsSince(lab, from).filter((c) => c.command === 'Set-Service').map((c) => c.parameters)).to.deep.equal([{ Name: 'clussvc', StartupType: 'Manual' }]);
      expect([lab.sim.service('N3')!.status, lab.sim.service('N3')!.startType]).to.deep.equal(['Running', 'Manual']);
      await whole(open);
      // clusterchaos gone: the lift task restores it at the deadline
      await target.killClusterService('N3', { holdDownMs: 30_000 });
      await target.sleep(30_000);
      await until(open, 'clussvc lifted by its task', () => lab.sim.service('N3')!.status === 'Running', 60_000);
      expect(lab.sim.service('N3')!.startType).to.equal('Manual');
      await whole(open);
    });
  });

  describe('one cluster, read and driven (R3, R6, R7, R9, R10, R13, R15, R17, N2, N4, N7, B2)', () => {
    let open: OpenLabTarget;
    const ODD = labExperiment('review.yaml').cluster.vms[4]!.name;

    before(async () => {
      open = await labTarget({
        experiment: labExperiment('review.yaml'),
        lab: {
          // R15: N3's clock runs 4 s ahead of the management host's
          skewMs: { N3: 4_000 },
          // R7: app01's cluster group is named as SCVMM names them
          groupNames: { app01: 'SCVMM app01 Resources' },
          // N7: no Virtual Machine Cluster WMI resource, so Get-VMHostCluster errors
          sharedStoragePath: null,
        },
        // R17: a management account other than the signed-in user
        credential: { username: 'LAB\\chaos', password: 'not in any script' },
      });
      await open.target.setSettings({ SameSubnetDelay: 250, SameSubnetThreshold: 3 });
    });

    after(async () => {
      await open?.close();
    });

    it("B2: the lab's nodes run in Pacific/Honolulu (UTC−10), and an event written a second after the run started is collected", async () => {
      const { target, lab } = open;
      expect(lab.env('main').TZ).to.equal('Pacific/Honolulu');
      await target.collectEvents({ now: true });
      const killedAt = target.now();
      await target.killClusterService('N2');
      await target.sleep(3_000);
      const events = await target.collectEvents({ now: true });
      expect(events.find((e) => e.id === 7031)).to.include({ node: 'N2', t: killedAt });
      await target.startClusterService('N2');
      await whole(open);
    });

    it("R6: first contact reads clussvc's recovery delay from each node's FailureActions: the simulator's SCM delay (37 s here), in the trace's facts", async () => {
      const contact = await open.target.connect();
      expect(contact.nodes.map((n) => [n.name, n.reached, n.clussvcRecoveryMs])).to.deep.equal([
        ['N1', true, 37_000],
        ['N2', true, 37_000],
        ['N3', true, 37_000],
      ]);
      expect(targetFacts(contact, true).nodes.N2).to.include({ clussvcRecoveryMs: 37_000 });
    });

    it("R15: each node's clock offset is measured at first contact and taken out of its event times", async () => {
      const { target } = open;
      const contact = target.facts()!;
      expect(contact.nodes.map((n) => [n.name, n.clockOffsetMs])).to.deep.equal([
        ['N1', 0],
        ['N2', 0],
        ['N3', 4_000],
      ]);
      await target.collectEvents({ now: true });
      const killedAt = target.now();
      await target.killClusterService('N3');
      await target.sleep(2_000);
      const crash = (await target.collectEvents({ now: true })).find((e) => e.id === 7031)!;
      // stamped 4 s late by N3's clock; on the run's clock, when it happened
      expect(crash).to.include({ node: 'N3', t: killedAt });
      expect(Date.parse(crash.time) - (target.epochMs() - target.now() + killedAt)).to.equal(4_000);
      await target.startClusterService('N3');
      await whole(open);
    });

    it('R7: a VM whose group has another name is observed, migrated and read by its own name', async () => {
      const { target, lab } = open;
      const poll = await target.poll();
      expect(poll.vms.app01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
      expect(Object.keys(poll.vms)).to.not.include('SCVMM app01 Resources');
      const from = lab.calls().length;
      expect(await target.liveMigrate('app01', 'N3')).to.include({ vm: 'app01', source: 'N1', target: 'N3' });
      expect(callsSince(lab, from).filter((c) => c.command === 'Move-ClusterVirtualMachineRole').map((c) => c.parameters.Name)).to.deep.equal(['SCVMM app01 Resources']);
      expect(lab.sim.poll().vms.app01!.OwnerNode).to.equal('N3');
      await target.setVmResiliencyPeriod('app01', 45);
      expect(lab.sim.vms.find((v) => v.name === 'app01')!.resiliencyPeriod).to.equal(45);
      expect(await target.vmResiliencyPeriods(['app01'])).to.deep.equal({ app01: 45 });
      expect((await target.readConfiguration()).vms.find((v) => v.name === 'app01')).to.deep.equal({ name: 'app01', version: '10.0', storage: 'smb', memoryStartupBytes: 8 * 2 ** 30, priority: 2000, antiAffinityClassNames: [], preferredOwners: [] });
    });

    it('N7: a cluster without a SharedStoragePath (Get-VMHostCluster errors) reads as none, not as a failed read', async () => {
      const configuration = await open.target.readConfiguration();
      expect(configuration.sharedStoragePath).to.equal(undefined);
      expect(configuration.hosts.map((h) => h.node)).to.deep.equal(['N1', 'N2', 'N3']);
      expect(open.lab.calls().some((c) => c.command === 'Get-VMHostCluster')).to.equal(true);
    });

    it("N2: a VM named like a wildcard pattern ('web0?') is told apart from the VM it would match (web01): VMs are joined by Id, never Get-VM -Name", async () => {
      const { target, lab } = open;
      const poll = await target.poll();
      expect(poll.vms['web0?']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] });
      expect(poll.vms.web01!.OwnerNode).to.equal('N2');
      const from = lab.calls().length;
      const vms = (await target.readConfiguration()).vms;
      const placement = { priority: 2000, antiAffinityClassNames: [], preferredOwners: [] };
      expect(vms.find((v) => v.name === 'web0?')).to.deep.equal({ name: 'web0?', version: '10.0', storage: 'csv', memoryStartupBytes: 2 ** 30, ...placement });
      expect(vms.find((v) => v.name === 'web01')).to.deep.equal({ name: 'web01', version: '10.0', storage: 'smb', memoryStartupBytes: 4 * 2 ** 30, ...placement });
      expect(callsSince(lab, from).filter((c) => c.command === 'Get-VM').map((c) => c.parameters)).to.deep.equal([{}, {}, {}]);
    });

    it("R17: the Hyper-V reads run inside the nodes' own sessions (which carry the credential), Get-VMHostCluster with -Credential", async () => {
      const { target, lab } = open;
      const from = lab.calls().length;
      await target.readConfiguration();
      const hyperV = callsSince(lab, from).filter((c) => /^Get-VM/.test(c.command));
      expect(hyperV.filter((c) => c.command !== 'Get-VMHostCluster').every((c) => c.node !== null && c.parameters.ComputerName === undefined)).to.equal(true);
      expect(new Set(hyperV.filter((c) => c.command === 'Get-VMHost').map((c) => c.node))).to.deep.equal(new Set(['N1', 'N2', 'N3']));
      const cluster = hyperV.find((c) => c.command === 'Get-VMHostCluster')!;
      expect([cluster.node, cluster.parameters.Credential]).to.deep.equal([null, ['LAB\\chaos']]);
      expect(open.sent.every((s) => !s.script.includes('not in any script'))).to.equal(true);
    });

    it('R10: StatusInformation bits the enum does not name arrive as bit:<n> and the poll still works', async () => {
      // The lab has no knob for a cluster newer than the management host's module: here the simulated
      // membership reports bit 1024 beside Isolated, which the stand-ins' ClusterNodeStatusInformation lacks
      const { target, lab } = open;
      const membership = lab.sim.membership as unknown as { observe(node: string): { State: string; StatusInformation: string[] } };
      const observe = membership.observe.bind(membership);
      membership.observe = (node) => {
        const o = observe(node);
        // 1025 = Isolated (1) | 1024
        return node === 'N1' ? { ...o, StatusInformation: ['1025'] } : o;
      };
      try {
        const poll = await target.poll();
        expect(poll.nodes.N1!.StatusInformation).to.deep.equal(['Isolated', 'bit:1024']);
        expect(poll.nodes.N2).to.deep.equal(lab.sim.poll().nodes.N2);
      } finally {
        membership.observe = observe;
      }
    });

    it('R9: a VM name with every quote character and non-ASCII letters reaches the stand-ins byte for byte, and comes back so', async () => {
      const { target, lab } = open;
      expect(ODD).to.match(/[\u2018\u2019\u201A\u201B'"`$]/);
      const poll = await target.poll();
      expect(poll.vms[ODD]).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
      const from = lab.calls().length;
      expect(await target.liveMigrate(ODD, 'N1')).to.include({ vm: ODD, source: 'N3', target: 'N1' });
      expect(callsSince(lab, from).filter((c) => c.command === 'Move-ClusterVirtualMachineRole').map((c) => c.parameters.Name)).to.deep.equal([ODD]);
      expect(lab.sim.poll().vms[ODD]!.OwnerNode).to.equal('N1');
    });

    it('R9: any cluster name, quotes and non-ASCII included, reaches the stand-ins byte for byte (a property, batched in one session)', async () => {
      const { lab } = open;
      const pwsh = findPwsh7()!.path;
      const session = new PowerShellSession({ executable: pwsh, imports: [STAND_INS], childEnv: lab.env('main'), log: quiet, env: {} });
      const REFUSED = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
      const QUOTES = ["'", '\u2018', '\u2019', '\u201A', '\u201B', '"', '\u201C', '\u201D', '\u201E', '`', '$', '(', ')', '{', ';', ' ', 'ё', 'Ñ', '‘', 'ΓÇÖ', '\u{1F600}'];
      const name = fc
        .array(fc.oneof(fc.constantFrom(...QUOTES), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 6 })
        .map((parts) => parts.join(''))
        .filter((s) => !REFUSED.test(s) && s.trim() !== '');
      try {
        await fc.assert(
          fc.asyncProperty(fc.uniqueArray(name, { minLength: 30, maxLength: 30 }), async (names) => {
            // one round trip: a poll of each name as a cluster (the lab refuses them all: it has one cluster)
            const script = `# clusterchaos poll\n${names.map((n) => scripts.poll({ cluster: n }).split('\n')[1]).join('\n')}\n`;
            expect(script, 'the script is printable ASCII').to.match(/^[\x20-\x7e\n]*$/);
            const from = lab.calls().length;
            const out = await lab.roundTrip('main', () => session.run({ op: 'poll', script }));
            const asked = lab
              .calls()
              .slice(from)
              .filter((c) => c.command === 'Get-ClusterNode')
              .map((c) => c.parameters.Cluster);
            expect(asked).to.deep.equal(names);
            // and back: each answer is the lab's refusal, naming the cluster exactly
            const answers = [...out.matchAll(new RegExp(`${ANSWER_BEGIN}\\r?\\n(.*)\\r?\\n${ANSWER_END}`, 'g'))].map((m) => (JSON.parse(m[1]!) as { error: string }).error);
            expect(answers).to.have.length(names.length);
            answers.forEach((error, i) => expect(error).to.include(`Failed to access cluster '${names[i]}'`));
          }),
          { numRuns: 3 },
        );
      } finally {
        await session.close();
      }
    });

    it("N4: a peer's link-local and zone-index addresses (fe80::…%12 from DNS) are not put into the rules, which the firewall then accepts", async () => {
      const { target, lab } = open;
      const from = lab.calls().length;
      await target.isolateNetwork('N2', { peers: ['N1', 'N3'], healAfterMs: 600_000 });
      const calls = callsSince(lab, from);
      const resolved = calls.filter((c) => c.command === 'Resolve-DnsName').map((c) => c.parameters.Name);
      expect(resolved).to.deep.equal(['N1', 'N3']);
      const addresses = calls.filter((c) => c.command === 'New-NetFirewallRule').flatMap((c) => c.parameters.RemoteAddress as string[]);
      expect([...new Set(addresses)].sort()).to.deep.equal(['10.10.0.11', '10.10.0.13']);
      expect(lab.sim.network.peersOf('N2').sort()).to.deep.equal(['N1', 'N3']);
      await target.restoreNetwork('N2');
      await whole(open);
    });

    it('R3: after a resume with failback, the transport under test is put back only once the drained VMs are back', async () => {
      const { target, lab } = open;
      const drained = await target.suspendNode('N2', { drain: true, transport: 'TCPIP' });
      const vms = drained.migrations.map((m) => m.vm).sort();
      expect(vms).to.deep.equal(['sql01', 'web01']);
      // where the VMs are, every 100 ms of lab time during the resume
      const samples: { t: number; back: boolean }[] = [];
      let sampling = true;
      const sample = async (): Promise<void> => {
        const p = lab.sim.poll();
        samples.push({ t: lab.now(), back: vms.every((vm) => p.vms[vm]!.OwnerNode === 'N2') });
        if (sampling) lab.timer(100, sample);
      };
      lab.timer(0, sample);
      const from = lab.calls().length;
      const began = lab.now();
      const resumed = await target.resumeNode('N2', { failback: true, transport: 'TCPIP' });
      sampling = false;
      const calls = callsSince(lab, from);
      const resumeAt = calls.find((c) => c.command === 'Resume-ClusterNode')!.at;
      const putBack = calls.filter((c) => c.command === 'Set-VMHost' && c.parameters.VirtualMachineMigrationPerformanceOption === 'SMB');
      expect(putBack.map((c) => c.node)).to.have.members(['N1', 'N2', 'N3']);
      const backAt = samples.find((s) => s.back)!.t;
      // the failback took time after Resume-ClusterNode returned, and the transport waited for it
      expect(backAt - resumeAt).to.be.greaterThan(1_000);
      for (const c of putBack) expect(c.at, `${c.node}'s transport put back`).to.be.at.least(backAt);
      expect(resumed.migrations.map((m) => m.vm).sort()).to.deep.equal(vms);
      expect(lab.now() - began).to.be.at.least(backAt - began);
      await whole(open);
    });

    it('R13: a host whose transport cannot be put back is reported on its own; the others are put back, and the move still succeeds', async () => {
      const { target, lab } = open;
      await target.readConfiguration(); // the hosts' own transports, as the residue scan compares
      const source = lab.sim.poll().vms.web01!.OwnerNode;
      const to = source === 'N1' ? 'N3' : 'N1';
      // the source stops answering WinRM a second into the move (after its transport was set)
      lab.timer(1_000, async () => lab.setUnreachable(source, true));
      const from = lab.calls().length;
      const moved = await target.liveMigrate('web01', to, { transport: 'TCPIP' });
      lab.setUnreachable(source, false);
      expect(moved).to.include({ vm: 'web01', source, target: to });
      const transports = callsSince(lab, from).filter((c) => c.command === 'Set-VMHost').map((c) => `${c.node} ${String(c.parameters.VirtualMachineMigrationPerformanceOption)}`);
      expect(transports).to.deep.equal([`${source} TCPIP`, `${to} TCPIP`, `${to} SMB`]);
      expect(messages(open.lines, 40).filter((m) => m.startsWith("live migration of web01: a host's own transport could not be put back: "))).to.have.length(1);
      expect(messages(open.lines, 40).find((m) => m.startsWith('live migration of web01: a host'))).to.include(source);
      const residue = await target.residue({ tag: TAG, settings: {} });
      expect(residue.transports.find((t) => t.node === source)).to.deep.equal({ node: source, transport: 'TCPIP' });
      expect(residue.transportsBefore?.[source]).to.equal('SMB');
    });
  });

  describe('first contact refuses what the models would misjudge (R14, N5)', () => {
    it('R14: VMs described with the wrong storage, version or memory are refused before anything is changed', async () => {
      const experiment = labExperiment('lab.yaml');
      const wrong: Experiment = {
        ...experiment,
        cluster: {
          ...experiment.cluster,
          vms: experiment.cluster.vms.map((vm) =>
            vm.name === 'web01' ? { ...vm, storage: 'csv-block' as const } : vm.name === 'sql01' ? { ...vm, version: '9.0' } : vm.name === 'app01' ? { ...vm, memoryGB: 2 } : vm,
          ),
        },
      };
      const open = await labTarget({ experiment, description: wrong.cluster });
      try {
        const e = await rejection(checkFitsCluster(open.target, wrong, [wrong], { entry: ENTRY }));
        expect(e).to.be.instanceOf(UsageError);
        expect(e.message).to.include('web01: storage csv-block in the experiment, but its disks are on an SMB share (smb)');
        expect(e.message).to.include('sql01: version 9.0 in the experiment, but Get-VM says 10.0');
        expect(e.message).to.include('app01: memoryGB 2 in the experiment, but its startup memory is 8.0 GB');
        expect(e.message).to.match(/Nothing was done to the cluster\.$/);
        expect(open.lab.calls().map((c) => c.command).filter((c) => !/^(Get|Test|Resolve|Lab)-|^(New|Remove)-PSSession$/.test(c))).to.deep.equal([]);
        // described as it is, the same cluster fits
        await checkFitsCluster(open.target, experiment, [experiment], { entry: ENTRY });
      } finally {
        await open.close();
      }
    });

    it("N5: nodes whose remote sessions run in ConstrainedLanguage are refused at first contact, each named, nothing changed", async () => {
      const experiment = labExperiment('lab.yaml');
      const open = await labTarget({ experiment, lab: { languageMode: 'ConstrainedLanguage' } });
      try {
        const e = await rejection(checkFitsCluster(open.target, experiment, [experiment], { entry: ENTRY }));
        expect(e).to.be.instanceOf(UsageError);
        expect(e.message).to.match(/^.*lab\.yaml: the cluster HVCLUSTER01 cannot be driven: /);
        // each node named with its language mode (the node block answers even there: a hashtable, not
        // [pscustomobject]@{}, which ConstrainedLanguage refuses, PowerShell/PowerShell#20767)
        for (const node of ['N1', 'N2', 'N3']) expect(e.message).to.include(`${node}'s remote sessions run in ConstrainedLanguage`);
        expect(open.lab.calls().map((c) => c.command).filter((c) => !/^(Get|Test|Resolve|Lab)-|^(New|Remove)-PSSession$/.test(c))).to.deep.equal([]);
      } finally {
        await open.close();
      }
    });
  });

  describe('the undo journal when clusterchaos dies (R12)', () => {
    it('R12: killed mid-run, the journal holds every revert still owed (synced before each change), and revert refuses a rehearsal', async () => {
      const out = mkdtempSync(join(tmpdir(), 'clusterchaos-killed-'));
      const journal = join(out, 'undo.ndjson');
      const child = spawn(
        process.execPath,
        [BIN, 'run', join(LAB_FIXTURES, 'kill-long.yaml'), '--target', 'powershell', '--rehearse', '--yes', '--out', out, '--allowlist', join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml')],
        { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: 'ignore', detached: true },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      try {
        // wait until the kill's revert is in the journal, then SIGKILL clusterchaos and everything it started
        const deadline = Date.now() + 120_000;
        while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('"fault":"kill-clussvc"'))) {
          if (Date.now() > deadline) throw new Error(`no kill-clussvc revert in ${journal} within 120 s`);
          if (child.exitCode !== null) throw new Error(`clusterchaos exited (${child.exitCode}) before the kill was journaled`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        process.kill(-child.pid!, 'SIGKILL');
        expect(await exited).to.equal('SIGKILL');
        const lines = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JournalLine);
        expect(lines.filter((l) => l.type === 'revert').map((l) => (l.type === 'revert' ? [l.fault, l.args] : []))).to.deep.equal([
          ['set-cluster-settings', { SameSubnetDelay: 1000, SameSubnetThreshold: 10 }],
          ['kill-clussvc', { node: 'N2' }],
        ]);
        expect(lines.filter((l) => l.type === 'done')).to.deep.equal([]);
        // newest first: what `clusterchaos revert` would run
        expect(pendingReverts(journal).map((p) => [p.fault, p.label])).to.deep.equal([
          ['kill-clussvc', 'kill-clussvc N2'],
          ['set-cluster-settings', 'restore cluster settings'],
        ]);
        // what revert needs to reopen the cluster was on disk before the first change: the header and its invocation
        const header = JSON.parse(readFileSync(join(out, 'trace.ndjson'), 'utf8').split('\n')[0]!) as { type: string; target: string; invocation?: { file: string }; facts?: { powershell: { rehearsal?: boolean } } };
        expect(header).to.include({ type: 'header', target: 'powershell' });
        expect(header.invocation?.file).to.equal(join(LAB_FIXTURES, 'kill-long.yaml'));
        expect(header.facts?.powershell.rehearsal).to.equal(true);
        // the lab died with the run: nothing to revert, and revert says so (exit 2, nothing done)
        const r = cli(['revert', out, '--allowlist', join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml')]);
        expect(r.code, r.stdout + r.stderr).to.equal(2);
        expect(r.stderr).to.include('that run was a rehearsal; its lab ended with it, so there is nothing to revert');
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
});
