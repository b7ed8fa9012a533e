/**
 * A campaign's answer: its verdict (every baseline passes, each defect is caught on every seed by at least one
 * experiment), campaign.json and junit.xml (one test case per run), and which runs keep their evidence.
 */
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import { printable } from '../report/escape.js';
import { writeWholeSync } from '../trace/output.js';
import type { Campaign, CampaignResult, Keep, RunRecord, RunSpec, RunTarget, Verdict } from './types.js';

/** Whether a run's folder is kept: every run's, failing and unknown runs', or only runs that surprise. */
export function keepEvidence(keep: Keep, spec: RunSpec, verdict: Verdict): boolean {
  if (keep === 'all') return true;
  if (verdict === 'unknown') return true;
  if (keep === 'failing') return verdict === 'fail';
  // unexpected: a baseline not passing. A defect run that passes is no surprise (most experiments do not exercise a
  // given defect); a defect missed by every experiment is shown by its runs' replay commands, its evidence being passes.
  return spec.defect === null && verdict !== 'pass';
}

/** `sim`, or the cluster's name (`HVCLUSTER01 (rehearsal)`). */
export function targetName(t: RunTarget): string {
  return t.kind === 'sim' ? 'sim' : `${t.cluster}${t.rehearse ? ' (rehearsal)' : ''}`;
}

/** `ResiliencyDefaultPeriod=30 simulator.scmRestartDelay=5s`, or '' without a grid. */
export function cellName(cell: Record<string, string>): string {
  return Object.entries(cell)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** A defect on one seed, in one grid cell, on one target: caught when one experiment's run of it failed. */
interface DefectSeed {
  defect: string;
  cell: Record<string, string>;
  target: RunTarget;
  /** null when the campaign names no seeds: each experiment ran with its own, so its runs are judged together. */
  seed: number | null;
  runs: RunRecord[];
}

function seedKey(c: Campaign, spec: RunSpec): string {
  return JSON.stringify([spec.defect, cellName(spec.cell), targetName(spec.target), c.seeds.length ? spec.seed : null]);
}

function defectSeeds(c: Campaign, runs: RunRecord[]): DefectSeed[] {
  const groups = new Map<string, DefectSeed>();
  for (const r of runs) {
    const { defect, cell, target } = r.spec;
    if (defect === null) continue;
    const seed = c.seeds.length ? r.spec.seed : null;
    const key = seedKey(c, r.spec);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { defect, cell, target, seed, runs: [] }));
    g.runs.push(r);
  }
  return [...groups.values()];
}

/** The (defect, seed, cell, target) combinations every run of which ran and passed: the defect went unnoticed there. */
export function missedDefects(c: Campaign, runs: RunRecord[]): DefectSeed[] {
  return defectSeeds(c, runs).filter((g) => g.runs.length === c.experiments.filter((e) => (e.defects ?? c.defects).includes(g.defect)).length && g.runs.every((r) => r.verdict === 'pass'));
}

function planned(c: Campaign): number {
  const cells = c.grid.reduce((n, axis) => n * axis.values.length, 1);
  // no seeds in the campaign: each experiment runs once, with its own
  return c.experiments.reduce((n, e) => n + (e.defects ?? c.defects).length, 0) * Math.max(1, c.seeds.length) * cells * c.targets.length;
}

function seedList(seeds: number[]): string {
  return seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(', ')}`;
}

function where(g: Pick<DefectSeed, 'cell' | 'target'>, c: Campaign): string {
  const cell = cellName(g.cell);
  const target = c.targets.length > 1 || g.target.kind !== 'sim' ? ` on ${targetName(g.target)}` : '';
  return `${cell ? ` with ${cell}` : ''}${target}`;
}

/**
 * The rule: every run without a defect must pass; each defect must be caught (a `fail`) on every seed — per grid
 * cell and target — by at least one experiment. A baseline that did not pass, or a defect not caught on some seed,
 * fails the campaign (naming the runs, the defect and the seeds); otherwise an unknown run, or runs that never
 * ran (the campaign was stopped), make it unknown.
 */
export function campaignVerdict(c: Campaign, runs: RunRecord[]): { verdict: Verdict; reason: string } {
  const failing: string[] = [];
  const badBaselines = runs.filter((r) => r.spec.defect === null && r.verdict === 'fail');
  if (badBaselines.length) {
    const named = badBaselines.slice(0, 3).map((r) => `${r.spec.experiment} seed ${r.spec.seed}${where(r.spec, c)}: ${r.reason}`);
    failing.push(`${badBaselines.length} run${badBaselines.length > 1 ? 's' : ''} without a defect failed (${named.join('; ')}${badBaselines.length > 3 ? '; …' : ''})`);
  }
  // one sentence per defect and cell/target: the seeds it went unnoticed on
  const missed = new Map<string, { g: DefectSeed; seeds: number[] }>();
  for (const g of missedDefects(c, runs)) {
    const key = JSON.stringify([g.defect, cellName(g.cell), targetName(g.target)]);
    const m = missed.get(key) ?? { g, seeds: [] };
    if (g.seed !== null) m.seeds.push(g.seed);
    missed.set(key, m);
  }
  for (const { g, seeds } of missed.values()) {
    const on = seeds.length ? seedList(seeds.sort((a, b) => a - b)) : "each experiment's own seed";
    failing.push(`defect ${g.defect} caught by no experiment on ${on}${where(g, c)}`);
  }
  // a verdict line, not a list: the report and campaign.json name every one
  if (failing.length) return { verdict: 'fail', reason: failing.slice(0, 5).join('; ') + (failing.length > 5 ? `; and ${failing.length - 5} more` : '') };

  const unknown = runs.filter((r) => r.verdict === 'unknown');
  if (unknown.length) {
    const first = unknown[0]!;
    return { verdict: 'unknown', reason: `${unknown.length} of ${runs.length} runs ended unknown; first: ${first.spec.key}: ${first.reason}` };
  }
  const all = planned(c);
  if (runs.length < all) return { verdict: 'unknown', reason: `only ${runs.length} of the ${all} planned runs ran; nothing failed in them` };
  const defects = c.defects.filter((d) => d !== null).length;
  const baselines = runs.filter((r) => r.spec.defect === null).length;
  const said = [
    baselines ? `all ${baselines} runs without a defect passed` : '',
    defects ? `${defects === 1 ? 'the defect was' : `each of the ${defects} defects was`} caught on every seed (${c.seeds.length ? seedList(c.seeds) : "each experiment's own"})` : '',
  ].filter(Boolean);
  return { verdict: 'pass', reason: `${runs.length} runs: ${said.join('; ')}` };
}

/** What a run's test case says went wrong, or undefined when the run did what was expected of it. */
function problemOf(c: Campaign, r: RunRecord, missedSeeds: Set<string>): { kind: 'failure' | 'error'; message: string; text: string } | undefined {
  const violations = r.violations.map((v) => `${v.rule} ${v.entity}: ${v.message}`).join('\n');
  if (r.verdict === 'unknown') return { kind: 'error', message: r.reason, text: r.reason };
  if (r.spec.defect === null) {
    return r.verdict === 'pass' ? undefined : { kind: 'failure', message: r.reason, text: violations || r.reason };
  }
  if (!missedSeeds.has(seedKey(c, r.spec))) return undefined;
  const message = `defect ${r.spec.defect} was caught by no experiment on ${c.seeds.length ? `seed ${r.spec.seed}` : "each experiment's own seed"}: this run passed (${r.reason})`;
  return { kind: 'failure', message, text: message };
}

/** junit.xml: one test case per run, `<experiment>.<defect|baseline>` / `seed N <cell> <target>`, the replay command in its output. */
export function campaignJunit(r: CampaignResult): string {
  const missed = new Set(missedDefects(r.campaign, r.runs).flatMap((g) => g.runs.map((run) => seedKey(r.campaign, run.spec))));
  const cases = r.runs.map((run) => ({ run, problem: problemOf(r.campaign, run, missed) }));
  const failures = cases.filter((c) => c.problem?.kind === 'failure').length;
  const errors = cases.filter((c) => c.problem?.kind === 'error').length;
  const time = secs(Date.parse(r.finishedAt) - Date.parse(r.startedAt));
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const suites = doc.ele('testsuites', { name: 'clusterchaos campaign', tests: cases.length, failures, errors, time });
  const suite = suites.ele('testsuite', { name: printable(r.campaign.name), tests: cases.length, failures, errors, skipped: 0, time, timestamp: printable(r.startedAt) });
  const props = suite.ele('properties');
  const property = (name: string, value: string | number): void => void props.ele('property', { name, value: printable(String(value)) });
  property('campaign.file', r.campaign.file);
  property('seeds', r.campaign.seeds.join(','));
  property('planned', r.planned);
  property('via', r.via.kind + (r.via.workers !== undefined ? ` (${r.via.workers} workers)` : '') + (r.via.queue ? ` ${r.via.queue}` : ''));
  if (r.stopped) property('stopped', r.stopped);
  for (const { run, problem } of cases) {
    const { spec } = run;
    const name = ['seed', String(spec.seed), cellName(spec.cell), targetName(spec.target)].filter(Boolean).join(' ');
    const tc = suite.ele('testcase', { classname: printable(`${spec.experiment}.${spec.defect ?? 'baseline'}`), name: printable(name), time: secs(run.ran.wallMs) });
    if (problem) tc.ele(problem.kind, { message: printable(problem.message), type: problem.kind === 'error' ? 'unknown' : spec.defect === null ? 'baseline' : 'defect-missed' }).txt(printable(problem.text));
    tc.ele('system-out').txt(printable(`verdict: ${run.verdict} — ${run.reason}\nreplay: ${run.replay}${run.evidence ? `\nevidence: ${run.evidence}` : ''}`));
  }
  suite.ele('system-out').txt(printable(`verdict: ${r.verdict} — ${r.reason}`));
  return doc.end({ prettyPrint: true });
}

/** Write campaign.json (pretty-printed) and junit.xml into `outDir`; returns their paths. */
export function writeCampaignResults(outDir: string, r: CampaignResult): { json: string; junit: string } {
  const json = join(outDir, 'campaign.json');
  const junit = join(outDir, 'junit.xml');
  writeWholeSync(json, JSON.stringify(r, null, 2) + '\n');
  writeWholeSync(junit, campaignJunit(r));
  return { json, junit };
}

function secs(ms: number): string {
  return (Math.max(0, ms || 0) / 1000).toFixed(3);
}
