import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { CheckResult } from '../../src/check/result.js';
import { runExperiment, withResidue } from '../../src/run/run-experiment.js';
import type { ResidueSnapshot } from '../../src/safety/residue.js';
import { experiment, FakeTarget } from '../engine/fake-target.js';

/** A fake real cluster: kind powershell, with the residue round trip, settings that change when set. */
class FakeCluster extends FakeTarget {
  override readonly kind = 'powershell' as unknown as 'sim';
  settings: Record<string, number> = { ResiliencyDefaultPeriod: 240 };
  leftRules: string[] = [];
  override async getSettings(): Promise<{ ResiliencyDefaultPeriod: number }> {
    return { ResiliencyDefaultPeriod: 240, ...this.settings };
  }
  override async setSettings(values: Record<string, number>) {
    await super.setSettings(values);
    Object.assign(this.settings, values);
  }
  async residue(o: { tag: string; settings: Record<string, number> }): Promise<ResidueSnapshot> {
    this.calls.push(`residue ${o.tag}`);
    const poll = await this.poll();
    return {
      nodes: Object.entries(poll.nodes).map(([Name, n]) => ({ Name, State: n.State, StatusInformation: n.StatusInformation })),
      firewallRules: this.leftRules,
      tasks: [],
      settings: { ...this.settings },
    };
  }
}

async function run(target: FakeCluster, signal?: AbortSignal) {
  const outDir = mkdtempSync(join(tmpdir(), 'ps-run-'));
  const r = await runExperiment({
    experiment,
    outDir,
    defects: [],
    replay: 'x',
    log: pino({ level: 'silent' }),
    target,
    runId: 'run-1',
    residue: { tag: 'clusterchaos-run-1' },
    ...(signal ? { signal } : {}),
  });
  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
  return { r, summary };
}

describe('a run on a real cluster (fake target)', function () {
  this.timeout(20_000);

  it("records target 'powershell' in the header, scans for residue after the reverts and records it in summary.json", async () => {
    const target = new FakeCluster();
    const { r, summary } = await run(target);
    expect(r.header.target).to.equal('powershell');
    expect(target.calls.slice(-3)).to.deep.equal(['start N2', 'set {"ResiliencyDefaultPeriod":240}', 'residue clusterchaos-run-1']);
    expect(summary.residue).to.deep.equal({ clean: true, findings: [] });
  });

  it('on Ctrl-C stops before the next step, runs the reverts (clussvc started, settings restored), then scans for residue', async () => {
    const target = new FakeCluster();
    const abort = new AbortController();
    target.kill = async () => abort.abort();
    const { r, summary } = await run(target, abort.signal);
    expect(r.outcome.status).to.equal('aborted');
    expect(r.outcome.abortReason).to.match(/Ctrl-C/);
    expect(target.calls).to.deep.equal(['set {"ResiliencyDefaultPeriod":60}', 'kill N2', 'start N2', 'set {"ResiliencyDefaultPeriod":240}', 'residue clusterchaos-run-1']);
    expect(r.outcome.reverts.map((x) => x.outcome)).to.deep.equal(['ok', 'ok']);
    expect(r.result.verdict).to.equal('unknown');
    expect(summary.residue.clean).to.equal(true);
  });

  it('makes the verdict at least unknown when residue is left, naming it', async () => {
    const target = new FakeCluster();
    target.leftRules = ['N2/clusterchaos-run-1-Inbound-UDP'];
    const { r, summary } = await run(target);
    expect(r.result.verdict).to.not.equal('pass');
    expect(r.result.unknowns.at(-1)).to.match(/left residue on the cluster: firewall rule N2\/clusterchaos-run-1-Inbound-UDP is still there/);
    expect(summary.residue.clean).to.equal(false);
    expect(summary.verdict).to.equal(r.result.verdict);
  });

  it('withResidue: pass becomes unknown with the residue as the reason; fail stays fail', () => {
    const pass = { verdict: 'pass', reason: 'ok', violations: [], unknowns: [] } as unknown as CheckResult;
    const dirty = { clean: false, findings: ['node N2 is still Paused'] };
    expect(withResidue(pass, dirty)).to.include({ verdict: 'unknown', reason: 'the run left residue on the cluster: node N2 is still Paused' });
    expect(withResidue({ ...pass, verdict: 'fail', reason: 'bad' }, dirty)).to.include({ verdict: 'fail', reason: 'bad' });
    expect(withResidue(pass, { clean: true, findings: [] })).to.equal(pass);
  });
});
