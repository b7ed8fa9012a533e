/**
 * The experiment schema as it is published at schema/experiment.schema.json, for editors: every experiment
 * starts with `# yaml-language-server: $schema=../schema/experiment.schema.json`, and VS Code's YAML extension
 * completes keys, fault names, enum values and setting names from it, and shows each one's meaning on hover.
 *
 * It is the loader's own schema (schema.ts), made plain draft-07: the `x-…` annotations become `description`
 * and `markdownDescription` (what is expected, what to do), and `format: duration`, which only our validator
 * knows, becomes the pattern of a duration. `npm run docs` writes it; a test fails when the file is stale.
 */
import type { SchemaObject } from 'ajv';
import type { FaultCatalogue, SettingsCatalogueEntry } from './catalogues.js';
import { DURATION_EXAMPLES } from './duration.js';
import { DEFAULTS } from './build.js';
import { experimentSchema } from './schema.js';

/** Where the schema is published, from the repository root. */
export const PUBLISHED_SCHEMA = 'schema/experiment.schema.json';

/** What duration.ts accepts: whole numbers with h, m, s, ms, from largest to smallest, each once, not empty. */
export const DURATION_PATTERN = '^(?=\\d)(\\d+h)?(\\d+m)?(\\d+s)?(\\d+ms)?$';

/** Keywords whose values are data, not schemas: nothing under them is rewritten. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'required']);

/**
 * The values build.ts fills in for what an experiment leaves out, by where they go: an editor shows them on
 * hover and offers them when it completes the key.
 */
const FILLED_IN: [string, unknown][] = [
  ['seed', DEFAULTS.seed],
  ['cluster.name', DEFAULTS.clusterName],
  ['cluster.vms[].memoryGB', DEFAULTS.memoryGB],
  ['cluster.vms[].dirtyMBps', DEFAULTS.dirtyMBps],
  ['cluster.idleCpuCores', DEFAULTS.idleCpuCores],
  ...Object.entries(DEFAULTS.liveMigration).map(([k, v]): [string, unknown] => [`cluster.liveMigration.${k}`, v]),
  ['simulator.scmRestartDelay', DEFAULTS.scmRestartDelay],
  ['simulator.vmStart', [...DEFAULTS.vmStart]],
  ['simulator.vmIoInterval', [...DEFAULTS.vmIoInterval]],
  ['simulator.hostBoot', [...DEFAULTS.hostBoot]],
  ['simulator.liveMigrationJitter', DEFAULTS.liveMigrationJitter],
  ['steady-state.timeout', DEFAULTS.steadyStateTimeout],
  ['observe.interval', DEFAULTS.observeInterval],
  ['check.tolerance', DEFAULTS.checkTolerance],
  ['soak.stop-on', DEFAULTS.soakStopOn],
  ['soak.anomaly-events', [...DEFAULTS.anomalyEvents]],
  ['soak.migration-timeout', DEFAULTS.migrationTimeout],
  ['acceptance.settle', DEFAULTS.acceptance.settle],
  ['acceptance.after-kill', DEFAULTS.acceptance.afterKill],
  ['acceptance.after-move', DEFAULTS.acceptance.afterMove],
];

export function publishedExperimentSchema(settings: readonly SettingsCatalogueEntry[], faults: FaultCatalogue): SchemaObject {
  const own = experimentSchema(settings, faults);
  for (const [path, value] of FILLED_IN) {
    const property = path.split('.').reduce<Record<string, any> | undefined>((at, key) => {
      const list = key.endsWith('[]');
      const p = at?.properties?.[list ? key.slice(0, -2) : key];
      return list ? p?.items : p;
    }, own);
    if (!property) throw new Error(`published schema: no property ${path} in the experiment schema`);
    property.default ??= value;
  }
  const schema = plain(own) as SchemaObject;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'clusterchaos experiment',
    ...schema,
    description:
      "A clusterchaos experiment: the cluster, the settings to run it with, and the method (faults and waits). Run 'clusterchaos list faults' and 'clusterchaos list settings' for the catalogues.",
  };
}

/** The file's text, as `npm run docs` writes it and the test compares it. */
export function publishedExperimentSchemaText(settings: readonly SettingsCatalogueEntry[], faults: FaultCatalogue): string {
  return `${JSON.stringify(publishedExperimentSchema(settings, faults), null, 2)}\n`;
}

function plain(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(plain);
  if (node === null || typeof node !== 'object') return node;
  const s = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-')) continue;
    out[k] = DATA_KEYWORDS.has(k) ? v : k === 'properties' ? mapValues(v, plain) : plain(v);
  }
  if (out.format === 'duration') {
    delete out.format;
    out.pattern = DURATION_PATTERN;
    // VS Code's own keyword: its message for a value that does not match, instead of the regular expression
    out.patternErrorMessage = `Expected ${DURATION_EXAMPLES}.`;
  }
  const expected = typeof s['x-expected'] === 'string' ? s['x-expected'] : out.pattern === DURATION_PATTERN ? DURATION_EXAMPLES : undefined;
  const hint = typeof s['x-hint'] === 'string' ? s['x-hint'] : undefined;
  const own = typeof s.description === 'string' ? s.description : undefined;
  const text = own ?? (expected !== undefined ? sentence(`Expected: ${expected}`) : undefined);
  // a setting's hint is its name and description again: said once is enough
  const more = hint !== undefined && !(own !== undefined && hint.endsWith(own)) ? hint : undefined;
  if (text !== undefined) {
    out.description = [text, more].filter(Boolean).join(' ');
    out.markdownDescription = [
      text,
      own !== undefined && expected !== undefined ? `Expected: ${expected}.` : undefined,
      more,
      out.default !== undefined ? `Default: \`${Array.isArray(out.default) ? `[${out.default.join(', ')}]` : String(out.default)}\`` : undefined,
    ]
      .filter(Boolean)
      .join('\n\n');
  }
  return out;
}

function mapValues(v: unknown, f: (x: unknown) => unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f(x)]));
}

function sentence(text: string): string {
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}
