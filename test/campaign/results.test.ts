import { expect } from 'chai';
import { campaignJunit, campaignVerdict, keepEvidence } from '../../src/campaign/results.js';
import type { Campaign, CampaignResult, RunRecord, RunSpec, Verdict } from '../../src/campaign/types.js';

const campaign: Campaign = {
  name: 'c',
  title: 'c',
  file: 'c.yaml',
  experiments: [
    { file: 'a.yaml', name: 'a', sets: [] },
    { file: 'b.yaml', name: 'b', sets: [] },
  ],
  seeds: [1, 2],
  defects: [null, 'd1', 'd2'],
  grid: [],
  targets: [{ kind: 'sim' }],
  stopOn: 'never',
  keep: 'failing',
};

/** Every run of the campaign, in matrix order, with the verdict `verdictOf` gives it (pass by default). */
function runs(verdictOf: (s: RunSpec) => Verdict = () => 'pass'): RunRecord[] {
  const out: RunRecord[] = [];
  for (const e of campaign.experiments) {
    for (const defect of campaign.defects) {
      for (const seed of campaign.seeds) {
        const spec: RunSpec = { campaign: 'c', index: out.length, key: `${e.name}/${defect ?? 'none'}/default/sim/seed-${seed}`, file: e.file, experiment: e.name, seed, defect, sets: [], cell: {}, target: { kind: 'sim' } };
        const verdict = verdictOf(spec);
        out.push({ key: spec.key, index: spec.index, spec, verdict, reason: verdict, violations: [], replay: `npx clusterchaos run ${e.file} --seed ${seed}`, metrics: { vmsFailedOver: 0, unmonitoredMs: 0, virtualMs: 1 }, ran: { host: 'h', pid: 1, attempts: 1, wallMs: 1, via: 'process' } });
      }
    }
  }
  return out;
}

/** a catches d1, b catches d2: every defect caught on every seed. */
const expected = (s: RunSpec): Verdict => (s.defect === 'd1' && s.experiment === 'a') || (s.defect === 'd2' && s.experiment === 'b') ? 'fail' : 'pass';

describe('campaign results: the verdict, junit.xml, evidence', () => {
  it('judges a defect that one entry runs alone (a long soak of its own) over that entry only', () => {
    // d3 runs only in a long soak "a-long" (its baseline and d3): caught there on seed 1, missed on seed 2
    const long: Campaign = { ...campaign, experiments: [...campaign.experiments, { file: 'a.yaml', name: 'a-long', sets: ['iterations=20000'], defects: [null, 'd3'] }] };
    const all = [...runs(expected), ...[null, 'd3'].flatMap((defect) => [1, 2].map((seed) => {
      const spec: RunSpec = { campaign: 'c', index: 12, key: `a-long/${defect ?? 'none'}/default/sim/seed-${seed}`, file: 'a.yaml', experiment: 'a-long', seed, defect, sets: ['iterations=20000'], cell: {}, target: { kind: 'sim' } };
      const verdict: Verdict = defect === 'd3' && seed === 1 ? 'fail' : 'pass';
      return { key: spec.key, index: spec.index, spec, verdict, reason: verdict, violations: [], replay: '', metrics: { vmsFailedOver: 0, unmonitoredMs: 0, virtualMs: 1 }, ran: { host: 'h', pid: 1, attempts: 1, wallMs: 1, via: 'process' as const } };
    }))];
    expect(campaignVerdict(long, all)).to.deep.include({ verdict: 'fail', reason: 'defect d3 caught by no experiment on seed 2' });
    // every run planned: 12 + 4; with d3 caught on both seeds the campaign passes
    const caught = all.map((r) => (r.spec.defect === 'd3' ? { ...r, verdict: 'fail' as const } : r));
    expect(campaignVerdict(long, caught).verdict).to.equal('pass');
    expect(campaignVerdict(long, caught.slice(0, -1)).verdict, 'one planned run missing').to.equal('unknown');
  });

  it('passes when every baseline passes and each defect is caught on every seed by some experiment', () => {
    expect(campaignVerdict(campaign, runs(expected))).to.deep.equal({ verdict: 'pass', reason: '12 runs: all 4 runs without a defect passed; each of the 2 defects was caught on every seed (seeds 1, 2)' });
  });

  it('fails naming the defect and the seeds it went unnoticed on, and a baseline that failed', () => {
    const missed = campaignVerdict(campaign, runs((s) => (s.defect === 'd2' && s.seed === 2 ? 'pass' : expected(s))));
    expect(missed).to.deep.equal({ verdict: 'fail', reason: 'defect d2 caught by no experiment on seed 2' });
    const baseline = campaignVerdict(campaign, runs((s) => (s.defect === null && s.experiment === 'b' && s.seed === 1 ? 'fail' : expected(s))));
    expect(baseline.verdict).to.equal('fail');
    expect(baseline.reason).to.match(/^1 run without a defect failed \(b seed 1: fail\)$/);
  });

  it('unknown when a run is unknown and nothing failed, or when runs are missing (stopped); fail still wins', () => {
    // a's run of d1 on seed 2 unknown, b's passed: d1 is neither shown caught nor missed there
    const one = campaignVerdict(campaign, runs((s) => (s.index === 3 ? 'unknown' : expected(s))));
    expect(one.verdict).to.equal('unknown');
    expect(one.reason).to.match(/^1 of 12 runs ended unknown; first: a\/d1\/default\/sim\/seed-2/);
    expect(campaignVerdict(campaign, runs(expected).slice(0, 7))).to.deep.equal({ verdict: 'unknown', reason: 'only 7 of the 12 planned runs ran; nothing failed in them' });
    expect(campaignVerdict(campaign, runs((s) => (s.index === 0 ? 'fail' : s.index === 1 ? 'unknown' : expected(s)))).verdict).to.equal('fail');
  });

  it('junit.xml: one case per run; a failure for a failing baseline and for every run of a missed defect on that seed, an error for unknown, never skipped', () => {
    const records = runs((s) => (s.defect === 'd2' && s.seed === 2 ? 'pass' : s.index === 0 ? 'unknown' : expected(s)));
    const { verdict, reason } = campaignVerdict(campaign, records);
    const result: CampaignResult = { format: 1, campaign, via: { kind: 'process' }, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:10Z', planned: 12, runs: records, verdict, reason };
    const xml = campaignJunit(result);
    expect(xml.match(/<testcase /g)).to.have.length(12);
    const failing = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"[^>]*>\s*<(failure|error)/g)].map((m) => `${m[3]} ${m[1]} ${m[2]}`);
    expect(failing).to.deep.equal(['error a.baseline seed 1 sim', 'failure a.d2 seed 2 sim', 'failure b.d2 seed 2 sim']);
    expect(xml).to.not.contain('<skipped');
    expect(xml).to.contain('replay: npx clusterchaos run b.yaml --seed 2');
  });

  it('keeps evidence: all of every run; failing of fail and unknown runs; unexpected of a baseline not passing and an unknown (a defect run that passes is no surprise)', () => {
    const spec = (defect: string | null) => runs()[defect === null ? 0 : 2]!.spec;
    const table = (['all', 'failing', 'unexpected'] as const).map((keep) =>
      [null, 'd1'].flatMap((d) => (['pass', 'fail', 'unknown'] as const).map((v) => keepEvidence(keep, spec(d), v))),
    );
    //                        baseline: pass  fail   unknown   defect: pass  fail   unknown
    expect(table).to.deep.equal([
      [true, true, true, true, true, true],
      [false, true, true, false, true, true],
      [false, true, true, false, false, true],
    ]);
  });
});
