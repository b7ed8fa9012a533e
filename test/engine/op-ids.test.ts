import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Runner } from '../../src/engine/runner.js';
import { faults } from '../../src/faults/catalogue.js';
import { OperationError } from '../../src/targets/target.js';
import type { OpRecord } from '../../src/trace/records.js';
import { experiment, FakeTarget } from './fake-target.js';

/** The op lines of a run against the fake target. */
async function opsOf(target: FakeTarget): Promise<OpRecord[]> {
  const tracePath = join(mkdtempSync(join(tmpdir(), 'op-ids-')), 'trace.ndjson');
  await new Runner({
    experiment,
    target,
    faults,
    tracePath,
    runId: 'r',
    defects: [],
    replay: 'x',
    clusterSettings: { ResiliencyDefaultPeriod: 60 },
    modelSettings: {},
    log: pino({ level: 'silent' }),
  }).run();
  return readFileSync(tracePath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string })
    .filter((r): r is OpRecord => r.type === 'op');
}

describe('runner: every operation carries its identity', () => {
  for (const [name, setUp] of [
    ['a run that completes', () => {}],
    ['a run whose injection is refused', (t: FakeTarget) => (t.kill = async () => Promise.reject(new OperationError('clussvc is not running on N2')))],
  ] as const) {
    it(`${name}: each invoke's id is its own seq, and its completion repeats it`, async () => {
      const target = new FakeTarget();
      setUp(target);
      const ops = await opsOf(target);
      expect(ops.length).to.be.greaterThan(4);
      const open = new Map<number, OpRecord>();
      for (const op of ops) {
        if (op.phase === 'invoke') {
          expect(op.id, `${op.f} invoke`).to.equal(op.seq);
          open.set(op.id!, op);
          continue;
        }
        const invoke = open.get(op.id!);
        expect(invoke, `${op.f} ${op.phase} (id ${op.id}) pairs with an invoke`).to.not.equal(undefined);
        expect([invoke!.f, invoke!.process]).to.deep.equal([op.f, op.process]);
        open.delete(op.id!);
      }
      expect([...open.keys()]).to.deep.equal([]);
    });
  }
});
