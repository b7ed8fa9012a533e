/**
 * The trace schema (src/trace/schema.ts) accepts every trace the project writes, with the fault catalogue's
 * vocabulary, and says what is wrong with a record in words: the field, what it is, what was expected.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { settingDefinitions } from '../../machines/index.js';
import { checkSchema, settingRanges } from '../../src/check/index.js';
import { onSimulator } from '../../src/run/run-experiment.js';
import { faults } from '../../src/faults/catalogue.js';
import { readTrace, TraceFormatError } from '../../src/trace/reader.js';
import { depthOf, MAX_DEPTH, OBSERVER_OPERATIONS, RUNNER_OPERATIONS, traceSchema, traceVocabulary } from '../../src/trace/schema.js';
import { TraceBuilder } from '../helpers/trace.js';

const vocabulary = traceVocabulary([...faults.values()].map((f) => ({ name: f.name, revert: f.revert, params: { required: (f.params.required ?? []) as string[] } })));
const schema = checkSchema({ operations: vocabulary });

/** Every record of a trace, read with the catalogue's vocabulary; the operation names it holds. */
async function readWhole(tracePath: string): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const { record } of readTrace(tracePath, { schema })) if (record.type === 'op') names.add(record.f);
  return names;
}

describe('the trace schema', function () {
  this.timeout(120_000);

  describe('accepts every trace the project writes', () => {
    const seen = new Set<string>();
    const experiments = readdirSync('experiments').filter((f) => f.endsWith('.yaml'));
    for (const file of experiments) {
      it(`experiments/${file} on the simulator`, async () => {
        const run = await onSimulator(`experiments/${file}`, {});
        for (const f of await readWhole(run.tracePath)) seen.add(f);
      });
    }

    // failed and cancelled migrations and drains carry what they did as far as they got
    for (const [experiment, defect, sets] of [
      ['drain-host', 'missing-shared-storage-path', []],
      ['live-migration-soak', 'lm-stall', ['iterations=400']],
      ['compute-resiliency', 'no-rejoin', []],
    ] as const) {
      it(`experiments/${experiment}.yaml with --defect ${defect}`, async () => {
        const run = await onSimulator(`experiments/${experiment}.yaml`, { defects: [defect], sets: [...sets] });
        for (const f of await readWhole(run.tracePath)) seen.add(f);
      });
    }

    it('and those traces hold the catalogue\'s faults, their reverts and the runner\'s own operations', () => {
      for (const f of ['kill-clussvc', 'revert:kill-clussvc', 'live-migrate', 'drain-node', 'resume-node', 'steady-state', 'set-cluster-settings', 'restore-cluster-settings']) expect([...seen]).to.include(f);
    });
  });

  it('refuses in every name of a trace the characters refused in an experiment: C0 and C1 controls, bidirectional and invisible ones', () => {
    const schema = traceSchema();
    const header = new TraceBuilder().header;
    expect(schema.problem(header)).to.equal(undefined);
    for (const bad of ['N\u009b1', 'N\u001b[2J', 'N\u202e1', 'N\u200b1']) {
      const withNode = { ...header, cluster: { ...header.cluster, nodes: ['N1', bad] } };
      expect(schema.problem(withNode), JSON.stringify(bad)).to.match(/without control, bidirectional or invisible characters/);
      expect(schema.problem({ type: 'observe', seq: 1, t: 0, entity: `node/${bad}`, state: { State: 'Up', StatusInformation: [] }, source: 'poll' }), JSON.stringify(bad)).to.not.equal(undefined);
    }
  });

  it("knows each fault, each revert of one that has a revert, the runner's and the observer's operations, and the arguments each fault requires", () => {
    for (const f of faults.values()) {
      expect(vocabulary.operations).to.include(f.name);
      expect(vocabulary.operations.includes(`revert:${f.name}`)).to.equal(f.revert !== undefined);
      expect(vocabulary.arguments[f.name]).to.deep.equal(f.params.required);
    }
    expect(vocabulary.operations).to.include.members([...RUNNER_OPERATIONS, ...OBSERVER_OPERATIONS]);
    expect(vocabulary.arguments['live-migrate']).to.deep.equal(['vm', 'to']);
    expect(vocabulary.arguments['revert:kill-clussvc']).to.deep.equal(['node']);
  });

  it("knows every setting the models do, with the range a header may hold: an experiment's for the models' own, a UInt32 for a cluster property", () => {
    expect(settingRanges.map((s) => s.name)).to.deep.equal(settingDefinitions.map((d) => d.name));
    expect(settingRanges.find((s) => s.name === 'EventLogWithin')).to.include({ minimum: 1, maximum: 3600 });
    expect(settingRanges.find((s) => s.name === 'ResiliencyDefaultPeriod')).to.include({ minimum: 0, maximum: 0xffffffff });
  });

  describe('says what is wrong', () => {
    const header = (): Record<string, any> => JSON.parse(JSON.stringify(new TraceBuilder().header));
    const footer = { type: 'footer', seq: 9, t: 100, verdict: 'pass', reason: 'x', run: { status: 'completed', virtualMs: 100, reverts: [] } };

    it('accepts the test helpers\' header and a whole footer', () => {
      expect(schema.problem(header())).to.equal(undefined);
      expect(schema.problem(footer)).to.equal(undefined);
    });

    it("a footer's run that is not a run outcome", () => {
      expect(schema.problem({ ...footer, run: { status: 'finished' } })).to.equal("the footer's run is not a run outcome (expected status, virtualMs and reverts): the footer's run lacks virtualMs, reverts");
      expect(schema.problem({ ...footer, run: { ...footer.run, reverts: [{ fault: 'x', outcome: 'maybe' }] } })).to.equal(
        "the footer's run is not a run outcome (expected status, virtualMs and reverts): the footer's run.reverts[0].outcome is \"maybe\", expected one of ok, fail, info",
      );
    });

    it("a live migration's value of the wrong shape (the checker adds up its pre-copy passes)", () => {
      const op = { type: 'op', seq: 3, t: 10, process: 'workload', f: 'live-migrate', phase: 'ok', args: { vm: 'web01', to: 'N1' }, value: { vm: 'web01', passMs: 'fast' } };
      expect(schema.problem(op)).to.equal("the op record's value.passMs is \"fast\", expected a list of milliseconds, one per pre-copy pass, or null");
    });

    it("a header's cluster that is not one, listing what it lacks", () => {
      const h = header();
      h.cluster = { name: 'C' };
      expect(schema.problem(h)).to.equal("the header's cluster is not a cluster description: the header's cluster lacks nodes, vms");
    });

    it('a value nested deeper than MAX_DEPTH, found without recursion however deep', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 1_000_000; i++) deep = [deep];
      expect(depthOf(deep)).to.equal(1_000_000);
      expect(depthOf(deep, MAX_DEPTH)).to.equal(MAX_DEPTH + 1);
      const op = { type: 'op', seq: 3, t: 10, process: 'runner', f: 'steady-state', phase: 'invoke', args: { when: 'before' }, value: deep };
      expect(traceSchema().problem(op)).to.equal(`the op record's value is a value nested more than ${MAX_DEPTH} deep, expected a JSON value nested at most ${MAX_DEPTH} deep`);
    });
  });

  it('prefixes every line of a message of several lines with the file and the line', () => {
    expect(new TraceFormatError('t.ndjson', 7, 'one\ntwo').message).to.equal('t.ndjson:7: one\nt.ndjson:7: two');
  });
});
