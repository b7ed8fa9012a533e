import { expect } from 'chai';
import { collectLanes, compactIntervals, MANY_CHANGES, nodeDisplayState, vmDisplayState, type Interval, type Lanes } from '../../src/report/index.js';
import { ZOOM_HALF_MS } from '../../src/report/lanes.js';
import { flagship, TraceFile } from './fixtures/trace.js';

function lane(lanes: Lanes, entity: string) {
  const found = lanes.lanes.find((l) => l.entity === entity);
  if (!found) throw new Error(`no lane ${entity}`);
  return found;
}

describe('report lanes', () => {
  describe('display states', () => {
    it('shows a node as Isolated or Quarantined from its StatusInformation, otherwise as its State', () => {
      expect(nodeDisplayState({ State: 'Down', StatusInformation: ['Isolated'] })).to.equal('Isolated');
      expect(nodeDisplayState({ State: 'Up', StatusInformation: ['Isolated'] })).to.equal('Isolated');
      expect(nodeDisplayState({ State: 'Down', StatusInformation: ['Quarantined'] })).to.equal('Quarantined');
      expect(nodeDisplayState({ State: 'Joining', StatusInformation: [] })).to.equal('Joining');
    });

    it('shows a Running VM of an Unmonitored group as Unmonitored, and any other VM as its State', () => {
      const vm = { GroupState: 'Online' as const, OwnerNode: 'N2' };
      expect(vmDisplayState({ ...vm, State: 'Running', StatusInformation: ['Unmonitored'] })).to.equal('Unmonitored');
      expect(vmDisplayState({ ...vm, State: 'PausedCritical', StatusInformation: ['Unmonitored'] })).to.equal('PausedCritical');
      expect(vmDisplayState({ ...vm, State: 'Running', StatusInformation: [] })).to.equal('Running');
    });
  });

  it('merges consecutive equal observations into one interval per state', async () => {
    const trace = flagship();
    const lanes = await collectLanes(trace.write(), trace.header);
    const n2 = lane(lanes, 'node/N2');
    expect(n2.intervals.map((i) => [i.state, i.from, i.to])).to.deep.equal([
      ['Up', 0, 20_000],
      ['Isolated', 20_000, 30_000],
      ['Joining', 30_000, 32_000],
      ['Up', 32_000, 60_000],
    ]);
    expect(lane(lanes, 'node/N1').intervals).to.have.length(1);
    expect(n2.transitions).to.equal(3);
    expect(n2.states).to.deep.equal({ Up: 48_000, Isolated: 10_000, Joining: 2_000 });
    expect(lane(lanes, 'vm/sql01').intervals.map((i) => i.state)).to.deep.equal(['Running', 'Unmonitored', 'PausedCritical', 'Running']);
  });

  it('orders lanes nodes first, then VMs, labelled with the VM storage', async () => {
    const trace = flagship();
    const lanes = await collectLanes(trace.write(), trace.header);
    expect(lanes.lanes.map((l) => l.label)).to.deep.equal(['N1', 'N2', 'sql01 (csv-block)']);
  });

  it('starts a new VM interval when the owner changes, even in the same state, and counts the owner change', async () => {
    const trace = new TraceFile();
    for (let s = 0; s <= 10; s++) trace.vm(s * 1000, 'sql01', 'Running', s < 5 ? 'N2' : 'N1');
    const lanes = await collectLanes(trace.write(), trace.header);
    const sql = lane(lanes, 'vm/sql01');
    expect(sql.intervals.map((i) => [i.state, i.owner, i.from, i.to])).to.deep.equal([
      ['Running', 'N2', 0, 5000],
      ['Running', 'N1', 5000, 10_000],
    ]);
    expect(sql.ownerChanges).to.equal(1);
    expect(sql.transitions).to.equal(0);
    expect(sql.owners).to.deep.equal({ N2: 5000, N1: 5000 });
  });

  it('shades a fault from its invoke to the completion of its revert', async () => {
    const trace = flagship();
    const lanes = await collectLanes(trace.write(), trace.header);
    expect(lanes.faults).to.deep.equal([
      { f: 'kill-clussvc', args: { node: 'N2' }, injectedAt: 10_000, outcome: 'ok', revertedAt: 60_200, revertOutcome: 'ok', end: 60_200 },
    ]);
  });

  it('ends the shading of a drain at the resume-node of its node (Resume-ClusterNode, the drain\'s own revert), not at the revert at the end of the run', async () => {
    const trace = new TraceFile();
    trace.node(0, 'N2', 'Up').op(0, 'drain-node', 'invoke', { node: 'N2' }).op(30_000, 'drain-node', 'ok', { node: 'N2' });
    trace.op(40_000, 'resume-node', 'invoke', { node: 'N1' }, { process: 'workload' }).op(41_000, 'resume-node', 'ok', { node: 'N1' }, { process: 'workload' });
    trace.op(50_000, 'resume-node', 'invoke', { node: 'N2' }, { process: 'workload' }).op(52_000, 'resume-node', 'ok', { node: 'N2' }, { process: 'workload' });
    trace.node(90_000, 'N2', 'Up').op(90_000, 'revert:drain-node', 'invoke').op(90_100, 'revert:drain-node', 'ok');
    const lanes = await collectLanes(trace.write(), trace.header);
    expect(lanes.faults[0]).to.include({ injectedAt: 0, resumedAt: 52_000, revertedAt: 90_100, end: 52_000 });
  });

  it('keeps a fault that was never reverted open to the end of the run', async () => {
    const trace = new TraceFile();
    trace.node(0, 'N1', 'Up').op(5000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(5100, 'kill-clussvc', 'info', { node: 'N2' }, { error: 'session lost' });
    trace.node(30_000, 'N1', 'Up');
    const lanes = await collectLanes(trace.write(), trace.header);
    expect(lanes.faults[0]).to.include({ injectedAt: 5000, outcome: 'info', error: 'session lost', end: 30_000 });
    expect(lanes.faults[0]!.revertedAt).to.equal(undefined);
  });

  it('pairs reverts with injections newest first, with a failed revert outcome', async () => {
    const trace = new TraceFile();
    trace.op(1000, 'kill-clussvc', 'invoke', { node: 'N1' }).op(1100, 'kill-clussvc', 'ok', { node: 'N1' });
    trace.op(2000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(2100, 'kill-clussvc', 'fail', { node: 'N2' }, { error: 'access denied' });
    trace.op(9000, 'revert:kill-clussvc', 'invoke').op(9100, 'revert:kill-clussvc', 'ok');
    trace.op(9200, 'revert:kill-clussvc', 'invoke').op(9300, 'revert:kill-clussvc', 'fail', {}, { error: 'node unreachable' });
    const lanes = await collectLanes(trace.write(), trace.header);
    expect(lanes.faults.map((w) => [w.args.node, w.outcome, w.revertedAt, w.revertOutcome])).to.deep.equal([
      ['N1', 'ok', 9300, 'fail'],
      ['N2', 'fail', 9100, 'ok'],
    ]);
    expect(lanes.faults[0]!.revertError).to.equal('node unreachable');
    expect(lanes.operations.map((o) => `${o.f}:${o.outcome}`)).to.deep.equal([
      'kill-clussvc:ok',
      'kill-clussvc:fail',
      'revert:kill-clussvc:ok',
      'revert:kill-clussvc:fail',
    ]);
  });

  it('keeps every event up to the limit, and past it the most severe of each equal slice of the whole run', async () => {
    const trace = new TraceFile();
    for (let i = 0; i < 10; i++) trace.event(i * 100, 'N2', 1135, 'Critical', `event ${i}`);
    const few = await collectLanes(trace.write(), trace.header, { maxEvents: 10 });
    expect(few.events.map((e) => e.message)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `event ${i}`));
    expect(few.eventSliceMs).to.equal(0);
    for (let i = 10; i < 300; i++) trace.event(i * 100, 'N2', i === 250 ? 1135 : 5120, i === 250 ? 'Critical' : 'Information', `event ${i}`);
    const lanes = await collectLanes(trace.write(), trace.header, { maxEvents: 10 });
    expect(lanes.eventCount).to.equal(300);
    expect(lanes.events.length).to.be.within(5, 10);
    expect(lanes.events[0]).to.include({ node: 'N2', id: 1135, level: 'Critical', message: 'event 0', t: 0 });
    // the last slice reaches the end of the run (29.9 s), not the first tenth of it
    expect(lanes.events.at(-1)!.t).to.be.at.least(29_900 - lanes.eventSliceMs);
    // the Critical among Information events is the one its slice keeps
    expect(lanes.events.map((e) => e.message)).to.include('event 250');
    expect(lanes.eventSliceMs).to.be.at.least(3_000); // 30 s in at most 10 slices
  });

  it('merges the shortest intervals of a flapping lane into "many changes" boxes, keeping the exact time in each state', async () => {
    const trace = new TraceFile({ nodes: ['N1'], vms: [] });
    for (let s = 0; s < 20_000; s++) trace.node(s * 1000, 'N1', s % 2 ? 'Up' : 'Joining');
    const lanes = await collectLanes(trace.write(), trace.header, { maxIntervals: 500 });
    const n1 = lane(lanes, 'node/N1');
    expect(n1.intervals.length).to.be.at.most(500);
    expect(n1.intervals.some((i) => i.state === MANY_CHANGES)).to.equal(true);
    expect(n1.transitions).to.equal(19_999);
    expect(n1.states.Up! + n1.states.Joining!).to.equal(19_999_000);
    expect(n1.intervals[0]!.from).to.equal(0);
    expect(n1.intervals.at(-1)!.to).to.equal(19_999_000);
    const covered = n1.intervals.reduce((sum, i) => sum + (i.to - i.from), 0);
    expect(covered).to.equal(19_999_000);
  });

  it('leaves long intervals alone when compacting, and merges only runs of short ones', () => {
    const intervals: Interval[] = [{ from: 0, to: 10_000, state: 'Up' }];
    for (let i = 0; i < 100; i++) intervals.push({ from: 10_000 + i * 10, to: 10_010 + i * 10, state: i % 2 ? 'Up' : 'Down' });
    intervals.push({ from: 11_000, to: 21_000, state: 'Up' });
    const compacted = compactIntervals(intervals, 20);
    expect(compacted.length).to.be.at.most(20);
    expect(compacted[0]).to.deep.equal({ from: 0, to: 10_000, state: 'Up' });
    expect(compacted.at(-1)).to.deep.equal({ from: 11_000, to: 21_000, state: 'Up' });
    const many = compacted.filter((i) => i.state === MANY_CHANGES);
    expect(many.reduce((n, i) => n + i.merged!.count, 0)).to.equal(100);
  });
});

describe('report lanes: the zoom around the first violation', () => {
  it('keeps every change in the minutes around it, however many the whole run merged, and counts the iteration it fell in', async () => {
    const trace = new TraceFile({ nodes: ['N1', 'N2'], vms: [] });
    // N1 flaps every second for 2 hours; N2 is seen Up before the window only, then Down long after it
    for (let s = 0; s < 7200; s++) {
      trace.node(s * 1000, 'N1', s % 2 ? 'Up' : 'Joining');
      if (s % 600 === 599) trace.checkpoint(s * 1000, (s + 1) / 600);
    }
    trace.node(1000, 'N2', 'Up').node(7_000_000, 'N2', 'Down');
    const at = 3_600_500;
    const lanes = await collectLanes(trace.write(), trace.header, { maxIntervals: 50 }, at);
    expect(lane(lanes, 'node/N1').intervals.length).to.be.at.most(50); // the whole run: merged
    const z = lanes.zoom!;
    expect([z.from, z.to, z.at]).to.deep.equal([at - ZOOM_HALF_MS, at + ZOOM_HALF_MS, at]);
    const n1 = z.lanes.find((l) => l.entity === 'node/N1')!;
    expect(n1.intervals.length).to.equal(301); // the state it was in when the window opened, then one a second for 5 minutes
    expect(n1.intervals.every((iv) => !iv.merged && iv.from >= z.from && iv.to <= z.to)).to.equal(true);
    // N2 was Up throughout the window: seen before it, next seen (Down) after it
    expect(z.lanes.find((l) => l.entity === 'node/N2')!.intervals.map((iv) => [iv.state, iv.from, iv.to])).to.deep.equal([['Up', z.from, z.to]]);
    // six checkpoints (every 10 minutes) came before 1:00:00.5: iteration 7
    expect(z.iteration).to.equal(7);
  });
});
