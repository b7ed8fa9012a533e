import type { Logger } from 'pino';
import type { ClusterDescription, LiveMigrationTransport, Millis } from '../../trace/records.js';
import {
  OperationError,
  OperationUnknownError,
  type ClusterEvent,
  type ClusterConfiguration,
  type ClusterSettingValues,
  type DrainValue,
  type KillClusterServiceOptions,
  type LiveMigrateOptions,
  type LiveMigrationValue,
  type Poll,
  type Target,
} from '../target.js';
import {
  parseAcknowledgement,
  parseConfiguration,
  parseDrain,
  parseEvents,
  parseLiveMigration,
  parsePoll,
  parseResidue,
  parseSettings,
  PowerShellReadError,
  toClusterEvent,
  type Residue,
} from './parse.js';
import * as scripts from './scripts.js';
import { UnsafeValueError } from './quote.js';
import { PowerShellSession, resolveCredential, type Credential, type CredentialSource, type ScriptRequest, type ScriptRunner } from './session.js';

export { PowerShellSession, SESSION_SETUP_SCRIPT, DEFAULT_TIMEOUT_MS, resolveCredential } from './session.js';
export type { Credential, CredentialSource, ScriptRequest, ScriptRunner, SessionOptions } from './session.js';
export { PowerShellOutputError, PowerShellReadError, type Residue } from './parse.js';
export { MUTATING_OPS, READ_ONLY_OPS, scriptOp, isMutatingScript, type ScriptOp } from './scripts.js';
export { UnsafeValueError } from './quote.js';

/**
 * Get-Cluster properties read by getSettings() unless told otherwise: those every Windows Server 2016+
 * cluster has (MaximumParallelMigrations exists from 2022 on: name it in `settingNames` to read it).
 */
export const DEFAULT_SETTING_NAMES: readonly string[] = [
  'ResiliencyLevel',
  'ResiliencyDefaultPeriod',
  'QuarantineThreshold',
  'QuarantineDuration',
  'SameSubnetDelay',
  'SameSubnetThreshold',
];

/** How long an operation that moves VMs (Stop-ClusterNode, a drain or failback without a timeout) may take. */
export const DEFAULT_LONG_TIMEOUT_MS = 30 * 60_000;

/**
 * A script builder that refuses a value (a name with a control character, a bad number) refuses the
 * operation: nothing was sent, so it did not happen (OperationError), and the message says which value.
 */
function refusing<A extends unknown[]>(f: (...args: A) => string): (...args: A) => string {
  return (...args: A) => {
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof UnsafeValueError) throw new OperationError(`refused: ${e.message}; nothing was sent`);
      throw e;
    }
  };
}

/** scripts.ts's builders, each refusing unsafe values as an OperationError. */
const build = {
  poll: refusing(scripts.poll),
  events: refusing(scripts.events),
  getSettings: refusing(scripts.getSettings),
  setSettings: refusing(scripts.setSettings),
  holdDownClusterService: refusing(scripts.holdDownClusterService),
  killClusterService: refusing(scripts.killClusterService),
  startClusterService: refusing(scripts.startClusterService),
  stopClusterNode: refusing(scripts.stopClusterNode),
  startClusterNode: refusing(scripts.startClusterNode),
  isolateNetwork: refusing(scripts.isolateNetwork),
  restoreNetwork: refusing(scripts.restoreNetwork),
  liveMigrate: refusing(scripts.liveMigrate),
  cancelLiveMigration: refusing(scripts.cancelLiveMigration),
  suspendNode: refusing(scripts.suspendNode),
  resumeNode: refusing(scripts.resumeNode),
  residue: refusing(scripts.residue),
  readConfiguration: refusing(scripts.readConfiguration),
};

/** Event records are asked for again from at least this far back (node clocks differ from ours), then de-duplicated. */
const EVENT_LOOKBACK_MS = 30_000;
/** The brief overlap behind the last record seen on a node. */
const EVENT_OVERLAP_MS = 1_000;

export interface PowerShellTargetOptions {
  /** The cluster's name (`-Cluster`). */
  cluster: string;
  /** The cluster as the experiment describes it: nodes and VMs outside it are refused before anything is sent. */
  description: ClusterDescription;
  /** The PowerShell executable; default: NODE_POWERSHELL, else `pwsh`. */
  executable?: string;
  /** How long one round trip may take before its outcome is unknown (default 120 s). */
  timeoutMs?: Millis;
  /** Stop-ClusterNode, and drains and failbacks without their own timeout, may take this long (default 30 min). */
  longTimeoutMs?: Millis;
  /** The account; absent: CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD, else the current identity. */
  credential?: CredentialSource;
  /** Where CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** `clusterchaos-<runId>`: the group of the firewall rules and the prefix of the tasks this run creates. */
  runTag: string;
  /** Get-Cluster properties getSettings() reads besides DEFAULT_SETTING_NAMES (e.g. the experiment's). */
  settingNames?: readonly string[];
  /** Instead of PowerShell sessions: what runs the scripts (the dry run's recorder; tests). */
  runner?: () => ScriptRunner;
  /** sleep() returns at once and now() jumps ahead instead (the dry run: nothing to wait for). */
  instantSleep?: boolean;
}

/**
 * A real Hyper-V failover cluster behind the Target seam, through one long-lived PowerShell session
 * (session.ts): each operation is one script from scripts.ts (values quoted by quote.ts, never spliced),
 * whose JSON answer parse.ts checks strictly.
 *
 * Time is the wall clock: now() counts from construction, sleep() really waits. Observations are dated at
 * the middle of their round trip; event records by their TimeCreated (the node's clock) relative to the
 * moment this target was made.
 */
export class PowerShellTarget implements Target {
  readonly kind = 'powershell' as const;
  private readonly address: scripts.ClusterAddress;
  private readonly startEpochMs = Date.now();
  private readonly startPerf = performance.now();
  private readonly timeoutMs: Millis;
  private readonly longTimeoutMs: Millis;
  private readonly session: ScriptRunner;
  /** A second session, made when needed, for what cannot wait behind the first (cancelling a migration). */
  private side: ScriptRunner | undefined;
  private readonly makeRunner: () => ScriptRunner;
  private credential: Promise<Credential | undefined> | undefined;
  private lastPoll: Poll | undefined;
  /** Events: the newest TimeCreated seen per node, when the last query was sent, and what was seen lately. */
  private readonly lastEventAt = new Map<string, number>();
  private lastEventsQueryAt: number | undefined;
  private seenEvents = new Map<string, number>();
  private readonly reportedEventErrors = new Set<string>();
  /** Time skipped by instant sleeps (dry run). */
  private skippedMs = 0;

  constructor(private readonly options: PowerShellTargetOptions) {
    this.address = { cluster: options.cluster };
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.longTimeoutMs = options.longTimeoutMs ?? DEFAULT_LONG_TIMEOUT_MS;
    this.makeRunner =
      options.runner ??
      (() =>
        new PowerShellSession({
          ...(options.executable ? { executable: options.executable } : {}),
          timeoutMs: this.timeoutMs,
          log: options.log,
          // both sessions share one credential, asked for once
          credential: () => this.sharedCredential(),
          env: {},
        }));
    this.session = this.makeRunner();
  }

  describe(): ClusterDescription {
    return this.options.description;
  }

  now(): Millis {
    return Math.round(performance.now() - this.startPerf + this.skippedMs);
  }

  async sleep(ms: Millis): Promise<void> {
    if (!(ms > 0)) return;
    if (this.options.instantSleep) this.skippedMs += ms;
    else await new Promise((resolve) => setTimeout(resolve, ms));
  }

  async poll(): Promise<Poll> {
    let sentAt = this.now();
    const output = await this.run(build.poll(this.address), { sent: () => (sentAt = this.now()) });
    const poll = parsePoll(output, Math.round((sentAt + this.now()) / 2));
    this.lastPoll = poll;
    return poll;
  }

  /**
   * Records since the previous call, oldest first. One query for every node from the earliest point any
   * node still needs (its newest record less a second, or — for a node with none — the previous query
   * less EVENT_LOOKBACK_MS, since node clocks differ from ours), de-duplicated by node, log, id, time and
   * message. A failed query is logged and yields nothing: the next one covers its time again.
   */
  async collectEvents(): Promise<ClusterEvent[]> {
    const nodes = this.options.description.nodes;
    const since = Math.min(
      ...nodes.map((node) => {
        const last = this.lastEventAt.get(node);
        const floor = this.lastEventsQueryAt === undefined ? this.startEpochMs : this.lastEventsQueryAt - EVENT_LOOKBACK_MS;
        return Math.max(last === undefined ? -Infinity : last - EVENT_OVERLAP_MS, Math.max(floor, this.startEpochMs));
      }),
    );
    let queriedAt = Date.now();
    let raw;
    try {
      const output = await this.run(build.events(this.address, nodes, new Date(since).toISOString()), { sent: () => (queriedAt = Date.now()) });
      raw = parseEvents(output);
    } catch (e) {
      const message = (e as Error).message;
      if (!this.reportedEventErrors.has(message)) {
        this.reportedEventErrors.add(message);
        this.options.log.warn(`could not collect event-log records (will try again at the next poll): ${message}`);
      }
      return [];
    }
    this.lastEventsQueryAt = queriedAt;
    const fresh: ClusterEvent[] = [];
    for (const e of raw) {
      const key = JSON.stringify([e.node.toLowerCase(), e.log, e.id, e.at, e.message]);
      if (this.seenEvents.has(key)) continue;
      this.seenEvents.set(key, e.at);
      const node = nodes.find((n) => n.toLowerCase() === e.node.toLowerCase()) ?? e.node;
      this.lastEventAt.set(node, Math.max(this.lastEventAt.get(node) ?? -Infinity, e.at));
      fresh.push(toClusterEvent({ ...e, node }, this.startEpochMs));
    }
    // forget what no later query can return again
    for (const [key, at] of this.seenEvents) if (at < since - EVENT_OVERLAP_MS) this.seenEvents.delete(key);
    return fresh;
  }

  /** Read-only, one round trip: SharedStoragePath and whether it exists, host settings, VM versions (scripts.readConfiguration). */
  async readConfiguration(): Promise<ClusterConfiguration> {
    return parseConfiguration(await this.run(build.readConfiguration(this.address)));
  }

  /**
   * Read-only, one round trip: every node's event-log records since then (the events script), for what the
   * cluster did before the run (prior-exits.ts reads its removals). Changes nothing the trace relies on.
   */
  async eventsSince(sinceEpochMs: number): Promise<{ node: string; id: number; at: number; time: string; message: string; data: string[] }[]> {
    return parseEvents(await this.run(build.events(this.address, this.options.description.nodes, new Date(sinceEpochMs).toISOString())));
  }

  async getSettings(): Promise<ClusterSettingValues> {
    const names = [...new Set([...DEFAULT_SETTING_NAMES, ...(this.options.settingNames ?? [])])];
    return parseSettings(await this.run(build.getSettings(this.address, names)), names);
  }

  async setSettings(values: ClusterSettingValues): Promise<void> {
    if (Object.keys(values).length === 0) return;
    const script = build.setSettings(this.address, values);
    parseAcknowledgement(await this.run(script), 'set-settings');
  }

  async killClusterService(node: string, options: KillClusterServiceOptions = {}): Promise<void> {
    const n = this.node(node);
    const script =
      options.holdDownMs !== undefined && options.holdDownMs > 0
        ? build.holdDownClusterService(this.address, n, Math.round(options.holdDownMs))
        : build.killClusterService(this.address, n);
    await this.acknowledged(script);
  }

  async startClusterService(node: string): Promise<void> {
    await this.acknowledged(build.startClusterService(this.address, this.node(node)));
  }

  async stopClusterNode(node: string): Promise<void> {
    // Stop-ClusterNode drains the node's roles first: it may take as long as a drain.
    await this.acknowledged(build.stopClusterNode(this.address, this.node(node)), this.longTimeoutMs);
  }

  async startClusterNode(node: string, options: { clearQuarantine?: boolean } = {}): Promise<void> {
    await this.acknowledged(build.startClusterNode(this.address, this.node(node), { clearQuarantine: options.clearQuarantine === true }));
  }

  async isolateNetwork(node: string, options: { peers?: string[]; healAfterMs: number }): Promise<void> {
    const peers = options.peers?.map((p) => this.node(p));
    const script = build.isolateNetwork(this.address, this.node(node), {
      ...(peers && peers.length ? { peers } : {}),
      healAfterMs: Math.round(options.healAfterMs),
      tag: this.options.runTag,
    });
    await this.acknowledged(script);
  }

  async restoreNetwork(node: string): Promise<void> {
    await this.acknowledged(build.restoreNetwork(this.address, this.node(node), this.options.runTag));
  }

  /**
   * The migration waits in the session until Move-ClusterVirtualMachineRole returns. With `timeoutMs`, a
   * timer here cancels it (Move-ClusterVirtualMachineRole -Cancel, through a second session, since the
   * first is busy with the move) and the outcome is what the move itself then reports: done after all (ok),
   * failed or cancelled (OperationError), or no answer (OperationUnknownError).
   */
  async liveMigrate(vm: string, node: string, options: LiveMigrateOptions = {}): Promise<LiveMigrationValue> {
    const v = this.vm(vm);
    const target = this.node(node);
    const transport = options.transport;
    const script = build.liveMigrate(this.address, v, target, transport ? { transport } : {});
    const limit = options.timeoutMs;
    const asFar = (): LiveMigrationValue => ({ vm: v, source: this.ownerOf(v), target, ...(transport ? { transport } : {}) });
    const move = this.run(script, limit !== undefined ? { timeoutMs: limit + this.timeoutMs } : { timeoutMs: this.longTimeoutMs }).then((output) => {
      const m = parseLiveMigration(output, 'live-migrate');
      return { vm: m.vm, source: m.source, target: m.target, totalMs: m.totalMs, ...(transport ? { transport } : {}) } satisfies LiveMigrationValue;
    });
    const withValue = (e: unknown): never => {
      if (e instanceof OperationError && e.value === undefined) throw new OperationError(e.message, asFar());
      if (e instanceof OperationUnknownError && e.value === undefined) throw new OperationUnknownError(e.message, asFar());
      throw e;
    };
    if (limit === undefined) return move.catch(withValue);

    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), limit);
    });
    const first = await Promise.race([move.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ), late]);
    clearTimeout(timer);
    if (first !== 'late') {
      if ('error' in first) return withValue(first.error);
      return first.value;
    }

    const within = `did not complete within ${limit / 1000} s`;
    let cancelled: string;
    try {
      parseAcknowledgement(await this.sideRunner().run({ op: 'cancel-live-migration', script: build.cancelLiveMigration(this.address, v) }), 'cancel-live-migration');
      cancelled = 'was cancelled';
      this.options.log.warn(`live migration of ${v} to ${target} ${within}; cancelled it`);
    } catch (e) {
      cancelled = `could not be cancelled (${(e as Error).message})`;
      this.options.log.warn(`live migration of ${v} to ${target} ${within} and ${cancelled}`);
    }
    try {
      // it may still have completed (the cancel came too late: past the blackout)
      return await move;
    } catch (e) {
      const reason = (e as Error).message;
      if (e instanceof OperationError) throw new OperationError(`live migration of ${v} to ${target} ${within} and ${cancelled}: ${reason}`, asFar());
      throw new OperationUnknownError(`live migration of ${v} to ${target} ${within} and ${cancelled}; ${reason}`, asFar());
    }
  }

  async suspendNode(node: string, options: { drain: boolean; timeoutMs?: Millis; transport?: LiveMigrationTransport }): Promise<DrainValue> {
    const n = this.node(node);
    const script = build.suspendNode(this.address, n, { drain: options.drain === true, ...(options.transport ? { transport: options.transport } : {}) });
    return this.drained(script, 'suspend-node', n, options.timeoutMs);
  }

  async resumeNode(node: string, options: { failback: boolean; timeoutMs?: Millis; transport?: LiveMigrationTransport }): Promise<DrainValue> {
    const n = this.node(node);
    const script = build.resumeNode(this.address, n, { failback: options.failback === true, ...(options.transport ? { transport: options.transport } : {}) });
    return this.drained(script, 'resume-node', n, options.timeoutMs);
  }

  /**
   * The residue scan's look, in one read-only round trip: nodes, this run's firewall rules and tasks
   * (`<node>/<name>`), the named settings' current values, the nodes that could not be asked.
   */
  async residue(o: { tag: string; settings: Record<string, number> }): Promise<Residue> {
    return parseResidue(await this.run(build.residue(this.address, { tag: o.tag, settings: o.settings })));
  }

  async close(): Promise<void> {
    await Promise.all([this.session.close(), this.side?.close()]);
  }

  // -------------------------------------------------------------------------------------------------------

  private async drained(script: string, op: 'suspend-node' | 'resume-node', node: string, timeoutMs: Millis | undefined): Promise<DrainValue> {
    const output = await this.run(script, { timeoutMs: timeoutMs !== undefined ? timeoutMs + this.timeoutMs : this.longTimeoutMs }).catch((e: unknown) => {
      if ((e instanceof OperationError || e instanceof OperationUnknownError) && e.value === undefined) {
        const value: DrainValue = { node, totalMs: 0, migrations: [] };
        throw e instanceof OperationError ? new OperationError(e.message, value) : new OperationUnknownError(e.message, value);
      }
      throw e;
    });
    const d = parseDrain(output, op);
    return { node: d.node, totalMs: d.totalMs, migrations: d.migrations };
  }

  private async acknowledged(script: string, timeoutMs?: Millis): Promise<void> {
    const op = scripts.scriptOp(script) ?? 'script';
    parseAcknowledgement(await this.run(script, timeoutMs !== undefined ? { timeoutMs } : {}), op);
  }

  /** One round trip. A read that fails is a PowerShellReadError (an error to report, not an outcome). */
  private run(script: string, extra: Omit<ScriptRequest, 'op' | 'script'> = {}): Promise<string> {
    const op = scripts.scriptOp(script);
    const done = this.session.run({ op: op ?? 'script', script, ...extra });
    if (op === undefined || !scripts.READ_ONLY_OPS.has(op)) return done;
    return done.catch((e: unknown) => {
      if (e instanceof OperationError || e instanceof OperationUnknownError) throw new PowerShellReadError(e.message);
      throw e;
    });
  }

  private sideRunner(): ScriptRunner {
    this.side ??= this.makeRunner();
    return this.side;
  }

  private sharedCredential(): Promise<Credential | undefined> {
    this.credential ??= resolveCredential(this.options.credential, this.options.env ?? process.env);
    return this.credential;
  }

  /** The node as the description names it; a node outside the cluster is refused before anything is sent. */
  private node(node: string): string {
    const found = this.options.description.nodes.find((n) => n.toLowerCase() === node.toLowerCase());
    if (!found) {
      throw new OperationError(`no node ${node} in cluster ${this.options.cluster} (nodes: ${this.options.description.nodes.join(', ')}); nothing was sent`);
    }
    return found;
  }

  private vm(vm: string): string {
    const found = this.options.description.vms.find((v) => v.name.toLowerCase() === vm.toLowerCase());
    if (!found) {
      throw new OperationError(`no VM ${vm} in the experiment's cluster ${this.options.cluster} (VMs: ${this.options.description.vms.map((v) => v.name).join(', ')}); nothing was sent`);
    }
    return found.name;
  }

  /** Where the VM ran when last seen (the last poll, else the description). */
  private ownerOf(vm: string): string {
    const seen = this.lastPoll && Object.entries(this.lastPoll.vms).find(([name]) => name.toLowerCase() === vm.toLowerCase());
    return seen?.[1].OwnerNode ?? this.options.description.vms.find((v) => v.name === vm)?.owner ?? '';
  }
}

export function createPowerShellTarget(options: PowerShellTargetOptions): PowerShellTarget {
  return new PowerShellTarget(options);
}

// ---------------------------------------------------------------------------------------------------------
// Dry run

/** One script the dry run would have sent. */
export interface PlannedScript {
  op: string;
  /** It changes the cluster (scripts.ts MUTATING_OPS, or not one of ours). */
  mutating: boolean;
  script: string;
}

/**
 * The dry run's ScriptRunner: runs nothing, spawns nothing; records every script and answers as a healthy
 * cluster would (the poll: every node Up, every VM Running on its owner; a migration: done at once; a
 * setting: the value given in `settings`, else 0 — placeholders, for the plan only).
 */
export class ScriptRecorder implements ScriptRunner {
  private planned: PlannedScript[] = [];

  constructor(
    private readonly description: ClusterDescription,
    private readonly settings: Readonly<Record<string, number>> = {},
  ) {}

  /** The scripts recorded since the last call, in order. */
  take(): PlannedScript[] {
    const taken = this.planned;
    this.planned = [];
    return taken;
  }

  async run(request: ScriptRequest): Promise<string> {
    const op = scripts.scriptOp(request.script);
    this.planned.push({ op: op ?? request.op, mutating: scripts.isMutatingScript(request.script), script: request.script });
    request.sent?.();
    const d = this.description;
    const header = headerValues(request.script);
    switch (op) {
      case 'poll':
        return JSON.stringify({
          nodes: d.nodes.map((Name) => ({ Name, State: 'Up', StatusInformation: [] })),
          vms: d.vms.map((v) => ({ Name: v.name, State: 'Running', GroupState: 'Online', OwnerNode: v.owner, StatusInformation: [] })),
        });
      case 'events':
        return '[]';
      case 'get-settings':
        return JSON.stringify(Object.fromEntries((header.names ?? []).map((n) => [n, this.settings[n] ?? 0])));
      case 'live-migrate': {
        const vm = header.vm?.[0] ?? '';
        return JSON.stringify({ vm, source: d.vms.find((v) => v.name === vm)?.owner ?? '?', target: header.node?.[0] ?? '', totalMs: 0 });
      }
      case 'suspend-node':
      case 'resume-node':
        return JSON.stringify({ node: header.node?.[0] ?? '', totalMs: 0 });
      case 'read-configuration':
        return JSON.stringify({ sharedStoragePath: null, sharedStoragePathExists: false, hosts: [], vms: d.vms.map((v) => ({ name: v.name, version: v.version ?? '9.0' })), supportedVersions: [] });
      case 'residue':
        return JSON.stringify({ nodes: d.nodes.map((Name) => ({ Name, State: 'Up', StatusInformation: [] })), firewallRules: [], tasks: [], settings: {}, unchecked: [] });
      default:
        return '{}';
    }
  }

  async close(): Promise<void> {}
}

/** `$name = 'a'` / `$name = @('a', 'b')` header lines → name → the strings (verbatim literals undone). */
function headerValues(script: string): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const line of script.split('\n')) {
    if (line === '') break;
    const m = /^\$([A-Za-z]+) = (.*)$/.exec(line);
    if (!m) continue;
    values[m[1]!] = [...m[2]!.matchAll(/['\u2018\u2019\u201A\u201B]((?:[^'\u2018\u2019\u201A\u201B]|(['\u2018\u2019\u201A\u201B])\2)*)['\u2018\u2019\u201A\u201B]/g)].map((q) =>
      q[1]!.replace(/(['\u2018\u2019\u201A\u201B])\1/g, '$1'),
    );
  }
  return values;
}

export interface DryRunTargetOptions {
  cluster: string;
  description: ClusterDescription;
  runTag: string;
  log: Logger;
  /** What get-settings answers (placeholders; 0 for a name not given). */
  settings?: Record<string, number>;
  settingNames?: readonly string[];
}

/**
 * A PowerShellTarget for `--dry-run`: the very same code builds every script, but a ScriptRecorder takes
 * them instead of PowerShell (nothing is spawned, nothing is sent), and sleep() does not wait. Drive it like
 * the real target — e.g. `fault.inject(target, params, context)` / `fault.revert(target, params)` for each
 * step — and print `recorder.take()` after each step.
 */
export function createDryRunTarget(options: DryRunTargetOptions): { target: PowerShellTarget; recorder: ScriptRecorder } {
  const recorder = new ScriptRecorder(options.description, options.settings);
  const target = new PowerShellTarget({
    cluster: options.cluster,
    description: options.description,
    runTag: options.runTag,
    log: options.log,
    ...(options.settingNames ? { settingNames: options.settingNames } : {}),
    runner: () => recorder,
    instantSleep: true,
  });
  return { target, recorder };
}
