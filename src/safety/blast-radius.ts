/**
 * The blast-radius guard: refuse a plan before anything runs when it could take down more of the cluster
 * than an experiment should. It reads the plan only (the method, the waits between its steps, the
 * experiment's settings), so a dry run refuses exactly what a real run would.
 *
 * - quorum (every target): at no moment of the plan may the nodes (and the witness) impaired together cost the
 *   cluster a majority of its votes, counted as the cluster counts them (votes.ts below: a witness, dynamic
 *   quorum, paused nodes voting, heals honoured);
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
import type { WitnessDescription } from '../trace/records.js';
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
  'power-on-node': ['power-off-node'],
};
/**
 * Faults that take the node out on purpose, in order: its clussvc stops gracefully (Stop-ClusterNode; an OS
 * restart shuts the service down). With dynamic quorum the node's vote is taken away before it leaves, so
 * such a loss alone never costs quorum while another node stays [MS-QUORUM].
 */
const GRACEFUL = new Set(['stop-node', 'restart-node']);
/** A host powered on boots before its clussvc starts: the power-off it heals ends only then. */
const BOOTS = new Set(['power-on-node']);
/** Faults that impair their node only while their own step runs: the runner waits for the node to come back. */
const DURING_STEP_ONLY = new Set(['restart-node']);
/** Faults that heal by themselves after their `duration` parameter (ms). */
const HEALS_AFTER_DURATION = new Set(['isolate-network', 'fail-witness']);
/** Faults that take the quorum witness away (every node loses its access to it). */
const WITNESS_FAULTS = new Set(['fail-witness']);
/**
 * Faults whose node keeps its vote: Suspend-ClusterNode leaves the node a member of the cluster that takes no
 * roles [PSDOC-SUSP] (heartbeats, votes and CSV access go on, windows-cluster-facts §1.2); only a node that
 * leaves membership (stopped, crashed, cut off, powered off, restarting) loses its vote [MS-QUORUM].
 */
const KEEPS_VOTE = new Set(['drain-node', 'power-on-node']);
/** How long a host may take to boot when the experiment does not say (its simulator.hostBoot's default upper bound). */
const DEFAULT_HOST_BOOT_MS = 180_000;

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
  const quorum = quorumProblem(experiment, timeline, options);
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

/**
 * One fault step placed on the method's clock (ms from the method's start; faults take no time in the plan).
 * Its impairment is the interval from its step's start (`index`, `t`) to its heal: `healedBy` (a later step on
 * the same node, from that step on), `until` (a duration ran out) or the method's end (the runner reverts it);
 * `duringStepOnly`: its own step only. Steps started together (a parallel block) share `index` and `t`.
 */
export interface PlannedFault {
  step: FaultStep;
  /** The method's step it starts with (steps of one parallel block share it). */
  index: number;
  /** When that step starts (ms from the method's start). */
  t: number;
  /** Nodes it impairs (fault.impairs), restricted to the cluster's. */
  impairs: string[];
  /** When the impairment ends by itself (a duration); Infinity: not by itself. */
  until: number;
  /** The step that heals it (start-node after kill-clussvc, …): healed from that step on, the node back `afterMs` later (a boot). */
  healedBy?: { index: number; t: number; afterMs: number };
  /** It impairs its node only during its own step (restart-node: the runner waits for the node to come back). */
  duringStepOnly: boolean;
  /** It takes the quorum witness away. */
  witness: boolean;
  /** Its nodes keep their votes (a paused node is still a member). */
  keepsVote: boolean;
  /** It takes its node out on purpose (Stop-ClusterNode, an OS restart): with dynamic quorum its vote goes first. */
  graceful: boolean;
}

/** Whether `f` impairs at the start of the step (`index`, `t`): begun at or before it, not yet healed. */
export function activeAt(f: PlannedFault, index: number, t: number): boolean {
  if (f.index > index) return false;
  if (f.index === index) return true;
  if (f.duringStepOnly) return false;
  if (f.healedBy && f.healedBy.index <= index) return false;
  return t < f.until;
}

/** When `f` stops impairing (ms on the method's clock); Infinity: at the method's end. */
export function endOf(f: PlannedFault): number {
  if (f.duringStepOnly) return f.t;
  return Math.min(f.until, f.healedBy ? f.healedBy.t + f.healedBy.afterMs : Infinity);
}

export interface Timeline {
  faults: PlannedFault[];
  /** Length of one pass of the method (the sum of its waits). */
  lengthMs: number;
}

export function planTimeline(experiment: Experiment, catalogue: ReadonlyMap<string, FaultDefinition<any>>): Timeline {
  const nodes = experiment.cluster.nodes;
  const bootMs = experiment.simulator?.hostBootMs?.[1] ?? DEFAULT_HOST_BOOT_MS;
  const canonical = (name: string): string | undefined => nodes.find((n) => n.toLowerCase() === name.toLowerCase());
  let t = 0;
  const out: PlannedFault[] = [];
  // A parallel block: its branches start together at the block's t, each then on its own clock (its waits); its
  // steps share the block's index (they are under way together), and it lasts as long as its longest branch.
  let block: { id: number; index: number; start: number; clocks: Map<number, number> } | undefined;
  const closeBlock = (): void => {
    if (block) t = Math.max(block.start, ...block.clocks.values());
    block = undefined;
  };
  experiment.method.forEach((step, flat) => {
    const inBlock = step.parallel;
    if (!inBlock || (block && block.id !== inBlock.block)) closeBlock();
    if (inBlock && !block) block = { id: inBlock.block, index: flat, start: t, clocks: new Map() };
    const index = block ? block.index : flat;
    const at = block && inBlock ? (block.clocks.get(inBlock.branch) ?? block.start) : t;
    if (step.kind === 'wait') {
      if (block && inBlock) block.clocks.set(inBlock.branch, at + step.ms);
      else t += step.ms;
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
    // (a heal inside a parallel block counts from the block's end: the steps beside it may run before it)
    for (const earlier of out) {
      if (!earlier.healedBy && node !== undefined && earlier.impairs.includes(node) && HEALS[step.fault]?.includes(earlier.step.fault)) {
        earlier.healedBy = { index: block ? index + 0.5 : index, t: at, afterMs: BOOTS.has(step.fault) ? bootMs : 0 };
      }
    }
    const duration = HEALS_AFTER_DURATION.has(step.fault) && typeof step.params.duration === 'number' ? step.params.duration : BOOTS.has(step.fault) ? bootMs : undefined;
    out.push({
      step,
      index,
      t: at,
      impairs,
      until: duration !== undefined ? at + duration : Infinity,
      duringStepOnly: DURING_STEP_ONLY.has(step.fault),
      witness: WITNESS_FAULTS.has(step.fault),
      keepsVote: KEEPS_VOTE.has(step.fault),
      graceful: GRACEFUL.has(step.fault),
    });
  });
  closeBlock();
  return { faults: out, lengthMs: t };
}

function where(experiment: Experiment, f: PlannedFault | undefined): Pick<Problem, 'file' | 'line' | 'path'> {
  // a run generated from the file (clusterchaos accept) is named after it: say which run and which step
  const generated = experiment.name !== parse(experiment.file).name;
  const written = f?.step.parallel ? `method[${f.step.parallel.block}].parallel[${f.step.parallel.branch}]` : `method[${f?.index}]`;
  const step = f ? (generated ? `step ${f.index + 1} (${f.step.fault} ${Object.values(f.step.params).join(' ')})` : written) : 'method';
  return { file: experiment.file, ...(f?.step.line !== undefined ? { line: f.step.line } : {}), path: generated ? `the run ${experiment.name}, ${step}` : step };
}

/**
 * Votes, as the cluster counts them [MS-QUORUM]: each node that is a member has a vote (a paused one too); a
 * witness adds one. The cluster runs while more than half of the votes it counts are present. With
 * DynamicQuorum (its default, [MSDN-DQ]) it takes a leaving node's vote off the count once the node is gone,
 * so nodes lost one at a time may take it down to its last node; with the dynamic witness (2012 R2 and
 * later) the witness votes only when the node votes are even, and a failed witness votes not at all; with an
 * even number of node votes and no witness vote, one node's vote is taken away to keep the total odd. What
 * dynamic quorum cannot survive is the loss of half of the votes or more *at once* [MS-QUORUM].
 *
 * "At once" here: losses less than the time the cluster needs to notice a lost node apart
 * (SameSubnetThreshold × SameSubnetDelay, 10 s by default [ITPRO-HB]); the documentation gives no time for the
 * vote adjustment, so losses that close are counted as one (our reading, on the safe side). The guard is
 * conservative: it assumes the nodes lost held votes, and that a healed node has its vote back only once that
 * same time has passed after the heal.
 */
const DEFAULT_SAME_SUBNET_DELAY_MS = 1000;
const DEFAULT_SAME_SUBNET_THRESHOLD = 10;

const WITNESS_NAMES: Record<WitnessDescription['type'], string> = { disk: 'the disk witness', fileshare: 'the file share witness', cloud: 'the cloud witness' };

interface VoteState {
  up: Set<string>;
  witnessUp: boolean;
}

/** The votes the cluster counts in `state`, and how to say it. */
function countVotes(state: VoteState, witness: WitnessDescription | undefined, dynamic: boolean, nodes: number): { total: number; witnessVotes: boolean; text: string } {
  const name = witness ? WITNESS_NAMES[witness.type] : '';
  if (!dynamic) {
    return { total: nodes + (witness ? 1 : 0), witnessVotes: !!witness, text: `${nodes} node${nodes === 1 ? '' : 's'}${witness ? ` + ${name}` : ''}, DynamicQuorum off: a fixed count` };
  }
  const n = state.up.size;
  const nodesText = `${n} node${n === 1 ? '' : 's'} still members`;
  if (witness && state.witnessUp && n % 2 === 0) return { total: n + 1, witnessVotes: true, text: `${nodesText} + ${name}, which votes while the node votes are even` };
  if (n % 2 === 1 || n === 0) {
    const why = witness ? (state.witnessUp ? `; ${name} holds no vote while the node votes are odd` : `; ${name} failed, it holds no vote`) : '';
    return { total: n, witnessVotes: false, text: `${nodesText}${why}` };
  }
  const why = witness ? `${name} failed, so one node's vote is taken away to keep the total odd` : "no witness, so one node's vote is taken away to keep the total odd";
  return { total: n - 1, witnessVotes: false, text: `${nodesText}, ${why}` };
}

function quorumProblem(experiment: Experiment, timeline: Timeline, options: BlastRadiusOptions): Problem | undefined {
  const { nodes, witness } = experiment.cluster;
  const dynamic = experiment.cluster.dynamicQuorum ?? true;
  const settings = { ...options.clusterSettings, ...experiment.settings };
  const windowMs = (settings.SameSubnetDelay ?? DEFAULT_SAME_SUBNET_DELAY_MS) * (settings.SameSubnetThreshold ?? DEFAULT_SAME_SUBNET_THRESHOLD);
  // Losses and returns of votes, in the plan's order; a return (a heal) counts once the node could have rejoined.
  type Change = { t: number; index: number; kind: 'loss' | 'return'; node?: string; f: PlannedFault };
  const changes: Change[] = [];
  for (const f of timeline.faults) {
    const targets: (string | undefined)[] = [...(f.keepsVote ? [] : f.impairs), ...(f.witness && witness ? [undefined] : [])];
    const end = endOf(f);
    for (const node of targets) {
      changes.push({ t: f.t, index: f.index, kind: 'loss', ...(node !== undefined ? { node } : {}), f });
      // back once it could have rejoined; a restart-node is over (the node back in the cluster) when its step ends
      if (f.duringStepOnly) changes.push({ t: f.t, index: f.index + 0.5, kind: 'return', ...(node !== undefined ? { node } : {}), f });
      else if (end !== Infinity) changes.push({ t: end + windowMs, index: Infinity, kind: 'return', ...(node !== undefined ? { node } : {}), f });
    }
  }
  changes.sort((a, b) => a.t - b.t || a.index - b.index || (a.kind === b.kind ? 0 : a.kind === 'loss' ? -1 : 1));

  const lostBy = new Map<string | undefined, number>();
  const state: VoteState = { up: new Set(nodes), witnessUp: true };
  let group: { baseline: VoteState; last: number; nodes: string[]; witness: boolean; steps: Set<number> } | undefined;
  for (const c of changes) {
    if (group && c.t - group.last >= windowMs) group = undefined; // the cluster has adjusted its votes since
    const key = c.node;
    const count = lostBy.get(key) ?? 0;
    if (c.kind === 'return') {
      lostBy.set(key, count - 1);
      if (count === 1) {
        if (key === undefined) state.witnessUp = true;
        else state.up.add(key);
        group = undefined; // a node (or the witness) is back: the cluster recounts
      }
      continue;
    }
    lostBy.set(key, count + 1);
    if (count > 0) continue; // already lost
    if (!group) group = { baseline: { up: new Set(state.up), witnessUp: state.witnessUp }, last: c.t, nodes: [], witness: false, steps: new Set() };
    group.last = c.t;
    group.steps.add(c.index);
    if (key === undefined) {
      state.witnessUp = false;
      group.witness = true;
    } else {
      state.up.delete(key);
      group.nodes.push(key);
    }
    // what the cluster counts before this group's losses (dynamic), or always (static)
    const votes = countVotes(dynamic ? group.baseline : state, witness, dynamic, nodes.length);
    let lost: number;
    let lostText: string;
    if (dynamic) {
      const nodeVotes = votes.total - (votes.witnessVotes ? 1 : 0);
      const nodeLost = Math.min(group.nodes.filter((n) => group!.baseline.up.has(n)).length, nodeVotes);
      const witnessLost = group.witness && votes.witnessVotes ? 1 : 0;
      lost = nodeLost + witnessLost;
      lostText = `${nodeLost} node vote${nodeLost === 1 ? '' : 's'}${witnessLost ? ' + the witness' : ''}`;
    } else {
      const down = nodes.length - state.up.size;
      const witnessLost = witness && !state.witnessUp ? 1 : 0;
      lost = down + witnessLost;
      lostText = `${down} node vote${down === 1 ? '' : 's'}${witnessLost ? ' + the witness' : ''}`;
    }
    const left = votes.total - lost;
    if (2 * left > votes.total) continue;
    // one node leaving gracefully on its own: its vote is taken away first, the rest keep quorum [MS-QUORUM]
    if (dynamic && c.f.graceful && group.nodes.length === 1 && !group.witness && state.up.size > 0) continue;
    const impaired = dynamic ? [...group.nodes, ...(group.witness ? ['the witness'] : [])] : [...nodes.filter((n) => !state.up.has(n)), ...(witness && !state.witnessUp ? ['the witness'] : [])];
    const together = dynamic && group.steps.size > 1 ? ` (lost within ${windowMs / 1000} s of one another: too close for dynamic quorum to adjust the votes between them)` : '';
    const earlier = dynamic && group.baseline.up.size < nodes.length ? `; ${nodes.filter((n) => !group!.baseline.up.has(n)).join(', ')} already gone and off the count` : '';
    return {
      ...where(experiment, c.f),
      expected: `a plan that keeps more than half of the cluster's votes at every moment (quorum: ${
        dynamic
          ? 'with dynamic quorum the cluster adjusts the votes after a loss, but cannot survive losing half of them or more at once'
          : `DynamicQuorum is off, so more than half of all ${votes.total} votes, whatever left before`
      })`,
      found: `${impaired.join(', ')} impaired at once${together}: ${lostText} = ${lost} of the ${votes.total} votes the cluster counted (${votes.text}${earlier}) lost, ${left} of ${votes.total} left, not more than half`,
      hint:
        'The cluster could lose quorum and go down. Heal each fault before the next (resume-node, start-node, power-on-node, a duration), ' +
        `space the losses more than ${windowMs / 1000} s apart${dynamic ? ' so the cluster adjusts its votes between them' : ' (with dynamicQuorum: true)'}, or give the cluster ${witness ? 'more nodes' : 'a witness or more nodes'}. Nothing was done to any cluster.`,
    };
  }
  return undefined;
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
    for (const g of timeline.faults) if (activeAt(g, f.index, f.t)) for (const node of g.impairs) active.add(node);
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
