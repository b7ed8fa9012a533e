import { readTrace } from '../trace/reader.js';
import type { HeaderRecord, Millis, NodeObservation, ObserveRecord, TraceRecord, Verdict, VmObservation } from '../trace/records.js';
import { IntervalBuilder, type EntityHistory } from './intervals.js';
import { MigrationStats, type MigrationSummary } from './migrations.js';
import { EventSampler, type EventMarker } from './events.js';
import { OperationLog, type FaultWindow, type Operation } from './operations.js';
import { nodeDisplayState, vmDisplayState } from './states.js';

export type { Interval, EntityHistory } from './intervals.js';
export type { FaultWindow, Operation, Outcome } from './operations.js';

/** One horizontal lane of the timeline: a node or a VM and what it did. */
export interface Lane extends EntityHistory {
  /** `node/N2`, `vm/sql01`. */
  entity: string;
  kind: 'node' | 'vm';
  name: string;
  /** What the lane is called on the timeline: `N2`, `sql01 (csv-block)`. */
  label: string;
}

export type { EventMarker } from './events.js';

/** Everything the reports draw from the trace, aggregated while it streams past. */
export interface Lanes {
  /** Nodes in the header's order, then VMs, then any other entity observed. */
  lanes: Lane[];
  faults: FaultWindow[];
  /** Injections beyond `maxFaults`, counted but not kept. */
  faultsOmitted: number;
  operations: Operation[];
  operationsOmitted: number;
  /**
   * At most `maxEvents` Windows events spread evenly over the whole run (events.ts): all of them when there are
   * no more, else the most severe of each equal slice of the run, so a 30-hour soak's markers cover 30 hours.
   */
  events: EventMarker[];
  eventCount: number;
  /** The width of the slices `events` was thinned to (ms), 0 when every event was kept. */
  eventSliceMs: Millis;
  /** The minutes around the first violation, at full detail (see `zoomAround`); absent when not asked for. */
  zoom?: Zoom;
  /** The last time (ms since the run started) any record mentions. */
  endT: Millis;
  footer?: { verdict: Verdict; reason: string };
  /** Every live migration asked for or caused by a drain: counts, durations, per transport, drains. */
  migrations: MigrationSummary;
}

/** The timeline of a few minutes around one moment (the first violation), drawn from every observation in it. */
export interface Zoom {
  from: Millis;
  to: Millis;
  /** The moment zoomed on. */
  at: Millis;
  lanes: Lane[];
  events: EventMarker[];
  /** The soak iteration `at` fell in (1-based: checkpoints before it + 1); absent when the run is no soak. */
  iteration?: number;
}

/** How far either side of the first violation the zoomed timeline reaches. */
export const ZOOM_HALF_MS = 150_000;

/** Intervals per lane in the zoom: one per pixel of the plot (timeline.ts), so five minutes polled every second keep each poll. */
const ZOOM_MAX_INTERVALS = 1000;

export interface LaneLimits {
  /**
   * Intervals per lane; beyond it the shortest are merged into "many changes" boxes. Well under the plot's
   * 1000 px (timeline.ts): a box narrower than a pixel or two shows nothing, yet costs the browser a shape and
   * a tooltip (a 10,000-migration soak drew 1,670 boxes per VM lane at 2000 and took 3.7 s to open).
   */
  maxIntervals: number;
  maxEvents: number;
  maxOperations: number;
  maxFaults: number;
}

export const DEFAULT_LIMITS: LaneLimits = { maxIntervals: 400, maxEvents: 500, maxOperations: 2000, maxFaults: 5000 };

/**
 * Aggregates trace records into lanes, fault windows, operations and events, one record at a time, in
 * memory bounded by the limits whatever the length of the run.
 */
export class LaneCollector {
  private readonly limits: LaneLimits;
  private readonly entities = new Map<string, { kind: 'node' | 'vm'; name: string; label: string; builder: IntervalBuilder }>();
  private readonly ops: OperationLog;
  private readonly events: EventSampler;
  private readonly zoom?: {
    from: Millis;
    to: Millis;
    at: Millis;
    /** Per entity: its builder, the state it was last seen in (before or in the window), and whether the window is closed for it. */
    entities: Map<string, { builder?: IntervalBuilder; last: [string, string | undefined]; before: boolean; closed: boolean }>;
    events: EventMarker[];
    checkpointsBefore: number;
    soak: boolean;
  };
  private endT = 0;
  private footer: Lanes['footer'];
  private readonly migrations: MigrationStats;

  /** `zoomAround`: a moment (the first violation) to draw at full detail, with the minutes either side. */
  constructor(header: HeaderRecord, limits: Partial<LaneLimits> = {}, zoomAround?: Millis) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.events = new EventSampler(this.limits.maxEvents);
    if (zoomAround !== undefined && Number.isFinite(zoomAround)) {
      const from = Math.max(0, zoomAround - ZOOM_HALF_MS);
      this.zoom = { from, to: from + 2 * ZOOM_HALF_MS, at: zoomAround, entities: new Map(), events: [], checkpointsBefore: 0, soak: false };
    }
    this.migrations = new MigrationStats(header);
    this.ops = new OperationLog(this.limits);
    for (const n of header.cluster.nodes) this.entity(`node/${n}`, n);
    for (const vm of header.cluster.vms) this.entity(`vm/${vm.name}`, `${vm.name} (${vm.storage})`);
  }

  feed(record: TraceRecord): void {
    if (record.type === 'header') return;
    if (Number.isFinite(record.t)) this.endT = Math.max(this.endT, record.t);
    switch (record.type) {
      case 'observe': {
        this.zoomObserve(record);
        const e = this.entity(record.entity);
        if (e.kind === 'vm') {
          const vm = record.state as VmObservation;
          e.builder.observe(record.t, vmDisplayState(vm), vm.OwnerNode);
        } else {
          e.builder.observe(record.t, nodeDisplayState(record.state as NodeObservation));
        }
        break;
      }
      case 'op':
        this.ops.feed(record);
        this.migrations.feed(record);
        break;
      case 'event': {
        const { type: _type, seq: _seq, ...marker } = record;
        this.events.add(marker);
        const z = this.zoom;
        if (z && record.t >= z.from && record.t <= z.to && z.events.length < this.limits.maxEvents) z.events.push(marker);
        break;
      }
      case 'checkpoint':
        if (this.zoom) {
          this.zoom.soak = true;
          if (record.t < this.zoom.at) this.zoom.checkpointsBefore++;
        }
        break;
      case 'footer':
        this.footer = { verdict: record.verdict, reason: record.reason };
        break;
    }
  }

  finish(): Lanes {
    const lanes: Lane[] = [...this.entities].map(([entity, e]) => ({ entity, kind: e.kind, name: e.name, label: e.label, ...e.builder.finish() }));
    const events = this.events.finish();
    return {
      lanes,
      faults: this.ops.finish(this.endT),
      faultsOmitted: this.ops.faultsOmitted,
      operations: this.ops.operations,
      operationsOmitted: this.ops.operationsOmitted,
      events: events.kept,
      eventCount: events.count,
      eventSliceMs: events.sliceMs,
      ...(this.zoom ? { zoom: this.finishZoom(lanes) } : {}),
      endT: this.endT,
      ...(this.footer ? { footer: this.footer } : {}),
      migrations: this.migrations.finish(),
    };
  }

  /**
   * Observations in the zoom window go to builders of their own, so the window keeps every change however many
   * the whole run merged; the observation just before the window says what the lane was in when it opens.
   */
  private zoomObserve(record: ObserveRecord): void {
    const z = this.zoom;
    if (!z) return;
    const seen: [string, string | undefined] =
      record.entity.startsWith('vm/')
        ? [vmDisplayState(record.state as VmObservation), (record.state as VmObservation).OwnerNode]
        : [nodeDisplayState(record.state as NodeObservation), undefined];
    let e = z.entities.get(record.entity);
    if (!e) z.entities.set(record.entity, (e = { last: seen, before: false, closed: false }));
    if (e.closed) return;
    if (record.t < z.from) {
      // only the latest before the window matters: what the lane is in when the window opens
      e.last = seen;
      e.before = true;
      return;
    }
    if (!e.builder) {
      if (record.t > z.to && !e.before) {
        e.closed = true; // first seen after the window: nothing to draw in it
        return;
      }
      e.builder = new IntervalBuilder(ZOOM_MAX_INTERVALS);
      if (e.before) e.builder.observe(z.from, ...e.last);
    }
    if (record.t > z.to) {
      // the state it was in lasted to the window's end: the change came after it
      e.builder.observe(z.to, ...e.last);
      e.closed = true;
      return;
    }
    e.builder.observe(record.t, ...seen);
    e.last = seen;
  }

  private finishZoom(whole: Lane[]): Zoom {
    const z = this.zoom!;
    const to = Math.min(z.to, Math.max(this.endT, z.at));
    const empty = { intervals: [], states: {}, transitions: 0, owners: {}, ownerChanges: 0, observations: 0 };
    const lanes = whole.map(({ entity, kind, name, label }) => {
      const e = z.entities.get(entity);
      // seen only before the window: it stayed in its last state throughout
      if (e?.before && !e.builder) (e.builder = new IntervalBuilder(ZOOM_MAX_INTERVALS)).observe(z.from, ...e.last);
      if (e?.builder && !e.closed) e.builder.observe(to, ...e.last);
      const history = e?.builder?.finish() ?? empty;
      return { entity, kind, name, label, ...history };
    });
    return { from: z.from, to, at: z.at, lanes, events: z.events, ...(z.soak ? { iteration: z.checkpointsBefore + 1 } : {}) };
  }

  private entity(id: string, label?: string) {
    let e = this.entities.get(id);
    if (!e) {
      const slash = id.indexOf('/');
      const name = id.slice(slash + 1);
      e = { kind: id.startsWith('vm/') ? 'vm' : 'node', name, label: label ?? name, builder: new IntervalBuilder(this.limits.maxIntervals) };
      this.entities.set(id, e);
    }
    return e;
  }
}

/** Stream a trace file into lanes (never holding the whole trace in memory). */
export async function collectLanes(tracePath: string, header: HeaderRecord, limits?: Partial<LaneLimits>, zoomAround?: Millis): Promise<Lanes> {
  const collector = new LaneCollector(header, limits, zoomAround);
  for await (const { record } of readTrace(tracePath)) collector.feed(record);
  return collector.finish();
}
