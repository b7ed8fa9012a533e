import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mocha from 'mocha';
import { acceptancePlan } from '../../src/acceptance/plan.js';
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

async function runSuite(over: Partial<AcceptanceContext>): Promise<{ results: SpecResult[]; ran: string[] }> {
  const ran: string[] = [];
  const home = traceEndingWith();
  const ctx: AcceptanceContext = {
    base,
    plan,
    readConfiguration: () => createSimTarget({ cluster: base.cluster, simulator: base.simulator, seed: 1 }).readConfiguration(),
    run: async (experiment: Experiment) => {
      ran.push(experiment.name);
      return { result: passed, tracePath: home };
    },
    stopped: () => undefined,
    ...over,
  };
  const sink: SpecSink = { results: [], notAttempted: new Map() };
  const mocha = new Mocha({ reporter: SpecCollector as unknown as string, reporterOptions: { sink } });
  sink.notAttempted = addAcceptanceSuite(mocha.suite, ctx).notAttempted;
  await new Promise<void>((done) => mocha.run(() => done()));
  mocha.dispose();
  return { results: sink.results, ran };
}

describe('pre-upgrade acceptance: the suite', () => {
  it('passes when every run passes and leaves the VMs on their nodes, running every generated run once, in order', async () => {
    const { results, ran } = await runSuite({});
    expect(results.map((r) => [r.title, r.state])).to.deep.equal(Object.values(SPEC_TITLES).map((t) => [t, 'passed']));
    expect(ran).to.deep.equal([...plan.drains, ...plan.migrations, ...plan.resiliency].map((e) => e.name));
  });

  it('fails a drain or the migration tour that passes the models but leaves a VM away from its node, naming it; a resiliency run may', async () => {
    const away = traceEndingWith({ dc01: 'N3' });
    const { results } = await runSuite({
      run: async (experiment) => ({ result: passed, tracePath: experiment.name === 'pre-upgrade-drain-N1' || experiment.name.includes('resiliency') ? away : traceEndingWith() }),
    });
    const drains = results.find((r) => r.title === SPEC_TITLES.drains)!;
    expect(drains.state).to.equal('failed');
    expect(drains.message).to.include('N1 drains and resumes with its VMs back: VMs not back on their node at the end: dc01 on N3 (its node: N1)');
    expect(drains.message).to.not.include('N2 drains');
    expect(results.find((r) => r.title === SPEC_TITLES.resiliency)!.state).to.equal('passed');
  });

  it('starts no run when the configuration cannot be read, saying why the other specs were not attempted', async () => {
    const { results, ran } = await runSuite({
      readConfiguration: async () => {
        throw new Error('Get-VMHostCluster: access denied');
      },
    });
    expect(ran).to.deep.equal([]);
    expect(results[0]).to.include({ state: 'failed', message: 'Get-VMHostCluster: access denied' });
    for (const r of results.slice(1)) expect(r).to.include({ state: 'not-attempted', message: 'not attempted: the configuration could not be read (Get-VMHostCluster: access denied)' });
  });

  it('starts no further run once stopped (Ctrl-C): the rest of the spec says so, the later specs are not attempted', async () => {
    let calls = 0;
    const { results } = await runSuite({
      run: async () => {
        calls++;
        return { result: passed, tracePath: traceEndingWith() };
      },
      stopped: () => (calls >= 1 ? 'interrupted (Ctrl-C)' : undefined),
    });
    expect(calls, 'runs started').to.equal(1);
    const drains = results.find((r) => r.title === SPEC_TITLES.drains)!;
    expect(drains.state).to.equal('failed');
    expect(drains.message).to.include('N2 drains and resumes with its VMs back: not run (interrupted (Ctrl-C))');
    expect(results.slice(2).map((r) => r.message)).to.deep.equal(['not attempted: interrupted (Ctrl-C)', 'not attempted: interrupted (Ctrl-C)']);
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
      const { results } = await runSuite({
        base: { ...base, cluster: { ...base.cluster, hostMemoryGB: memory } },
        run: async (experiment) => ({ result: passed, tracePath: experiment.name === 'pre-upgrade-drain-N2' ? trace : traceEndingWith() }),
      });
      const drains = results.find((r) => r.title === SPEC_TITLES.drains)!;
      expect(drains.state).to.equal('failed');
      expect(drains.message).to.include(
        "N2 drains and resumes with its VMs back: N2's drain failed: sql01 (16 GB) fits on no other node (free: N1 12 GB, N3 4 GB, N4 4 GB). " +
          'The other hosts lack memory for sql01',
      );
      expect(drains.message).to.include('the cluster said: Suspend-ClusterNode : The node drain failed');
      expect(drains.message).to.not.include('N1 drains');
    });

    it('without host memory in the description, says which VMs the failed drain left behind', async () => {
      const trace = failedDrain();
      const { results } = await runSuite({ run: async (experiment) => ({ result: passed, tracePath: experiment.name === 'pre-upgrade-drain-N2' ? trace : traceEndingWith() }) });
      expect(results.find((r) => r.title === SPEC_TITLES.drains)!.message).to.include(
        "N2's drain failed: Suspend-ClusterNode : The node drain failed; still on N2: sql01",
      );
    });
  });
});
