/**
 * The method as the runner runs it: a sequence of steps and `parallel:` blocks, whose branches run at once.
 *
 * An experiment's `method` is a flat list of steps in the order written (types.ts); the steps of a block carry
 * `parallel: { block, branch }` and are consecutive. These functions group them back, and say when each step
 * starts on the method's own clock (waits only: a fault takes no time in the plan), for whoever plans ahead
 * (the blast-radius guard, the estimate, the dry runs).
 */
import type { Millis } from '../trace/records.js';
import type { Step } from './types.js';

/** One step and its index in the flat method (`experiment.method[index]`). */
export interface IndexedStep {
  step: Step;
  index: number;
}

/** A step run on its own, or a `parallel:` block: its branches (each a sequence of steps) run at once. */
export type MethodUnit = { kind: 'step'; step: Step; index: number } | { kind: 'parallel'; block: number; line?: number; branches: IndexedStep[][] };

/** Group the flat method into steps and blocks, in order. */
export function methodUnits(method: readonly Step[]): MethodUnit[] {
  const units: MethodUnit[] = [];
  method.forEach((step, index) => {
    const p = step.parallel;
    if (!p) {
      units.push({ kind: 'step', step, index });
      return;
    }
    let last = units[units.length - 1];
    if (!last || last.kind !== 'parallel' || last.block !== p.block) {
      last = { kind: 'parallel', block: p.block, ...(p.line !== undefined ? { line: p.line } : {}), branches: [] };
      units.push(last);
    }
    (last.branches[p.branch] ??= []).push({ step, index });
  });
  // a branch index never written (cannot come from the loader) leaves no hole
  for (const u of units) if (u.kind === 'parallel') u.branches = u.branches.filter((b) => b !== undefined);
  return units;
}

/** One step of the method with when it starts, on the method's clock from its start. */
export interface PlannedStep extends IndexedStep {
  /** Offset from the start of the method (one iteration of a soak): the waits before it, in its branch and before its block. */
  startsAt: Millis;
  /** The block and branch it runs in, if any. */
  block?: number;
  branch?: number;
}

/**
 * Every step with when it starts: a step after a block starts when the block's longest branch ends; the steps
 * of every branch of a block start from the block's start. Faults take no time here (as the blast-radius guard
 * plans), except what `stepMs` says a fault step takes (the estimate's minimum for a live migration).
 */
export function planMethod(method: readonly Step[], stepMs: (step: Step) => Millis = (s) => (s.kind === 'wait' ? s.ms : 0)): { steps: PlannedStep[]; lengthMs: Millis } {
  const steps: PlannedStep[] = [];
  let t = 0;
  for (const unit of methodUnits(method)) {
    if (unit.kind === 'step') {
      steps.push({ step: unit.step, index: unit.index, startsAt: t });
      t += stepMs(unit.step);
      continue;
    }
    let longest = 0;
    unit.branches.forEach((branch, b) => {
      let bt = 0;
      for (const s of branch) {
        steps.push({ ...s, startsAt: t + bt, block: unit.block, branch: b });
        bt += stepMs(s.step);
      }
      longest = Math.max(longest, bt);
    });
    t += longest;
  }
  steps.sort((a, b) => a.index - b.index);
  return { steps, lengthMs: t };
}

/** The process of a step's op lines: `nemesis` / `workload`, or `nemesis:<branch>` in a parallel block (1-based), distinct per branch. */
export function stepProcess(kind: 'nemesis' | 'workload', step: Pick<Step, 'parallel'>): string {
  return step.parallel ? `${kind}:${step.parallel.branch + 1}` : kind;
}
