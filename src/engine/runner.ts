import type { Logger } from 'pino';
import type { Experiment, FaultStep } from '../experiment/types.js';
import type { FaultDefinition } from '../faults/fault.js';
import { OperationError, type Poll, type Target } from '../targets/target.js';
import type { HeaderRecord, OpPhase, RunOutcome } from '../trace/records.js';
import { TRACE_FORMAT } from '../trace/records.js';
import { TraceWriter } from '../trace/writer.js';
import { RevertStack } from './reverts.js';
import { deviations } from './steady-state.js';

export type { RunOutcome } from '../trace/records.js';

export interface RunOptions {
  experiment: Experiment;
  target: Target;
  faults: ReadonlyMap<string, FaultDefinition<any>>;
  tracePath: string;
  runId: string;
  defects: string[];
  /** The command that replays this run. */
  replay: string;
  /** Cluster properties to set for the run (Get-Cluster names), restored afterwards. */
  clusterSettings: Record<string, number>;
  /** The models' own settings (not cluster properties), recorded in the header for the checker. */
  modelSettings: Record<string, number>;
  log: Logger;
  /** Aborted on Ctrl-C: the runner stops at the next step and runs the reverts. */
  signal?: AbortSignal;
}

class Aborted extends Error {}

/**
 * Runs one experiment: steady state → inject → observe → steady state again → revert, writing every
 * operation and observation to the trace. It never consults the checker: the verdict comes afterwards,
 * from the trace alone.
 */
export class Runner {
  private readonly trace: TraceWriter;
  private readonly reverts = new RevertStack();
  private readonly outcome: RunOutcome = { status: 'completed', virtualMs: 0, wallMs: 0, reverts: [] };
  header!: HeaderRecord;

  /** The sequence number the next trace record would get (for a footer appended later). */
  get nextSeq(): number {
    return this.trace.nextSeq;
  }

  constructor(private readonly o: RunOptions) {
    this.trace = new TraceWriter(o.tracePath);
  }

  async run(): Promise<RunOutcome> {
    const started = performance.now();
    const { target, experiment, log } = this.o;
    try {
      const current = await target.getSettings();
      this.header = this.trace.write<HeaderRecord>({
        type: 'header',
        format: TRACE_FORMAT,
        runId: this.o.runId,
        experiment: { name: experiment.name, title: experiment.title, file: experiment.file },
        target: target.kind,
        seed: experiment.seed,
        defects: this.o.defects,
        cluster: target.describe(),
        settings: { ...current, ...this.o.clusterSettings, ...this.o.modelSettings },
        check: { toleranceMs: experiment.check.toleranceMs },
        startTime: new Date().toISOString(),
        replay: this.o.replay,
      });
      await this.applySettings(current);
      log.info('waiting for the steady state: every node Up, every VM Running');
      this.outcome.steadyStateBefore = await this.steadyState('before');
      if (!this.outcome.steadyStateBefore.ok) {
        throw new Aborted(`the cluster was not in its steady state before injection (${this.outcome.steadyStateBefore.detail}); nothing was injected`);
      }
      for (const step of experiment.method) {
        this.checkSignal();
        if (step.kind === 'wait') {
          log.info(`observing for ${step.ms / 1000} s`);
          await this.observeFor(step.ms);
        } else {
          await this.inject(step);
        }
      }
      log.info('checking that the steady state comes back');
      this.outcome.steadyStateAfter = await this.steadyState('after');
    } catch (e) {
      this.outcome.status = 'aborted';
      this.outcome.abortReason = e instanceof Aborted ? e.message : `unexpected error: ${(e as Error).stack ?? e}`;
      log.error(this.outcome.abortReason);
    } finally {
      await this.runReverts();
      if (this.header) await this.poll().catch(() => undefined);
      this.outcome.virtualMs = target.now();
      this.outcome.wallMs = Math.round(performance.now() - started);
      this.trace.close();
    }
    return this.outcome;
  }

  private checkSignal(): void {
    if (this.o.signal?.aborted) throw new Aborted('interrupted (Ctrl-C): stopped before the next step');
  }

  private op(process: string, f: string, phase: OpPhase, args: Record<string, unknown>, extra: { value?: unknown; error?: string } = {}): void {
    this.trace.write({ type: 'op', t: this.o.target.now(), process, f, phase, args, ...extra });
  }

  /** Run an operation as an invoke line and its completion: ok, fail (did not happen) or info (unknown). */
  private async operation(
    process: string,
    f: string,
    args: Record<string, unknown>,
    action: () => Promise<unknown>,
  ): Promise<Exclude<OpPhase, 'invoke'>> {
    this.op(process, f, 'invoke', args);
    try {
      const value = await action();
      this.op(process, f, 'ok', args, value === undefined ? {} : { value });
      return 'ok';
    } catch (e) {
      const error = (e as Error).message;
      // A refusal means it did not happen; anything else (OperationUnknownError: a timeout or a lost
      // session; or a surprise) may or may not have: `info`, as in Jepsen.
      const phase = e instanceof OperationError ? 'fail' : 'info';
      this.op(process, f, phase, args, { error });
      this.o.log.warn(`${f} ${phase === 'fail' ? 'failed' : 'has an unknown outcome'}: ${error}`);
      return phase;
    }
  }

  private async applySettings(current: Record<string, number>): Promise<void> {
    const wanted = this.o.clusterSettings;
    const changed = Object.keys(wanted).filter((k) => current[k] !== wanted[k]);
    if (!changed.length) return;
    const previous = Object.fromEntries(changed.map((k) => [k, current[k]!]));
    this.reverts.register({
      fault: 'set-cluster-settings',
      args: previous,
      label: 'restore cluster settings',
      run: () => this.o.target.setSettings(previous),
    });
    const phase = await this.operation('runner', 'set-cluster-settings', { ...Object.fromEntries(changed.map((k) => [k, wanted[k]])) }, () =>
      this.o.target.setSettings(Object.fromEntries(changed.map((k) => [k, wanted[k]!]))),
    );
    if (phase !== 'ok') throw new Aborted(`the cluster did not accept the experiment's settings (${changed.join(', ')}); nothing was injected`);
  }

  private async inject(step: FaultStep): Promise<void> {
    const fault = this.o.faults.get(step.fault);
    if (!fault) throw new Aborted(`unknown fault ${step.fault}`);
    const label = `${step.fault} ${fault.impairs(step.params).join(', ')}`.trim();
    // Register the revert before injecting, so it runs whatever happens next.
    this.reverts.register({
      fault: step.fault,
      args: step.params,
      label,
      run: async () => {
        await fault.revert(this.o.target, step.params);
      },
    });
    this.o.log.info(`injecting ${label}`);
    await this.operation('nemesis', step.fault, step.params, () => fault.inject(this.o.target, step.params));
  }

  private async runReverts(): Promise<void> {
    await this.reverts.runAll(async (r, outcome) => {
      const f = r.fault === 'set-cluster-settings' ? 'restore-cluster-settings' : `revert:${r.fault}`;
      const phase = await this.operation(r.fault === 'set-cluster-settings' ? 'runner' : 'nemesis', f, r.args, () => outcome);
      this.outcome.reverts.push({ fault: r.label, outcome: phase });
    });
  }

  private async poll(): Promise<Poll> {
    const poll = await this.o.target.poll();
    for (const [name, state] of Object.entries(poll.nodes)) {
      this.trace.write({ type: 'observe', t: poll.t, entity: `node/${name}`, state, source: 'poll' });
    }
    for (const [name, state] of Object.entries(poll.vms)) {
      this.trace.write({ type: 'observe', t: poll.t, entity: `vm/${name}`, state, source: 'poll' });
    }
    for (const event of await this.o.target.collectEvents()) this.trace.write({ type: 'event', ...event });
    return poll;
  }

  /** Poll every observe interval for `ms`. */
  private async observeFor(ms: number): Promise<void> {
    const { target, experiment } = this.o;
    const until = target.now() + ms;
    while (target.now() < until) {
      this.checkSignal();
      await target.sleep(Math.min(experiment.observe.intervalMs, until - target.now()));
      await this.poll();
    }
  }

  /** Poll until the steady state holds, within the experiment's steady-state timeout. */
  private async steadyState(when: 'before' | 'after'): Promise<{ ok: boolean; detail: string }> {
    const { target, experiment } = this.o;
    this.op('runner', 'steady-state', 'invoke', { when });
    const deadline = target.now() + experiment.steadyState.timeoutMs;
    const down = when === 'after' ? experiment.steadyState.downAfter : [];
    let problems = deviations(await this.poll(), down);
    while (problems.length && target.now() < deadline) {
      this.checkSignal();
      await target.sleep(experiment.observe.intervalMs);
      problems = deviations(await this.poll(), down);
    }
    const ok = problems.length === 0;
    const steady = down.length ? `every node Up but ${down.join(', ')} (expected down), every VM Running` : 'every node Up, every VM Running';
    const detail = ok ? steady : problems.join('; ');
    this.op('runner', 'steady-state', ok ? 'ok' : 'fail', { when }, ok ? {} : { error: detail });
    return { ok, detail };
  }
}
