import type { Experiment, Step } from '../experiment/types.js';

/** The specs of the suite, in the order they run (`clusterchaos accept --spec <name>` picks some). */
export const SPEC_NAMES = ['configuration', 'drains', 'migrations', 'resiliency'] as const;
export type SpecName = (typeof SPEC_NAMES)[number];

/** The experiments the acceptance suite runs, each generated from the cluster of the base experiment. */
export interface AcceptancePlan {
  /** The specs that run, in order; the runs of the others are left out. */
  specs: SpecName[];
  /** One run per node (the safety guard counts every node a method impairs, so one node per run). */
  drains: Experiment[];
  /** One run per VM. */
  migrations: Experiment[];
  /** One run per node. */
  resiliency: Experiment[];
}

/**
 * The runs, paced by the experiment's `acceptance` section: every wait is observed (a poll each observe
 * interval), and each run ends by waiting for the steady state (every node Up, every VM Running) as any run does.
 */
export function acceptancePlan(base: Experiment, specs: readonly SpecName[] = SPEC_NAMES): AcceptancePlan {
  const chosen = SPEC_NAMES.filter((name) => specs.includes(name));
  const only = <T>(name: SpecName, runs: () => T[]): T[] => (chosen.includes(name) ? runs() : []);
  const { nodes, vms } = base.cluster;
  const { settleMs, afterKillMs, afterMoveMs } = base.acceptance;
  const fault = (name: string, params: Record<string, unknown>): Step => ({ kind: 'fault', fault: name, params });
  const wait = (ms: number): Step => ({ kind: 'wait', ms });
  const derived = (suffix: string, title: string, description: string, method: Step[]): Experiment => {
    const { soak: _soak, ...rest } = base;
    return { ...rest, name: `${base.name}-${suffix}`, title, description, method };
  };
  return {
    specs: chosen,
    // Suspend-ClusterNode -Drain, then Resume-ClusterNode -Failback Immediate, on each node in turn
    drains: only('drains', () => nodes.map((node) =>
      derived(
        `drain-${node}`,
        `${node} drains and resumes with its VMs back`,
        `Drains ${node} (Suspend-ClusterNode -Drain -Wait) and resumes it with failback: its VMs must live-migrate away and back.`,
        [fault('drain-node', { node }), wait(settleMs), fault('resume-node', { node, failback: true }), wait(settleMs)],
      ),
    )),
    // one run per VM: it visits every other node in cluster order, then comes home; each move is observed before
    // the next (the runner polls only while it waits: back-to-back moves would leave the owners unseen). One run
    // each, so each VM is a test case of its own with its own report.
    migrations: only('migrations', () => vms.map((vm) => {
      const from = Math.max(0, nodes.indexOf(vm.owner));
      const tour = [...nodes.slice(from + 1), ...nodes.slice(0, from + 1)];
      return derived(
        `migrate-${vm.name}`,
        `${vm.name} live-migrates to every node and back`,
        `Live-migrates ${vm.name} to every other node in turn (${tour.join(', ')}) and back to its own.`,
        [...tour.flatMap((node) => [fault('live-migrate', { vm: vm.name, to: node }), wait(afterMoveMs)]), wait(settleMs)],
      );
    })),
    // Compute Resiliency: clussvc killed on one node at a time; the node is Isolated, then rejoins
    resiliency: only('resiliency', () => nodes.map((node) =>
      derived(
        `resiliency-${node}`,
        `Compute Resiliency on ${node}`,
        `Force-kills clussvc on ${node}: it should be Isolated, its VMs Unmonitored, then rejoin within the resiliency period.`,
        [fault('kill-clussvc', { node }), wait(afterKillMs)],
      ),
    )),
  };
}
