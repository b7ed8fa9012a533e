/**
 * The PowerShell target against the rehearsal lab, for the target's own tests: real PowerShell 7 (the
 * ClusterChaos module, node-powershell sessions, parse.ts) against the stand-in commands backed by the
 * simulated cluster, in virtual time.
 *
 * - `rehearsal(…)`: the product's own path, createRehearsalTarget (what `--rehearse` runs).
 * - `labTarget(…)`: Lab.start and a PowerShellTarget whose sessions are built as rehearsal/target.ts builds
 *   them, with two test hooks: every script each session was sent (`sent`), and `wrap`, which sees each round
 *   trip on its way (to make the cluster unreadable for a while: review R1).
 */
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { loadExperiment } from '../../src/experiment/load.js';
import type { Experiment } from '../../src/experiment/types.js';
import { faults } from '../../src/faults/catalogue.js';
import { findPwsh7 } from '../../src/targets/powershell/executable.js';
import { PowerShellTarget, type SessionRole, type TargetClock } from '../../src/targets/powershell/index.js';
import { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import { createRehearsalTarget, labCluster, STAND_INS, type LabSettings, type RehearsalOptions, type RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { PowerShellSession, type Credential, type ScriptRequest, type ScriptRunner } from '../../src/targets/powershell/session.js';
import type { ClusterDescription } from '../../src/trace/records.js';

/** A folder of small experiments for the lab (short heartbeats, a three-node WS2022 cluster). */
export const LAB_FIXTURES = join(import.meta.dirname, 'fixtures', 'lab');

/** The tag of what the tests' runs create on the nodes (firewall rules' group, tasks' prefix). */
export const TAG = 'clusterchaos-lab-test';

/** An experiment of LAB_FIXTURES, loaded and validated as `clusterchaos run` loads it. */
export function labExperiment(file: string, o: { sets?: string[]; seed?: number } = {}): Experiment {
  return loadExperiment(join(LAB_FIXTURES, file), { settings: settingDefinitions, faults, ...(o.sets ? { sets: o.sets } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
}

/** A pino logger whose lines are kept for assertions (and shown when LAB_TEST_LOG is set). */
export function capturedLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, {
    write: (line: string) => {
      lines.push(line);
      if (process.env.LAB_TEST_LOG) process.stderr.write(line);
    },
  });
  return { log, lines };
}

/** The messages of the captured lines at `level` (pino: 40 warn, 30 info). */
export const messages = (lines: readonly string[], level?: number): string[] =>
  lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => level === undefined || l.level === level).map((l) => l.msg);

function pwshPath(): string {
  const found = findPwsh7()?.path;
  if (!found) throw new Error('PowerShell 7 is needed (node scripts/ensure-test-tools.mjs installs it into ~/.dotnet/tools; or set CLUSTERCHAOS_PWSH)');
  return found;
}

/** createRehearsalTarget on an experiment of LAB_FIXTURES (default `lab.yaml`). */
export async function rehearsal(o: { experiment?: Experiment; defects?: string[]; lab?: LabSettings; settingNames?: string[]; power?: RehearsalOptions['power'] } = {}): Promise<{
  target: RehearsalTarget;
  lab: Lab;
  lines: string[];
}> {
  const { log, lines } = capturedLog();
  const target = await createRehearsalTarget({
    experiment: o.experiment ?? labExperiment('lab.yaml'),
    defects: o.defects ?? [],
    runTag: TAG,
    log,
    ...(o.lab ? { lab: o.lab } : {}),
    ...(o.settingNames ? { settingNames: o.settingNames } : {}),
    ...(o.power ? { power: o.power } : {}),
  });
  return { target, lab: target.lab, lines };
}

/** One session's round trips as the wrapper sees them. */
export interface LabTargetOptions {
  experiment?: Experiment;
  defects?: string[];
  lab?: LabSettings;
  /** What the target is told the cluster is (default the experiment's; the lab always has the experiment's). */
  description?: ClusterDescription;
  settingNames?: readonly string[];
  credential?: Credential;
  /** Sees every round trip of a session: call `next` to send it, or answer otherwise. */
  wrap?: (role: SessionRole, request: ScriptRequest, next: (request: ScriptRequest) => Promise<string>) => Promise<string>;
}

export interface OpenLabTarget {
  target: PowerShellTarget;
  lab: Lab;
  lines: string[];
  /** Every script each session was handed, in order (the set-up excluded). */
  sent: { role: SessionRole; op: string; script: string }[];
  close(): Promise<void>;
}

/** Lab.start and a PowerShellTarget on it, its sessions as rehearsal/target.ts builds them. */
export async function labTarget(o: LabTargetOptions = {}): Promise<OpenLabTarget> {
  const experiment = o.experiment ?? labExperiment('lab.yaml');
  const pwsh = pwshPath();
  const { log, lines } = capturedLog();
  const lab = await Lab.start({
    cluster: labCluster(experiment.cluster),
    simulator: experiment.simulator,
    seed: experiment.seed,
    defects: o.defects ?? [],
    pwsh,
    standIns: STAND_INS,
    ...o.lab,
  });
  const clock: TargetClock = { epochMs: () => lab.epochMs(), sleep: (ms) => lab.sleep(ms), after: (ms, callback) => lab.timer(ms, callback) };
  const sent: OpenLabTarget['sent'] = [];
  const runner = (role: SessionRole): ScriptRunner => {
    const session = new PowerShellSession({
      executable: pwsh,
      imports: [STAND_INS],
      childEnv: lab.env(role),
      timeoutMs: 120_000,
      log,
      env: {},
      ...(o.credential ? { credential: o.credential } : {}),
    });
    const send = (request: ScriptRequest): Promise<string> => {
      sent.push({ role, op: request.op, script: request.script });
      return lab.roundTrip(role, () => session.run(request));
    };
    return { run: (request) => (o.wrap ? o.wrap(role, request, send) : send(request)), close: () => session.close() };
  };
  const target = new PowerShellTarget({
    cluster: experiment.cluster.name,
    description: o.description ?? experiment.cluster,
    runTag: TAG,
    log,
    runner,
    clock,
    ...(o.settingNames ? { settingNames: o.settingNames } : {}),
  });
  return {
    target,
    lab,
    lines,
    sent,
    async close() {
      try {
        await target.close();
      } finally {
        await lab.close();
      }
    },
  };
}

/** The stand-in calls the lab received since `from` (an index into lab.calls()), without the lab's own (Lab-*). */
export function callsSince(lab: Lab, from: number): ReturnType<Lab['calls']> {
  return lab.calls().slice(from).filter((c) => !c.command.startsWith('Lab-'));
}

/** The rejection of a promise that must reject. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
