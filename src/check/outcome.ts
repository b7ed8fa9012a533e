import type { FooterRecord, NodeObservation, ObserveRecord, OpRecord, TraceRecord, VmObservation } from '../trace/records.js';
import { deviations } from '../trace/steady-state.js';
import type { QuotedLine, Violation } from './result.js';

/**
 * The run's own outcome judged from the trace (issue 13): whether the steady state came back, whether the run
 * was aborted, whether its reverts worked and its faults took effect. The runner writes each of these as op
 * lines before its footer, so `run` (which checks the trace it has just written, footer to come) and `check`,
 * `report`, the chai plugin and `accept` (which read a stored trace, footer included) judge them by the same
 * rules from the same lines:
 *
 * - the final steady state (`steady-state` with `when: after`): `fail` is a violation; `ok` is one too when
 *   the last observation of any node or VM since its invoke deviates from the steady state (one rule,
 *   src/trace/steady-state.ts), so an edited `ok` cannot pass a node seen Down; a node or VM not observed in it
 *   leaves the claim unchecked: unknown;
 * - no final steady-state check at all: the run never got to the end of its method: unknown;
 * - `abort` (the runner stopped the run: a stop signal, a cluster it could not read, a broken trace): unknown;
 * - a revert (`revert:<fault>`, `restore-…`) that failed or has an unknown outcome: unknown (check the cluster);
 * - a fault refused as not effective (`fail` with `value.notEffective`): unknown (review R4);
 * - a stored trace without its footer: unknown (it may have gone on to show anything); the footer, when there,
 *   is evidence too: a failed steady state, an abort or failed reverts it records count even where the lines
 *   do not show them (a trace written before these rules, or one whose lines were edited).
 */
export interface RunRules {
  /** `required`: a stored trace, which must end with its footer; `to-come`: the trace `run` has just written, footer not yet appended. */
  footer: 'required' | 'to-come';
}

/** Why a trace without its footer is `unknown`: it may have gone on to show anything. */
export const INCOMPLETE_TRACE = 'incomplete trace: it has no footer, so the run did not finish (killed, still running, or the trace was cut short)';

const STEADY = 'every node Up and every VM Running once the experiment is over';

interface FinalCheck {
  phase: OpRecord['phase'];
  error?: string;
  t: number;
  down: string[];
  lines: QuotedLine[];
  /** The last observation of each entity since the check's invoke. */
  seen: Map<string, { state: ObserveRecord['state']; line: QuotedLine }>;
}

export class RunOutcomeRules {
  /** Entities observed since the open `steady-state after` invoke, with their last observation. */
  private open?: { line: QuotedLine; down: string[]; seen: Map<string, { state: ObserveRecord['state']; line: QuotedLine }> };
  private final?: FinalCheck;
  private readonly aborts: string[] = [];
  private readonly reverts: string[] = [];
  private readonly notEffective: string[] = [];
  private footer?: FooterRecord;

  constructor(
    private readonly rules: RunRules,
    /** Every node and VM the header describes: `node/N1`, `vm/sql01`. */
    private readonly entities: readonly string[],
    /** VMs whose Priority is No Auto Start: they may end Off (steady-state.ts). */
    private readonly noAutoStart: readonly string[] = [],
  ) {}

  feed(record: TraceRecord, line: QuotedLine | undefined): void {
    if (record.type === 'observe') {
      this.open?.seen.set(record.entity, { state: record.state, line: line! });
      return;
    }
    if (record.type === 'footer') {
      this.footer = record;
      return;
    }
    if (record.type !== 'op') return;
    this.op(record, line!);
  }

  private op(op: OpRecord, line: QuotedLine): void {
    if (op.f === 'steady-state' && op.process === 'runner' && op.args.when === 'after') {
      const down = Array.isArray(op.args.down) ? op.args.down.map(String) : [];
      if (op.phase === 'invoke') {
        this.open = { line, down, seen: new Map() };
        return;
      }
      this.final = {
        phase: op.phase,
        ...(op.error !== undefined ? { error: op.error } : {}),
        t: op.t,
        down,
        lines: [...(this.open ? [this.open.line] : []), line],
        seen: this.open?.seen ?? new Map(),
      };
      this.open = undefined;
      return;
    }
    if (op.f === 'abort' && op.process === 'runner') {
      if (op.phase === 'invoke') this.aborts.push(typeof op.args.reason === 'string' ? op.args.reason : 'no reason recorded');
      return;
    }
    if (op.phase !== 'fail' && op.phase !== 'info') return;
    if (op.f.startsWith('revert:') || op.f.startsWith('restore-')) {
      this.reverts.push(
        `${op.f} ${argsSaid(op.args)} ${op.phase === 'fail' ? 'failed' : 'has an unknown outcome'}${op.error ? ` (${op.error})` : ''}: check the cluster`,
      );
      return;
    }
    if (op.phase === 'fail' && (op.value as { notEffective?: unknown } | undefined)?.notEffective === true) {
      this.notEffective.push(`fault not effective: ${op.f} ${argsSaid(op.args)}: ${op.error ?? 'it would not have taken effect'}`);
    }
  }

  /**
   * What the run's outcome adds to the models' verdict: violations (appended after the models'), unknowns that
   * explain the verdict before any other (`first`: an incomplete trace, an abort) and the rest (`last`).
   */
  finish(): { violations: Violation[]; first: string[]; last: string[] } {
    const violations: Violation[] = [];
    const first: string[] = [];
    const last: string[] = [];
    const run = this.footer?.run;
    if (this.rules.footer === 'required' && !this.footer) first.push(INCOMPLETE_TRACE);
    for (const reason of this.aborts) first.push(`the run was aborted: ${reason}`);
    if (!this.aborts.length && run?.status === 'aborted') first.push(`the run was aborted: ${run.abortReason ?? 'no reason recorded'}`);
    last.push(...this.notEffective);
    const footerNotEffective = run?.notEffective ?? [];
    if (footerNotEffective.length > this.notEffective.length) {
      last.push(...footerNotEffective.slice(this.notEffective.length).map((f) => `fault not effective (recorded in the footer): ${f}`));
    }
    last.push(...this.reverts);
    const footerReverts = (run?.reverts ?? []).filter((r) => r.outcome !== 'ok');
    if (footerReverts.length > this.reverts.length) {
      for (const r of footerReverts.slice(this.reverts.length)) {
        last.push(`revert ${r.fault} ${r.outcome === 'fail' ? 'failed' : 'has an unknown outcome'} (recorded in the footer): check the cluster`);
      }
    }

    const final = this.final;
    if (final) {
      const shown = this.steadyStateSeen(final);
      if (final.phase === 'fail' || final.phase === 'info') {
        const observed = final.error ?? 'the steady state did not hold';
        violations.push(this.violation(final, observed, `The steady state did not come back within the experiment's steady-state timeout: ${observed}.`, shown.lines));
      } else if (shown.problems.length) {
        const observed = shown.problems.join('; ');
        violations.push(
          this.violation(final, observed, `The runner recorded that the steady state came back, but the last observations before it show otherwise: ${observed}.`, shown.lines),
        );
      } else if (shown.unobserved.length) {
        last.push(`the final steady state was recorded as reached, but ${shown.unobserved.join(', ')} ${shown.unobserved.length === 1 ? 'was' : 'were'} not observed in it, so it was not checked`);
      }
    } else if (!first.length) {
      last.push('the trace has no final steady-state check: the run did not get to the end of its method');
    }
    if (!violations.length && run?.steadyStateAfter && !run.steadyStateAfter.ok) {
      const observed = run.steadyStateAfter.detail;
      violations.push({
        rule: 'steady-state',
        entity: 'cluster',
        expected: STEADY,
        observed,
        t: this.footer!.t,
        message: `The run's footer records that the steady state did not come back: ${observed}.`,
        context: [],
      });
    }
    return { violations, first, last };
  }

  /** The final check's last observations judged by the steady-state rule; the entities it never saw. */
  private steadyStateSeen(final: FinalCheck): { problems: string[]; unobserved: string[]; lines: QuotedLine[] } {
    const nodes: Record<string, NodeObservation> = {};
    const vms: Record<string, VmObservation> = {};
    const lines: QuotedLine[] = [];
    for (const [entity, { state, line }] of final.seen) {
      const name = entity.slice(entity.indexOf('/') + 1);
      if (entity.startsWith('node/')) nodes[name] = state as NodeObservation;
      else vms[name] = state as VmObservation;
      lines.push(line);
    }
    const problems = deviations({ nodes, vms }, final.down, this.noAutoStart);
    const unobserved = this.entities.filter((e) => !final.seen.has(e));
    const deviating = lines.filter((l) => problems.some((p) => p.includes(` ${nameOf(l)} `)));
    return { problems, unobserved, lines: deviating.length ? deviating : lines.slice(-3) };
  }

  private violation(final: FinalCheck, observed: string, message: string, seen: QuotedLine[]): Violation {
    return {
      rule: 'steady-state',
      entity: 'cluster',
      expected: final.down.length ? `every node Up but ${final.down.join(', ')} (expected down), every VM Running once the experiment is over` : STEADY,
      observed,
      t: final.t,
      message,
      context: [...seen, ...final.lines].sort((a, b) => a.seq - b.seq),
    };
  }
}

/** `{"node":"N2"}` → `N2`; several arguments as JSON. */
function argsSaid(args: Record<string, unknown>): string {
  const values = Object.values(args);
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : JSON.stringify(args);
}

/** The entity's name in a quoted observation line. */
function nameOf(line: QuotedLine): string {
  const m = /"entity":"(?:node|vm)\/([^"]*)"/.exec(line.text);
  return m ? m[1]! : '';
}
