/**
 * Every input has limits, and every limit a message (issue 12): what a hostile probe of the loader found, each
 * refused at the file's line (or the flag) with what to write instead.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MAX_LISTED_PROBLEMS } from '../../src/experiment/errors.js';
import { MAX_EXPERIMENT_BYTES, MAX_NESTING, MIN_OBSERVE_INTERVAL_MS, tooDeep } from '../../src/experiment/limits.js';
import { ExperimentSource } from '../../src/experiment/source.js';
import { escapeRefused, refusedCharacter } from '../../src/experiment/text.js';
import { errorLines, experimentFile, load, shipped, thrown } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-limits-'));

/** A small valid experiment; `extra` lines go at line 7, after the method. */
function doc(extra: string[] = [], cluster = ['  nodes: [N1, N2, N3]', '  vms: [{ name: web01, owner: N1, storage: smb }]']): string {
  return ['title: T', 'cluster:', ...cluster, 'method:', '  - wait: 1s', ...extra, ''].join('\n');
}

/** Characters a terminal would act on or that would disguise the message. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

describe('limits of an experiment file', () => {
  describe('observe.interval', () => {
    it(`refuses 0ms (a wait would poll at one instant for ever) and anything under ${MIN_OBSERVE_INTERVAL_MS}ms, at the line`, () => {
      for (const interval of ['0ms', '99ms']) {
        const f = experimentFile(doc(['observe:', `  interval: ${interval}`]));
        expect(errorLines(f)).to.deep.equal([
          `${f}:8:13: observe.interval: expected a poll interval of at least 100ms, found "${interval}". One poll of a real cluster takes 0.1 to 1 s, and on the simulator a shorter interval only fills the trace (at 0ms a wait polls at one instant for ever). Write 100ms or more; the shipped experiments poll every 1s.`,
        ]);
      }
    });

    it('names the flag when --set gives it', () => {
      const f = experimentFile(doc());
      expect(errorLines(f, { sets: ['observe.interval=0s'] })[0]).to.match(/: --set observe\.interval=0s: expected a poll interval of at least 100ms, found "0s"\./);
    });

    it('accepts 100ms', () => {
      expect(load(experimentFile(doc(['observe:', '  interval: 100ms']))).observe.intervalMs).to.equal(100);
    });
  });

  describe('a soak by duration', () => {
    it('refuses a method that does not move the clock (on the simulator it would repeat at one instant for ever), at duration:', () => {
      for (const step of ['  - fault: kill-clussvc\n    node: N2', '  - fault: live-migrate\n    vm: web01\n    to: N2', '  - wait: 0ms']) {
        const f = experimentFile(doc(['duration: 1m']).replace('  - wait: 1s', step));
        const line = doc(['duration: 1m']).replace('  - wait: 1s', step).split('\n').indexOf('duration: 1m') + 1;
        expect(errorLines(f), step).to.deep.equal([
          `${f}:${line}:1: duration: expected a method that moves the clock when the soak is by duration: a wait step, or a live migration to round-robin or random, found neither: on the simulator the faults would happen at one instant, and the soak would repeat them at that instant for ever. Add a step such as "- wait: 90s" (long enough to see what the fault does) to the method, or give "iterations: N" instead of duration.`,
        ]);
      }
    });

    it('accepts a wait, or a live migration by policy, and any method repeated a number of times', () => {
      expect(load(experimentFile(doc(['duration: 1m']))).soak?.durationMs).to.equal(60_000);
      const migrate = doc(['duration: 1m']).replace('  - wait: 1s', '  - fault: live-migrate\n    vm: web01\n    to: round-robin');
      expect(load(experimentFile(migrate)).soak?.durationMs).to.equal(60_000);
      expect(load(shipped('live-migration-soak.yaml'), { sets: ['iterations=null', 'duration=8h'] }).soak?.durationMs).to.equal(8 * 3_600_000);
      const kill = doc(['iterations: 3']).replace('  - wait: 1s', '  - fault: kill-clussvc\n    node: N2');
      expect(load(experimentFile(kill)).soak?.iterations).to.equal(3);
    });
  });

  describe('the size of the file', () => {
    it(`refuses a file larger than ${MAX_EXPERIMENT_BYTES / 1024} KiB from its size, without reading it`, () => {
      const file = join(dir, 'huge.yaml');
      const fd = openSync(file, 'w');
      ftruncateSync(fd, 100 * 1024 * 1024); // 100 MB that take no disk: were they read, the heap would show it
      closeSync(fd);
      const before = process.memoryUsage().rss;
      expect(errorLines(file)).to.deep.equal([
        `${file}: expected an experiment file of at most 256 KiB (the largest shipped one is under 8 KB), found a file of 100 MiB. Check the path: this is not an experiment. Describe a large cluster in a shorter form (one VM a line, without comments).`,
      ]);
      expect(process.memoryUsage().rss - before).to.be.below(50 * 1024 * 1024);
    });

    it('refuses /dev/zero (size 0 and no end) after reading at most the limit and one byte', function () {
      if (process.platform === 'win32') this.skip();
      const started = performance.now();
      expect(errorLines('/dev/zero')).to.deep.equal([
        '/dev/zero: expected an experiment file of at most 256 KiB (the largest shipped one is under 8 KB), found more than 256 KiB, and still going (a device or a file that grows?). Check the path: this is not an experiment. Describe a large cluster in a shorter form (one VM a line, without comments).',
      ]);
      expect(performance.now() - started).to.be.below(2000);
    });

    it('reads a file of exactly the limit', () => {
      const text = doc();
      const f = experimentFile(text + '#'.repeat(MAX_EXPERIMENT_BYTES - Buffer.byteLength(text)));
      expect(load(f).title).to.equal('T');
    });

    it('refuses a description longer than 10,000 characters, at its line', () => {
      const f = experimentFile(['description: ' + 'x'.repeat(10_001), doc()].join('\n'));
      expect(errorLines(f)[0]).to.match(new RegExp(`^${f}:1:14: description: expected text saying what the experiment does and what should happen, at most 10,000 characters, found "x{57}\\.\\.\\."\\.$`));
    });

    it('refuses a title longer than 200 characters and a name longer than 255', () => {
      const f = experimentFile(doc([], [`  name: ${'C'.repeat(256)}`, '  nodes: [N1, N2, N3]']).replace('title: T', `title: ${'T'.repeat(201)}`));
      expect(errorLines(f).map((l) => l.replace(/, found .*/, ''))).to.deep.equal([
        `${f}:1:8: title: expected a one-line title (text, not empty, at most 200 characters)`,
        `${f}:3:9: cluster.name: expected a cluster name (text, not empty, at most 255 characters, without control characters)`,
      ]);
    });

    it('refuses more VMs than a cluster holds and more memory than Hyper-V gives a VM', () => {
      // 8,001 VMs do not fit in a file: given with --set
      const vms = Array.from({ length: 8001 }, (_, i) => `{ name: vm${i}, owner: N1, storage: smb }`);
      const f = experimentFile(doc());
      expect(errorLines(f, { sets: [`cluster.vms=[${vms.join(', ')}]`] }).map((l) => l.replace(/--set cluster\.vms=.*: expected/, '--set cluster.vms=…: expected'))).to.deep.equal([
        `${f}: --set cluster.vms=…: expected a list of at most 8000 VMs (the most a cluster holds), each such as { name: web01, owner: N1, storage: smb }, found a list of 8001 items.`,
      ]);
      const g = experimentFile(doc([], ['  nodes: [N1, N2, N3]', '  vms: [{ name: web01, owner: N1, storage: smb, memoryGB: 1e300 }]']));
      expect(errorLines(g)[0]).to.contain('cluster.vms[0].memoryGB: expected a number of GB greater than 0 and at most 245760 (240 TB, the most Hyper-V gives a VM), found 1e+300.');
    });
  });

  describe('nesting', () => {
    it(`refuses YAML nested deeper than ${MAX_NESTING} at the place, before the parser spends seconds and memory on it`, () => {
      for (const [cluster, column] of [
        // `cluster:` is the first level, so the 64th bracket is the 65th
        ['[['.repeat(50_000) + ']]'.repeat(50_000), 10 + 63],
        ['{a: '.repeat(30_000) + '}'.repeat(30_000), 10 + 63 * 4],
      ] as const) {
        const f = experimentFile(`title: T\ncluster: ${cluster}\nmethod: [{ wait: 1s }]\n`);
        const started = performance.now();
        expect(errorLines(f)).to.deep.equal([
          `${f}:2:${column}: expected mappings and lists nested at most 64 deep (an experiment needs five or six), found deeper nesting. Check the brackets and the indentation here.`,
        ]);
        expect(performance.now() - started).to.be.below(3000);
      }
    });

    it('counts the compact nesting of a block line (- - - x) and of indentation', () => {
      expect(tooDeep(`a:\n  ${'- '.repeat(70)}x\n`)).to.be.a('number');
      expect(tooDeep(`a:\n  ${'- '.repeat(60)}x\n`)).to.equal(undefined);
      let indented = '';
      for (let i = 0; i < 70; i++) indented += `${' '.repeat(i)}k${i}:\n`;
      expect(tooDeep(indented)).to.be.a('number');
    });

    it('finds every shipped experiment shallow', () => {
      for (const name of ['compute-resiliency.yaml', 'live-migration-soak.yaml', 'drain-host.yaml']) {
        expect(tooDeep(readFileSync(shipped(name), 'utf8'), 8), name).to.equal(undefined);
      }
    });

    it('refuses a billion laughs (aliases of aliases) without expanding them', () => {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
      const f = experimentFile([...lines, 'title: *a9', 'cluster: { nodes: [N1] }', 'method: [{ wait: 1s }]', ''].join('\n'));
      expect(errorLines(f)).to.deep.equal([`${f}: expected a YAML document that can be read as data, found Excessive alias count indicates a resource exhaustion attack.`]);
    });
  });

  describe('long text and many keys', () => {
    it('refuses a fault name of 200,000 characters at once, quoting 60 of them', () => {
      const f = experimentFile(doc().replace('  - wait: 1s', `  - fault: ${'x'.repeat(200_000)}`));
      const started = performance.now();
      const lines = errorLines(f);
      expect(performance.now() - started).to.be.below(1000);
      expect(lines).to.have.length(1);
      expect(lines[0]!.length).to.be.below(400);
      expect(lines[0]).to.contain(`found "${'x'.repeat(57)}...".`);
    });

    it('places 20,000 unknown keys in linear time (70,000 took two minutes)', () => {
      const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`);
      const source = new ExperimentSource('x.yaml', doc(keys));
      const started = performance.now();
      for (let i = 0; i < keys.length; i++) source.locate([`k${i}`], true);
      expect(performance.now() - started).to.be.below(500);
      const e = thrown(experimentFile(doc(keys)));
      expect(e.problems).to.have.length(20_000);
      expect(e.problems.at(-1)).to.include({ line: 20_006, column: 1, found: '"k19999"' });
    });
  });

  describe('many problems', () => {
    it(`lists the first ${MAX_LISTED_PROBLEMS} and says how many more`, () => {
      const steps = Array.from({ length: 250 }, () => '  - wait: soon');
      const f = experimentFile(['title: T', 'cluster: { nodes: [N1] }', 'method:', ...steps, ''].join('\n'));
      const e = thrown(f);
      expect(e.problems).to.have.length(250);
      const lines = e.message.split('\n');
      expect(lines).to.have.length(MAX_LISTED_PROBLEMS + 1);
      expect(lines.at(-1)).to.equal('… and 150 more problems (the first 100 are listed above).');
    });
  });
});

describe('names and other text of an experiment', () => {
  const cases: [what: string, yaml: (bad: string) => string, at: string, path: string][] = [
    ['a node name', (b) => doc([], [`  nodes: ["N${b}1", N2, N3]`]), '3:11', 'cluster.nodes[0]'],
    ['a VM name', (b) => doc([], ['  nodes: [N1, N2, N3]', `  vms: [{ name: "web${b}01", owner: N1, storage: smb }]`]), '4:17', 'cluster.vms[0].name'],
    ['a VM owner', (b) => doc([], ['  nodes: [N1, N2, N3]', `  vms: [{ name: web01, owner: "N${b}1", storage: smb }]`]), '4:31', 'cluster.vms[0].owner'],
    ['the cluster name', (b) => doc([], [`  name: "HV${b}01"`, '  nodes: [N1, N2, N3]']), '3:9', 'cluster.name'],
    ['the storage', (b) => doc([], ['  nodes: [N1, N2, N3]', `  vms: [{ name: web01, owner: N1, storage: "smb${b}" }]`]), '4:44', 'cluster.vms[0].storage'],
    ['a node in down-after', (b) => doc(['steady-state:', `  down-after: ["N${b}2"]`]), '8:16', 'steady-state.down-after[0]'],
    ['the title', (b) => doc().replace('title: T', `title: "T${b}itle"`), '1:8', 'title'],
    ["a fault's node", (b) => doc().replace('  - wait: 1s', `  - fault: kill-clussvc\n    node: "N${b}2"`), '7:11', 'method[0].node'],
    ['a live migration’s VM', (b) => doc().replace('  - wait: 1s', `  - fault: live-migrate\n    vm: ["web${b}01"]\n    to: N2`), '7:10', 'method[0].vm[0]'],
  ];
  const characters: [string, string][] = [
    ['\\u009b', 'U+009B (CSI, a C1 control character that starts a terminal escape sequence)'],
    ['\\u0085', 'U+0085 (a C1 control character)'],
    ['\\e[31m', 'U+001B (ESC, which starts a terminal escape sequence)'],
    ['\\u202e', 'U+202E (a bidirectional embedding or override)'],
    ['\\u2067', 'U+2067 (a bidirectional isolate)'],
    ['\\u061c', 'U+061C (ARABIC LETTER MARK, a bidirectional control)'],
    ['\\u200f', 'U+200F (a LEFT-TO-RIGHT or RIGHT-TO-LEFT MARK, a bidirectional control)'],
    ['\\u2028', 'U+2028 (a LINE SEPARATOR)'],
    ['\\u200b', 'U+200B (an invisible ZERO WIDTH SPACE)'],
    ['\\t', 'U+0009 (a tab)'],
    ['\\ud800', 'U+D800 (half of a UTF-16 surrogate pair, not a character)'],
  ];

  for (const [what, yaml, at, path] of cases) {
    it(`refuses control characters, bidirectional controls, separators and invisible characters in ${what}, naming it and its position`, () => {
      for (const [written, named] of characters) {
        const f = experimentFile(yaml(written));
        const lines = errorLines(f);
        expect(lines.find((l) => l.includes(` ${path}: `)), `${what} with ${written}`).to.match(new RegExp(`^${f}:${at}: ${path.replace(/[.[\]]/g, '\\$&')}: expected text without control characters, bidirectional controls or invisible characters, found ".*", with ${named.replace(/[()+]/g, '\\$&')} at position \\d+\\. Retype it`));
        for (const line of lines) expect(line, `${what} with ${written}`).not.to.match(UNSAFE);
      }
    });
  }

  it('says the position in characters: "N\\u009b1" has it at 2', () => {
    const f = experimentFile(doc([], ['  nodes: ["N\\u009b1", N2, N3]']));
    expect(errorLines(f)).to.deep.equal([
      `${f}:3:11: cluster.nodes[0]: expected text without control characters, bidirectional controls or invisible characters, found "N\\u009b1", with U+009B (CSI, a C1 control character that starts a terminal escape sequence) at position 2. Retype it: such a character often comes with a copy and paste, and a name must read the same on a terminal, in the reports and on the cluster.`,
    ]);
  });

  it('refuses them in a key, and in a name given with --set', () => {
    const f = experimentFile(doc(['"k\\e[31m": 1']));
    expect(errorLines(f)[0]).to.match(new RegExp(`^${f}:7:1: k\\\\u001b\\[31m: expected a key without control characters, .* found "k\\\\u001b\\[31m", with U\\+001B \\(ESC, which starts a terminal escape sequence\\) at position 2\\.`));
    const g = experimentFile(doc());
    expect(errorLines(g, { sets: ['cluster.nodes=["N\\u009b1", N2, N3]'] }).find((l) => l.includes('--set'))).to.match(/: --set cluster\.nodes=\["N\\u009b1", N2, N3\]: cluster\.nodes\[0\]: expected text without control characters.*U\+009B/);
  });

  it('lets a description hold line breaks and tabs, but not a terminal escape', () => {
    expect(load(experimentFile(['description: "one\\n\\ttwo"', doc()].join('\n'))).description).to.equal('one\n\ttwo');
    const f = experimentFile(['description: "one \\e]0;owned\\a"', doc()].join('\n'));
    expect(errorLines(f)[0]).to.match(new RegExp(`^${f}:1:14: description: expected text without control characters \\(line breaks and tabs aside\\), .*U\\+001B \\(ESC, which starts a terminal escape sequence\\) at position 5\\.`));
  });

  it("refuses a file whose name (the experiment's, the run's and its reports') holds such a character", () => {
    const file = join(dir, 'evil\u009b[2J.yaml');
    writeFileSync(file, doc());
    const lines = errorLines(file);
    expect(lines).to.deep.equal([
      `${escapeRefused(file)}: expected a file name without control characters, bidirectional controls or invisible characters (it names the run and its reports), found U+009B (CSI, a C1 control character that starts a terminal escape sequence) at position 5 of the name "evil\\u009b[2J". Rename the file.`,
    ]);
  });

  it('accepts names real clusters hold: accents, spaces, dots, CJK, emoji, joiners', () => {
    const e = load(experimentFile(doc([], ['  name: "Clúster de producción"', '  nodes: ["hv-01.lab.local", "节点2", "N3 🚀", "न\u200dोड"]'])));
    expect(e.cluster.nodes).to.deep.equal(['hv-01.lab.local', '节点2', 'N3 🚀', 'न\u200dोड']);
    expect(refusedCharacter('N3 🚀')).to.equal(undefined);
  });

  it('writes every refused character of a message as \\uhhhh', () => {
    expect(escapeRefused('a\u009bb\u202ec\u001bd\ud800e🚀')).to.equal('a\\u009bb\\u202ec\\u001bd\\ud800e🚀');
  });
});
