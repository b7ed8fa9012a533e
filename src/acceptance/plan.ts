import type { Experiment, Step } from '../experiment/types.js';

/** How long each generated step waits for the cluster to settle (observed all the while). */
const SETTLE_MS = 30_000;
/** After a kill: isolation (~10 s), the SCM restart (15 s by default) and the rejoin, with room to spare. */
const RESILIENCY_WAIT_MS = 90_000;

/** The experiments the acceptance suite runs, each generated from the cluster of the base experiment. */
export interface AcceptancePlan {
  /** One run per node (the safety guard counts every node a method impairs, so one node per run). */
  drains: Experiment[];
  migrations: Experiment[];
  /** One run per node. */
  resiliency: Experiment[];
}

export function acceptancePlan(base: Experiment): AcceptancePlan {
  const { nodes, vms } = base.cluster;
  const fault = (name: string, params: Record<string, unknown>): Step => ({ kind: 'fault', fault: name, params });
  const wait = (ms: number): Step => ({ kind: 'wait', ms });
  const derived = (suffix: string, title: string, description: string, method: Step[]): Experiment => {
    const { soak: _soak, ...rest } = base;
    return { ...rest, name: `${base.name}-${suffix}`, title, description, method };
  };
  return {
    // Suspend-ClusterNode -Drain, then Resume-ClusterNode -Failback Immediate, on each node in turn
    drains: nodes.map((node) =>
      derived(
        `drain-${node}`,
        `${node} drains and resumes with its VMs back`,
        `Drains ${node} (Suspend-ClusterNode -Drain -Wait) and resumes it with failback: its VMs must live-migrate away and back.`,
        [fault('drain-node', { node }), wait(SETTLE_MS), fault('resume-node', { node, failback: true }), wait(SETTLE_MS)],
      ),
    ),
    // each VM visits every other node in cluster order, then comes home
    migrations: [derived(
      'migrations',
      'Every VM live-migrates to every node',
      `Live-migrates each VM to every other node in turn and back to its own (${vms.length} VMs × ${nodes.length} nodes).`,
      [
        ...vms.flatMap((vm) => {
          const from = Math.max(0, nodes.indexOf(vm.owner));
          const tour = [...nodes.slice(from + 1), ...nodes.slice(0, from + 1)];
          return tour.map((node) => fault('live-migrate', { vm: vm.name, to: node }));
        }),
        wait(SETTLE_MS),
      ],
    )],
    // Compute Resiliency: clussvc killed on one node at a time; the node is Isolated, then rejoins
    resiliency: nodes.map((node) =>
      derived(
        `resiliency-${node}`,
        `Compute Resiliency on ${node}`,
        `Force-kills clussvc on ${node}: it should be Isolated, its VMs Unmonitored, then rejoin within the resiliency period.`,
        [fault('kill-clussvc', { node }), wait(RESILIENCY_WAIT_MS)],
      ),
    ),
  };
}
