import { expect, use } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onSimulator } from '../../src/run/run-experiment.js';
import { clusterchaos, experiment, storedRun, type CheckedRun, type ExperimentRunner } from '../../src/testing/index.js';
import { TraceBuilder } from '../helpers/trace.js';

use(clusterchaos);

/** Writes the builder's records as a trace file and checks it the way `clusterchaos check` does. */
async function written(b: TraceBuilder): Promise<CheckedRun> {
  const path = join(mkdtempSync(join(tmpdir(), 'testing-chai-')), 'trace.ndjson');
  writeFileSync(path, [JSON.stringify(b.header), ...b.records.map((r) => r.text)].join('\n') + '\n');
  return storedRun(path);
}

/** Crash at 10 s; N2 isolated at 20 s; back Up at 35 s: the documented path with ResiliencyDefaultPeriod 60. */
function isolationAndRejoin(): TraceBuilder {
  const b = new TraceBuilder({ vms: [{ name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 }] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
  b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] }).polls(20_000, 33_000);
  b.node('N2', 'Joining').poll(34_000);
  b.node('N2', 'Up').vm('web01', 'Running').polls(35_000, 60_000);
  return b.end(61_000);
}

/** Crash at 10 s; N2 goes Down without ever being Isolated: a violation. */
function downWithoutIsolation(): TraceBuilder {
  const b = new TraceBuilder({ vms: [] }).polls(0, 10_000).kill(10_000, 'N2').polls(11_000, 19_000);
  return b.node('N2', 'Down').polls(20_000, 30_000);
}

/** The assertion's failure (an AssertionError), or a failure of the test if it passed. */
async function failureOf(assertion: PromiseLike<void> | (() => void)): Promise<Error> {
  try {
    if (typeof assertion === 'function') assertion();
    else await assertion;
  } catch (e) {
    expect((e as Error).name).to.equal('AssertionError');
    return e as Error;
  }
  throw new Error('expected the assertion to fail, but it passed');
}

const FLAGSHIP = 'experiments/compute-resiliency.yaml';

describe('src/testing: the chai plugin', () => {
  describe('on small traces', () => {
    it('conform() passes a run that conforms and fails one with a violation, quoting it as the CLI does', async () => {
      const good = await written(isolationAndRejoin());
      expect(good.result.verdict).to.equal('pass');
      expect(good).to.conform();

      const bad = await written(downWithoutIsolation());
      expect(bad).not.to.conform();
      const e = await failureOf(() => expect(bad).to.conform());
      expect(e.message).to.match(/^expected the run to conform to the models, but the checker found 1 violation and 1 unknown \(verdict: fail — 1 violation/);
      expect(e.message).to.include('unknown: incomplete trace: it has no footer');
      expect(e.message).to.include('violation 1:\nnode/N2 (');
      expect(e.message).to.include('  observed: Down');
      expect(e.message).to.match(/ {2}expected: .*Isolated/);
      expect(e.message).to.match(/ {2}when: {5}00:2\d\.\d, \d+\.\d s after kill-clussvc on N2/);
      expect(e.message).to.include('  setting:  ResiliencyDefaultPeriod = 60 s');
      expect(e.message).to.match(/never reached Isolated/);
      expect(e.message).to.match(/\n {2}trace:\n/);
      expect(e.message).to.match(/\n {2}> #\d+ +00:20\.0 +\{"type":"observe".*"entity":"node\/N2".*"Down"/);
      expect(e.message).to.match(/"f":"kill-clussvc"/);
      expect(e.message).to.include(`trace: ${bad.tracePath}`);
    });

    it('conform() fails a run with unknowns and no violation, and says so', async () => {
      const b = new TraceBuilder({ vms: [] }).polls(0, 5000).op(5000, 'kill-clussvc', 'invoke', { node: 'N2' }).op(6000, 'kill-clussvc', 'info', { node: 'N2' }).polls(6000, 8000);
      const run = await written(b);
      expect(run.result.violations).to.deep.equal([]);
      expect(run.result.unknowns).to.not.be.empty;
      const e = await failureOf(() => expect(run).to.conform());
      expect(e.message).to.match(/found \d+ unknowns? \(verdict: unknown/);
      expect(e.message).to.include(`unknown: ${run.result.unknowns[0]}`);
    });

    it('transition() passes when the entity went from one display state straight to the other', async () => {
      const run = await written(isolationAndRejoin());
      await expect(run).to.have.transition('node/N2', 'Up', 'Isolated');
      await expect(run).to.have.transition('node/N2', 'Isolated', 'Joining');
      await expect(run).to.have.transition('vm/web01', 'Running', 'Unmonitored');
      await expect(run).to.have.transition('vm/web01', 'Unmonitored', 'Running');
      await expect(run).not.to.have.transition('node/N2', 'Up', 'Down'); // Down with the Isolated flag reads Isolated
      await expect(run).not.to.have.transition('node/N2', 'Up', 'Joining'); // not straight: Isolated came between
    });

    it('within() measures from the latest fault injected before the second state (the kill at 10 s, Isolated first seen at 20 s)', async () => {
      const run = await written(isolationAndRejoin());
      await expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('10s');
      await expect(run).to.have.transition('node/N2', 'Up', 'Isolated').after('kill-clussvc').within(10_000);
      await expect(run).not.to.have.transition('node/N2', 'Up', 'Isolated').within('9s');
      const e = await failureOf(expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('9500ms'));
      expect(e.message).to.match(/^expected node\/N2 to go from Up to Isolated within 9500ms of the latest fault injected before it, but it went from Up to Isolated once, never in time:/);
      expect(e.message).to.include('  Isolated first observed at 00:20.0, 10.0 s after kill-clussvc at 00:10.0 (last Up at 00:19.0)');
      expect(e.message).to.include('observed node/N2 (62 observations): Up (00:00.0) → Isolated 00:20.0 → Joining 00:34.0 → Up 00:35.0');
      expect(e.message).to.match(/\n {4}#\d+ +00:10\.0 +\{"type":"op".*"kill-clussvc"/);
      expect(e.message).to.match(/\n {2}> #\d+ +00:20\.0 +\{"type":"observe".*"node\/N2"/);
    });

    it('after() names the fault; without one before the transition, within() cannot be met', async () => {
      const run = await written(isolationAndRejoin());
      const e = await failureOf(expect(run).to.have.transition('node/N2', 'Up', 'Isolated').after('stop-node').within('1m'));
      expect(e.message).to.match(/within 1m of the latest stop-node before it/);
      expect(e.message).to.include('(no stop-node before it)');
    });

    it('fails a transition that never happened with what was observed for the entity and where it changed', async () => {
      const run = await written(downWithoutIsolation());
      const e = await failureOf(expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('15s'));
      expect(e.message).to.match(/^expected node\/N2 to go from Up to Isolated within 15s .*, but node\/N2 never went from Up straight to Isolated/);
      expect(e.message).to.include('observed node/N2 (31 observations): Up (00:00.0) → Down 00:20.0');
      expect(e.message).to.match(/trace \(where node\/N2 changed state\):\n {4}#\d+ +00:00\.0 .*\n {4}#\d+ +00:20\.0 .*"Down"/);
      const none = await failureOf(expect(run).to.have.transition('vm/nosuch', 'Running', 'Off'));
      expect(none.message).to.include('the trace has no observation of vm/nosuch');
    });

    it('rejects what is not a checked run, and a duration it cannot read', async () => {
      expect(() => expect({ result: {} }).to.conform()).to.throw(TypeError, /expected a checked run \(\{ tracePath, result \}\), got an object with keys result/);
      const run = await written(isolationAndRejoin());
      expect(() => expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('soon')).to.throw(TypeError, /'15s', '500ms' or '1m30s'/);
      await expect(run).to.have.transition('node/N2', 'Up', 'Isolated'); // and the one above, abandoned by its error, does not trip the never-awaited guard
    });

    it('fails loudly when a transition assertion is never awaited (it would otherwise pass without checking)', async () => {
      const run = await written(isolationAndRejoin());
      const uncaught = new Promise<Error>((resolve) => {
        const listeners = process.listeners('uncaughtException');
        process.removeAllListeners('uncaughtException');
        process.once('uncaughtException', (e) => {
          for (const l of listeners) process.on('uncaughtException', l);
          resolve(e);
        });
      });
      void expect(run).to.have.transition('node/N2', 'Up', 'Down').within('1s'); // not awaited (void) on purpose
      const e = await uncaught;
      expect(e.message).to.match(/transition\("node\/N2", "Up", "Down"\) was never awaited, so it checked nothing/);
    });
  });

  describe('on simulator runs of the flagship', function () {
    this.timeout(60_000);

    it('passes conform() and the isolation within 15 s', async () => {
      const run = await experiment(FLAGSHIP, { runner: onSimulator });
      expect(run).to.conform();
      await expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('15s');
      await expect(run).to.have.transition('node/N2', 'Up', 'Isolated').after('kill-clussvc').within('15s');
      await expect(run).to.have.transition('vm/sql01', 'RunningCritical', 'PausedCritical');
    });

    it('fails within("1s") with the elapsed time, the entity\'s states and the trace lines', async () => {
      const run = await experiment(FLAGSHIP, { runner: onSimulator });
      const e = await failureOf(expect(run).to.have.transition('node/N2', 'Up', 'Isolated').within('1s'));
      expect(e.message).to.match(/^expected node\/N2 to go from Up to Isolated within 1s of the latest fault injected before it, but it went from Up to Isolated once, never in time:/);
      expect(e.message).to.match(/Isolated first observed at 00:10\.0, 10\.0 s after kill-clussvc at 00:00\.0/);
      expect(e.message).to.include('Up (00:00.0) → Isolated 00:10.0 → Joining 00:15.0 → Up 00:18.0');
      expect(e.message).to.match(/\n {2}> #\d+ +00:10\.0 +\{"type":"observe".*"node\/N2"/);
      expect(e.message).to.match(/trace file: .*trace\.ndjson$/);
    });

    it('fails a transition that never happened on the flagship (N2 never went Down)', async () => {
      const run = await experiment(FLAGSHIP, { runner: onSimulator });
      const e = await failureOf(expect(run).to.have.transition('node/N2', 'Isolated', 'Down'));
      expect(e.message).to.match(/node\/N2 never went from Isolated straight to Down/);
      expect(e.message).to.include('Up (00:00.0) → Isolated 00:10.0 → Joining 00:15.0 → Up 00:18.0');
    });

    it('fails conform() under the no-isolation defect with the violation as the CLI prints it', async () => {
      const run = await experiment(FLAGSHIP, { runner: onSimulator, defects: ['no-isolation'] });
      expect(run.result.verdict).to.equal('fail');
      const e = await failureOf(() => expect(run).to.conform());
      const v = run.result.violations[0]!;
      expect(e.message).to.include(`violation 1:\n${v.entity} (${v.rule})\n  expected: ${v.expected}\n  observed: ${v.observed}`);
      expect(e.message).to.include(v.message);
      expect(e.message).to.match(/\n {2}> #\d+ .*"type":"observe"/);
      await expect(run).not.to.have.transition('node/N2', 'Up', 'Isolated');
    });

    it('fails a negated transition that did happen, saying when', async () => {
      const run = await experiment(FLAGSHIP, { runner: onSimulator });
      const e = await failureOf(expect(run).not.to.have.transition('node/N2', 'Up', 'Isolated').after('kill-clussvc').within('15s'));
      expect(e.message.split('\n').slice(0, 3)).to.deep.equal([
        'expected node/N2 not to go from Up to Isolated within 15s of the latest kill-clussvc before it, but it did:',
        '  Isolated first observed at 00:10.0, 10.0 s after kill-clussvc at 00:00.0 (last Up at 00:09.0)',
        'observed node/N2 (93 observations): Up (00:00.0) → Isolated 00:10.0 → Joining 00:15.0 → Up 00:18.0',
      ]);
    });

    it('experiment() shares one run between specs that ask for the same one', async () => {
      let calls = 0;
      const counting: ExperimentRunner = (file, o) => {
        calls++;
        return onSimulator(file, o);
      };
      const [a, b] = await Promise.all([experiment(FLAGSHIP, { runner: counting, seed: 2 }), experiment(FLAGSHIP, { runner: counting, seed: 2 })]);
      expect(a).to.equal(b);
      expect(calls).to.equal(1);
      await experiment(FLAGSHIP, { runner: counting, seed: 3 });
      expect(calls).to.equal(2);
    });
  });
});
