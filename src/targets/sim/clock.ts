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
    const entry: Scheduled = this.queue.push(time, action);
    return { at: time, cancel: () => void (entry.cancelled = true) };
  }

  after(ms: number, action: () => void): Timer {
    return this.at(this.current + Math.max(0, ms), action);
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
