/**
 * Hostile traces, generated: mutations of real traces (keys flipped, values of the wrong type or of the right
 * type but nonsense, values nested 100,000 deep, lines past the length limit, the file cut at any byte,
 * random bytes, CR/LF mixes, header or footer missing or twice, lines dropped, repeated or swapped). Whatever
 * the trace, `clusterchaos check` and `clusterchaos report` (main, in this process) end with exit 0–3, a
 * message, and a last stdout line `verdict: …`: never an exception (exit 4: clusterchaos itself failed),
 * never longer than a time bound; and they agree: both refuse it (exit 2) or both judge it, alike.
 *
 * A failure prints fast-check's seed and path and the mutated trace's file: `check` and `report` it to see.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LINE_BYTES } from '../../src/trace/reader.js';
import { checkAndReport, realTrace, type Outcome } from '../trace/stored.js';

/** More cases than the suite's default, for a longer hunt: TRACE_FUZZ_RUNS=2000 npx mocha … test/fuzz/trace-fuzz.test.ts */
const RUNS = Number(process.env.TRACE_FUZZ_RUNS ?? 0) || undefined;

/** The most one command may take on one trace (a few hundred lines; the longest line is the limit's 16 MiB). */
const BOUND_MS = 10_000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Lines = string[];

/** Where in a record a mutation acts: a path of child indexes, followed as far as the value nests. */
const path = fc.array(fc.nat(), { minLength: 0, maxLength: 4 });

/** Markers replaced by raw JSON text after stringifying (what JSON.stringify cannot write). */
const RAW: Record<string, string> = {
  '\u0000deep': '['.repeat(100_000) + ']'.repeat(100_000),
  '\u0000infinity': '1e400',
  '\u0000nested-object': '{"a":'.repeat(50) + '1' + '}'.repeat(50),
};

/** Words of the traces (names, states, phases, operations): a string replaced by one of these still fits most fields. */
const WORDS = ['N1', 'N2', 'N3', 'N4', 'N9', 'web01', 'sql01', 'oltp01', 'web02', 'Up', 'Down', 'Paused', 'Joining', 'Unknown', 'Isolated', 'Quarantined', 'Running', 'RunningCritical', 'PausedCritical', 'Off', 'Starting', 'Unmonitored', 'Online', 'Offline', 'Failed', 'ok', 'fail', 'info', 'invoke', 'node/N2', 'node/N9', 'vm/web01', 'vm/oltp01', 'vm/nope', 'kill-clussvc', 'revert:kill-clussvc', 'live-migrate', 'drain-node', 'resume-node', 'revert:drain-node', 'stop-node', 'start-node', 'isolate-network', 'steady-state', 'poll', 'TCPIP', 'SMB', 'Compression', 'PreCopy', 'Blackout', 'smb', 'csv-block', 'completed', 'aborted', 'pass', 'unknown', ''];

const wrongValue = fc.constantFrom<Json>(null, 42, -1, -1e9, 1.5, 0, 'soon', '', true, false, [], {}, [1, 'x'], { State: 'Up' }, 'x'.repeat(5000), ...Object.keys(RAW));

/** Values of every type, some taken from the trace's own words, so that some mutations keep the record's shape but not its sense. */
const plausible = fc.oneof(
  fc.constantFrom<Json>('N1', 'N2', 'N3', 'N4', 'web01', 'sql01', 'oltp01', 'Up', 'Down', 'Paused', 'Joining', 'Unknown', 'Isolated', 'Quarantined', 'Running', 'PausedCritical', 'Online', 'Offline', 'ok', 'fail', 'info', 'invoke', 'node/N2', 'vm/web01', 'vm/nope', 'node/N9'),
  fc.nat({ max: 10_000_000 }),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.boolean(),
);

interface Mutation {
  name: string;
  apply(lines: Lines): Lines;
}

/** The value at `at` in a parsed record, with its parent and key; the record itself has no parent. */
function locate(root: Json, at: number[]): { parent: Json[] | Record<string, Json>; key: string | number } | undefined {
  let parent: Json[] | Record<string, Json> | undefined;
  let key: string | number | undefined;
  let node: Json = root;
  for (const step of at) {
    if (typeof node !== 'object' || node === null) break;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node;
    key = keys[step % keys.length]!;
    node = (node as Record<string, Json>)[key as string]!;
  }
  return parent && key !== undefined ? { parent, key } : undefined;
}

/** Change one line's record (a line that is not JSON, or too deep to write again, is left alone). */
function onRecord(i: number, change: (record: Json) => void): (lines: Lines) => Lines {
  return (lines) => {
    const at = i % lines.length;
    let record: Json;
    let text: string;
    try {
      record = JSON.parse(lines[at]!) as Json;
      change(record);
      text = JSON.stringify(record); // overflows on a line an earlier mutation nested 100,000 deep: left as it is
    } catch {
      return lines;
    }
    for (const [marker, raw] of Object.entries(RAW)) text = text.split(JSON.stringify(marker)).join(raw);
    return lines.map((l, j) => (j === at ? text : l));
  };
}

/** The same type, another value: the record keeps its shape and loses its sense (what the models and the reports then make of it). */
const sameType: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), path, fc.nat(), fc.constantFrom(...WORDS), fc.double({ min: -1000, max: 1e7, noNaN: true })).map(([i, at, n, word, x]) => ({
  name: `another value of the same type in line ${i}`,
  apply: onRecord(i, (r) => {
    const l = locate(r, at.length ? at : [0]);
    if (!l) return;
    const parent = l.parent as Record<string, Json>;
    const v = parent[l.key as string]!;
    if (typeof v === 'string') parent[l.key as string] = word;
    else if (typeof v === 'number') parent[l.key as string] = Number.isInteger(v) ? n % 100_000 : x;
    else if (typeof v === 'boolean') parent[l.key as string] = !v;
    else if (Array.isArray(v) && v.length) v.splice(n % v.length, 1, ...(n % 2 ? [v[n % v.length]!, v[n % v.length]!] : []));
  }),
}));

const recordMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), path, fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([i, at, pos, c]) => ({
    name: `flip a key in line ${i}`,
    apply: onRecord(i, (r) => {
      const l = locate(r, [...at, 0].slice(0, Math.max(1, at.length)));
      if (!l || Array.isArray(l.parent)) return;
      const key = String(l.key);
      const p = pos % Math.max(1, key.length);
      const flipped = key.slice(0, p) + c + key.slice(p + 1);
      const value = l.parent[key]!;
      delete l.parent[key];
      l.parent[flipped] = value;
    }),
  })),
  fc.tuple(fc.nat(), path, wrongValue).map(([i, at, v]) => ({
    name: `a wrong value in line ${i}`,
    apply: onRecord(i, (r) => {
      const l = locate(r, at.length ? at : [0]);
      if (l) (l.parent as Record<string, Json>)[l.key as string] = v;
    }),
  })),
  fc.tuple(fc.nat(), path, plausible).map(([i, at, v]) => ({
    name: `a plausible value in line ${i}`,
    apply: onRecord(i, (r) => {
      const l = locate(r, at.length ? at : [0]);
      if (l) (l.parent as Record<string, Json>)[l.key as string] = v;
    }),
  })),
  sameType,
  fc.tuple(fc.nat(), path).map(([i, at]) => ({
    name: `a field deleted in line ${i}`,
    apply: onRecord(i, (r) => {
      const l = locate(r, at.length ? at : [0]);
      if (!l) return;
      if (Array.isArray(l.parent)) l.parent.splice(l.key as number, 1);
      else delete l.parent[l.key as string];
    }),
  })),
);

/** Lines dropped, repeated or swapped: every record whole, the story not. */
const reordered: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i) => ({ name: `line ${i} dropped`, apply: (l: Lines) => l.filter((_, j) => j !== i % l.length) })),
  fc.nat().map((i) => ({ name: `line ${i} twice`, apply: (l: Lines) => l.flatMap((x, j) => (j === i % l.length ? [x, x] : [x])) })),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => ({
    name: `lines ${i} and ${j} swapped`,
    apply: (l: Lines) => {
      const out = [...l];
      const [a, b] = [i % l.length, j % l.length];
      [out[a], out[b]] = [out[b]!, out[a]!];
      return out;
    },
  })),
);

const lineMutation: fc.Arbitrary<Mutation> = fc.oneof(
  reordered,
  fc.constant<Mutation>({ name: 'no header', apply: (l) => l.slice(1) }),
  fc.constant<Mutation>({ name: 'no footer', apply: (l) => l.slice(0, -1) }),
  fc.constant<Mutation>({ name: 'the footer twice', apply: (l) => [...l, l.at(-1)!] }),
  fc.constant<Mutation>({ name: 'the header twice', apply: (l) => [l[0]!, ...l] }),
  fc.nat().map((i) => ({ name: `line ${i} replaced by 100,000 nested []`, apply: (l: Lines) => l.map((x, j) => (j === i % l.length ? RAW['\u0000deep']! : x)) })),
  fc.nat().map((i) => ({ name: `a line of 1 MiB before line ${i}`, apply: (l: Lines) => l.flatMap((x, j) => (j === i % l.length ? [`{"type":"event","message":"${'x'.repeat(2 ** 20)}"}`, x] : [x])) })),
);

/** Mutations of the file's bytes, after the lines are joined. */
interface ByteMutation {
  name: string;
  apply(bytes: Buffer): Buffer;
}

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.nat().map((p) => ({ name: `cut at byte ${p}`, apply: (b: Buffer) => b.subarray(0, p % (b.length + 1)) })),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([p, bytes]) => ({
    name: `random bytes at ${p}`,
    apply: (b: Buffer) => {
      const at = p % (b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]);
    },
  })),
  fc.array(fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\r\n', '\n\r'), { minLength: 1, maxLength: 8 }).map((endings) => ({
    name: `line endings ${JSON.stringify(endings)}`,
    apply: (b: Buffer) => {
      let n = 0;
      return Buffer.from(b.toString('latin1').replace(/\n/g, () => endings[n++ % endings.length]!), 'latin1');
    },
  })),
  fc.nat().map((p) => ({
    name: `a line longer than the limit at ${p}`,
    apply: (b: Buffer) => {
      const at = b.indexOf(0x0a, p % (b.length + 1));
      const cut = at === -1 ? b.length : at + 1;
      return Buffer.concat([b.subarray(0, cut), Buffer.from('{"type":"event","message":"'), Buffer.alloc(MAX_LINE_BYTES, 'x'), Buffer.from('"}\n'), b.subarray(cut)]);
    },
  })),
);

const dir = mkdtempSync(join(tmpdir(), 'trace-fuzz-'));
/** How many cases ended with each exit code (printed after the suite: a fuzzer that only ever hits exit 2 tests little). */
const outcomes: Record<number, number> = {};
let failed = false;
let cases = 0;

/** Both commands end as the contract says, in time, and agree. */
function expectSane(both: { check: Outcome; report: Outcome }, file: string): void {
  for (const [name, r] of Object.entries(both)) {
    const said = `${name} ${file}: exit ${r.code}\n${r.err.slice(0, 5).join('\n')}\n${r.last}`;
    expect([0, 1, 2, 3], said).to.include(r.code);
    expect(r.last, said).to.match(/^verdict: (pass|fail|unknown) — \S/);
    if (r.code === 2) expect(r.err.join('').trim(), said).to.not.equal('');
    expect(r.ms, said).to.be.below(BOUND_MS);
  }
  const { check, report } = both;
  expect(report.code, `check and report disagree on ${file}: check exit ${check.code} (${check.last}), report exit ${report.code} (${report.last})`).to.equal(check.code);
  if (check.code === 2) expect(report.err, file).to.deep.equal(check.err);
  else expect(report.last, file).to.equal(check.last);
}

async function fuzz(base: Lines, runs: number, mutation: fc.Arbitrary<Mutation>, bytesToo: boolean): Promise<void> {
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), bytesToo ? fc.option(byteMutation, { freq: 3 }) : fc.constant(null), async (mutations, bytes) => {
        let lines = base;
        for (const m of mutations) lines = m.apply(lines);
        let text: Buffer = Buffer.from(lines.join('\n') + '\n');
        if (bytes) text = bytes.apply(text);
        const file = join(dir, `${cases++}.ndjson`);
        writeFileSync(file, text);
        const both = await checkAndReport(file);
        outcomes[both.check.code] = (outcomes[both.check.code] ?? 0) + 1;
        expectSane(both, `${file} (${[...mutations.map((m) => m.name), ...(bytes ? [bytes.name] : [])].join('; ')})`);
      }),
      { numRuns: RUNS ?? runs },
    );
  } catch (e) {
    failed = true;
    throw e;
  }
}

describe('fuzz: hostile traces to check and report', function () {
  this.timeout(120_000);
  let nodes: Lines;
  let migrations: Lines;
  before(async () => {
    // a clussvc crash polled every 3 s (about 400 lines) and live migrations with their values (about 130)
    nodes = await realTrace('compute-resiliency', { sets: ['observe.interval=3s'] });
    migrations = await realTrace('busy-vm-migration');
  });

  after(() => {
    console.log(`      exit codes of check over the mutated traces: ${JSON.stringify(outcomes)}`);
    if (!failed) rmSync(dir, { recursive: true, force: true }); // a failure's traces are kept, to replay
  });

  it('the unmutated traces pass both', async () => {
    for (const base of [nodes, migrations]) {
      const file = join(dir, `${cases++}.ndjson`);
      writeFileSync(file, base.join('\n') + '\n');
      const both = await checkAndReport(file);
      expectSane(both, file);
      expect(both.check.code).to.equal(0);
    }
  });

  const hostile = fc.oneof(recordMutation, recordMutation, lineMutation);
  // most hostile traces are refused at their first bad line: these keep every record's shape, so the models and the reports see them
  const senseless = fc.oneof(sameType, sameType, reordered);

  it('a clussvc crash, mutated: every outcome is exit 0–3 with a verdict line, in time, and check and report agree', async () => {
    await fuzz(nodes, 60, hostile, true);
  });

  it('live migrations, mutated: the same', async () => {
    await fuzz(migrations, 80, hostile, true);
  });

  it('both, with every record whole but its values and order nonsense: the same', async () => {
    await fuzz(nodes, 30, senseless, false);
    await fuzz(migrations, 50, senseless, false);
  });
});
