/**
 * Hostile experiment files (issue 12, "every input has limits"): mutations of the shipped experiments — wrong
 * types, huge and negative numbers, empty and huge strings, control characters, deep nesting, alias bombs,
 * duplicate keys, random bytes, byte-order marks, CRLF, UTF-16 — each run through `clusterchaos run <file>
 * --dry-run` in this process, as bin/clusterchaos.js runs it. Whatever the file, the command must end with an
 * exit code from 0 to 3, a message, and a last stdout line `verdict: …`: never an exception, within a time
 * bound per case, and without the memory of the process growing by more than a few hundred MB.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { MAX_EXPERIMENT_BYTES } from '../../src/experiment/limits.js';

const SHIPPED = readdirSync('experiments')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readFileSync(join('experiments', f), 'utf8'));

/** Per case: the largest file a run reads takes about 2 s to refuse on a slow machine; nothing should take more than this. */
const CASE_MS = 10_000;
/** Growth of the resident memory in one case (before /dev/zero was bounded, a run took 2.9 GB). */
const CASE_RSS_GROWTH = 300 * 1024 * 1024;
/**
 * The heap still in use after the whole fuzz and a full collection: what the cases leaked. (Resident memory is
 * not given back to the system after a collection, and its peak is V8's choice of when to collect, 200–450 MB
 * above the start: printed, not asserted.)
 */
const HEAP_RETAINED = 100 * 1024 * 1024;

/** A full collection, for the measure of what is retained: the flag exposes `gc` to contexts made after it is set. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-fuzz-'));
let cases = 0;
let baseline = 0;
let baselineHeap = 0;
let peak = 0;
let slowest = { ms: 0, what: '' };
let heaviest = 0;

interface Outcome {
  code: number;
  out: string[];
  err: string[];
  ms: number;
  /** Resident memory the case added, from just before the command to just after. */
  rssGrowth: number;
}

/** The command in this process, timed and weighed. */
async function runMain(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, ms: performance.now() - started, rssGrowth: process.memoryUsage().rss - rss };
}

/** `clusterchaos run <file> --dry-run [args]` in this process, with what it printed. */
async function dryRun(bytes: Buffer | string, args: string[] = [], name = `case-${++cases}.yaml`): Promise<Outcome> {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  try {
    return await runMain(['run', file, '--dry-run', '--log-format', 'json', ...args]);
  } finally {
    rmSync(file, { force: true });
  }
}

/** What every outcome must be, whatever the input. */
function expectAnOrderlyEnd(o: Outcome, what: string): void {
  const context = `${what}\nstdout: ${o.out.join('\n').slice(0, 2000)}\nstderr: ${o.err.join('\n').slice(0, 2000)}`;
  expect(o.code, context).to.be.oneOf([0, 1, 2, 3]);
  expect(o.out.at(-1), context).to.match(/^verdict: (pass|fail|unknown)\b/);
  if (o.code === 2) expect(o.err.join('\n').trim(), context).not.to.equal('');
  // a message quoting the file cannot drive the terminal that shows it
  for (const line of [...o.out, ...o.err]) expect(line, context).not.to.match(/[\u001b\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(o.ms, context).to.be.below(CASE_MS);
  expect(o.rssGrowth, `${context}\nthe case added ${Math.round(o.rssGrowth / 1e6)} MB of resident memory`).to.be.below(CASE_RSS_GROWTH);
  if (o.ms > slowest.ms) slowest = { ms: o.ms, what: what.slice(0, 200) };
  heaviest = Math.max(heaviest, o.rssGrowth);
  peak = Math.max(peak, process.memoryUsage().rss);
}

// ---- values a hostile file puts in place of a good one ----

const CONTROLS = ['\u0000', '\u0007', '\u0008', '\u001b', '\u001b[2J', '\u007f', '\u0085', '\u009b', '\u009b31m', '\u061c', '\u200b', '\u200e', '\u202e', '\u2066', '\u2028', '\u2029', '\ufeff', '\ud800', '\r', '\t'];

const nested = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { k: v } : [v];
  return v;
};

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, -1, 1, 0.5, -0.5, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, 1e-320, Number.NaN, Infinity, -Infinity),
  fc.constantFrom('', ' ', '0', '-1', '0ms', '0s', '1ms', '99ms', '1000000000h', '99999999999999999999h', '1h1h', '~', 'null', '.nan', 'N1', 'round-robin', 'kill-clussvc', '2016', '8.0'),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => Number(n)),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.constantFrom(...CONTROLS, 'N', '1', ' ', 'é', '节', '🚀'), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.integer({ min: 1000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 200 }).map((d) => nested(d, 'N1')),
  fc.array(fc.constantFrom('N1', 'N2', 1, null, {}, []), { maxLength: 70 }),
  fc.dictionary(fc.constantFrom('name', 'node', 'fault', 'wait', 'interval', 'x', 'vm', 'to'), fc.constantFrom('N1', 1, '1s', null, 'kill-clussvc'), { maxKeys: 5 }),
  fc.integer({ min: 1, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => `N${i}`)),
);

// ---- structural mutations of a shipped experiment, through its data ----

type Path = (string | number)[];

function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function setAt(root: unknown, path: Path, op: 'replace' | 'delete' | 'add-key', value: unknown, key: string): unknown {
  if (path.length === 0) return op === 'replace' ? value : root;
  let parent = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (op === 'replace') parent[last] = value;
  else if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[key] = value;
    else parent[last] = value;
  }
  return root;
}

const structural = fc
  .record({
    seed: fc.nat(SHIPPED.length - 1),
    mutations: fc.array(
      fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add-key') as fc.Arbitrary<'replace' | 'delete' | 'add-key'>, value: hostileValue, key: fc.oneof(fc.constantFrom('fault', 'wait', 'iterations', 'duration', 'rollbacks'), fc.string({ maxLength: 8 })) }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ seed, mutations }) => {
    let data = parse(SHIPPED[seed]!) as unknown;
    for (const m of mutations) {
      const all = paths(data);
      data = setAt(data, all[m.at % all.length]!, m.op, m.value, m.key);
    }
    return stringify(data, { aliasDuplicateObjects: false, lineWidth: 0 });
  });

// ---- mutations of the text and its bytes ----

const BILLION_LAUGHS = (() => {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n');
})();

type TextMutation = (text: string, n: number, bytes: Uint8Array) => string | Buffer;

const TEXT_MUTATIONS: [string, TextMutation][] = [
  ['CRLF', (t) => t.replace(/\n/g, '\r\n')],
  ['CR only', (t) => t.replace(/\n/g, '\r')],
  ['UTF-8 byte-order mark', (t) => `\ufeff${t}`],
  ['UTF-16LE with a byte-order mark', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
  ['UTF-16BE with a byte-order mark', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])],
  ['two byte-order marks', (t) => `\ufeff\ufeff${t}`],
  ['truncated', (t, n) => t.slice(0, n % (t.length + 1))],
  ['random bytes inserted', (t, n, b) => Buffer.concat([Buffer.from(t.slice(0, n % (t.length + 1))), Buffer.from(b), Buffer.from(t.slice(n % (t.length + 1)))])],
  ['random bytes only', (_t, _n, b) => Buffer.from(b)],
  ['a control character inserted', (t, n) => t.slice(0, n % (t.length + 1)) + CONTROLS[n % CONTROLS.length] + t.slice(n % (t.length + 1))],
  ['a line repeated (duplicate keys)', (t, n) => {
    const lines = t.split('\n');
    const i = n % lines.length;
    return [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)].join('\n');
  }],
  ['a line removed', (t, n) => {
    const lines = t.split('\n');
    lines.splice(n % lines.length, 1);
    return lines.join('\n');
  }],
  ['indentation by tabs', (t) => t.replace(/^( {2})+/gm, (s) => '\t'.repeat(s.length / 2))],
  ['a billion laughs in the title', (t) => `${BILLION_LAUGHS}\n${t.replace(/^title: .*$/m, 'title: *a11')}`],
  ['aliases of the cluster everywhere', (t) => t.replace(/^cluster:/m, 'cluster: &c').replace(/^check:/m, 'x1: *c\nx2: *c\ncheck:')],
  ['a deep flow nesting', (t, n) => t.replace(/^title: .*$/m, `title: ${'['.repeat(10 + (n % 50_000))}x${']'.repeat(10 + (n % 50_000))}`)],
  ['a deep block nesting', (t, n) => `${t}\nx:\n${Array.from({ length: 10 + (n % 300) }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}y\n`],
  ['compact nesting', (t, n) => `${t}\nx: ${'- '.repeat(10 + (n % 20_000))}y\n`],
  ['a second document', (t) => `${t}\n---\n${t}`],
  ['a huge description', (t, n) => `${t}\ndescription: "${'é'.repeat(5_000 + (n % 500_000))}"\n`],
  ['just over the size limit', (t) => `${t}\n#${'x'.repeat(MAX_EXPERIMENT_BYTES)}\n`],
  ['NUL bytes', (t, n) => t.replace(/ /g, (s, i: number) => (i % (2 + (n % 7)) === 0 ? '\u0000' : s))],
  ['invalid UTF-8', (t, n) => Buffer.concat([Buffer.from(t.slice(0, n % (t.length + 1))), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]), Buffer.from(t.slice(n % (t.length + 1)))])],
  ['a merge key', (t) => t.replace(/^cluster:/m, 'base: &b { nodes: [N1] }\ncluster:\n  <<: *b')],
  ['tags', (t) => t.replace(/^seed: (\d+)/m, 'seed: !!str $1').replace(/^title: /m, 'title: !!binary ')],
];

const textual = fc
  .record({ seed: fc.nat(SHIPPED.length - 1), mutation: fc.nat(TEXT_MUTATIONS.length - 1), n: fc.nat(), bytes: fc.uint8Array({ maxLength: 512 }) })
  .map(({ seed, mutation, n, bytes }) => ({ what: TEXT_MUTATIONS[mutation]![0], content: TEXT_MUTATIONS[mutation]![1](SHIPPED[seed]!, n, bytes) }));

/** `--set` with a hostile value at a path the file has, or one it has not. */
const sets = fc.array(
  fc.tuple(
    fc.constantFrom('iterations', 'duration', 'observe.interval', 'cluster.nodes', 'cluster.nodes[0]', 'cluster.vms[0].name', 'cluster.vms[99].name', 'method[0].wait', 'method[0]', 'title', 'settings.ResiliencyDefaultPeriod', 'a.b.c', '', '[0]'),
    fc.oneof(fc.constantFrom('1000000000', '0ms', '1000000000h', '-1', 'null', '[N1, N1]', '"N\\u009b1"', '{a: [[[[1]]]]}', '[&a [x, x], *a, *a]', '', '[', '"'), fc.string({ maxLength: 20 })),
  ).map(([path, value]) => `${path}=${value}`),
  { maxLength: 3 },
);

describe('fuzz: hostile experiment files end in order', function () {
  // the whole file: about 20 s on 2 cores
  this.timeout(120_000);

  before(async () => {
    // warm up: the schema is compiled and the CLI's modules loaded before memory is measured
    expectAnOrderlyEnd(await dryRun(SHIPPED[0]!), 'a shipped experiment');
    collectGarbage();
    ({ rss: baseline, heapUsed: baselineHeap } = process.memoryUsage());
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    // for whoever tunes the bounds
    console.log(`      ${cases} cases; slowest ${Math.round(slowest.ms)} ms (${slowest.what.split('\n')[0]}); one case added at most ${Math.round(heaviest / 1e6)} MB of resident memory; all together at most ${Math.round((peak - baseline) / 1e6)} MB above the start`);
  });

  it('every shipped experiment: a dry run, exit 3', async () => {
    for (const text of SHIPPED) {
      const o = await dryRun(text);
      expectAnOrderlyEnd(o, text.slice(0, 200));
      expect(o.code).to.equal(3);
    }
  });

  it('values of the wrong type, huge, negative, empty, with control characters or deeply nested, anywhere in the document', async () => {
    await fc.assert(
      fc.asyncProperty(structural, async (text) => expectAnOrderlyEnd(await dryRun(text), text.slice(0, 500))),
      { numRuns: 250 },
    );
  });

  it('the text and its bytes mangled: encodings, line ends, truncation, random bytes, duplicate keys, alias bombs, nesting, size', async () => {
    await fc.assert(
      fc.asyncProperty(textual, async ({ what, content }) => expectAnOrderlyEnd(await dryRun(content), what)),
      { numRuns: 200 },
    );
  });

  it('--set with hostile paths and values on a mutated experiment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(structural, fc.constantFrom(...SHIPPED)), sets, async (text, flags) => {
        const args = flags.flatMap((s) => ['--set', s]);
        expectAnOrderlyEnd(await dryRun(text, args), `${args.join(' ')}\n${text.slice(0, 300)}`);
      }),
      { numRuns: 100 },
    );
  });

  it('the worst of each kind: /dev/zero, a file of one long list, a billion laughs, 50,000 brackets, a hostile file name', async () => {
    const flagship = readFileSync('experiments/compute-resiliency.yaml', 'utf8');
    const worst: [string, Buffer | string][] = [
      ['a billion laughs', `${BILLION_LAUGHS}\n${flagship.replace(/^title: .*$/m, 'title: *a11')}`],
      ['50,000 brackets', flagship.replace(/^title: .*$/m, `title: ${'['.repeat(50_000)}`)],
      ['a method of bad steps as large as a file may be', `title: T\ncluster: { nodes: [N1] }\nmethod:\n${'  - wait: x\n'.repeat(Math.floor((MAX_EXPERIMENT_BYTES - 50) / 12))}`],
      ['a billion iterations', flagship.replace(/^seed: 1$/m, 'seed: 1\niterations: 1000000000\nsoak: { stop-on: never }').replace('  - wait: 90s', '  - wait: 90s\n  - fault: start-node\n    node: N2')],
      ['observe every 0ms', flagship.replace(/interval: 1s/, 'interval: 0ms')],
    ];
    for (const [what, content] of worst) expectAnOrderlyEnd(await dryRun(content), what);
    if (process.platform !== 'win32') {
      const o = await runMain(['run', '/dev/zero', '--dry-run', '--log-format', 'json']);
      expectAnOrderlyEnd(o, '/dev/zero');
      expect(o.code).to.equal(2);
    }
    const named = await dryRun(flagship, [], 'evil\u009b[2J\u202e.yaml');
    expectAnOrderlyEnd(named, 'a file name with CSI and a bidirectional override');
    expect(named.code).to.equal(2);
  });

  it('holds no more memory than it started with, give or take, once collected', () => {
    collectGarbage();
    const retained = process.memoryUsage().heapUsed - baselineHeap;
    expect(retained, `${Math.round(retained / 1e6)} MB of heap retained`).to.be.below(HEAP_RETAINED);
  });
});
