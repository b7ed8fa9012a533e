import { createSimTarget, type SimTarget } from '../../src/targets/sim/index.js';
import type { Poll } from '../../src/targets/target.js';
import type { ClusterDescription, VmDescription } from '../../src/trace/records.js';

/** A three-node lab: N2 hosts an SMB VM and a CSV (block) VM, N1 hosts one SMB VM. */
export const labVms: VmDescription[] = [
  { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
  { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
  { name: 'app01', owner: 'N1', storage: 'smb', memoryGB: 8 },
];

/** Nodes N1 … Nn. */
export const nodeNames = (count: number): string[] => Array.from({ length: count }, (_, i) => `N${i + 1}`);

/** Two VMs on each node: smb<i> (SMB) and csv<i> (CSV over block storage). */
export const twoVmsEach = (nodes: string[]): VmDescription[] =>
  nodes.flatMap((n, i) => [
    { name: `smb${i + 1}`, owner: n, storage: 'smb' as const, memoryGB: 4 },
    { name: `csv${i + 1}`, owner: n, storage: 'csv-block' as const, memoryGB: 8 },
  ]);

/**
 * The lab's live-migration network: SMB Direct over 2×25 GbE, so a lab VM moves in about 4.5–7 s (setup and
 * cleanup included), which keeps drains short in the tests. Tests about timing choose their own network.
 */
export const fastNetwork: NonNullable<ClusterDescription['liveMigration']> = {
  transport: 'SMBDirect',
  nics: 2,
  nicGbps: 25,
  teaming: false,
  jumboFrames: true,
  powerProfile: 'high-performance',
};

/** One 1 GbE NIC, TCP/IP: a lab VM takes 40 s (4 GB) to 2.5 min (16 GB) to move, for tests that need slow drains. */
export const slowNetwork: NonNullable<ClusterDescription['liveMigration']> = {
  transport: 'TCPIP',
  nics: 1,
  nicGbps: 1,
  teaming: false,
  jumboFrames: false,
  powerProfile: 'balanced',
};

export const labSimulator = {
  scmRestartDelayMs: 60_000,
  vmStartMs: [5_000, 15_000] as [number, number],
  vmIoIntervalMs: [200, 2_000] as [number, number],
  liveMigrationJitter: 0.1,
};

export interface LabOptions {
  seed?: number;
  vms?: VmDescription[];
  nodes?: string[];
  defects?: string[];
  scmRestartDelayMs?: number;
  /** ±fraction around the physical timing model; the lab's default 0.1. */
  liveMigrationJitter?: number;
  /** The live-migration network (absent: fastNetwork), hosts' version and idle cores (absent: the simulator's defaults). */
  liveMigration?: ClusterDescription['liveMigration'];
  hostVersion?: ClusterDescription['hostVersion'];
  idleCpuCores?: number;
  /** cluster.hostMemoryGB (absent: memory is no limit). */
  hostMemoryGB?: ClusterDescription['hostMemoryGB'];
  /** cluster.witness (absent: none) and cluster.dynamicQuorum (absent: on, the documented default). */
  witness?: ClusterDescription['witness'];
  dynamicQuorum?: boolean;
}

export function lab(options: LabOptions = {}): SimTarget {
  return createSimTarget({
    cluster: {
      name: 'LAB',
      nodes: options.nodes ?? ['N1', 'N2', 'N3'],
      vms: options.vms ?? labVms,
      liveMigration: options.liveMigration ?? fastNetwork,
      ...(options.hostVersion && { hostVersion: options.hostVersion }),
      ...(options.idleCpuCores !== undefined && { idleCpuCores: options.idleCpuCores }),
      ...(options.witness && { witness: options.witness }),
      ...(options.dynamicQuorum !== undefined && { dynamicQuorum: options.dynamicQuorum }),
      ...(options.hostMemoryGB !== undefined && { hostMemoryGB: options.hostMemoryGB }),
    },
    simulator: {
      ...labSimulator,
      scmRestartDelayMs: options.scmRestartDelayMs ?? labSimulator.scmRestartDelayMs,
      liveMigrationJitter: options.liveMigrationJitter ?? labSimulator.liveMigrationJitter,
    },
    seed: options.seed ?? 1,
    defects: options.defects,
  });
}

/** Poll every `stepMs` until `seen` holds; returns that poll. Fails after `withinMs`. */
export async function waitFor(target: SimTarget, seen: (p: Poll) => boolean, withinMs: number, stepMs = 100): Promise<Poll> {
  const until = target.now() + withinMs;
  for (;;) {
    const poll = await target.poll();
    if (seen(poll)) return poll;
    if (target.now() >= until) throw new Error(`not seen within ${withinMs} ms (t=${target.now()}): ${JSON.stringify(poll)}`);
    await target.sleep(stepMs);
  }
}

/** Every distinct poll (by content) while time passes, polled every `stepMs`. */
export async function timeline(target: SimTarget, forMs: number, stepMs = 100): Promise<Poll[]> {
  const out: Poll[] = [];
  let last = '';
  const until = target.now() + forMs;
  while (target.now() < until) {
    await target.sleep(stepMs);
    const poll = await target.poll();
    const key = JSON.stringify({ nodes: poll.nodes, vms: poll.vms });
    if (key !== last) out.push(poll);
    last = key;
  }
  return out;
}

/** The error a call was refused with (fails the test if the call succeeded). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to be refused');
}

/** Kill clussvc on `node` and wait until the members have removed it; returns the first poll that shows it. */
export async function crash(target: SimTarget, node: string): Promise<Poll> {
  await target.killClusterService(node);
  return waitFor(target, (p) => p.nodes[node].State === 'Down', 15_000, 10);
}

/** Crash `node` and wait until the SCM restart has brought it back Up. */
export async function crashAndRejoin(target: SimTarget, node: string): Promise<Poll> {
  await crash(target, node);
  return waitFor(target, (p) => p.nodes[node].State === 'Up', 120_000);
}

/** Crash `node` until it is quarantined: (threshold − 1) crashes it comes back from, then the last one. */
export async function crashUntilQuarantined(target: SimTarget, node: string, threshold = 3): Promise<Poll> {
  for (let i = 1; i < threshold; i++) await crashAndRejoin(target, node);
  return crash(target, node);
}
