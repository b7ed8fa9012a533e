import type { ClusterTimeZone, ClussvcRecovery, Millis, NodeObservation, VmObservation } from '../../trace/records.js';
import { OperationError, OperationUnknownError, ReadError, type ClusterConfiguration, type ClusterEvent, type ClusterSettingValues, type Poll } from '../target.js';

/**
 * The answer each call of the ClusterChaos module prints (module/README.md), parsed and checked strictly: the
 * JSON between the answer's frame lines (whatever else PowerShell printed around it is not the answer: review
 * B3), and in it a field missing, of the wrong type, or an enum given as an integer instead of its name is an
 * error, never a guess. A failure the module caught arrives as `{"error": "…"}` inside the frame.
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
export class PowerShellReadError extends ReadError {
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

/** The lines around every answer the module prints (module/Answer.ps1). */
export const ANSWER_BEGIN = '@@clusterchaos-answer@@';
export const ANSWER_END = '@@clusterchaos-end@@';

/**
 * The JSON text of the last framed answer in `output`, or undefined when there is none (text before, after
 * or between frames is ignored: warnings, progress, anything a cmdlet printed).
 */
export function framedAnswer(output: string): string | undefined {
  const begin = output.lastIndexOf(ANSWER_BEGIN);
  if (begin < 0) return undefined;
  const rest = output.slice(begin + ANSWER_BEGIN.length);
  const end = rest.indexOf(ANSWER_END);
  if (end < 0) return undefined;
  return rest.slice(0, end).trim();
}

/**
 * A failure the module caught and reported in its answer; `details`: what else the answer says (`notEffective`:
 * the fault would not have taken effect; a failed move's `source`; `restoreErrors`), undefined when nothing.
 */
export class ModuleError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
  }
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
    const text = framedAnswer(output);
    if (text === undefined) throw new ShapeError(output.trim() === '' ? 'it printed nothing' : 'it printed no answer of the ClusterChaos module');
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ShapeError(`its answer is not JSON (${(e as Error).message})`);
    }
    const failure = failureOf(json);
    if (failure) {
      if (context.mutating) throw new OperationError(`${context.op}: ${failure.message}`, failure.details);
      throw new PowerShellReadError(`${context.op}: ${failure.message}`);
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

/** `{"error": "…", "notEffective"?: true}`: the module's report of a failure it caught. */
function failureOf(json: unknown): ModuleError | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const { error: e, ...rest } = json as { error?: unknown } & Record<string, unknown>;
  if (typeof e !== 'string') return undefined;
  return new ModuleError(e || 'the module reported a failure without a message', Object.keys(rest).length ? rest : undefined);
}

export const NODE_STATES: readonly NodeObservation['State'][] = ['Up', 'Down', 'Paused', 'Joining', 'Unknown'];
export const GROUP_STATES: readonly VmObservation['GroupState'][] = ['Online', 'Offline', 'Failed', 'PartialOnline', 'Pending', 'Unknown'];

/** An ISO 8601 time with its zone → epoch ms (a zone-less time would be read in our own zone). */
function isoTime(v: unknown, path: string): number {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) fail(path, 'an ISO 8601 time with its zone', v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) fail(path, 'a time', v);
  return at;
}

/** A list of names (a lone string is a list of one, null none). */
function strings(v: unknown, path: string): string[] {
  if (v === null || v === undefined) return [];
  const items = typeof v === 'string' ? [v] : Array.isArray(v) ? v : fail(path, 'a list of names', v);
  return items.map((s, i) => name(s, `${path}[${i}]`));
}

/** What one poll saw, with the epoch times at which the cluster side sampled nodes and groups. */
export interface PollAnswer {
  nodesAt: number;
  groupsAt: number;
  nodes: Record<string, NodeObservation>;
  vms: Record<string, VmObservation>;
  /** The VMs' groups, by VM name (a group may be named otherwise: review R7). */
  groups: Record<string, string>;
  /** Owners that could not be asked for their VMs' state. */
  unreachable: string[];
}

/**
 * Get-ClusterChaosObservation's `{ nodesAt, nodes: [{Name, State, StatusInformation, DrainStatus}], groupsAt,
 * vms: [{Name, Group, State, GroupState, OwnerNode, StatusInformation}], unreachable }`.
 */
export function parsePollAnswer(output: string): PollAnswer {
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
    const groups: Record<string, string> = {};
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
      groups[vmName] = v.Group === undefined || v.Group === null ? vmName : name(v.Group, `${path}.Group`);
    });
    unique(vmList.map((v) => (v as { Name: string }).Name), 'vms');
    return {
      nodesAt: isoTime(root.nodesAt, 'nodesAt'),
      groupsAt: isoTime(root.groupsAt, 'groupsAt'),
      nodes,
      vms,
      groups,
      unreachable: strings(root.unreachable, 'unreachable'),
    };
  });
}

/** A poll as the Target returns it: `t` the node sample's time on the run's clock (`toT`), VMs at theirs. */
export function parsePoll(output: string, toT: (epochMs: number) => Millis): Poll {
  const a = parsePollAnswer(output);
  return { t: toT(a.nodesAt), vmsT: toT(a.groupsAt), nodes: a.nodes, vms: a.vms };
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

/** What one events call collected: the records (oldest first), the nodes it could not reach, the nodes whose Get-WinEvent failed. */
export interface EventsAnswer {
  records: RawEvent[];
  unreachable: string[];
  failures: { node: string; message: string }[];
}

function rawEvent(item: unknown, path: string): RawEvent {
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
}

/** Get-ClusterChaosEvent's `{ records: [{node, log, provider, id, level, time, message, data}], unreachable, failures }`. */
export function parseEvents(output: string): EventsAnswer {
  return parseOutput(output, { op: 'events', mutating: false }, 'the event-log records', (json) => {
    const root = object(json, 'the answer');
    const records = list(root.records, 'records').map((item, i) => rawEvent(item, `records[${i}]`));
    const failures = list(root.failures, 'failures').map((item, i) => {
      const f = object(item, `failures[${i}]`);
      return { node: name(f.node, `failures[${i}].node`), message: typeof f.message === 'string' ? f.message : '' };
    });
    return { records: records.sort((a, b) => a.at - b.at), unreachable: strings(root.unreachable, 'unreachable'), failures };
  });
}

/** A raw event as the trace records it: `t` is its time on the run's clock, the node's clock offset taken out (review R15). */
export function toClusterEvent(e: RawEvent, runStartEpochMs: number, nodeOffsetMs = 0): ClusterEvent {
  return { t: e.at - nodeOffsetMs - runStartEpochMs, node: e.node, log: e.log, provider: e.provider, id: e.id, level: e.level, time: e.time, message: e.message };
}

/** `{ <Get-Cluster property>: <number> }`; `nulls`: a property the cluster lacks reads as null. */
function settingsShape(v: unknown, path: string, nulls = false): Record<string, number | null> {
  const root = object(v, path);
  const values: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(root)) {
    if (value === null && nulls) values[key] = null;
    else if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${path}.${key}`, 'a number', value);
    else values[key] = value;
  }
  return values;
}

/** Get-ClusterChaosSetting's `{ values: { name: number | null } }`: null where the cluster has no such property (review B4). */
export function parseSettings(output: string, names: readonly string[]): Record<string, number | null> {
  return parseOutput(output, { op: 'get-settings', mutating: false }, 'the cluster settings', (json) => {
    const values = settingsShape(object(json, 'the answer').values, 'values', true);
    const missing = names.filter((n) => !(n in values));
    if (missing.length) throw new ShapeError(`it lacks ${missing.join(', ')}`);
    return values;
  });
}

/** Set-ClusterChaosSetting's `{ values }`: what the cluster reports after the change (read back: review B1). */
export function parseSetSettings(output: string, wanted: Readonly<Record<string, number>>): ClusterSettingValues {
  return parseOutput(output, { op: 'set-settings', mutating: true }, 'the settings read back', (json) => {
    const values = settingsShape(object(json, 'the answer').values, 'values') as ClusterSettingValues;
    const missing = Object.keys(wanted).filter((n) => !(n in values));
    if (missing.length) throw new ShapeError(`it lacks ${missing.join(', ')}`);
    return values;
  });
}

/** Get-ClusterChaosVmSetting's `{ vms: [{ name, group, resiliencyPeriod }] }`. */
export function parseVmSettings(output: string): { name: string; group: string; resiliencyPeriod: number }[] {
  return parseOutput(output, { op: 'get-vm-settings', mutating: false }, "the VMs' settings", (json) =>
    list(object(json, 'the answer').vms, 'vms').map((item, i) => {
      const v = object(item, `vms[${i}]`);
      return { name: name(v.name, `vms[${i}].name`), group: name(v.group, `vms[${i}].group`), resiliencyPeriod: integer(v.resiliencyPeriod, `vms[${i}].resiliencyPeriod`) };
    }),
  );
}

/** Set-ClusterChaosVmSetting's `{ name, group, previous, value }`. */
export function parseSetVmSetting(output: string): { name: string; group: string; previous: number; value: number } {
  return parseOutput(output, { op: 'set-vm-settings', mutating: true }, "a VM's setting read back", (json) => {
    const v = object(json, 'the answer');
    return { name: name(v.name, 'name'), group: name(v.group, 'group'), previous: integer(v.previous, 'previous'), value: integer(v.value, 'value') };
  });
}

/** What first contact read of each node (review R6, R15, N5, B4). */
export interface NodeFacts {
  name: string;
  reached: boolean;
  osVersion?: string;
  languageMode?: string;
  /** The node's clock minus ours (ms), and half the round trip that bounds the measurement. */
  clockOffsetMs?: number;
  offsetUncertaintyMs?: number;
  /** clussvc's first recovery action (restart) delay, from its FailureActions; absent when none is configured. */
  clussvcRecoveryMs?: number;
  /** clussvc's whole FailureActions: reset period and every action with its delay; absent when it could not be read. */
  clussvcRecovery?: ClussvcRecovery;
  clussvcStartType?: string;
  /** The node's time zone (Get-TimeZone) and its offset from UTC at first contact; absent when it could not be read. */
  timeZone?: ClusterTimeZone;
  error?: string;
}

export interface ConnectAnswer {
  psVersion: string;
  edition: string;
  failoverClusters: string;
  nodes: NodeFacts[];
}

/** SC_ACTION types [MS-SCMR] 2.2.19: 0 none, 1 restart the service, 2 reboot, 3 run a command. */
const SC_ACTIONS = ['none', 'restart', 'reboot', 'run'] as const;

/** The module's `{ resetPeriodS, actions: [{ type: 0..3, delayMs }] }` (ConvertFrom-ClusterChaosFailureActions). */
function recovery(v: unknown, path: string): ClussvcRecovery {
  const r = object(v, path);
  const actions = list(r.actions, `${path}.actions`).map((a, i) => {
    const action = object(a, `${path}.actions[${i}]`);
    const type = integer(action.type, `${path}.actions[${i}].type`);
    if (type < 0 || type >= SC_ACTIONS.length) fail(`${path}.actions[${i}].type`, 'an SC_ACTION type 0 (none), 1 (restart), 2 (reboot) or 3 (run a command)', action.type);
    return { type: SC_ACTIONS[type]!, delayMs: integer(action.delayMs, `${path}.actions[${i}].delayMs`) };
  });
  return { resetPeriodS: integer(r.resetPeriodS, `${path}.resetPeriodS`), actions };
}

/** Connect-ClusterChaosCluster's `{ psVersion, edition, failoverClusters, nodes: [...] }`. */
export function parseConnect(output: string): ConnectAnswer {
  return parseOutput(output, { op: 'connect', mutating: false }, 'the first contact', (json) => {
    const root = object(json, 'the answer');
    const text = (v: unknown, path: string): string | undefined => (v === null || v === undefined || v === '' ? undefined : typeof v === 'string' ? v : fail(path, 'a string', v));
    const num = (v: unknown, path: string): number | undefined => (v === null || v === undefined ? undefined : typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a number', v));
    const nodes = list(root.nodes, 'nodes').map((item, i): NodeFacts => {
      const p = `nodes[${i}]`;
      const n = object(item, p);
      if (typeof n.reached !== 'boolean') fail(`${p}.reached`, 'true or false', n.reached);
      const facts: NodeFacts = { name: name(n.name, `${p}.name`), reached: n.reached };
      const fields: [keyof NodeFacts, unknown, 'text' | 'num'][] = [
        ['osVersion', n.osVersion, 'text'],
        ['languageMode', n.languageMode, 'text'],
        ['clockOffsetMs', n.clockOffsetMs, 'num'],
        ['offsetUncertaintyMs', n.offsetUncertaintyMs, 'num'],
        ['clussvcRecoveryMs', n.clussvcRecoveryMs, 'num'],
        ['clussvcStartType', n.clussvcStartType, 'text'],
        ['error', n.error, 'text'],
      ];
      for (const [key, v, kind] of fields) {
        const value = kind === 'text' ? text(v, `${p}.${key}`) : num(v, `${p}.${key}`);
        if (value !== undefined) (facts as unknown as Record<string, unknown>)[key] = value;
      }
      if (n.clussvcRecovery !== null && n.clussvcRecovery !== undefined) facts.clussvcRecovery = recovery(n.clussvcRecovery, `${p}.clussvcRecovery`);
      if (n.timeZone !== null && n.timeZone !== undefined) {
        const tz = object(n.timeZone, `${p}.timeZone`);
        facts.timeZone = { id: text(tz.id, `${p}.timeZone.id`) ?? fail(`${p}.timeZone.id`, 'a time zone id', tz.id), utcOffsetMinutes: integer(tz.utcOffsetMinutes, `${p}.timeZone.utcOffsetMinutes`) };
      }
      return facts;
    });
    return { psVersion: text(root.psVersion, 'psVersion') ?? '', edition: text(root.edition, 'edition') ?? '', failoverClusters: text(root.failoverClusters, 'failoverClusters') ?? '', nodes };
  });
}

/**
 * Move-ClusterChaosVm's `{ vm, group, source, target, owner, totalMs, startedAt, endedAt, restoreErrors }`:
 * `target` the node asked for, `owner` the group's owner read back after the move.
 */
export function parseLiveMigration(output: string, op: string): { vm: string; source: string; target: string; owner?: string; totalMs: number; restoreErrors: string[] } {
  return parseOutput(output, { op, mutating: true }, 'a live migration ({vm, source, target, totalMs})', (json) => {
    const m = object(json, 'the answer');
    return {
      vm: name(m.vm, 'vm'),
      source: name(m.source, 'source'),
      target: name(m.target, 'target'),
      ...(m.owner === undefined || m.owner === null ? {} : { owner: name(m.owner, 'owner') }),
      totalMs: milliseconds(m.totalMs, 'totalMs'),
      restoreErrors: strings(m.restoreErrors, 'restoreErrors'),
    };
  });
}

/** Suspend-ClusterChaosNode's `{ node, totalMs, vms }` and Resume-ClusterChaosNode's `{ node, totalMs, failbackMs, notBack }`. */
export function parseDrain(
  output: string,
  op: string,
): { node: string; totalMs: number; vms: string[]; failbackMs?: number; notBack: string[]; migrations: { vm: string; source: string; target: string; totalMs?: number }[] } {
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
    return {
      node: name(d.node, 'node'),
      totalMs: milliseconds(d.totalMs, 'totalMs'),
      vms: strings(d.vms, 'vms'),
      ...(d.failbackMs === undefined || d.failbackMs === null ? {} : { failbackMs: milliseconds(d.failbackMs, 'failbackMs') }),
      notBack: strings(d.notBack, 'notBack'),
      migrations,
    };
  });
}

/**
 * What the residue scan found (the shape src/safety's ResidueSnapshot reads): the nodes, this run's firewall
 * rules and tasks still there (`<node>/<name>`), the named settings as they are now, the nodes that could not
 * be asked, and each node's clussvc and live-migration transport.
 */
export interface Residue {
  nodes: { Name: string; State: NodeObservation['State']; StatusInformation: string[] }[];
  firewallRules: string[];
  tasks: string[];
  settings: ClusterSettingValues;
  unchecked: string[];
  services: { node: string; status: string; startType: string }[];
  transports: { node: string; transport: string }[];
}

/** Get-ClusterChaosResidue's `{ nodes, firewallRules, tasks, settings, unchecked, services, transports }`. */
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
    const services = list(root.services, 'services').map((item, i) => {
      const v = object(item, `services[${i}]`);
      return { node: name(v.node, `services[${i}].node`), status: enumName(v.status, `services[${i}].status`), startType: enumName(v.startType, `services[${i}].startType`) };
    });
    const transports = list(root.transports, 'transports').map((item, i) => {
      const v = object(item, `transports[${i}]`);
      return { node: name(v.node, `transports[${i}].node`), transport: enumName(v.transport, `transports[${i}].transport`) };
    });
    const settings = root.settings === null || root.settings === undefined ? {} : settingsShape(root.settings, 'settings', true);
    return {
      nodes,
      firewallRules: strings(root.firewallRules, 'firewallRules'),
      tasks: strings(root.tasks, 'tasks'),
      settings: Object.fromEntries(Object.entries(settings).filter((e): e is [string, number] => e[1] !== null)),
      unchecked: strings(root.unchecked, 'unchecked'),
      services,
      transports,
    };
  });
}

/** The answer of a mutating call that reports nothing in particular: its object (e.g. `{ at }`). */
export function parseAcknowledgement(output: string, op: string): Record<string, unknown> {
  return parseOutput(output, { op, mutating: true }, 'an acknowledgement (a JSON object)', (json) => object(json, 'the answer'));
}

/** A field an older answer may lack: undefined when absent or null, else `read` of it. */
function optional<T>(v: unknown, read: (v: unknown) => T): T | undefined {
  return v === undefined || v === null ? undefined : read(v);
}

/** A number of bytes: a whole number, not negative. */
function bytes(v: unknown, path: string): number {
  if (integer(v, path) < 0) fail(path, 'a number of bytes (0 or more)', v);
  return v as number;
}

/** A group's Priority: a whole number from 0 (No Auto Start) to 3000 (High), the property's range [MSDN-PRIO]. */
function groupPriority(v: unknown, path: string): number {
  const n = integer(v, path);
  if (n < 0 || n > 3000) fail(path, 'a group Priority from 0 to 3000', v);
  return n;
}

/** How a VM's disks are stored, read from their paths: a CSV, an SMB share, a local disk. */
export type StorageKind = 'csv' | 'smb' | 'local' | 'unknown';

/**
 * Get-ClusterChaosConfiguration's `{ sharedStoragePath, sharedStoragePathExists, hosts, vms, supportedVersions }`.
 * An empty or null sharedStoragePath: none is configured. Versions are kept as strings ("9.0"), never as numbers.
 * A host's memoryCapacityBytes and a VM's priority, antiAffinityClassNames and preferredOwners (their order
 * kept) are read when the answer has them.
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
      const capacity = optional(h.memoryCapacityBytes, (v) => bytes(v, `hosts[${i}].memoryCapacityBytes`));
      return {
        node: name(h.node, `hosts[${i}].node`),
        liveMigrationEnabled: h.liveMigrationEnabled,
        maximumMigrations: integer(h.maximumMigrations, `hosts[${i}].maximumMigrations`),
        transport: enumName(h.transport, `hosts[${i}].transport`),
        ...(capacity !== undefined ? { memoryCapacityBytes: capacity } : {}),
      };
    });
    unique(hosts.map((h) => h.node), 'hosts');
    const vms = list(root.vms, 'vms').map((item, i) => {
      const v = object(item, `vms[${i}]`);
      const storage = v.storage === undefined || v.storage === null ? undefined : oneOf(v.storage, `vms[${i}].storage`, ['csv', 'smb', 'local', 'unknown'] as const);
      const memory = v.memoryStartupBytes === undefined || v.memoryStartupBytes === null ? undefined : integer(v.memoryStartupBytes, `vms[${i}].memoryStartupBytes`);
      const priority = optional(v.priority, (p) => groupPriority(p, `vms[${i}].priority`));
      // lists of names (a lone string is 5.1's list of one); absent: the answer predates them
      const classes = optional(v.antiAffinityClassNames, (c) => strings(c, `vms[${i}].antiAffinityClassNames`));
      const owners = optional(v.preferredOwners, (o) => strings(o, `vms[${i}].preferredOwners`));
      if (owners) unique(owners, `vms[${i}].preferredOwners`);
      return {
        name: name(v.name, `vms[${i}].name`),
        version: version(v.version, `vms[${i}].version`),
        ...(storage ? { storage } : {}),
        ...(memory !== undefined ? { memoryStartupBytes: memory } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(classes ? { antiAffinityClassNames: classes } : {}),
        ...(owners ? { preferredOwners: owners } : {}),
      };
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

/** What a power control said: Stop-/Start-ClusterChaosHost and Get-ClusterChaosPowerState. */
export interface PowerAnswer {
  node: string;
  via: 'redfish' | 'hyperv';
  /** The power as the control read it last (On, Off, or what it says otherwise: PoweringOn, Paused, …). */
  powerState: string;
  /** Before the switch (power-off-node, power-on-node). */
  before?: string;
  /** When the switch was asked for (epoch ms); absent when nothing needed doing (power-on of a node already on). */
  requestedAt?: number;
}

/**
 * `{ node, via, powerState, before?, requestedAt? }`. A failure the module marks `outcomeUnknown` (the switch
 * was asked for and the power never read as asked) is an OperationUnknownError: the power may yet change.
 */
export function parsePower(output: string, op: 'power-off-node' | 'power-on-node' | 'power-state'): PowerAnswer {
  const mutating = op !== 'power-state';
  try {
    return parseOutput(output, { op, mutating }, 'a power state ({node, via, powerState})', (json) => {
      const root = object(json, 'the answer');
      const requested = root.requestedAt;
      return {
        node: name(root.node, 'node'),
        via: oneOf(root.via, 'via', ['redfish', 'hyperv'] as const),
        powerState: name(root.powerState, 'powerState'),
        ...(root.before !== undefined && root.before !== null ? { before: name(root.before, 'before') } : {}),
        ...(requested !== undefined && requested !== null ? { requestedAt: isoTime(requested, 'requestedAt') } : {}),
      };
    });
  } catch (e) {
    throw unknownWhenMarked(e);
  }
}

/** Restart-ClusterChaosNode's `{ node, requestedAt, leftAt, backAt, state, totalMs }`. */
export function parseRestart(output: string): { node: string; state: string; totalMs: number } {
  try {
    return parseOutput(output, { op: 'restart-node', mutating: true }, 'a restart ({node, state, totalMs})', (json) => {
      const root = object(json, 'the answer');
      return { node: name(root.node, 'node'), state: oneOf(root.state, 'state', NODE_STATES), totalMs: milliseconds(root.totalMs, 'totalMs') };
    });
  } catch (e) {
    throw unknownWhenMarked(e);
  }
}

/** A module failure marked `outcomeUnknown: true` (it asked, and could not see the result): unknown, not failed. */
function unknownWhenMarked(e: unknown): unknown {
  if (e instanceof OperationError && (e.value as { outcomeUnknown?: unknown } | undefined)?.outcomeUnknown === true) {
    const { outcomeUnknown: _u, ...rest } = e.value as Record<string, unknown>;
    return new OperationUnknownError(e.message, Object.keys(rest).length ? rest : undefined);
  }
  return e;
}
