import type { EventRecord } from '../trace/records.js';
import type { QuotedLine, Violation } from './result.js';
import { formatT, seconds } from './time.js';

/**
 * Windows event records as further observations. A node seen entering a state the cluster documents with an
 * event must have that event in its log near that time ([EVT]): an Isolated node without its 1673 record, or a
 * quarantined one without 1676 (or a 1672 naming it), is suspicious — the cluster did not do what it reports,
 * or reported what it did not do.
 */
const DOCUMENTED: Record<string, { ids: number[]; what: string }> = {
  // 1673 CLUSTER_NODE_ENTERED_ISOLATED_STATE
  Isolated: { ids: [1673], what: '1673 (node entered the isolated state)' },
  // 1676 EVENT_LOCAL_NODE_QUARANTINED, or 1672 EVENT_NODE_QUARANTINED from another node
  Quarantined: { ids: [1676, 1672], what: '1676 or 1672 (node quarantined)' },
};

/**
 * Records reach the trace at the poll after they happen: an entry is decided once the trace has gone this far
 * past the end of its window, and events that can no longer match an open entry are forgotten (memory stays
 * flat over a long soak).
 */
const SETTLE_MARGIN_MS = 60_000;

interface Entry {
  node: string;
  state: string;
  t: number;
  line: QuotedLine;
}

export class EventRules {
  private entries: Entry[] = [];
  private events: { node: string; id: number; t: number; message: string; line: QuotedLine }[] = [];
  private readonly last = new Map<string, string>();
  private readonly settled: Violation[] = [];
  private count = 0;
  private latest = 0;

  /** How far an event may be from the observation that saw the state change (polls and log lag). */
  constructor(private readonly withinMs: number) {}

  observe(entity: string, cls: string, t: number, line: QuotedLine): void {
    if (!entity.startsWith('node/')) return;
    const node = entity.slice('node/'.length);
    if (cls in DOCUMENTED && this.last.get(node) !== cls) this.entries.push({ node, state: cls, t, line });
    this.last.set(node, cls);
    this.advance(t);
  }

  event(rec: EventRecord, line: QuotedLine): void {
    this.count++;
    if (Object.values(DOCUMENTED).some((d) => d.ids.includes(rec.id))) {
      this.events.push({ node: rec.node, id: rec.id, t: rec.t, message: rec.message, line });
    }
    this.advance(rec.t);
  }

  /** Decide the entries whose window the trace has left behind, and forget events nothing open can match. */
  private advance(t: number): void {
    if (t <= this.latest) return;
    this.latest = t;
    if (this.count === 0) return; // nothing is decided before any event arrived (finish says why)
    const horizon = t - this.withinMs - SETTLE_MARGIN_MS;
    let decided = 0;
    while (decided < this.entries.length && this.entries[decided]!.t < horizon) {
      const v = this.decide(this.entries[decided++]!);
      if (v) this.settled.push(v);
    }
    if (decided) this.entries = this.entries.slice(decided);
    // later entries are observed after `horizon`: an event before this cannot document any of them
    const keepFrom = Math.min(this.entries[0]?.t ?? horizon, horizon) - this.withinMs;
    if (this.events.length && this.events[0]!.t < keepFrom) this.events = this.events.filter((e) => e.t >= keepFrom);
  }


  /** Entries and events held, undecided (for tests: it stays small however long the trace). */
  get held(): number {
    return this.entries.length + this.events.length;
  }

  /** Violations, or why the rule could not be checked. */
  finish(): { violations: Violation[]; unknowns: string[] } {
    if (this.entries.length && this.count === 0) {
      return { violations: [], unknowns: ['no Windows event records were collected, so the event-log rules (1673, 1676) were not checked'] };
    }
    const violations: Violation[] = [...this.settled];
    for (const entry of this.entries) {
      const v = this.decide(entry);
      if (v) violations.push(v);
    }
    return { violations, unknowns: [] };
  }

  /** The entry's violation, or undefined when an event documents it. */
  private decide(entry: Entry): Violation | undefined {
    {
      const rule = DOCUMENTED[entry.state]!;
      const found = this.events.some(
        (e) =>
          rule.ids.includes(e.id) &&
          Math.abs(e.t - entry.t) <= this.withinMs &&
          (e.node === entry.node || e.message.includes(`'${entry.node}'`)),
      );
      if (found) return undefined;
      return {
        rule: 'event-log',
        entity: `node/${entry.node}`,
        expected: `event ${rule.what} in the log of ${entry.node}`,
        observed: `${entry.state} with no such event`,
        t: entry.t,
        message:
          `node/${entry.node} was observed ${entry.state} at ${formatT(entry.t)}, but no event ${rule.what} was logged ` +
          `within ${seconds(this.withinMs)} of it: the cluster did not report the state it was seen in.`,
        context: [entry.line],
      };
    }
  }
}
