import { readTrace } from '../trace/reader.js';
import type { EventRecord, HeaderRecord, Millis, NodeObservation, TraceRecord, Verdict, VmObservation } from '../trace/records.js';
import { IntervalBuilder, type EntityHistory } from './intervals.js';
import { MigrationStats, type MigrationSummary } from './migrations.js';
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

export type EventMarker = Omit<EventRecord, 'type' | 'seq'>;

/** Everything the reports draw from the trace, aggregated while it streams past. */
export interface Lanes {
  /** Nodes in the header's order, then VMs, then any other entity observed. */
  lanes: Lane[];
  faults: FaultWindow[];
  /** Injections beyond `maxFaults`, counted but not kept. */
  faultsOmitted: number;
  operations: Operation[];
  operationsOmitted: number;
  /** The first `maxEvents` Windows events. */
  events: EventMarker[];
  eventCount: number;
  /** The last time (ms since the run started) any record mentions. */
  endT: Millis;
  footer?: { verdict: Verdict; reason: string };
  /** Every live migration asked for or caused by a drain: counts, durations, per transport, drains. */
  migrations: MigrationSummary;
}

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
  private readonly events: EventMarker[] = [];
  private eventCount = 0;
  private endT = 0;
  private footer: Lanes['footer'];
  private readonly migrations: MigrationStats;

  constructor(header: HeaderRecord, limits: Partial<LaneLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
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
        this.eventCount++;
        if (this.events.length < this.limits.maxEvents) {
          const { type: _type, seq: _seq, ...marker } = record;
          this.events.push(marker);
        }
        break;
      }
      case 'footer':
        this.footer = { verdict: record.verdict, reason: record.reason };
        break;
    }
  }

  finish(): Lanes {
    const lanes: Lane[] = [...this.entities].map(([entity, e]) => ({ entity, kind: e.kind, name: e.name, label: e.label, ...e.builder.finish() }));
    return {
      lanes,
      faults: this.ops.finish(this.endT),
      faultsOmitted: this.ops.faultsOmitted,
      operations: this.ops.operations,
      operationsOmitted: this.ops.operationsOmitted,
      events: this.events,
      eventCount: this.eventCount,
      endT: this.endT,
      ...(this.footer ? { footer: this.footer } : {}),
      migrations: this.migrations.finish(),
    };
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
export async function collectLanes(tracePath: string, header: HeaderRecord, limits?: Partial<LaneLimits>): Promise<Lanes> {
  const collector = new LaneCollector(header, limits);
  for await (const { record } of readTrace(tracePath)) collector.feed(record);
  return collector.finish();
}
