import { expect } from 'chai';
import Mocha from 'mocha';
import type { CheckResult } from '../check/result.js';
import type { Experiment } from '../experiment/types.js';
import type { ClusterConfiguration } from '../targets/target.js';
import { readTrace } from '../trace/reader.js';
import type { VmObservation } from '../trace/records.js';
import { configurationProblems } from './configuration.js';
import { drainFailures } from './drain-failures.js';
import type { AcceptancePlan, SpecName } from './plan.js';

/** One generated experiment, run and checked against the models (src/run/run-experiment's runExperiment). */
export interface AcceptanceRun {
  result: CheckResult;
  tracePath: string;
}

/**
 * When the suite stops attempting cases once one failed: `first-failure` (--bail) after any failed case;
 * `impairing` (the default on a real cluster) attempts no further drain or clussvc kill once a drain or a kill
 * failed — its node may have failed over, and another would only fail over more VMs for nothing; `never`
 * (--no-bail, the simulator's default) runs every case.
 */
export type BailMode = 'first-failure' | 'impairing' | 'never';

/** What the specs need from their caller: the cluster, a way to read its configuration and to run an experiment. */
export interface AcceptanceContext {
  /** The experiment the suite was started with (its cluster: nodes, VMs and their homes). */
  base: Experiment;
  plan: AcceptancePlan;
  readConfiguration(): Promise<ClusterConfiguration>;
  run(experiment: Experiment): Promise<AcceptanceRun>;
  /** Why no further run may start (Ctrl-C), or undefined. The run in progress stops and reverts by itself. */
  stopped(): string | undefined;
  /** Default: never. */
  bail?: BailMode;
}

/** The specs, in the order they run: one mocha suite each, with one test case per node or VM (the cluster, for the configuration). */
export const SPEC_TITLES: Record<SpecName, string> = {
  configuration: 'the configuration is sound',
  drains: 'every node drains and resumes with its VMs back',
  migrations: 'every VM live-migrates to every node',
  resiliency: 'Compute Resiliency holds, one node at a time',
};

/** The cases that were not attempted, with the reason (the configuration check failed first, --bail, Ctrl-C). */
export type NotAttempted = Map<Mocha.Runnable, string>;

/** The node or VM a generated run is about: its first fault's `node` or `vm`. */
export function subjectOf(experiment: Experiment): string {
  const first = experiment.method.find((s) => s.kind === 'fault');
  const params = first?.kind === 'fault' ? first.params : {};
  return String(params.node ?? params.vm ?? experiment.name);
}

/**
 * Register the pre-upgrade acceptance suite under `parent` (mocha's programmatic API: Suite.create and Test,
 * as `describe` and `it` would): one suite per spec, one test case per node (drains, Compute Resiliency), per
 * VM (migrations) or for the cluster (configuration), each generated run a case of its own with its own
 * verdict. The configuration spec runs first; when it fails, the others are not attempted (they are skipped,
 * and `notAttempted` says why): draining a cluster that cannot live-migrate would only leave nodes Paused.
 * `runs` gives the generated run of each case, for its folder and report.
 */
export function addAcceptanceSuite(
  parent: Mocha.Suite,
  ctx: AcceptanceContext,
): { suite: Mocha.Suite; notAttempted: NotAttempted; runs: Map<Mocha.Runnable, Experiment> } {
  const suite = Mocha.Suite.create(parent, `pre-upgrade acceptance of ${ctx.base.cluster.name}`);
  suite.timeout(0);
  const notAttempted: NotAttempted = new Map();
  const runs = new Map<Mocha.Runnable, Experiment>();
  const bail = ctx.bail ?? 'never';
  let gate: string | undefined;
  /** The first case that failed, and the first drain or kill that did. */
  let failedFirst: string | undefined;
  let impairedAndFailed: string | undefined;

  const specSuite = (name: SpecName): Mocha.Suite => {
    const s = Mocha.Suite.create(suite, SPEC_TITLES[name]);
    s.timeout(0);
    return s;
  };

  if (ctx.plan.specs.includes('configuration')) specSuite('configuration').addTest(
    new Mocha.Test(ctx.base.cluster.name, async () => {
      let problems: string[];
      try {
        problems = configurationProblems(await ctx.readConfiguration(), ctx.base.cluster.name, ctx.base.acceptance.upgradeTo);
      } catch (e) {
        gate = `the configuration could not be read (${(e as Error).message})`;
        throw e;
      }
      if (problems.length) {
        gate = 'the configuration check failed first';
        expect.fail(problems.join('\n\n'));
      }
    }),
  );

  /** Why a case may not start, or undefined. */
  const holdBack = (impairsNode: boolean): string | undefined => {
    const stopped = ctx.stopped();
    if (gate !== undefined || stopped !== undefined) return gate ?? stopped;
    if (bail === 'first-failure' && failedFirst !== undefined) return `--bail, and ${failedFirst} failed first`;
    if (bail === 'impairing' && impairsNode && impairedAndFailed !== undefined) {
      return `${impairedAndFailed} failed first; on a real cluster the suite impairs no further node after a drain or a kill failed (--no-bail to go on)`;
    }
    return undefined;
  };

  /** One case per generated run, each on its own: one failing run does not hide the others, unless the suite bails. */
  const runSpec = (name: SpecName, experiments: Experiment[], o: { backHome: boolean; impairsNode: boolean }): void => {
    const s = specSuite(name);
    for (const experiment of experiments) {
      const test = new Mocha.Test(subjectOf(experiment), async function (this: Mocha.Context) {
        const why = holdBack(o.impairsNode);
        if (why !== undefined) {
          notAttempted.set(this.test!, `not attempted: ${why}`);
          this.skip();
        }
        const run = await ctx.run(experiment);
        const problems: string[] = [];
        // A drain that failed as the cluster would (no node has memory for a VM) passes the models, but the node
        // could not be drained: what this spec asks
        const drains = await drainFailures(run.tracePath, ctx.base.cluster);
        if (drains.length) problems.push(`${experiment.title}: ${drains.join('\n')}\n  trace: ${run.tracePath}`);
        if (run.result.verdict !== 'pass') problems.push(explainRun(experiment, run));
        else if (o.backHome) {
          const away = await vmsAway(run.tracePath);
          if (away.length) problems.push(`${experiment.title}: VMs not back on their node at the end: ${away.join(', ')}\n  trace: ${run.tracePath}`);
        }
        if (problems.length) {
          failedFirst ??= experiment.title;
          if (o.impairsNode) impairedAndFailed ??= experiment.title;
          expect.fail(problems.join('\n\n'));
        }
      });
      runs.set(test, experiment);
      s.addTest(test);
    }
  };
  const vmsAway = async (tracePath: string): Promise<string[]> => {
    const owners = await finalOwners(tracePath);
    return ctx.base.cluster.vms
      .filter((vm) => owners.get(vm.name) !== vm.owner)
      .map((vm) => `${vm.name} on ${owners.get(vm.name) ?? 'nowhere seen'} (its node: ${vm.owner})`);
  };

  // a drain pauses its node and a kill isolates it: both impair a node; a live migration impairs none
  if (ctx.plan.specs.includes('drains')) runSpec('drains', ctx.plan.drains, { backHome: true, impairsNode: true });
  if (ctx.plan.specs.includes('migrations')) runSpec('migrations', ctx.plan.migrations, { backHome: true, impairsNode: false });
  if (ctx.plan.specs.includes('resiliency')) runSpec('resiliency', ctx.plan.resiliency, { backHome: false, impairsNode: true });
  return { suite, notAttempted, runs };
}

/** Why a run did not pass, in the checker's words, with where its trace is. */
function explainRun(experiment: Experiment, run: AcceptanceRun): string {
  const { result } = run;
  const lines = [`${experiment.title}: ${result.verdict} — ${result.reason}`];
  for (const v of result.violations.slice(0, 5)) lines.push(`  ${v.rule} on ${v.entity}: ${v.message}`);
  if (result.violations.length > 5) lines.push(`  … and ${result.violations.length - 5} more violations`);
  for (const u of result.unknowns.slice(0, 3)) lines.push(`  unknown: ${u}`);
  lines.push(`  trace: ${run.tracePath}`);
  return lines.join('\n');
}

/** Where each VM was last seen in the trace (its group's owner in the last observation). */
async function finalOwners(tracePath: string): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for await (const { record } of readTrace(tracePath)) {
    if (record.type === 'observe' && record.entity.startsWith('vm/')) owners.set(record.entity.slice(3), (record.state as VmObservation).OwnerNode);
  }
  return owners;
}
