/**
 * End to end through the real transport: the runner and the fault catalogue drive a PowerShellTarget, whose
 * scripts go through node-powershell to the fake pwsh (test/fake-bin/pwsh), which answers from the
 * repository's simulator running in real time; the checker judges the trace. Then what goes wrong on the
 * way: a session that dies, a command that times out, malformed JSON, a PowerShell error; and the CLI's
 * dry run, which must send nothing that changes the cluster. (The whole CLI run and Ctrl-C through the same
 * fake: test/cli/powershell-run.test.ts.) Last, the fake itself: it answers in the documented shapes.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { runExperiment, type ExperimentRun } from '../../src/cli/run-experiment.js';
import { loadExperiment } from '../../src/experiment/load.js';
import type { Experiment } from '../../src/experiment/types.js';
import { PowerShell } from 'node-powershell';
import { createPowerShellTarget, MUTATING_OPS } from '../../src/targets/powershell/index.js';
import { parseAcknowledgement, parseConfiguration, parseDrain, parseEvents, parseLiveMigration, parsePoll, parseResidue, parseSettings } from '../../src/targets/powershell/parse.js';
import * as scripts from '../../src/targets/powershell/scripts.js';
import type { ObserveRecord, OpRecord, TraceRecord } from '../../src/trace/records.js';
import { FakeLab, FIXTURES, type FakeFaults } from '../fake-bin/harness.js';
import { cli } from '../helpers/cli.js';

const log = pino({ level: 'silent' });

function experiment(name: string): Experiment {
  return loadExperiment(join(FIXTURES, name), { settings: settingDefinitions });
}

function traceOf(run: ExperimentRun): TraceRecord[] {
  return readFileSync(run.tracePath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceRecord);
}

const ops = (trace: TraceRecord[], f: string): OpRecord[] => trace.filter((r): r is OpRecord => r.type === 'op' && r.f === f);
const observed = (trace: TraceRecord[], entity: string): ObserveRecord[] =>
  trace.filter((r): r is ObserveRecord => r.type === 'observe' && r.entity === entity);

describe('PowerShell target end to end (node-powershell → fake pwsh → simulated cluster in real time)', function () {
  this.timeout(40_000);
  let lab: FakeLab | undefined;
  let out: string;

  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'clusterchaos-e2e-'));
  });

  afterEach(() => {
    lab?.dispose();
    lab = undefined;
    rmSync(out, { recursive: true, force: true });
  });

  /** One whole run of a fixture experiment on the fake lab, as `clusterchaos run --target powershell` does it. */
  async function run(file: string, o: { faults?: FakeFaults; timeoutMs?: number } = {}): Promise<ExperimentRun> {
    lab = new FakeLab(o.faults ? { faults: o.faults } : {});
    const e = experiment(file);
    const runId = `e2e-${Date.now()}`;
    const tag = `clusterchaos-${runId}`;
    const target = createPowerShellTarget({
      cluster: e.cluster.name,
      description: e.cluster,
      log,
      runTag: tag,
      timeoutMs: o.timeoutMs ?? 10_000,
      settingNames: Object.keys(e.settings),
    });
    return runExperiment({ experiment: e, outDir: out, defects: [], replay: 'n/a', log, target, runId, residue: { tag } });
  }

  it('runs a whole experiment: kill-clussvc and a live migration, observed and checked (pass)', async () => {
    const started = Date.now();
    const r = await run('short-resiliency.yaml');
    const trace = traceOf(r);

    expect(r.outcome.status, r.outcome.abortReason).to.equal('completed');
    expect(r.result.verdict, `${r.result.reason}\n${JSON.stringify(r.result.violations, null, 2)}`).to.equal('pass');
    expect(r.header.target).to.equal('powershell');
    // the settings were set on the cluster, read back into the header, and restored at the end
    expect(r.header.settings).to.include({ SameSubnetDelay: 250, SameSubnetThreshold: 3, ResiliencyDefaultPeriod: 10 });

    const kill = ops(trace, 'kill-clussvc');
    expect(kill.map((o) => o.phase)).to.deep.equal(['invoke', 'ok']);
    const move = ops(trace, 'live-migrate');
    expect(move.map((o) => o.phase)).to.deep.equal(['invoke', 'ok']);
    expect(move[1]!.value).to.include({ vm: 'app01', source: 'N3', target: 'N1' });

    // what the cluster did, as the polls saw it: N2 Isolated, its VMs Unmonitored, the CSV VM paused, then all back
    const n2 = observed(trace, 'node/N2').map((o) => o.state as { State: string; StatusInformation: string[] });
    expect(n2.some((s) => s.StatusInformation.includes('Isolated')), 'N2 seen Isolated').to.equal(true);
    expect(n2[n2.length - 1]).to.deep.equal({ State: 'Up', StatusInformation: [] });
    const sql = observed(trace, 'vm/sql01').map((o) => (o.state as { State: string }).State);
    expect(sql).to.include('PausedCritical');
    expect(sql[sql.length - 1]).to.equal('Running');
    const app = observed(trace, 'vm/app01').map((o) => (o.state as { OwnerNode: string }).OwnerNode);
    expect(app[app.length - 1]).to.equal('N1');
    // the event logs, collected incrementally, each record once
    const events = trace.filter((x) => x.type === 'event') as { node: string; id: number; time: string }[];
    expect(events.some((e) => e.id === 7031 && e.node === 'N2'), 'SCM 7031 on N2').to.equal(true);
    expect(events.some((e) => e.id === 1135), 'cluster 1135').to.equal(true);
    const keys = events.map((e) => `${e.node}/${e.id}/${e.time}`);
    expect(new Set(keys).size, 'no event twice').to.equal(keys.length);

    // what the cluster was told, as the fake's log has it
    const sent = lab!.commands().filter((c) => c.op !== null && MUTATING_OPS.has(c.op as never));
    expect(sent.map((c) => [c.op, c.values?.vm ?? c.values?.node ?? c.values?.names])).to.deep.equal([
      ['set-settings', ['SameSubnetDelay', 'SameSubnetThreshold', 'ResiliencyDefaultPeriod']],
      ['kill-clussvc', 'N2'],
      ['live-migrate', 'app01'],
      ['start-clussvc', 'N2'], // the revert: make sure clussvc runs
      ['set-settings', ['SameSubnetDelay', 'SameSubnetThreshold', 'ResiliencyDefaultPeriod']], // restored
    ]);
    expect(sent[2]!.values).to.include({ node: 'N1' });
    expect(sent[4]!.values!.values).to.deep.equal([1000, 10, 240]);
    expect(lab!.sessions(), 'one PowerShell session for the whole run').to.equal(1);
    // the residue scan: nothing left behind
    expect(r.residue).to.deep.equal({ clean: true, findings: [] });
    expect(lab!.issued('residue')).to.have.length.greaterThan(0);
    expect(Date.now() - started, 'wall time').to.be.below(30_000);
  });

  it('records the op in flight as info when the session dies, and goes on in a new session', async () => {
    const r = await run('short-kill.yaml', { faults: { dieOn: { op: 'kill-clussvc' } } });
    const trace = traceOf(r);
    const kill = ops(trace, 'kill-clussvc');
    expect(kill.map((o) => o.phase)).to.deep.equal(['invoke', 'info']);
    expect(kill[1]!.error).to.match(/PowerShell session ended during kill-clussvc.*outcome is unknown/);
    expect(r.outcome.status, r.outcome.abortReason).to.equal('completed');
    // the run went on: polls after the lost op, answered by a second pwsh
    expect(observed(trace, 'node/N2').filter((o) => o.t > kill[1]!.t).length).to.be.greaterThan(4);
    expect(lab!.sessions()).to.equal(2);
    const pids = new Set(lab!.commands().map((c) => c.pid));
    expect(pids.size).to.equal(2);
    // the cluster did get the kill before the session died: the new session sees what it did
    const n2 = observed(trace, 'node/N2').map((o) => o.state as { StatusInformation: string[] });
    expect(n2.some((s) => s.StatusInformation.includes('Isolated'))).to.equal(true);
    expect(ops(trace, 'revert:kill-clussvc').map((o) => o.phase)).to.deep.equal(['invoke', 'ok']);
    // the checker considers both outcomes of an info op; here the observations show the kill took effect
    expect(r.result.verdict, r.result.reason).to.equal('pass');
  });

  it('records a command that times out as info, replaces the stuck shell and goes on', async () => {
    // The fake sleeps 3 s before it runs the kill; the target gives up after 0.7 s, waits 0.7 s more for the
    // stuck shell, then kills it and opens a new one: the kill never reaches the cluster.
    const r = await run('short-kill.yaml', { faults: { hangOn: { op: 'kill-clussvc', ms: 3_000 } }, timeoutMs: 700 });
    const trace = traceOf(r);
    const kill = ops(trace, 'kill-clussvc');
    expect(kill.map((o) => o.phase)).to.deep.equal(['invoke', 'info']);
    expect(kill[1]!.error).to.match(/kill-clussvc timed out after 0\.7 s; its outcome is unknown/);
    expect(kill[1]!.t - kill[0]!.t).to.be.within(650, 1_400);
    expect(r.outcome.status, r.outcome.abortReason).to.equal('completed');
    expect(lab!.issued('kill-clussvc')).to.have.length(1); // never sent twice
    expect(lab!.sessions(), 'the stuck shell was replaced').to.equal(2);
    const n2 = observed(trace, 'node/N2').map((o) => o.state as { State: string; StatusInformation: string[] });
    expect(n2.every((s) => s.State === 'Up'), 'N2 never left').to.equal(true);
    // An info op is never a failure by itself, and never a pass by accident: a run of the models in which the
    // kill never happened explains "N2 stayed Up", so whether it happened is unknown.
    expect(r.result.verdict, r.result.reason).to.equal('unknown');
    expect(r.result.unknowns.join('\n')).to.match(/kill-clussvc on N2 has an unknown outcome/);
  });

  it('aborts the run as unknown on malformed JSON from a poll, with a clear error, and runs the reverts', async () => {
    const r = await run('short-kill.yaml', { faults: { malformedOn: { op: 'poll', after: 'kill-clussvc' } } });
    const trace = traceOf(r);
    expect(r.outcome.status).to.equal('aborted');
    expect(r.outcome.abortReason).to.match(/poll/);
    expect(r.outcome.abortReason).to.match(/JSON/i);
    expect(r.result.verdict).to.equal('unknown');
    expect(r.result.reason).to.match(/aborted/);
    // the reverts ran on the way out: clussvc started, the settings restored
    expect(ops(trace, 'revert:kill-clussvc').map((o) => o.phase)).to.deep.equal(['invoke', 'ok']);
    expect(ops(trace, 'restore-cluster-settings').map((o) => o.phase)).to.deep.equal(['invoke', 'ok']);
    const order = lab!.commands().map((c) => c.op + (c.fault ? `!${c.fault}` : ''));
    const bad = order.indexOf('poll!malformedOn');
    expect(bad).to.be.greaterThan(order.indexOf('kill-clussvc'));
    expect(order.slice(bad)).to.include.members(['start-clussvc', 'set-settings']);
  });

  it('records an injection that PowerShell refused (an error on stderr) as fail; the cluster is untouched', async () => {
    const r = await run('short-kill.yaml', { faults: { stderrOn: { op: 'kill-clussvc' } } });
    const trace = traceOf(r);
    const kill = ops(trace, 'kill-clussvc');
    expect(kill.map((o) => o.phase)).to.deep.equal(['invoke', 'fail']);
    expect(kill[1]!.error).to.match(/kill-clussvc.*Connecting to remote server N2 failed .*Access is denied/);
    const n2 = observed(trace, 'node/N2').map((o) => o.state as { State: string; StatusInformation: string[] });
    expect(n2.every((s) => s.State === 'Up' && s.StatusInformation.length === 0), 'N2 stays Up').to.equal(true);
    expect(r.outcome.status).to.equal('completed');
    // the revert registered before the injection still runs
    expect(ops(trace, 'revert:kill-clussvc').map((o) => o.phase)).to.deep.equal(['invoke', 'ok']);
  });

  it('clusterchaos run --target powershell --dry-run sends nothing that changes the cluster', () => {
    lab = new FakeLab();
    const r = cli(['run', join(FIXTURES, 'short-resiliency.yaml'), '--target', 'powershell', '--dry-run', '--allowlist', join(FIXTURES, 'allowlist.yaml')]);
    expect(r.code, r.stderr).to.equal(3);
    expect(r.lastLine).to.match(/^verdict: unknown/);
    expect(r.stdout).to.include('# clusterchaos kill-clussvc');
    expect(r.stdout).to.include('# clusterchaos live-migrate');
    const mutating = lab.commands().filter((c) => c.op !== null && MUTATING_OPS.has(c.op as never));
    expect(mutating).to.deep.equal([]);
  });
});

/** The JSON's shape: key sets and value types, arrays by the shape of their items (an empty array fits any). */
function conforms(actual: unknown, sample: unknown, path = '$'): string[] {
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(actual) !== kind(sample)) return [`${path}: ${kind(actual)} where the sample has ${kind(sample)}`];
  if (Array.isArray(actual) && Array.isArray(sample)) {
    if (actual.length === 0 || sample.length === 0) return [];
    return actual.flatMap((item, i) => conforms(item, sample[0], `${path}[${i}]`));
  }
  if (kind(actual) === 'object') {
    const a = actual as Record<string, unknown>;
    const b = sample as Record<string, unknown>;
    const keys = (o: Record<string, unknown>) => Object.keys(o).sort().join(',');
    // a settings object's keys are the names asked for; everything else has fixed keys
    if (!/settings$/.test(path) && keys(a) !== keys(b)) return [`${path}: keys ${keys(a)}, the sample's ${keys(b)}`];
    return Object.keys(a).flatMap((k) => (k in b ? conforms(a[k], b[k], `${path}.${k}`) : []));
  }
  return [];
}

describe('the fake pwsh answers in the documented shapes (fixtures/samples)', function () {
  this.timeout(20_000);
  const sample = (name: string): string => readFileSync(join(FIXTURES, 'samples', name), 'utf8');
  const a = { cluster: 'HVLAB01' };
  let lab: FakeLab;
  let ps: PowerShell;

  before(() => {
    lab = new FakeLab({ timeScale: 4 });
    ps = new PowerShell({ throwOnInvocationError: false }); // node-powershell itself: raw stdout and stderr
  });

  after(async () => {
    await ps.dispose().catch(() => undefined);
    lab.dispose();
  });

  async function answer(script: string): Promise<{ stdout: string; stderr: string }> {
    const r = await ps.invoke(script);
    // node-powershell keeps what is between its delimiters, trimmed
    return { stdout: r.stdout?.toString('utf8').trim() ?? '', stderr: r.stderr?.toString('utf8').trim() ?? '' };
  }

  it("parses every sample with the target's own parsers", () => {
    expect(Object.keys(parsePoll(sample('poll-isolated.json'), 0).nodes)).to.deep.equal(['N1', 'N2', 'N3', 'N4']);
    expect(parsePoll(sample('poll-quarantined.json'), 0).nodes.N3!.StatusInformation).to.deep.equal(['Quarantined', 'DrainCompleted']);
    expect(parseEvents(sample('events.json')).map((e) => e.id)).to.deep.equal([7031, 1135, 1673, 1681, 20415]);
    expect(parseEvents(sample('events.json'))[1]!.data).to.deep.equal(['N2']); // 1135: %1, the node removed
    expect(parseEvents(sample('events-empty.json'))).to.deep.equal([]);
    expect(parseSettings(sample('get-settings.json'), ['ResiliencyDefaultPeriod'])).to.include({ ResiliencyDefaultPeriod: 240 });
    expect(parseLiveMigration(sample('live-migrate.json'), 'live-migrate')).to.include({ vm: 'app01', target: 'N1' });
    expect(parseDrain(sample('suspend-node.json'), 'suspend-node')).to.include({ node: 'N2' });
    expect(parseResidue(sample('residue.json')).tasks).to.deep.equal(['N4/clusterchaos-3f9c2d1e-heal']);
    expect(parseAcknowledgement(sample('acknowledgement.json'), 'kill-clussvc')).to.deep.equal({});
  });

  it('prints what the scripts project, as the samples have it', async () => {
    await answer(scripts.setSettings(a, { SameSubnetDelay: 250, SameSubnetThreshold: 3 }));
    const since = new Date(Date.now() - 1_000).toISOString();
    expect(conforms(JSON.parse((await answer(scripts.poll(a))).stdout), JSON.parse(sample('poll-isolated.json')))).to.deep.equal([]);
    expect((await answer(scripts.killClusterService(a, 'N2'))).stdout).to.equal(sample('acknowledgement.json').trim());
    let poll = JSON.parse((await answer(scripts.poll(a))).stdout) as { nodes: { Name: string; StatusInformation: string[] }[] };
    for (let i = 0; i < 40 && !poll.nodes[1]!.StatusInformation.includes('Isolated'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      poll = JSON.parse((await answer(scripts.poll(a))).stdout);
    }
    expect(conforms(poll, JSON.parse(sample('poll-isolated.json')))).to.deep.equal([]);
    expect(poll.nodes[1]!.StatusInformation).to.deep.equal(['Isolated']);

    const events = JSON.parse((await answer(scripts.events(a, ['N1', 'N2', 'N3', 'N4'], since))).stdout) as { time: string; message: string }[];
    expect(events.length).to.be.greaterThan(1);
    expect(conforms(events, JSON.parse(sample('events.json')))).to.deep.equal([]);
    expect(events.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/.test(e.time)), 'round-trip times').to.equal(true);
    expect(events.map((e) => e.time)).to.deep.equal(events.map((e) => e.time).sort()); // Sort-Object time
    const raw = (await answer(scripts.events(a, ['N1'], since))).stdout;
    expect(raw, "5.1 escapes ' as \\u0027").to.include('\\u0027N2\\u0027');

    expect(conforms(JSON.parse((await answer(scripts.getSettings(a, ['ResiliencyDefaultPeriod', 'SameSubnetDelay']))).stdout), JSON.parse(sample('get-settings.json')), '$settings')).to.deep.equal([]);
    const moved = JSON.parse((await answer(scripts.liveMigrate(a, 'app01', 'N1'))).stdout);
    expect(conforms(moved, JSON.parse(sample('live-migrate.json')))).to.deep.equal([]);
    expect(conforms(JSON.parse((await answer(scripts.suspendNode(a, 'N4', { drain: true }))).stdout), JSON.parse(sample('suspend-node.json')))).to.deep.equal([]);
    await answer(scripts.resumeNode(a, 'N4', { failback: false }));
    await answer(scripts.isolateNetwork(a, 'N4', { healAfterMs: 60_000, tag: 'clusterchaos-3f9c2d1e' }));
    const residue = JSON.parse((await answer(scripts.residue(a, { tag: 'clusterchaos-3f9c2d1e', settings: { ResiliencyDefaultPeriod: 240 } }))).stdout);
    expect(conforms(residue, JSON.parse(sample('residue.json')))).to.deep.equal([]);
    expect(residue.firewallRules).to.include('N4/clusterchaos-3f9c2d1e-Inbound-UDP');
    const configuration = parseConfiguration((await answer(scripts.readConfiguration(a))).stdout);
    expect(configuration.sharedStoragePath).to.deep.equal({ path: String.raw`C:\ClusterStorage\Volume1\Hyper-V\Shared`, exists: true });
    expect(configuration.hosts.map((h) => h.node)).to.deep.equal(['N1', 'N2', 'N3', 'N4']);
    expect(configuration.vms.every((v) => configuration.supportedVersions.includes(v.version))).to.equal(true);
    await answer(scripts.restoreNetwork(a, 'N4', 'clusterchaos-3f9c2d1e'));
    for (const script of [
      scripts.holdDownClusterService(a, 'N3', 1_000),
      scripts.startClusterService(a, 'N3'),
      scripts.startClusterNode(a, 'N3', { clearQuarantine: true }),
      scripts.cancelLiveMigration(a, 'app01'),
    ]) {
      expect(await answer(script)).to.deep.equal({ stdout: sample('acknowledgement.json').trim(), stderr: '' });
    }
    // every script the target can send was served (stop-cluster-node: in the errors test below)
    expect(lab.internalErrors()).to.deep.equal([]);
    expect([...new Set(lab.commands().map((c) => c.op))].filter((op) => op !== 'session').sort()).to.deep.equal(
      scripts.SCRIPT_OPS.filter((op) => op !== 'stop-cluster-node').sort(),
    );
  });

  it("writes PowerShell's errors to stderr, as the samples have them, and nothing to stdout", async () => {
    const notFound = await answer(scripts.stopClusterNode(a, 'N9'));
    expect(notFound).to.deep.equal({ stdout: '', stderr: sample('stop-node-not-found.stderr.txt').trim() });
    const winrm = await answer(scripts.killClusterService(a, 'N9'));
    expect(winrm).to.deep.equal({ stdout: '', stderr: sample('kill-clussvc-winrm.stderr.txt').trim() });
    // a value that tries to break out of its quotes is only ever a (strange) name
    const hostile = await answer(scripts.killClusterService(a, "N2'; Stop-Computer -Force; '"));
    expect(hostile.stderr).to.include("Cannot find the computer N2'; Stop-Computer -Force; '.");
    expect(lab.issued('kill-clussvc').map((c) => c.values!.node)).to.deep.equal(['N2', 'N9', "N2'; Stop-Computer -Force; '"]);
  });
});
