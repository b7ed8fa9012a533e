/**
 * The blast-radius guard: refuse a plan before anything runs when it could take down more of the cluster
 * than an experiment should. It reads the plan only (the method, the waits between its steps, the
 * experiment's settings), so a dry run refuses exactly what a real run would.
 *
 * - quorum (every target): impairing half the nodes or more could cost the cluster its node majority;
 * - quarantine cap (real clusters): more nodes reaching QuarantineThreshold ungraceful exits within the
 *   quarantine window than the cluster may quarantine at once (max(1, floor(nodes × 25 %))), counting the exits
 *   the cluster already logged before the run (prior-exits.ts);
 * - no quarantine at all (pre-upgrade acceptance): any node reaching QuarantineThreshold;
 * - impaired at once (real clusters): more nodes impaired at the same time than the allowlist's
 *   max-impaired-nodes. A fault impairs its node from its injection until it is healed (isolate-network's
 *   duration; a later start-node or resume-node on that node) or the method ends (when the runner reverts it).
 */
import { parse } from 'node:path';
import { formatProblem, type Problem } from '../experiment/errors.js';
import type { Experiment, FaultStep } from '../experiment/types.js';
import type { FaultDefinition } from '../faults/fault.js';
import type { PriorExit } from './prior-exits.js';

/** Share of the nodes a cluster quarantines at most at once (a fixed rule of the cluster, [SAVILL-479]). */
export const QUARANTINE_CAP_PERCENT = 25;
/** Documented defaults when the experiment does not set them ([PSDOC-GC]). */
const DEFAULT_QUARANTINE_THRESHOLD = 3;
const DEFAULT_QUARANTINE_WINDOW_S = 3600;
/** Faults that end a node's cluster membership ungracefully: they count toward QuarantineThreshold. */
const UNGRACEFUL = new Set(['kill-clussvc', 'isolate-network']);
/** Which later step heals which earlier fault on the same node. */
const HEALS: Record<string, string[]> = {
  'start-node': ['kill-clussvc', 'stop-node'],
  'resume-node': ['drain-node'],
};

export interface BlastRadiusOptions {
  /** The allowlist's max-impaired-nodes; absent: not checked (the simulator). */
  maxImpairedNodes?: number;
  /** Check the quarantine cap (real clusters; the simulator's experiments test the cap on purpose). */
  quarantineCap?: boolean;
  /** Cluster property values known beyond the experiment's (read from the cluster); the experiment's win. */
  clusterSettings?: Record<string, number>;
  /** Ungraceful exits the cluster already counted, per node (read from its event logs): they count too. */
  priorExits?: Record<string, PriorExit[]>;
  /** Refuse a plan that makes any node reach QuarantineThreshold (pre-upgrade acceptance quarantines nothing). */
  noQuarantine?: boolean;
}

/** The plan would do too much: bad input, exit 2, nothing done to any cluster. */
export class BlastRadiusError extends Error {
  override name = 'BlastRadiusError';
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** Throws BlastRadiusError listing every reason the plan is refused. */
export function guardBlastRadius(experiment: Experiment, faults: ReadonlyMap<string, FaultDefinition<any>>, options: BlastRadiusOptions = {}): void {
  const problems = blastRadiusProblems(experiment, faults, options);
  if (problems.length) throw new BlastRadiusError(problems);
}

export function blastRadiusProblems(experiment: Experiment, faults: ReadonlyMap<string, FaultDefinition<any>>, options: BlastRadiusOptions = {}): Problem[] {
  const timeline = planTimeline(experiment, faults);
  const problems: Problem[] = [];
  const quorum = quorumProblem(experiment, timeline);
  if (quorum) problems.push(quorum);
  if (options.quarantineCap || options.noQuarantine) {
    const quarantine = quarantineProblem(experiment, timeline, options);
    if (quarantine) problems.push(quarantine);
  }
  if (options.maxImpairedNodes !== undefined) {
    const atOnce = impairedAtOnceProblem(experiment, timeline, options.maxImpairedNodes);
    if (atOnce) problems.push(atOnce);
  }
  return problems;
}

/** One fault step placed on the method's clock (ms from the method's start; faults take no time in the plan). */
export interface PlannedFault {
  step: FaultStep;
  index: number;
  t: number;
  /** Nodes it impairs (fault.impairs), restricted to the cluster's. */
  impairs: string[];
  /** When the impairment ends (healed); Infinity: when the runner reverts it after the method. */
  until: number;
}

export interface Timeline {
  faults: PlannedFault[];
  /** Length of one pass of the method (the sum of its waits). */
  lengthMs: number;
}

export function planTimeline(experiment: Experiment, catalogue: ReadonlyMap<string, FaultDefinition<any>>): Timeline {
  const nodes = experiment.cluster.nodes;
  const canonical = (name: string): string | undefined => nodes.find((n) => n.toLowerCase() === name.toLowerCase());
  let t = 0;
  const out: PlannedFault[] = [];
  experiment.method.forEach((step, index) => {
    if (step.kind === 'wait') {
      t += step.ms;
      return;
    }
    const fault = catalogue.get(step.fault);
    let impairs: string[] = [];
    try {
      impairs = fault ? fault.impairs(step.params).flatMap((n) => canonical(n) ?? []) : [];
    } catch {
      impairs = [];
    }
    const node = typeof step.params.node === 'string' ? canonical(step.params.node) : undefined;
    // a later step on the same node heals what this one did
    for (const earlier of out) {
      if (earlier.until === Infinity && node !== undefined && earlier.impairs.includes(node) && HEALS[step.fault]?.includes(earlier.step.fault)) earlier.until = t;
    }
    const duration = step.fault === 'isolate-network' && typeof step.params.duration === 'number' ? step.params.duration : undefined;
    out.push({ step, index, t, impairs, until: duration !== undefined ? t + duration : Infinity });
  });
  return { faults: out, lengthMs: t };
}

function where(experiment: Experiment, f: PlannedFault | undefined): Pick<Problem, 'file' | 'line' | 'path'> {
  // a run generated from the file (clusterchaos accept) is named after it: say which run and which step
  const generated = experiment.name !== parse(experiment.file).name;
  const step = f ? (generated ? `step ${f.index + 1} (${f.step.fault} ${Object.values(f.step.params).join(' ')})` : `method[${f.index}]`) : 'method';
  return { file: experiment.file, ...(f?.step.line !== undefined ? { line: f.step.line } : {}), path: generated ? `the run ${experiment.name}, ${step}` : step };
}

function quorumProblem(experiment: Experiment, timeline: Timeline): Problem | undefined {
  const n = experiment.cluster.nodes.length;
  const impaired = new Set<string>();
  let last: PlannedFault | undefined;
  for (const f of timeline.faults) {
    const before = impaired.size;
    for (const node of f.impairs) impaired.add(node);
    if (impaired.size > before) last = f;
  }
  if (!last || n - impaired.size > n / 2) return undefined;
  return {
    ...where(experiment, last),
    expected: `a plan that leaves a majority of the ${n} nodes alone (quorum is a node majority)`,
    found: `${[...impaired].join(', ')} impaired, ${n - impaired.size} of ${n} left`,
    hint: 'The cluster could lose quorum and go down. Impair fewer nodes, or add nodes to the cluster. Nothing was done to any cluster.',
  };
}

/** How many nodes the cluster quarantines at most at once. */
export function quarantineCap(nodes: number): number {
  return Math.max(1, Math.floor((nodes * QUARANTINE_CAP_PERCENT) / 100));
}

/** The first planned exit that brings each node to QuarantineThreshold within the window, with the earlier exits counted. */
function reachingThreshold(experiment: Experiment, timeline: Timeline, threshold: number, windowMs: number, prior: Record<string, PriorExit[]>): Map<string, PlannedFault> {
  const exits = timeline.faults.filter((f) => UNGRACEFUL.has(f.step.fault) && f.impairs.length > 0);
  // The method runs once, or again and again in a soak: unroll as many passes as one window can hold.
  const soak = experiment.soak;
  const passesAsked = soak ? (soak.iterations ?? (timeline.lengthMs > 0 ? Math.ceil(soak.durationMs! / timeline.lengthMs) : Infinity)) : 1;
  const reaching = new Map<string, PlannedFault>();
  for (const node of experiment.cluster.nodes) {
    const own = exits.filter((f) => f.impairs.includes(node));
    if (!own.length) continue;
    const before = (prior[node] ?? []).map((p) => ({ t: p.t, f: undefined }));
    let reached: PlannedFault | undefined;
    if (timeline.lengthMs === 0) {
      // every pass at the same instant: all exits fall in one window, with the earlier ones still in it
      const recent = before.filter((p) => p.t > -windowMs).length;
      if (recent + own.length * passesAsked >= threshold) reached = own[Math.max(0, Math.min(own.length, threshold - recent) - 1)];
    } else {
      const passes = Math.min(passesAsked, Math.ceil(windowMs / timeline.lengthMs) + 1, 100_000);
      const times: { t: number; f: PlannedFault | undefined }[] = [...before];
      for (let k = 0; k < passes; k++) for (const f of own) times.push({ t: k * timeline.lengthMs + f.t, f });
      // the exit that completes `threshold` exits within one window; earlier exits alone quarantined (or not) before the run
      for (let i = 0; i + threshold - 1 < times.length; i++) {
        const last = times[i + threshold - 1]!;
        if (last.f && last.t - times[i]!.t < windowMs) {
          reached = last.f;
          break;
        }
      }
    }
    if (reached) reaching.set(node, reached);
  }
  return reaching;
}

/** What the cluster logged before the run, said for the nodes it matters to. */
function priorText(nodes: Iterable<string>, prior: Record<string, PriorExit[]>, windowMs: number): string {
  const said = [...nodes].flatMap((node) => {
    const recent = (prior[node] ?? []).filter((p) => p.t > -windowMs);
    if (!recent.length) return [];
    return [`${node} already left the cluster ungracefully ${recent.length === 1 ? 'once' : `${recent.length} times`} in the last ${windowMs / 1000} s (event 1135 at ${recent.map((p) => p.time).join(', ')})`];
  });
  return said.length ? `; ${said.join('; ')}` : '';
}

function quarantineProblem(experiment: Experiment, timeline: Timeline, options: BlastRadiusOptions): Problem | undefined {
  const settings = { ...options.clusterSettings, ...experiment.settings };
  const threshold = settings.QuarantineThreshold ?? DEFAULT_QUARANTINE_THRESHOLD;
  if (threshold === 0) return undefined; // 0: the cluster never quarantines [PSDOC-GC]
  const windowMs = (settings.QuarantineWindow ?? DEFAULT_QUARANTINE_WINDOW_S) * 1000;
  const prior = options.priorExits ?? {};
  const reaching = reachingThreshold(experiment, timeline, threshold, windowMs, prior);
  const rule = `QuarantineThreshold (${threshold} ungraceful exits within ${windowMs / 1000} s)`;
  const found = `${[...reaching.keys()].join(', ')} would ${reaching.size === 1 ? '' : 'each '}reach it (kill-clussvc and isolate-network count as ungraceful exits)${priorText(reaching.keys(), prior, windowMs)}`;
  if (options.noQuarantine && reaching.size > 0) {
    const first = [...reaching.values()].sort((a, b) => a.index - b.index)[0];
    return {
      ...where(experiment, first),
      expected: `no node reaching ${rule}: pre-upgrade acceptance must not leave a node quarantined for QuarantineDuration`,
      found,
      hint: 'Wait until the earlier exits are more than the quarantine window old (the times are above), or run the suite on a cluster whose nodes have not crashed in the last window. Nothing was done to any cluster.',
    };
  }
  const cap = quarantineCap(experiment.cluster.nodes.length);
  if (!options.quarantineCap || reaching.size <= cap) return undefined;
  const last = [...reaching.values()].sort((a, b) => a.index - b.index).at(-1);
  return {
    ...where(experiment, last),
    expected: `at most ${cap} node${cap === 1 ? '' : 's'} reaching ${rule}: the cluster quarantines at most max(1, floor(${experiment.cluster.nodes.length} × ${QUARANTINE_CAP_PERCENT} %)) = ${cap} at once`,
    found,
    hint: 'Past the cap the cluster does something undocumented with the next node (Isolated or Down). Crash fewer nodes, space the crashes more than the quarantine window apart, or raise QuarantineThreshold in the experiment. Nothing was done to any cluster.',
  };
}

function impairedAtOnceProblem(experiment: Experiment, timeline: Timeline, max: number): Problem | undefined {
  // At each injection, the nodes whose impairment has begun and not yet ended.
  for (const f of timeline.faults) {
    if (!f.impairs.length) continue;
    const active = new Set<string>();
    for (const g of timeline.faults) {
      if (g.index > f.index) break;
      if (g.index === f.index || g.until > f.t) for (const node of g.impairs) active.add(node);
    }
    if (active.size > max) {
      return {
        ...where(experiment, f),
        expected: `at most ${max} node${max === 1 ? '' : 's'} impaired at once (max-impaired-nodes in the allowlist for ${experiment.cluster.name})`,
        found: `${[...active].join(', ')} impaired at the same time from this step on`,
        hint: 'A fault impairs its node from its injection until it heals (isolate-network after its duration; start-node or resume-node on that node) or the method ends. Heal the first fault before the next, or raise max-impaired-nodes in the allowlist if the cluster can take it. Nothing was done to any cluster.',
      };
    }
  }
  return undefined;
}
