import type { Logger } from 'pino';
import type { ClusterDescription, ClusterTimeZone, LiveMigrationTransport, Millis, StorageDescription } from '../../trace/records.js';
import { volumesOf } from '../../trace/storage.js';
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
  parseConnect,
  parseDrain,
  parseEvents,
  parseLiveMigration,
  parsePoll,
  parsePower,
  parseRestart,
  parseResidue,
  parseSetSettings,
  parseSetVmSetting,
  parseSettings,
  parseVmSettings,
  PowerShellReadError,
  toClusterEvent,
  type ConnectAnswer,
  type NodeFacts,
  type RawEvent,
  type Residue,
} from './parse.js';
import * as scripts from './scripts.js';
import { UnsafeValueError } from './quote.js';
import { ANSWER_BEGIN, ANSWER_END } from './parse.js';
import { PowerShellSession, resolveCredential, type Credential, type CredentialSource, type ScriptRequest, type ScriptRunner } from './session.js';

export { PowerShellSession, SESSION_SETUP_SCRIPT, DEFAULT_TIMEOUT_MS, resolveCredential, sessionSetupScript, defaultExecutable, MODULE_MANIFEST } from './session.js';
export type { Credential, CredentialSource, ScriptRequest, ScriptRunner, SessionOptions } from './session.js';
export { PowerShellOutputError, PowerShellReadError, ANSWER_BEGIN, ANSWER_END, type Residue, type ConnectAnswer, type NodeFacts } from './parse.js';
export { MUTATING_OPS, READ_ONLY_OPS, scriptOp, isMutatingScript, type ScriptOp } from './scripts.js';
export { UnsafeValueError } from './quote.js';

export { DEFAULT_SETTING_NAMES } from './scripts.js';

/** How long an operation that moves VMs (Stop-ClusterNode, a drain or failback without a timeout) may take. */
export const DEFAULT_LONG_TIMEOUT_MS = 30 * 60_000;

/** How long a failback may take to bring the drained VMs back before the transport is restored (review R3). */
export const DEFAULT_FAILBACK_WAIT_MS = 10 * 60_000;

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
  connect: refusing(scripts.connect),
  poll: refusing(scripts.poll),
  events: refusing(scripts.events),
  getSettings: refusing(scripts.getSettings),
  setSettings: refusing(scripts.setSettings),
  getVmSettings: refusing(scripts.getVmSettings),
  setVmSettings: refusing(scripts.setVmSettings),
  holdDownClusterService: refusing(scripts.holdDownClusterService),
  killClusterService: refusing(scripts.killClusterService),
  startClusterService: refusing(scripts.startClusterService),
  stopClusterNode: refusing(scripts.stopClusterNode),
  startClusterNode: refusing(scripts.startClusterNode),
  isolateNetwork: refusing(scripts.isolateNetwork),
  restoreNetwork: refusing(scripts.restoreNetwork),
  failWitness: refusing(scripts.failWitness),
  restoreWitness: refusing(scripts.restoreWitness),
  failStorage: refusing(scripts.failStorage),
  restoreStorage: refusing(scripts.restoreStorage),
  liveMigrate: refusing(scripts.liveMigrate),
  cancelLiveMigration: refusing(scripts.cancelLiveMigration),
  suspendNode: refusing(scripts.suspendNode),
  resumeNode: refusing(scripts.resumeNode),
  residue: refusing(scripts.residue),
  readConfiguration: refusing(scripts.readConfiguration),
  powerOffNode: refusing(scripts.powerOffNode),
  powerOnNode: refusing(scripts.powerOnNode),
  powerState: refusing(scripts.powerState),
  restartNode: refusing(scripts.restartNode),
};

/** How long a BMC or an outer Hyper-V host may take to report the power as asked (the module's own bound). */
export const POWER_SWITCH_MS = 60_000;

/** Event records are asked for again from at least this far back (node clocks differ from ours), then de-duplicated. */
const EVENT_LOOKBACK_MS = 30_000;
/** The brief overlap behind the last record seen on a node. */
const EVENT_OVERLAP_MS = 1_000;
/**
 * Event logs are read at most this often (each read is a round trip to every node: review R2); the checker
 * expects records to reach the trace after the polls that saw their effects (src/check/events.ts).
 */
export const EVENTS_EVERY_MS = 5_000;

/**
 * Where the target's time comes from: the management host's clock (a real cluster), or the rehearsal lab's
 * virtual clock. `epochMs` is the management host's wall clock; `after` calls back once that much time passed.
 */
export interface TargetClock {
  epochMs(): number;
  /** Wait `ms`, or until `signal` aborts (then at once). */
  sleep(ms: Millis, signal?: AbortSignal): Promise<void>;
  after(ms: Millis, callback: () => Promise<void>): { cancel(): void };
  /** Run activities at once (Target.concurrently); absent: Promise.allSettled, as on the wall clock. */
  concurrently?<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]>;
}

/** The real clock: Date.now() at the start, then a monotonic timer (a clock step mid-run does not move our times). */
export function wallClock(): TargetClock {
  const startEpoch = Date.now();
  const startPerf = performance.now();
  return {
    epochMs: () => startEpoch + (performance.now() - startPerf),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
      }),
    after(ms, callback) {
      const timer = setTimeout(() => void callback(), ms);
      return { cancel: () => clearTimeout(timer) };
    },
  };
}

/**
 * The round trips of one session: `main` for polls, reads and short operations; `side` to cancel a migration
 * while it runs; `op-<n>` for an operation that runs long (a live migration, a drain, a failback,
 * Stop-ClusterNode), one session each while in flight, so that the polls go on in `main` meanwhile.
 */
export type SessionRole = 'main' | 'side' | `op-${number}`;

export interface PowerShellTargetOptions {
  /** The cluster's name (`-Cluster`). */
  cluster: string;
  /** The cluster as the experiment describes it: nodes and VMs outside it are refused before anything is sent. */
  description: ClusterDescription;
  /** The PowerShell executable; default: defaultExecutable() (session.ts). */
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
  /** Instead of PowerShell sessions: what runs the scripts of each session (the dry run's recorder; the rehearsal lab's sessions). */
  runner?: (role: SessionRole) => ScriptRunner;
  /** The clock (default the wall clock; the rehearsal lab gives its virtual one). */
  clock?: TargetClock;
  /** sleep() returns at once and now() jumps ahead instead (the dry run: nothing to wait for). */
  instantSleep?: boolean;
  /** How each node's power is switched (the allowlist's `power:`); a node without one cannot be powered off or on. */
  power?: Readonly<Record<string, scripts.NodePower>>;
}

/** Observation cost: every poll's round trip on the target's clock (review R2). */
export interface PollCost {
  polls: number;
  failed: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

/**
 * A real Hyper-V failover cluster behind the Target seam, through one long-lived PowerShell session
 * (session.ts) that imports the ClusterChaos module: each operation is one call of a module function
 * (scripts.ts, values quoted by quote.ts, never spliced), whose framed JSON answer parse.ts checks strictly.
 *
 * Time is the clock's (the wall clock on a real cluster): now() counts from construction. Observations are
 * dated where the cluster side sampled them; event records by their TimeCreated on the node, less the
 * node's clock offset measured at first contact (review R15).
 */
export class PowerShellTarget implements Target {
  readonly kind = 'powershell' as const;
  private readonly address: scripts.ClusterAddress;
  private readonly clock: TargetClock;
  private readonly startEpochMs: number;
  private readonly timeoutMs: Millis;
  private readonly longTimeoutMs: Millis;
  private readonly session: ScriptRunner;
  /** A second session, made when needed, for what cannot wait behind the first (cancelling a migration). */
  private side: ScriptRunner | undefined;
  /** The sessions of long operations (`op-<n>`), and those of them not in use now. */
  private readonly opSessions: ScriptRunner[] = [];
  private readonly idleOps: ScriptRunner[] = [];
  private readonly makeRunner: (role: SessionRole) => ScriptRunner;
  private credential: Promise<Credential | undefined> | undefined;
  private lastPoll: Poll | undefined;
  /** What first contact read; the nodes' clock offsets. */
  private contact: ConnectAnswer | undefined;
  private readonly offsets = new Map<string, number>();
  /** Events: the newest record seen per node (our clock), when the last query was sent, and what was seen lately. */
  private readonly lastEventAt = new Map<string, number>();
  private lastEventsQueryAt: number | undefined;
  private seenEvents = new Map<string, number>();
  private readonly reported = new Set<string>();
  /** The VMs each node had when it was drained: the failback brings them back (review R3). */
  private readonly drained = new Map<string, string[]>();
  /** clussvc's start type on a node before a hold-down changed it (review N3). */
  private readonly startTypes = new Map<string, string>();
  private readonly pollCosts: number[] = [];
  /** Each host's live-migration transport when first read (the residue scan compares). */
  private transportsBefore: Record<string, string> | undefined;
  private failedPolls = 0;
  /** Time skipped by instant sleeps (dry run). */
  private skippedMs = 0;

  constructor(private readonly options: PowerShellTargetOptions) {
    this.address = { cluster: options.cluster };
    this.clock = options.clock ?? wallClock();
    this.startEpochMs = this.clock.epochMs();
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
    this.session = this.makeRunner('main');
  }

  describe(): ClusterDescription {
    return this.options.description;
  }

  now(): Millis {
    return Math.round(this.clock.epochMs() - this.startEpochMs + this.skippedMs);
  }

  /** The management host's clock now, epoch ms (for looking back at the cluster's event logs). */
  epochMs(): number {
    return this.clock.epochMs() + this.skippedMs;
  }

  async sleep(ms: Millis, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!(ms > 0) || options.signal?.aborted) return;
    if (this.options.instantSleep) this.skippedMs += ms;
    else await this.clock.sleep(ms, options.signal);
  }

  /**
   * Activities at once: the polls of the runner in `main` while a long operation waits in a session of its own
   * (`op-<n>`); on the lab's clock each is a participant of the co-simulation.
   */
  concurrently<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    if (this.clock.concurrently) return this.clock.concurrently(activities);
    return Promise.allSettled(activities.map((a) => a()));
  }

  /**
   * First contact, read-only: one remote session per node (kept for the run), each node's Windows version,
   * language mode, clock offset and clussvc recovery delay. Called before anything is changed.
   */
  async connect(): Promise<ConnectAnswer> {
    const answer = parseConnect(await this.run(build.connect(this.address, this.options.description.nodes)));
    this.contact = answer;
    for (const n of answer.nodes) if (n.clockOffsetMs !== undefined) this.offsets.set(n.name.toLowerCase(), n.clockOffsetMs);
    return answer;
  }

  /** What first contact read (undefined before connect()). */
  facts(): ConnectAnswer | undefined {
    return this.contact;
  }

  /** The cluster's time zone: the first node's that first contact could read it on. */
  timeZone(): ClusterTimeZone | undefined {
    return this.contact?.nodes.find((n) => n.timeZone)?.timeZone;
  }

  /** Every poll's cost so far (review R2). */
  pollCost(): PollCost {
    const sorted = [...this.pollCosts].sort((a, b) => a - b);
    const at = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    return { polls: sorted.length, failed: this.failedPolls, medianMs: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? 0 };
  }

  async poll(): Promise<Poll> {
    const began = this.now();
    let poll: Poll;
    try {
      poll = parsePoll(await this.run(build.poll(this.address)), (epoch) => Math.round(epoch - this.startEpochMs));
    } catch (e) {
      this.failedPolls++;
      throw e;
    }
    if (this.pollCosts.length < 100_000) this.pollCosts.push(this.now() - began);
    this.lastPoll = poll;
    return poll;
  }

  /**
   * Records since the previous collection, oldest first, at most every EVENTS_EVERY_MS unless `now`. One query for every node from the earliest point any
   * node still needs (its newest record less a second, or — for a node with none — the previous query less
   * EVENT_LOOKBACK_MS), on the nodes' own clocks, filtered in UTC on the node (review B2); then, here, any
   * record from before that point is dropped (a filter that went wrong cannot replay old records into the
   * trace) and the rest de-duplicated by node, log, id, time and message. A failed query is logged and yields
   * nothing: the next one covers its time again.
   */
  async collectEvents(options: { now?: boolean } = {}): Promise<ClusterEvent[]> {
    if (!options.now && this.lastEventsQueryAt !== undefined && this.epochMs() - this.lastEventsQueryAt < EVENTS_EVERY_MS) return [];
    const nodes = this.options.description.nodes;
    const floor = this.lastEventsQueryAt === undefined ? this.startEpochMs : Math.max(this.startEpochMs, this.lastEventsQueryAt - EVENT_LOOKBACK_MS);
    const since = Math.min(
      ...nodes.map((node) => {
        const last = this.lastEventAt.get(node);
        return Math.max(last === undefined ? -Infinity : last - EVENT_OVERLAP_MS, floor);
      }),
    );
    const queriedAt = this.epochMs();
    let answer;
    try {
      answer = parseEvents(await this.run(build.events(this.address, nodes, new Date(since + Math.min(0, ...this.offsets.values())).toISOString())));
    } catch (e) {
      this.once(`could not collect event-log records (will try again at the next poll): ${(e as Error).message}`);
      return [];
    }
    for (const f of answer.failures) this.once(`could not read the event logs of ${f.node} (will try again): ${f.message}`);
    for (const n of answer.unreachable) this.once(`could not reach ${n} for its event logs (will try again at the next poll)`);
    this.lastEventsQueryAt = queriedAt;
    const fresh: ClusterEvent[] = [];
    for (const e of answer.records) {
      const node = nodes.find((n) => n.toLowerCase() === e.node.toLowerCase()) ?? e.node;
      const at = e.at - this.offsetOf(node);
      if (at < since - EVENT_OVERLAP_MS) continue;
      const key = JSON.stringify([e.node.toLowerCase(), e.log, e.id, e.at, e.message]);
      if (this.seenEvents.has(key)) continue;
      this.seenEvents.set(key, at);
      this.lastEventAt.set(node, Math.max(this.lastEventAt.get(node) ?? -Infinity, at));
      fresh.push(toClusterEvent({ ...e, node }, this.startEpochMs, this.offsetOf(node)));
    }
    // forget what no later query can return again
    for (const [key, at] of this.seenEvents) if (at < since - EVENT_OVERLAP_MS) this.seenEvents.delete(key);
    return fresh;
  }

  /** Read-only, one round trip: SharedStoragePath and whether it exists, host settings, VM versions and storage. */
  async readConfiguration(): Promise<ClusterConfiguration> {
    const configuration = parseConfiguration(await this.run(build.readConfiguration(this.address)));
    this.transportsBefore ??= Object.fromEntries(configuration.hosts.map((h) => [h.node, h.transport]));
    return configuration;
  }

  /**
   * Read-only: every node's event-log records since then (management host's clock, epoch ms), for what the
   * cluster did before the run (prior-exits.ts reads its removals). Times are on our clock (offsets taken out).
   */
  async eventsSince(sinceEpochMs: number): Promise<{ node: string; id: number; at: number; time: string; message: string; data: string[] }[]> {
    const answer = parseEvents(await this.run(build.events(this.address, this.options.description.nodes, new Date(sinceEpochMs + Math.min(0, ...this.offsets.values())).toISOString())));
    if (answer.failures.length || answer.unreachable.length) {
      const missing = [...answer.failures.map((f) => `${f.node} (${f.message})`), ...answer.unreachable.map((n) => `${n} (unreachable)`)];
      throw new PowerShellReadError(`events: could not read the event logs of ${missing.join(', ')}`);
    }
    return answer.records.map((e: RawEvent) => ({ ...e, at: e.at - this.offsetOf(e.node) })).filter((e) => e.at >= sinceEpochMs);
  }

  /** The cluster's properties: the default names and the experiment's; a property the cluster lacks is left out (review B4). */
  async getSettings(): Promise<ClusterSettingValues> {
    const names = scripts.settingNamesRead(this.options.settingNames ?? []);
    const values = parseSettings(await this.run(build.getSettings(this.address, names)), names);
    return Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => e[1] !== null));
  }

  async setSettings(values: ClusterSettingValues): Promise<void> {
    if (Object.keys(values).length === 0) return;
    const after = parseSetSettings(await this.run(build.setSettings(this.address, values)), values);
    const wrong = Object.keys(values).filter((k) => after[k] !== values[k]);
    if (wrong.length) {
      // the module reads back and refuses this itself; a mismatch here means its answer cannot be trusted
      throw new OperationUnknownError(`set-settings: the cluster reports ${wrong.map((k) => `${k} = ${after[k]}`).join(', ')} after it was set to ${wrong.map((k) => values[k]).join(', ')}`);
    }
  }

  async vmResiliencyPeriods(vms: readonly string[]): Promise<Record<string, number>> {
    const found = parseVmSettings(await this.run(build.getVmSettings(this.address, vms.map((v) => this.vm(v)))));
    return Object.fromEntries(found.map((v) => [this.vm(v.name), v.resiliencyPeriod]));
  }

  async setVmResiliencyPeriod(vm: string, seconds: number): Promise<void> {
    const v = this.vm(vm);
    const r = parseSetVmSetting(await this.run(build.setVmSettings(this.address, v, seconds)));
    if (r.value !== seconds) throw new OperationUnknownError(`set-vm-settings: the group ${r.group} of ${v} reports ResiliencyPeriod ${r.value} after it was set to ${seconds}`);
  }

  async killClusterService(node: string, options: KillClusterServiceOptions = {}): Promise<void> {
    const n = this.node(node);
    if (options.holdDownMs !== undefined && options.holdDownMs > 0) {
      const answer = await this.acknowledged(build.holdDownClusterService(this.address, n, Math.round(options.holdDownMs)));
      if (typeof answer.startType === 'string' && answer.startType) this.startTypes.set(n, answer.startType);
    } else {
      await this.acknowledged(build.killClusterService(this.address, n));
    }
  }

  async startClusterService(node: string): Promise<void> {
    const n = this.node(node);
    const startType = this.startTypes.get(n);
    await this.acknowledged(build.startClusterService(this.address, n, startType ? { startType } : {}));
    this.startTypes.delete(n);
  }

  async stopClusterNode(node: string): Promise<void> {
    // Stop-ClusterNode drains the node's roles first: it may take as long as a drain.
    await this.acknowledged(build.stopClusterNode(this.address, this.node(node)), this.longTimeoutMs, 'long');
  }

  async startClusterNode(node: string, options: { clearQuarantine?: boolean } = {}): Promise<void> {
    await this.acknowledged(build.startClusterNode(this.address, this.node(node), { clearQuarantine: options.clearQuarantine === true }));
  }

  /** Cut the node's power through its BMC (Redfish ForceOff) or the outer Hyper-V host (Stop-VM -TurnOff): resolves once it reads Off. */
  async powerOffNode(node: string): Promise<void> {
    const n = this.node(node);
    const answer = parsePower(await this.run(build.powerOffNode(this.address, n, this.powerOf(n)), { timeoutMs: POWER_SWITCH_MS + this.timeoutMs }), 'power-off-node');
    if (answer.requestedAt === undefined) this.options.log.warn(`${n} was already powered off (its ${answer.via} power control read Off): nothing was done`);
  }

  /** Power the node on (Redfish On, or Start-VM on the outer host), idempotent: resolves once it reads On, not when the node has joined. */
  async powerOnNode(node: string): Promise<void> {
    const n = this.node(node);
    parsePower(await this.run(build.powerOnNode(this.address, n, this.powerOf(n)), { timeoutMs: POWER_SWITCH_MS + this.timeoutMs }), 'power-on-node');
  }

  /**
   * Restart-Computer -ComputerName <node> -Force, then the module waits until Get-ClusterNode shows the node
   * gone and back (Up or Paused), at most `timeoutMs` (default 30 min); past it the outcome is unknown.
   */
  async restartNode(node: string, options: { timeoutMs?: Millis } = {}): Promise<void> {
    const n = this.node(node);
    const limit = Math.max(1, Math.round(options.timeoutMs ?? this.longTimeoutMs));
    // a session of its own: the polls go on in the main one while the node drains, goes down, boots and rejoins
    parseRestart(await this.runLong(build.restartNode(this.address, n, limit), { timeoutMs: limit + this.timeoutMs }));
  }

  /** Read-only: the node's power as its power control reports it (undefined: the allowlist gives it none). */
  async powerState(node: string): Promise<{ via: string; powerState: string } | undefined> {
    const n = this.node(node);
    const power = this.options.power?.[n];
    if (!power) return undefined;
    const answer = parsePower(await this.run(build.powerState(this.address, n, power)), 'power-state');
    return { via: answer.via, powerState: answer.powerState };
  }

  async isolateNetwork(node: string, options: { peers?: string[]; healAfterMs: number; network?: string }): Promise<void> {
    const peers = options.peers?.map((p) => this.node(p));
    const script = build.isolateNetwork(this.address, this.node(node), {
      ...(peers && peers.length ? { peers } : {}),
      healAfterMs: Math.round(options.healAfterMs),
      tag: this.options.runTag,
      ...(options.network !== undefined ? { network: options.network } : {}),
    });
    await this.acknowledged(script);
  }

  async restoreNetwork(node: string): Promise<void> {
    await this.acknowledged(build.restoreNetwork(this.address, this.node(node), this.options.runTag));
  }

  async failWitness(options: { healAfterMs?: Millis }): Promise<void> {
    // the dead-man is what makes the fault safe on a real cluster: it needs a deadline
    if (options.healAfterMs === undefined) throw new OperationError('fail-witness needs a duration on a real cluster (the rules are removed by a task on each node then); nothing was changed');
    await this.acknowledged(build.failWitness(this.address, { healAfterMs: Math.round(options.healAfterMs), tag: this.options.runTag }));
  }

  async restoreWitness(): Promise<void> {
    await this.acknowledged(build.restoreWitness(this.address, this.options.runTag));
  }

  /**
   * Firewall rules on the node (fail-storage-path) or on every node (fail-storage) blocking the volume's storage
   * traffic — TCP 3260 (iSCSI) to a CSV's target portals, TCP 445 (SMB) to a share's file server — at the addresses
   * the experiment gives the volume (cluster.storage[].address), with a dead-man task on each node (Storage.ps1).
   */
  async failStorage(storage: string, options: { node?: string; healAfterMs: number }): Promise<void> {
    const { volume, key, port } = this.volume(storage);
    const nodes = options.node !== undefined ? [this.node(options.node)] : [...this.options.description.nodes];
    if (!volume.address?.length) {
      throw new OperationError(
        `the volume ${volume.name} has no address in the experiment's cluster.storage: on a real cluster fail-storage blocks its traffic ` +
          `(${volume.kind === 'csv' ? "TCP 3260 to the CSV's iSCSI target portals" : "TCP 445 to the share's file server"}), so it needs ` +
          `address: [<IP>, …] there; nothing was changed`,
      );
    }
    await this.acknowledged(
      build.failStorage(this.address, {
        nodes,
        storage: volume.name,
        addresses: volume.address,
        port,
        key,
        healAfterMs: Math.round(options.healAfterMs),
        tag: this.options.runTag,
      }),
    );
  }

  async restoreStorage(storage: string, options: { node?: string } = {}): Promise<void> {
    const { key } = this.volume(storage);
    const nodes = options.node !== undefined ? [this.node(options.node)] : [...this.options.description.nodes];
    await this.acknowledged(build.restoreStorage(this.address, { nodes, key, tag: this.options.runTag }));
  }

  /** The volume as the description names it, its key in rule and task names and its port (scripts.storageTarget). */
  private volume(storage: string): { volume: StorageDescription; key: string; port: number } {
    const found = scripts.storageTarget(this.options.description, storage);
    if (!found) {
      const names = volumesOf(this.options.description).map((v) => v.name);
      throw new OperationError(`no volume ${JSON.stringify(storage)} in the experiment's cluster ${this.options.cluster} (volumes: ${names.join(', ') || 'none'}); nothing was sent`);
    }
    return found;
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
    const move = this.runLong(script, limit !== undefined ? { timeoutMs: limit + this.timeoutMs } : { timeoutMs: this.longTimeoutMs }).then((output) => {
      const m = parseLiveMigration(output, 'live-migrate');
      // a host left on the transport under test is residue, not a failed migration (review R13)
      for (const e of m.restoreErrors) this.options.log.warn(`live migration of ${v}: a host's own transport could not be put back: ${e}`);
      if (m.owner !== undefined && m.owner.toLowerCase() !== m.target.toLowerCase()) {
        this.options.log.warn(`live migration of ${v} to ${m.target} completed, but its cluster group is owned by ${m.owner} afterwards`);
      }
      return { vm: m.vm, source: m.source, target: m.target, totalMs: m.totalMs, ...(transport ? { transport } : {}) } satisfies LiveMigrationValue;
    });
    // how far it got: where the module says the VM started from, else where it was last seen
    const howFar = (e: OperationError | OperationUnknownError): LiveMigrationValue => {
      const source = (e.value as { source?: unknown } | undefined)?.source;
      return { ...asFar(), ...(typeof source === 'string' && source ? { source } : {}) };
    };
    const withValue = (e: unknown): never => {
      if (e instanceof OperationError) throw new OperationError(e.message, howFar(e));
      if (e instanceof OperationUnknownError) throw new OperationUnknownError(e.message, howFar(e));
      throw e;
    };
    if (limit === undefined) return move.catch(withValue);

    let late!: () => void;
    const lateness = new Promise<'late'>((resolve) => (late = () => resolve('late')));
    let cancelled = '';
    /** The cancel's own round trip, once sent: a move that fails meanwhile is reported with how the cancel ended. */
    let cancelling: Promise<void> = Promise.resolve();
    const within = `did not complete within ${limit / 1000} s`;
    // The cancel is sent from the timer itself, while the move still waits in the main session.
    const timer = this.clock.after(limit, () => {
      late();
      cancelling = (async () => {
        try {
          parseAcknowledgement(await this.sideRunner().run({ op: 'cancel-live-migration', script: build.cancelLiveMigration(this.address, v) }), 'cancel-live-migration');
          cancelled = 'was cancelled';
          this.options.log.warn(`live migration of ${v} to ${target} ${within}; cancelled it`);
        } catch (e) {
          cancelled = `could not be cancelled (${(e as Error).message})`;
          this.options.log.warn(`live migration of ${v} to ${target} ${within} and ${cancelled}`);
        }
      })();
      return cancelling;
    });
    const first = await Promise.race([move.then((value) => ({ value }), (error: unknown) => ({ error })), lateness]);
    if (first !== 'late') {
      timer.cancel();
      if ('error' in first) return withValue(first.error);
      return first.value;
    }
    try {
      // it may still have completed (the cancel came too late: past the blackout)
      return await move;
    } catch (e) {
      // the move ended before the cancel's answer came back: wait for it (its own round trip is bounded)
      await cancelling;
      const reason = (e as Error).message;
      const how = cancelled || 'was being cancelled';
      if (e instanceof OperationError) throw new OperationError(`live migration of ${v} to ${target} ${within} and ${how}: ${reason}`, asFar());
      throw new OperationUnknownError(`live migration of ${v} to ${target} ${within} and ${how}; ${reason}`, asFar());
    }
  }

  async suspendNode(node: string, options: { drain: boolean; timeoutMs?: Millis; transport?: LiveMigrationTransport }): Promise<DrainValue> {
    const n = this.node(node);
    const script = build.suspendNode(this.address, n, { drain: options.drain === true, ...(options.transport ? { transport: options.transport } : {}) });
    const d = await this.drainedBy(script, 'suspend-node', n, options.timeoutMs);
    if (options.drain) this.drained.set(n, d.vms);
    return { node: d.node, totalMs: d.totalMs, migrations: d.migrations };
  }

  async resumeNode(node: string, options: { failback: boolean; timeoutMs?: Millis; transport?: LiveMigrationTransport }): Promise<DrainValue> {
    const n = this.node(node);
    const vms = options.failback ? (this.drained.get(n) ?? []) : [];
    const script = build.resumeNode(this.address, n, {
      failback: options.failback === true,
      ...(options.transport ? { transport: options.transport } : {}),
      ...(vms.length ? { vms, timeoutMs: options.timeoutMs ?? DEFAULT_FAILBACK_WAIT_MS } : {}),
    });
    const d = await this.drainedBy(script, 'resume-node', n, options.timeoutMs);
    this.drained.delete(n);
    if (d.notBack.length) this.options.log.warn(`the failback to ${n} did not bring back ${d.notBack.join(', ')} in time`);
    return { node: d.node, totalMs: d.totalMs, migrations: d.migrations };
  }

  /**
   * The residue scan's look, in one read-only round trip: nodes, this run's firewall rules and tasks
   * (`<node>/<name>`), the named settings' current values, the nodes that could not be asked, each node's
   * clussvc and live-migration transport.
   */
  async residue(o: { tag: string; settings: Record<string, number> }): Promise<Residue & { transportsBefore?: Record<string, string>; power?: { node: string; via: string; powerState: string }[] }> {
    const found = parseResidue(await this.run(build.residue(this.address, { tag: o.tag, settings: o.settings })));
    // a node not back, that the allowlist can power: is it still powered off?
    const power: { node: string; via: string; powerState: string }[] = [];
    for (const n of found.nodes) {
      if (n.State === 'Up' || n.State === 'Paused') continue;
      const node = this.options.description.nodes.find((d) => d.toLowerCase() === n.Name.toLowerCase());
      if (!node || !this.options.power?.[node]) continue;
      try {
        const state = await this.powerState(node);
        if (state) power.push({ node, ...state });
      } catch (e) {
        power.push({ node, via: this.options.power[node]!.kind, powerState: `unreadable (${(e as Error).message})` });
      }
    }
    return { ...found, ...(this.transportsBefore ? { transportsBefore: this.transportsBefore } : {}), ...(power.length ? { power } : {}) };
  }

  async close(): Promise<void> {
    await Promise.all([this.session.close(), this.side?.close(), ...this.opSessions.map((s) => s.close())]);
  }

  // -------------------------------------------------------------------------------------------------------

  private offsetOf(node: string): number {
    return this.offsets.get(node.toLowerCase()) ?? 0;
  }

  private once(message: string): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.options.log.warn(message);
  }

  private async drainedBy(script: string, op: 'suspend-node' | 'resume-node', node: string, timeoutMs: Millis | undefined): Promise<ReturnType<typeof parseDrain>> {
    const output = await this.runLong(script, { timeoutMs: timeoutMs !== undefined ? timeoutMs * 2 + this.timeoutMs : this.longTimeoutMs }).catch((e: unknown) => {
      // a failure's value says how far the drain got (what the module adds, restoreErrors, is in the message)
      if ((e instanceof OperationError || e instanceof OperationUnknownError) && (e.value as { node?: unknown } | undefined)?.node === undefined) {
        const value: DrainValue = { node, totalMs: 0, migrations: [] };
        throw e instanceof OperationError ? new OperationError(e.message, value) : new OperationUnknownError(e.message, value);
      }
      throw e;
    });
    return parseDrain(output, op);
  }

  private async acknowledged(script: string, timeoutMs?: Millis, session: 'main' | 'long' = 'main'): Promise<Record<string, unknown>> {
    const op = scripts.scriptOp(script) ?? 'script';
    const extra = timeoutMs !== undefined ? { timeoutMs } : {};
    return parseAcknowledgement(await (session === 'long' ? this.runLong(script, extra) : this.run(script, extra)), op);
  }

  /**
   * One round trip of an operation that runs long, in a session of its own (`op-<n>`, made when none is free,
   * kept for the next), so that the main session stays free for the polls that observe it (issue 14 item 6).
   */
  private async runLong(script: string, extra: Omit<ScriptRequest, 'op' | 'script'> = {}): Promise<string> {
    let session = this.idleOps.pop();
    if (!session) {
      const role: SessionRole = `op-${this.opSessions.length + 1}`;
      session = this.makeRunner(role);
      this.opSessions.push(session);
    }
    try {
      return await session.run({ op: scripts.scriptOp(script) ?? 'script', script, ...extra });
    } finally {
      this.idleOps.push(session);
    }
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
    this.side ??= this.makeRunner('side');
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

  /** The node's power control; a node the allowlist gives none is refused before anything is sent. */
  private powerOf(node: string): scripts.NodePower {
    const power = this.options.power?.[node];
    if (!power) {
      throw new OperationError(
        `no power control for ${node}: the allowlist's entry for ${this.options.cluster} has no power: ${node}: (a Redfish BMC, or the outer Hyper-V host and its VM); nothing was sent`,
      );
    }
    return power;
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

export type { NodeFacts as PowerShellNodeFacts };

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
    return `${ANSWER_BEGIN}\n${JSON.stringify(this.answer(op, request.script))}\n${ANSWER_END}`;
  }

  private answer(op: scripts.ScriptOp | undefined, script: string): unknown {
    const d = this.description;
    const values = callValues(script);
    const at = new Date().toISOString();
    switch (op) {
      case 'connect':
        return { psVersion: '', edition: '', failoverClusters: '', nodes: d.nodes.map((name) => ({ name, reached: true, clockOffsetMs: 0 })) };
      case 'poll':
        return {
          nodesAt: at,
          groupsAt: at,
          nodes: d.nodes.map((Name) => ({ Name, State: 'Up', StatusInformation: [] })),
          vms: d.vms.map((v) => ({ Name: v.name, Group: v.name, State: 'Running', GroupState: 'Online', OwnerNode: v.owner, StatusInformation: [] })),
          unreachable: [],
        };
      case 'events':
        return { records: [], unreachable: [], failures: [] };
      case 'get-settings':
        return { values: Object.fromEntries((values.Name ?? []).map((n) => [n, this.settings[n] ?? 0])) };
      case 'set-settings': {
        const names = values.Name ?? [];
        return { values: Object.fromEntries(names.map((n, i) => [n, Number(values.Value?.[i] ?? 0)])) };
      }
      case 'get-vm-settings':
        return { vms: (values.Vm ?? []).map((name) => ({ name, group: name, resiliencyPeriod: 0 })) };
      case 'set-vm-settings':
        return { name: values.Vm?.[0] ?? '', group: values.Vm?.[0] ?? '', previous: 0, value: Number(values.ResiliencyPeriod?.[0] ?? 0) };
      case 'live-migrate': {
        const vm = values.Vm?.[0] ?? '';
        return { vm, group: vm, source: d.vms.find((v) => v.name === vm)?.owner ?? '?', target: values.Node?.[0] ?? '', totalMs: 0, startedAt: at, endedAt: at, restoreErrors: [] };
      }
      case 'suspend-node':
      case 'resume-node':
        return { node: values.Node?.[0] ?? '', totalMs: 0, vms: [], notBack: [] };
      case 'read-configuration':
        return { sharedStoragePath: null, sharedStoragePathExists: false, hosts: [], vms: d.vms.map((v) => ({ name: v.name, version: v.version ?? '9.0' })), supportedVersions: [] };
      case 'power-off-node':
      case 'power-on-node':
      case 'power-state': {
        const powerState = op === 'power-off-node' ? 'Off' : 'On';
        return { node: values.Node?.[0] ?? '', via: values.Redfish ? 'redfish' : 'hyperv', before: powerState === 'Off' ? 'On' : 'Off', powerState, requestedAt: at, at };
      }
      case 'restart-node':
        return { node: values.Node?.[0] ?? '', requestedAt: at, leftAt: at, backAt: at, state: 'Up', totalMs: 0 };
      case 'residue':
        return { nodes: d.nodes.map((Name) => ({ Name, State: 'Up', StatusInformation: [] })), firewallRules: [], tasks: [], settings: {}, unchecked: [], services: [], transports: [] };
      default:
        return { at };
    }
  }

  async close(): Promise<void> {}
}

/**
 * A call's values by parameter: `-Name 'a'` / `-Name @('a', 'b')` / `-Name (ConvertFrom-ClusterChaosBase64 '…')`
 * → the strings (verbatim literals undone, base64 decoded), `-Name 60` → '60'. For the dry run's answers only.
 */
function callValues(script: string): Record<string, string[]> {
  const line = script.split('\n')[1] ?? '';
  const values: Record<string, string[]> = {};
  const quoted = String.raw`(?:\(ConvertFrom-ClusterChaosBase64 '([A-Za-z0-9+/=]*)'\)|['\u2018\u2019\u201A\u201B]((?:[^'\u2018\u2019\u201A\u201B]|(?:['\u2018\u2019\u201A\u201B]){2})*)['\u2018\u2019\u201A\u201B]|(-?\d+))`;
  for (const m of line.matchAll(new RegExp(String.raw`-([A-Za-z]+)(?::\$true| (@\((?:[^()]|\([^()]*\))*\)|\S+))`, 'g'))) {
    const text = m[2] ?? '';
    values[m[1]!] = [...text.matchAll(new RegExp(quoted, 'g'))].map((q) =>
      q[1] !== undefined ? Buffer.from(q[1], 'base64').toString('utf8') : q[2] !== undefined ? q[2].replace(/(['\u2018\u2019\u201A\u201B])\1/g, '$1') : q[3]!,
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
