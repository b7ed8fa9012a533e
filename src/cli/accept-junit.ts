import Mocha from 'mocha';
import { create } from 'xmlbuilder2';
import type { Experiment } from '../experiment/types.js';

/** How one test case ended: a spec's check of one node, one VM or the cluster. */
export interface SpecResult {
  /** The spec's title (the case's classname in junit.xml). */
  spec: string;
  /** The node, the VM or the cluster the case is about. */
  title: string;
  state: 'passed' | 'failed' | 'not-attempted';
  ms: number;
  /** Why it failed, or why it was not attempted. */
  message?: string;
  /** The failure's detail, for <failure>'s text: the assertion's message, or an unexpected error's stack. */
  detail?: string;
  /** The generated run of the case (its folder is the run's name), when it has one. */
  run?: Experiment;
}

/** Where the collecting reporter puts what it saw (passed in through mocha's reporterOptions). */
export interface SpecSink {
  results: SpecResult[];
  /** Why a skipped case was not attempted. */
  notAttempted: Map<Mocha.Runnable, string>;
  /** The generated run of each case that has one. */
  runs: Map<Mocha.Runnable, Experiment>;
  /** Told when a case starts (its spec, its title and its number, from 1), to show progress while it runs. */
  began?: (spec: string, title: string, n: number) => void;
  /** Told when a case ends. */
  ended?: (result: SpecResult) => void;
}

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_TEST_BEGIN } = Mocha.Runner.constants;

/**
 * A mocha reporter that prints nothing and collects each test's outcome into `reporterOptions.sink`; a
 * failure of a hook is recorded against the hook's title. `clusterchaos accept` prints and writes junit.xml.
 */
export class SpecCollector extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions & { reporterOptions?: { sink?: SpecSink } }) {
    super(runner, options);
    const sink = options.reporterOptions?.sink;
    if (!sink) throw new Error('SpecCollector needs reporterOptions.sink');
    const started = new Map<Mocha.Runnable, number>();
    runner.on(EVENT_TEST_BEGIN, (test: Mocha.Test) => {
      started.set(test, Date.now());
      sink.began?.(test.parent?.title ?? '', test.title, started.size);
    });
    const ms = (test: Mocha.Runnable): number => test.duration ?? Date.now() - (started.get(test) ?? Date.now());
    const record = (test: Mocha.Runnable, r: Omit<SpecResult, 'spec' | 'title' | 'run'>): void => {
      const run = sink.runs.get(test);
      const result: SpecResult = { spec: test.parent?.title ?? '', title: test.title, ...r, ...(run ? { run } : {}) };
      sink.results.push(result);
      sink.ended?.(result);
    };
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => record(test, { state: 'passed', ms: ms(test) }));
    // the suite's own failures are assertions whose message says it all: a stack line would be noise in a CI's test tab
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Runnable, err: Error) =>
      record(test, { state: 'failed', ms: ms(test), message: err.message, detail: err.name === 'AssertionError' ? err.message : (err.stack ?? err.message) }),
    );
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => record(test, { state: 'not-attempted', ms: 0, message: sink.notAttempted.get(test) ?? 'not attempted' }));
  }
}

/** XML 1.0 cannot carry most control characters: they become U+FFFD. */
const printable = (s: string): string => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');

/**
 * junit.xml of an acceptance run: testsuites / testsuite / one testcase per node, VM or cluster check (classname:
 * the spec, name: the node or VM); a failed case carries a <failure> with its own message, a case not attempted a
 * <skipped> saying why, a case with a run its report in <system-out> (as [[ATTACHMENT|…]], which Jenkins links).
 */
export function acceptanceJunit(o: { suite: string; results: SpecResult[]; properties: Record<string, string>; reportOf?: (run: Experiment) => string | undefined }): string {
  const failures = o.results.filter((r) => r.state === 'failed').length;
  const skipped = o.results.filter((r) => r.state === 'not-attempted').length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = o.results.reduce((sum, r) => sum + r.ms, 0);
  const counts = { tests: String(o.results.length), failures: String(failures), errors: '0', skipped: String(skipped), time: seconds(total) };
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'clusterchaos accept', ...counts });
  const suite = root.ele('testsuite', { name: printable(o.suite), ...counts });
  const props = suite.ele('properties');
  for (const [name, value] of Object.entries(o.properties)) props.ele('property', { name, value: printable(value) });
  for (const r of o.results) {
    const c = suite.ele('testcase', { classname: printable(r.spec), name: printable(r.title), time: seconds(r.ms) });
    if (r.state === 'failed') {
      c.ele('failure', { message: printable(firstLine(r.message ?? 'failed')), type: 'AssertionError' }).txt(printable(r.detail ?? r.message ?? ''));
    } else if (r.state === 'not-attempted') {
      c.ele('skipped', { message: printable(r.message ?? 'not attempted') });
    }
    const report = r.run && r.state !== 'not-attempted' ? o.reportOf?.(r.run) : undefined;
    if (report) {
      c.ele('system-out').txt(printable(`report: ${report}\n[[ATTACHMENT|${report}]]`));
    }
  }
  return root.end({ prettyPrint: true }) + '\n';
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
