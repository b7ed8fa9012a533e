import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mocha from 'mocha';
import { acceptancePlan, type SpecName } from '../../src/acceptance/plan.js';
import { addAcceptanceSuite, SPEC_TITLES, type AcceptanceContext } from '../../src/acceptance/suite.js';
import type { CheckResult } from '../../src/check/result.js';
import { SpecCollector, type SpecResult, type SpecSink } from '../../src/cli/accept-junit.js';
import type { Experiment } from '../../src/experiment/types.js';
import { createSimTarget } from '../../src/targets/sim/index.js';
import { TraceBuilder } from '../helpers/trace.js';
import { load, shipped } from '../experiment/helpers.js';

/**
 * The suite's own logic, in-process with a scripted context (mocha's programmatic API, as `clusterchaos accept`
 * runs it): what it asks of each run beyond the models, and what it does not start.
 */
const base = load(shipped('pre-upgrade.yaml'));
const plan = acceptancePlan(base);
const passed = { verdict: 'pass', reason: 'conforms', violations: [], unknowns: [], coverage: [], stats: {} } as unknown as CheckResult;

/** A trace whose last poll shows each VM on its own node, but for `away` (VM → where it was last seen). */
function traceEndingWith(away: Record<string, string> = {}): string {
  const trace = new TraceBuilder({ nodes: base.cluster.nodes, vms: base.cluster.vms });
  for (const [vm, node] of Object.entries(away)) trace.vm(vm, 'Running', { OwnerNode: node });
  trace.poll(0);
  const file = join(mkdtempSync(join(tmpdir(), 'acceptance-suite-')), 'trace.ndjson');
  writeFileSync(file, [JSON.stringify(trace.header), ...trace.records.map((r) => r.text)].join('\n') + '\n');
  return file;
}

async function runSuite(over: Partial<AcceptanceContext>): Promise<{ results: SpecResult[]; ran: string[]; find: (spec: SpecName, name: string) => SpecResult }> {
  const ran: string[] = [];
  const home = traceEndingWith();
  const ctx: AcceptanceContext = {
    base,
    plan,
    readConfiguration: () => createSimTarget({ cluster: base.cluster, simulator: base.simulator, seed: 1 }).readConfiguration(),
    stopped: () => undefined,
    ...over,
    // every run is written down, whoever answers it
    run: async (experiment: Experiment) => {
      ran.push(experiment.name);
      return over.run ? over.run(experiment) : { result: passed, tracePath: home };
    },
  };
  const sink: SpecSink = { results: [], notAttempted: new Map(), runs: new Map() };
  const mocha = new Mocha({ reporter: SpecCollector as unknown as string, reporterOptions: { sink } });
  Object.assign(sink, addAcceptanceSuite(mocha.suite, ctx));
  await new Promise<void>((done) => mocha.run(() => done()));
  mocha.dispose();
  const find = (spec: SpecName, name: string): SpecResult => {
    const found = sink.results.find((r) => r.spec === SPEC_TITLES[spec] && r.title === name);
    if (!found) throw new Error(`no case ${name} in ${spec}`);
    return found;
  };
  return { results: sink.results, ran, find };
}

/** Each case as "spec title › node or VM: state". */
const states = (results: SpecResult[]): string[] => results.map((r) => `${r.spec} › ${r.title}: ${r.state}`);

describe('pre-upgrade acceptance: the suite', () => {
  it('passes when every run passes and leaves the VMs on their nodes: one case per node and per VM, every generated run once, in order', async () => {
    const { results, ran } = await runSuite({});
    const { nodes, vms } = base.cluster;
    expect(states(results)).to.deep.equal([
      `${SPEC_TITLES.configuration} › HVCLUSTER01: passed`,
      ...nodes.map((n) => `${SPEC_TITLES.drains} › ${n}: passed`),
      ...vms.map((vm) => `${SPEC_TITLES.migrations} › ${vm.name}: passed`),
      ...nodes.map((n) => `${SPEC_TITLES.resiliency} › ${n}: passed`),
    ]);
    expect(ran).to.deep.equal([...plan.drains, ...plan.migrations, ...plan.resiliency].map((e) => e.name));
    expect(plan.migrations.map((e) => e.name)).to.deep.equal(vms.map((vm) => `pre-upgrade-migrate-${vm.name}`));
    // each case knows its run (for its folder and report), and the configuration has none
    expect(results.map((r) => r.run?.name)).to.deep.equal([undefined, ...ran]);
  });

  it('fails the case of the drain that passes the models but leaves a VM away from its node, and only it; a resiliency run may', async () => {
    const away = traceEndingWith({ dc01: 'N3' });
    const { results, find } = await runSuite({
      run: async (experiment) => ({ result: passed, tracePath: experiment.name === 'pre-upgrade-drain-N1' || experiment.name.includes('resiliency') ? away : traceEndingWith() }),
    });
    expect(results.filter((r) => r.state === 'failed').map((r) => `${r.spec} › ${r.title}`)).to.deep.equal([`${SPEC_TITLES.drains} › N1`]);
    expect(find('drains', 'N1').message).to.equal('N1 drains and resumes with its VMs back: VMs not back on their node at the end: dc01 on N3 (its node: N1)\n  trace: ' + away);
    expect(find('resiliency', 'N1').state).to.equal('passed');
  });

  it('starts no run when the configuration cannot be read, saying why the other cases were not attempted', async () => {
    const { results, ran } = await runSuite({
      readConfiguration: async () => {
        throw new Error('Get-VMHostCluster: access denied');
      },
    });
    expect(ran).to.deep.equal([]);
    expect(results[0]).to.include({ title: 'HVCLUSTER01', state: 'failed', message: 'Get-VMHostCluster: access denied' });
    expect(results).to.have.length(15);
    for (const r of results.slice(1)) expect(r).to.include({ state: 'not-attempted', message: 'not attempted: the configuration could not be read (Get-VMHostCluster: access denied)' });
  });

  it('starts no further run once stopped (Ctrl-C): every later case says so', async () => {
    let calls = 0;
    const { results } = await runSuite({
      run: async () => {
        calls++;
        return { result: passed, tracePath: traceEndingWith() };
      },
      stopped: () => (calls >= 1 ? 'interrupted (Ctrl-C)' : undefined),
    });
    expect(calls, 'runs started').to.equal(1);
    expect(states(results.slice(0, 3))).to.deep.equal([
      `${SPEC_TITLES.configuration} › HVCLUSTER01: passed`,
      `${SPEC_TITLES.drains} › N1: passed`,
      `${SPEC_TITLES.drains} › N2: not-attempted`,
    ]);
    expect(new Set(results.slice(2).map((r) => r.message))).to.deep.equal(new Set(['not attempted: interrupted (Ctrl-C)']));
  });

  describe('bailing out once a case failed', () => {
    /** Every run passes but the one named, which fails the models. */
    const failing = (name: string) => async (experiment: Experiment) => ({
      result: experiment.name === name ? ({ ...passed, verdict: 'fail', reason: '1 violation' } as CheckResult) : passed,
      tracePath: traceEndingWith(),
    });

    it('by default (never), runs every case after a failed kill', async () => {
      const { results, ran } = await runSuite({ run: failing('pre-upgrade-resiliency-N1') });
      expect(ran).to.have.length(14);
      expect(results.filter((r) => r.state !== 'passed').map((r) => r.title)).to.deep.equal(['N1']);
    });

    it('with first-failure (--bail), starts nothing after the first failed case, saying which failed', async () => {
      const { results, ran } = await runSuite({ bail: 'first-failure', run: failing('pre-upgrade-drain-N2') });
      expect(ran).to.deep.equal(['pre-upgrade-drain-N1', 'pre-upgrade-drain-N2']);
      expect(states(results).filter((s) => !s.endsWith('not-attempted'))).to.deep.equal([
        `${SPEC_TITLES.configuration} › HVCLUSTER01: passed`,
        `${SPEC_TITLES.drains} › N1: passed`,
        `${SPEC_TITLES.drains} › N2: failed`,
      ]);
      expect(results.slice(3).map((r) => r.message)).to.deep.equal(
        Array(12).fill('not attempted: --bail, and N2 drains and resumes with its VMs back failed first'),
      );
    });

    it('with impairing (a real cluster\'s default), drains and kills no further node after a failed drain, but still moves every VM', async () => {
      const { results, ran } = await runSuite({ bail: 'impairing', run: failing('pre-upgrade-drain-N2') });
      expect(ran).to.deep.equal(['pre-upgrade-drain-N1', 'pre-upgrade-drain-N2', ...plan.migrations.map((e) => e.name)]);
      const held = results.filter((r) => r.state === 'not-attempted');
      expect(held.map((r) => `${r.spec} › ${r.title}`)).to.deep.equal([
        ...['N3', 'N4'].map((n) => `${SPEC_TITLES.drains} › ${n}`),
        ...base.cluster.nodes.map((n) => `${SPEC_TITLES.resiliency} › ${n}`),
      ]);
      expect(held[0]!.message).to.equal(
        'not attempted: N2 drains and resumes with its VMs back failed first; on a real cluster the suite impairs no further node after a drain or a kill failed (--no-bail to go on)',
      );
    });

    it('with impairing, a failed migration impairs no node: the drains and kills go on', async () => {
      const { results, ran } = await runSuite({ bail: 'impairing', run: failing('pre-upgrade-migrate-dc01') });
      expect(ran).to.have.length(14);
      expect(results.filter((r) => r.state !== 'passed').map((r) => r.title)).to.deep.equal(['dc01']);
    });
  });

  describe('a drain that fails for lack of memory (the N-1 question before Cluster-Aware Updating)', () => {
    /** N2's drain moved web01 to N3, then failed with sql01 (16 GB) still on N2; as a real cluster's error says it. */
    function failedDrain(hostMemoryGB?: Experiment['cluster']['hostMemoryGB']): string {
      const trace = new TraceBuilder({ nodes: base.cluster.nodes, vms: base.cluster.vms });
      if (hostMemoryGB !== undefined) trace.header.cluster.hostMemoryGB = hostMemoryGB;
      trace.poll(0).op(1000, 'drain-node', 'invoke', { node: 'N2' });
      trace.node('N2', 'Paused', ['DrainFailed']).vm('web01', 'Running', { OwnerNode: 'N3' });
      trace.op(20_000, 'drain-node', 'fail', { node: 'N2' });
      (trace.records.at(-1)!.record as { error?: string }).error = 'Suspend-ClusterNode : The node drain failed.';
      trace.poll(21_000);
      const file = join(mkdtempSync(join(tmpdir(), 'acceptance-suite-')), 'trace.ndjson');
      writeFileSync(file, [JSON.stringify(trace.header), ...trace.records.map((r) => JSON.stringify(r.record))].join('\n') + '\n');
      return file;
    }

    it('fails the drains spec naming the VM, its memory and what each other host has free, though the run passed the models', async () => {
      const memory = { N1: 24, N2: 64, N3: 16, N4: 16 };
      const trace = failedDrain(memory);
      const { results, find } = await runSuite({
        base: { ...base, cluster: { ...base.cluster, hostMemoryGB: memory } },
        run: async (experiment) => ({ result: passed, tracePath: experiment.name === 'pre-upgrade-drain-N2' ? trace : traceEndingWith() }),
      });
      const drains = find('drains', 'N2');
      expect(drains.state).to.equal('failed');
      expect(results.filter((r) => r.state === 'failed')).to.have.length(1);
      expect(drains.message).to.include(
        "N2 drains and resumes with its VMs back: N2's drain failed: sql01 (16 GB) fits on no other node (free: N1 12 GB, N3 4 GB, N4 4 GB). " +
          'The other hosts lack memory for sql01',
      );
      expect(drains.message).to.include('the cluster said: Suspend-ClusterNode : The node drain failed');
      expect(drains.message).to.not.include('N1 drains');
    });

    it('without host memory in the description, says which VMs the failed drain left behind', async () => {
      const trace = failedDrain();
      const { find } = await runSuite({ run: async (experiment) => ({ result: passed, tracePath: experiment.name === 'pre-upgrade-drain-N2' ? trace : traceEndingWith() }) });
      expect(find('drains', 'N2').message).to.include(
        "N2's drain failed: Suspend-ClusterNode : The node drain failed; still on N2: sql01",
      );
    });
  });
});
