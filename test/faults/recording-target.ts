import type { FaultContext } from '../../src/faults/fault.js';
import type { DrainValue, LiveMigrateOptions, LiveMigrationValue, Poll, Target } from '../../src/targets/target.js';
import type { NodeObservation } from '../../src/trace/records.js';

/** A call a fault made on the target, in order. */
export type Call = [method: string, ...args: unknown[]];

/**
 * A target that only answers what faults ask of it: a poll of node states and VM owners set by the test,
 * and records every call. Anything else a fault should not call throws.
 */
export function recordingTarget(o: { nodes: string[]; states?: Record<string, NodeObservation['State']>; owners: Record<string, string> }) {
  const calls: Call[] = [];
  let polls = 0;
  const target = {
    kind: 'sim',
    describe: () => ({ name: 'T', nodes: [...o.nodes], vms: [] }),
    now: () => 0,
    poll: async (): Promise<Poll> => {
      polls++;
      return {
        t: 0,
        nodes: Object.fromEntries(o.nodes.map((n) => [n, { State: o.states?.[n] ?? 'Up', StatusInformation: [] }])),
        vms: Object.fromEntries(
          Object.entries(o.owners).map(([vm, owner]) => [vm, { State: 'Running', GroupState: 'Online', OwnerNode: owner, StatusInformation: [] }]),
        ),
      };
    },
    liveMigrate: async (vm: string, node: string, options?: LiveMigrateOptions): Promise<LiveMigrationValue> => {
      calls.push(['liveMigrate', vm, node, options]);
      return { vm, source: o.owners[vm]!, target: node, totalMs: 1000 };
    },
    suspendNode: async (node: string, options: { drain: boolean; timeoutMs?: number }): Promise<DrainValue> => {
      calls.push(['suspendNode', node, options]);
      return { node, totalMs: 1000, migrations: [] };
    },
    resumeNode: async (node: string, options: { failback: boolean; timeoutMs?: number }): Promise<DrainValue> => {
      calls.push(['resumeNode', node, options]);
      return { node, totalMs: 0, migrations: [] };
    },
  };
  const unexpected = (name: string) => () => {
    throw new Error(`a fault called target.${name}`);
  };
  const others = ['sleep', 'collectEvents', 'getSettings', 'setSettings', 'killClusterService', 'startClusterService'];
  others.push('stopClusterNode', 'startClusterNode', 'isolateNetwork', 'restoreNetwork', 'close');
  for (const name of others) {
    (target as Record<string, unknown>)[name] = unexpected(name);
  }
  return { target: target as unknown as Target, calls, polls: () => polls };
}

/** A fault context for iteration `iteration`, drawing the given numbers in turn from `random()`. */
export function context(iteration = 1, draws: number[] = [], migrationTimeoutMs = 600_000): FaultContext {
  let i = 0;
  return {
    iteration,
    migrationTimeoutMs,
    random: () => {
      if (i >= draws.length) throw new Error('the fault drew more random numbers than the test expected');
      return draws[i++]!;
    },
  };
}
