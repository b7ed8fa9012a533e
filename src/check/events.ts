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
 * The converse, for 1673: a node that logs it has left the active membership and is Isolated ("no longer in an
 * active membership", [MSBLOG]; windows-cluster-facts.md §1.3, §2.2 [EVT]). A 1673 for a node that every poll
 * around it saw Up (or Paused: a member either way) reports an isolation that did not happen, and is a
 * violation of the same rule. 1673 shares its ID with another message ("Resource moved from group…",
 * [BRAIN-FC]), so only a record whose message says the node entered the isolated state counts. Polls can miss
 * a short state, so the rule speaks only when the polls around the record left no room for it: at least one
 * before and one after it within EventLogWithin, none apart by more than JoinTakesAtLeast (a node that left
 * the membership spends at least that long Joining before it is Up again, so such polls cannot all miss it).
 */
const ISOLATION_EVENT = 1673;
const ISOLATION_TEXT = /entered the isolated state/i;
/** Node classes of a member of the active membership: not isolated. */
const MEMBER = new Set(['Up', 'Paused']);

/**
 * Records reach the trace at the poll after they happen: an entry is decided once the trace has gone this far
 * past the end of its window, and events that can no longer match an open entry are forgotten (memory stays
 * flat over a long soak).
 */
const SETTLE_MARGIN_MS = 60_000;

interface Entry {
  node: string;
  state: string;
  /** The first observation of the state. */
  t: number;
  /**
   * The node's observation before it (in another state), or `t` if none: the state began somewhere in
   * (since, t], so its event may be anywhere from EventLogWithin before `since` to EventLogWithin after `t`. Polls
   * are a second apart, but a gap of failed polls may last up to two minutes (the runner's MAX_OBSERVATION_GAP_MS).
   */
  since: number;
  line: QuotedLine;
}

/** A 1673 record: the node it says entered the isolated state. */
interface Claim {
  node: string;
  t: number;
  reporter: string;
  text: string;
  line: QuotedLine;
}

/**
 * Who can log what, when (issue 14): the membership records — 1135 removed, 1672 quarantined, 1673 isolated, 1675
 * joining node quarantined, 1676 local node quarantined, 1680 left isolation, 1681 unmonitored, 1682 monitored
 * again / failed over [EVT] — are written by the Cluster Service of the node that logs them. A node whose clussvc is
 * not running cannot write one: from the service control manager's record of its crash (7031, 7034 [SCM7031],
 * [ANAVEM7034]) or stop (7036 "stopped") until its record of the service running again (7036 "running"), in the
 * same node's log (so the same clock), such a record from that node reports what it could not have seen. A service
 * logs a little while it starts, before SCM records it running: records within STARTING_GRACE_MS of that are let be.
 * A trace whose collector took no 7036 at all (an older trace: the PowerShell target collected 7024/7031/7034 only before issue 14) cannot say when
 * the service ran again: the rule then judges nothing left open at its end.
 */
const CLUSSVC_EVENTS = new Set([1135, 1672, 1673, 1675, 1676, 1680, 1681, 1682]);
const CLUSTERING = /FailoverClustering/i;
const SCM = /Service Control Manager/i;
const CLUSSVC_NAME = /Cluster Service/i;
const STARTING_GRACE_MS = 5_000;

interface ServiceDown {
  since: number;
  line: QuotedLine;
  why: string;
  /** Cluster-service records the node logged meanwhile. */
  logged: { rec: EventRecord; line: QuotedLine }[];
}

class ServiceDownRule {
  private readonly down = new Map<string, ServiceDown>();
  readonly violations: Violation[] = [];
  /** Whether the trace holds SCM's "running" records (7036) at all. */
  private seesRestarts = false;

  event(rec: EventRecord, line: QuotedLine): void {
    if (SCM.test(rec.provider) && CLUSSVC_NAME.test(rec.message)) {
      if (rec.id === 7031 || rec.id === 7034 || (rec.id === 7036 && /stopped state/i.test(rec.message))) {
        if (!this.down.has(rec.node)) this.down.set(rec.node, { since: rec.t, line, why: `${rec.id}: ${rec.message.split('.')[0]}`, logged: [] });
      } else if (rec.id === 7036 && /running state/i.test(rec.message)) {
        this.seesRestarts = true;
        this.close(rec.node, rec.t, line);
      }
      return;
    }
    const down = this.down.get(rec.node);
    if (down && CLUSSVC_EVENTS.has(rec.id) && CLUSTERING.test(rec.provider) && rec.t > down.since) down.logged.push({ rec, line });
  }

  /** The service on `node` runs again at `t` (or the trace ended: `t` undefined). */
  close(node: string, t?: number, line?: QuotedLine): void {
    const down = this.down.get(node);
    if (!down) return;
    this.down.delete(node);
    if (t === undefined && !this.seesRestarts) return;
    for (const { rec, line: at } of down.logged) {
      if (t !== undefined && rec.t >= t - STARTING_GRACE_MS) continue;
      const until = t === undefined ? 'and it was not running again by the end of the trace' : `until ${formatT(t)} (7036: running)`;
      this.violations.push({
        rule: 'event-log',
        entity: `node/${node}`,
        expected: `no cluster event logged by ${node} while its Cluster Service was not running`,
        observed: `event ${rec.id} from ${node} at ${formatT(rec.t)}, its Cluster Service down since ${formatT(down.since)}`,
        t: rec.t,
        message:
          `${node} logged event ${rec.id} at ${formatT(rec.t)}: "${rec.message.split('\n')[0]!.trim()}", but its Cluster Service was not running: ` +
          `down since ${formatT(down.since)} (${down.why}) ${until}. Event ${rec.id} is written by the Cluster Service of the node that logs it [EVT]; ` +
          'a node whose service is dead cannot log it, so the record reports what that node could not have seen (it belongs in the log of a member that could).',
        context: [down.line, at, ...(line ? [line] : [])].sort((a, b) => a.seq - b.seq),
      });
    }
  }

  finish(): Violation[] {
    for (const node of [...this.down.keys()]) this.close(node);
    return this.violations;
  }
}

export class EventRules {
  private readonly serviceDown = new ServiceDownRule();
  private entries: Entry[] = [];
  private claims: Claim[] = [];
  /** Each node's recent observations (class, time, line), kept as long as an undecided 1673 may need them. */
  private readonly history = new Map<string, { t: number; cls: string; line: QuotedLine }[]>();
  private events: { node: string; id: number; t: number; message: string; line: QuotedLine }[] = [];
  private readonly last = new Map<string, string>();
  private readonly settled: Violation[] = [];
  private count = 0;
  private latest = 0;
  /** Each node's host power cuts (power-off-node), as [off, on) intervals; `on` absent while the power is off. */
  private readonly dark = new Map<string, { off: number; on?: number }[]>();

  /**
   * `withinMs`: how far an event may be from the observation that saw the state change (polls and log lag);
   * `joinMs`: the least time a node that left the membership takes to be Up again (JoinTakesAtLeast).
   */
  constructor(
    private readonly withinMs: number,
    private readonly joinMs = 0,
  ) {}

  /**
   * The host of `node` lost its power (`off`) or had it restored, from `t` on (the operation's invoke: it may act
   * anywhere up to its completion). The node's own log cannot record what happens while its host is dark: an
   * isolation that begins then has no 1673 of its own (nothing runs on the host to write it; issue 14).
   */
  hostPower(node: string, off: boolean, t: number): void {
    const cuts = this.dark.get(node) ?? [];
    const last = cuts.at(-1);
    if (off && (!last || last.on !== undefined)) cuts.push({ off: t });
    else if (!off && last && last.on === undefined) last.on = t;
    this.dark.set(node, cuts);
  }

  /** Whether `node`'s host may have been dark at some moment in [from, to]. */
  private darkDuring(node: string, from: number, to: number): boolean {
    return (this.dark.get(node) ?? []).some((c) => c.off <= to && (c.on === undefined || c.on >= from));
  }

  observe(entity: string, cls: string, t: number, line: QuotedLine): void {
    if (!entity.startsWith('node/')) return;
    const node = entity.slice('node/'.length);
    let seen = this.history.get(node);
    if (!seen) this.history.set(node, (seen = []));
    if (cls in DOCUMENTED && this.last.get(node) !== cls) this.entries.push({ node, state: cls, t, since: seen.at(-1)?.t ?? t, line });
    this.last.set(node, cls);
    seen.push({ t, cls, line });
    // a 1673 is decided once the trace is EventLogWithin and the margin past it, and looks EventLogWithin back
    // from it: older observations are no longer needed (memory stays flat over a long soak)
    const oldest = t - 2 * (this.withinMs + SETTLE_MARGIN_MS);
    let drop = 0;
    while (drop < seen.length && seen[drop]!.t < oldest) drop++;
    if (drop) seen.splice(0, drop);
    this.advance(t);
  }

  event(rec: EventRecord, line: QuotedLine): void {
    this.count++;
    this.serviceDown.event(rec, line);
    if (Object.values(DOCUMENTED).some((d) => d.ids.includes(rec.id))) {
      this.events.push({ node: rec.node, id: rec.id, t: rec.t, message: rec.message, line });
    }
    if (rec.id === ISOLATION_EVENT && ISOLATION_TEXT.test(rec.message)) {
      const named = /'([^']+)'/.exec(rec.message)?.[1];
      this.claims.push({ node: named ?? rec.node, t: rec.t, reporter: rec.node, text: rec.message.split('\n')[0]!.trim(), line });
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
    let claimed = 0;
    while (claimed < this.claims.length && this.claims[claimed]!.t < horizon) {
      const v = this.spurious(this.claims[claimed++]!);
      if (v) this.settled.push(v);
    }
    if (claimed) this.claims = this.claims.slice(claimed);
    // later entries began after their `since`: an event EventLogWithin before the earliest cannot document any of them
    let earliest = horizon;
    for (const e of this.entries) if (e.since < earliest) earliest = e.since;
    // and a state not yet seen begins after its node's last observation, however long ago (a gap of failed polls)
    for (const seen of this.history.values()) {
      const last = seen.at(-1)?.t;
      if (last !== undefined && last < earliest) earliest = last;
    }
    const keepFrom = earliest - this.withinMs;
    if (this.events.length && this.events[0]!.t < keepFrom) this.events = this.events.filter((e) => e.t >= keepFrom);
  }


  /** Entries and events held, undecided (for tests: it stays small however long the trace). */
  get held(): number {
    return this.entries.length + this.events.length + this.claims.length;
  }

  /** Violations, or why the rule could not be checked. */
  finish(): { violations: Violation[]; unknowns: string[] } {
    if (this.entries.length && this.count === 0) {
      return { violations: [], unknowns: ['no Windows event records were collected, so the event-log rules (1673, 1676) were not checked'] };
    }
    const violations: Violation[] = [...this.settled, ...this.serviceDown.finish()];
    for (const entry of this.entries) {
      const v = this.decide(entry);
      if (v) violations.push(v);
    }
    for (const claim of this.claims) {
      const v = this.spurious(claim);
      if (v) violations.push(v);
    }
    return { violations, unknowns: [] };
  }

  /**
   * A 1673's violation when the polls around it show its node a member throughout, leaving no room for an
   * isolation; undefined when one shows it out of Up, or the polls are too sparse to tell.
   */
  private spurious(claim: Claim): Violation | undefined {
    const around = (this.history.get(claim.node) ?? []).filter((o) => Math.abs(o.t - claim.t) <= this.withinMs);
    if (!around.length || around.some((o) => !MEMBER.has(o.cls))) return undefined;
    const first = around[0]!;
    const last = around.at(-1)!;
    if (first.t > claim.t || last.t < claim.t) return undefined;
    let gap = 0;
    for (let i = 1; i < around.length; i++) gap = Math.max(gap, around[i]!.t - around[i - 1]!.t);
    if (gap > this.joinMs) return undefined;
    const before = around.filter((o) => o.t <= claim.t).at(-1)!;
    const after = around.find((o) => o.t >= claim.t)!;
    return {
      rule: 'event-log',
      entity: `node/${claim.node}`,
      expected: `node/${claim.node} out of the active membership (Isolated) near ${formatT(claim.t)}, as event 1673 reports`,
      observed: `${[...new Set(around.map((o) => o.cls))].join(' or ')} at every poll from ${formatT(first.t)} to ${formatT(last.t)}, with event 1673`,
      t: claim.t,
      message:
        `${claim.reporter} logged event 1673 at ${formatT(claim.t)}: "${claim.text}", but node/${claim.node} was observed ` +
        `${[...new Set(around.map((o) => o.cls))].join(' or ')} at every one of ${around.length} polls from ${formatT(first.t)} to ${formatT(last.t)} ` +
        `(at most ${seconds(gap)} apart; a node that leaves the membership spends at least JoinTakesAtLeast = ${seconds(this.joinMs)} Joining ` +
        'before it is Up again, so no isolation fits between them): an isolated node is no longer in the active membership [MSBLOG], ' +
        'so the cluster reported an isolation that did not happen.',
      context: [before.line, claim.line, after.line].filter((l, i, all) => all.indexOf(l) === i).sort((a, b) => a.seq - b.seq),
    };
  }

  /** The entry's violation, or undefined when an event documents it. */
  private decide(entry: Entry): Violation | undefined {
    {
      const rule = DOCUMENTED[entry.state]!;
      // An isolation that began while the node's host was dark: nothing on the host could log its 1673
      if (entry.state === 'Isolated' && this.darkDuring(entry.node, entry.since, entry.t)) return undefined;
      const found = this.events.some(
        (e) =>
          rule.ids.includes(e.id) &&
          e.t >= entry.since - this.withinMs &&
          e.t <= entry.t + this.withinMs &&
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
          `node/${entry.node} was observed ${entry.state} at ${formatT(entry.t)}` +
          (entry.since < entry.t - 1000 ? ` (and last seen otherwise at ${formatT(entry.since)})` : '') +
          `, but no event ${rule.what} was logged within ${seconds(this.withinMs)} of ${entry.since < entry.t - 1000 ? 'that interval' : 'it'}: ` +
          'the cluster did not report the state it was seen in.',
        context: [entry.line],
      };
    }
  }
}
