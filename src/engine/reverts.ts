export interface Revert {
  /** The fault (or runner step) it undoes. */
  fault: string;
  /** The injection's arguments, recorded on the revert's op lines too, so the trace says what was undone. */
  args: Record<string, unknown>;
  /** How a person names it: `kill-clussvc N2`. */
  label: string;
  run: () => Promise<void>;
}

/**
 * Reverts registered before each injection and run, newest first, on every exit path. A revert that fails
 * does not stop the others (Chaos Toolkit's users learned this the hard way: chaostoolkit#195, #258).
 */
export class RevertStack {
  private readonly stack: Revert[] = [];

  register(revert: Revert): void {
    this.stack.push(revert);
  }

  get size(): number {
    return this.stack.length;
  }

  /**
   * Run every registered revert once, newest first; `each` is told how each one went. With `downTo`, only
   * those registered after the stack had that size (a soak iteration's own).
   */
  async runAll(each: (r: Revert, outcome: Promise<void>) => Promise<void>, downTo = 0): Promise<void> {
    let first: unknown;
    while (this.stack.length > downTo) {
      const r = this.stack.pop()!;
      // the revert starts before anything is recorded about it, and what `each` does with it (write the trace,
      // which may fail) can never keep the next revert from running
      const outcome = Promise.resolve().then(() => r.run());
      try {
        await each(r, outcome);
      } catch (e) {
        first ??= e;
        await outcome.catch(() => undefined);
      }
    }
    if (first !== undefined) throw first;
  }
}
