import { expect } from 'chai';
import { EventRules } from '../../src/check/events.js';
import type { EventRecord } from '../../src/trace/records.js';

/** A node's records as the trace keeps them: SCM's (7031, 7034, 7036) and the cluster's. */
let seq = 0;
function rec(t: number, node: string, id: number, message: string, provider = 'Microsoft-Windows-FailoverClustering'): [EventRecord, { seq: number; t: number; text: string }] {
  const r: EventRecord = { type: 'event', seq: ++seq, t, node, log: 'System', provider, id, level: 'Warning', time: new Date(Date.UTC(2026, 0, 1) + t).toISOString(), message };
  return [r, { seq: r.seq, t, text: JSON.stringify(r) }];
}
const scm = 'Service Control Manager';
const crashed = (t: number, node: string) => rec(t, node, 7031, 'The Cluster Service service terminated unexpectedly. It has done this 1 time(s).', scm);
const running = (t: number, node: string) => rec(t, node, 7036, 'The Cluster Service service entered the running state.', scm);
const isolated = (t: number, by: string, node: string) => rec(t, by, 1673, `Cluster node '${node}' has entered the isolated state.`);

function judge(records: ReturnType<typeof rec>[]) {
  const rules = new EventRules(30_000, 2_000);
  for (const [r, line] of records) rules.event(r, line);
  return rules.finish().violations;
}

describe('checker: a node logs cluster events only while its Cluster Service runs (issue 14)', () => {
  it('fails a 1673 logged by the node itself while its clussvc was dead (between its 7031 and its 7036 running)', () => {
    const v = judge([crashed(0, 'N2'), rec(9_959, 'N1', 1135, "Cluster node 'N2' was removed"), isolated(9_959, 'N2', 'N2'), running(60_000, 'N2')]);
    expect(v).to.have.length(1);
    expect(v[0]).to.include({ rule: 'event-log', entity: 'node/N2' });
    expect(v[0]!.message).to.contain('N2 logged event 1673 at 00:10.0').and.contain('its Cluster Service was not running: down since 00:00.0 (7031')
      .and.contain('until 01:00.0 (7036: running)');
  });

  it('passes the same 1673 logged by the member that removed it, and records the node logs once its service runs', () => {
    expect(judge([crashed(0, 'N2'), isolated(9_959, 'N1', 'N2'), running(15_000, 'N2'), rec(15_000, 'N2', 1680, "Cluster node 'N2' has exited the isolated state.")])).to.deep.equal([]);
  });

  it('fails a 1676 logged by a node whose service never ran again before the trace ended', () => {
    const stopped = rec(0, 'N2', 7034, 'The Cluster Service service terminated unexpectedly. It has done this 2 time(s).', scm);
    const quarantined = rec(10_000, 'N2', 1676, "Local cluster node has been quarantined by 'N1'.");
    // the trace holds SCM's 7036 records (N3's service restarted earlier): a restart of N2's would have been seen
    const v = judge([crashed(0, 'N3'), running(5_000, 'N3'), stopped, quarantined]);
    expect(v).to.have.length(1);
    expect(v[0]!.message).to.contain('event 1676').and.contain('not running again by the end of the trace');
    // a collector that takes no 7036 at all (the PowerShell target) cannot say when it ran again: nothing is judged
    expect(judge([stopped, quarantined])).to.deep.equal([]);
  });

  it('lets be what the service logs while starting, shortly before SCM records it running', () => {
    expect(judge([crashed(0, 'N2'), rec(57_000, 'N2', 1680, 'exited'), running(60_000, 'N2')])).to.deep.equal([]);
  });
});
