import { expect } from 'chai';
import type { LiveMigrationValue, OpRecord } from '../../src/trace/records.js';
import { OperationLog } from '../../src/report/operations.js';
import type { TraceBuilder } from '../helpers/trace.js';
import { check, cluster, rules, value } from './migration-trace.js';

/**
 * Operations are paired by the identity the trace carries (`id`, the invoke's seq repeated on its completion),
 * not by process: with steps in parallel one process has several operations in flight at once (issue 13, 4).
 */

/** Give the op line just added an id (its own seq for an invoke, or the given one); `id: null` leaves it without. */
function withId(b: TraceBuilder, id?: number | null): number {
  const last = b.records.at(-1)!;
  const op = last.record as OpRecord;
  const given = id === undefined ? op.seq : id;
  if (given !== null) op.id = given;
  last.text = JSON.stringify(op);
  return op.seq;
}

/**
 * Three live migrations from N2 invoked by one process 0.5 s apart, all in flight at once (web01 and sql01 to N3,
 * app01 to N1): one more than MaximumVirtualMachineMigrations = 2 allows on N2. They complete in the order they
 * were invoked (or, `reversed`, the last first), each 7.65 s after it started. `ids`: whether the op lines carry ids.
 */
function overlapping(ids: boolean, reversed = false): TraceBuilder {
  const b = cluster().polls(0, 10_000);
  const moves: [string, string][] = [
    ['web01', 'N3'],
    ['sql01', 'N3'],
    ['app01', 'N1'],
  ];
  const values: LiveMigrationValue[] = moves.map(([vm, target], i) => value(vm, 'N2', target, 10_000 + 500 * i));
  const invokes: number[] = [];
  for (const v of values) {
    b.op(v.startedAt!, 'live-migrate', 'invoke', { vm: v.vm, to: v.target, timeout: 600_000 }, 'workload');
    invokes.push(withId(b, ids ? undefined : null));
  }
  const order = reversed ? [2, 1, 0] : [0, 1, 2];
  for (const i of order) {
    const v = values[i]!;
    b.op(reversed ? 19_000 - 500 * i : v.startedAt! + v.totalMs!, 'live-migrate', 'ok', { vm: v.vm, to: v.target, timeout: 600_000 }, 'workload');
    const last = b.records.at(-1)!;
    (last.record as OpRecord).value = v;
    withId(b, ids ? invokes[i]! : null);
  }
  for (const [vm, target] of moves) b.vm(vm, 'Running', { OwnerNode: target });
  return b.polls(20_000, 23_000);
}

describe('operations paired by their id', () => {
  it('catches three overlapping live migrations of one process over MaximumVirtualMachineMigrations, naming all three', () => {
    const result = check(overlapping(true));
    expect(rules(result)).to.deep.equal(['migration-limit node/N2']);
    const v = result.violations[0]!;
    expect(v.setting).to.deep.equal({ name: 'MaximumVirtualMachineMigrations', value: 2, unit: 'count' });
    expect(v.message).to.equal(
      'At 00:11.0 3 live migrations ran from or to N2 at once (web01 N2 → N3, sql01 N2 → N3, app01 N2 → N1); the host allows ' +
        'MaximumVirtualMachineMigrations = 2: the next one waits in the queue [LM-SETUP].',
    );
    // each migration is quoted with its own invoke and completion: six op lines, three invokes
    const quoted = v.context.map((l) => JSON.parse(l.text) as OpRecord);
    expect(quoted.map((op) => `${op.args.vm} ${op.phase}`)).to.deep.equal([
      'web01 invoke',
      'sql01 invoke',
      'app01 invoke',
      'web01 ok',
      'sql01 ok',
      'app01 ok',
    ]);
  });

  it('pairs a trace without ids by process, as traces written before ids were (one operation in flight per process)', () => {
    // The old pairing: web01's completion is paired with app01's invoke, the other two with none, so the
    // concurrency intervals are pruned as if nothing were in flight and the excess is missed. Traces without
    // ids come from runners that never overlapped a process's operations, where this pairing is right.
    const result = check(overlapping(false));
    expect(rules(result)).to.deep.equal([]);
  });

  it('says unknown, never pass, when a completion names an id no invoke in the trace opened', () => {
    const b = cluster().polls(0, 10_000);
    const v = value('web01', 'N2', 'N3', 10_000);
    b.op(10_000, 'live-migrate', 'invoke', { vm: 'web01', to: 'N3', timeout: 600_000 }, 'workload');
    withId(b);
    b.op(10_000 + v.totalMs!, 'live-migrate', 'ok', { vm: 'web01', to: 'N3', timeout: 600_000 }, 'workload');
    (b.records.at(-1)!.record as OpRecord).value = v;
    withId(b, 999);
    const result = check(b.vm('web01', 'Running', { OwnerNode: 'N3' }).polls(20_000, 23_000));
    expect(result.verdict).to.equal('unknown');
    expect(result.unknowns.join('\n')).to.match(/live-migrate \(workload\) completed \(ok\) at 00:17\.6.*as operation 999, but no invoke of operation 999 is open in the trace/);
  });

  it("shows each overlapping operation of one process in the report's operation table with its own outcome", () => {
    const log = new OperationLog({ maxOperations: 100, maxFaults: 100 });
    // completed last first: the old pairing (oldest open invoke of the process and operation) gave web01's row app01's outcome
    const b = overlapping(true, true);
    for (const { record } of b.records) if (record.type === 'op') log.feed(record);
    const rows = log.operations.filter((o) => o.f === 'live-migrate');
    expect(rows.map((o) => [o.args.vm, o.invokedAt, o.completedAt, (o.value as LiveMigrationValue).vm])).to.deep.equal([
      ['web01', 10_000, 19_000, 'web01'],
      ['sql01', 10_500, 18_500, 'sql01'],
      ['app01', 11_000, 18_000, 'app01'],
    ]);
  });
});
