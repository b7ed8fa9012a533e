import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding clusterchaos's package.json: the repository, or node_modules/clusterchaos where it is
 * installed. Found by walking up from this file, so it is the same whether this runs compiled (dist/src/cli/) or
 * from its TypeScript source (src/cli/, under tsx in the tests).
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** clusterchaos's version, from its package.json (`clusterchaos --version`). */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'clusterchaos') return dir;
    if (dirname(dir) === dir) throw new Error(`clusterchaos's package.json is not in any folder above ${from}`);
  }
}
