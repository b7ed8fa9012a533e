/**
 * ScheduledTasks on a node: the CIM objects New-ScheduledTask* make (MSFT_TaskExecAction, MSFT_TaskTimeTrigger
 * / MSFT_TaskBootTrigger, MSFT_TaskPrincipal2, MSFT_TaskSettings3), and Register-, Unregister-, Get-ScheduledTask
 * on the node's Task Scheduler (tasks.ts).
 */
import { Terminating, hasWildcard, unsupported, wildcard, type Call } from '../call.js';
import type { Handlers } from '../server.js';
import type { TaskAction, TaskDefinition, TaskTrigger } from '../tasks.js';
import { formatLocal, parseInstant } from '../time.js';

/** TimeSpan as PowerShell sends it ("c": [-][d.]hh:mm:ss[.fffffff]) → the task XML's duration (PT72H). */
function isoDuration(text: string | undefined): string | null {
  if (text === undefined) return null;
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text);
  if (!m) return text;
  const [, , d, h, mi, s] = m;
  const hours = Number(d ?? 0) * 24 + Number(h);
  const parts = `${hours ? `${hours}H` : ''}${Number(mi) ? `${Number(mi)}M` : ''}${Number(s) ? `${Number(s)}S` : ''}`;
  return `PT${parts || '0S'}`;
}

const repetition = () => ({ Duration: null, Interval: null, StopAtDurationEnd: false });

/**
 * The trigger's kind, from the properties its CIM class has (the stand-ins' CIM objects carry no class of
 * their own): DaysInterval Daily, DaysOfWeek Weekly, UserId AtLogOn, Delay AtStartup, else a time trigger.
 */
function triggerKind(t: Record<string, unknown>): 'Once' | 'Daily' | 'Weekly' | 'AtLogOn' | 'AtStartup' {
  if ('DaysInterval' in t) return 'Daily';
  if ('DaysOfWeek' in t) return 'Weekly';
  if ('UserId' in t) return 'AtLogOn';
  if ('Delay' in t) return 'AtStartup';
  return 'Once';
}

function taskPath(call: Call): string {
  const p = call.str('TaskPath') ?? '\\';
  return `${p.startsWith('\\') ? '' : '\\'}${p}${p.endsWith('\\') ? '' : '\\'}`;
}

function taskObject(call: Call, node: string, def: TaskDefinition): Record<string, unknown> {
  const running = call.world.tasks.isRunning(node, def.path, def.name);
  return { ...def.shown, $type: 'ScheduledTask', TaskName: def.name, TaskPath: def.path, URI: `${def.path}${def.name}`, State: !def.enabled ? 'Disabled' : running ? 'Running' : 'Ready' };
}

function asObjects(v: unknown): Record<string, unknown>[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

/** The tasks a Get-/Unregister-ScheduledTask call selects; a name that matches nothing is the CDXML not-found error. */
function selectTasks(call: Call, node: string): TaskDefinition[] {
  const all = call.world.tasks.list(node);
  const objects = call.objects('InputObject');
  if (objects) {
    return objects
      .map((o) => call.world.tasks.get(node, String(o.raw.TaskPath ?? '\\'), String(o.raw.TaskName ?? o.name)))
      .filter((t) => t !== undefined);
  }
  const names = call.strings('TaskName');
  const paths = call.strings('TaskPath');
  const chosen = all.filter((t) => (!names || names.some((n) => wildcard(n)(t.name))) && (!paths || paths.some((p) => wildcard(p)(t.path))));
  for (const n of names ?? []) {
    if (!hasWildcard(n) && !chosen.some((t) => wildcard(n)(t.name))) {
      call.error(
        `No MSFT_ScheduledTask objects found with property 'TaskName' equal to '${n}'.  Verify the value of the property and retry.`,
        `CmdletizationQuery_NotFound_TaskName,${call.command}`,
        'ObjectNotFound',
        n,
      );
    }
  }
  return chosen;
}

export const taskCommands: Handlers = {
  'New-ScheduledTaskAction': (call) => {
    call.requireNode();
    call.output.push({ $type: 'ScheduledTaskAction', Id: call.str('Id') ?? null, Arguments: call.str('Argument') ?? null, Execute: call.str('Execute'), WorkingDirectory: call.str('WorkingDirectory') ?? null });
  },

  /** -Once -At: StartBoundary in the node's local time with its offset ("synchronize across time zones", as the cmdlet sets it). */
  'New-ScheduledTaskTrigger': (call) => {
    call.requireNode();
    const { world } = call;
    if (call.has('RepetitionInterval') || call.has('RepetitionDuration')) throw unsupported(call.command, '-RepetitionInterval/-RepetitionDuration');
    const base = { $type: 'ScheduledTaskTrigger', Enabled: true, EndBoundary: null, ExecutionTimeLimit: null, Id: null, Repetition: repetition() };
    const at = call.str('At');
    const startBoundary = at === undefined ? null : formatLocal(parseInstant(at, world.timeZone), world.timeZone);
    if (call.flag('AtStartup')) call.output.push({ ...base, StartBoundary: null, Delay: null });
    else if (call.flag('AtLogOn')) call.output.push({ ...base, StartBoundary: null, Delay: null, UserId: call.str('User') ?? null });
    else if (call.flag('Daily')) call.output.push({ ...base, StartBoundary: startBoundary, RandomDelay: isoDuration(call.str('RandomDelay')), DaysInterval: call.num('DaysInterval') ?? 1 });
    else if (call.flag('Weekly')) call.output.push({ ...base, StartBoundary: startBoundary, RandomDelay: isoDuration(call.str('RandomDelay')), DaysOfWeek: call.strings('DaysOfWeek') ?? [], WeeksInterval: call.num('WeeksInterval') ?? 1 });
    else call.output.push({ ...base, StartBoundary: startBoundary, RandomDelay: isoDuration(call.str('RandomDelay')) });
  },

  'New-ScheduledTaskPrincipal': (call) => {
    call.requireNode();
    call.output.push({
      $type: 'ScheduledTaskPrincipal',
      DisplayName: null,
      GroupId: call.str('GroupId') ?? null,
      Id: call.str('Id') ?? 'Author',
      LogonType: call.str('LogonType') ?? (call.has('GroupId') ? 'Group' : 'None'),
      RunLevel: call.str('RunLevel') ?? 'Limited',
      UserId: call.str('UserId') ?? null,
      ProcessTokenSidType: call.str('ProcessTokenSidType') ?? 'Default',
      RequiredPrivilege: call.strings('RequiredPrivilege') ?? null,
    });
  },

  'New-ScheduledTaskSettingsSet': (call) => {
    call.requireNode();
    call.output.push({
      $type: 'ScheduledTaskSettings',
      AllowDemandStart: !call.flag('DisallowDemandStart'),
      AllowHardTerminate: !call.flag('DisallowHardTerminate'),
      Compatibility: call.str('Compatibility') ?? 'Win8',
      DeleteExpiredTaskAfter: isoDuration(call.str('DeleteExpiredTaskAfter')),
      DisallowStartIfOnBatteries: !call.flag('AllowStartIfOnBatteries'),
      Enabled: !call.flag('Disable'),
      ExecutionTimeLimit: isoDuration(call.str('ExecutionTimeLimit')) ?? 'PT72H',
      Hidden: call.flag('Hidden'),
      MultipleInstances: call.str('MultipleInstances') ?? 'IgnoreNew',
      Priority: call.num('Priority') ?? 7,
      RestartCount: call.num('RestartCount') ?? 0,
      RestartInterval: isoDuration(call.str('RestartInterval')),
      RunOnlyIfIdle: call.flag('RunOnlyIfIdle'),
      RunOnlyIfNetworkAvailable: call.flag('RunOnlyIfNetworkAvailable'),
      StartWhenAvailable: call.flag('StartWhenAvailable'),
      StopIfGoingOnBatteries: !call.flag('DontStopIfGoingOnBatteries'),
      WakeToRun: call.flag('WakeToRun'),
    });
  },

  /** Registers the task (an existing one only with -Force) and arms its Once and AtStartup triggers. */
  'Register-ScheduledTask': (call) => {
    const node = call.requireNode();
    const { world } = call;
    if (call.has('Xml')) throw unsupported(call.command, '-Xml');
    if (call.has('InputObject')) throw unsupported(call.command, '-InputObject');
    const name = call.str('TaskName')!;
    const path = taskPath(call);
    if (world.tasks.get(node, path, name) && !call.flag('Force')) {
      throw new Terminating('Cannot create a file when that file already exists.', `HRESULT 0x800700b7,${call.command}`, 'ResourceExists', name);
    }
    const actionObjects = asObjects(call.raw('Action'));
    const triggerObjects = asObjects(call.raw('Trigger'));
    const settings = asObjects(call.raw('Settings'))[0] ?? {};
    const actions: TaskAction[] = actionObjects.map((a) => ({ execute: String(a.Execute ?? ''), arguments: a.Arguments === null || a.Arguments === undefined ? null : String(a.Arguments) }));
    const triggers: TaskTrigger[] = triggerObjects.map((t) => {
      const kind = triggerKind(t);
      if (kind === 'AtStartup') return { kind };
      if (kind !== 'Once') throw unsupported(call.command, `with a ${kind} trigger (the lab runs Once and AtStartup triggers)`);
      const boundary = t.StartBoundary;
      const at = typeof boundary === 'string' ? parseInstant(boundary, world.timeZone) : NaN;
      if (Number.isNaN(at)) {
        throw new Terminating(`The task XML contains a value which is incorrectly formatted or out of range: StartBoundary '${String(boundary)}'.`, `HRESULT 0x80041318,${call.command}`, 'InvalidArgument', boundary);
      }
      return { kind, at };
    });
    const def: TaskDefinition = {
      name,
      path,
      actions,
      triggers,
      startWhenAvailable: settings.StartWhenAvailable === true || settings.StartWhenAvailable === 'True',
      enabled: settings.Enabled !== false && settings.Enabled !== 'False',
      shown: {
        Actions: actionObjects,
        Triggers: triggerObjects,
        Settings: Object.keys(settings).length ? settings : null,
        Principal: asObjects(call.raw('Principal'))[0] ?? { $type: 'ScheduledTaskPrincipal', UserId: call.str('User') ?? null, RunLevel: call.str('RunLevel') ?? 'Limited' },
        Description: call.str('Description') ?? null,
        Author: null,
        Date: null,
      },
    };
    world.tasks.register(node, def);
    call.output.push(taskObject(call, node, def));
  },

  'Unregister-ScheduledTask': (call) => {
    const node = call.requireNode();
    for (const t of selectTasks(call, node)) {
      call.world.tasks.unregister(node, t.path, t.name);
      if (call.flag('PassThru')) call.output.push(taskObject(call, node, t));
    }
  },

  'Get-ScheduledTask': (call) => {
    const node = call.requireNode();
    for (const t of selectTasks(call, node)) call.output.push(taskObject(call, node, t));
  },
};
