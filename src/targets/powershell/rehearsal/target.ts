/**
 * `--target powershell --rehearse`: the real PowerShell target — the same ClusterChaos module, the same
 * node-powershell sessions, the same parsing — in real PowerShell 7, against the rehearsal lab (README.md):
 * stand-in commands backed by the simulated cluster, in the lab's virtual time. The only differences from a
 * run on a real cluster: the sessions import the stand-ins first, carry the lab's URL and time zone in their
 * environment, and the target's clock is the lab's.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ClusterDescription } from '../../../trace/records.js';
import type { SimulatorSpec } from '../../sim/settings.js';
import { findPwsh7 } from '../executable.js';
import { PowerShellTarget, type PowerShellTargetOptions, type SessionRole, type TargetClock } from '../index.js';
import { PowerShellSession, type ScriptRequest, type ScriptRunner } from '../session.js';
import { Lab, type LabOptions } from './lab.js';

/** The stand-ins' module manifest, imported by every session of the lab before the ClusterChaos module. */
export const STAND_INS = fileURLToPath(new URL('./stand-ins/ClusterChaosLab.psd1', import.meta.url));

/** What a rehearsal may change about the lab (tests; the defaults are a sound WS2022 lab far from UTC). */
export type LabSettings = Omit<LabOptions, 'cluster' | 'simulator' | 'seed' | 'defects' | 'pwsh' | 'standIns'>;

/** What the lab is built from: the experiment's cluster, its simulator section and seed. */
export interface RehearsedExperiment {
  cluster: ClusterDescription;
  simulator: SimulatorSpec;
  seed: number;
}

export interface RehearsalOptions {
  experiment: RehearsedExperiment;
  defects: string[];
  runTag: string;
  settingNames?: readonly string[];
  log: Logger;
  lab?: LabSettings;
  /** How long one round trip may take in wall time before its outcome is unknown (default 120 s). */
  timeoutMs?: number;
  /** How each node's power is switched (the allowlist's power:): the lab's BMCs and its outer host LABHOST. */
  power?: PowerShellTargetOptions['power'];
  /** The experiment's simulator-kind settings: the lab's own configuration (LabOptions.simulatorProperties). */
  simulatorProperties?: Record<string, number>;
}

/** A PowerShell target whose cluster is the rehearsal lab; closing it closes the lab. */
export class RehearsalTarget extends PowerShellTarget {
  constructor(
    readonly lab: Lab,
    options: ConstructorParameters<typeof PowerShellTarget>[0],
  ) {
    super(options);
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.lab.close();
    }
  }
}

/**
 * The lab's cluster is the experiment's, as a lab would have it before the run: every VM's group with its
 * own ResiliencyPeriod unset (the run sets the experiment's, as on a real cluster: review B5).
 */
export function labCluster(cluster: ClusterDescription): ClusterDescription {
  return { ...cluster, vms: cluster.vms.map(({ resiliencyPeriod: _period, ...vm }) => vm) };
}

/** Start the lab for the experiment and a PowerShell target on it. */
export async function createRehearsalTarget(o: RehearsalOptions): Promise<RehearsalTarget> {
  const pwsh = findPwsh7()?.path;
  if (!pwsh) {
    throw new Error(
      'the rehearsal lab needs PowerShell 7 (pwsh): install it (dotnet tool install --global PowerShell --version 7.6.10, then put ~/.dotnet/tools on PATH), or set CLUSTERCHAOS_PWSH to its path',
    );
  }
  const { experiment } = o;
  const lab = await Lab.start({
    cluster: labCluster(experiment.cluster),
    simulator: experiment.simulator,
    seed: experiment.seed,
    defects: o.defects,
    // the lab's own configuration where no Get-Cluster property says it (e.g. clussvc's FailureActions)
    // the lab's own configuration where no Get-Cluster property says it (src/cli/powershell.ts labPropertiesOf)
    ...(o.simulatorProperties ? { simulatorProperties: o.simulatorProperties } : {}),
    pwsh,
    standIns: STAND_INS,
    ...o.lab,
  });
  const clock: TargetClock = {
    epochMs: () => lab.epochMs(),
    sleep: (ms, signal) => lab.sleep(ms, signal),
    concurrently: (activities) => lab.concurrently(activities),
    after: (ms, callback) => lab.timer(ms, callback),
  };
  // The lab's BMCs take any user and password: a credential the allowlist names but the environment lacks
  // gets a placeholder in the lab's sessions (a real run refuses to start without it: src/cli/powershell.ts)
  const placeholders: Record<string, string> = {};
  for (const power of Object.values(o.power ?? {})) {
    if (!power.credential) continue;
    for (const suffix of ['_USERNAME', '_PASSWORD']) if (!process.env[power.credential + suffix]) placeholders[power.credential + suffix] = 'lab';
  }
  const runner = (role: SessionRole): ScriptRunner => {
    const session = new PowerShellSession({
      executable: pwsh,
      imports: [STAND_INS],
      childEnv: { ...lab.env(role), ...placeholders },
      timeoutMs: o.timeoutMs ?? 120_000,
      log: o.log,
      env: {},
    });
    return {
      run: (request: ScriptRequest) => lab.roundTrip(role, () => session.run(request)),
      close: () => session.close(),
    };
  };
  return new RehearsalTarget(lab, {
    cluster: experiment.cluster.name,
    description: experiment.cluster,
    runTag: o.runTag,
    ...(o.settingNames ? { settingNames: o.settingNames } : {}),
    log: o.log,
    runner,
    clock,
    ...(o.power ? { power: o.power } : {}),
  });
}
