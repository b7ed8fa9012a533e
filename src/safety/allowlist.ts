/**
 * The allowlist: the consent a real cluster needs. A YAML file names the clusters clusterchaos may touch, the
 * faults allowed on each, and how many of its nodes may be impaired at once. `--target powershell` refuses to
 * start without it (no PowerShell session is even opened); every problem names the file, the line, what was
 * expected there and what to do.
 *
 * ```yaml
 * clusters:
 *   - name: HVCLUSTER01
 *     faults: [kill-clussvc, isolate-network]
 *     max-impaired-nodes: 1
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatProblem, type Problem } from '../experiment/errors.js';
import { describeValue } from '../experiment/finding.js';
import { pathText, type Segment } from '../experiment/path.js';
import { ExperimentSource } from '../experiment/source.js';
import { didYouMean, hints } from '../experiment/suggest.js';
import { describeRefused, MAX_NAME_LENGTH, refusedCharacter } from '../experiment/text.js';
import type { Experiment } from '../experiment/types.js';

/** The file looked for when neither `--allowlist` nor CLUSTERCHAOS_ALLOWLIST names one. */
export const DEFAULT_ALLOWLIST = 'clusterchaos-allowlist.yaml';
export const ALLOWLIST_ENV = 'CLUSTERCHAOS_ALLOWLIST';
/** When an entry does not say: one node impaired at a time. */
export const DEFAULT_MAX_IMPAIRED_NODES = 1;

export interface AllowlistEntry {
  /** The cluster's name as written in the allowlist (compared without case, as Windows does). */
  name: string;
  /** Catalogue faults allowed on it (`clusterchaos list faults`). */
  faults: string[];
  maxImpairedNodes: number;
  /** Where the entry and its fault list were written. */
  line: number;
  faultsLine: number;
}

export interface Allowlist {
  /** The file as found (the path given, or the default). */
  file: string;
  /** How it was found: `--allowlist`, `CLUSTERCHAOS_ALLOWLIST` or the default name in the working folder. */
  via: string;
  clusters: AllowlistEntry[];
  /** Line of `clusters:` (1 when absent). */
  clustersLine: number;
}

/** The allowlist refuses: bad input, exit 2, nothing done to any cluster. */
export class AllowlistError extends Error {
  override name = 'AllowlistError';
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

const EXAMPLE_HINT =
  'See clusterchaos-allowlist.example.yaml (in the clusterchaos folder) for the format, or the README section "Running against a lab cluster".';

/** Where the allowlist is: `--allowlist <file>`, else CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml. */
export function allowlistLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { file: string; via: string } {
  if (flag !== undefined && flag !== '') return { file: flag, via: '--allowlist' };
  const fromEnv = env[ALLOWLIST_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { file: fromEnv, via: ALLOWLIST_ENV };
  return { file: resolve(cwd, DEFAULT_ALLOWLIST), via: 'the default' };
}

/** Find and read the allowlist; throws AllowlistError when it is missing or malformed. */
export function loadAllowlist(location: { file: string; via: string }, knownFaults: Iterable<string>): Allowlist {
  const { file, via } = location;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const how =
      via === '--allowlist'
        ? 'the file given with --allowlist'
        : via === ALLOWLIST_ENV
          ? `the file named by ${ALLOWLIST_ENV}`
          : `${DEFAULT_ALLOWLIST} in the working folder (no --allowlist given and ${ALLOWLIST_ENV} not set)`;
    throw new AllowlistError([
      {
        file,
        path: '',
        expected: `an allowlist: ${how}`,
        found: code === 'ENOENT' || code === undefined || !existsSync(file) ? 'no such file' : `a file that cannot be read (${code})`,
        hint: `The PowerShell target touches a real cluster only when an allowlist names that cluster and the faults allowed on it. Create ${file} (or pass --allowlist <file>). ${EXAMPLE_HINT}`,
      },
    ]);
  }
  return parseAllowlist(file, text, via, knownFaults);
}

/** Parse allowlist text (exported for tests); every problem is reported in one go. */
export function parseAllowlist(file: string, text: string, via: string, knownFaults: Iterable<string>): Allowlist {
  const catalogue = [...knownFaults];
  const source = new ExperimentSource(file, text);
  const syntax = source.syntaxProblems().map((p) => (p.expected === 'one YAML document' ? { ...p, hint: 'Put the whole allowlist in one document.' } : p));
  if (syntax.length) throw new AllowlistError(syntax);
  const problems: Problem[] = [...source.duplicateKeyProblems()];
  const at = (path: Segment[], expected: string, found: string, hint: string, key = false): Problem => ({
    file,
    ...(source.locate(path, key) ?? { line: 1, column: 1 }),
    path: pathText(path),
    expected,
    found,
    hint,
  });

  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new AllowlistError([{ file, path: '', expected: 'a YAML document that can be read as data', found: (e as Error).message, hint: '' }]);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(data) || !Array.isArray(data.clusters)) {
    const found = isObject(data) ? (data.clusters === undefined ? 'no clusters key' : `clusters: ${describeValue(data.clusters)}`) : describeValue(data);
    throw new AllowlistError([
      at(
        isObject(data) && data.clusters !== undefined ? ['clusters'] : [],
        'a mapping with "clusters:", a list of entries each with name, faults and max-impaired-nodes',
        found,
        EXAMPLE_HINT,
      ),
    ]);
  }
  for (const key of Object.keys(data)) {
    if (key !== 'clusters') problems.push(at([key], 'only the key "clusters" at the top level', JSON.stringify(key), hints(didYouMean(key, ['clusters']), 'Remove it.'), true));
  }

  const clusters: AllowlistEntry[] = [];
  const seen = new Map<string, number>();
  data.clusters.forEach((raw: unknown, i: number) => {
    const here: Segment[] = ['clusters', i];
    if (!isObject(raw)) {
      problems.push(at(here, 'an entry with name, faults and max-impaired-nodes', describeValue(raw), EXAMPLE_HINT));
      return;
    }
    let ok = true;
    for (const key of Object.keys(raw)) {
      if (!['name', 'faults', 'max-impaired-nodes'].includes(key)) {
        ok = false;
        problems.push(
          at([...here, key], 'name, faults or max-impaired-nodes', JSON.stringify(key), hints(suggestKey(key), 'Remove it or correct its spelling; nothing unknown is ignored in an allowlist.'), true),
        );
      }
    }
    const name = raw.name;
    const refused = typeof name === 'string' ? refusedCharacter(name) : undefined;
    if (typeof name !== 'string' || name.trim() === '') {
      ok = false;
      problems.push(at(typeof name === 'undefined' ? here : [...here, 'name'], "the cluster's name (as Get-Cluster shows it), e.g. name: HVCLUSTER01", name === undefined ? 'no name' : describeValue(name), ''));
    } else if (refused || name.length > MAX_NAME_LENGTH) {
      // the same rules as the experiment's cluster.name (src/experiment/text.ts)
      ok = false;
      problems.push(
        at(
          [...here, 'name'],
          `a cluster name of at most ${MAX_NAME_LENGTH} characters, without control characters, bidirectional controls or invisible characters`,
          refused ? `${describeValue(name)}, with ${describeRefused(refused)}` : `${name.length} characters`,
          'Retype it as Get-Cluster shows it: such a character often comes with a copy and paste.',
        ),
      );
    } else {
      const earlier = seen.get(name.toLowerCase());
      if (earlier !== undefined) {
        ok = false;
        problems.push(at([...here, 'name'], 'each cluster once (names are compared without case)', `${JSON.stringify(name)} again (first at line ${earlier})`, 'Merge the two entries.'));
      } else seen.set(name.toLowerCase(), source.lineOf([...here, 'name']) ?? 1);
    }
    const faults = raw.faults;
    if (!Array.isArray(faults) || faults.length === 0 || !faults.every((f) => typeof f === 'string')) {
      ok = false;
      problems.push(
        at(faults === undefined ? here : [...here, 'faults'], 'a list of the catalogue faults allowed on this cluster, e.g. faults: [kill-clussvc, stop-node]', faults === undefined ? 'no faults' : describeValue(faults), `The faults are: ${catalogue.join(', ')}.`),
      );
    } else {
      faults.forEach((f: string, j: number) => {
        if (!catalogue.includes(f)) {
          ok = false;
          problems.push(at([...here, 'faults', j], `a fault of the catalogue (${catalogue.join(', ')})`, JSON.stringify(f), hints(didYouMean(f, catalogue), 'clusterchaos list faults shows them all.')));
        }
      });
    }
    const max = raw['max-impaired-nodes'] ?? DEFAULT_MAX_IMPAIRED_NODES;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      ok = false;
      problems.push(at([...here, 'max-impaired-nodes'], 'a whole number of nodes, 1 or more', describeValue(max), 'It limits how many nodes a plan may impair at once (default 1).'));
    }
    if (!ok) return;
    clusters.push({
      name: name as string,
      faults: faults as string[],
      maxImpairedNodes: max as number,
      line: source.lineOf(here) ?? 1,
      faultsLine: source.lineOf([...here, 'faults']) ?? 1,
    });
  });
  if (problems.length) throw new AllowlistError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
  const clustersLine = source.locate(['clusters'], true)?.line ?? 1;
  return { file, via, clusters, clustersLine };
}

/**
 * The allowlist's consent for this experiment: its cluster must be listed and every fault of its method
 * allowed there. Returns the entry, or throws AllowlistError naming the allowlist's line and the step's.
 */
export function consentFor(allowlist: Allowlist, experiment: Experiment): AllowlistEntry {
  const cluster = experiment.cluster.name;
  const entry = allowlist.clusters.find((c) => c.name.toLowerCase() === cluster.toLowerCase());
  if (!entry) {
    const listed = allowlist.clusters.map((c) => c.name);
    throw new AllowlistError([
      {
        file: allowlist.file,
        line: allowlist.clustersLine,
        path: 'clusters',
        expected: `an entry for the experiment's cluster ${cluster} (cluster.name in ${experiment.file})`,
        found: listed.length ? `entries for ${listed.join(', ')} only` : 'no entries',
        // no "did you mean": another cluster's name is never a suggestion here
        hint: hints(
          `If clusterchaos may inject faults into ${cluster}, add an entry: "- name: ${cluster}" with the faults allowed on it ("faults: [${[...new Set(faultNames(experiment))].join(', ')}]") and max-impaired-nodes. Nothing was done to any cluster.`,
        ),
      },
    ]);
  }
  const problems: Problem[] = [];
  for (const step of experiment.method) {
    if (step.kind !== 'fault' || entry.faults.includes(step.fault)) continue;
    problems.push({
      file: allowlist.file,
      line: entry.faultsLine,
      path: `clusters[${allowlist.clusters.indexOf(entry)}].faults`,
      expected: `${step.fault} among the faults allowed on ${entry.name} (${experiment.file}${step.line !== undefined ? `:${step.line}` : ''} uses it)`,
      found: `only ${entry.faults.join(', ')}`,
      hint: `Add ${step.fault} to the list if it may be injected into ${entry.name}, or remove the step from the experiment. Nothing was done to any cluster.`,
    });
  }
  if (problems.length) throw new AllowlistError(problems);
  return entry;
}

function faultNames(experiment: Experiment): string[] {
  return experiment.method.flatMap((s) => (s.kind === 'fault' ? [s.fault] : []));
}

const ENTRY_KEYS = ['name', 'faults', 'max-impaired-nodes'];

/** A near miss, or a key cut short (`max-impaired`). */
function suggestKey(key: string): string {
  const near = didYouMean(key, ENTRY_KEYS);
  if (near) return near;
  const longer = ENTRY_KEYS.find((k) => key.length >= 3 && k.startsWith(key.toLowerCase()));
  return longer ? `Did you mean ${JSON.stringify(longer)}?` : '';
}
