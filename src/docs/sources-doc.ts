/**
 * `docs/sources.md`: every source key the models, settings and code cite (`[PETRI]`, `[MSDN-RL]`) with its title
 * and address, from machines/sources.ts; each key is a heading anchor, so `docs/sources.md#petri` opens it.
 */
import { citedKeys, sources } from '../../machines/sources.js';
import { blocks, generatedBanner, table } from './markdown.js';

export const SOURCES_DOC = 'docs/sources.md';

export function sourcesDoc(): string {
  const keys = Object.keys(sources).sort();
  const rows = keys.map((k) => {
    const s = sources[k]!;
    return [`<a id="${k.toLowerCase()}"></a>\`[${k}]\``, s.title, `<${s.url}>${s.note ? ` (${s.note})` : ''}`];
  });
  return blocks(
    '# Sources',
    generatedBanner('`machines/sources.ts`'),
    [
      'Every source cited by key in `machines/`, `src/` and these docs (a setting\'s "source of the default", a model\'s',
      'comments, a violation\'s message), with where to read it. Each report.html lists the ones it cites, linked the same way.',
    ].join('\n'),
    table(['key', 'title', 'address'], rows),
  );
}

/**
 * Markdown with every source key it cites (`[PETRI]`) made a link to its row of docs/sources.md
 * (`[\\[PETRI\\]](sources.md#petri)`), outside code: fenced blocks, inline code and links already made stay as
 * they are. A key the registry does not know stays plain (the sources test names it).
 */
export function linkSources(markdown: string): string {
  return markdown
    .split(/(^```[\s\S]*?^```$)/m)
    .map((part, i) => (i % 2 === 1 ? part : part.split(/(`[^`\n]*`)/).map((piece, j) => (j % 2 === 1 ? piece : linkKeys(piece))).join('')))
    .join('');
}

function linkKeys(text: string): string {
  const known = new Set(citedKeys(text).filter((k) => sources[k]));
  return text.replace(/\[([A-Z][A-Z0-9-]*)\](?!\()/g, (whole, key: string) => (known.has(key) ? `[\\[${key}\\]](sources.md#${key.toLowerCase()})` : whole));
}
