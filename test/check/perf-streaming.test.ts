/**
 * What makes a long trace checkable in flat memory, asserted as behaviour (timings live in bench/, never in
 * tests): the reader streams any line ending and size of file exactly as written; coverage is counted as the
 * run goes, so a run repeated n times counts each transition n times; a violation's context and an operation
 * with an unknown outcome still come out right after many records.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checker } from '../../src/check/checker.js';
import { checkTrace } from '../../src/check/index.js';
import type { CheckResult } from '../../src/check/result.js';
import { readTrace, TraceFormatError } from '../../src/trace/reader.js';
import { TraceBuilder } from '../helpers/trace.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-streaming-'));
let files = 0;
function file(text: string): string {
  const path = join(dir, `${files++}.ndjson`);
  writeFileSync(path, text);
  return path;
}

async function read(path: string): Promise<{ line: number; text: string }[]> {
  const out: { line: number; text: string }[] = [];
  for await (const r of readTrace(path)) out.push({ line: r.line, text: r.text });
  return out;
}

function check(b: TraceBuilder): CheckResult {
  const checker = new Checker(b.header);
  for (const r of b.records) checker.feed(r);
  return checker.finish();
}

/** One clussvc crash on N2 and its documented recovery, from `t0` (30 s of polls). */
function crashCycle(b: TraceBuilder, t0: number): TraceBuilder {
  b.polls(t0, t0 + 5_000).kill(t0 + 5_000, 'N2').polls(t0 + 6_000, t0 + 14_000);
  b.node('N2', 'Down', ['Isolated']).vm('web01', 'Running', { StatusInformation: ['Unmonitored'] });
  b.vm('sql01', 'PausedCritical', { StatusInformation: ['Unmonitored'] }).polls(t0 + 15_000, t0 + 24_000);
  b.node('N2', 'Joining').poll(t0 + 25_000);
  b.node('N2', 'Up').vm('web01', 'Running').vm('sql01', 'Running').polls(t0 + 26_000, t0 + 29_000);
  return b;
}

/** Crashing every 30 s would get N2 quarantined: these traces are plain soaks. */
const soak = (vms?: []): TraceBuilder => new TraceBuilder({ settings: { QuarantineThreshold: 0 }, ...(vms ? { vms } : {}) });

const counted = (r: CheckResult): Map<string, number> =>
  new Map(r.coverage.filter((c) => c.count > 0).map((c) => [`${c.model}: ${c.from} -${c.event}-> ${c.to}`, c.count]));

describe('checking a long trace in flat memory', () => {
  const h = JSON.stringify(new TraceBuilder().header);
  const a = '{"type":"op","t":1,"process":"runner","f":"steady-state","phase":"invoke","args":{"when":"before"},"seq":1}';
  const event = (t: number, message: string): string =>
    JSON.stringify({ type: 'event', t, node: 'N1', log: 'System', provider: 'Microsoft-Windows-FailoverClustering', id: 1135, level: 'Error', time: '2026-01-01T00:00:00.000Z', message, seq: t });
  const b = event(2, 'é — 😀');

  it('reads LF, CRLF and lone-CR line endings, skips blank lines and counts lines as written', async () => {
    expect(await read(file(`${h}\r\n\r\n  \n${b}\r${a}\n`))).to.deep.equal([
      { line: 1, text: h },
      { line: 4, text: b },
      { line: 5, text: a },
    ]);
  });

  it('reads a last line without a line break, and drops one cut short by a crash', async () => {
    expect(await read(file(`${h}\n${b}`))).to.deep.equal([
      { line: 1, text: h },
      { line: 2, text: b },
    ]);
    expect(await read(file(`${h}\n{"type":"observe","t":3,"ent`))).to.deep.equal([{ line: 1, text: h }]);
  });

  it('names the line of a malformed record that is not the last (even when only blank lines follow it)', async () => {
    const path = file(`${h}\nnot json\n\n`);
    let error: unknown;
    try {
      await read(path);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(TraceFormatError);
    expect((error as TraceFormatError).line).to.equal(2);
  });

  it('reads a file far larger than its read buffer, multi-byte characters across buffer boundaries intact', async () => {
    const lines = [h, ...Array.from({ length: 20_000 }, (_, i) => event(i, 'é😀'.repeat(i % 7)))];
    const got = await read(file(lines.join('\n') + '\n'));
    expect(got.length).to.equal(lines.length);
    expect(got.every((r, i) => r.text === lines[i] && r.line === i + 1)).to.equal(true);
  });

  it('counts coverage as the run goes: a crash cycle repeated 20 times counts each of its transitions 20 times', () => {
    const once = counted(check(crashCycle(soak(), 0)));
    const long = soak();
    for (let i = 0; i < 20; i++) crashCycle(long, i * 30_000);
    const result = check(long);
    expect(result.verdict, result.reason).to.equal('pass');
    expect(once.size).to.be.greaterThan(4);
    expect(counted(result)).to.deep.equal(new Map([...once].map(([k, n]) => [k, n * 20])));
  });

  it('quotes the lines after a violation late in a long trace, and only those', () => {
    const b = soak([]);
    for (let i = 0; i < 10; i++) crashCycleNodesOnly(b, i * 30_000);
    b.node('N2', 'Down').polls(300_000, 303_000); // Down with no stimulus: the model allows only Up
    const result = check(b);
    expect(result.violations).to.have.length(1);
    const v = result.violations[0]!;
    expect(v.entity).to.equal('node/N2');
    const after = v.context.filter((l) => l.t > v.t);
    expect(after.map((l) => l.t)).to.deep.equal([301_000, 302_000]);
  });

  it('checks the same trace the same way streamed from a file as fed from memory', async () => {
    const b = soak();
    for (let i = 0; i < 5; i++) crashCycle(b, i * 30_000);
    b.end(150_000);
    const path = file([JSON.stringify(b.header), ...b.records.map((r) => r.text)].join('\n') + '\n');
    const { result } = await checkTrace(path);
    // checkTrace judges the run's outcome too (the final steady state, the footer): the same checker, fed from memory
    const checker = new Checker(b.header, { run: { footer: 'required' } });
    for (const r of b.records) checker.feed(r);
    const fed = checker.finish();
    expect(result.verdict).to.equal('pass');
    expect(result).to.deep.equal(fed);
  });
});

function crashCycleNodesOnly(b: TraceBuilder, t0: number): void {
  b.polls(t0, t0 + 5_000).kill(t0 + 5_000, 'N2').polls(t0 + 6_000, t0 + 14_000);
  b.node('N2', 'Down', ['Isolated']).polls(t0 + 15_000, t0 + 24_000);
  b.node('N2', 'Joining').poll(t0 + 25_000);
  b.node('N2', 'Up').polls(t0 + 26_000, t0 + 29_000);
}
