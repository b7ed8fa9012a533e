/** How an operation that takes virtual time reports its end: once, ok or failed (later calls are ignored). */
export interface Outcome<T> {
  ok(value: T): void;
  fail(error: Error): void;
}

/** The first outcome an operation reports, kept for whoever waits on it (a class, not closures: one is made per operation). */
export class Settlement<T> implements Outcome<T> {
  settled = false;
  value: T | undefined;
  error: Error | undefined;

  ok(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.value = value;
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.error = error;
  }
}

/** "30 s", "1.5 s": a timeout as the messages print it. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** A timeout given to an operation: absent, or a finite number of ms ≥ 0. Returns the error text if it is not. */
export function badTimeout(timeoutMs: unknown): string | undefined {
  if (timeoutMs === undefined) return undefined;
  if (typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs >= 0) return undefined;
  return `timeoutMs must be a finite number of milliseconds ≥ 0, got ${JSON.stringify(timeoutMs)}`;
}
