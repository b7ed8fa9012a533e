/**
 * The allowlist: the consent a real cluster needs. A YAML file names the clusters clusterchaos may touch, the
 * faults allowed on each, and how many of its nodes may be impaired at once. `--target powershell` refuses to
 * start without it (no PowerShell session is even opened); every problem names the file, the line, what was
 * expected there and what to do.
 *
 * ```yaml
 * clusters:
 *   - name: HVCLUSTER01
 *     faults: [kill-clussvc, isolate-network, power-off-node, power-on-node]
 *     max-impaired-nodes: 1
 *     power:                      # how to cut each node's power (power-off-node, power-on-node)
 *       N1: { redfish: https://bmc-n1.lab.local/redfish/v1/Systems/1, credential: LAB_BMC }
 *       N2: { hyperv-host: OUTER01, vm: N2 }
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
import { CREDENTIAL_NAME, REDFISH_SYSTEM, WILDCARD_CHARACTERS, type NodePower } from '../targets/powershell/scripts.js';

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
  /** How each node's power is cut and restored (`power:`), by node name as written; absent: no node's. */
  power?: Record<string, NodePower>;
}

/** The faults that switch a node's power: each needs the node's `power:` entry. */
export const POWER_FAULTS: readonly string[] = ['power-off-node', 'power-on-node'];

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
      if (!ENTRY_KEYS.includes(key)) {
        ok = false;
        problems.push(
          at([...here, key], 'name, faults, max-impaired-nodes or power', JSON.stringify(key), hints(suggestKey(key), 'Remove it or correct its spelling; nothing unknown is ignored in an allowlist.'), true),
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
    const power = parsePower(raw.power, [...here, 'power'], at, problems);
    if (!ok || !power) return;
    clusters.push({
      name: name as string,
      faults: faults as string[],
      maxImpairedNodes: max as number,
      line: source.lineOf(here) ?? 1,
      faultsLine: source.lineOf([...here, 'faults']) ?? 1,
      ...(raw.power !== undefined ? { power } : {}),
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
  const power = powerProblems(allowlist, entry, experiment);
  if (power.length) throw new AllowlistError([...problems, ...power]);
  if (problems.length) throw new AllowlistError(problems);
  return entry;
}

/** The power control of a node (names compared without case, as Windows does). */
export function powerOf(entry: AllowlistEntry, node: string): NodePower | undefined {
  return Object.entries(entry.power ?? {}).find(([n]) => n.toLowerCase() === node.toLowerCase())?.[1];
}

/** The entry's power controls keyed by the experiment's spelling of each node (what the target is given). */
export function powerForNodes(entry: AllowlistEntry, nodes: readonly string[]): Record<string, NodePower> {
  const out: Record<string, NodePower> = {};
  for (const node of nodes) {
    const power = powerOf(entry, node);
    if (power) out[node] = power;
  }
  return out;
}

/**
 * A step that switches a node's power (power-off-node, power-on-node) needs that node's power control in the
 * entry: without it the run is refused before anything is done, naming the node and what to add.
 */
function powerProblems(allowlist: Allowlist, entry: AllowlistEntry, experiment: Experiment): Problem[] {
  const problems: Problem[] = [];
  const named = new Set<string>();
  for (const step of experiment.method) {
    if (step.kind !== 'fault' || !POWER_FAULTS.includes(step.fault)) continue;
    const node = typeof step.params.node === 'string' ? step.params.node : undefined;
    if (node === undefined || powerOf(entry, node) || named.has(node.toLowerCase())) continue;
    named.add(node.toLowerCase());
    problems.push({
      file: allowlist.file,
      line: entry.line,
      path: `clusters[${allowlist.clusters.indexOf(entry)}].power`,
      expected: `how to cut the power of ${node}, which ${experiment.file}${step.line !== undefined ? `:${step.line}` : ''} powers off or on (${step.fault})`,
      found: Object.keys(entry.power ?? {}).length ? `power for ${Object.keys(entry.power ?? {}).join(', ')} only` : 'no power: entry',
      hint:
        `Add under the entry for ${entry.name}: "power:" with "${node}: { redfish: https://<its BMC>/redfish/v1/Systems/<id>, credential: <NAME> }" ` +
        `(the BMC's user and password in the environment variables <NAME>_USERNAME and <NAME>_PASSWORD), or, for a nested lab, ` +
        `"${node}: { hyperv-host: <the outer Hyper-V host>, vm: <the VM that is ${node}> }". Nothing was done to any cluster.`,
    });
  }
  return problems;
}

/** The credentials the plan's power controls name (each once, with the first node that names it): e.g. LAB_BMC for N2. */
export function powerCredentialsOf(entry: AllowlistEntry, experiment: Experiment): { credential: string; node: string }[] {
  const found = new Map<string, string>();
  for (const step of experiment.method) {
    if (step.kind !== 'fault' || !POWER_FAULTS.includes(step.fault) || typeof step.params.node !== 'string') continue;
    const credential = powerOf(entry, step.params.node)?.credential;
    if (credential && !found.has(credential)) found.set(credential, step.params.node);
  }
  return [...found].map(([credential, node]) => ({ credential, node }));
}

/**
 * In a run on a real cluster (not a rehearsal, whose lab's BMCs take any credential), every credential a power
 * control of the plan names must be in the environment: `<NAME>_USERNAME` and `<NAME>_PASSWORD`, both set (the CLI
 * first fills them from a SecretManagement vault holding a PSCredential of that name: `vaultNotes` says what the
 * vaults answered for each it could not). Returns the problems (exit 2 before anything is done).
 */
export function missingPowerCredentials(
  allowlist: Allowlist,
  entry: AllowlistEntry,
  experiment: Experiment,
  env: NodeJS.ProcessEnv = process.env,
  vaultNotes: ReadonlyMap<string, string> = new Map(),
): Problem[] {
  const problems: Problem[] = [];
  for (const { credential, node } of powerCredentialsOf(entry, experiment)) {
    const missing = [`${credential}_USERNAME`, `${credential}_PASSWORD`].filter((v) => (env[v] ?? '') === '');
    if (!missing.length) continue;
    const vault = vaultNotes.get(credential);
    problems.push({
      file: allowlist.file,
      line: entry.line,
      path: `clusters[${allowlist.clusters.indexOf(entry)}].power.${node}.credential`,
      expected: `the environment variables ${credential}_USERNAME and ${credential}_PASSWORD, or a PSCredential named ${credential} in a SecretManagement vault (credential ${credential} of ${node}'s power control)`,
      found: `${missing.join(' and ')} not set${vault ? `; the vaults: ${vault}` : ''}`,
      hint:
        `Set both on the management host before the run, or store the BMC's account once with Set-Secret -Name ${credential} -Secret (Get-Credential) ` +
        `(the password is never read from a file). Nothing was done to any cluster.`,
    });
  }
  return problems;
}

type At = (path: Segment[], expected: string, found: string, hint: string, key?: boolean) => Problem;

const POWER_HINT =
  'Each node is either "N1: { redfish: https://bmc-n1.lab.local/redfish/v1/Systems/1, credential: LAB_BMC, skip-certificate-check: false }" ' +
  '(its BMC\'s Redfish ComputerSystem) or "N1: { hyperv-host: OUTER01, vm: N1 }" (a nested lab: the outer Hyper-V host and the VM that is the node).';

/** `power:` — node → its power control; undefined when a problem was found (each one pushed). */
function parsePower(raw: unknown, here: Segment[], at: At, problems: Problem[]): Record<string, NodePower> | undefined {
  if (raw === undefined) return {};
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(raw)) {
    problems.push(at(here, "a mapping of node names to each node's power control", describeValue(raw), POWER_HINT));
    return undefined;
  }
  const before = problems.length;
  const out: Record<string, NodePower> = {};
  for (const [node, value] of Object.entries(raw)) {
    const path = [...here, node];
    if (node.trim() === '' || refusedCharacter(node) || node.length > MAX_NAME_LENGTH) {
      problems.push(at(path, 'a node name as Get-ClusterNode shows it', JSON.stringify(node), 'Retype it.', true));
      continue;
    }
    if (!isObject(value)) {
      problems.push(at(path, `the power control of ${node}`, describeValue(value), POWER_HINT));
      continue;
    }
    const keys = Object.keys(value);
    const kind = 'redfish' in value ? 'redfish' : 'hyperv-host' in value ? 'hyperv' : undefined;
    if (kind === undefined || ('redfish' in value && 'hyperv-host' in value)) {
      problems.push(at(path, `exactly one of redfish (a BMC) or hyperv-host (a nested lab's outer host) for ${node}`, kind === undefined ? `only ${keys.join(', ') || 'nothing'}` : 'both', POWER_HINT));
      continue;
    }
    const allowed = kind === 'redfish' ? ['redfish', 'credential', 'skip-certificate-check'] : ['hyperv-host', 'vm', 'credential'];
    for (const key of keys) {
      if (!allowed.includes(key)) problems.push(at([...path, key], `one of ${allowed.join(', ')}`, JSON.stringify(key), hints(didYouMean(key, allowed), 'Remove it or correct its spelling.'), true));
    }
    const credential = value.credential;
    if (credential !== undefined && (typeof credential !== 'string' || !CREDENTIAL_NAME.test(credential))) {
      problems.push(
        at(
          [...path, 'credential'],
          'the name of a credential: letters, digits and _ (clusterchaos reads <name>_USERNAME and <name>_PASSWORD from the environment)',
          describeValue(credential),
          'The secret itself never goes in this file: e.g. credential: LAB_BMC, then set LAB_BMC_USERNAME and LAB_BMC_PASSWORD on the management host.',
        ),
      );
    }
    if (kind === 'redfish') {
      const system = value.redfish;
      if (typeof system !== 'string' || !REDFISH_SYSTEM.test(system)) {
        problems.push(
          at([...path, 'redfish'], "the URI of the node's Redfish ComputerSystem, http(s)://<BMC>[:port]/<path>", describeValue(system), 'e.g. https://bmc-n1.lab.local/redfish/v1/Systems/1 (GET /redfish/v1/Systems on the BMC lists them).'),
        );
      } else if (credential === undefined) {
        problems.push(at(path, `a credential for ${node}'s BMC (credential: <NAME>)`, 'none', 'A BMC takes a user and password: name them with credential: <NAME> and set <NAME>_USERNAME and <NAME>_PASSWORD in the environment.'));
      }
      const skip = value['skip-certificate-check'];
      if (skip !== undefined && typeof skip !== 'boolean') problems.push(at([...path, 'skip-certificate-check'], 'true or false', describeValue(skip), "true only for a BMC with a self-signed certificate you trust (default false)."));
      if (typeof system === 'string' && typeof credential === 'string') {
        out[node] = { kind: 'redfish', system, credential, ...(skip === true ? { skipCertificateCheck: true } : {}) };
      }
    } else {
      const host = value['hyperv-host'];
      const vm = value.vm;
      if (typeof host !== 'string' || host.trim() === '' || refusedCharacter(host) || host.length > MAX_NAME_LENGTH) {
        problems.push(at([...path, 'hyperv-host'], 'the name of the outer Hyper-V host that runs the node as a VM', describeValue(host), 'As Get-VM -ComputerName <host> would take it.'));
      }
      if (typeof vm !== 'string' || vm.trim() === '' || refusedCharacter(vm) || vm.length > MAX_NAME_LENGTH || WILDCARD_CHARACTERS.test(vm)) {
        problems.push(
          at(vm === undefined ? path : [...path, 'vm'], `the name of the VM that is ${node} on that host, without wildcard characters (* ? [ ] \`)`, vm === undefined ? 'no vm' : describeValue(vm), 'As Get-VM on the outer host shows it.'),
        );
      }
      if (typeof host === 'string' && typeof vm === 'string') out[node] = { kind: 'hyperv', host, vm, ...(typeof credential === 'string' ? { credential } : {}) };
    }
  }
  return problems.length > before ? undefined : out;
}

function faultNames(experiment: Experiment): string[] {
  return experiment.method.flatMap((s) => (s.kind === 'fault' ? [s.fault] : []));
}

const ENTRY_KEYS = ['name', 'faults', 'max-impaired-nodes', 'power'];

/** A near miss, or a key cut short (`max-impaired`). */
function suggestKey(key: string): string {
  const near = didYouMean(key, ENTRY_KEYS);
  if (near) return near;
  const longer = ENTRY_KEYS.find((k) => key.length >= 3 && k.startsWith(key.toLowerCase()));
  return longer ? `Did you mean ${JSON.stringify(longer)}?` : '';
}
