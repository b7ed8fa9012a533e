import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createSimTarget, type SimTarget, type SimulatorSpec } from '../../src/targets/sim/index.js';
import { OperationError, type ClusterEvent } from '../../src/targets/target.js';
import type { ClusterDescription, LiveMigrationTransport } from '../../src/trace/records.js';
import { computerNotFound, groupNotFound, nodeNotFound, propertyNotFound } from './ps-errors.js';

/** What FAKE_PWSH_CLUSTER names: the cluster the fake pwsh serves, and how its simulator behaves. */
export interface ClusterFixture {
  cluster: ClusterDescription;
  simulator: SimulatorSpec;
  seed: number;
  defects?: string[];
  /** Cluster properties that differ from the defaults when the fake starts (the lab's own configuration). */
  settings?: Record<string, number>;
}

/** An exception inside a script's body: its catch block writes `clusterchaos <op>: <message>` to stderr. */
export class PsCommandError extends Error {}

export type Values = Record<string, unknown>;

/** What one command printed: the projection ConvertTo-Json serialises (undefined: no output at all). */
export type Answer = unknown;

/**
 * Get-Cluster properties of a Windows Server 2022 cluster that the simulator does not model, with their
 * defaults [PSDOC-GC], [ITPRO-HB]: read as the cluster reports them.
 */
const otherClusterProperties: Record<string, number> = {
  CrossSubnetDelay: 1000,
  CrossSubnetThreshold: 20,
  CrossSiteDelay: 1000,
  CrossSiteThreshold: 20,
  DrainOnShutdown: 1,
  ClusterFunctionalLevel: 11,
  SetSMBBandwidthLimit: 0,
  SMBBandwidthLimitFactor: 2500,
};

/** The simulator's own knobs: not Get-Cluster properties on a real cluster (reading one is an error there). */
const simulatorOnly = new Set(['MaxQuarantinedPercent', 'QuarantineAtCap', 'MinimumResilientVmVersion', 'MaximumVirtualMachineMigrations']);

interface Rule {
  node: string;
  tag: string;
  names: string[];
  task: string;
  /** Sim time at which the node's dead-man task removes the rules. */
  expiresAt: number;
}

interface HoldDown {
  node: string;
  task: string;
  expiresAt: number;
}

/** One line of the state file: what every session of the fake shares. */
type StateLine =
  | { kind: 'epoch'; wallMs: number }
  | { kind: 'op'; at: number; op: string; values: Values }
  | { kind: 'fault'; name: string };

/**
 * The cluster behind the fake pwsh: the repository's simulator running in real time. Before every command
 * its clock catches up with the wall time since the cluster "booted" (the first session's start). Sessions
 * come and go (a pwsh dies, the target opens a new one) but the cluster stays: every mutating command is
 * appended to a state file with the virtual time it ran at, and a new session replays them (the simulator
 * is deterministic for a seed and a sequence of timed calls), so it sees the cluster as the last one left it.
 */
export class RealTimeCluster {
  readonly sim: SimTarget;
  readonly epochWallMs: number;
  private readonly eventLog: ClusterEvent[] = [];
  private readonly rules = new Map<string, Rule>();
  private readonly holdDowns = new Map<string, HoldDown>();
  /** Get-Cluster properties the simulator does not model, as set on this cluster. */
  private readonly otherProperties: Record<string, number> = { ...otherClusterProperties };
  /** How often each injected fault already fired (shared by every session through the state file). */
  readonly faultsFired = new Map<string, number>();
  private replaying = false;
  /** The mutating ops this cluster has received in its life (every session's). */
  readonly opsSeen = new Set<string>();

  private constructor(
    readonly fixture: ClusterFixture,
    private readonly stateFile: string | undefined,
    epochWallMs: number | undefined,
    /** Virtual milliseconds per wall millisecond (1 = real time). */
    readonly timeScale: number,
  ) {
    this.epochWallMs = epochWallMs ?? Date.now();
    if (epochWallMs === undefined) this.persist({ kind: 'epoch', wallMs: this.epochWallMs });
    this.sim = createSimTarget({
      cluster: fixture.cluster,
      simulator: fixture.simulator,
      seed: fixture.seed,
      defects: fixture.defects ?? [],
      epoch: new Date(this.epochWallMs).toISOString(),
    });
  }

  /** The cluster as the previous sessions left it (replayed from the state file), or a new one. */
  static async open(fixture: ClusterFixture, stateFile: string | undefined, timeScale = 1): Promise<RealTimeCluster> {
    const lines = stateFile && existsSync(stateFile) ? readState(stateFile) : [];
    const epoch = lines.find((l): l is Extract<StateLine, { kind: 'epoch' }> => l.kind === 'epoch');
    const cluster = new RealTimeCluster(fixture, stateFile, epoch?.wallMs, timeScale);
    if (fixture.settings) await cluster.sim.setSettings(fixture.settings);
    cluster.replaying = true;
    for (const line of lines) {
      if (line.kind === 'fault') cluster.faultsFired.set(line.name, (cluster.faultsFired.get(line.name) ?? 0) + 1);
      if (line.kind !== 'op') continue;
      cluster.opsSeen.add(line.op);
      await cluster.advanceTo(line.at);
      // the outcome was already answered by the session that ran it; only the cluster's state matters here
      await cluster.apply(line.op, line.values).catch(() => undefined);
    }
    cluster.replaying = false;
    return cluster;
  }

  /**
   * Milliseconds of the cluster's time since it booted: the wall clock's, times the time scale. (With a
   * scale above 1 the nodes' clocks, and so their event times, run ahead of the wall clock.)
   */
  wallNow(): number {
    return (Date.now() - this.epochWallMs) * this.timeScale;
  }

  /** Let the simulator's clock catch up with the wall clock (it never runs backwards). */
  async catchUp(): Promise<void> {
    await this.advanceTo(this.wallNow());
  }

  /** How many wall milliseconds the simulator ran ahead of the wall clock (a migration it completed in virtual time). */
  aheadMs(): number {
    return Math.max(0, this.sim.now() - this.wallNow()) / this.timeScale;
  }

  recordFault(name: string): void {
    this.faultsFired.set(name, (this.faultsFired.get(name) ?? 0) + 1);
    this.persist({ kind: 'fault', name });
  }

  /** Run a mutating command on the cluster and remember it for the sessions to come. */
  async mutate(op: string, values: Values): Promise<Answer> {
    this.persist({ kind: 'op', at: this.sim.now(), op, values });
    this.opsSeen.add(op);
    return this.apply(op, values);
  }

  private async advanceTo(t: number): Promise<void> {
    const now = this.sim.now();
    if (t > now) await this.sim.sleep(Math.floor(t - now));
    await this.collect();
  }

  /** Take the simulator's new event-log records, and let the dead-man tasks whose time came run. */
  private async collect(): Promise<void> {
    this.eventLog.push(...(await this.sim.collectEvents()));
    const now = this.sim.now();
    for (const [node, rule] of this.rules) if (rule.expiresAt <= now) this.rules.delete(node);
    for (const [node, hold] of this.holdDowns) if (hold.expiresAt <= now) this.holdDowns.delete(node);
  }

  private persist(line: StateLine): void {
    if (this.stateFile && !this.replaying) appendFileSync(this.stateFile, JSON.stringify(line) + '\n');
  }

  // ---- read-only commands -------------------------------------------------------------------------------

  /** Get-ClusterNode; Get-ClusterGroup (VirtualMachine) with Get-VM's State on the owner. */
  async poll(): Promise<Answer> {
    const p = await this.sim.poll();
    return {
      nodes: Object.entries(p.nodes).map(([Name, n]) => ({ Name, State: n.State, StatusInformation: [...n.StatusInformation] })),
      vms: Object.entries(p.vms).map(([Name, v]) => ({
        Name,
        State: v.State,
        GroupState: v.GroupState,
        OwnerNode: v.OwnerNode,
        StatusInformation: [...v.StatusInformation],
      })),
    };
  }

  /**
   * Get-WinEvent on each node (Invoke-Command), with the events script's filters: the FailoverClustering
   * provider's records in System, the service control manager's crash reports (7024, 7031, 7034) and the
   * Hyper-V admin logs; all nodes' records sorted by time (the script's Sort-Object), `node` = the name the
   * script asked for (PSComputerName).
   */
  async events(nodes: string[], sinceIso: string, timeFormat: (iso: string) => string): Promise<Answer> {
    await this.collect();
    const since = Date.parse(sinceIso);
    if (Number.isNaN(since)) throw new PsCommandError(`Exception calling "Parse" with "3" argument(s): "String '${sinceIso}' was not recognized as a valid DateTime."`);
    const out: { node: string; log: string; provider: string; id: number; level: string; time: string; message: string; data: string[] }[] = [];
    for (const asked of nodes) {
      if (!this.fixture.cluster.nodes.some((n) => sameName(n, asked))) continue; // unreachable: adds nothing
      for (const e of this.eventLog) {
        if (!sameName(e.node, asked) || Date.parse(e.time) < since || !collected(e)) continue;
        out.push({ node: asked, log: e.log, provider: e.provider, id: e.id, level: e.level, time: timeFormat(e.time), message: e.message, data: insertionStrings(e) });
      }
    }
    if (nodes.length > 0 && !nodes.some((asked) => this.fixture.cluster.nodes.some((n) => sameName(n, asked)))) {
      throw new PsCommandError(`no node could be reached: ${nodes.map(computerNotFound).join('; ')}`);
    }
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  /** (Get-Cluster).<name> for each name, as integers; a name the cluster object lacks is an error. */
  async getSettings(names: string[]): Promise<Answer> {
    return this.readSettings(names);
  }

  private async readSettings(names: string[]): Promise<Record<string, number>> {
    const sim = await this.sim.getSettings();
    const out: Record<string, number> = {};
    for (const name of names) {
      const property = clusterProperty(sim, this.otherProperties, name);
      if (property === undefined) throw new PsCommandError(`the cluster has no property ${name}`);
      out[property[0]] = property[1];
    }
    return out;
  }

  /** Nodes, the tag's leftover firewall rules and tasks (`<node>/<name>`), and the settings asked for. */
  async residue(tag: string, names: string[]): Promise<Answer> {
    await this.collect();
    const p = await this.sim.poll();
    const rules = [...this.rules.values()].filter((r) => r.tag === tag);
    return {
      nodes: Object.entries(p.nodes).map(([Name, n]) => ({ Name, State: n.State, StatusInformation: [...n.StatusInformation] })),
      firewallRules: rules.flatMap((r) => r.names.map((n) => `${r.node}/${n}`)),
      tasks: [...rules.map((r) => `${r.node}/${r.task}`), ...[...this.holdDowns.values()].map((h) => `${h.node}/${h.task}`)],
      settings: await this.readSettings(names),
      unchecked: [],
    };
  }

  /**
   * Get-VMHostCluster's SharedStoragePath and Test-Path on it, Get-VMHost per node, Get-VM .Version per
   * clustered VM, Get-VMHostSupportedVersion: the simulator's configuration, in the script's shape.
   */
  async readConfiguration(): Promise<Answer> {
    await this.collect();
    const c = await this.sim.readConfiguration();
    return {
      sharedStoragePath: c.sharedStoragePath?.path ?? '',
      sharedStoragePathExists: c.sharedStoragePath?.exists ?? false,
      hosts: c.hosts.map((h) => ({ ...h })),
      vms: c.vms.map((v) => ({ ...v })),
      supportedVersions: [...c.supportedVersions],
    };
  }

  // ---- mutating commands --------------------------------------------------------------------------------

  private async apply(op: string, v: Values): Promise<Answer> {
    const node = (): string => this.member(op, str(v, 'node'));
    switch (op) {
      case 'set-settings': {
        const names = list(v, 'names');
        const values = v.values;
        if (!Array.isArray(values) || values.length !== names.length) throw new Error(`set-settings: $names and $values differ (${JSON.stringify(v)})`);
        const known = await this.sim.getSettings();
        // (Get-Cluster).Name = value, one after the other: the first bad one stops the rest
        for (const [i, name] of names.entries()) {
          const property = clusterProperty(known, this.otherProperties, name);
          if (property === undefined) throw new PsCommandError(propertyNotFound(name));
          if (!(property[0] in known)) {
            this.otherProperties[property[0]] = Number(values[i]); // a real property the simulator does not model
            continue;
          }
          await this.refusals(() => this.sim.setSettings({ [property[0]]: Number(values[i]) }), (m) => `Exception setting "${property[0]}": "${m}"`);
        }
        return undefined;
      }
      case 'kill-clussvc':
        return this.refusals(() => this.sim.killClusterService(node()));
      case 'hold-down-clussvc': {
        const n = node();
        const ms = num(v, 'holdDownMs');
        await this.refusals(() => this.sim.killClusterService(n, { holdDownMs: ms }));
        this.holdDowns.set(n, { node: n, task: HOLD_DOWN_TASK, expiresAt: this.sim.now() + ms });
        return undefined;
      }
      case 'start-clussvc': {
        const n = node();
        this.holdDowns.delete(n);
        return this.refusals(() => this.sim.startClusterService(n));
      }
      case 'stop-cluster-node':
        return this.refusals(() => this.sim.stopClusterNode(node()));
      case 'start-cluster-node':
        return this.refusals(() => this.sim.startClusterNode(node(), { clearQuarantine: bool(v, 'clearQuarantine') }));
      case 'isolate-network': {
        const n = node();
        const peers = list(v, 'peers').filter((p) => p !== '');
        for (const p of peers) {
          if (!this.fixture.cluster.nodes.some((x) => sameName(x, p))) throw new PsCommandError(`no address found for the peer ${p}; nothing was changed`);
        }
        const healAfterMs = num(v, 'healAfterMs');
        const tag = str(v, 'tag');
        const canonical = peers.map((p) => this.fixture.cluster.nodes.find((x) => sameName(x, p))!);
        await this.refusals(() => this.sim.isolateNetwork(n, { ...(canonical.length ? { peers: canonical } : {}), healAfterMs }));
        this.rules.set(n, {
          node: n,
          tag,
          names: ['Inbound-UDP', 'Inbound-TCP', 'Outbound-UDP', 'Outbound-TCP'].map((d) => `${tag}-${d}`),
          task: `${tag}-heal`,
          expiresAt: this.sim.now() + healAfterMs,
        });
        return undefined;
      }
      case 'restore-network': {
        const n = node();
        await this.refusals(() => this.sim.restoreNetwork(n));
        this.rules.delete(n);
        return undefined;
      }
      case 'live-migrate': {
        const vm = this.group(str(v, 'vm'));
        const target = this.member(op, str(v, 'node'));
        const transport = optStr(v, 'transport') as LiveMigrationTransport | undefined;
        const started = this.sim.now();
        const r = await this.refusals(() => this.sim.liveMigrate(vm, target, transport ? { transport } : {}));
        return { vm: str(v, 'vm'), source: r.source, target: r.target, totalMs: Math.round(this.sim.now() - started) };
      }
      case 'cancel-live-migration':
        this.group(str(v, 'vm'));
        return undefined; // the simulator's migrations have ended by the time a command can run
      case 'suspend-node': {
        const n = node();
        const transport = optStr(v, 'transport') as LiveMigrationTransport | undefined;
        const drain = bool(v, 'drain');
        const started = this.sim.now();
        await this.refusals(
          () => this.sim.suspendNode(n, { drain, ...(transport ? { transport } : {}) }),
          (m) => (drain ? `the drain of ${str(v, 'node')} failed (DrainStatus Failed); the node stays Paused` : m),
        );
        return { node: str(v, 'node'), totalMs: Math.round(this.sim.now() - started) };
      }
      case 'resume-node': {
        const n = node();
        const transport = optStr(v, 'transport') as LiveMigrationTransport | undefined;
        const started = this.sim.now();
        await this.refusals(() => this.sim.resumeNode(n, { failback: bool(v, 'failback'), ...(transport ? { transport } : {}) }));
        return { node: str(v, 'node'), totalMs: Math.round(this.sim.now() - started) };
      }
      default:
        throw new Error(`the fake pwsh has no handler for op '${op}'`);
    }
  }

  /** The node as the cluster spells it, or the error the op's first cmdlet raises for a name it does not know. */
  private member(op: string, name: string): string {
    const found = this.fixture.cluster.nodes.find((n) => sameName(n, name));
    if (found) return found;
    throw new PsCommandError(remoteOps.has(op) ? computerNotFound(name) : nodeNotFound(name));
  }

  private group(name: string): string {
    const found = this.fixture.cluster.vms.find((vm) => sameName(vm.name, name));
    if (found) return found.name;
    throw new PsCommandError(groupNotFound(name));
  }

  /** A refusal from the simulator (OperationError) is the cmdlet's exception; anything else is a bug. */
  private async refusals<T>(action: () => Promise<T>, message: (m: string) => string = (m) => m): Promise<T> {
    try {
      return await action();
    } catch (e) {
      if (e instanceof OperationError) throw new PsCommandError(message(e.message));
      throw e;
    }
  }
}

/** Ops whose scripts reach the node with Invoke-Command -ComputerName (a WinRM error for an unknown name). */
const remoteOps = new Set(['kill-clussvc', 'hold-down-clussvc', 'start-clussvc', 'isolate-network', 'restore-network']);

/** The scheduled task hold-down-clussvc registers on a node (scripts.ts HOLD_DOWN_TASK). */
const HOLD_DOWN_TASK = 'clusterchaos-clussvc-holddown';

/**
 * A Get-Cluster property by name (PowerShell property names ignore case): [its own spelling, its value],
 * or undefined when the cluster object has no such property.
 */
function clusterProperty(sim: Record<string, number>, others: Record<string, number>, name: string): [string, number] | undefined {
  if ([...simulatorOnly].some((n) => sameName(n, name))) return undefined;
  const simName = Object.keys(sim).find((k) => sameName(k, name));
  if (simName !== undefined) return [simName, sim[simName]!];
  const other = Object.keys(others).find((k) => sameName(k, name));
  return other === undefined ? undefined : [other, others[other]!];
}

/** What the events script's filters let through (scripts.ts EVENTS). */
function collected(e: ClusterEvent): boolean {
  if (e.log === 'System') {
    return e.provider === 'Microsoft-Windows-FailoverClustering' || (e.provider === 'Service Control Manager' && [7024, 7031, 7034].includes(e.id));
  }
  return ['Microsoft-Windows-Hyper-V-High-Availability-Admin', 'Microsoft-Windows-Hyper-V-Worker-Admin', 'Microsoft-Windows-Hyper-V-VMMS-Admin'].includes(e.log);
}

/** Windows compares node and VM names without regard to case. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function readState(file: string): StateLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as StateLine);
}

// ---- reading the values a script assigns ----------------------------------------------------------------

function pick(v: Values, names: string[]): unknown {
  for (const n of names) {
    const key = Object.keys(v).find((k) => k.toLowerCase() === n.toLowerCase());
    if (key !== undefined) return v[key];
  }
  return undefined;
}

export function str(v: Values, ...names: string[]): string {
  const x = pick(v, names);
  if (typeof x !== 'string') throw new Error(`the script assigns no string $${names[0]} (values: ${JSON.stringify(v)})`);
  return x;
}

export function optStr(v: Values, ...names: string[]): string | undefined {
  const x = pick(v, names);
  return typeof x === 'string' && x !== '' ? x : undefined;
}

export function num(v: Values, ...names: string[]): number {
  const x = pick(v, names);
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`the script assigns no number $${names[0]} (values: ${JSON.stringify(v)})`);
  return x;
}

export function bool(v: Values, ...names: string[]): boolean {
  const x = pick(v, names);
  return x === true;
}

export function optList(v: Values, ...names: string[]): string[] | undefined {
  const x = pick(v, names);
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.map(String);
  throw new Error(`the script assigns no list $${names[0]} (values: ${JSON.stringify(v)})`);
}

export function list(v: Values, ...names: string[]): string[] {
  return optList(v, ...names) ?? [];
}

/**
 * Get-WinEvent's .Properties of a record the simulator logged only as text: the node named in quotes ('N2') as the
 * first insertion string of the cluster's node events (1135 EVENT_NODE_DOWN: %1 is the node removed), none otherwise.
 */
function insertionStrings(e: { id: number; message: string }): string[] {
  const quoted = /'([^']+)'/.exec(e.message);
  return [1135, 1673, 1672, 1676].includes(e.id) && quoted ? [quoted[1]!] : [];
}
