import type { AcceptancePlan, SpecName } from '../acceptance/plan.js';
import { SPEC_TITLES } from '../acceptance/suite.js';
import type { Experiment, Step } from '../experiment/types.js';
import * as scripts from '../targets/powershell/scripts.js';
import type { Consent } from './powershell.js';
import { dryRunLines } from './powershell-dry-run.js';
import { clusterSettingsOf } from '../run/run-experiment.js';

/**
 * `clusterchaos accept --dry-run`: the specs in order, the runs each would make and their steps; with
 * `--target powershell` also the read-only configuration script and, for every run, the exact PowerShell
 * `clusterchaos run --dry-run` would print for it. Nothing is sent anywhere.
 */
export function acceptanceDryRunLines(o: { base: Experiment; plan: AcceptancePlan; target: 'sim' | 'powershell'; consent?: Consent; runId: string; bail?: boolean }): string[] {
  const { base, plan } = o;
  const where = o.target === 'sim' ? `the simulator, seed ${base.seed}` : `the cluster ${base.cluster.name} through PowerShell`;
  const out = [`pre-upgrade acceptance plan for ${base.cluster.name} (${base.file}) on ${where}:`];
  const interval = base.observe.intervalMs / 1000;
  // one line per fault, with the wait after it: "drain-node {...}, then observe 30 s"
  const runLines = (runs: Experiment[]): string[] =>
    runs.flatMap((r) => [
      `    run ${r.name}:`,
      ...r.method.flatMap((s: Step, i) => {
        if (s.kind === 'wait') return r.method[i - 1]?.kind === 'fault' ? [] : [`      observe ${s.ms / 1000} s`];
        const next = r.method[i + 1];
        return [`      ${s.fault} ${JSON.stringify(s.params)}${next?.kind === 'wait' ? `, then observe ${next.ms / 1000} s` : ''}`];
      }),
      `      then wait for the steady state (every node Up, every VM Running), at most ${r.steadyState.timeoutMs / 1000} s`,
    ]);

  const target = base.acceptance.upgradeTo ? ` supported now and by Windows Server ${base.acceptance.upgradeTo}` : '';
  const what: Record<SpecName, string[]> = {
    configuration: [`read-only (SharedStoragePath, live-migration settings of every host, VM configuration versions${target})`],
    drains: [`${plan.drains.length} runs, one node at a time`, ...runLines(plan.drains)],
    migrations: [`${plan.migrations.length} runs, one VM at a time`, ...runLines(plan.migrations)],
    resiliency: [`${plan.resiliency.length} runs, one node at a time`, ...runLines(plan.resiliency)],
  };
  plan.specs.forEach((name, i) => {
    const [first, ...rest] = what[name];
    out.push(`  ${i + 1}. ${SPEC_TITLES[name]}: ${first}`, ...rest);
  });
  out.push(`  Every run observes the cluster every ${interval} s and is checked against the models${plan.specs.includes('configuration') && plan.specs.length > 1 ? '; the others are not attempted when the configuration check fails' : ''}.`);
  if (o.bail === true) out.push('  With --bail, no case starts after the first one that fails.');
  else if (o.bail === undefined && o.target === 'powershell') out.push('  Once a drain or a kill fails, no further node is drained or killed (--no-bail to go on); the live migrations still run.');
  if (o.target === 'sim' || !o.consent) return out;

  if (plan.specs.includes('configuration')) {
    out.push('');
    out.push(`the configuration is read with one read-only script:`);
    out.push(...scripts.readConfiguration({ cluster: base.cluster.name }).split('\n').map((l) => `  ${l}`));
  }
  for (const run of [...plan.drains, ...plan.migrations, ...plan.resiliency]) {
    out.push('');
    out.push(...dryRunLines({ experiment: run, ...o.consent, runId: o.runId, clusterSettings: clusterSettingsOf(run, 'powershell') }));
  }
  return out;
}
