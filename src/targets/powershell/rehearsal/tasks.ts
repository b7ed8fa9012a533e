/**
 * Each node's Task Scheduler: the tasks registered there, their triggers in virtual time, and their runs.
 * A Once trigger fires when the node's clock reaches its start boundary; an AtStartup trigger when the node
 * starts (the end of a `schedulerUnavailable` window: a reboot). A Once trigger whose time falls while the
 * scheduler cannot start tasks, or that is already past at registration, runs as soon as it can only with
 * StartWhenAvailable; otherwise it is missed (New-ScheduledTaskSettingsSet.md; review R5). A task already
 * running is not started again (MultipleInstances IgnoreNew, the default). Each action runs in its own new
 * PowerShell process, a participant of the co-simulation (`task-<n>`) for as long as it lives.
 */
import type { CoSimulation } from './clock.js';
import { taskCommand, type RunningTask } from './tasks-runner.js';

export type TaskTrigger = { kind: 'Once'; at: number } | { kind: 'AtStartup' };

export interface TaskAction {
  execute: string;
  arguments: string | null;
}

export interface TaskDefinition {
  name: string;
  /** `\` or `\Folder\`. */
  path: string;
  actions: TaskAction[];
  triggers: TaskTrigger[];
  startWhenAvailable: boolean;
  enabled: boolean;
  /** What Get-ScheduledTask shows (the objects as registered). */
  shown: Record<string, unknown>;
}

/** One start of a task (or a start that did not happen: `missed`, `skipped`, a launch error). */
export interface TaskRun {
  node: string;
  task: string;
  /** The participant id of its process (`task-<n>`); absent when no process was started. */
  process?: string;
  /** Virtual time of the start (or of the missed trigger). */
  at: number;
  endedAt?: number;
  exitCode?: number | null;
  /** Why nothing ran: a missed trigger, an instance already running, an action the lab cannot run. */
  outcome: 'ran' | 'running' | 'missed' | 'skipped' | 'failed';
  reason?: string;
  stdout?: string;
  stderr?: string;
}

interface Registered {
  readonly node: string;
  readonly def: TaskDefinition;
  readonly alarms: { cancel(): void }[];
  running: RunningTask | undefined;
  gone: boolean;
}

export interface TaskSchedulerDeps {
  co: CoSimulation;
  /** The virtual time at which `node`'s clock reads the instant `epochMs`. */
  virtualTime(node: string, epochMs: number): number;
  /** Start a process running `script` on `node` as participant `process`. */
  launch(node: string, process: string, script: string): RunningTask;
}

/** ERROR_FILE_NOT_FOUND as a task's last result (0x80070002): the action could not be started. */
const LAUNCH_FAILURE = 0x80070002;

export class TaskScheduler {
  private readonly tasks = new Map<string, Map<string, Registered>>();
  private readonly windows = new Map<string, { from: number; to: number }[]>();
  private readonly processes = new Set<RunningTask>();
  readonly runs: TaskRun[] = [];
  private launched = 0;

  constructor(private readonly d: TaskSchedulerDeps) {}

  /** The node's tasks, in registration order. */
  list(node: string): TaskDefinition[] {
    return [...(this.tasks.get(node)?.values() ?? [])].map((r) => r.def);
  }

  get(node: string, path: string, name: string): TaskDefinition | undefined {
    return this.tasks.get(node)?.get(key(path, name))?.def;
  }

  isRunning(node: string, path: string, name: string): boolean {
    return this.tasks.get(node)?.get(key(path, name))?.running !== undefined;
  }

  /** Register (or replace: -Force) a task and arm its triggers. */
  register(node: string, def: TaskDefinition): void {
    this.unregister(node, def.path, def.name);
    const r: Registered = { node, def, alarms: [], running: undefined, gone: false };
    let onNode = this.tasks.get(node);
    if (!onNode) this.tasks.set(node, (onNode = new Map()));
    onNode.set(key(def.path, def.name), r);
    const now = this.d.co.now();
    for (const trigger of def.triggers) {
      if (trigger.kind === 'AtStartup') {
        for (const w of this.windowsOf(node)) if (w.to > now) this.armAt(r, w.to, 'startup');
        continue;
      }
      const at = this.d.virtualTime(node, trigger.at);
      if (at >= now) this.armAt(r, at, 'once');
      // Already past: only a task allowed to start late runs, at once (StartWhenAvailable)
      else if (def.startWhenAvailable) this.armAt(r, now, 'late');
      else this.runs.push({ node, task: full(def), at: now, outcome: 'missed', reason: 'its start boundary had passed when it was registered' });
    }
  }

  /** Remove a task; a running instance goes on (Task Scheduler does not stop it). False if there was none. */
  unregister(node: string, path: string, name: string): boolean {
    const onNode = this.tasks.get(node);
    const r = onNode?.get(key(path, name));
    if (!r) return false;
    r.gone = true;
    for (const a of r.alarms) a.cancel();
    onNode!.delete(key(path, name));
    return true;
  }

  /** The node's Task Scheduler cannot start tasks from `fromMs` until `toMs` (virtual): the node reboots. */
  unavailable(node: string, fromMs: number, toMs: number): void {
    if (!(toMs > fromMs)) throw new RangeError(`a window when the Task Scheduler of ${node} is unavailable must end after it starts (${fromMs}..${toMs} ms)`);
    let list = this.windows.get(node);
    if (!list) this.windows.set(node, (list = []));
    list.push({ from: fromMs, to: toMs });
    // The node starts again at the window's end: its AtStartup triggers fire then
    if (toMs > this.d.co.now()) {
      for (const r of this.tasks.get(node)?.values() ?? []) {
        if (r.def.triggers.some((t) => t.kind === 'AtStartup')) this.armAt(r, toMs, 'startup');
      }
    }
  }

  /** Kill every task process still running (the lab closes). */
  close(): void {
    for (const p of this.processes) p.kill();
  }

  private windowsOf(node: string): readonly { from: number; to: number }[] {
    return this.windows.get(node) ?? [];
  }

  private armAt(r: Registered, at: number, why: 'once' | 'late' | 'startup'): void {
    r.alarms.push(this.d.co.alarm(at, () => this.due(r, why)));
  }

  private due(r: Registered, why: 'once' | 'late' | 'startup'): void {
    if (r.gone) return;
    const now = this.d.co.now();
    const down = this.windowsOf(r.node).find((w) => w.from <= now && now < w.to);
    if (down && why !== 'startup') {
      if (r.def.startWhenAvailable) return this.armAt(r, down.to, 'late');
      this.runs.push({ node: r.node, task: full(r.def), at: now, outcome: 'missed', reason: 'the Task Scheduler could not start tasks then and the task does not start when available' });
      return;
    }
    this.start(r);
  }

  private start(r: Registered): void {
    const now = this.d.co.now();
    if (!r.def.enabled) return;
    if (r.running) {
      this.runs.push({ node: r.node, task: full(r.def), at: now, outcome: 'skipped', reason: 'an instance was already running (MultipleInstances IgnoreNew)' });
      return;
    }
    this.runAction(r, 0);
  }

  /** Run the task's actions one after the other, each in its own process. */
  private runAction(r: Registered, index: number): void {
    const action = r.def.actions[index];
    if (!action) return;
    const now = this.d.co.now();
    const command = taskCommand(action.execute, action.arguments);
    if ('error' in command) {
      this.runs.push({ node: r.node, task: full(r.def), at: now, endedAt: now, exitCode: LAUNCH_FAILURE, outcome: 'failed', reason: command.error });
      return;
    }
    const process = `task-${++this.launched}`;
    const run: TaskRun = { node: r.node, task: full(r.def), process, at: now, outcome: 'running' };
    this.runs.push(run);
    // The process runs from now on: the clock stops until it waits or exits
    this.d.co.hold(process);
    const child = this.d.launch(r.node, process, command.script);
    r.running = child;
    this.processes.add(child);
    void child.exited.then((exit) => {
      this.processes.delete(child);
      r.running = undefined;
      Object.assign(run, { endedAt: this.d.co.now(), exitCode: exit.exitCode, outcome: 'ran', stdout: exit.stdout, stderr: exit.stderr });
      this.d.co.release(process);
      this.runAction(r, index + 1);
    });
  }
}

function key(path: string, name: string): string {
  return `${path}${name}`.toLowerCase();
}

function full(def: TaskDefinition): string {
  return `${def.path}${def.name}`;
}
