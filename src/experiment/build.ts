/** A validated experiment document as the `Experiment` the runner takes: durations in ms, defaults filled in. */
import type { FaultCatalogue } from './catalogues.js';
import { parseDuration } from './duration.js';
import type { Experiment, Step } from './types.js';

/** Defaults for what an experiment may leave out. */
export const DEFAULTS = {
  seed: 1,
  clusterName: 'SIMCLUSTER',
  memoryGB: 4,
  scmRestartDelay: '15s',
  vmStart: ['5s', '20s'],
  vmIoInterval: ['100ms', '2s'],
  liveMigration: ['2s', '8s'],
  steadyStateTimeout: '120s',
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
    vms?: { name: string; owner: string; storage: 'smb' | 'csv-block'; memoryGB?: number; resiliencyPeriod?: number; version?: string }[] | null;
  };
  // optional sections may be written with nothing under them (null)
  simulator?: { scmRestartDelay?: string; vmStart?: [string, string]; vmIoInterval?: [string, string]; liveMigration?: [string, string] } | null;
  settings?: Record<string, number> | null;
  'steady-state'?: { timeout?: string; 'down-after'?: string[] } | null;
  method: Record<string, unknown>[];
  observe?: { interval?: string } | null;
  check?: { tolerance?: string } | null;
}

export function buildExperiment(
  data: unknown,
  where: { file: string; name: string; stepLines: (number | undefined)[] },
  faults: FaultCatalogue,
): Experiment {
  const d = data as Doc;
  const range = (r: readonly [string, string]): [number, number] => [parseDuration(r[0]), parseDuration(r[1])];
  const method: Step[] = d.method.map((step, i) => {
    const line = where.stepLines[i];
    if (typeof step.wait === 'string') return { kind: 'wait', ms: parseDuration(step.wait), ...(line ? { line } : {}) };
    const { fault, ...params } = step as { fault: string } & Record<string, unknown>;
    const schema = faults.get(fault)?.params ?? {};
    return { kind: 'fault', fault, params: durationsToMs(schema, params) as Record<string, unknown>, ...(line ? { line } : {}) };
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
      })),
    },
    simulator: {
      scmRestartDelayMs: parseDuration(d.simulator?.scmRestartDelay ?? DEFAULTS.scmRestartDelay),
      vmStartMs: range(d.simulator?.vmStart ?? DEFAULTS.vmStart),
      vmIoIntervalMs: range(d.simulator?.vmIoInterval ?? DEFAULTS.vmIoInterval),
      liveMigrationMs: range(d.simulator?.liveMigration ?? DEFAULTS.liveMigration),
    },
    settings: { ...d.settings },
    steadyState: {
      timeoutMs: parseDuration(d['steady-state']?.timeout ?? DEFAULTS.steadyStateTimeout),
      downAfter: d['steady-state']?.['down-after'] ?? [],
    },
    method,
    observe: { intervalMs: parseDuration(d.observe?.interval ?? DEFAULTS.observeInterval) },
    check: { toleranceMs: parseDuration(d.check?.tolerance ?? DEFAULTS.checkTolerance) },
    seed: d.seed ?? DEFAULTS.seed,
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
