import type { Logger } from 'pino';
import type { Experiment, FaultStep, Soak } from '../experiment/types.js';
import { methodUnits, stepProcess, type IndexedStep } from '../experiment/method.js';
import { isNemesis } from '../trace/process.js';
import type { FaultContext, FaultDefinition } from '../faults/fault.js';
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';
import { OperationError, OperationUnknownError, ReadError, type Poll, type Target } from '../targets/target.js';
import type { ClusterEvent } from '../targets/target.js';
import type { HeaderRecord, Invocation, OpPhase, RunOutcome, SoakOutcome, TargetFacts } from '../trace/records.js';
import { TRACE_FORMAT } from '../trace/records.js';
import { describeWriteError, TraceWriter } from '../trace/writer.js';
import { RevertStack, type Revert } from './reverts.js';
import { seededRandom } from './random.js';
import { deviations, noAutoStartVms } from '../trace/steady-state.js';
import { probeArgs, runProbe, simulateProbe } from './probes.js';
import type { TraceSink } from './trace-sink.js';

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
  /** Aborted on a stop signal (its reason names it: `Ctrl-C`, `SIGTERM`, …): the runner stops at the next step and runs the reverts. */
  signal?: AbortSignal;
  /** How the run was invoked (recorded in the header, for --resume). */
  invocation?: Invocation;
  /** Where records go; default a new TraceWriter on `tracePath`. A resumed run passes one that checks the stored prefix. */
  trace?: TraceSink;
  /** The header's start time (a resumed run keeps the original's); default now. */
  startTime?: string;
  /** Told how a soak advances (for a progress bar). */
  progress?: SoakProgress;
  /** What first contact with a real cluster read, for the header. */
  facts?: TargetFacts;
  /**
   * The undo journal: each revert is appended (and synced) here before its fault is injected, and marked done
   * when it ran, so `clusterchaos revert <out>` can finish the job if clusterchaos itself dies (review R12).
   */
  journal?: string;
}

/** One line of the undo journal (`<out>/undo.ndjson`). */
export type JournalLine =
  | { type: 'revert'; id: number; fault: string; args: Record<string, unknown>; label: string; t: number }
  | { type: 'done'; id: number; outcome: 'ok' | 'fail' | 'info'; t: number };

/** A soak's progress, for a person watching: iterations done (or virtual ms for a duration soak) and anomalies. */
export interface SoakProgress {
  start(total: number, unit: 'iterations' | 'ms'): void;
  update(done: number, anomalies: number): void;
  stop(): void;
}

/** Default number of anomalies listed in the outcome (the rest are counted). */
const MAX_LISTED_ANOMALIES = 100;
/** A soak's trace is fsynced this often (wall time); every checkpoint is written out at once (survives SIGKILL). */
const SYNC_EVERY_MS = 2000;
/** A soak by duration whose iterations take no time on the run's clock this many times in a row is stopped. */
const STILL_ITERATIONS = 1000;
/** A soak hands the event loop a turn this often (wall time): signals and timers need it. */
const YIELD_EVERY_MS = 50;
/**
 * Polls may fail for a while during a fault (the cluster's name moving with its core group: review R1): each
 * failure is a gap in the observations, recorded as a failed `poll` op of the observer; the run is aborted
 * only when no poll has worked for this long.
 */
export const MAX_OBSERVATION_GAP_MS = 120_000;

class Aborted extends Error {}
/** A step with `on-failure: stop` did not complete ok: the method ends there (not an abort: the run goes on to its end). */
class MethodStopped extends Error {}

/**
 * Runs one experiment: steady state → inject → observe → steady state again → revert, writing every
 * operation and observation to the trace. It never consults the checker: the verdict comes afterwards,
 * from the trace alone.
 */
export class Runner {
  private readonly trace: TraceSink;
  private readonly reverts = new RevertStack();
  /** What made the current soak iteration anomalous (ops that did not complete ok, anomaly events). */
  private anomalies: Anomaly[] | undefined;
  private anomalyEvents: ReadonlySet<number> = new Set();
  private readonly outcome: RunOutcome = { status: 'completed', virtualMs: 0, wallMs: 0, reverts: [] };
  /** Each poll's round trip on the run's clock, and the polls that failed. */
  private readonly pollMs: number[] = [];
  private failedPolls = 0;
  private lastGoodPoll: number | undefined;
  private journalId = 0;
  header!: HeaderRecord;
  /** The cluster's settings as read before the run changed any (for the residue scan's comparison). */
  settingsBefore: Record<string, number> = {};

  /** The first write to the trace that failed (the run then stopped and reverted; later lines went to stderr). */
  get traceBroken(): NodeJS.ErrnoException | undefined {
    return this.trace.broken;
  }

  /** The sequence number the next trace record would get (for a footer appended later). */
  get nextSeq(): number {
    return this.trace.nextSeq;
  }

  private readonly o: RunOptions;
  /** The log of the run, or of the soak's current iteration: its records carry those as fields (issue 15). */
  private log: Logger;

  constructor(o: RunOptions) {
    // every record of the run carries its id, experiment and seed as fields, unless the caller bound them already
    const log = 'runId' in o.log.bindings() ? o.log : o.log.child({ runId: o.runId, experiment: o.experiment.name, seed: o.experiment.seed });
    this.o = { ...o, log };
    this.log = log;
    this.trace = o.trace ?? new TraceWriter(o.tracePath);
  }

  async run(): Promise<RunOutcome> {
    const started = performance.now();
    const { target, experiment, log } = this.o;
    try {
      const current = await target.getSettings();
      this.settingsBefore = { ...current };
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
        startTime: this.o.startTime ?? new Date().toISOString(),
        ...(target.timeZone?.() ? { timeZone: target.timeZone()! } : {}),
        replay: this.o.replay,
        ...(this.o.invocation ? { invocation: this.o.invocation } : {}),
        ...(this.o.facts ? { facts: this.o.facts } : {}),
      });
      // `clusterchaos revert <out>` reopens the cluster from the header (its invocation): it must be on disk before
      // the first change the undo journal records, or a run killed now leaves a journal nothing can replay (review R12)
      if (this.o.journal) this.trace.sync();
      this.checkSignal(); // interrupted before anything was changed
      await this.applySettings(current);
      await this.applyVmSettings();
      const probes = experiment.steadyState.probes?.length ?? 0;
      log.info(`waiting for the steady state: every node Up, every VM Running${probes ? `, then ${probes === 1 ? 'the probe' : `${probes} probes`}` : ''}`);
      this.outcome.steadyStateBefore = await this.steadyState('before');
      if (!this.outcome.steadyStateBefore.ok) {
        throw new Aborted(`the cluster was not in its steady state before injection (${this.outcome.steadyStateBefore.detail}); nothing was injected`);
      }
      try {
        if (experiment.soak) await this.soak(experiment.soak);
        else await this.runMethod(1);
      } catch (e) {
        if (!(e instanceof MethodStopped)) throw e;
        // on-failure: stop — the rest of the method is skipped; the steady state after and the reverts still come
        this.outcome.methodStopped = e.message;
        log.warn(e.message);
      }
      log.info('checking that the steady state comes back');
      this.outcome.steadyStateAfter = await this.steadyState('after');
    } catch (e) {
      this.outcome.status = 'aborted';
      this.outcome.abortReason = e instanceof Aborted ? e.message : `unexpected error: ${(e as Error).stack ?? e}`;
      log.error(this.outcome.abortReason);
      // The trace says so itself, before the reverts: the checker judges an aborted run from its lines (issue 13)
      if (this.header) await this.operation('runner', 'abort', { reason: e instanceof Aborted ? e.message : `unexpected error: ${(e as Error).message ?? e}` }, async () => undefined);
    } finally {
      await this.runReverts();
      if (this.header) await this.poll({ events: 'now' }).catch(() => undefined);
      if (this.pollMs.length || this.failedPolls) this.outcome.observation = observationCost(this.pollMs, this.failedPolls);
      this.outcome.virtualMs = target.now();
      this.outcome.wallMs = Math.round(performance.now() - started);
      this.trace.close();
    }
    return this.outcome;
  }

  /**
   * The experiment's method once: its steps in order, and its `parallel:` blocks, whose branches run at once
   * (each branch's steps in order), the block ending when its last branch has. The cluster is polled every
   * observe interval throughout: during waits, and while a step's operations are in flight (a drain, a
   * migration, a block), when the target can (Target.concurrently).
   */
  private async runMethod(iteration: number): Promise<void> {
    const { experiment, log } = this.o;
    for (const unit of methodUnits(experiment.method)) {
      this.checkSignal();
      if (unit.kind === 'step') {
        await this.runStep(unit, iteration, true);
        continue;
      }
      if (!experiment.soak) log.info(`running ${unit.branches.length} branches at once (method[${unit.block}])`);
      await this.observing(async () => {
        const ends = await this.concurrently(
          unit.branches.map((branch) => async () => {
            for (const step of branch) {
              this.checkSignal();
              await this.runStep(step, iteration, false);
            }
          }),
        );
        // every branch has ended (a branch stopped by Ctrl-C still lets the others' operations complete)
        const failed = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
        if (failed) throw failed.reason;
      });
    }
  }

  /** One step: a wait (observed, unless a parallel block's poller observes already) or a fault. */
  private async runStep({ step, index }: IndexedStep, iteration: number, observe: boolean): Promise<void> {
    const { experiment, log, target } = this.o;
    if (step.kind === 'wait') {
      if (!observe) return target.sleep(step.ms);
      if (!experiment.soak) log.info(`observing for ${step.ms / 1000} s`);
      return this.observeFor(step.ms);
    }
    const inject = () =>
      this.inject(step, {
        iteration,
        random: seededRandom(`${experiment.seed}/${iteration}/${index}`),
        migrationTimeoutMs: experiment.soak?.migrationTimeoutMs ?? DEFAULT_MIGRATION_TIMEOUT_MS,
      });
    let phase: OpPhase = 'ok';
    await (observe ? this.observing(async () => void (phase = await inject())) : inject().then((p) => void (phase = p)));
    if (step.onFailure === 'stop' && phase !== 'ok') {
      const what = phase === 'fail' ? 'failed' : 'ended with its outcome unknown';
      throw new MethodStopped(`the method stopped at ${step.fault}${step.line ? ` (line ${step.line})` : ''}: it ${what}, and the step says on-failure: stop; no later step was run`);
    }
  }

  /** Activities at once on the target's clock; a target that cannot (a test's fake) runs them with Promise.allSettled. */
  private concurrently<T>(activities: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    const { target } = this.o;
    if (target.concurrently) return target.concurrently(activities);
    return Promise.allSettled(activities.map((a) => a()));
  }

  /**
   * Run `work` (a step's operation, a parallel block) and poll the cluster every observe interval while it is in
   * flight, as between steps: a 50-minute drain is observed throughout, not only at its end. The polls stop
   * as the work ends (the sleep to the next one is cut short), so the step ends when its operation does.
   */
  private async observing(work: () => Promise<void>): Promise<void> {
    const { target, experiment } = this.o;
    if (!target.concurrently) return work();
    const ended = new AbortController();
    const [done, polled] = await target.concurrently<void>([
      async () => {
        try {
          await work();
        } finally {
          ended.abort();
        }
      },
      async () => {
        for (;;) {
          await target.sleep(experiment.observe.intervalMs, { signal: ended.signal });
          if (ended.signal.aborted) return;
          await this.poll();
        }
      },
    ]);
    if (done!.status === 'rejected') throw done!.reason;
    if (polled!.status === 'rejected') throw polled!.reason;
  }

  /**
   * Repeat the method: a number of iterations or until `durationMs` has passed on the run's clock. After
   * each iteration one poll, then a checkpoint line, written out at once so a killed soak can resume after
   * it. An iteration is anomalous when an operation did not complete `ok` or the cluster logged one of the
   * anomaly events; the soak stops at the first one unless told to keep counting. These are the runner's own
   * probes (as Chaos Toolkit's tolerances); the verdict still comes from the checker, afterwards.
   */
  private async soak(soak: Soak): Promise<void> {
    const { target, log, progress } = this.o;
    const outcome: SoakOutcome = {
      iterations: 0,
      planned: { ...(soak.iterations !== undefined ? { iterations: soak.iterations } : {}), ...(soak.durationMs !== undefined ? { durationMs: soak.durationMs } : {}) },
      anomalyCount: 0,
      anomalies: [],
    };
    this.outcome.soak = outcome;
    this.anomalyEvents = new Set(soak.anomalyEvents);
    const startT = target.now();
    const byTime = soak.iterations === undefined;
    log.info(byTime ? `soak: repeating the method for ${soak.durationMs! / 1000} s` : `soak: ${soak.iterations} iterations of the method`);
    progress?.start(byTime ? soak.durationMs! : soak.iterations!, byTime ? 'ms' : 'iterations');
    let lastSync = performance.now();
    let lastYield = lastSync;
    let still = 0; // iterations in a row that took no time on the run's clock
    try {
      for (let i = 1; byTime ? target.now() - startT < soak.durationMs! : i <= soak.iterations!; i++) {
        this.checkSignal();
        const began = target.now();
        this.log = log.child({ iteration: i });
        this.anomalies = [];
        const mark = this.reverts.size;
        await this.runMethod(i);
        // Each iteration undoes its own faults, so the next one starts from a whole cluster.
        if (this.reverts.size > mark) await this.runReverts(mark, false);
        // every event of the iteration is in before it is judged
        await this.poll({ events: 'now' });
        const found = this.anomalies;
        this.anomalies = undefined;
        outcome.iterations = i;
        if (found.length) {
          outcome.anomalyCount++;
          const what = found.map((a) => a.what).join('; ');
          if (outcome.anomalies.length < MAX_LISTED_ANOMALIES) outcome.anomalies.push({ iteration: i, t: target.now(), what });
          for (const a of found) this.log.warn(a.fields, `iteration ${i}: ${a.what}`);
        }
        this.trace.write({ type: 'checkpoint', t: target.now(), iteration: i, state: { anomalies: outcome.anomalyCount } });
        this.trace.flush();
        if (performance.now() - lastSync > SYNC_EVERY_MS) {
          this.trace.sync();
          lastSync = performance.now();
        }
        progress?.update(byTime ? Math.min(target.now() - startT, soak.durationMs!) : i, outcome.anomalyCount);
        // the loader refuses the methods known to take no time; this catches any other (a migration to the node a
        // VM is already on, failing at once): a soak by duration whose clock stands still would never end
        still = target.now() === began ? still + 1 : 0;
        if (byTime && still >= STILL_ITERATIONS) {
          throw new Aborted(`the soak's last ${STILL_ITERATIONS} iterations took no time on the run's clock, so a soak by duration would never end: stopped after iteration ${i} (give the method a wait step)`);
        }
        // On the simulator a soak never waits for anything real: let the event loop run now and then, so
        // Ctrl-C is heard and the progress bar redraws.
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        if (found.length && soak.stopOn === 'first-anomaly') {
          outcome.stoppedAt = i;
          this.log.warn(`stopping at the first anomaly (iteration ${i}); the evidence is in the trace`);
          break;
        }
      }
    } finally {
      progress?.stop();
      this.log = log;
      this.anomalies = undefined;
    }
  }

  private checkSignal(): void {
    const broken = this.trace.broken;
    if (broken) throw new Aborted(`cannot write the trace (${describeWriteError(broken)}): stopped before the next step`);
    const signal = this.o.signal;
    if (signal?.aborted) throw new Aborted(`interrupted (${typeof signal.reason === 'string' ? signal.reason : 'Ctrl-C'}): stopped before the next step`);
  }

  /**
   * Write one op line. Every operation carries an identity, `id`: the seq of its invoke line (the next seq the
   * trace gives), written on the invoke and repeated on its completion, so readers pair a completion with its
   * own invoke even when one process has several operations in flight. Returns the id, for the completion.
   */
  private op(process: string, f: string, phase: OpPhase, args: Record<string, unknown>, extra: { value?: unknown; error?: string } = {}, id?: number): number {
    if (phase === 'fail' && isNemesis(process) && (extra.value as { notEffective?: unknown } | undefined)?.notEffective === true) {
      (this.outcome.notEffective ??= []).push(`${f} ${JSON.stringify(args)}: ${extra.error ?? 'it would not have taken effect'}`);
    }
    if (phase !== 'invoke' && phase !== 'ok' && this.anomalies && process !== 'runner') {
      this.anomalies.push({ what: `${f} ${phase === 'fail' ? 'failed' : 'has an unknown outcome'}: ${extra.error ?? 'no reason given'}`, fields: opFields(f, args) });
    }
    const opId = id ?? this.trace.nextSeq;
    this.trace.write({ type: 'op', t: this.o.target.now(), process, f, phase, id: opId, args, ...extra });
    return opId;
  }

  /** Run an operation as an invoke line and its completion: ok, fail (did not happen) or info (unknown). */
  private async operation(
    process: string,
    f: string,
    args: Record<string, unknown>,
    action: () => Promise<unknown>,
  ): Promise<Exclude<OpPhase, 'invoke'>> {
    const id = this.op(process, f, 'invoke', args);
    try {
      const value = await action();
      this.op(process, f, 'ok', args, value === undefined ? {} : { value }, id);
      return 'ok';
    } catch (e) {
      const error = (e as Error).message;
      // A refusal means it did not happen; anything else (OperationUnknownError: a timeout or a lost
      // session; or a surprise) may or may not have: `info`, as in Jepsen.
      const phase = e instanceof OperationError ? 'fail' : 'info';
      const value = e instanceof OperationError || e instanceof OperationUnknownError ? e.value : undefined;
      this.op(process, f, phase, args, value === undefined ? { error } : { value, error }, id);
      this.log.warn(opFields(f, args), `${f} ${phase === 'fail' ? 'failed' : 'has an unknown outcome'}: ${error}`);
      return phase;
    }
  }

  private async applySettings(current: Record<string, number>): Promise<void> {
    const wanted = this.o.clusterSettings;
    const changed = Object.keys(wanted).filter((k) => current[k] !== wanted[k]);
    if (!changed.length) return;
    const previous = Object.fromEntries(changed.map((k) => [k, current[k]!]));
    this.reverts.register(
      this.journaled({
        fault: 'set-cluster-settings',
        args: previous,
        label: 'restore cluster settings',
        run: () => this.o.target.setSettings(previous),
      }),
    );
    const phase = await this.operation('runner', 'set-cluster-settings', { ...Object.fromEntries(changed.map((k) => [k, wanted[k]])) }, () =>
      this.o.target.setSettings(Object.fromEntries(changed.map((k) => [k, wanted[k]!]))),
    );
    if (phase !== 'ok') throw new Aborted(`the cluster did not accept the experiment's settings (${changed.join(', ')}); nothing was injected`);
  }

  /**
   * A VM's own ResiliencyPeriod (the experiment's `resiliencyPeriod`) is its cluster group's property: set it
   * for the run where it differs, restored afterwards (review B5). A target that cannot read it (the
   * simulator builds its VMs from the description) is left alone.
   */
  private async applyVmSettings(): Promise<void> {
    const { target, experiment } = this.o;
    const wanted = experiment.cluster.vms.filter((vm) => vm.resiliencyPeriod !== undefined);
    if (!wanted.length || !target.vmResiliencyPeriods || !target.setVmResiliencyPeriod) return;
    const set = target.setVmResiliencyPeriod.bind(target);
    const current = await target.vmResiliencyPeriods(wanted.map((vm) => vm.name));
    for (const vm of wanted) {
      const before = current[vm.name];
      const seconds = vm.resiliencyPeriod!;
      if (before === seconds) continue;
      if (before !== undefined) {
        this.reverts.register(this.journaled({ fault: 'set-vm-resiliency-period', args: { vm: vm.name, seconds: before }, label: `restore ${vm.name}'s ResiliencyPeriod`, run: () => set(vm.name, before) }));
      }
      const phase = await this.operation('runner', 'set-vm-resiliency-period', { vm: vm.name, seconds }, () => set(vm.name, seconds));
      if (phase !== 'ok') throw new Aborted(`the cluster did not accept ${vm.name}'s ResiliencyPeriod of ${seconds} s; nothing was injected`);
    }
  }

  /** A revert that is written to the undo journal first and marked done when it has run (review R12). */
  private journaled(r: Revert): Revert {
    const journal = this.o.journal;
    if (!journal) return r;
    const id = ++this.journalId;
    try {
      writeJournal(journal, { type: 'revert', id, fault: r.fault, args: r.args, label: r.label, t: this.o.target.now() });
    } catch (e) {
      // without its journal line, a revert could not be finished by `clusterchaos revert` if clusterchaos died: inject nothing
      throw new Aborted(`cannot write the undo journal ${journal} (${describeWriteError(e)}): ${r.label} was not injected`);
    }
    return {
      ...r,
      run: async () => {
        let outcome: 'ok' | 'fail' | 'info' = 'ok';
        try {
          await r.run();
        } catch (e) {
          outcome = e instanceof OperationError ? 'fail' : 'info';
          throw e;
        } finally {
          try {
            writeJournal(journal, { type: 'done', id, outcome, t: this.o.target.now() });
          } catch (e) {
            // the revert ran: only the record of it is missing, so `clusterchaos revert <out>` would run it again (reverts are idempotent)
            this.o.log.error(`could not record in the undo journal ${journal} that ${r.label} was reverted (${outcome}): ${describeWriteError(e)}`);
          }
        }
      },
    };
  }

  private async inject(step: FaultStep, context: FaultContext): Promise<OpPhase> {
    const fault = this.o.faults.get(step.fault);
    if (!fault) throw new Aborted(`unknown fault ${step.fault}`);
    const { target } = this.o;
    // Policies (`to: round-robin`) become concrete arguments first: the trace records what was asked.
    let params = step.params;
    if (fault.resolve) {
      try {
        params = await fault.resolve(target, step.params, context);
      } catch (e) {
        const id = this.op(stepProcess(fault.revert ? 'nemesis' : 'workload', step), step.fault, 'invoke', step.params);
        this.op(stepProcess(fault.revert ? 'nemesis' : 'workload', step), step.fault, 'fail', step.params, { error: `could not resolve ${step.fault}: ${(e as Error).message}` }, id);
        return 'fail';
      }
    }
    const label = `${step.fault} ${fault.impairs(params).join(', ')}`.trim();
    const revert = fault.revert?.bind(fault);
    // Register the revert before injecting, so it runs whatever happens next. Workload operations (a live
    // migration) have none: they leave nothing to undo.
    if (revert) {
      this.reverts.register(
        this.journaled({
          fault: step.fault,
          args: params as Record<string, unknown>,
          label,
          run: async () => {
            await revert(target, params);
          },
        }),
      );
    }
    if (!this.outcome.soak) this.o.log.info(`injecting ${label}`);
    return this.operation(stepProcess(revert ? 'nemesis' : 'workload', step), step.fault, params, () => fault.inject(target, params, context));
  }

  /** Run the reverts registered since the stack had `downTo` entries; `listAll`: list each in the outcome, or only those that did not work. */
  private async runReverts(downTo = 0, listAll = true): Promise<void> {
    await this.reverts.runAll(async (r, outcome) => {
      const byRunner = r.fault === 'set-cluster-settings' || r.fault === 'set-vm-resiliency-period';
      const f = r.fault === 'set-cluster-settings' ? 'restore-cluster-settings' : r.fault === 'set-vm-resiliency-period' ? 'restore-vm-resiliency-period' : `revert:${r.fault}`;
      let phase: OpPhase;
      try {
        phase = await this.operation(byRunner ? 'runner' : 'nemesis', f, r.args, () => outcome);
      } catch (e) {
        // recording the revert failed, not the revert (it is running already): say so, and go on to the next one
        phase = await outcome.then(
          () => 'ok' as const,
          (err: unknown) => (err instanceof OperationError ? ('fail' as const) : ('info' as const)),
        );
        this.o.log.error(`could not record the revert ${r.label} (${phase}): ${(e as Error).message}`);
      }
      // A soak iteration's own reverts are listed only when they did not work (the trace has them all).
      if (listAll || phase !== 'ok') this.outcome.reverts.push({ fault: r.label, outcome: phase });
    }, downTo);
  }

  /**
   * One poll, its observations and the events collected after it. A read that fails is a gap: recorded as a
   * failed `poll` op of the observer, and undefined is returned; the run is aborted only when no poll has
   * worked for MAX_OBSERVATION_GAP_MS (review R1).
   */
  private async poll(o: { events?: 'now' } = {}): Promise<Poll | undefined> {
    const { target } = this.o;
    const began = target.now();
    let poll: Poll;
    try {
      poll = await target.poll();
    } catch (e) {
      if (!(e instanceof ReadError)) throw e;
      this.failedPolls++;
      const id = this.trace.nextSeq;
      this.trace.write({ type: 'op', t: began, process: 'observer', f: 'poll', phase: 'invoke', id, args: {} });
      this.trace.write({ type: 'op', t: target.now(), process: 'observer', f: 'poll', phase: 'fail', id, args: {}, error: e.message });
      const since = this.lastGoodPoll ?? began;
      if (target.now() - since >= MAX_OBSERVATION_GAP_MS) {
        throw new Aborted(`no poll of the cluster has worked for ${Math.round((target.now() - since) / 1000)} s (the last said: ${e.message}); stopped observing`);
      }
      this.log.warn(`a poll failed (a gap in the observations; trying again at the next one): ${e.message}`);
      return undefined;
    }
    this.pollMs.push(target.now() - began);
    this.lastGoodPoll = target.now();
    for (const [name, state] of Object.entries(poll.nodes)) {
      this.trace.write({ type: 'observe', t: poll.t, entity: `node/${name}`, state, source: 'poll' });
    }
    for (const [name, state] of Object.entries(poll.vms)) {
      this.trace.write({ type: 'observe', t: poll.vmsT ?? poll.t, entity: `vm/${name}`, state, source: 'poll' });
    }
    for (const event of await this.o.target.collectEvents(o.events === 'now' ? { now: true } : {})) {
      this.trace.write({ type: 'event', ...event });
      if (this.anomalies && this.anomalyEvents.has(event.id)) this.anomalies.push(anomalyOf(event));
    }
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

  /**
   * Poll until the steady state holds, within the experiment's steady-state timeout: the cluster's own (every
   * node Up, every VM Running), then the user's probes (src/engine/probes.ts), each an op line of its own.
   * Before injection the probes run once the cluster holds, once: one that fails means the system was not
   * steady, and nothing is injected. After the method they run again every observe interval, while the
   * cluster holds, until they all pass or the timeout has passed.
   */
  private async steadyState(when: 'before' | 'after'): Promise<{ ok: boolean; detail: string }> {
    const { target, experiment } = this.o;
    const down = when === 'after' ? experiment.steadyState.downAfter : [];
    const probes = experiment.steadyState.probes ?? [];
    // the nodes expected down are in the op's args, so the checker judges the last observations by the same rule
    const args = down.length ? { when, down } : { when };
    const id = this.op('runner', 'steady-state', 'invoke', args);
    const deadline = target.now() + experiment.steadyState.timeoutMs;
    let probed: { passed: string[]; notRun: string[] } = { passed: [], notRun: [] };
    const look = async (withProbes: boolean): Promise<string[]> => {
      const poll = await this.poll();
      if (!poll) return ['the cluster could not be read (the poll failed)'];
      const problems = deviations(poll, down, noAutoStartVms(experiment.cluster));
      if (problems.length || !withProbes || !probes.length) return problems;
      const { failed, ...rest } = await this.runProbes(when, poll);
      probed = rest;
      return failed;
    };
    // before injection the probes get one try, once the cluster holds; after the method, as many as the timeout allows
    let problems = await look(when === 'after');
    while (problems.length && target.now() < deadline) {
      this.checkSignal();
      await target.sleep(experiment.observe.intervalMs);
      problems = await look(when === 'after');
    }
    if (when === 'before' && !problems.length && probes.length) problems = await look(true);
    const ok = problems.length === 0;
    const cluster = down.length ? `every node Up but ${down.join(', ')} (expected down), every VM Running` : 'every node Up, every VM Running';
    const names = (list: string[]): string => list.map((n) => `"${n}"`).join(', ');
    const steady =
      cluster +
      (probed.passed.length ? `; probe${probed.passed.length === 1 ? '' : 's'} ${probed.passed.join(', ')} ok` : '') +
      (probed.notRun.length ? `; not run on the simulator (no network there): probe${probed.notRun.length === 1 ? '' : 's'} ${names(probed.notRun)}` : '');
    const detail = ok ? steady : problems.join('; ');
    this.op('runner', 'steady-state', ok ? 'ok' : 'fail', args, ok ? {} : { error: detail }, id);
    if (probed.notRun.length) this.o.log.warn(`not run on the simulator, which has no network: ${names(probed.notRun)} (a probe with "vm: <name>" is answered by that VM's simulated state)`);
    return { ok, detail };
  }

  /**
   * Run every steady-state probe once, in the order written, each recorded as a `probe` op of the runner with
   * what it observed. On the simulator they are answered from `poll` (simulateProbe); elsewhere for real, from
   * this host. Returns what failed, in a sentence each, and the probes that could not run here.
   */
  private async runProbes(when: 'before' | 'after', poll: Poll): Promise<{ passed: string[]; failed: string[]; notRun: string[] }> {
    const passed: string[] = [];
    const failed: string[] = [];
    const notRun: string[] = [];
    for (const probe of this.o.experiment.steadyState.probes ?? []) {
      this.checkSignal();
      const args = probeArgs(probe, when);
      const id = this.op('runner', 'probe', 'invoke', args);
      const result = this.o.target.kind === 'sim' ? simulateProbe(probe, poll) : await runProbe(probe);
      // not run is neither ok nor failed: `info`, its outcome unknown
      this.op('runner', 'probe', result.ok ? 'ok' : result.notRun ? 'info' : 'fail', args, { value: result.value, ...(result.error !== undefined ? { error: result.error } : {}) }, id);
      if (result.notRun) notRun.push(probe.name);
      else if (!result.ok) failed.push(`probe "${probe.name}" failed: ${result.error ?? 'no reason given'}`);
      // on the simulator, say what answered it
      else passed.push(result.value.simulated ? `"${probe.name}" (answered by the simulated VM ${probe.vm})` : `"${probe.name}"`);
    }
    return { passed, failed, notRun };
  }
}

/** Polls made, failed, and the median, 95th percentile and longest round trip (review R2). */
function observationCost(ms: readonly number[], failed: number): NonNullable<RunOutcome['observation']> {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
  return { polls: sorted.length + failed, failed, medianMs: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? 0 };
}

/** Append one line to the undo journal and put it on disk before going on (it must survive a crash right after). */
function writeJournal(file: string, line: JournalLine): void {
  const fd = openSync(file, 'a');
  try {
    appendFileSync(fd, JSON.stringify(line) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A live migration not completed within this long is cancelled (outside soaks, or when the soak section does not say). */
export const DEFAULT_MIGRATION_TIMEOUT_MS = 10 * 60_000;

/** What made a soak iteration anomalous: in words, and as the log record's fields. */
interface Anomaly {
  what: string;
  fields: { fault?: string; entity?: string; node?: string; eventId?: number };
}

/** `event 18590 on N3 (Microsoft-Windows-Hyper-V-Worker-Admin): 'sql01' has encountered a fatal error…` */
function anomalyOf(event: ClusterEvent): Anomaly {
  const message = event.message.length > 160 ? `${event.message.slice(0, 157)}…` : event.message;
  return { what: `event ${event.id} on ${event.node} (${event.log}): ${message}`, fields: { eventId: event.id, node: event.node } };
}

/** An operation's log fields: the fault, the VM or node it acts on (its entity) and the node it sends a VM to. */
function opFields(f: string, args: Record<string, unknown>): Anomaly['fields'] {
  const name = (key: string): string | undefined => (typeof args[key] === 'string' ? (args[key] as string) : undefined);
  const vm = name('vm');
  const node = name('node') ?? name('to');
  return { fault: f, ...(vm ? { entity: `vm/${vm}` } : node ? { entity: `node/${node}` } : {}), ...(node ? { node } : {}) };
}
