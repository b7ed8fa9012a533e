/**
 * Get-WinEvent on a node: -ListLog, -FilterHashtable (StartTime/EndTime already made UTC by the stand-in as
 * GetEventCommand does: review B2), -LogName with -FilterXPath (xpath.ts), -ProviderName, -MaxEvents, -Oldest;
 * newest first; no record is the NoMatchingEventsFound error.
 */
import { Terminating, unsupported, wildcard, type Call } from '../call.js';
import { NODE_LOGS, type StoredEvent } from '../events.js';
import type { Handlers } from '../server.js';
import { InvalidQueryError, parseEventXPath, type EventPredicate } from '../xpath.js';
import { LAB_DOMAIN, type LabWorld } from '../world.js';

const ID = (id: string) => `${id},Microsoft.PowerShell.Commands.GetWinEventCommand`;

function noSuchLog(call: Call, name: string): void {
  call.error(`There is not an event log on the localhost computer that matches "${name}".`, ID('NoMatchingLogsFound'), 'ObjectNotFound', name);
}

/** The logs named (wildcards allowed); each name that matches none is an error. */
function logsNamed(call: Call, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const matches = NODE_LOGS.filter((l) => wildcard(n)(l.name)).map((l) => l.name);
    if (!matches.length) noSuchLog(call, n);
    for (const m of matches) if (!out.includes(m)) out.push(m);
  }
  return out;
}

function logsOfProviders(call: Call, providers: readonly string[]): { logs: string[]; providers: string[] } {
  const logs: string[] = [];
  const known: string[] = [];
  for (const p of providers) {
    const matching = NODE_LOGS.filter((l) => l.providers.some((x) => wildcard(p)(x)));
    if (!matching.length) {
      call.error(`There is not an event provider on the localhost computer that matches "${p}".`, ID('NoMatchingProvidersFound'), 'ObjectNotFound', p);
      continue;
    }
    known.push(p);
    for (const l of matching) if (!logs.includes(l.name)) logs.push(l.name);
  }
  return { logs, providers: known };
}

const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** One -FilterHashtable entry as a predicate over the node's records (its keys as GetEventCommand reads them). */
function hashFilter(call: Call, table: Record<string, unknown>): { logs: string[]; match: (e: StoredEvent) => boolean } {
  const get = (key: string) => Object.entries(table).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  for (const key of Object.keys(table)) {
    if (!['logname', 'providername', 'id', 'level', 'starttime', 'endtime', 'data'].includes(key.toLowerCase())) {
      throw unsupported(call.command, `-FilterHashtable key '${key}'`);
    }
  }
  const logNames = list(get('LogName')).map(String);
  const providerNames = list(get('ProviderName')).map(String);
  let logs: string[];
  let providers: string[] = [];
  if (providerNames.length) {
    const p = logsOfProviders(call, providerNames);
    providers = p.providers;
    logs = logNames.length ? logsNamed(call, logNames).filter((l) => p.logs.includes(l)) : p.logs;
  } else if (logNames.length) logs = logsNamed(call, logNames);
  else throw new Terminating('The LogName or ProviderName key of the hash table must have a value.', ID('LogNameAndProviderNameNotSpecified'), 'InvalidArgument');
  const ids = list(get('ID')).map(Number);
  const levels = list(get('Level')).map(Number);
  const time = (key: string) => {
    const v = get(key);
    if (v === undefined || v === null) return undefined;
    const t = Date.parse(String(v));
    if (Number.isNaN(t)) throw new Terminating(`The value '${String(v)}' of ${key} is not a date-time.`, ID('InvalidDateTime'), 'InvalidArgument', v);
    return t;
  };
  const start = time('StartTime');
  const end = time('EndTime');
  const data = list(get('Data')).map(String);
  return {
    logs,
    match: (e) =>
      logs.includes(e.log) &&
      (!providers.length || providers.some((p) => wildcard(p)(e.provider))) &&
      (!ids.length || ids.includes(e.id)) &&
      (!levels.length || levels.includes(e.level)) &&
      (start === undefined || e.timeMs >= start) &&
      (end === undefined || e.timeMs <= end) &&
      (!data.length || e.data.some((d) => data.includes(d))),
  };
}

function recordObject(world: LabWorld, e: StoredEvent): Record<string, unknown> {
  return {
    $type: 'EventLogRecord',
    Id: e.id,
    Version: 0,
    Level: e.level,
    LevelDisplayName: e.levelName,
    Task: 0,
    Opcode: 0,
    RecordId: e.recordId,
    ProviderName: e.provider,
    ProviderId: world.guid(`provider/${e.provider}`),
    LogName: e.log,
    ContainerLog: e.log,
    ProcessId: 0,
    ThreadId: 0,
    MachineName: `${e.node}.${LAB_DOMAIN}`,
    UserId: null,
    TimeCreated: new Date(e.timeMs).toISOString(),
    Message: e.message,
    Properties: e.data.map((Value) => ({ Value })),
  };
}

export const eventCommands: Handlers = {
  'Get-WinEvent': (call) => {
    const { world } = call;
    const computer = call.str('ComputerName');
    const node = computer !== undefined && computer !== 'localhost' && computer !== '.' ? world.nodeOf(computer) : call.node;
    if (!node) {
      if (computer !== undefined) throw new Terminating(`The RPC server is unavailable: '${computer}' is not a computer of the rehearsal lab.`, ID('RpcServerUnavailable'), 'ConnectionError', computer);
      throw unsupported(call.command, 'on the management host (its own event logs are not in the lab; run it on a node)');
    }

    const listLog = call.strings('ListLog');
    if (listLog) {
      for (const name of logsNamed(call, listLog)) {
        const log = NODE_LOGS.find((l) => l.name === name)!;
        call.output.push({
          $type: 'EventLogConfiguration',
          LogName: name,
          LogMode: 'Circular',
          RecordCount: world.events.count(node, name),
          MaximumSizeInBytes: 20_971_520,
          IsEnabled: true,
          IsClassicLog: log.classic,
          LogType: log.type,
          LogFilePath: `%SystemRoot%\\System32\\Winevt\\Logs\\${name.replace(/\//g, '%4')}.evtx`,
        });
      }
      return;
    }

    let match: EventPredicate;
    const tables = call.raw('FilterHashtable');
    if (tables !== undefined) {
      const filters = list(tables).map((t) => hashFilter(call, (t ?? {}) as Record<string, unknown>));
      match = (e) => filters.some((f) => f.match(e));
    } else {
      const providerNames = call.strings('ProviderName');
      let logs: string[];
      let providers: string[] = [];
      if (providerNames) ({ logs, providers } = logsOfProviders(call, providerNames));
      else logs = logsNamed(call, call.strings('LogName') ?? ['*']);
      const xpath = call.str('FilterXPath') ?? '*';
      let query: EventPredicate;
      try {
        query = parseEventXPath(xpath);
      } catch (e) {
        if (e instanceof InvalidQueryError) throw new Terminating(e.message, 'System.Diagnostics.Eventing.Reader.EventLogException,Microsoft.PowerShell.Commands.GetWinEventCommand', 'NotSpecified', xpath);
        throw e;
      }
      match = (e, now) => logs.includes(e.log) && (!providers.length || providers.some((p) => wildcard(p)(e.provider))) && query(e, now);
    }

    const now = world.clockOf(node);
    const found = world.events.of(node).filter((e) => match(e, now));
    // Newest first unless -Oldest
    if (!call.flag('Oldest')) found.reverse();
    const max = call.num('MaxEvents');
    const chosen = max !== undefined && max > 0 ? found.slice(0, max) : found;
    for (const e of chosen) call.output.push(recordObject(world, e));
    if (!chosen.length && !call.errors.length) {
      call.error('No events were found that match the specified selection criteria.', ID('NoMatchingEventsFound'), 'ObjectNotFound');
    }
  },
};

