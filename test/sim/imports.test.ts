import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const simDir = fileURLToPath(new URL('../../src/targets/sim/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    .sort();
}

/** Every module specifier in `import … from '…'`, `export … from '…'` and `import('…')`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) found.push(m[1]);
  return found;
}

describe('sim: built from mechanisms, not from the models', () => {
  const files = sources(simDir);

  it('has source files to check', () => {
    expect(files.length).to.be.greaterThan(5);
  });

  it('imports nothing from machines/ in any file', () => {
    for (const file of files) {
      const bad = specifiers(readFileSync(file, 'utf8')).filter((s) => s.includes('machines'));
      expect(bad, file).to.deep.equal([]);
    }
  });

  it('imports only its own files, src/trace, src/targets/target.ts and node built-ins', () => {
    for (const file of files) {
      for (const s of specifiers(readFileSync(file, 'utf8'))) {
        const allowed = s.startsWith('./') || s.startsWith('../../trace/') || s === '../target.js' || s.startsWith('node:');
        expect(allowed, `${file} imports ${s}`).to.equal(true);
      }
    }
  });
});
