import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { citedKeys, sources } from '../../machines/sources.js';
import { linkSources, sourcesDoc, SOURCES_DOC } from '../../src/docs/sources-doc.js';

/** Every file under `dir` (recursively) whose name ends in one of `exts`. */
function files(dir: string, exts: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, exts);
    return exts.some((e) => name.endsWith(e)) ? [path] : [];
  });
}

describe('sources: every cited key resolves to a title and an address', () => {
  it('resolves every key cited in machines/, src/ and docs/ (naming the file of each that does not)', () => {
    const unresolved: string[] = [];
    const cited = new Set<string>();
    for (const file of [...files('machines', ['.ts']), ...files('src', ['.ts', '.ps1', '.psm1', '.md']), ...files('docs', ['.md'])]) {
      for (const key of citedKeys(readFileSync(file, 'utf8'))) {
        cited.add(key);
        if (!sources[key]) unresolved.push(`[${key}] in ${file}`);
      }
    }
    expect(unresolved, 'add each to machines/sources.ts with its title and address, then `npm run docs`').to.deep.equal([]);
    // the scan found what the models are known to cite, so an empty list above means something
    expect([...cited]).to.include.members(['PETRI', 'MSDN-RL', 'MSDN-RDP', 'EVT', 'SAVILL-479']);
  });

  it('gives each source a title and a web address', () => {
    for (const [key, s] of Object.entries(sources)) {
      expect(s.title.trim(), key).not.to.equal('');
      expect(s.url, key).to.match(/^https?:\/\/\S+$/);
    }
  });

  it('reads the keys as the code writes them, and not node names or character classes', () => {
    expect(citedKeys('[PETRI], [WHII-TEST]: AlwaysIsolate; [MSDN-RL] gives 1; [SAVILL-479]')).to.deep.equal(['PETRI', 'WHII-TEST', 'MSDN-RL', 'SAVILL-479']);
    expect(citedKeys('such as [N2], actions[N-1], /[A-Z]/, [A-Za-z0-9], clusterchaos runs [DIR]')).to.deep.equal([]);
  });

  it(`keeps ${SOURCES_DOC} as machines/sources.ts generates it (run \`npm run docs\` after a change)`, () => {
    expect(readFileSync(SOURCES_DOC, 'utf8')).to.equal(sourcesDoc());
    expect(sourcesDoc()).to.include('| <a id="petri"></a>`[PETRI]` | Configuring Windows Server 2016 Hyper-V Compute Resiliency (Petri) | <https://petri.com/configuring-windows-server-2016-hyper-v-compute-resiliency/> (opening only) |');
  });

  it('docs/models.md links every key it cites to its row of docs/sources.md, and leaves code alone', () => {
    const models = readFileSync('docs/models.md', 'utf8');
    const anchors = new Set([...sourcesDoc().matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
    const links = [...models.matchAll(/\[\\\[([A-Z][A-Z0-9-]*)\\\]\]\(sources\.md#([^)]+)\)/g)];
    expect(links.map((m) => m[1])).to.include.members(['PETRI', 'MSDN-RDP']);
    for (const [, key, anchor] of links) expect(anchors.has(anchor!), `${key} links to #${anchor}`).to.equal(true);
    // no key left plain outside code
    const prose = models.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '').replace(/\[\\\[[A-Z][A-Z0-9-]*\\\]\]\(sources\.md#[^)]+\)/g, '');
    expect(citedKeys(prose)).to.deep.equal([]);
    expect(linkSources('see [PETRI] and `[PETRI]`\n```\n[PETRI]\n```\n')).to.equal('see [\\[PETRI\\]](sources.md#petri) and `[PETRI]`\n```\n[PETRI]\n```\n');
  });
});
