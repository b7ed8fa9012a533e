import type { ReadRecord } from '../../src/trace/reader.js';
import type { HeaderRecord, NodeObservation, TraceRecord, Unsequenced, VmObservation, VmDescription } from '../../src/trace/records.js';

/** Builds small traces in memory for checker tests, with the real record shapes. */
export class TraceBuilder {
  readonly header: HeaderRecord;
  readonly records: ReadRecord[] = [];
  private seq = 0;
  private nodeStates: Record<string, NodeObservation> = {};
  private vmStates: Record<string, VmObservation> = {};
  private pendingEvents: { node: string; id: number }[] = [];

  constructor(options: { nodes?: string[]; vms?: VmDescription[]; settings?: Record<string, number>; toleranceMs?: number } = {}) {
    const nodes = options.nodes ?? ['N1', 'N2', 'N3'];
    const vms = options.vms ?? [
      { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
      { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
    ];
    this.header = {
      type: 'header',
      format: 1,
      runId: 'test',
      experiment: { name: 'test', title: 'test', file: 'test.yaml' },
      target: 'sim',
      seed: 1,
      defects: [],
      cluster: { name: 'C', nodes, vms },
      settings: { ResiliencyDefaultPeriod: 60, ...options.settings },
      check: { toleranceMs: options.toleranceMs ?? 2000 },
      startTime: '2026-01-01T00:00:00.000Z',
      replay: 'clusterchaos run test.yaml',
    };
    for (const n of nodes) this.nodeStates[n] = { State: 'Up', StatusInformation: [] };
    for (const v of vms) this.vmStates[v.name] = { State: 'Running', GroupState: 'Online', OwnerNode: v.owner, StatusInformation: [] };
  }

  private push(record: Unsequenced<Exclude<TraceRecord, HeaderRecord>>): void {
    const full = { ...record, seq: this.seq++ } as TraceRecord;
    this.records.push({ record: full, text: JSON.stringify(full), line: this.records.length + 2 });
  }

  op(t: number, f: string, phase: 'invoke' | 'ok' | 'fail' | 'info', args: Record<string, unknown>, process = 'nemesis'): this {
    this.push({ type: 'op', t, process, f, phase, args });
    return this;
  }

  /** kill-clussvc invoke at t and ok at t + 100 ms. */
  kill(t: number, node: string): this {
    return this.op(t, 'kill-clussvc', 'invoke', { node }).op(t + 100, 'kill-clussvc', 'ok', { node });
  }

  /**
   * The node's state from the next poll on. Entering Isolated or Quarantined also logs the event the cluster
   * documents for it (1673, 1676) at that poll, as a real cluster does, unless `silent`.
   */
  node(name: string, State: NodeObservation['State'], flags: string[] = [], options: { silent?: boolean } = {}): this {
    const before = this.nodeStates[name]?.StatusInformation ?? [];
    this.nodeStates[name] = { State, StatusInformation: flags };
    if (!options.silent) {
      if (flags.includes('Isolated') && !before.includes('Isolated')) this.pendingEvents.push({ node: name, id: 1673 });
      if (flags.includes('Quarantined') && !before.includes('Quarantined')) this.pendingEvents.push({ node: name, id: 1676 });
    }
    return this;
  }

  /** A Windows event record at t. */
  event(t: number, node: string, id: number, message = `event ${id} on ${node}`): this {
    this.push({ type: 'event', t, node, log: 'System', provider: 'Microsoft-Windows-FailoverClustering', id, level: 'Warning', time: new Date(Date.UTC(2026, 0, 1) + t).toISOString(), message });
    return this;
  }

  vm(name: string, State: string, extra: Partial<VmObservation> = {}): this {
    this.vmStates[name] = { ...this.vmStates[name]!, State, StatusInformation: [], GroupState: 'Online', ...extra };
    return this;
  }

  /** One poll at t: every entity with its current state (and the events logged since the last poll). */
  poll(t: number): this {
    for (const e of this.pendingEvents.splice(0)) this.event(t, e.node, e.id);
    for (const [n, state] of Object.entries(this.nodeStates)) this.push({ type: 'observe', t, entity: `node/${n}`, state: { ...state }, source: 'poll' });
    for (const [v, state] of Object.entries(this.vmStates)) this.push({ type: 'observe', t, entity: `vm/${v}`, state: { ...state }, source: 'poll' });
    return this;
  }

  /**
   * How a run ends: the runner's final steady-state check at t (its invoke, one poll, its `ok` — the checker
   * judges the claim by that poll), then the footer. A trace read as `clusterchaos check` reads it is judged
   * whole: without these it is unknown (src/check/outcome.ts).
   */
  end(t: number): this {
    this.op(t, 'steady-state', 'invoke', { when: 'after' }, 'runner').poll(t).op(t, 'steady-state', 'ok', { when: 'after' }, 'runner');
    this.push({ type: 'footer', t, verdict: 'pass', reason: 'written by the test', run: { status: 'completed', virtualMs: t, reverts: [] } });
    return this;
  }

  /** Polls every `step` ms from `from` to `to` inclusive, states unchanged. */
  polls(from: number, to: number, step = 1000): this {
    for (let t = from; t <= to; t += step) this.poll(t);
    return this;
  }
}
