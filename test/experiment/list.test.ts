import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { readFileSync, readdirSync } from 'node:fs';
import { ExperimentError, listExperiments } from '../../src/experiment/load.js';
import { plainTitle } from '../../src/experiment/list.js';
import { shipped } from './helpers.js';

describe('listing experiments', () => {
  it('lists the shipped experiments by name with their titles, sorted', () => {
    const dir = shipped('');
    const list = listExperiments(dir);
    expect(list.map((e) => e.name)).to.include.members([
      'clussvc-stays-down',
      'compute-resiliency',
      'drain-host',
      'live-migration-soak',
      'migration-transport-comparison',
    ]);
    expect(list.map((e) => e.name)).to.deep.equal([...list.map((e) => e.name)].sort());
    const flagship = list.find((e) => e.name === 'compute-resiliency')!;
    expect(flagship.file).to.equal(join(dir, 'compute-resiliency.yaml'));
    expect(flagship.title).to.match(/^Compute Resiliency — clussvc crashes/);
  });

  it('lists .yaml and .yml files only, and a file that is not valid YAML with an empty title', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-list-'));
    writeFileSync(join(dir, 'b.yml'), 'title: B\n');
    writeFileSync(join(dir, 'a.yaml'), 'title: [unclosed\n');
    writeFileSync(join(dir, 'notes.txt'), 'title: no\n');
    expect(listExperiments(dir)).to.deep.equal([
      { name: 'a', file: join(dir, 'a.yaml'), title: '' },
      { name: 'b', file: join(dir, 'b.yml'), title: 'B' },
    ]);
  });

  it('refuses a folder that does not exist, naming it', () => {
    expect(() => listExperiments('no-such-folder')).to.throw(ExperimentError, 'no-such-folder: expected a folder of experiment files, found no such folder.');
  });

  it("reads a title without the YAML parser only when it is a plain one-line value, and then the parser's own reading", () => {
    const parsed = (text: string): string => {
      const t = (parse(text, { uniqueKeys: false }) as { title?: unknown } | null)?.title;
      return typeof t === 'string' ? t.trim() : '';
    };
    // every catalogue file is read the quick way, to the same title
    for (const f of readdirSync(shipped('')).filter((n) => n.endsWith('.yaml'))) {
      const text = readFileSync(join(shipped(''), f), 'utf8');
      expect(plainTitle(text), f).to.equal(parsed(text));
    }
    // the ways a title can be written that the quick way leaves to the parser
    for (const text of [
      'title: "Quoted — with: a colon"\n',
      "title: 'single'\n",
      'title: >\n  folded\n  lines\n',
      'title: |\n  literal\n',
      'title: first part\n  continued on the next line\n',
      'title: value # a comment\n',
      'title: a: b\n',
      'title: &anchor anchored\n',
      'title: one\ntitle: two\n',
      'title:\n  nested: map\n',
      'seed: 1\n',
    ]) {
      expect(plainTitle(text), text).to.equal(undefined);
    }
    expect(plainTitle('# comment\ntitle: Plain — with hyphens-and (parens)\nseed: 3\n')).to.equal('Plain — with hyphens-and (parens)');
  });
});
