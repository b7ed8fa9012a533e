import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Runner } from '../../src/engine/runner.js';
import { faults } from '../../src/faults/catalogue.js';
import { OperationError, OperationUnknownError } from '../../src/targets/target.js';
import { experiment, FakeTarget } from './fake-target.js';

async function run(target: FakeTarget, signal?: AbortSignal, downAfter: string[] = []) {
  const tracePath = join(mkdtempSync(join(tmpdir(), 'runner-')), 'trace.ndjson');
  const runner = new Runner({
    experiment: { ...experiment, steadyState: { ...experiment.steadyState, downAfter } },
    target,
    faults,
    tracePath,
    runId: 'r',
    defects: [],
    replay: 'x',
    clusterSettings: { ResiliencyDefaultPeriod: 60 },
    modelSettings: {},
    log: pino({ level: 'silent' }),
    signal,
  });
  const outcome = await runner.run();
  const ops = readFileSync(tracePath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'op')
    .map((r) => `${r.f} ${r.phase}`);
  return { outcome, ops };
}

describe('runner', () => {
  it('injects nothing when the steady state is not reached first, and says why', async () => {
    const target = new FakeTarget();
    target.nodeState = { State: 'Down', StatusInformation: [] };
    const { outcome, ops } = await run(target);
    expect(outcome.status).to.equal('aborted');
    expect(outcome.abortReason).to.match(/node N2 is Down.*nothing was injected/);
    expect(target.calls.filter((c) => c.startsWith('kill'))).to.deep.equal([]);
    expect(ops).to.include('steady-state fail');
    expect(target.calls.at(-1)).to.equal('set {"ResiliencyDefaultPeriod":240}');
  });

  it('sets the settings, injects, reverts newest first and restores the settings', async () => {
    const target = new FakeTarget();
    const { outcome, ops } = await run(target);
    expect(outcome.status).to.equal('completed');
    expect(target.calls).to.deep.equal(['set {"ResiliencyDefaultPeriod":60}', 'kill N2', 'start N2', 'set {"ResiliencyDefaultPeriod":240}']);
    expect(ops).to.deep.equal([
      'set-cluster-settings invoke',
      'set-cluster-settings ok',
      'steady-state invoke',
      'steady-state ok',
      'kill-clussvc invoke',
      'kill-clussvc ok',
      'steady-state invoke',
      'steady-state ok',
      'revert:kill-clussvc invoke',
      'revert:kill-clussvc ok',
      'restore-cluster-settings invoke',
      'restore-cluster-settings ok',
    ]);
  });

  it('records a refused injection as fail and still runs its revert', async () => {
    const target = new FakeTarget();
    target.kill = async () => {
      throw new OperationError('clussvc is not running on N2');
    };
    const { outcome, ops } = await run(target);
    expect(ops).to.include('kill-clussvc fail');
    expect(target.calls).to.include('start N2');
    expect(outcome.reverts.map((r) => r.outcome)).to.deep.equal(['ok', 'ok']);
  });

  it('records an injection that timed out as info (outcome unknown), never ok or fail', async () => {
    const target = new FakeTarget();
    target.kill = async () => {
      throw new OperationUnknownError('timed out after 30 s');
    };
    const { ops } = await run(target);
    expect(ops).to.include('kill-clussvc info');
    expect(ops).not.to.include('kill-clussvc ok');
    expect(ops).not.to.include('kill-clussvc fail');
  });

  it('stops at the next step on Ctrl-C and still runs every revert', async () => {
    const target = new FakeTarget();
    const abort = new AbortController();
    target.kill = async () => abort.abort();
    const { outcome, ops } = await run(target, abort.signal);
    expect(outcome.status).to.equal('aborted');
    expect(outcome.abortReason).to.match(/Ctrl-C/);
    expect(target.calls.slice(-2)).to.deep.equal(['start N2', 'set {"ResiliencyDefaultPeriod":240}']);
    expect(ops.filter((o) => o.startsWith('steady-state')), 'only the check before injection').to.deep.equal(['steady-state invoke', 'steady-state ok']);
  });

  it('accepts a node the experiment expects to stay down after the method, and only that', async () => {
    const target = new FakeTarget();
    target.kill = async () => {
      target.nodeState = { State: 'Down', StatusInformation: [] };
    };
    expect((await run(target, undefined, ['N2'])).outcome.steadyStateAfter).to.deep.equal({
      ok: true,
      detail: 'every node Up but N2 (expected down), every VM Running',
    });
    const stillUp = new FakeTarget();
    const after = (await run(stillUp, undefined, ['N2'])).outcome.steadyStateAfter!;
    expect(after.ok).to.equal(false);
    expect(after.detail).to.match(/node N2 is Up, but the experiment expects it to stay down/);
  });
});
