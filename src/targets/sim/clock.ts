import { EventQueue, type Scheduled } from './queue.js';

/** A pending action on the virtual clock; `cancel()` is idempotent. */
export interface Timer {
  readonly at: number;
  cancel(): void;
}

/**
 * Virtual time. Nothing happens between calls: `advance(ms)` runs every queued action due at or before
 * now + ms, in (time, insertion) order, each with `now` set to its own due time, then sets now = now + ms.
 * Actions may schedule further actions; those due within the window run in the same advance.
 */
export class SimClock {
  private current = 0;
  private readonly queue = new EventQueue();

  now(): number {
    return this.current;
  }

  /** Run `action` at virtual time `time` (not before now). */
  at(time: number, action: () => void): Timer {
    if (!(time >= this.current)) {
      throw new RangeError(`cannot schedule at t=${time} ms: the clock is at ${this.current} ms and cannot travel back in time`);
    }
    return new QueuedTimer(this.queue.push(time, action));
  }

  after(ms: number, action: () => void): Timer {
    return this.at(this.current + Math.max(0, ms), action);
  }

  /** When the earliest queued action is due; undefined when nothing is queued. */
  nextAt(): number | undefined {
    return this.queue.peek()?.time;
  }

  /**
   * Run the earliest queued action (with `now` at its due time) and leave the clock there. Returns false,
   * and leaves the clock alone, when nothing is queued. Lets several callers wait for their own outcomes
   * concurrently: each steps the shared clock until its outcome is in.
   */
  step(): boolean {
    const next = this.queue.peek();
    if (!next) return false;
    this.queue.pop();
    this.current = next.time;
    next.action();
    return true;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`cannot advance the clock by ${ms} ms: give a finite number ≥ 0 (time only runs forward)`);
    }
    const until = this.current + ms;
    for (let next = this.queue.peek(); next && next.time <= until; next = this.queue.peek()) {
      this.queue.pop();
      this.current = next.time;
      next.action();
    }
    this.current = until;
  }
}

/** A queued action as its owner holds it (a class, not a closure: the simulator queues many per second of wall time). */
class QueuedTimer implements Timer {
  constructor(private readonly entry: Scheduled) {}

  get at(): number {
    return this.entry.time;
  }

  cancel(): void {
    this.entry.cancelled = true;
  }
}
