/**
 * The rehearsal lab (README.md): a simulated cluster in virtual time, served to the stand-in PowerShell
 * commands over HTTP on 127.0.0.1. The PowerShell target drives it through `sleep`, `timer` and `roundTrip`
 * (the co-simulation clock, clock.ts); tests also reach into it (`sim`, `calls`, `setUnreachable`, …).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimCluster } from '../../sim/cluster.js';
import type { SimulatorSpec } from '../../sim/settings.js';
import type { ClusterDescription } from '../../../trace/records.js';
import { dispatch, LabServer, type Handlers } from './server.js';
import { clusterReads } from './commands/cluster.js';
import { clusterControl } from './commands/cluster-control.js';
import { eventCommands } from './commands/events.js';
import { firewallCommands } from './commands/firewall.js';
import type { FirewallRule } from './firewall.js';
import { hyperV } from './commands/hyperv.js';
import { nodeCommands } from './commands/node.js';
import { powerCommands } from './commands/power.js';
import { taskCommands } from './commands/tasks.js';
import type { TaskRun } from './tasks.js';
import { checkTimeZone } from './time.js';
import { LabWorld } from './world.js';

export interface LabOptions {
  /** The experiment's cluster; its VMs' `resiliencyPeriod` is not applied (groups start with none of their own). */
  cluster: ClusterDescription;
  simulator: SimulatorSpec;
  seed: number;
  defects?: string[];
  /**
   * The experiment's simulator-kind settings (no Get-Cluster property: clussvc's recovery actions, the quarantine
   * cap's percent, …): what the lab's machines do, as a real lab's own configuration would (its FailureActions in
   * the registry, which the module reads, follow them).
   */
  simulatorProperties?: Record<string, number>;
  /** IANA time zone of the nodes and the management host (default Pacific/Honolulu, UTC−10). */
  timeZone?: string;
  /** Virtual ms added to every stand-in call (default 0). */
  latencyMs?: number;
  /** Per-node clock skew, ms (the node's clock = the management host's + this). */
  skewMs?: Record<string, number>;
  /** Per node: Windows Firewall's profiles enabled (default true) and local rules allowed (default true). */
  firewall?: Record<string, { enabled?: boolean; allowLocalRules?: boolean }>;
  /** `core`: pwsh on the management host (FailoverClusters through WinCompat); `desktop`: Windows PowerShell 5.1. */
  edition?: 'core' | 'desktop';
  /** Windows build the nodes report (default 20348, Windows Server 2022: MajorVersion 10, MinorVersion 0). */
  build?: number;
  /** How long clussvc's start takes (StartPending), virtual ms (default 2500). */
  serviceStartMs?: number;
  /** VM name -> its cluster group's name (default: the VM's name). */
  groupNames?: Record<string, string>;
  /** The VM cluster's SharedStoragePath (default C:\ClusterStorage\Volume1\SharedStoragePath); null: none configured. */
  sharedStoragePath?: string | null;
  /** The nodes' remote sessions' language mode (review N5). */
  languageMode?: 'FullLanguage' | 'ConstrainedLanguage';
  /** The PowerShell 7 executable used for scheduled-task processes. */
  pwsh: string;
  /** Path of stand-ins/ClusterChaosLab.psd1 (imported by task processes). */
  standIns: string;
  /** Where the stand-ins cache their compiled types (default <tmp>/clusterchaos-lab, shared by every lab). */
  cacheDir?: string;
}

const handlers: Handlers = { ...clusterReads, ...clusterControl, ...hyperV, ...nodeCommands, ...firewallCommands, ...taskCommands, ...eventCommands, ...powerCommands };

export class Lab {
  private closed = false;

  private constructor(
    private readonly world: LabWorld,
    private readonly server: LabServer,
    private readonly cacheDir: string,
  ) {}

  /** Build the simulated cluster (epoch: now, rounded down to a whole second) and serve it. */
  static async start(o: LabOptions): Promise<Lab> {
    if (o.timeZone !== undefined) checkTimeZone(o.timeZone);
    for (const node of Object.keys({ ...o.skewMs, ...o.firewall })) {
      if (!o.cluster.nodes.includes(node)) throw new Error(`lab options name node ${node}, which is not in cluster ${o.cluster.name} (nodes: ${o.cluster.nodes.join(', ')})`);
    }
    const world = new LabWorld(o);
    const cacheDir = o.cacheDir ?? join(tmpdir(), 'clusterchaos-lab');
    mkdirSync(cacheDir, { recursive: true });
    const server = await LabServer.listen((request, signal) => dispatch(world, handlers, request, signal));
    const lab = new Lab(world, server, cacheDir);
    world.envFor = (process) => lab.env(process);
    return lab;
  }

  /** http://127.0.0.1:<port>/<random token>; requests are POST <url>/call. */
  get url(): string {
    return this.server.url;
  }

  /** The simulated cluster, for assertions in tests. */
  get sim(): SimCluster {
    return this.world.sim;
  }

  /** The environment of a PowerShell process of the lab (`main`, `side`, `task-<n>`). */
  env(process: string): Record<string, string> {
    return {
      CLUSTERCHAOS_LAB_URL: this.url,
      CLUSTERCHAOS_LAB_PROCESS: process,
      TZ: this.world.timeZone,
      CLUSTERCHAOS_LAB_CACHE: this.cacheDir,
    };
  }

  /** Virtual ms since the lab started. */
  now(): number {
    return this.world.co.now();
  }

  /** The management host's wall clock in the lab, epoch ms. */
  epochMs(): number {
    return this.world.clockOf(null);
  }

  /** The caller (the driver, or a timer inside its callback) waits `ms` of virtual time, or until `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.world.co.sleep(ms, signal);
  }

  /** Activities at once, each a participant of its own (CoSimulation.concurrently). */
  concurrently<T>(activities: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    return this.world.co.concurrently(activities);
  }

  /** Run `callback` after `ms` of virtual time, as a participant of its own while its promise is pending. */
  timer(ms: number, callback: () => Promise<void>): { cancel(): void } {
    return this.world.co.timer(ms, callback);
  }

  /** The caller waits while `process` runs `work` (except while that process's requests wait in the lab). */
  roundTrip<T>(process: string, work: () => Promise<T>): Promise<T> {
    return this.world.co.roundTrip(process, work);
  }

  /** WinRM cannot reach the node (the stand-ins refuse remote calls to it; Lab-Context lists it). */
  setUnreachable(node: string, unreachable: boolean): void {
    const n = this.node(node);
    if (unreachable) this.world.unreachable.add(n);
    else this.world.unreachable.delete(n);
  }

  /** The node's Task Scheduler cannot start tasks from `fromMs` to `toMs` (virtual): the node reboots. */
  schedulerUnavailable(node: string, fromMs: number, toMs: number): void {
    this.world.tasks.unavailable(this.node(node), fromMs, toMs);
  }

  /** Every request the lab received, in order, with the virtual time it arrived. */
  calls(): { process: string; node: string | null; compat: boolean; command: string; parameters: Record<string, unknown>; at: number }[] {
    return [...this.world.calls];
  }

  /** Remote sessions the stand-ins opened, per node. */
  sessionsOpened(): Record<string, number> {
    return { ...this.world.sessions };
  }

  /** Every start of a scheduled task (and each missed or skipped one), with its process's exit. */
  taskRuns(): TaskRun[] {
    return this.world.tasks.runs.map((r) => ({ ...r }));
  }

  /** A node's firewall rules (its PersistentStore), as the stand-ins keep them. */
  firewallRules(node: string): readonly FirewallRule[] {
    return this.world.firewall.rulesOf(this.node(node));
  }

  /** Change a node's firewall profiles (Group Policy turning the firewall off, or refusing local rules). */
  setFirewall(node: string, state: { enabled?: boolean; allowLocalRules?: boolean }): void {
    this.world.firewall.setProfile(this.node(node), state);
  }

  /** Stop serving, reject what waits, kill the task processes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.world.co.close();
    this.world.tasks.close();
    await this.server.close();
  }

  private node(name: string): string {
    const n = this.world.nodeOf(name);
    if (!n) throw new Error(`no node ${name} in the lab's cluster ${this.world.clusterName} (nodes: ${this.world.nodes.join(', ')})`);
    return n;
  }
}
