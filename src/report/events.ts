import type { EventRecord, Millis } from '../trace/records.js';

export type EventMarker = Omit<EventRecord, 'type' | 'seq'>;

/** Critical first: where a slice of the run has room for one marker, it is its most severe event. */
const SEVERITY: Record<string, number> = { critical: 4, error: 3, warning: 2, information: 1, verbose: 0 };

function severity(e: EventMarker): number {
  return SEVERITY[e.level.toLowerCase()] ?? 1;
}

/** The first slice width tried (ms); it doubles whenever the slices hold more events than the report keeps. */
const FIRST_SLICE_MS = 1;

/**
 * Windows events spread evenly over the whole run, in bounded memory, as they stream past: the run is cut into
 * equal slices of time and each slice keeps its most severe event (the first of them). While the events fit in
 * `max`, every event is kept; when they do not, the slices double in
 * width until they do. Keeping the first `max` events instead made a 30-hour soak's markers all fall in its
 * first hour.
 */
export class EventSampler {
  private readonly all: EventMarker[] = [];
  private slices = new Map<number, EventMarker>();
  private sliceMs = FIRST_SLICE_MS;
  private count = 0;

  constructor(private readonly max: number) {}

  add(e: EventMarker): void {
    this.count++;
    // Every event while they fit: a short run's table lists each one.
    if (this.count <= this.max) {
      this.all.push(e);
      return;
    }
    for (const kept of this.all.splice(0)) this.place(kept);
    this.place(e);
    while (this.slices.size > this.max) this.widen();
  }

  finish(): { kept: EventMarker[]; count: number; sliceMs: Millis } {
    if (this.count <= this.max) return { kept: this.all, count: this.count, sliceMs: 0 };
    const kept = [...this.slices.values()].sort((a, b) => a.t - b.t);
    return { kept, count: this.count, sliceMs: this.sliceMs };
  }

  private place(e: EventMarker): void {
    const slice = Math.floor(Math.max(e.t, 0) / this.sliceMs);
    const there = this.slices.get(slice);
    if (!there || severity(e) > severity(there) || (severity(e) === severity(there) && e.t < there.t)) this.slices.set(slice, e);
  }

  private widen(): void {
    const before = this.slices;
    this.sliceMs *= 2;
    this.slices = new Map();
    for (const e of before.values()) this.place(e);
  }
}
