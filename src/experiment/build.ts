/** A validated experiment document as the `Experiment` the runner takes: durations in ms, defaults filled in. */
import type { FaultCatalogue } from './catalogues.js';
import { parseDuration } from './duration.js';
import type { ClusterNetworkDescription, LiveMigrationNetworkDescription, VmDisk, VmPriority, WitnessDescription } from '../trace/records.js';
import type { Experiment, InParallel, Probe, Soak, Step, WindowsServerRelease, Written } from './types.js';

/** Defaults for what an experiment may leave out. */
export const DEFAULTS = {
  seed: 1,
  clusterName: 'SIMCLUSTER',
  memoryGB: 4,
  scmRestartDelay: '15s',
  vmStart: ['5s', '20s'],
  vmIoInterval: ['100ms', '2s'],
  /** A host's firmware POST and Windows boot until clussvc starts (assumed: no published figure; servers take minutes). */
  hostBoot: ['90s', '180s'],
  /** Host load and network noise around the timing model's figure: ±10 %. Assumed; no published spread. */
  liveMigrationJitter: 0.1,
  /** Hosts of Windows Server 2012 R2 or later: 5 pre-copy passes, concurrent migrations (lab §2, §3). */
  hostVersion: '2012R2+',
  /** Idle cores per host: enough for Compression, which needs spare CPU [AF15421] (assumed figure). */
  idleCpuCores: 4,
  /**
   * The live-migration network: one 10 GbE NIC per host, untuned (balanced power, standard frames), with
   * Compression, the default transport since Windows Server 2012 R2 [AF14907]; lab-observations §3.
   */
  liveMigration: { transport: 'Compression', nics: 1, nicGbps: 10, teaming: false, jumboFrames: false, powerProfile: 'balanced' },
  /**
   * MiB/s a VM dirties in its memory. An assumption: no published figure (windows-cluster-facts §4.3); 16 MiB/s
   * is a lightly loaded server, converging in two or three passes on 1 GbE.
   */
  dirtyMBps: 16,
  /** A soak stops at its first anomaly, keeping the evidence (the overnight loop, lab-observations §4). */
  soakStopOn: 'first-anomaly',
  /**
   * Events that make a soak iteration anomalous: 18590 guest crash (Hyper-V-Worker), 20417 unexpectedly long
   * blackout (VMMS), 21502 and 21111 live migration failed (Hyper-V-High-Availability); windows-cluster-facts §2.4.
   */
  anomalyEvents: [18590, 20417, 21502, 21111],
  /** A live migration not completed within this long is cancelled and counted as an anomaly. */
  migrationTimeout: '10m',
  steadyStateTimeout: '120s',
  /** How long each kind of steady-state probe may take before it counts as failed. */
  probeTimeout: { http: '5s', tcp: '3s', powershell: '30s' },
  /**
   * Pre-upgrade acceptance's pacing: 30 s to see a drained node Paused and empty (and a resumed one whole
   * again); 90 s after a clussvc kill, past isolation (~10 s: SameSubnetThreshold × SameSubnetDelay) and the
   * service control manager's restart; 5 s after each move of the migration tour, to see the new owner.
   */
  acceptance: { settle: '30s', afterKill: '90s', afterMove: '5s' },
  observeInterval: '1s',
  checkTolerance: '2s',
} as const;

/** The experiment document after validation (the schema guarantees these shapes). */
interface Doc {
  title: string;
  description?: string | null;
  seed?: number;
  cluster: {
    name?: string;
    nodes: string[];
    vms?:
      | {
          name: string;
          owner: string;
          storage: 'smb' | 'csv-block';
          memoryGB?: number;
          resiliencyPeriod?: number;
          version?: string;
          dirtyMBps?: number;
          workingSetGB?: number;
          disks?: { type: VmDisk['type']; controller: VmDisk['controller']; writes?: boolean }[] | null;
          priority?: VmPriority;
          preferredOwners?: string[] | null;
          antiAffinityClassNames?: string[] | null;
          volume?: string;
          automaticCriticalErrorAction?: 'Pause' | 'None';
          automaticCriticalErrorActionTimeout?: number;
        }[]
      | null;
    hostVersion?: '2008R2' | '2012R2+' | WindowsServerRelease | number;
    idleCpuCores?: number;
    liveMigration?: Partial<LiveMigrationNetworkDescription> | null;
    hostMemoryGB?: number | Record<string, number>;
    storage?: { name: string; kind: 'csv' | 'smb'; address?: string[] | null }[] | null;
    witness?: WitnessDescription | null;
    networks?: ClusterNetworkDescription[] | null;
    dynamicQuorum?: boolean;
  };
  // optional sections may be written with nothing under them (null)
  simulator?: { scmRestartDelay?: string; vmStart?: [string, string]; vmIoInterval?: [string, string]; hostBoot?: [string, string]; liveMigrationJitter?: number; rdmaSetupPerGB?: string } | null;
  settings?: Record<string, number> | null;
  'steady-state'?: { timeout?: string; 'down-after'?: string[]; probes?: ProbeDoc[] | null } | null;
  method: Record<string, unknown>[];
  observe?: { interval?: string } | null;
  check?: { tolerance?: string } | null;
  acceptance?: { settle?: string; 'after-kill'?: string; 'after-move'?: string; 'upgrade-to'?: number | string } | null;
  iterations?: number | null;
  duration?: string | null;
  soak?: { 'stop-on'?: Soak['stopOn']; 'anomaly-events'?: number[]; 'migration-timeout'?: string } | null;
}

export function buildExperiment(
  data: unknown,
  where: { file: string; name: string; stepLines: (number | undefined)[]; planAt?: Written & { path: string }; lineOf?: (path: (string | number)[]) => number | undefined },
  faults: FaultCatalogue,
): Experiment {
  const d = data as Doc;
  const range = (r: readonly [string, string]): [number, number] => [parseDuration(r[0]), parseDuration(r[1])];
  const stepOf = (step: Record<string, unknown>, line: number | undefined, parallel?: InParallel): Step => {
    const inBlock = parallel ? { parallel } : {};
    if (typeof step.wait === 'string') return { kind: 'wait', ms: parseDuration(step.wait), ...(line ? { line } : {}), ...inBlock };
    const { fault, 'on-failure': onFailure, ...params } = step as { fault: string; 'on-failure'?: 'stop' | 'continue' } & Record<string, unknown>;
    const schema = faults.get(fault)?.params ?? {};
    const stop = onFailure === 'stop' ? { onFailure: 'stop' as const } : {};
    return { kind: 'fault', fault, params: durationsToMs(schema, params) as Record<string, unknown>, ...(line ? { line } : {}), ...inBlock, ...stop };
  };
  // a `parallel:` block's steps go into the flat method in order, each marked with its block and branch (method.ts)
  const method: Step[] = d.method.flatMap((step, i) => {
    const line = where.stepLines[i];
    if (!Array.isArray(step.parallel)) return [stepOf(step, line)];
    return (step.parallel as unknown[]).flatMap((branch, b) => {
      const parallel: InParallel = { block: i, branch: b, ...(line ? { line } : {}) };
      const steps = Array.isArray(branch) ? (branch as Record<string, unknown>[]) : [branch as Record<string, unknown>];
      return steps.map((s, j) => stepOf(s, where.lineOf?.(Array.isArray(branch) ? ['method', i, 'parallel', b, j] : ['method', i, 'parallel', b]) ?? line, parallel));
    });
  });
  return {
    file: where.file,
    name: where.name,
    title: d.title.trim(),
    description: (d.description ?? '').trim(),
    cluster: {
      name: d.cluster.name ?? DEFAULTS.clusterName,
      nodes: [...d.cluster.nodes],
      vms: (d.cluster.vms ?? []).map((vm) => ({
        name: vm.name,
        owner: vm.owner,
        storage: vm.storage,
        memoryGB: vm.memoryGB ?? DEFAULTS.memoryGB,
        ...(vm.resiliencyPeriod !== undefined ? { resiliencyPeriod: vm.resiliencyPeriod } : {}),
        ...(vm.version !== undefined ? { version: vm.version } : {}),
        dirtyMBps: vm.dirtyMBps ?? DEFAULTS.dirtyMBps,
        ...(vm.workingSetGB !== undefined ? { workingSetGB: vm.workingSetGB } : {}),
        disks: (vm.disks ?? []).map((disk) => ({ type: disk.type, controller: disk.controller, writes: disk.writes ?? false })),
        ...(vm.volume !== undefined ? { volume: vm.volume } : {}),
        ...(vm.automaticCriticalErrorAction !== undefined ? { automaticCriticalErrorAction: vm.automaticCriticalErrorAction } : {}),
        ...(vm.priority !== undefined ? { priority: vm.priority } : {}),
        ...(vm.preferredOwners?.length ? { preferredOwners: [...vm.preferredOwners] } : {}),
        ...(vm.antiAffinityClassNames?.length ? { antiAffinityClassNames: [...vm.antiAffinityClassNames] } : {}),
        ...(vm.automaticCriticalErrorActionTimeout !== undefined ? { automaticCriticalErrorActionTimeout: vm.automaticCriticalErrorActionTimeout } : {}),
      })),
      hostVersion: hostBehaviour(d.cluster.hostVersion ?? DEFAULTS.hostVersion),
      idleCpuCores: d.cluster.idleCpuCores ?? DEFAULTS.idleCpuCores,
      liveMigration: { ...DEFAULTS.liveMigration, ...d.cluster.liveMigration },
      ...(d.cluster.hostMemoryGB !== undefined ? { hostMemoryGB: typeof d.cluster.hostMemoryGB === 'number' ? d.cluster.hostMemoryGB : { ...d.cluster.hostMemoryGB } } : {}),
      ...(d.cluster.storage ? { storage: d.cluster.storage.map((v) => ({ name: v.name, kind: v.kind, ...(v.address?.length ? { address: [...v.address] } : {}) })) } : {}),
      ...(d.cluster.witness ? { witness: { type: d.cluster.witness.type } } : {}),
      ...(d.cluster.networks?.length
        ? { networks: d.cluster.networks.map((n) => ({ name: n.name, role: n.role, ...(n.liveMigration !== undefined ? { liveMigration: n.liveMigration } : {}) })) }
        : {}),
      ...(d.cluster.dynamicQuorum !== undefined ? { dynamicQuorum: d.cluster.dynamicQuorum } : {}),
    },
    simulator: {
      scmRestartDelayMs: parseDuration(d.simulator?.scmRestartDelay ?? DEFAULTS.scmRestartDelay),
      vmStartMs: range(d.simulator?.vmStart ?? DEFAULTS.vmStart),
      vmIoIntervalMs: range(d.simulator?.vmIoInterval ?? DEFAULTS.vmIoInterval),
      hostBootMs: range(d.simulator?.hostBoot ?? DEFAULTS.hostBoot),
      liveMigrationJitter: d.simulator?.liveMigrationJitter ?? DEFAULTS.liveMigrationJitter,
      ...(d.simulator?.rdmaSetupPerGB !== undefined ? { rdmaSetupMsPerGB: parseDuration(d.simulator.rdmaSetupPerGB) } : {}),
    },
    settings: { ...d.settings },
    steadyState: {
      timeoutMs: parseDuration(d['steady-state']?.timeout ?? DEFAULTS.steadyStateTimeout),
      downAfter: d['steady-state']?.['down-after'] ?? [],
      ...(d['steady-state']?.probes?.length ? { probes: d['steady-state'].probes.map((p, i) => probeOf(p, where.lineOf?.(['steady-state', 'probes', i]))) } : {}),
    },
    method,
    observe: { intervalMs: parseDuration(d.observe?.interval ?? DEFAULTS.observeInterval) },
    check: { toleranceMs: parseDuration(d.check?.tolerance ?? DEFAULTS.checkTolerance) },
    acceptance: {
      settleMs: parseDuration(d.acceptance?.settle ?? DEFAULTS.acceptance.settle),
      afterKillMs: parseDuration(d.acceptance?.['after-kill'] ?? DEFAULTS.acceptance.afterKill),
      afterMoveMs: parseDuration(d.acceptance?.['after-move'] ?? DEFAULTS.acceptance.afterMove),
      ...(d.acceptance?.['upgrade-to'] != null ? { upgradeTo: String(d.acceptance['upgrade-to']) as WindowsServerRelease } : {}),
    },
    seed: d.seed ?? DEFAULTS.seed,
    ...soakOf(d),
    ...(where.planAt ? { planAt: where.planAt } : {}),
  };
}

/** A probe as written (the schema allows exactly one of http, tcp, powershell). */
interface ProbeDoc {
  name: string;
  vm?: string;
  http?: { url: string; status?: number | number[]; contains?: string; timeout?: string };
  tcp?: { host: string; port: number; timeout?: string };
  powershell?: { script: string; timeout?: string };
}

function probeOf(p: ProbeDoc, line: number | undefined): Probe {
  const common = { name: p.name, ...(p.vm !== undefined ? { vm: p.vm } : {}), ...(line ? { line } : {}) };
  const timeout = (given: string | undefined, kind: keyof typeof DEFAULTS.probeTimeout) => parseDuration(given ?? DEFAULTS.probeTimeout[kind]);
  if (p.http) {
    const { url, status, contains } = p.http;
    return { ...common, kind: 'http', url, status: status === undefined ? [] : [status].flat(), ...(contains !== undefined ? { contains } : {}), timeoutMs: timeout(p.http.timeout, 'http') };
  }
  if (p.tcp) return { ...common, kind: 'tcp', host: p.tcp.host, port: p.tcp.port, timeoutMs: timeout(p.tcp.timeout, 'tcp') };
  return { ...common, kind: 'powershell', script: p.powershell!.script, timeoutMs: timeout(p.powershell!.timeout, 'powershell') };
}

/**
 * What the simulator and the models know of a host version. Windows Server 2016, 2019, 2022 and 2025 live-migrate
 * as 2012 R2 does (5 pre-copy passes [SAVILL-499], concurrent migrations [LM-SETUP]): windows-cluster-facts.md
 * gives no later change to either.
 */
function hostBehaviour(version: string | number): '2008R2' | '2012R2+' {
  return version === '2008R2' ? '2008R2' : '2012R2+';
}

/** A soak when the document gives `iterations` or `duration` (semantic.ts refuses both, or a soak section without either). */
function soakOf(d: Doc): { soak?: Soak } {
  const iterations = d.iterations ?? undefined;
  const duration = d.duration ?? undefined;
  if (iterations === undefined && duration === undefined) return {};
  return {
    soak: {
      ...(iterations !== undefined ? { iterations } : {}),
      ...(duration !== undefined ? { durationMs: parseDuration(duration) } : {}),
      stopOn: d.soak?.['stop-on'] ?? DEFAULTS.soakStopOn,
      anomalyEvents: [...(d.soak?.['anomaly-events'] ?? DEFAULTS.anomalyEvents)],
      migrationTimeoutMs: parseDuration(d.soak?.['migration-timeout'] ?? DEFAULTS.migrationTimeout),
    },
  };
}

/** Every string the schema marks `format: 'duration'` becomes milliseconds (fault params: `holdDown: 120s` → 120000). */
export function durationsToMs(schema: unknown, value: unknown): unknown {
  const s = (schema ?? {}) as Record<string, any>;
  if (s.format === 'duration' && typeof value === 'string') return parseDuration(value);
  if (Array.isArray(value)) {
    return value.map((v, i) => durationsToMs(Array.isArray(s.prefixItems) ? s.prefixItems[i] : s.items, v));
  }
  if (value !== null && typeof value === 'object') {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, durationsToMs(props[k] ?? s.additionalProperties, v)]));
  }
  return value;
}
