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

/** One generated experiment, run and checked against the models (src/cli/run-experiment's runExperiment). */
export interface AcceptanceRun {
  result: CheckResult;
  tracePath: string;
}

/** What the specs need from their caller: the cluster, a way to read its configuration and to run an experiment. */
export interface AcceptanceContext {
  /** The experiment the suite was started with (its cluster: nodes, VMs and their homes). */
  base: Experiment;
  plan: AcceptancePlan;
  readConfiguration(): Promise<ClusterConfiguration>;
  run(experiment: Experiment): Promise<AcceptanceRun>;
  /** Why no further run may start (Ctrl-C), or undefined. The run in progress stops and reverts by itself. */
  stopped(): string | undefined;
}

/** The specs, in the order they run: one test case each. */
export const SPEC_TITLES: Record<SpecName, string> = {
  configuration: 'the configuration is sound',
  drains: 'every node drains and resumes with its VMs back',
  migrations: 'every VM live-migrates to every node',
  resiliency: 'Compute Resiliency holds, one node at a time',
};

/** The specs that were not attempted, by title, with the reason (the configuration check failed first). */
export type NotAttempted = Map<string, string>;

/**
 * Register the pre-upgrade acceptance suite under `parent` (mocha's programmatic API: Suite.create and Test,
 * as `describe` and `it` would). The configuration spec runs first; when it fails, the others are not
 * attempted (they are skipped, and `notAttempted` says why): draining a cluster that cannot live-migrate
 * would only leave nodes Paused.
 */
export function addAcceptanceSuite(parent: Mocha.Suite, ctx: AcceptanceContext): { suite: Mocha.Suite; notAttempted: NotAttempted } {
  const suite = Mocha.Suite.create(parent, `pre-upgrade acceptance of ${ctx.base.cluster.name}`);
  suite.timeout(0);
  const notAttempted: NotAttempted = new Map();
  let gate: string | undefined;

  if (ctx.plan.specs.includes('configuration')) suite.addTest(
    new Mocha.Test(SPEC_TITLES.configuration, async () => {
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

  /** Each experiment in turn, each on its own (one failing run does not hide the others); the spec fails with every problem. */
  const runSpec = (title: string, experiments: Experiment[], backHome: boolean): void => {
    suite.addTest(
      new Mocha.Test(title, async function (this: Mocha.Context) {
        const stopped = ctx.stopped();
        if (gate !== undefined || stopped !== undefined) {
          notAttempted.set(title, `not attempted: ${gate ?? stopped}`);
          this.skip();
        }
        const problems: string[] = [];
        for (const experiment of experiments) {
          const halt = ctx.stopped();
          if (halt !== undefined) {
            problems.push(`${experiment.title}: not run (${halt})`);
            continue;
          }
          const run = await ctx.run(experiment);
          // A drain that failed as the cluster would (no node has memory for a VM) passes the models, but the node
          // could not be drained: what this spec asks
          const drains = await drainFailures(run.tracePath, ctx.base.cluster);
          if (drains.length) problems.push(`${experiment.title}: ${drains.join('\n')}\n  trace: ${run.tracePath}`);
          if (run.result.verdict !== 'pass') problems.push(explainRun(experiment, run));
          else if (backHome) {
            const away = await vmsAway(run.tracePath);
            if (away.length) problems.push(`${experiment.title}: VMs not back on their node at the end: ${away.join(', ')}\n  trace: ${run.tracePath}`);
          }
        }
        if (problems.length) expect.fail(problems.join('\n\n'));
      }),
    );
  };
  const vmsAway = async (tracePath: string): Promise<string[]> => {
    const owners = await finalOwners(tracePath);
    return ctx.base.cluster.vms
      .filter((vm) => owners.get(vm.name) !== vm.owner)
      .map((vm) => `${vm.name} on ${owners.get(vm.name) ?? 'nowhere seen'} (its node: ${vm.owner})`);
  };

  if (ctx.plan.specs.includes('drains')) runSpec(SPEC_TITLES.drains, ctx.plan.drains, true);
  if (ctx.plan.specs.includes('migrations')) runSpec(SPEC_TITLES.migrations, ctx.plan.migrations, true);
  if (ctx.plan.specs.includes('resiliency')) runSpec(SPEC_TITLES.resiliency, ctx.plan.resiliency, false);
  return { suite, notAttempted };
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
