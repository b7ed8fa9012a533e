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

export class EventRules {
  private readonly entries: { node: string; state: string; t: number; line: QuotedLine }[] = [];
  private readonly events: { node: string; id: number; t: number; message: string; line: QuotedLine }[] = [];
  private readonly last = new Map<string, string>();
  private count = 0;

  /** How far an event may be from the observation that saw the state change (polls and log lag). */
  constructor(private readonly withinMs: number) {}

  observe(entity: string, cls: string, t: number, line: QuotedLine): void {
    if (!entity.startsWith('node/')) return;
    const node = entity.slice('node/'.length);
    if (cls in DOCUMENTED && this.last.get(node) !== cls) this.entries.push({ node, state: cls, t, line });
    this.last.set(node, cls);
  }

  event(rec: EventRecord, line: QuotedLine): void {
    this.count++;
    if (Object.values(DOCUMENTED).some((d) => d.ids.includes(rec.id))) {
      this.events.push({ node: rec.node, id: rec.id, t: rec.t, message: rec.message, line });
    }
  }

  /** Violations, or why the rule could not be checked. */
  finish(): { violations: Violation[]; unknowns: string[] } {
    if (this.entries.length && this.count === 0) {
      return { violations: [], unknowns: ['no Windows event records were collected, so the event-log rules (1673, 1676) were not checked'] };
    }
    const violations: Violation[] = [];
    for (const entry of this.entries) {
      const rule = DOCUMENTED[entry.state]!;
      const found = this.events.some(
        (e) =>
          rule.ids.includes(e.id) &&
          Math.abs(e.t - entry.t) <= this.withinMs &&
          (e.node === entry.node || e.message.includes(`'${entry.node}'`)),
      );
      if (found) continue;
      violations.push({
        rule: 'event-log',
        entity: `node/${entry.node}`,
        expected: `event ${rule.what} in the log of ${entry.node}`,
        observed: `${entry.state} with no such event`,
        t: entry.t,
        message:
          `node/${entry.node} was observed ${entry.state} at ${formatT(entry.t)}, but no event ${rule.what} was logged ` +
          `within ${seconds(this.withinMs)} of it: the cluster did not report the state it was seen in.`,
        context: [entry.line],
      });
    }
    return { violations, unknowns: [] };
  }
}
