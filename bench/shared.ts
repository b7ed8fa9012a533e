/**
 * What the benchmarks share: building a long simulated trace, the median of repeated runs, and the machine
 * they ran on (figures mean little without it).
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../machines/index.js';
import { Runner } from '../src/engine/runner.js';
import type { Experiment } from '../src/experiment/types.js';
import { loadExperiment } from '../src/experiment/load.js';
import { faults } from '../src/faults/catalogue.js';
import { createSimTarget } from '../src/targets/sim/index.js';

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall time and CPU time (user + system) of `run`, in ms: on a busy machine the CPU time is the steadier figure. */
export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}`;
}

export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** The simulated soaks the benchmarks check. */
export type SoakKind = 'kill-clussvc' | 'drain';

export const SOAKS: Record<SoakKind, string> = {
  'kill-clussvc': 'clussvc killed on N2 every 2 min (compute-resiliency.yaml), every node and VM polled every second',
  drain: 'N2 drained and resumed with failback every ≈ 5 min (drain-host.yaml\'s cluster: 6 VMs × 2 live migrations), polled every second',
};

/**
 * A long simulated run as a trace, about `hours` of virtual time: `kill-clussvc` (about 43,000 records per
 * virtual hour) or `drain` (12 drain-and-failback cycles per hour, about 10,000 records and 144 live migrations).
 * Written once per kind and length into the temp folder and reused; returns its path and how long writing it
 * took (0 when reused).
 */
export async function soakTrace(hours: number, kind: SoakKind = 'kill-clussvc'): Promise<{ path: string; writeMs: number; bytes: number }> {
  const dir = join(tmpdir(), 'clusterchaos-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${kind}-${hours}h.ndjson`);
  let writeMs = 0;
  if (!existsSync(path)) {
    const file = kind === 'drain' ? 'experiments/drain-host.yaml' : 'experiments/compute-resiliency.yaml';
    const base = loadExperiment(file, { settings: settingDefinitions, faults });
    const method: Experiment['method'] = [];
    if (kind === 'drain') {
      // Suspend-ClusterNode -Drain, then Resume-ClusterNode -Failback Immediate, over the hosts' own transport
      const timeout = 30 * 60_000;
      for (let i = 0; i < Math.round(hours * 12); i++) {
        method.push(
          { kind: 'fault', fault: 'drain-node', params: { node: 'N2', timeout } },
          { kind: 'wait', ms: 30_000 },
          { kind: 'fault', fault: 'resume-node', params: { node: 'N2', failback: true, timeout } },
          { kind: 'wait', ms: 30_000 },
        );
      }
    } else {
      for (let i = 0; i < (hours * 3600) / 120; i++) {
        method.push({ kind: 'fault', fault: 'kill-clussvc', params: { node: 'N2' } }, { kind: 'wait', ms: 120_000 });
      }
    }
    // QuarantineThreshold 0: a node crashing every 2 minutes would otherwise be quarantined; here it stays a plain soak.
    const settings = kind === 'drain' ? base.settings : { ...base.settings, QuarantineThreshold: 0 };
    // Every second, whatever the catalogue experiment polls at (drain-host: 5 s): the checker's worst case
    const experiment: Experiment = { ...base, method, settings, observe: { intervalMs: 1000 } };
    // As `clusterchaos run` does: cluster properties are set on the cluster, the models' settings go in the header.
    const isModel = (name: string): boolean => settingDefinitions.find((d) => d.name === name)?.kind === 'model';
    const clusterSettings = Object.fromEntries(Object.entries(settings).filter(([name]) => !isModel(name)));
    const modelSettings = Object.fromEntries(
      settingDefinitions.filter((d) => d.kind === 'model').map((d) => [d.name, settings[d.name] ?? d.default]),
    );
    const target = createSimTarget({ cluster: experiment.cluster, simulator: experiment.simulator, seed: 1, defects: [] });
    const partial = `${path}.${process.pid}.partial`;
    const t0 = performance.now();
    const outcome = await new Runner({
      experiment,
      target,
      faults,
      tracePath: partial,
      runId: `bench-${kind}`,
      defects: [],
      replay: 'bench',
      clusterSettings,
      modelSettings,
      log: pino({ level: 'silent' }),
    }).run();
    writeMs = performance.now() - t0;
    if (outcome.status !== 'completed') throw new Error(`the ${kind} bench soak did not complete: ${outcome.status}`);
    renameSync(partial, path);
  }
  return { path, writeMs, bytes: statSync(path).size };
}
