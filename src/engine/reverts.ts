/**
 * Reverts registered before each injection and run, newest first, on every exit path. A revert that fails
 * does not stop the others (Chaos Toolkit's users learned this the hard way: chaostoolkit#195, #258).
 */
export class RevertStack {
  private readonly stack: { label: string; fault: string; run: () => Promise<void> }[] = [];

  register(fault: string, label: string, run: () => Promise<void>): void {
    this.stack.push({ fault, label, run });
  }

  get size(): number {
    return this.stack.length;
  }

  /** Run every registered revert once, newest first; `each` is told how each one went. */
  async runAll(each: (r: { fault: string; label: string }, outcome: Promise<void>) => Promise<void>): Promise<void> {
    while (this.stack.length) {
      const r = this.stack.pop()!;
      await each(r, r.run());
    }
  }
}
