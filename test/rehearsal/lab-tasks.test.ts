import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import { splitArguments, taskCommand } from '../../src/targets/powershell/rehearsal/tasks-runner.js';
import { formatLocal } from '../../src/targets/powershell/rehearsal/time.js';
import { onNode, out, pwsh7, startLab } from './lab-fixture.js';

const encode = (script: string) => Buffer.from(script, 'utf16le').toString('base64');

/** Register a task on `node` the way the ClusterChaos module does: an action, triggers, settings. */
async function register(
  lab: Lab,
  node: string,
  name: string,
  o: { argument: string; at?: number; atStartup?: boolean; startWhenAvailable?: boolean; force?: boolean },
) {
  const [action] = out(await onNode(lab, node, 'New-ScheduledTaskAction', { Execute: 'powershell.exe', Argument: o.argument }));
  const triggers = [];
  if (o.at !== undefined) triggers.push(out(await onNode(lab, node, 'New-ScheduledTaskTrigger', { Once: true, At: new Date(lab.epochMs() - lab.now() + o.at).toISOString() }))[0]);
  if (o.atStartup) triggers.push(out(await onNode(lab, node, 'New-ScheduledTaskTrigger', { AtStartup: true }))[0]);
  const [settings] = out(await onNode(lab, node, 'New-ScheduledTaskSettingsSet', o.startWhenAvailable ? { StartWhenAvailable: true } : {}));
  return onNode(lab, node, 'Register-ScheduledTask', { TaskName: name, Action: [action], Trigger: triggers, Settings: settings, ...(o.force ? { Force: true } : {}) });
}

describe("rehearsal lab: a scheduled task's action as powershell.exe reads it", () => {
  it('splits a command line as Windows does', () => {
    expect(splitArguments('-NoProfile  -Command "Write-Output ""hi""" x')).to.deep.equal(['-NoProfile', '-Command', 'Write-Output "hi"', 'x']);
    expect(splitArguments(String.raw`-File "C:\dir with space\a.ps1" \\server\share\ "a\"b"`)).to.deep.equal(['-File', String.raw`C:\dir with space\a.ps1`, '\\\\server\\share\\', 'a"b']);
  });

  it('runs -EncodedCommand (base64 of UTF-16LE) and -Command; refuses -File and other programs', () => {
    expect(taskCommand('powershell.exe', `-NoProfile -NonInteractive -EncodedCommand ${encode("'é' ; exit 3")}`)).to.deep.equal({ script: "'é' ; exit 3" });
    expect(taskCommand(String.raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, '-nop -ExecutionPolicy Bypass -Command Get-Date; exit 4')).to.deep.equal({ script: 'Get-Date; exit 4' });
    expect(taskCommand('powershell.exe', '-enc !!!')).to.have.property('error').that.contains('not base64');
    expect(taskCommand('powershell.exe', String.raw`-File C:\heal.ps1`)).to.have.property('error').that.contains('-File');
    expect(taskCommand('cmd.exe', '/c echo')).to.have.property('error').that.contains('only powershell.exe');
  });
});

describe('rehearsal lab: the Task Scheduler on each node (real pwsh)', function () {
  this.timeout(60_000);
  let lab: Lab;
  before(function () {
    if (!pwsh7()) this.skip();
  });
  afterEach(async () => lab?.close());

  it('runs a Once task in a new pwsh at its deadline, on its node: the clock holds while it runs and moves while it waits', async () => {
    lab = await startLab();
    out(await onNode(lab, 'N2', 'New-NetFirewallRule', { Name: 'cut', DisplayName: 'cut', Group: 'g', Direction: 'Inbound', Protocol: 'UDP', LocalPort: ['3343'], Action: 'Block' }));
    expect(lab.sim.network.connected('N2', 'N1')).to.equal(false);
    const heal = [
      "Invoke-LabCall -Command 'Lab-Now' | Out-Null",
      "Invoke-LabCall -Command 'Lab-Sleep' -Parameters @{ Milliseconds = 5000 } | Out-Null",
      "Invoke-LabCall -Command 'Remove-NetFirewallRule' -Parameters @{ Group = @('g') } | Out-Null",
      'exit 3',
    ].join('\n');
    out(await register(lab, 'N2', 'heal', { argument: `-NoProfile -NonInteractive -EncodedCommand ${encode(heal)}`, at: 10_000 }));
    await lab.sleep(30_000);
    expect(lab.now()).to.equal(30_000);
    expect(lab.sim.network.connected('N2', 'N1'), 'the task removed the rule').to.equal(true);
    const [run] = lab.taskRuns();
    expect(run).to.include({ node: 'N2', task: '\\heal', process: 'task-1', at: 10_000, endedAt: 15_000, exitCode: 3, outcome: 'ran' });
    const calls = lab.calls().filter((c) => c.process === 'task-1');
    expect(calls.map((c) => [c.node, c.command, c.at])).to.deep.equal([
      ['N2', 'Lab-Now', 10_000],
      ['N2', 'Lab-Sleep', 10_000],
      ['N2', 'Remove-NetFirewallRule', 15_000],
    ]);
  });

  it('starts a trigger missed while the Task Scheduler was down at its end only with StartWhenAvailable; AtStartup fires then too', async () => {
    lab = await startLab();
    const quick = `-NoProfile -Command exit 0`;
    out(await register(lab, 'N1', 'late', { argument: quick, at: 10_000, startWhenAvailable: true }));
    out(await register(lab, 'N1', 'missed', { argument: quick, at: 10_000 }));
    out(await register(lab, 'N3', 'startup', { argument: quick, atStartup: true }));
    lab.schedulerUnavailable('N1', 5_000, 20_000);
    lab.schedulerUnavailable('N3', 2_000, 4_000);
    await lab.sleep(30_000);
    const runs = lab.taskRuns().map((r) => [r.node, r.task, r.at, r.outcome, r.exitCode ?? null]);
    expect(runs).to.have.deep.members([
      ['N3', '\\startup', 4_000, 'ran', 0],
      ['N1', '\\missed', 10_000, 'missed', null],
      ['N1', '\\late', 20_000, 'ran', 0],
    ]);
  });

  it('runs a trigger already past at registration at once with StartWhenAvailable, and not at all without it', async () => {
    lab = await startLab();
    await lab.sleep(60_000);
    out(await register(lab, 'N2', 'past-late', { argument: '-Command exit 5', at: 30_000, startWhenAvailable: true }));
    out(await register(lab, 'N2', 'past', { argument: '-Command exit 5', at: 30_000 }));
    await lab.sleep(1_000);
    expect(lab.taskRuns().map((r) => [r.task, r.at, r.outcome, r.exitCode ?? null])).to.have.deep.members([
      ['\\past-late', 60_000, 'ran', 5],
      ['\\past', 60_000, 'missed', null],
    ]);
  });

  it('records a task whose action the lab cannot run (-File) as a launch failure, 0x80070002', async () => {
    lab = await startLab();
    out(await register(lab, 'N2', 'file', { argument: String.raw`-NoProfile -File C:\heal.ps1`, at: 1_000 }));
    await lab.sleep(2_000);
    expect(lab.taskRuns()[0]).to.include({ task: '\\file', outcome: 'failed', exitCode: 0x80070002 });
  });

  it("fires a StartBoundary with an offset at that instant and one without at the node's local wall time (its skew included)", async () => {
    lab = await startLab({ timeZone: 'Europe/Paris', skewMs: { N3: -2_000 } });
    const [action] = out(await onNode(lab, 'N3', 'New-ScheduledTaskAction', { Execute: 'powershell.exe', Argument: '-Command exit 0' }));
    const [trigger] = out(await onNode(lab, 'N3', 'New-ScheduledTaskTrigger', { AtStartup: true }));
    const epoch = lab.epochMs() - lab.now();
    const withOffset = formatLocal(epoch + 5_000, 'Europe/Paris');
    // A time trigger made from the boot trigger's shape: no Delay (that is a boot trigger's), a RandomDelay
    const onceTrigger = (boundary: string) => {
      const t: Record<string, unknown> = { ...trigger, StartBoundary: boundary, RandomDelay: null };
      delete t.Delay;
      return t;
    };
    out(await onNode(lab, 'N3', 'Register-ScheduledTask', { TaskName: 'offset', Action: [action], Trigger: [onceTrigger(withOffset)] }));
    out(await onNode(lab, 'N3', 'Register-ScheduledTask', { TaskName: 'local', Action: [action], Trigger: [onceTrigger(withOffset.slice(0, 19))] }));
    await lab.sleep(10_000);
    // N3's clock is 2 s behind: it reads that instant 2 s later
    expect(lab.taskRuns().map((r) => [r.task, r.at, r.outcome])).to.have.deep.members([
      ['\\offset', 7_000, 'ran'],
      ['\\local', 7_000, 'ran'],
    ]);
  });

  it('removes the rules through the real stand-ins: the heal task the ClusterChaos module registers', async function () {
    const standIns = join(import.meta.dirname, '../../src/targets/powershell/rehearsal/stand-ins/ClusterChaosLab.psd1');
    if (!existsSync(standIns)) this.skip();
    lab = await startLab({ standIns });
    for (const direction of ['Inbound', 'Outbound']) {
      const port = direction === 'Inbound' ? { LocalPort: ['3343'] } : { RemotePort: ['3343'] };
      out(await onNode(lab, 'N2', 'New-NetFirewallRule', { Name: `t-${direction}`, DisplayName: `t ${direction}`, Group: 'clusterchaos-t', Direction: direction, Protocol: 'UDP', RemoteAddress: ['Any'], Action: 'Block', ...port }));
    }
    // Network.ps1's heal: remove, check none is left, only then unregister itself; else wait and try again
    const heal =
      "$ErrorActionPreference = 'Continue'; $tag = 'clusterchaos-t'; $task = 'clusterchaos-t-heal'; for ($i = 0; $i -lt 120; $i++) { " +
      'Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | Remove-NetFirewallRule -ErrorAction SilentlyContinue; ' +
      'if (@(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag }).Count -eq 0) { Unregister-ScheduledTask -TaskName $task -Confirm:$false -ErrorAction SilentlyContinue; break } ' +
      'Start-Sleep -Seconds 5 }';
    out(await register(lab, 'N2', 'clusterchaos-t-heal', { argument: `-NoProfile -NonInteractive -EncodedCommand ${encode(heal)}`, at: 20_000, atStartup: true, startWhenAvailable: true }));
    await lab.sleep(25_000);
    const [run] = lab.taskRuns();
    expect(run, run?.stderr).to.include({ at: 20_000, exitCode: 0, outcome: 'ran' });
    expect([lab.sim.network.connected('N2', 'N1'), lab.sim.network.connected('N2', 'N3')]).to.deep.equal([true, true]);
    expect(out(await onNode(lab, 'N2', 'Get-ScheduledTask'))).to.deep.equal([]);
  });
});

describe('rehearsal lab: registering scheduled tasks', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  it('refuses an existing name without -Force; Get-ScheduledTask of an unknown name is the CDXML not-found error', async () => {
    lab = await startLab();
    out(await register(lab, 'N2', 'lift', { argument: '-Command exit 0', at: 3_600_000 }));
    const again = await register(lab, 'N2', 'lift', { argument: '-Command exit 0', at: 3_600_000 });
    expect(again.terminating?.message).to.equal('Cannot create a file when that file already exists.');
    out(await register(lab, 'N2', 'lift', { argument: '-Command exit 1', at: 3_600_000, force: true }));
    const [task] = out(await onNode(lab, 'N2', 'Get-ScheduledTask', { TaskName: ['lift'] }));
    expect(task).to.include({ $type: 'ScheduledTask', TaskName: 'lift', TaskPath: '\\', State: 'Ready' });
    expect((task.Actions as { Arguments: string }[])[0].Arguments).to.equal('-Command exit 1');
    const missing = await onNode(lab, 'N2', 'Get-ScheduledTask', { TaskName: ['nothing'] });
    expect(missing.errors[0]?.id).to.equal('CmdletizationQuery_NotFound_TaskName,Get-ScheduledTask');
    expect(out(await onNode(lab, 'N1', 'Get-ScheduledTask')), 'tasks are per node').to.deep.equal([]);
  });

  it('never runs a task unregistered before its trigger', async () => {
    lab = await startLab();
    out(await register(lab, 'N2', 'gone', { argument: '-Command exit 0', at: 5_000 }));
    out(await onNode(lab, 'N2', 'Unregister-ScheduledTask', { InputObject: [{ $type: 'ScheduledTask', TaskName: 'gone', TaskPath: '\\' }], Confirm: false }));
    await lab.sleep(10_000);
    expect(lab.taskRuns()).to.deep.equal([]);
  });

  it("writes -At's StartBoundary as the node's local time with its offset, and refuses one that is no date-time", async () => {
    lab = await startLab({ timeZone: 'Pacific/Honolulu' });
    const [trigger] = out(await onNode(lab, 'N2', 'New-ScheduledTaskTrigger', { Once: true, At: '2030-01-01T00:00:00.0000000Z' }));
    expect(trigger.StartBoundary).to.equal('2029-12-31T14:00:00-10:00');
    const [action] = out(await onNode(lab, 'N2', 'New-ScheduledTaskAction', { Execute: 'powershell.exe', Argument: '-Command exit 0' }));
    const bad = await onNode(lab, 'N2', 'Register-ScheduledTask', { TaskName: 'bad', Action: [action], Trigger: [{ ...trigger, StartBoundary: 'tomorrow' }] });
    expect(bad.terminating?.id).to.equal('HRESULT 0x80041318,Register-ScheduledTask');
  });
});
