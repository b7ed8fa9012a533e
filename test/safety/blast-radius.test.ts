import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { settingDefinitions } from '../../machines/index.js';
import { loadExperiment } from '../../src/experiment/load.js';
import type { Experiment, Step } from '../../src/experiment/types.js';
import { faults } from '../../src/faults/catalogue.js';
import { blastRadiusProblems, BlastRadiusError, guardBlastRadius, planTimeline, quarantineCap, type BlastRadiusOptions } from '../../src/safety/blast-radius.js';
import { priorExits } from '../../src/safety/prior-exits.js';

const load = (name: string, sets: string[] = []): Experiment => loadExperiment(`experiments/${name}.yaml`, { settings: settingDefinitions, sets });
const FIVE = ['N1', 'N2', 'N3', 'N4', 'N5'];
const REAL = { maxImpairedNodes: 1, quarantineCap: true };

const kill = (node: string, line?: number): Step => ({ kind: 'fault', fault: 'kill-clussvc', params: { node }, ...(line ? { line } : {}) });
const wait = (s: number): Step => ({ kind: 'wait', ms: s * 1000 });
function plan(method: Step[], o: { nodes?: string[]; settings?: Record<string, number>; soak?: Experiment['soak'] } = {}): Experiment {
  const base = load('compute-resiliency');
  return {
    ...base,
    cluster: { ...base.cluster, nodes: o.nodes ?? base.cluster.nodes },
    settings: o.settings ?? {},
    method,
    ...(o.soak ? { soak: o.soak } : {}),
  };
}
const messages = (e: Experiment, o: BlastRadiusOptions = REAL) => blastRadiusProblems(e, faults, o).map((p) => `${p.path}: expected ${p.expected}, found ${p.found}`);

describe('blast-radius guard', () => {
  it('lets every shipped experiment through on the simulator (quorum only)', () => {
    for (const f of readdirSync('experiments').filter((f) => f.endsWith('.yaml'))) {
      expect(() => guardBlastRadius(load(f.replace(/\.yaml$/, '')), faults), f).not.to.throw();
    }
  });

  it('lets the flagship, network isolation, an asymmetric partition and a drain through on a real cluster with max-impaired-nodes 1', () => {
    for (const name of ['compute-resiliency', 'network-isolation', 'asymmetric-partition', 'drain-host', 'graceful-stop', 'live-migration-soak']) {
      expect(messages(load(name)), name).to.deep.equal([]);
    }
  });

  it('refuses a plan that could cost quorum, on every target, at the step that tips it, in votes', () => {
    // two of four nodes lost within 10 s: dynamic quorum cannot recount between them (4 nodes, no witness: 3 votes)
    const e = plan([kill('N1'), wait(5), kill('N2', 42)]);
    expect(() => guardBlastRadius(e, faults)).to.throw(
      BlastRadiusError,
      /compute-resiliency\.yaml:42: method\[2\]: expected a plan that keeps more than half of the cluster's votes at every moment .*found N1, N2 impaired at once \(lost within 10 s of one another: too close for dynamic quorum to adjust the votes between them\): 2 node votes = 2 of the 3 votes the cluster counted \(4 nodes still members, no witness, so one node's vote is taken away to keep the total odd\) lost, 1 of 3 left, not more than half/,
    );
  });

  describe('impaired at once (max-impaired-nodes)', () => {
    it('refuses two nodes crashed together when the allowlist allows one', () => {
      expect(messages(load('two-nodes-failing'), REAL)).to.deep.equal([
        'method[1]: expected at most 1 node impaired at once (max-impaired-nodes in the allowlist for HVCLUSTER01), found N2, N3 impaired at the same time from this step on',
      ]);
      expect(messages(load('two-nodes-failing'), { maxImpairedNodes: 2, quarantineCap: true })).to.deep.equal([]);
    });

    it('counts a crash as impairing until the method ends, even after a long wait', () => {
      expect(messages(plan([kill('N2'), wait(3600), kill('N3')], { nodes: ['N1', 'N2', 'N3', 'N4', 'N5'] }))).to.have.length(1);
    });

    it('lets a network cut heal after its duration, and a start-node or resume-node heal the node before the next fault', () => {
      const cut = (node: string, s: number): Step => ({ kind: 'fault', fault: 'isolate-network', params: { node, duration: s * 1000 } });
      expect(messages(plan([cut('N2', 40), wait(60), cut('N3', 40), wait(60)], { nodes: FIVE }))).to.deep.equal([]);
      expect(messages(plan([cut('N2', 40), wait(30), cut('N3', 40), wait(60)], { nodes: FIVE }))).to.have.length(1);
      const stop = (node: string): Step => ({ kind: 'fault', fault: 'stop-node', params: { node } });
      const start = (node: string): Step => ({ kind: 'fault', fault: 'start-node', params: { node } });
      expect(messages(plan([stop('N2'), wait(30), start('N2'), wait(30), kill('N3'), wait(30)], { nodes: FIVE }))).to.deep.equal([]);
      expect(messages(plan([stop('N2'), wait(30), start('N3'), wait(30), kill('N3'), wait(30)], { nodes: FIVE }))).to.have.length(1);
      const drain = (node: string): Step => ({ kind: 'fault', fault: 'drain-node', params: { node } });
      const resume = (node: string): Step => ({ kind: 'fault', fault: 'resume-node', params: { node } });
      expect(messages(plan([drain('N2'), wait(30), resume('N2'), drain('N3'), wait(30)], { nodes: FIVE }))).to.deep.equal([]);
    });

    it('is not checked on the simulator', () => {
      expect(messages(load('two-nodes-failing'), {})).to.deep.equal([]);
    });
  });

  describe('quarantine cap', () => {
    it('is max(1, floor(nodes × 25 %))', () => {
      expect([2, 3, 4, 5, 7, 8, 16].map(quarantineCap)).to.deep.equal([1, 1, 1, 1, 1, 2, 4]);
    });

    it('refuses the quarantine-cap experiment on a real cluster (N2 and N3 would both reach a threshold of 1), not on the simulator', () => {
      const e = load('quarantine-cap');
      const real = messages(e, { quarantineCap: true });
      expect(real).to.have.length(1);
      expect(real[0]).to.match(/^method\[2\]: expected at most 1 node reaching QuarantineThreshold \(1 ungraceful exits within 3600 s\).* found N2, N3 would each reach it/);
      expect(() => guardBlastRadius(e, faults)).not.to.throw();
    });

    it('counts kill-clussvc and isolate-network per node within the window, from the experiment settings', () => {
      const nodes = ['N1', 'N2', 'N3', 'N4', 'N5'];
      const cut = (node: string): Step => ({ kind: 'fault', fault: 'isolate-network', params: { node, duration: 20_000 } });
      const flap = [kill('N2'), wait(60), cut('N2'), wait(60), kill('N3'), wait(60), kill('N3'), wait(60)];
      const onlyCap = { quarantineCap: true } as typeof REAL;
      expect(messages(plan(flap, { nodes, settings: { QuarantineThreshold: 2 } }), onlyCap)).to.have.length(1);
      expect(messages(plan(flap, { nodes, settings: { QuarantineThreshold: 3 } }), onlyCap)).to.deep.equal([]);
      // outside the window they do not add up
      expect(messages(plan(flap, { nodes, settings: { QuarantineThreshold: 2, QuarantineWindow: 30 } }), onlyCap)).to.deep.equal([]);
      // 0: the cluster never quarantines
      expect(messages(plan(flap, { nodes, settings: { QuarantineThreshold: 0 } }), onlyCap)).to.deep.equal([]);
      // the cluster's own value counts where the experiment sets none
      expect(blastRadiusProblems(plan(flap, { nodes }), faults, { quarantineCap: true, clusterSettings: { QuarantineThreshold: 2 } })).to.have.length(1);
    });

    it('unrolls a soak: one crash per iteration on two nodes reaches the default threshold of 3 within the hour', () => {
      const soak = { iterations: 3, stopOn: 'never' as const, anomalyEvents: [], migrationTimeoutMs: 600_000 };
      const method = [kill('N2'), wait(60), { kind: 'fault', fault: 'start-node', params: { node: 'N2' } } as Step, kill('N3'), wait(60)];
      const nodes = ['N1', 'N2', 'N3', 'N4', 'N5'];
      expect(messages(plan(method, { nodes, soak }), { quarantineCap: true })).to.have.length(1);
      expect(messages(plan(method, { nodes, soak: { ...soak, iterations: 2 } }), { quarantineCap: true })).to.deep.equal([]);
    });
  });
});

describe('blast-radius guard: quorum counted in votes, moment by moment', () => {
  const SIX = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6'];
  const step = (fault: string, params: Record<string, unknown>, line?: number): Step => ({ kind: 'fault', fault, params, ...(line ? { line } : {}) });
  const drain = (node: string) => step('drain-node', { node });
  const resume = (node: string) => step('resume-node', { node });
  const stop = (node: string) => step('stop-node', { node });
  const start = (node: string) => step('start-node', { node });
  const quorum = (e: Experiment) => messages(e, {}).filter((m) => m.includes("cluster's votes"));
  const withCluster = (e: Experiment, c: Partial<Experiment['cluster']>): Experiment => ({ ...e, cluster: { ...e.cluster, ...c } });

  it('lets a rolling drain of six nodes through: each is resumed before the next, and a paused node still votes', () => {
    const rolling = SIX.flatMap((n) => [drain(n), wait(60), resume(n)]);
    expect(quorum(plan(rolling, { nodes: SIX }))).to.deep.equal([]);
    // even all six drained at once cost no vote (Suspend-ClusterNode leaves each a member)
    expect(quorum(plan(SIX.map(drain), { nodes: SIX }))).to.deep.equal([]);
  });

  it('honours heals: a node started again before the next is stopped costs one vote at a time', () => {
    const rolling = SIX.flatMap((n) => [stop(n), wait(60), start(n), wait(60)]);
    expect(quorum(plan(rolling, { nodes: SIX }))).to.deep.equal([]);
    // without DynamicQuorum too: never more than one of six votes gone
    expect(quorum(withCluster(plan(rolling, { nodes: SIX }), { dynamicQuorum: false }))).to.deep.equal([]);
  });

  it('with dynamic quorum lets nodes go one at a time down to the last; without it refuses the fourth of six', () => {
    const oneByOne = ['N1', 'N2', 'N3', 'N4', 'N5'].flatMap((n) => [stop(n), wait(30)]);
    expect(quorum(plan(oneByOne, { nodes: SIX }))).to.deep.equal([]);
    const fixed = quorum(withCluster(plan(oneByOne, { nodes: SIX }), { dynamicQuorum: false }));
    expect(fixed).to.have.length(1);
    expect(fixed[0]).to.match(/^method\[4\]: expected .*DynamicQuorum is off, so more than half of all 6 votes.*found N1, N2, N3 impaired at once: 3 node votes = 3 of the 6 votes the cluster counted \(6 nodes, DynamicQuorum off: a fixed count\) lost, 3 of 6 left, not more than half$/);
  });

  it('refuses three of six nodes and a disk witness lost at once: 4 of 7 votes', () => {
    const e = withCluster(plan([kill('N1'), kill('N2'), kill('N3'), step('fail-witness', { duration: 30_000 }), wait(30)], { nodes: SIX }), { witness: { type: 'disk' } });
    const found = quorum(e);
    expect(found).to.have.length(1);
    expect(found[0]).to.include(
      'method[3]: expected a plan that keeps more than half of the cluster\'s votes at every moment (quorum: with dynamic quorum the cluster adjusts the votes after a loss, but cannot survive losing half of them or more at once), found N1, N2, N3, the witness impaired at once (lost within 10 s of one another: too close for dynamic quorum to adjust the votes between them): 3 node votes + the witness = 4 of the 7 votes the cluster counted (6 nodes still members + the disk witness, which votes while the node votes are even) lost, 3 of 7 left, not more than half',
    );
    // the three nodes alone leave 4 of 7: let through
    expect(quorum(withCluster(plan([kill('N1'), kill('N2'), kill('N3'), wait(30)], { nodes: SIX }), { witness: { type: 'disk' } }))).to.deep.equal([]);
  });

  it('counts a witness: two of four nodes at once are 2 of 5 votes with a file share witness, 2 of 3 without', () => {
    const two = [kill('N1'), kill('N2'), wait(30)];
    expect(quorum(withCluster(plan(two), { witness: { type: 'fileshare' } }))).to.deep.equal([]);
    expect(quorum(plan(two))).to.have.length(1);
    // the witness failed a minute before: the cluster has recounted (4 nodes, one vote taken away: 3) and two go
    const afterWitness = [step('fail-witness', { duration: 600_000 }), wait(60), kill('N1'), kill('N2'), wait(30)];
    expect(quorum(withCluster(plan(afterWitness), { witness: { type: 'fileshare' } }))[0]).to.match(/found N1, N2 impaired at once \(lost within 10 s of one another.*\): 2 node votes = 2 of the 3 votes the cluster counted \(4 nodes still members, the file share witness failed, so one node's vote is taken away to keep the total odd\) lost, 1 of 3 left/);
  });

  it('lets a power-off be healed by power-on-node, and counts restart-node only during its own step', () => {
    // a host powered on is back once it has booted (simulator.hostBoot's upper bound, 180 s by default) and rejoined
    const power = (after: number) => ['N1', 'N2', 'N3'].flatMap((n) => [step('power-off-node', { node: n }), wait(60), step('power-on-node', { node: n }), wait(after)]);
    expect(quorum(plan(power(240), { nodes: ['N1', 'N2', 'N3'] }))).to.deep.equal([]);
    expect(quorum(plan(power(60), { nodes: ['N1', 'N2', 'N3'] }))[0]).to.match(/^method\[4\]: .*found N2 impaired at once: 1 node vote = 1 of the 1 votes the cluster counted \(2 nodes still members, no witness, so one node's vote is taken away to keep the total odd; N1 already gone and off the count\)/);
    const restarts = ['N1', 'N2', 'N3'].map((n) => step('restart-node', { node: n }));
    expect(quorum(plan(restarts, { nodes: ['N1', 'N2', 'N3'] }))).to.deep.equal([]);
    // a power-off not healed before the next two: three of three gone
    const unhealed = [step('power-off-node', { node: 'N1' }), step('power-off-node', { node: 'N2' }), wait(30)];
    expect(quorum(plan(unhealed, { nodes: ['N1', 'N2', 'N3'] }))).to.have.length(1);
  });
});

describe('blast-radius guard: parallel blocks', () => {
  const inBlock = (step: Step, block: number, branch: number): Step => ({ ...step, parallel: { block, branch } });

  it('starts every branch of a block at the block\'s t: two kills in two branches are lost at once, said at the branch', () => {
    const e = plan([inBlock(kill('N1'), 0, 0), inBlock(kill('N2', 9), 0, 1), wait(30)]);
    const found = messages(e, {});
    expect(found).to.have.length(1);
    expect(found[0]).to.match(/^method\[0\]\.parallel\[1\]: expected a plan that keeps more than half of the cluster's votes .*found N1, N2 impaired at once: 2 node votes = 2 of the 3 votes/);
  });

  it('lasts as long as its longest branch, each branch on its own clock', () => {
    const e = plan([inBlock(kill('N1'), 0, 0), inBlock(wait(60), 0, 0), inBlock(wait(20), 0, 1), inBlock(kill('N2'), 0, 1), wait(10)], { nodes: FIVE });
    const timeline = planTimeline(e, faults);
    expect(timeline.faults.map((f) => [f.step.kind === 'fault' ? f.step.params.node : '', f.index, f.t])).to.deep.equal([
      ['N1', 0, 0],
      ['N2', 0, 20_000],
    ]);
    expect(timeline.lengthMs).to.equal(70_000);
  });
});

describe('blast-radius guard: exits the cluster already counted (event 1135 before the run)', () => {
  const MIN = 60_000;
  const exitsAgo = (...minutes: number[]) => minutes.map((m) => ({ t: -m * MIN, time: `2026-12-02T0${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:00.000Z` }));

  it('refuses for pre-upgrade acceptance the one kill that would quarantine a node already removed twice this hour', () => {
    const e = plan([kill('N2', 7), wait(90)]);
    expect(messages(e, { noQuarantine: true })).to.deep.equal([]);
    const refused = messages(e, { noQuarantine: true, priorExits: { N2: exitsAgo(40, 20) } });
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include('expected no node reaching QuarantineThreshold (3 ungraceful exits within 3600 s): pre-upgrade acceptance must not leave a node quarantined');
    expect(refused[0]).to.include('N2 would reach it');
    expect(refused[0]).to.include('N2 already left the cluster ungracefully 2 times in the last 3600 s (event 1135 at 2026-12-02T00:40:00.000Z, 2026-12-02T00:20:00.000Z)');
  });

  it('forgets exits older than the quarantine window, and counts the window the cluster has (QuarantineWindow)', () => {
    const e = plan([kill('N2'), wait(90)]);
    const o = (minutes: number[], settings: Record<string, number> = {}) => ({ noQuarantine: true, priorExits: { N2: exitsAgo(...minutes) }, clusterSettings: settings });
    expect(messages(e, o([70, 65]))).to.deep.equal([]);
    expect(messages(e, o([70, 20]))).to.deep.equal([]);
    expect(messages(e, o([70, 65], { QuarantineWindow: 7200 }))).to.have.length(1);
    expect(messages(e, o([20, 10], { QuarantineThreshold: 0 }))).to.deep.equal([]);
  });

  it('counts earlier exits toward the cap on a real cluster: two nodes each one kill from quarantine', () => {
    const e = plan([kill('N1'), wait(60), kill('N2'), wait(60)], { nodes: FIVE });
    expect(messages(e, { maxImpairedNodes: 2, quarantineCap: true })).to.deep.equal([]);
    const o = { maxImpairedNodes: 2, quarantineCap: true, priorExits: { N1: exitsAgo(30, 25), N2: exitsAgo(30, 25) } };
    expect(messages(e, o)).to.have.length(1);
    expect(messages(e, o)[0]).to.match(/expected at most 1 node reaching QuarantineThreshold .*found N1, N2 would each reach it/);
  });
});

describe('prior exits from the event logs', () => {
  it('reads the node from the insertion strings when there are some, so a localised message counts too', () => {
    const now = Date.parse('2026-12-02T17:00:00Z');
    const german = (at: number, by: string, node: string) => ({
      node: by,
      id: 1135,
      at,
      time: new Date(at).toISOString(),
      message: `Der Clusterknoten "${node}" wurde aus der aktiven Failoverclustermitgliedschaft entfernt.`,
      data: [node],
    });
    expect(priorExits([german(now - 60_000, 'N1', 'N2'), german(now - 59_000, 'N3', 'N2'), german(now - 30_000, 'N1', 'N4')], ['N2', 'N3'], now)).to.deep.equal({
      N2: [{ t: -60_000, time: new Date(now - 60_000).toISOString() }],
    });
  });

  const removed = (node: string, at: number, by = 'N1') => ({
    node: by,
    id: 1135,
    at,
    time: new Date(at).toISOString(),
    message: `Cluster node '${node}' was removed from the active failover cluster membership. (logged on ${by})`,
  });

  it('counts one exit per removal however many members logged it, per node, oldest first, relative to now', () => {
    const now = Date.parse('2026-12-02T17:00:00Z');
    const events = [
      removed('N2', now - 600_000, 'N1'),
      removed('N2', now - 598_000, 'N3'), // the same removal, logged by another member
      removed('N3', now - 500_000),
      { node: 'N2', id: 1673, at: now - 400_000, time: '', message: "Cluster node 'N2' has entered the isolated state." },
      removed('n2', now - 300_000), // a second removal; Windows names are not case-sensitive
      removed('N2', now - 295_000, 'N1'), // a third, 5 s later: the same member never logs one removal twice
    ];
    expect(priorExits(events, ['N2', 'N4'], now)).to.deep.equal({
      N2: [
        { t: -600_000, time: new Date(now - 600_000).toISOString() },
        { t: -300_000, time: new Date(now - 300_000).toISOString() },
        { t: -295_000, time: new Date(now - 295_000).toISOString() },
      ],
    });
  });
});
