/**
 * The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so events due at
 * the same virtual instant run in the order they were scheduled. Cancelled entries stay in the heap and
 * are skipped when they reach the top (lazy deletion keeps cancel O(1)).
 */

export interface Scheduled {
  readonly time: number;
  readonly seq: number;
  readonly action: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private readonly heap: Scheduled[] = [];
  private nextSeq = 0;

  push(time: number, action: () => void): Scheduled {
    const entry: Scheduled = { time, seq: this.nextSeq++, action, cancelled: false };
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
    return entry;
  }

  /** The earliest live entry, or undefined; drops cancelled entries on the way. */
  peek(): Scheduled | undefined {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  pop(): Scheduled | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let at = -1;
        if (l < heap.length && before(heap[l], last)) at = l;
        if (r < heap.length && before(heap[r], at < 0 ? last : heap[at])) at = r;
        if (at < 0) break;
        heap[i] = heap[at];
        i = at;
      }
      heap[i] = last;
    }
    return top;
  }

  get size(): number {
    return this.heap.length;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
