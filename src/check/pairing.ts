import type { OpRecord } from '../trace/records.js';

/** Open invokes kept at most (an edited trace whose operations never complete must not grow memory). */
const MAX_OPEN = 4096;

/**
 * Which invoke a completion belongs to. Op lines carry the operation's identity, `id` (the seq of its invoke
 * line, repeated on the completion: src/engine/runner.ts), so two operations of one process in flight at once
 * (steps in parallel) are each paired with their own invoke. Traces written before ids existed have none: their
 * operations are paired by process, one in flight per process (Jepsen's rule, which the runner kept then).
 */
export function pairingKey(op: Pick<OpRecord, 'id' | 'process'>): string {
  return op.id !== undefined ? `id ${op.id}` : `process ${op.process}`;
}

/** What closing a completion found: its invoke's entry, or nothing (and whether the completion named an id nothing opened). */
export interface Closed<T> {
  invoked: T | undefined;
  /** The completion carries an id that no open invoke of the trace had (an invoke cut out or edited): say so. */
  orphan: boolean;
}

/** The invokes still waiting for their completion, paired by `pairingKey`. */
export class OpenInvokes<T> {
  private readonly open = new Map<string, T>();

  get size(): number {
    return this.open.size;
  }

  values(): IterableIterator<T> {
    return this.open.values();
  }

  clear(): void {
    this.open.clear();
  }

  invoke(op: OpRecord, entry: T): void {
    const key = pairingKey(op);
    this.open.delete(key); // a second invoke with the same key replaces the first (and goes last)
    this.open.set(key, entry);
    if (this.open.size > MAX_OPEN) this.open.delete(this.open.keys().next().value!);
  }

  complete(op: OpRecord): Closed<T> {
    const key = pairingKey(op);
    const invoked = this.open.get(key);
    this.open.delete(key);
    return { invoked, orphan: invoked === undefined && op.id !== undefined };
  }
}
