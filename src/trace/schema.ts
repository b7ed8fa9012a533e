/**
 * The trace's JSON Schema: one per record type (header, op, observe, event, checkpoint, footer), written from the
 * types in records.ts, so every record is checked for its shape before a model, a report or a person's script
 * reads it. A record of the wrong shape is bad input (a TraceFormatError naming file, line and field), never a
 * crash deep in the checker, and never a verdict about the cluster.
 *
 * What is checked, and why:
 * - every field records.ts declares, with its type; optional fields are checked when present;
 * - `seq` a whole number ≥ 0; `t` a finite number: ≥ 0 where the runner's own clock stamped it (op, checkpoint,
 *   footer), ≥ EARLIEST_CLUSTER_T where the cluster's did (observe, event: see there);
 * - `entity` `node/<name>` or `vm/<name>`, and its `state` shaped as a node or a VM as the cluster reports them;
 * - op `phase` invoke | ok | fail | info, and `f` one of the operations the trace's vocabulary knows (the fault
 *   catalogue's faults and their reverts, the runner's and the observer's own operations), its `args` holding
 *   what the fault requires (the node or VM the checker reads from them), when a vocabulary is given;
 * - the values of the operations the checker reads (a live migration's, a drain's or failback's moves: the
 *   names in LIVE_MIGRATION_OPS and DRAIN_OPS are those src/check/stimuli.ts reads values from);
 * - header settings: numbers, the known ones whole and in range (TraceVocabulary.settings). Names the vocabulary
 *   does not know are allowed, as numbers: a real cluster's header records what it read, and a newer
 *   clusterchaos may record a setting this one has no model for (the models ignore it);
 * - the footer's `run`: a run outcome, as the reports rebuild it.
 *
 * Fields records.ts does not declare are allowed (the trace format only ever adds fields, so an older checker
 * reads a newer trace), but only as JSON nested at most MAX_DEPTH deep, as are the free-form `args`, `value` and
 * `state` of op and checkpoint records: the reports write those out again, and a value nested 100,000 deep
 * would overflow the stack there.
 *
 * This folder imports nothing of ours: the operation names and setting ranges come in as a TraceVocabulary
 * (src/check knows the settings, src/cli the fault catalogue).
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { NAME_PATTERN, REFUSED_CLASS } from './characters.js';
import { TRACE_FORMAT } from './records.js';

/**
 * How deep a value may nest. The deepest record the project writes is a footer's soak anomaly or a drain's
 * pre-copy pass times (`value.migrations[i].passMs[j]`: 4 levels); JSON.stringify overflows the stack
 * somewhere past a few thousand. 32 is far from both.
 */
export const MAX_DEPTH = 32;

/**
 * The earliest `t` the cluster's own clocks may give an observation or an event. Polls are stamped where the
 * cluster was read and event records at the node that logged them (corrected by its measured clock offset, and
 * read back from 1 s before the previous query), so they may lie a little before the run's start on the
 * management host's clock. Nodes whose clocks are more than 5 minutes apart cannot authenticate to each other
 * (Kerberos' default maximum skew) and form no cluster; 6 minutes leaves room for the rest.
 */
export const EARLIEST_CLUSTER_T = -360_000;

/** The runner's own operations (src/engine/runner.ts), besides the faults and their reverts. */
export const RUNNER_OPERATIONS: readonly string[] = [
  'steady-state',
  // one of the user's steady-state probes (src/engine/probes.ts): args.name says which, value what it observed
  'probe',
  // the run stopped before its end (a stop signal, an unreadable cluster, a broken trace): args.reason says why
  'abort',
  'set-cluster-settings',
  'restore-cluster-settings',
  'set-vm-resiliency-period',
  'restore-vm-resiliency-period',
];

/** The observer's operations: a poll that failed is recorded as one (a gap in the observations). */
export const OBSERVER_OPERATIONS: readonly string[] = ['poll'];

/** A fault as the trace's vocabulary needs it: its name, whether it has a revert, the parameters it requires. */
export interface FaultWords {
  name: string;
  revert?: unknown;
  params?: { required?: readonly string[] };
}

/**
 * The operations a trace may hold given a fault catalogue: each fault and `revert:<fault>` for those with a
 * revert, each requiring in its `args` the parameters the fault requires (the checker reads the node or VM
 * from them); then the runner's and the observer's own.
 */
export function traceVocabulary(faults: Iterable<FaultWords>): Required<Pick<TraceVocabulary, 'operations' | 'arguments'>> {
  const operations: string[] = [];
  const args: Record<string, readonly string[]> = {};
  for (const f of faults) {
    const names = f.revert ? [f.name, `revert:${f.name}`] : [f.name];
    operations.push(...names);
    if (f.params?.required?.length) for (const n of names) args[n] = [...f.params.required];
  }
  return { operations: [...operations, ...RUNNER_OPERATIONS, ...OBSERVER_OPERATIONS], arguments: args };
}

/** A setting the models know: the values a trace's header may record for it. */
export interface SettingRange {
  name: string;
  minimum: number;
  maximum: number;
  /** The few values that mean something (ResiliencyLevel 1 | 2). */
  values?: readonly number[];
  /** Its unit, for the message (`s`, `count`, …). */
  unit?: string;
}

/** What the trace's words may be: absent parts are checked for their type only. */
export interface TraceVocabulary {
  /** Names an op's `f` may take (traceVocabulary). Absent: any name. */
  operations?: readonly string[];
  /** The arguments an operation's `args` must have, by operation name (a fault's required parameters). */
  arguments?: Readonly<Record<string, readonly string[]>>;
  /** The settings the models know, with their ranges. Absent: every setting is just a number. */
  settings?: readonly SettingRange[];
}

export const RECORD_TYPES = ['header', 'op', 'observe', 'event', 'checkpoint', 'footer'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

// ── building blocks ──────────────────────────────────────────────────────────────────────────────────

/** Annotations for the messages (not validation): what a value must be, what a missing field is. */
const ANNOTATIONS = ['x-expected', 'x-missing', 'x-label', 'x-what'];

// Names of nodes, VMs, logs: liberal (real clusters hold odd names); empty names and the characters refused in
// every name (characters.ts: control characters, C1 included, bidirectional controls, invisible ones) are refused.

/** Any JSON value nested at most MAX_DEPTH deep. */
const json: SchemaObject = { maxDepth: MAX_DEPTH, 'x-expected': `a JSON value nested at most ${MAX_DEPTH} deep` };

const text = (expected = 'a string'): SchemaObject => ({ type: 'string', 'x-expected': expected });
const name = (what: string): SchemaObject => ({ type: 'string', pattern: NAME_PATTERN, 'x-expected': `${what} (a string, not empty, without control, bidirectional or invisible characters)` });
const whole = (expected: string, minimum = 0): SchemaObject => ({ type: 'integer', minimum, 'x-expected': expected });
const number = (expected: string, minimum?: number): SchemaObject => ({ type: 'number', ...(minimum !== undefined ? { minimum } : {}), 'x-expected': expected });
const flag = (expected: string): SchemaObject => ({ type: 'boolean', 'x-expected': expected });
const among = (values: readonly (string | number)[], what = ''): SchemaObject => ({ enum: [...values], 'x-expected': `${what}one of ${values.join(', ')}` });
const list = (items: SchemaObject, expected: string): SchemaObject => ({ type: 'array', items, 'x-expected': expected });
const orNull = (s: SchemaObject): SchemaObject => ({ ...s, type: [s.type as string, 'null'], 'x-expected': `${s['x-expected'] as string}, or null` });

/** An object with typed fields; fields it does not declare are allowed (the format only adds fields) as shallow JSON. */
function object(properties: Record<string, SchemaObject>, required: string[], expected: string, what?: string): SchemaObject {
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: json, 'x-expected': expected, ...(what ? { 'x-what': what } : {}) };
}

/** A header field, with how messages name it when it is missing: `label` in the list of all it lacks, `missing` on a line of its own. */
function field(s: SchemaObject, label: string, missing: string): SchemaObject {
  return { ...s, 'x-label': label, 'x-missing': missing };
}

const seq = whole("a whole number ≥ 0 (the record's sequence number)");
const runT = number('milliseconds since the run started, a number ≥ 0', 0);
const clusterT = number(`milliseconds since the run started, a number ≥ ${EARLIEST_CLUSTER_T} (a cluster's clock may run a little behind)`, EARLIEST_CLUSTER_T);
const typeOf = (type: RecordType): SchemaObject => ({ const: type, 'x-expected': `"${type}"` });

// ── the header ───────────────────────────────────────────────────────────────────────────────────────

const TRANSPORTS = ['TCPIP', 'Compression', 'SMB', 'SMBDirect'];

const vm = object(
  {
    name: name('the VM\'s name'),
    owner: name('the node that owns the VM when the run starts'),
    storage: among(['smb', 'csv-block']),
    memoryGB: number('its memory in GB, a number ≥ 0', 0),
    resiliencyPeriod: number('its own ResiliencyPeriod in seconds, a number ≥ 0', 0),
    version: text('its configuration version, e.g. "8.0"'),
    dirtyMBps: number('the memory it dirties per second (MiB/s), a number ≥ 0', 0),
    disks: list(
      object(
        { type: among(['dynamic', 'fixed']), controller: among(['scsi', 'ide']), writes: flag('true or false') },
        ['type', 'controller', 'writes'],
        'a virtual disk {type, controller, writes}',
      ),
      'a list of virtual disks {type, controller, writes}',
    ),
  },
  ['name', 'owner', 'storage', 'memoryGB'],
  'a VM {name, owner, storage, memoryGB}',
);

const cluster = object(
  {
    name: name("the cluster's name"),
    nodes: list(name("a node's name"), "a list of the nodes' names"),
    vms: list(vm, 'a list of VMs {name, owner, storage, memoryGB}'),
    hostVersion: among(['2008R2', '2012R2+']),
    idleCpuCores: number('idle CPU cores per host, a number ≥ 0', 0),
    liveMigration: object(
      {
        transport: among(TRANSPORTS),
        nics: number('NICs per host, a number ≥ 0', 0),
        nicGbps: number('the speed of each NIC in Gbps, a number ≥ 0', 0),
        teaming: flag('true or false'),
        jumboFrames: flag('true or false'),
        powerProfile: among(['balanced', 'high-performance', 'c-states-disabled']),
      },
      ['transport', 'nics', 'nicGbps', 'teaming', 'jumboFrames', 'powerProfile'],
      'the live-migration network {transport, nics, nicGbps, teaming, jumboFrames, powerProfile}',
    ),
  },
  ['name', 'nodes', 'vms'],
  'a cluster {name, nodes, vms}',
  'a cluster description',
);

function settingsSchema(settings: readonly SettingRange[] | undefined): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const s of settings ?? []) {
    const unit = s.unit ? ` ${s.unit}` : '';
    properties[s.name] = s.values
      ? { enum: [...s.values], 'x-expected': `one of ${s.values.join(', ')}` }
      : { type: 'integer', minimum: s.minimum, maximum: s.maximum, 'x-expected': `a whole number from ${s.minimum} to ${s.maximum}${unit}` };
  }
  return {
    type: 'object',
    properties,
    additionalProperties: { type: 'number', 'x-expected': 'a number' },
    'x-expected': 'the settings in force, by name: {ResiliencyDefaultPeriod: 240, …}, every value a number',
  };
}

function headerSchema(vocabulary: TraceVocabulary): SchemaObject {
  return object(
    {
      type: typeOf('header'),
      format: field(
        { type: 'integer', minimum: 1, maximum: TRACE_FORMAT, 'x-expected': `the trace format, ${TRACE_FORMAT} (a later one is a newer clusterchaos's: check the trace with that version)` },
        'format',
        'format, the trace format',
      ),
      runId: field(text('the run id, a string'), 'runId', 'runId, the run id (a string)'),
      experiment: field(
        object(
          { name: text(), title: text(), file: text() },
          ['name', 'title', 'file'],
          'the experiment {name, title, file}',
          'an experiment {name, title, file}',
        ),
        'experiment {name, title, file}',
        'the experiment {name, title, file} that ran',
      ),
      target: field(among(['sim', 'powershell']), 'target', 'the target it ran on (sim or powershell)'),
      seed: field(whole("the simulator's seed, a whole number ≥ 0"), 'seed', "the seed (the simulator's seed: the replay needs it)"),
      defects: field(list(text("a defect profile's name"), "a list of defect profiles' names"), 'defects', 'the defects it ran with (a list of names, often empty)'),
      cluster: field(cluster, 'cluster {nodes, vms}', 'the cluster {name, nodes, vms} it ran on (the models start from its nodes and VMs)'),
      settings: field(settingsSchema(vocabulary.settings), 'settings', 'the settings {name: number} the models are checked with'),
      check: field(
        object({ toleranceMs: number('a number of milliseconds ≥ 0', 0) }, ['toleranceMs'], 'the check parameters {toleranceMs}', 'check parameters {toleranceMs}'),
        'check {toleranceMs}',
        'the check parameters {toleranceMs} (the timing tolerance)',
      ),
      startTime: field(text('when the run started, an ISO 8601 time'), 'startTime', 'startTime, when the run started'),
      replay: field(text('the command that replays the run'), 'replay', 'replay, the command that replays the run'),
      timeZone: object(
        { id: text("the zone's name, as the cluster gives it"), utcOffsetMinutes: number('a number of minutes east of UTC') },
        ['id', 'utcOffsetMinutes'],
        "the cluster's time zone {id, utcOffsetMinutes}",
        'a time zone {id, utcOffsetMinutes}',
      ),
      invocation: object(
        {
          file: text(),
          fileSha256: text(),
          target: among(['sim', 'powershell']),
          seed: whole('a whole number ≥ 0'),
          defects: list(text(), 'a list of strings'),
          sets: list(text(), 'a list of strings'),
        },
        ['file', 'fileSha256', 'target', 'seed', 'defects', 'sets'],
        'how the run was invoked {file, fileSha256, target, seed, defects, sets}',
        'an invocation {file, fileSha256, target, seed, defects, sets}',
      ),
      facts: object(
        {
          powershell: object(
            { version: text(), edition: text(), failoverClusters: text(), rehearsal: flag('true or false') },
            ['version', 'edition', 'failoverClusters'],
            'the PowerShell that ran the scripts {version, edition, failoverClusters}',
          ),
          nodes: {
              type: 'object',
              additionalProperties: object(
                {
                  osVersion: text(),
                  clockOffsetMs: number('a number of milliseconds'),
                  offsetUncertaintyMs: number('a number of milliseconds ≥ 0', 0),
                  clussvcRecoveryMs: number('a number of milliseconds ≥ 0', 0),
                  clussvcRecovery: object(
                    {
                      resetPeriodS: whole('a whole number of seconds ≥ 0'),
                      actions: list(
                        object({ type: among(['restart', 'none', 'reboot', 'run']), delayMs: whole('a whole number of milliseconds ≥ 0') }, ['type', 'delayMs'], 'a recovery action {type, delayMs}'),
                        'the recovery actions, first failure first',
                      ),
                    },
                    ['resetPeriodS', 'actions'],
                    "clussvc's FailureActions {resetPeriodS, actions}",
                  ),
                  languageMode: text(),
                },
                [],
                "a node's facts {osVersion, clockOffsetMs, offsetUncertaintyMs, clussvcRecoveryMs, clussvcRecovery, languageMode}",
              ),
              'x-expected': "each node's facts, by name",
          },
        },
        ['powershell', 'nodes'],
        'what first contact read {powershell, nodes}',
        'target facts {powershell, nodes}',
      ),
    },
    // in this order in messages: what the run was, then what checking it needs, then the rest
    ['type', 'format', 'experiment', 'target', 'seed', 'defects', 'cluster', 'settings', 'check', 'runId', 'startTime', 'replay'],
    'a header',
  );
}

// ── op ───────────────────────────────────────────────────────────────────────────────────────────────

/** The arguments the checker and the reports read, typed wherever an operation has them; the rest is free JSON. */
const args: SchemaObject = object(
  {
    node: name('a node name'),
    vm: { type: ['string', 'array'], pattern: NAME_PATTERN, items: name('a VM name'), 'x-expected': 'a VM name, or a list of VM names' },
    to: name('a node name (or a policy: round-robin, random)'),
    peers: list(name('a node name'), 'a list of node names'),
    duration: number('milliseconds, a number ≥ 0', 0),
    timeout: number('milliseconds, a number ≥ 0', 0),
    holdDown: number('milliseconds, a number ≥ 0', 0),
    seconds: number('seconds, a number ≥ 0', 0),
    clearQuarantine: flag('true or false'),
    failback: flag('true or false'),
    transport: among(TRANSPORTS),
    when: among(['before', 'after']),
  },
  [],
  "the operation's arguments, an object {node: …, …}",
);

/** What one live migration did (LiveMigrationValue); fields a target could not measure are absent (or null in a target's raw answer). */
const liveMigrationValue: SchemaObject = object(
  {
    vm: orNull(name('a VM name')),
    source: orNull(text('a node name')),
    target: orNull(text('a node name')),
    transport: { enum: [...TRANSPORTS, null], 'x-expected': `one of ${TRANSPORTS.join(', ')}` },
    startedAt: orNull(number('milliseconds since the run started')),
    queuedMs: orNull(number('milliseconds ≥ 0', 0)),
    setupMs: orNull(number('milliseconds ≥ 0', 0)),
    passes: orNull(whole('a whole number ≥ 0')),
    passMs: orNull(list(number('milliseconds ≥ 0', 0), 'a list of milliseconds, one per pre-copy pass')),
    blackoutMs: orNull(number('milliseconds ≥ 0', 0)),
    cleanupMs: orNull(number('milliseconds ≥ 0', 0)),
    totalMs: orNull(number('milliseconds ≥ 0', 0)),
    bytes: orNull(number('a number of bytes ≥ 0', 0)),
    wireBytes: orNull(number('a number of bytes ≥ 0', 0)),
    failedIn: orNull(text('the phase it failed in')),
  },
  [],
  'what the live migration did {vm, source, target, …}',
);

/** What a drain or a failback moved (DrainValue). */
const drainValue: SchemaObject = object(
  {
    node: orNull(text('a node name')),
    totalMs: orNull(number('milliseconds ≥ 0', 0)),
    migrations: orNull(list(liveMigrationValue, 'a list of live migrations {vm, source, target, …}')),
  },
  [],
  'what the drain moved {node, totalMs, migrations}',
);

/** The operations whose `value` the checker and the reports read (src/check/stimuli.ts, migrations.ts): a live migration's, a drain's or failback's moves. */
const LIVE_MIGRATION_OPS = ['live-migrate'];
const DRAIN_OPS = ['drain-node', 'resume-node', 'revert:drain-node'];

function opSchema(vocabulary: TraceVocabulary): SchemaObject {
  const f: SchemaObject = vocabulary.operations
    ? { enum: [...vocabulary.operations], 'x-expected': `an operation this clusterchaos knows: ${vocabulary.operations.join(', ')}` }
    : name('an operation name');
  return {
    ...object(
      {
        type: typeOf('op'),
        seq,
        t: runT,
        process: name('the process that ran it (nemesis, workload, runner, observer)'),
        f: f,
        phase: among(['invoke', 'ok', 'fail', 'info']),
        args: args,
        value: json,
        error: text('the error, a string'),
        id: whole("the operation's identity (its invoke's seq), a whole number ≥ 0"),
      },
      ['type', 'seq', 't', 'process', 'f', 'phase', 'args'],
      'an op record',
    ),
    allOf: [
      { if: { properties: { f: { enum: LIVE_MIGRATION_OPS } } }, then: { properties: { value: liveMigrationValue } } },
      { if: { properties: { f: { enum: DRAIN_OPS } } }, then: { properties: { value: drainValue } } },
      ...requiredArguments(vocabulary.arguments ?? {}),
    ],
  };
}

/** `args` must have these for these operations: one if/then per list of arguments. */
function requiredArguments(byOperation: Readonly<Record<string, readonly string[]>>): SchemaObject[] {
  const byList = new Map<string, string[]>();
  for (const [f, required] of Object.entries(byOperation)) {
    const key = JSON.stringify(required);
    byList.set(key, [...(byList.get(key) ?? []), f]);
  }
  return [...byList].map(([required, operations]) => ({
    if: { properties: { f: { enum: operations } }, required: ['f'] },
    then: { properties: { args: { required: JSON.parse(required) as string[] } } },
  }));
}

// ── observe, event, checkpoint ───────────────────────────────────────────────────────────────────────

const flags = list(name('a flag name'), 'a list of flag names, e.g. ["Isolated"] ([] when Normal)');

const nodeState = object(
  {
    State: among(['Up', 'Down', 'Paused', 'Joining', 'Unknown']),
    StatusInformation: flags,
  },
  ['State', 'StatusInformation'],
  'a node {State, StatusInformation} as Get-ClusterNode reports it',
  'a node as Get-ClusterNode reports it {State, StatusInformation}',
);

const vmState = object(
  {
    State: name("Get-VM's State name, e.g. Running"),
    GroupState: among(['Online', 'Offline', 'Failed', 'PartialOnline', 'Pending', 'Unknown']),
    OwnerNode: name('the node that owns its group'),
    StatusInformation: flags,
  },
  ['State', 'GroupState', 'OwnerNode', 'StatusInformation'],
  'a VM {State, GroupState, OwnerNode, StatusInformation} as Get-VM and Get-ClusterGroup report it',
  'a VM as Get-VM and Get-ClusterGroup report it {State, GroupState, OwnerNode, StatusInformation}',
);

const observeSchema: SchemaObject = {
  ...object(
    {
      type: typeOf('observe'),
      seq,
      t: clusterT,
      entity: { type: 'string', pattern: `^(node|vm)/[^${REFUSED_CLASS}]+$`, 'x-expected': '"node/<name>" or "vm/<name>"' },
      state: { type: 'object', 'x-expected': 'an object: {State, StatusInformation} for a node, {State, GroupState, OwnerNode, StatusInformation} for a VM' },
      source: text('where it was read, e.g. "poll"'),
    },
    ['type', 'seq', 't', 'entity', 'state', 'source'],
    'an observe record',
  ),
  allOf: [{ if: { properties: { entity: { type: 'string', pattern: '^node/' } } }, then: { properties: { state: nodeState } }, else: { properties: { state: vmState } } }],
};

const eventSchema: SchemaObject = object(
  {
    type: typeOf('event'),
    seq,
    t: clusterT,
    node: name('the node that logged it'),
    log: text('the log name, e.g. System'),
    provider: text('the provider name'),
    id: whole('the event id, a whole number ≥ 0'),
    level: text('the level name, e.g. Warning'),
    time: text('when it was logged, an ISO 8601 time'),
    message: text('the message, a string'),
  },
  ['type', 'seq', 't', 'node', 'log', 'provider', 'id', 'level', 'time', 'message'],
  'an event record',
);

const checkpointSchema: SchemaObject = object(
  {
    type: typeOf('checkpoint'),
    seq,
    t: runT,
    iteration: whole('the iteration just completed, a whole number ≥ 0'),
    state: json,
  },
  ['type', 'seq', 't', 'iteration'],
  'a checkpoint record',
);

// ── the footer ───────────────────────────────────────────────────────────────────────────────────────

const steady = object({ ok: flag('true or false'), detail: text() }, ['ok', 'detail'], 'a steady-state check {ok, detail}');

const runOutcome = object(
  {
    status: among(['completed', 'aborted']),
    abortReason: text(),
    steadyStateBefore: steady,
    steadyStateAfter: steady,
    virtualMs: number('milliseconds ≥ 0', 0),
    wallMs: number('milliseconds ≥ 0', 0),
    reverts: list(
        object({ fault: text(), outcome: among(['ok', 'fail', 'info']), error: text() }, ['fault', 'outcome'], 'a revert {fault, outcome}'),
        'a list of reverts {fault, outcome}',
      ),
    soak: object(
      {
        iterations: whole('a whole number ≥ 0'),
        planned: object({ iterations: whole('a whole number ≥ 0'), durationMs: number('milliseconds ≥ 0', 0) }, [], 'what was planned {iterations} or {durationMs}'),
        anomalyCount: whole('a whole number ≥ 0'),
        anomalies: list(
            object(
              { iteration: whole('a whole number ≥ 0'), t: number('milliseconds ≥ 0', 0), what: text() },
              ['iteration', 't', 'what'],
              'an anomaly {iteration, t, what}',
            ),
            'a list of anomalies {iteration, t, what}',
          ),
        stoppedAt: whole('a whole number ≥ 0'),
        resumedAfter: whole('a whole number ≥ 0'),
      },
      ['iterations', 'planned', 'anomalyCount', 'anomalies'],
      "a soak's account {iterations, planned, anomalyCount, anomalies}",
    ),
    observation: object(
      {
        polls: whole('a whole number ≥ 0'),
        failed: whole('a whole number ≥ 0'),
        medianMs: number('milliseconds ≥ 0', 0),
        p95Ms: number('milliseconds ≥ 0', 0),
        maxMs: number('milliseconds ≥ 0', 0),
      },
      ['polls', 'failed', 'medianMs', 'p95Ms', 'maxMs'],
      'what observing cost {polls, failed, medianMs, p95Ms, maxMs}',
    ),
    notEffective: list(text(), 'a list of strings'),
    methodStopped: text(),
  },
  ['status', 'virtualMs', 'reverts'],
  'a run outcome {status, virtualMs, reverts, …}',
  'a run outcome (expected status, virtualMs and reverts)',
);

const footerSchema: SchemaObject = object(
  {
    type: typeOf('footer'),
    seq,
    t: runT,
    verdict: among(['pass', 'fail', 'unknown']),
    reason: text('the reason, a string'),
    run: runOutcome,
  },
  ['type', 'seq', 't', 'verdict', 'reason'],
  'a footer',
);

/** The JSON Schema of each record type, for a vocabulary (exported for documentation and tests). */
export function traceSchemas(vocabulary: TraceVocabulary = {}): Record<RecordType, SchemaObject> {
  return {
    header: headerSchema(vocabulary),
    op: opSchema(vocabulary),
    observe: observeSchema,
    event: eventSchema,
    checkpoint: checkpointSchema,
    footer: footerSchema,
  };
}

// ── validating ───────────────────────────────────────────────────────────────────────────────────────

/** The deepest nesting of a JSON value, counted without recursion (a value nested 100,000 deep must not overflow the stack here); stops past `limit`. */
export function depthOf(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  const stack: { v: object; depth: number }[] = [{ v: value, depth: 1 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const k in v) {
      const child = (v as Record<string, unknown>)[k];
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: depth + 1 });
    }
  }
  return deepest;
}

function newAjv(allErrors: boolean): Ajv {
  const ajv = new Ajv({ allErrors, verbose: allErrors, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword });
  ajv.addKeyword({
    keyword: 'maxDepth',
    schemaType: 'number',
    errors: false,
    validate: (max: number, data: unknown) => typeof data !== 'object' || data === null || depthOf(data, max) <= max,
  });
  return ajv;
}

/** The record types' validators: fast ones for every record, and (made when first needed) ones that say everything wrong. */
export class TraceSchema {
  private readonly fast: Map<string, ValidateFunction>;
  private explaining: Map<string, ValidateFunction> | undefined;
  private readonly schemas: Record<RecordType, SchemaObject>;

  constructor(vocabulary: TraceVocabulary = {}) {
    this.schemas = traceSchemas(vocabulary);
    const ajv = newAjv(false);
    this.fast = new Map(RECORD_TYPES.map((type) => [type, ajv.compile(this.schemas[type])]));
  }

  /** Undefined when the record is one a trace may hold; else what is wrong with it, in words (one line or more, no file or line number). */
  problem(record: unknown): string | undefined {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return `a trace line is one JSON object, this one is ${shown(record)}`;
    }
    const type = (record as { type?: unknown }).type;
    const validate = typeof type === 'string' ? this.fast.get(type) : undefined;
    if (!validate) {
      const keys = Object.keys(record);
      const found = type === undefined ? `no "type"${keys.length ? ` (its fields: ${quoteKeys(keys)})` : ''}` : shown(type);
      return `expected a record with "type" one of ${RECORD_TYPES.join(', ')}, found ${found}`;
    }
    if (validate(record)) return undefined;
    this.explaining ??= this.compileExplaining();
    const explain = this.explaining.get(type as string)!;
    explain(record);
    return explainErrors(type as RecordType, this.schemas[type as RecordType], explain.errors ?? []);
  }

  private compileExplaining(): Map<string, ValidateFunction> {
    const ajv = newAjv(true);
    return new Map(RECORD_TYPES.map((type) => [type, ajv.compile(this.schemas[type])]));
  }
}

const shared = new Map<string, TraceSchema>();

/** The compiled schema for a vocabulary, made once per vocabulary's content. */
export function traceSchema(vocabulary: TraceVocabulary = {}): TraceSchema {
  const key = JSON.stringify([vocabulary.operations ?? null, vocabulary.arguments ?? null, vocabulary.settings ?? null]);
  let schema = shared.get(key);
  if (!schema) shared.set(key, (schema = new TraceSchema(vocabulary)));
  return schema;
}

// ── messages ─────────────────────────────────────────────────────────────────────────────────────────

const RECORD_NAMES: Record<RecordType, string> = {
  header: 'the header',
  op: 'the op record',
  observe: 'the observe record',
  event: 'the event record',
  checkpoint: 'the checkpoint record',
  footer: 'the footer',
};

/** A value as a message shows it: short, and never by walking it (it may be nested 100,000 deep). */
export function shown(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? `a list of ${v.length}` : 'an empty list';
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

function quoteKeys(keys: readonly string[]): string {
  const quoted = keys.slice(0, 4).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return quoted.join(', ') + (keys.length > 4 ? `, and ${keys.length - 4} more` : '');
}

/** `/state/StatusInformation/0` → `state.StatusInformation[0]`. */
function fieldName(instancePath: string): string {
  let out = '';
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out ? `.${key}` : key;
  }
  return out;
}

/**
 * The schema of the record's top-level field an error is in, found along the error's schema path (so the
 * branch that applied: a node's state or a VM's), or undefined for an error in the record itself.
 */
function topFieldSchema(root: SchemaObject, schemaPath: string): SchemaObject | undefined {
  let node: unknown = root;
  const parts = schemaPath.replace(/^#\/?/, '').split('/');
  for (let i = 0; i < parts.length; i++) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[parts[i]!.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (parts[i] === 'properties' && i + 1 < parts.length) {
      return (node as Record<string, SchemaObject> | undefined)?.[parts[i + 1]!.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
  }
  return undefined;
}

/** The schema of the value at `instancePath`, following declared fields and list items (not conditions). */
function schemaAt(root: SchemaObject, instancePath: string): SchemaObject | undefined {
  let node: SchemaObject | undefined = root;
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = /^\d+$/.test(key) && node?.items ? (node.items as SchemaObject) : ((node?.properties as Record<string, SchemaObject> | undefined)?.[key] ?? undefined);
    if (!node) return undefined;
  }
  return node;
}

/** The first problem ajv found, in words: a record lacking fields says which (and what each is); a wrong value says what it is and what was expected. */
function explainErrors(type: RecordType, root: SchemaObject, errors: readonly ErrorObject[]): string {
  // the record's own fields before what depends on them (a VM's state is checked as a VM's because its entity is not a node's)
  const first = errors.find((e) => e.keyword !== 'if' && !e.schemaPath.startsWith('#/allOf/')) ?? errors.find((e) => e.keyword !== 'if');
  if (!first) return `${RECORD_NAMES[type]} is not shaped as clusterchaos writes it`;
  const where = (instancePath: string): string => (instancePath ? `${RECORD_NAMES[type]}'s ${fieldName(instancePath)}` : RECORD_NAMES[type]);
  // inside a field that says what it must be as a whole (the footer's run: a run outcome), that comes first
  const topPath = first.instancePath.split('/').slice(0, 2).join('/');
  const what = topPath ? (topFieldSchema(root, first.schemaPath)?.['x-what'] as string | undefined) : undefined;
  const wholly = what && (first.keyword === 'required' || first.instancePath !== topPath) ? `${where(topPath)} is not ${what}: ` : '';

  if (first.keyword === 'required') {
    // every field missing from the same object, in the schema's order
    const missing = errors.filter((e) => e.keyword === 'required' && e.instancePath === first.instancePath);
    // the object's own schema (a conditional one, `args` of an operation that requires them, declares no fields)
    const own = first.parentSchema as SchemaObject | undefined;
    const declared = (own?.properties ? own : schemaAt(root, first.instancePath)) as SchemaObject | undefined;
    const props = (declared?.properties ?? {}) as Record<string, SchemaObject>;
    const names = missing.map((e) => (e.params as { missingProperty: string }).missingProperty);
    const data = first.data as Record<string, unknown> | undefined;
    const strangers = data && typeof data === 'object' && declared?.additionalProperties !== undefined ? Object.keys(data).filter((k) => !Object.hasOwn(props, k)) : [];
    const has = strangers.length ? ` (it has ${quoteKeys(strangers)}, which ${where(first.instancePath)} does not have)` : '';
    if (names.length === 1) {
      const expected = props[names[0]!]?.['x-expected'] as string | undefined;
      return `${wholly}${where(first.instancePath)} lacks "${names[0]!}"${has}${expected ? `: expected ${expected}` : ''}`;
    }
    // all of them in one line, then what each is (where there is more to say than its name)
    const label = (n: string): string => (props[n]?.['x-label'] as string | undefined) ?? n;
    const lines = [`${wholly}${where(first.instancePath)} lacks ${names.map(label).join(', ')}${has}`];
    for (const n of names) {
      const missing = props[n]?.['x-missing'] as string | undefined;
      if (missing && missing !== label(n)) lines.push(`${where(first.instancePath)} lacks ${missing}`);
    }
    return lines.join('\n');
  }

  const expected = (first.parentSchema?.['x-expected'] as string | undefined) ?? first.message ?? 'something else';
  const found = first.keyword === 'maxDepth' ? `a value nested more than ${MAX_DEPTH} deep` : shown(first.data);
  return `${wholly}${where(first.instancePath)} is ${found}, expected ${expected}`;
}
