import type { Millis, NodeObservation, VmObservation } from '../../trace/records.js';
import { OperationUnknownError, type ClusterConfiguration, type ClusterEvent, type ClusterSettingValues, type Poll } from '../target.js';

/**
 * The JSON each script prints (the script contract in scripts.ts), parsed and checked strictly: a field
 * missing, of the wrong type, or an enum given as an integer instead of its name is an error, never a guess.
 *
 * What a bad answer means depends on the operation: for one that changes the cluster it ran, but we cannot
 * tell how it ended, so it is an OperationUnknownError; for a read it is a plain error to report
 * (PowerShellOutputError) — the read simply did not work.
 *
 * Windows PowerShell 5.1 has no `ConvertTo-Json -AsArray`: a list of one prints as a bare object. Wherever a
 * list is expected, a single object is accepted as a list of one.
 */

/**
 * A read (poll, events, settings, residue) did not work: PowerShell reported an error, the session timed out
 * or died. An error to report, not a verdict: nothing was done to the cluster, so it is neither an
 * OperationError (refused) nor an OperationUnknownError (may have happened).
 */
export class PowerShellReadError extends Error {
  override name = 'PowerShellReadError';
}

/** A read-only script printed something that is not what its contract says. */
export class PowerShellOutputError extends PowerShellReadError {
  override name = 'PowerShellOutputError';
}

/** How the caller treats a bad answer: the operation changes the cluster (`mutating`) or only reads it. */
export interface ParseContext {
  op: string;
  mutating: boolean;
}

/** Shown in messages: the first 200 characters of what PowerShell printed. */
const SHOWN = 200;

class ShapeError extends Error {}

function fail(path: string, what: string, got: unknown): never {
  throw new ShapeError(`${path} should be ${what}, got ${describe(got)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
  return v as Record<string, unknown>;
}

/**
 * A list; a lone object (PowerShell 5.1's list of one) is a list of one; null is an empty list; 5.1's
 * wrapped array `{"value": [...], "Count": n}` (an array carrying ETS properties) is its `value`.
 */
function list(v: unknown, path: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && Array.isArray((v as { value?: unknown }).value) && 'Count' in v) return (v as unknown as { value: unknown[] }).value;
  if (typeof v === 'object') return [v];
  return fail(path, 'a list', v);
}

function name(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(path, 'a non-empty string', v);
  return v;
}

/** An enum member by its name: a string that is not a number (a number means the projection forgot `[string]`). */
function enumName(v: unknown, path: string): string {
  if (typeof v === 'number') fail(path, 'an enum name (the script must project [string]$_.State)', v);
  const s = name(v, path);
  if (/^-?\d+$/.test(s.trim())) fail(path, 'an enum name, not a number', v);
  return s.trim();
}

function oneOf<T extends string>(v: unknown, path: string, names: readonly T[]): T {
  const s = enumName(v, path);
  const found = names.find((n) => n.toLowerCase() === s.toLowerCase());
  if (!found) fail(path, `one of ${names.join(', ')}`, v);
  return found;
}

/**
 * StatusInformation: the names of the set flags. Accepted as a list of names, or as the flags' ToString
 * ("Isolated, Quarantined"); "Normal" (no flag set), null and [] are empty.
 */
function flags(v: unknown, path: string): string[] {
  if (v === null || v === undefined) return [];
  const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : fail(path, 'a list of flag names', v);
  const names: string[] = [];
  items.forEach((item, i) => {
    const flag = enumName(item, `${path}[${i}]`);
    if (flag !== 'Normal' && !names.includes(flag)) names.push(flag);
  });
  return names;
}

function integer(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v)) fail(path, 'an integer', v);
  return v;
}

function milliseconds(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, 'a number of milliseconds', v);
  return Math.round(v);
}

function unique(names: string[], path: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    const key = n.toLowerCase();
    if (seen.has(key)) throw new ShapeError(`${path} names ${n} twice`);
    seen.add(key);
  }
}

/**
 * Parse PowerShell's output with `shape`; wrap any problem in the error the context calls for, naming the
 * operation and showing the start of the output.
 */
export function parseOutput<T>(output: string, context: ParseContext, what: string, shape: (json: unknown) => T): T {
  const shown = output.length > SHOWN ? `${output.slice(0, SHOWN)}…` : output;
  let json: unknown;
  let problem: string;
  try {
    if (output.trim() === '') throw new ShapeError('it printed nothing');
    try {
      json = JSON.parse(output);
    } catch (e) {
      throw new ShapeError(`it is not JSON (${(e as Error).message})`);
    }
    return shape(json);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    problem = e.message;
  }
  const message = `${context.op}: PowerShell's answer is not ${what}: ${problem}; it printed: ${JSON.stringify(shown)}`;
  if (context.mutating) throw new OperationUnknownError(`${message}; its outcome is unknown`);
  throw new PowerShellOutputError(message);
}

export const NODE_STATES: readonly NodeObservation['State'][] = ['Up', 'Down', 'Paused', 'Joining', 'Unknown'];
export const GROUP_STATES: readonly VmObservation['GroupState'][] = ['Online', 'Offline', 'Failed', 'PartialOnline', 'Pending', 'Unknown'];

/** The poll script's `{ nodes: [{Name, State, StatusInformation}], vms: [{Name, State, GroupState, OwnerNode, StatusInformation}] }`. */
export function parsePoll(output: string, t: Millis): Poll {
  return parseOutput(output, { op: 'poll', mutating: false }, 'a poll ({nodes, vms})', (json) => {
    const root = object(json, 'the answer');
    const nodes: Record<string, NodeObservation> = {};
    const nodeList = list(root.nodes, 'nodes');
    if (nodeList.length === 0) throw new ShapeError('nodes is empty (Get-ClusterNode listed no node)');
    nodeList.forEach((item, i) => {
      const path = `nodes[${i}]`;
      const n = object(item, path);
      const nodeName = name(n.Name, `${path}.Name`);
      nodes[nodeName] = { State: oneOf(n.State, `${path}.State`, NODE_STATES), StatusInformation: flags(n.StatusInformation, `${path}.StatusInformation`) };
    });
    unique(nodeList.map((n) => (n as { Name: string }).Name), 'nodes');
    const vms: Record<string, VmObservation> = {};
    const vmList = list(root.vms, 'vms');
    vmList.forEach((item, i) => {
      const path = `vms[${i}]`;
      const v = object(item, path);
      const vmName = name(v.Name, `${path}.Name`);
      vms[vmName] = {
        State: enumName(v.State, `${path}.State`),
        GroupState: oneOf(v.GroupState, `${path}.GroupState`, GROUP_STATES),
        OwnerNode: name(v.OwnerNode, `${path}.OwnerNode`),
        StatusInformation: flags(v.StatusInformation, `${path}.StatusInformation`),
      };
    });
    unique(vmList.map((v) => (v as { Name: string }).Name), 'vms');
    return { t, nodes, vms };
  });
}

/** One event as the events script prints it; `time` is kept as PowerShell gave it, `at` is its epoch ms. */
export interface RawEvent {
  node: string;
  log: string;
  provider: string;
  id: number;
  level: string;
  time: string;
  at: number;
  message: string;
  /** The record's insertion strings (Get-WinEvent .Properties), in the event's own order; [] when none were sent. */
  data: string[];
}

/** Get-WinEvent's Level numbers, for a script that printed the number rather than LevelDisplayName. */
const LEVELS: Record<number, string> = { 0: 'Information', 1: 'Critical', 2: 'Error', 3: 'Warning', 4: 'Information', 5: 'Verbose' };

/** A time as ConvertTo-Json writes one: an ISO 8601 string (PowerShell 7, or a projected .ToString('o')) or `\/Date(ms)\/` (5.1). */
function timestamp(v: unknown, path: string): { time: string; at: number } {
  if (typeof v !== 'string') fail(path, 'a time', v);
  const legacy = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(v);
  if (legacy) {
    const at = Number(legacy[1]);
    return { time: new Date(at).toISOString(), at };
  }
  // only strings that look like ISO 8601 with a zone; a zone-less time would be read in our own zone
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) fail(path, 'an ISO 8601 time with its zone', v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) fail(path, 'a time', v);
  return { time: v, at };
}

/** The events script's `[{node, log, provider, id, level, time, message}]`, oldest first. */
export function parseEvents(output: string): RawEvent[] {
  if (output.trim() === '') return []; // no records at all: some PowerShell versions print nothing for @()
  return parseOutput(output, { op: 'events', mutating: false }, 'a list of events', (json) => {
    const events = list(json, 'the answer').map((item, i): RawEvent => {
      const path = `[${i}]`;
      const e = object(item, path);
      const level = typeof e.level === 'number' ? (LEVELS[e.level] ?? String(e.level)) : e.level === null || e.level === undefined ? '' : e.level;
      if (typeof level !== 'string') fail(`${path}.level`, 'a level name', e.level);
      const message = e.message === null || e.message === undefined ? '' : e.message;
      if (typeof message !== 'string') fail(`${path}.message`, 'a string', e.message);
      return {
        node: name(e.node, `${path}.node`),
        log: name(e.log, `${path}.log`),
        provider: typeof e.provider === 'string' ? e.provider : e.provider === null || e.provider === undefined ? '' : fail(`${path}.provider`, 'a string', e.provider),
        id: integer(e.id, `${path}.id`),
        level,
        ...timestamp(e.time, `${path}.time`),
        message,
        data: e.data === null || e.data === undefined ? [] : list(e.data, `${path}.data`).map((d) => (d === null ? '' : String(d))),
      };
    });
    return events.sort((a, b) => a.at - b.at);
  });
}

/** A raw event as the trace records it: `t` is its time relative to the run's start (node clocks; skew shows). */
export function toClusterEvent(e: RawEvent, runStartEpochMs: number): ClusterEvent {
  return { t: e.at - runStartEpochMs, node: e.node, log: e.log, provider: e.provider, id: e.id, level: e.level, time: e.time, message: e.message };
}

/** `{ <Get-Cluster property>: <number> }` (getSettings, and the residue scan's settings). */
function settingsShape(v: unknown, path: string): ClusterSettingValues {
  const root = object(v, path);
  const values: ClusterSettingValues = {};
  for (const [key, value] of Object.entries(root)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${path}.${key}`, 'a number', value);
    values[key] = value;
  }
  return values;
}

export function parseSettings(output: string, names: readonly string[]): ClusterSettingValues {
  return parseOutput(output, { op: 'get-settings', mutating: false }, 'the cluster settings', (json) => {
    const values = settingsShape(json, 'the answer');
    const missing = names.filter((n) => !(n in values));
    if (missing.length) throw new ShapeError(`it lacks ${missing.join(', ')}`);
    return values;
  });
}

/** liveMigrate's `{ vm, source, target, totalMs }`. */
export function parseLiveMigration(output: string, op: string): { vm: string; source: string; target: string; totalMs: number } {
  return parseOutput(output, { op, mutating: true }, 'a live migration ({vm, source, target, totalMs})', (json) => {
    const m = object(json, 'the answer');
    return { vm: name(m.vm, 'vm'), source: name(m.source, 'source'), target: name(m.target, 'target'), totalMs: milliseconds(m.totalMs, 'totalMs') };
  });
}

/** suspendNode / resumeNode's `{ node, totalMs }`, with the migrations when the script reports them. */
export function parseDrain(
  output: string,
  op: string,
): { node: string; totalMs: number; migrations: { vm: string; source: string; target: string; totalMs?: number }[] } {
  return parseOutput(output, { op, mutating: true }, 'a drain result ({node, totalMs})', (json) => {
    const d = object(json, 'the answer');
    const migrations = list(d.migrations, 'migrations').map((item, i) => {
      const m = object(item, `migrations[${i}]`);
      return {
        vm: name(m.vm, `migrations[${i}].vm`),
        source: name(m.source, `migrations[${i}].source`),
        target: name(m.target, `migrations[${i}].target`),
        ...(m.totalMs === undefined || m.totalMs === null ? {} : { totalMs: milliseconds(m.totalMs, `migrations[${i}].totalMs`) }),
      };
    });
    return { node: name(d.node, 'node'), totalMs: milliseconds(d.totalMs, 'totalMs'), migrations };
  });
}

/**
 * What the residue scan found (the shape src/safety's ResidueSnapshot reads): the nodes, this run's firewall
 * rules and tasks still there (`<node>/<name>`), the named settings as they are now, and the nodes that
 * could not be asked about rules and tasks.
 */
export interface Residue {
  nodes: { Name: string; State: NodeObservation['State']; StatusInformation: string[] }[];
  firewallRules: string[];
  tasks: string[];
  settings: ClusterSettingValues;
  unchecked: string[];
}

/** residue's `{ nodes: [{Name, State, StatusInformation}], firewallRules, tasks, settings, unchecked }`. */
export function parseResidue(output: string): Residue {
  return parseOutput(output, { op: 'residue', mutating: false }, 'a residue scan', (json) => {
    const root = object(json, 'the answer');
    const nodes = list(root.nodes, 'nodes').map((item, i) => {
      const n = object(item, `nodes[${i}]`);
      return {
        Name: name(n.Name, `nodes[${i}].Name`),
        State: oneOf(n.State, `nodes[${i}].State`, NODE_STATES),
        StatusInformation: flags(n.StatusInformation, `nodes[${i}].StatusInformation`),
      };
    });
    const strings = (v: unknown, path: string): string[] => {
      if (v === null || v === undefined) return [];
      const items = typeof v === 'string' ? [v] : Array.isArray(v) ? v : fail(path, 'a list of names', v);
      return items.map((s, i) => name(s, `${path}[${i}]`));
    };
    return {
      nodes,
      firewallRules: strings(root.firewallRules, 'firewallRules'),
      tasks: strings(root.tasks, 'tasks'),
      settings: root.settings === null || root.settings === undefined ? {} : settingsShape(root.settings, 'settings'),
      unchecked: strings(root.unchecked, 'unchecked'),
    };
  });
}

/**
 * The answer of a mutating script that reports nothing in particular: anything (or nothing) is fine, as long
 * as the script printed either nothing or JSON. Something else is not what any script prints: unknown.
 */
export function parseAcknowledgement(output: string, op: string): unknown {
  if (output.trim() === '') return undefined;
  return parseOutput(output, { op, mutating: true }, 'JSON', (json) => json);
}

/**
 * read-configuration's `{ sharedStoragePath, sharedStoragePathExists, hosts, vms, supportedVersions }`. An empty
 * or null sharedStoragePath: none is configured. Versions are kept as strings ("9.0"), never as numbers.
 */
export function parseConfiguration(output: string): ClusterConfiguration {
  return parseOutput(output, { op: 'read-configuration', mutating: false }, 'the cluster configuration', (json) => {
    const root = object(json, 'the answer');
    const path = root.sharedStoragePath;
    if (path !== null && path !== undefined && typeof path !== 'string') fail('sharedStoragePath', 'a string or null', path);
    if (typeof root.sharedStoragePathExists !== 'boolean') fail('sharedStoragePathExists', 'true or false', root.sharedStoragePathExists);
    const version = (v: unknown, at: string): string => {
      const s = name(v, at).trim();
      if (!/^\d+\.\d+$/.test(s)) fail(at, 'a configuration version such as "9.0"', v);
      return s;
    };
    const hosts = list(root.hosts, 'hosts').map((item, i) => {
      const h = object(item, `hosts[${i}]`);
      if (typeof h.liveMigrationEnabled !== 'boolean') fail(`hosts[${i}].liveMigrationEnabled`, 'true or false', h.liveMigrationEnabled);
      return {
        node: name(h.node, `hosts[${i}].node`),
        liveMigrationEnabled: h.liveMigrationEnabled,
        maximumMigrations: integer(h.maximumMigrations, `hosts[${i}].maximumMigrations`),
        transport: enumName(h.transport, `hosts[${i}].transport`),
      };
    });
    unique(hosts.map((h) => h.node), 'hosts');
    const vms = list(root.vms, 'vms').map((item, i) => {
      const v = object(item, `vms[${i}]`);
      return { name: name(v.name, `vms[${i}].name`), version: version(v.version, `vms[${i}].version`) };
    });
    const supportedVersions = list(root.supportedVersions, 'supportedVersions').map((v, i) => version(v, `supportedVersions[${i}]`));
    return {
      ...(typeof path === 'string' && path.trim() !== '' ? { sharedStoragePath: { path, exists: root.sharedStoragePathExists } } : {}),
      hosts,
      vms,
      supportedVersions,
    };
  });
}
