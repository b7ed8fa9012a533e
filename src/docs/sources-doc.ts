/**
 * `docs/sources.md`: every source key the models, settings and code cite (`[PETRI]`, `[MSDN-RL]`) with its title
 * and address, from machines/sources.ts; each key is a heading anchor, so `docs/sources.md#petri` opens it.
 */
import { sources } from '../../machines/sources.js';
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
