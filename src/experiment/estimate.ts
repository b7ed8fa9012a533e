/**
 * What a run will cost before it starts: how long it lasts on its own clock, how often it polls, how much
 * trace it writes. A valid experiment can still ask for a billion iterations (2.4 TB of trace, days of a real
 * cluster); `planProblems` says so at the line that asks, and the run goes ahead only with
 * `--allow-large-plan`. The figures come from measured averages: the estimated trace of every shipped
 * experiment was within 6 % of the one the simulator wrote (live-migration-soak with 300 iterations), and
 * test/experiment/estimate.test.ts holds the flagship's within 10 %.
 */
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Problem } from './errors.js';
import { MIGRATION_POLICIES } from '../faults/live-migrate.js';
import type { Experiment, Step, Written } from './types.js';
import { methodUnits, planMethod } from './method.js';

/** Where the run goes: the simulator, whose clock is virtual, or a real cluster (`--target powershell`). */
export type PlanTarget = 'sim' | 'powershell';

/** The flag that lets a run past the limits below. */
export const ALLOW_LARGE_PLAN_FLAG = '--allow-large-plan';

/**
 * Bytes of one `observe` line, measured on traces the simulator writes (`clusterchaos run
 * experiments/compute-resiliency.yaml`: 1,116 lines, 120 bytes a node and 165 a VM on average, 150 over all;
 * live-migration-soak: 152 over all). A VM's state has more fields than a node's.
 */
export const NODE_LINE_BYTES = 120;
export const VM_LINE_BYTES = 165;
/**
 * Bytes a fault step adds each time it runs: an invoke line and its completion for the injection and for the
 * revert (112–146 bytes each, 384 for a live migration's `ok` with its timings) and the Windows events it
 * provokes (~300 bytes each). Measured: 530 bytes of op lines and 276 of events per soak migration.
 */
export const FAULT_STEP_BYTES = 800;
/** A soak's checkpoint line after each iteration (84 bytes measured). */
export const CHECKPOINT_BYTES = 85;
/** The header (cluster description, settings, replay command; 2–3 KB measured) and footer, besides what grows with the cluster. */
const HEADER_BYTES = 1500;
const HEADER_BYTES_PER_ENTITY = 150;

/**
 * The least one live migration by policy takes on the run's clock: the simulator's timing model charges 2 s of
 * setup and 2 s of clean-up around the memory copy (lab-observations §2), and a real migration takes longer.
 */
const LIVE_MIGRATION_MS = 4000;
/**
 * The least one round trip to a real cluster takes (an injection, a revert, a poll): 0.1–1 s measured; the
 * rehearsal lab's poll of 4 nodes and 8 VMs took 163 ms. On the simulator the clock does not move for them.
 */
const REMOTE_CALL_MS = 100;

/** The largest trace a simulated run writes without the flag: a minute of writing, longer to check; the soak of 20,000 live migrations writes about 50 MB. */
export const MAX_SIM_TRACE_BYTES = 1024 ** 3;
/** The longest run on a real cluster without the flag: a day is already more than a lab leaves unattended. */
export const MAX_REAL_RUN_MS = 24 * 3_600_000;

export interface PlanEstimate {
  file: string;
  target: PlanTarget;
  /** How many times the method runs: 1, a soak's iterations, or as many as its duration holds at the least; Infinity: without end. */
  iterations: number;
  /** The least time one run of the method takes on the run's clock, in ms. */
  iterationMs: number;
  /** The run's length on its own clock, ms: the method's waits (and its live migrations at the least) times the iterations, or the soak's duration. */
  clockMs: number;
  /** Polls of every node and VM: during the waits and the steps (at the least), one after each soak iteration, and the steady state's before and after. */
  polls: number;
  /** Nodes and VMs each poll observes. */
  entities: number;
  /** About how many bytes trace.ndjson will hold. */
  traceBytes: number;
  /** The value to change to make the plan smaller: the soak's iterations or duration, or the longest wait; where it was written. */
  cause: { path: string; at: Written };
}

/** Estimate `experiment`'s run on `target`. */
export function estimatePlan(experiment: Experiment, target: PlanTarget = 'sim'): PlanEstimate {
  const { cluster, method, observe, soak } = experiment;
  const intervalMs = Math.max(1, observe.intervalMs);
  const nodes = cluster.nodes.length;
  const vms = cluster.vms.length;
  const pollBytes = nodes * NODE_LINE_BYTES + vms * VM_LINE_BYTES;

  // each step's least time on the run's clock: its wait, a migration by policy, a round trip to a real cluster
  const byPolicy = (step: Step): boolean =>
    step.kind === 'fault' && step.fault === 'live-migrate' && typeof step.params.to === 'string' && (MIGRATION_POLICIES as readonly string[]).includes(step.params.to);
  const stepMs = (step: Step): number =>
    step.kind === 'wait' ? step.ms : (byPolicy(step) ? LIVE_MIGRATION_MS : 0) + (target === 'powershell' ? 2 * REMOTE_CALL_MS : 0);
  let faults = 0;
  let waitPolls = 0;
  // the cluster is polled every interval throughout: during a wait, and while a step or a parallel block runs
  // (a block lasts as long as its longest branch)
  for (const unit of methodUnits(method)) {
    const steps = unit.kind === 'step' ? [unit.step] : unit.branches.flat().map((s) => s.step);
    faults += steps.filter((s) => s.kind === 'fault').length;
    const unitMs = unit.kind === 'step' ? stepMs(unit.step) : Math.max(0, ...unit.branches.map((b) => b.reduce((t, s) => t + stepMs(s.step), 0)));
    waitPolls += unit.kind === 'step' && unit.step.kind === 'wait' ? Math.ceil(unitMs / intervalMs) : Math.floor(unitMs / intervalMs);
  }
  const soakPolls = soak ? 1 : 0;
  const iterationMs = planMethod(method, stepMs).lengthMs + (target === 'powershell' ? soakPolls * REMOTE_CALL_MS : 0);

  let iterations = 1;
  if (soak?.iterations !== undefined) iterations = soak.iterations;
  else if (soak?.durationMs !== undefined) iterations = iterationMs > 0 ? Math.max(1, Math.ceil(soak.durationMs / iterationMs)) : Infinity;
  const clockMs = soak?.durationMs !== undefined ? soak.durationMs : iterations * iterationMs;
  // the steady state before and after: one poll each when the cluster is whole, as it should be
  const polls = 2 + iterations * (waitPolls + soakPolls);
  const traceBytes =
    HEADER_BYTES + HEADER_BYTES_PER_ENTITY * (nodes + vms) + polls * pollBytes + iterations * (faults * FAULT_STEP_BYTES + (soak ? CHECKPOINT_BYTES : 0));

  const { path = '', ...at } = experiment.planAt ?? {};
  return { file: experiment.file, target, iterations, iterationMs, clockMs, polls, entities: nodes + vms, traceBytes, cause: { path, at } };
}

export interface PlanLimits {
  /** Bytes free to this user on the file system the results go to (`freeBytesFor`); undefined when not known. */
  freeBytes?: number;
  /** `--allow-large-plan`: go ahead past the limits (never past a plan without end). */
  allowLargePlan?: boolean;
}

/**
 * What is wrong with a plan of this size: a trace larger than the free space, a simulated trace over
 * MAX_SIM_TRACE_BYTES, a real run longer than MAX_REAL_RUN_MS. Each is a Problem at the value that makes
 * the plan large; `--allow-large-plan` lets the run go ahead anyway (a soak that stops at its first
 * anomaly may write far less). A plan without end is refused with or without the flag.
 */
export function planProblems(estimate: PlanEstimate, limits: PlanLimits = {}): Problem[] {
  const { cause } = estimate;
  const at = { file: estimate.file, path: cause.path, ...cause.at };
  const what = estimateText(estimate);
  const smaller =
    cause.path === 'iterations' || cause.path === 'duration'
      ? `Lower ${cause.path}, or wait or observe less in each iteration`
      : 'Wait for less time, or observe less often (observe.interval)';
  if (!Number.isFinite(estimate.iterations)) {
    return [
      {
        ...at,
        expected: 'a plan that ends: a method that moves the clock in a soak by duration',
        found: 'a method that takes no time, repeated without end',
        hint: 'Add a wait step to the method, or give iterations instead of duration.',
      },
    ];
  }
  if (limits.allowLargePlan) return [];
  const out: Problem[] = [];
  const anyway = `or run it anyway with ${ALLOW_LARGE_PLAN_FLAG}`;
  if (limits.freeBytes !== undefined && estimate.traceBytes > limits.freeBytes) {
    out.push({
      ...at,
      expected: `a plan whose trace fits in the ${bytes(limits.freeBytes)} free where the results go`,
      found: what,
      hint: `${smaller}; free some space or write the results elsewhere (--out); ${anyway} (a soak that stops at its first anomaly may write far less).`,
    });
  }
  if (estimate.target === 'sim' && estimate.traceBytes > MAX_SIM_TRACE_BYTES) {
    out.push({
      ...at,
      expected: `a simulated run whose trace is at most ${bytes(MAX_SIM_TRACE_BYTES)}`,
      found: what,
      hint: `${smaller}; ${anyway}.`,
    });
  }
  if (estimate.target === 'powershell' && estimate.clockMs > MAX_REAL_RUN_MS) {
    out.push({
      ...at,
      expected: `a run of at most ${duration(MAX_REAL_RUN_MS)} on a real cluster`,
      found: what,
      hint: `${smaller}; ${anyway}, if the cluster may be faulted that long unattended.`,
    });
  }
  return out;
}

/**
 * The estimate in words, for a dry run and for messages: `a run of at least 13 h on its clock (12,000 iterations of
 * at least 4 s, 12,002 polls of 10 nodes and VMs) and a trace of about 27 MiB`.
 */
export function estimateText(e: PlanEstimate): string {
  const times = e.iterations === 1 ? '' : `${count(e.iterations)} iterations of at least ${duration(e.iterationMs)}, `;
  return `a run of at least ${duration(e.clockMs)} on its clock (${times}${count(e.polls)} polls of ${e.entities} nodes and VMs) and a trace of about ${bytes(e.traceBytes)}`;
}

/**
 * Bytes free to this user on the file system that will hold `outDir` (its nearest existing ancestor: the
 * folder is made later); undefined when the file system cannot say.
 */
export function freeBytesFor(outDir: string): number | undefined {
  let dir = resolve(outDir);
  for (;;) {
    try {
      const s = statfsSync(dir);
      // a file system with no blocks at all (/proc, /sys) keeps no files: whether the folder can be made there is
      // for the output folder's own check (exit 4) to say, not a question of room
      return s.blocks === 0 ? undefined : s.bavail * s.bsize;
    } catch (e) {
      const parent = dirname(dir);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) return undefined;
      dir = parent;
    }
  }
}

function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'endless';
}

/** `950 bytes`, `170.1 KiB`, `2.2 TiB` */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return 'no end';
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  if (n < 1024) return `${Math.round(n)} bytes`;
  let v = n;
  let unit = '';
  for (const u of units) {
    v /= 1024;
    unit = u;
    if (v < 1024) break;
  }
  return `${v < 10 ? Math.round(v * 10) / 10 : Math.round(v).toLocaleString('en-US')} ${unit}`;
}

/** `90 s`, `12 min`, `31 h`, `2.4 days`, `120 years` */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return 'no end';
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 3 * 86_400) return `${Math.round(s / 3600)} h`;
  if (s < 2 * 31_557_600) return `${Math.round((s / 86_400) * 10) / 10} days`;
  return `${Math.round(s / 31_557_600).toLocaleString('en-US')} years`;
}
