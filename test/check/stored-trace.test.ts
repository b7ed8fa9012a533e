/**
 * Issue 12, "traces are validated as data": what a hostile probe found `clusterchaos check` and `clusterchaos
 * report` doing with stored traces, each as a test. A trace of the wrong shape is bad input (exit 2, naming the
 * file, the line and the field), never a crash and never a verdict about the cluster; a trace without its footer
 * is never a pass; and check and report accept, refuse and judge every trace alike.
 */
import { expect } from 'chai';
import { checkAndReport, realTrace, traceFile, type Outcome } from '../trace/stored.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Both commands refuse the trace as bad input, with the same message, its first line naming the file, the line and `what`. */
async function refused(lines: string[], line: number, what: RegExp): Promise<{ check: Outcome; report: Outcome }> {
  const path = traceFile(lines);
  const both = await checkAndReport(path);
  for (const [name, r] of Object.entries(both)) {
    expect(r.code, `${name}: ${r.err.join('\n')}\n${r.out.join('\n')}`).to.equal(2);
    expect(r.err[0], name).to.match(new RegExp(`^${escape(path)}:${line}: `));
    expect(r.err[0], name).to.match(what);
    expect(r.last, name).to.match(/^verdict: unknown — bad input/);
  }
  expect(both.report.err).to.deep.equal(both.check.err);
  return both;
}

/** Both commands give this exit code and the same verdict line. */
async function judged(lines: string[] | string, code: number): Promise<{ check: Outcome; report: Outcome }> {
  const both = await checkAndReport(traceFile(lines));
  for (const [name, r] of Object.entries(both)) expect(r.code, `${name}: ${r.err.join('\n')}\n${r.last}`).to.equal(code);
  expect(both.report.last).to.equal(both.check.last);
  return both;
}

type Json = Record<string, any>;
const edit = (lines: string[], i: number, change: (r: Json) => void): string[] => {
  const r = JSON.parse(lines[i]!) as Json;
  change(r);
  return lines.map((l, j) => (j === i ? JSON.stringify(r) : l));
};

describe('clusterchaos check and report: a stored trace is validated as data', function () {
  this.timeout(120_000);
  let trace: string[];
  let observe: number;
  let kill: number;
  before(async () => {
    trace = await realTrace('compute-resiliency');
    observe = trace.findIndex((l) => l.includes('"type":"observe"'));
    kill = trace.findIndex((l) => l.includes('"f":"kill-clussvc"'));
  });

  it('the real trace passes both, alike', async () => {
    const { check } = await judged(trace, 0);
    expect(check.last).to.match(/^verdict: pass — /);
  });

  describe('records of the wrong shape are bad input, not a crash', () => {
    it('a flipped key ("entity" → "entitx") names the line and the field it lacks', async () => {
      const lines = trace.map((l, i) => (i === observe ? l.replace('"entity"', '"entitx"') : l));
      await refused(lines, observe + 1, /the observe record lacks "entity" \(it has "entitx".*\): expected "node\/<name>" or "vm\/<name>"/);
    });

    it('"state": null', async () => {
      await refused(edit(trace, observe, (r) => (r.state = null)), observe + 1, /the observe record's state is null, expected an object/);
    });

    it('"entity": 42', async () => {
      await refused(edit(trace, observe, (r) => (r.entity = 42)), observe + 1, /the observe record's entity is 42, expected "node\/<name>" or "vm\/<name>"/);
    });

    it('a line of 100,000 nested [], quoted as written rather than walked', async () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const { check } = await refused(trace.map((l, i) => (i === observe ? deep : l)), observe + 1, /a trace line is one JSON object, this one is a list of 1/);
      expect(check.err.join('\n')).to.include(`the line reads: ${'['.repeat(120)}… (200,000 characters)`);
    });

    it('a value nested 100,000 deep inside an operation\'s arguments (the reports write them out again)', async () => {
      const lines = trace.map((l, i) => (i === kill ? l.replace('"args":{', `"args":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)},`) : l));
      await refused(lines, kill + 1, /the op record's args\.x is a value nested more than 32 deep/);
    });

    it('a state of the wrong kind for its entity: a VM observed as a node is', async () => {
      const vm = trace.findIndex((l) => l.includes('"entity":"vm/'));
      await refused(edit(trace, vm, (r) => (r.state = { State: 'Up', StatusInformation: [] })), vm + 1, /the observe record's state is not a VM .*: the observe record's state lacks GroupState, OwnerNode/);
    });
  });

  describe("the header's settings are typed", () => {
    it('ResiliencyDefaultPeriod "sixty" is bad input, not a cluster that never reaches Isolated', async () => {
      await refused(edit(trace, 0, (r) => (r.settings.ResiliencyDefaultPeriod = 'sixty')), 1, /the header's settings\.ResiliencyDefaultPeriod is "sixty", expected a whole number/);
    });

    it("a model setting outside its documented range (EventLogWithin -5)", async () => {
      await refused(edit(trace, 0, (r) => (r.settings.EventLogWithin = -5)), 1, /settings\.EventLogWithin is -5, expected a whole number from 1 to 3600 s/);
    });

    it('a setting the models do not know is allowed as a number (a newer clusterchaos may record one), refused as anything else', async () => {
      await judged(edit(trace, 0, (r) => (r.settings.SomeFutureProperty = 7)), 0);
      await refused(edit(trace, 0, (r) => (r.settings.SomeFutureProperty = 'seven')), 1, /settings\.SomeFutureProperty is "seven", expected a number/);
    });
  });

  describe('check and report refuse the same traces', () => {
    it('a header whose cluster time zone is not {id, utcOffsetMinutes} (the report prints the cluster\'s local time from it)', async () => {
      await refused(edit(trace, 0, (r) => (r.timeZone = 'Paris')), 1, /timeZone/);
      await refused(edit(trace, 0, (r) => (r.timeZone = { id: 'Europe/Paris', utcOffsetMinutes: '+60' })), 1, /timeZone\.utcOffsetMinutes/);
      await judged(edit(trace, 0, (r) => (r.timeZone = { id: 'W. Europe Standard Time', utcOffsetMinutes: 60 })), 0);
    });

    it('a header without its seed', async () => {
      await refused(edit(trace, 0, (r) => delete r.seed), 1, /the header lacks "seed": expected the simulator's seed, a whole number ≥ 0/);
    });

    it('"t": "soon"', async () => {
      await refused(edit(trace, observe, (r) => (r.t = 'soon')), observe + 1, /the observe record's t is "soon", expected milliseconds since the run started/);
    });

    it("a negative t on the runner's own clock (an op), or one further back than any cluster's clock can be (an observation)", async () => {
      await refused(edit(trace, kill, (r) => (r.t = -5)), kill + 1, /the op record's t is -5, expected milliseconds since the run started, a number ≥ 0/);
      await refused(edit(trace, observe, (r) => (r.t = -400_000)), observe + 1, /the observe record's t is -400000, expected .* ≥ -360000/);
    });

    it('a t past what a number holds (1e400 reads as Infinity)', async () => {
      await refused(trace.map((l, i) => (i === kill ? l.replace(/"t":\d+/, '"t":1e400') : l)), kill + 1, /the op record's t is Infinity/);
    });

    it('"phase": "maybe"', async () => {
      await refused(edit(trace, kill, (r) => (r.phase = 'maybe')), kill + 1, /the op record's phase is "maybe", expected one of invoke, ok, fail, info/);
    });

    it('an operation this clusterchaos does not know ("kil-clussvc"), naming those it does', async () => {
      await refused(edit(trace, kill, (r) => (r.f = 'kil-clussvc')), kill + 1, /the op record's f is "kil-clussvc", expected an operation this clusterchaos knows: .*kill-clussvc.*revert:kill-clussvc.*steady-state/);
    });

    it("an operation without the arguments its fault requires (kill-clussvc without its node)", async () => {
      await refused(edit(trace, kill, (r) => delete r.args.node), kill + 1, /the op record's args lacks "node": expected a node name/);
    });

    it('an operation on a node the header does not describe: said so, not a crash (the models have no such node)', async () => {
      const lines = trace.map((l) => (l.includes('"f":"kill-clussvc"') || l.includes('"f":"revert:kill-clussvc"') ? l.replace('"node":"N2"', '"node":"N9"') : l));
      // N2 then goes Isolated with nothing in the trace to explain it: that is a violation, and fail outranks unknown
      const { check } = await judged(lines, 1);
      expect(check.out).to.include('unknown: kill-clussvc on N9 acts on node/N9, which is not part of the cluster described in the header; it was not checked');
    });

    it('a record whose "type" is none of the six (even one an object has: "toString")', async () => {
      await refused(edit(trace, observe, (r) => (r.type = 'toString')), observe + 1, /expected a record with "type" one of header, op, observe, event, checkpoint, footer, found "toString"/);
    });
  });

  describe('records out of place', () => {
    it('no header first', async () => {
      await refused(trace.slice(1), 1, /expected the header record first, found "op"/);
    });

    it('a second header', async () => {
      await refused([trace[0]!, ...trace.slice(0, -1)], 2, /a second header/);
    });

    it('a record after the footer, or a second footer', async () => {
      await refused([...trace, trace[observe]!], trace.length + 1, new RegExp(`an observe record after the footer \\(line ${trace.length}\\)`));
      await refused([...trace, trace.at(-1)!], trace.length + 1, /a footer record after the footer/);
    });
  });

  describe('a trace without its footer is never a pass', () => {
    it('cut short before its fault: unknown — incomplete trace (not "pass — 30 observations")', async () => {
      const { check } = await judged(trace.slice(0, 30), 3);
      expect(check.last).to.match(/^verdict: unknown — incomplete trace: it has no footer, so the run did not finish/);
    });

    it('cut at any byte of its last line (a crash mid-write): unknown — incomplete trace', async () => {
      const text = trace.join('\n') + '\n';
      const cut = text.lastIndexOf('\n', text.length - 2) + 20; // 20 bytes into the footer line
      const { check } = await judged(text.slice(0, cut), 3);
      expect(check.last).to.match(/^verdict: unknown — incomplete trace/);
    });

    it('violations found in what is there still fail it: that evidence is real', async () => {
      const defect = await realTrace('compute-resiliency', { defects: ['no-isolation'] });
      const { check } = await judged(defect.slice(0, -1), 1);
      expect(check.last).to.match(/^verdict: fail — /);
      expect(check.out).to.include('unknown: incomplete trace: it has no footer, so the run did not finish (killed, still running, or the trace was cut short)');
    });

    it("a footer saying the run was aborted: unknown, as the run's own verdict was", async () => {
      const aborted = edit(trace, trace.length - 1, (r) => (r.run = { ...r.run, status: 'aborted', abortReason: 'interrupted (Ctrl-C): stopped before the next step' }));
      const { check } = await judged(aborted, 3);
      expect(check.last).to.equal('verdict: unknown — the run was aborted: interrupted (Ctrl-C): stopped before the next step');
    });
  });

  it('reads the same trace with CRLF or lone-CR line endings the same way', async () => {
    const lf = await judged(trace, 0);
    const crlf = await judged(trace.join('\r\n') + '\r\n', 0);
    const cr = await judged(trace.join('\r') + '\r', 0);
    expect(crlf.check.out).to.deep.equal(lf.check.out);
    expect(cr.check.out).to.deep.equal(lf.check.out);
  });
});
