import type { SimClock } from './clock.js';

/** How a wait ended: its condition held, its deadline came, or its caller gave it up (an abort signal). */
export type WaitEnd = 'ready' | 'due' | 'aborted';

interface Waiter {
  readonly seq: number;
  readonly due: number;
  readonly ready: (() => boolean) | undefined;
  readonly end: (how: WaitEnd) => void;
}

/**
 * Activities in flight at once on the simulator's virtual clock (Target.concurrently): the branches of a
 * `parallel:` block, a step's operation and the polls that observe it meanwhile.
 *
 * Each activity runs (its TypeScript code) or waits (a sleep, an operation until it ends). The clock moves only
 * while every activity waits: then it runs the simulator's queued actions one at a time, and after each wakes
 * the waiters whose condition holds (an operation that ended) or whose deadline came (a sleep), oldest first;
 * the simulator's actions due at an instant run before the deadlines at that instant (as SimClock.advance).
 * A woken activity runs until it waits again or ends, and the clock stands still meanwhile, so an operation's
 * completion is seen at the very time it ended, and the same seed gives the same interleaving, whatever the
 * event loop does. The rehearsal lab's co-simulation (powershell/rehearsal/clock.ts) does the same with
 * PowerShell processes among the participants.
 *
 * Outside `concurrently` nothing here is used: a lone caller advances the clock itself (SimTarget.sleep,
 * untilEnded), as before.
 */
export class Activities {
  /** Activities running now (not waiting); the caller of the outermost `concurrently` counts while it runs. */
  private running = 1;
  private depth = 0;
  private waiters: Waiter[] = [];
  private seq = 0;
  private pumping = false;

  constructor(private readonly clock: SimClock) {}

  /** Whether activities are in flight (inside `concurrently`): waits must go through `wait`. */
  get active(): boolean {
    return this.depth > 0;
  }

  /** Run `activities` at once; the caller waits until every one has settled. */
  async concurrently<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    if (activities.length === 0) return [];
    this.depth++;
    // the caller waits for them (it no longer runs); each of them runs until it first waits
    this.running += activities.length - 1;
    let left = activities.length;
    try {
      return await Promise.allSettled(
        activities.map((activity) => {
          let p: Promise<T>;
          try {
            p = activity();
          } catch (e) {
            p = Promise.reject(e);
          }
          return p.finally(() => {
            // the last one to end hands over to the caller, who runs on
            if (--left > 0) {
              this.running--;
              this.pump();
            }
          });
        }),
      );
    } finally {
      this.depth--;
    }
  }

  /**
   * The calling activity waits until `ready()` holds or the clock reaches `due`, or until `signal` aborts. It
   * must be an activity of `concurrently` (one wait at a time).
   */
  wait(o: { due: number; ready?: () => boolean; signal?: AbortSignal }): Promise<WaitEnd> {
    if (o.ready?.()) return Promise.resolve('ready');
    if (o.signal?.aborted) return Promise.resolve('aborted');
    return new Promise<WaitEnd>((resolve) => {
      const abort = (): void => waiter.end('aborted');
      const waiter: Waiter = {
        seq: this.seq++,
        due: Math.max(o.due, this.clock.now()),
        ready: o.ready,
        end: (how) => {
          const i = this.waiters.indexOf(waiter);
          if (i < 0) return;
          this.waiters.splice(i, 1);
          o.signal?.removeEventListener('abort', abort);
          this.running++;
          resolve(how);
        },
      };
      this.waiters.push(waiter);
      o.signal?.addEventListener('abort', abort, { once: true });
      this.running--;
      this.pump();
    });
  }

  /** Move the clock while nothing runs, until some waiter wakes. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running === 0 && this.waiters.length > 0) {
        if (this.wakeReady()) break;
        const due = this.earliestDue();
        const simAt = this.clock.nextAt();
        if (simAt !== undefined && simAt <= due.due) {
          this.clock.step();
          continue;
        }
        this.clock.advance(due.due - this.clock.now());
        for (const w of [...this.waiters]) if (w.due <= this.clock.now() && !w.ready?.()) w.end('due');
        this.wakeReady();
      }
    } finally {
      this.pumping = false;
    }
  }

  private wakeReady(): boolean {
    const ready = this.waiters.filter((w) => w.ready?.());
    for (const w of ready) w.end('ready');
    return ready.length > 0;
  }

  private earliestDue(): Waiter {
    let best = this.waiters[0]!;
    for (const w of this.waiters) if (w.due < best.due || (w.due === best.due && w.seq < best.seq)) best = w;
    return best;
  }
}
