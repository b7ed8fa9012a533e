import Mocha from 'mocha';
import { create } from 'xmlbuilder2';

/** How one spec ended. */
export interface SpecResult {
  title: string;
  state: 'passed' | 'failed' | 'not-attempted';
  ms: number;
  /** Why it failed, or why it was not attempted. */
  message?: string;
  /** The failure's detail (assertion message with its stack), for <failure>'s text. */
  detail?: string;
}

/** Where the collecting reporter puts what it saw (passed in through mocha's reporterOptions). */
export interface SpecSink {
  results: SpecResult[];
  /** Why a skipped spec was not attempted, by title. */
  notAttempted: Map<string, string>;
  /** Told when a spec starts (its title and its number, from 1), to show progress while it runs. */
  began?: (title: string, n: number) => void;
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
      sink.began?.(test.title, started.size);
    });
    const ms = (test: Mocha.Runnable): number => test.duration ?? Date.now() - (started.get(test) ?? Date.now());
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => sink.results.push({ title: test.title, state: 'passed', ms: ms(test) }));
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Runnable, err: Error) =>
      sink.results.push({ title: test.title, state: 'failed', ms: ms(test), message: err.message, detail: err.stack ?? err.message }),
    );
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) =>
      sink.results.push({ title: test.title, state: 'not-attempted', ms: 0, message: sink.notAttempted.get(test.title) ?? 'not attempted' }),
    );
  }
}

/** XML 1.0 cannot carry most control characters: they become U+FFFD. */
const printable = (s: string): string => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');

/**
 * junit.xml of an acceptance run: testsuites / testsuite / one testcase per spec; a failed spec carries a
 * <failure> with its message, a spec not attempted a <skipped> saying why.
 */
export function acceptanceJunit(o: { suite: string; results: SpecResult[]; properties: Record<string, string> }): string {
  const failures = o.results.filter((r) => r.state === 'failed').length;
  const skipped = o.results.filter((r) => r.state === 'not-attempted').length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = o.results.reduce((sum, r) => sum + r.ms, 0);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: 'clusterchaos accept',
    tests: String(o.results.length),
    failures: String(failures),
    errors: '0',
    skipped: String(skipped),
    time: seconds(total),
  });
  const suite = root.ele('testsuite', {
    name: printable(o.suite),
    tests: String(o.results.length),
    failures: String(failures),
    errors: '0',
    skipped: String(skipped),
    time: seconds(total),
  });
  const props = suite.ele('properties');
  for (const [name, value] of Object.entries(o.properties)) props.ele('property', { name, value: printable(value) });
  for (const r of o.results) {
    const c = suite.ele('testcase', { classname: 'pre-upgrade', name: printable(r.title), time: seconds(r.ms) });
    if (r.state === 'failed') {
      c.ele('failure', { message: printable(firstLine(r.message ?? 'failed')), type: 'AssertionError' }).txt(printable(r.detail ?? r.message ?? ''));
    } else if (r.state === 'not-attempted') {
      c.ele('skipped', { message: printable(r.message ?? 'not attempted') });
    }
  }
  return root.end({ prettyPrint: true }) + '\n';
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
