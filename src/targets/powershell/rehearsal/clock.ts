import { AsyncLocalStorage } from 'node:async_hooks';
import type { SimClock } from '../../sim/clock.js';

/** How long a wait for a condition may last in virtual time before it gives up (2 days, as SimTarget.untilEnded). */
export const WAIT_LIMIT_MS = 48 * 3_600_000;

/** After this many simulator steps in a row the scheduler yields to the event loop (HTTP requests, child processes). */
const STEPS_PER_TURN = 2_000;

/** How a wait ended: its condition held, or its deadline (or the 48 h limit) came first. */
export type WaitEnd = 'ready' | 'due';

export class LabClosedError extends Error {
  override name = 'LabClosedError';
  constructor() {
    super('the rehearsal lab was closed while this waited');
  }
}

/** The request that waited was abandoned: its process went away (its connection closed). */
export class WaitAbandonedError extends Error {
  override name = 'WaitAbandonedError';
  constructor() {
    super('the process that waited here went away');
  }
}

interface Waiter {
  readonly seq: number;
  readonly participant: string;
  /** It keeps its participant from running: made while the participant was held, and that hold lasts. */
  parks: boolean;
  readonly due: number;
  readonly ready: (() => boolean) | undefined;
  readonly settle: (end: WaitEnd) => void;
  readonly fail: (error: Error) => void;
}

interface Alarm {
  readonly seq: number;
  readonly at: number;
  readonly fire: () => void;
}

/**
 * The co-simulation clock: the simulator's virtual time advances only while no participant runs.
 *
 * Participants: `driver` (TypeScript code: running unless it sleeps or waits for a round trip), each
 * PowerShell process (`main`, `side`: while a round trip of theirs is in flight; `task-<n>`: while alive),
 * and timers (while their callback's promise is pending). A participant with a request parked here (a
 * Lab-Sleep, a stand-in that waits for the cluster, per-call latency) does not run meanwhile.
 *
 * Who calls `sleep`, `roundTrip` or `timer` is told by an AsyncLocalStorage: code inside a timer's callback
 * is that timer, anything else the driver. So a timer that cancels a migration through the `side` shell
 * waits for that round trip itself while the driver still waits for the migration in `main`.
 *
 * When nothing runs, time goes to the earliest of the simulator's next queued action and the earliest
 * deadline (a waiter's, a timer's, an alarm's); the simulator's actions due at an instant run before the
 * deadlines at that instant (as SimClock.advance). After each step, waiters whose condition holds wake up.
 * Deterministic: for the same seed and the same sequence of requests, the same virtual times. Never spins:
 * while a participant runs in wall time the scheduler does nothing until some participant's state changes.
 */
export class CoSimulation {
  private readonly held = new Map<string, number>();
  private readonly parked = new Map<string, number>();
  private waiters: Waiter[] = [];
  private alarms: Alarm[] = [];
  private readonly caller = new AsyncLocalStorage<string>();
  private seq = 0;
  private timers = 0;
  private activities = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly clock: SimClock,
    /** Runs after every simulator step (the lab drains the event log into its stores there). */
    private readonly afterStep: () => void,
  ) {
    this.hold('driver');
  }

  now(): number {
    return this.clock.now();
  }

  /** The participant running the current code: a timer inside its callback, else the driver. */
  current(): string {
    return this.caller.getStore() ?? 'driver';
  }

  /** A participant starts running (a round trip began, a task process was spawned); nested holds count. */
  hold(participant: string): void {
    this.held.set(participant, (this.held.get(participant) ?? 0) + 1);
  }

  /**
   * A hold ends; the clock may move once nothing else runs. The participant's last hold ending with a request
   * still waiting here means its process went away (a round trip ends only when the process answered): that
   * request no longer stands for the participant, so a new process of the same name is not taken as waiting.
   */
  release(participant: string): void {
    const n = (this.held.get(participant) ?? 0) - 1;
    if (n > 0) this.held.set(participant, n);
    else {
      this.held.delete(participant);
      for (const w of this.waiters) {
        if (w.participant === participant && w.parks) {
          w.parks = false;
          this.unpark(participant);
        }
      }
    }
    this.kick();
  }

  /** Whether the participant runs now (held and not waiting here). */
  running(participant: string): boolean {
    return (this.held.get(participant) ?? 0) > 0 && !((this.parked.get(participant) ?? 0) > 0);
  }

  /**
   * `participant` waits here until `ready()` holds (checked now and after every change) or `ms` of virtual
   * time have passed; without `ms`, a condition waits at most WAIT_LIMIT_MS ('due' then). It does not run
   * meanwhile. Rejects with LabClosedError if the lab closes first, with WaitAbandonedError if `signal` aborts
   * (the waiting request's process died: a new process of the same name must not count as waiting).
   */
  wait(participant: string, o: { ms?: number; ready?: () => boolean; signal?: AbortSignal }): Promise<WaitEnd> {
    if (this.closed) return Promise.reject(new LabClosedError());
    if (o.signal?.aborted) return Promise.reject(new WaitAbandonedError());
    if (o.ready?.()) return Promise.resolve('ready');
    const ms = o.ms ?? (o.ready ? WAIT_LIMIT_MS : undefined);
    if (ms === undefined || !(ms >= 0) || !Number.isFinite(ms)) {
      return Promise.reject(new RangeError(`a wait needs a finite number of milliseconds ≥ 0 or a condition, got ${o.ms}`));
    }
    const parks = (this.held.get(participant) ?? 0) > 0;
    if (parks) this.park(participant);
    return new Promise<WaitEnd>((resolve, reject) => {
      const abandon = () => waiter.fail(new WaitAbandonedError());
      const done = () => {
        o.signal?.removeEventListener('abort', abandon);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (waiter.parks) this.unpark(participant);
      };
      const waiter: Waiter = {
        seq: this.seq++,
        participant,
        parks,
        due: this.clock.now() + ms,
        ready: o.ready,
        settle: (end) => {
          done();
          resolve(end);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      this.waiters.push(waiter);
      o.signal?.addEventListener('abort', abandon, { once: true });
      this.kick();
    });
  }

  /** The caller waits `ms` of virtual time, or until `signal` aborts (then at once). */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.wait(this.current(), { ms, ...(signal ? { signal } : {}) });
    } catch (e) {
      if (!(e instanceof WaitAbandonedError && signal?.aborted)) throw e;
    }
  }

  /** The caller waits while `process` runs `work` (except while its requests wait here). */
  async roundTrip<T>(process: string, work: () => Promise<T>): Promise<T> {
    const caller = this.current();
    this.park(caller);
    this.hold(process);
    try {
      return await work();
    } finally {
      this.release(process);
      this.unpark(caller);
    }
  }

  /**
   * Run `activities` at once (Target.concurrently: a parallel block's branches, a step and the polls observing
   * it), each as a participant of its own while its promise is pending, as a timer's callback is; the caller
   * waits meanwhile. So when one activity's sleep ends, the clock stands still until that activity waits again
   * (a round trip, a sleep), even while another one's migration waits in a PowerShell process.
   */
  async concurrently<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    const caller = this.current();
    this.park(caller);
    try {
      return await Promise.allSettled(
        activities.map((activity) => {
          const id = `activity-${++this.activities}`;
          this.hold(id);
          let settled: Promise<T>;
          try {
            settled = this.caller.run(id, activity);
          } catch (e) {
            settled = Promise.reject(e);
          }
          return settled.finally(() => this.release(id));
        }),
      );
    } finally {
      this.unpark(caller);
    }
  }

  /**
   * Run `callback` once `ms` of virtual time have passed, as its own participant (running until its promise
   * settles). A rejection is the callback's to handle: it is dropped here.
   */
  timer(ms: number, callback: () => Promise<void>): { cancel(): void } {
    const id = `timer-${++this.timers}`;
    return this.alarm(this.clock.now() + Math.max(0, ms), () => {
      this.hold(id);
      let settled: Promise<void>;
      try {
        settled = this.caller.run(id, callback);
      } catch (e) {
        settled = Promise.reject(e);
      }
      settled.catch(() => undefined).finally(() => this.release(id));
    });
  }

  /** Call `fire` (synchronously, from the scheduler) when the clock reaches `at`. */
  alarm(at: number, fire: () => void): { cancel(): void } {
    const alarm: Alarm = { seq: this.seq++, at: Math.max(at, this.clock.now()), fire };
    this.alarms.push(alarm);
    this.kick();
    return {
      cancel: () => {
        this.alarms = this.alarms.filter((a) => a !== alarm);
      },
    };
  }

  /** Something changed outside a step (a command ran): wake whoever can go on, and let time move if it may. */
  kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** Stop: every waiter rejects with LabClosedError; nothing advances any more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w.fail(new LabClosedError());
    this.alarms = [];
  }

  private park(participant: string): void {
    this.parked.set(participant, (this.parked.get(participant) ?? 0) + 1);
  }

  private unpark(participant: string): void {
    const n = (this.parked.get(participant) ?? 0) - 1;
    if (n > 0) this.parked.set(participant, n);
    else this.parked.delete(participant);
    this.kick();
  }

  private anyRunning(): boolean {
    for (const participant of this.held.keys()) if (this.running(participant)) return true;
    return false;
  }

  /** Wake the waiters whose condition holds now, oldest first. */
  private wakeReady(): void {
    let woke: Waiter[] | undefined;
    for (const w of this.waiters) if (w.ready?.()) (woke ??= []).push(w);
    if (woke) for (const w of woke) w.settle('ready');
  }

  private run(): void {
    for (let steps = 0; !this.closed; steps++) {
      this.wakeReady();
      if (this.anyRunning()) return;
      const due = this.nextDue();
      const simAt = this.clock.nextAt();
      if (due === undefined && simAt === undefined) return;
      if (steps >= STEPS_PER_TURN) return this.kick();
      if (simAt !== undefined && (due === undefined || simAt <= due.at)) {
        this.clock.step();
        this.afterStep();
        continue;
      }
      this.clock.advance(due!.at - this.clock.now());
      if ('fire' in due!.item) {
        const alarm = due!.item;
        this.alarms = this.alarms.filter((a) => a !== alarm);
        alarm.fire();
      } else {
        due!.item.settle('due');
      }
    }
  }

  /** The earliest deadline: a waiter's or an alarm's, by (time, order of creation). */
  private nextDue(): { at: number; item: Waiter | Alarm } | undefined {
    let best: { at: number; seq: number; item: Waiter | Alarm } | undefined;
    for (const w of this.waiters) if (!best || w.due < best.at || (w.due === best.at && w.seq < best.seq)) best = { at: w.due, seq: w.seq, item: w };
    for (const a of this.alarms) if (!best || a.at < best.at || (a.at === best.at && a.seq < best.seq)) best = { at: a.at, seq: a.seq, item: a };
    return best;
  }
}
