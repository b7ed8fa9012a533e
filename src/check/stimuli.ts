import type { ClusterDescription, LiveMigrationValue, OpRecord } from '../trace/records.js';
import { heartbeatsSurvive, networksOf, resolveNetworks } from '../trace/networks.js';
import { volumesOf, vmsOn } from '../trace/storage.js';

/** A model event that an operation in the trace means for one entity. */
export interface Stimulus {
  entity: string;
  event: { type: string; [key: string]: unknown };
  /** How a person names it: `kill-clussvc on N2`. */
  label: string;
  /** VMs: the node the VM runs on once it took the event (a failed live migration leaves it on its source). */
  owner?: string;
  /** Only for a VM owned by this node at the time (the others ignore it): a completed drain's VMs still on the node. */
  ownedBy?: string;
  /**
   * A failback to this node (Resume-ClusterNode -Failback): only for the VMs the node's last drain moved away
   * [PSDOC-RESUME], which the checker knows from the worlds when the drain began (all VMs when it does not).
   */
  failbackTo?: string;
  /** A live migration asked for with its target known (live-migrate's `to`, a failback's node): where it switches over to. */
  to?: string;
}

/**
 * The stimuli each fault's operation means for the models, read from the op lines alone (never from what
 * the runner meant to do). A fault that changes nothing the models track has no entry.
 *
 * Most operations act when they complete (`ok`, or `info`: perhaps), somewhere between their invoke and their
 * completion. Live migrations and drains act from their invoke: the VM may move, and the node is Paused,
 * while the operation runs; their completion says how it ended (a failed one: `fail`, which for the others
 * means nothing happened).
 */
const on = (args: Record<string, unknown>, type: string, label: string, extra: Record<string, unknown> = {}): Stimulus => ({
  entity: `node/${String(args.node)}`,
  event: { type, ...extra },
  label: `${label} on ${String(args.node)}`,
});

const byFault: Record<string, (args: Record<string, unknown>) => Stimulus[]> = {
  // Stop-Process -Name clussvc -Force: an ungraceful exit of the Cluster Service
  // (with holdDown: a task on the node keeps it from starting until then, and starts it then)
  'kill-clussvc': (args) => [on(args, 'clussvc.crashed', 'kill-clussvc', typeof args.holdDown === 'number' ? { holdDownMs: args.holdDown } : {})],
  // Start-Service clussvc (the revert, at the run's end or when the hold-down is cut short): the service runs, so the
  // node may join (it changes nothing when SCM had restarted the service already)
  'revert:kill-clussvc': (args) => [on(args, 'clussvc.back', 'revert of kill-clussvc')],
  // Start-ClusterNode [-ClearQuarantine]
  'start-node': (args) => [
    ...(args.clearQuarantine === true ? [on(args, 'quarantine.cleared', 'start-node -ClearQuarantine')] : []),
    on(args, 'node.started', 'start-node'),
  ],
  'revert:stop-node': (args) => [on(args, 'node.started', 'revert of stop-node')],
  // The host's power cut (BMC / outer Hyper-V host): the OS, clussvc and its VMs stop at once (issue 14)
  'power-off-node': (args) => [on(args, 'host.poweredOff', 'power-off-node')],
  // Powered on: the host boots, clussvc starts, the node joins (the op ends once the power is on)
  'power-on-node': (args) => [on(args, 'host.poweredOn', 'power-on-node')],
  'revert:power-off-node': (args) => [on(args, 'host.poweredOn', 'revert of power-off-node')],
};

/** A drain's or a failback's value: what it moved (DrainValue in src/targets/target.ts). */
interface Moves {
  migrations?: LiveMigrationValue[];
}

const liveMigrationLabel = (args: Record<string, unknown>) => `live-migrate ${String(args.vm)} to ${String(args.to)}`;

/** Each move of a drain or failback: a completed one moved the VM, a failed one left it on its source. */
function moves(value: unknown, label: string): Stimulus[] {
  const migrations = (value as Moves | undefined)?.migrations;
  if (!Array.isArray(migrations)) return [];
  return migrations.map((m) =>
    m.failedIn === undefined
      ? { entity: `vm/${m.vm}`, event: { type: 'migration.completed' }, label: `${label}: ${m.vm} moved to ${m.target}` }
      : { entity: `vm/${m.vm}`, event: { type: 'migration.failed' }, label: `${label}: ${m.vm} failed to move to ${m.target}`, owner: m.source },
  );
}

type ByPhase = (op: OpRecord, vms: readonly string[]) => Stimulus[];

/** A failback's end: the moves its value lists, and every other VM (asked to maybe move back at the invoke) stayed where it was. */
function failedBack(args: Record<string, unknown>, value: unknown, vms: readonly string[], label: string): Stimulus[] {
  if (args.failback === false) return [];
  const listed = moves(value, label);
  const mentioned = new Set(listed.map((m) => m.entity));
  return [
    ...listed,
    ...vms
      .filter((vm) => !mentioned.has(`vm/${vm}`))
      .map((vm): Stimulus => ({ entity: `vm/${vm}`, event: { type: 'migration.failed' }, label: `${label}: ${vm} not moved back`, failbackTo: String(args.node) })),
  ];
}

/** Operations with a live migration in them, by phase (issue 4). */
const migrationOps: Record<string, Partial<Record<OpRecord['phase'], ByPhase>>> = {
  // Move-ClusterVirtualMachineRole -MigrationType Live: the VM keeps running and may change owner meanwhile
  'live-migrate': {
    invoke: ({ args }) => [{ entity: `vm/${String(args.vm)}`, event: { type: 'migration.requested' }, label: liveMigrationLabel(args), ...(typeof args.to === 'string' ? { to: args.to } : {}) }],
    ok: ({ args }) => [{ entity: `vm/${String(args.vm)}`, event: { type: 'migration.completed' }, label: liveMigrationLabel(args) }],
    // Failed (or cancelled): the VM stays on its source, which the value names
    fail: ({ args, value }) => {
      const source = (value as Partial<LiveMigrationValue> | undefined)?.source;
      return [
        {
          entity: `vm/${String(args.vm)}`,
          event: { type: 'migration.failed' },
          label: `${liveMigrationLabel(args)} (failed)`,
          ...(typeof source === 'string' ? { owner: source } : {}),
        },
      ];
    },
    // info: it may have completed or not; the VM settles wherever it is (the migration checker says unknown)
  },
  // Suspend-ClusterNode -Drain -Wait: Paused from the start, its VMs live-migrating away
  'drain-node': {
    invoke: ({ args }) => [on(args, 'node.suspended', 'drain-node')],
    // Completed (DrainStatus Completed): every role has left the node [PSDOC-SUSP]. The moves its value lists
    // took the VMs away; a VM still owned by the node has moved too, to a node the value does not say (a real
    // cluster's Suspend-ClusterNode reports no targets), so it must next be seen on an Up node, not left behind
    ok: ({ args, value }, vms) => [
      ...moves(value, `drain-node on ${String(args.node)}`),
      ...vms.map((vm): Stimulus => ({ entity: `vm/${vm}`, event: { type: 'drain.completed' }, label: `drain-node on ${String(args.node)} (completed)`, ownedBy: String(args.node) })),
    ],
    // A drain that failed leaves the node Paused with what it could not move; without a value it never began.
    // The VMs its value does not mention never left the queue: they stay where they are (a VM still moving
    // takes the event and stays on the node; any other VM has no use for it)
    fail: ({ args, value }, vms) => {
      if (value === undefined) return [on(args, 'node.resumed', 'drain-node (refused)')];
      const label = `drain-node on ${String(args.node)} (failed)`;
      const mentioned = new Set(((value as Moves).migrations ?? []).map((m) => m.vm));
      const stayed = vms
        .filter((vm) => !mentioned.has(vm))
        .map((vm): Stimulus => ({ entity: `vm/${vm}`, event: { type: 'migration.failed' }, label: `${label}: ${vm} not moved`, owner: String(args.node) }));
      return [...moves(value, label), ...stayed];
    },
  },
  // Restart-Computer: the node is taken out (drained, or its VMs saved and moved), its OS goes down and it joins
  // again while the operation runs, so it acts from its invoke; its completion says the node is back. Refused, it
  // did nothing (an `info` completion may mean it is still under way: the node's own observations tell)
  'restart-node': {
    invoke: ({ args }) => [on(args, 'node.restarting', 'restart-node')],
    fail: ({ args }) => [on(args, 'restart.refused', 'restart-node (refused)')],
  },
  // Resume-ClusterNode (the drain's revert: no failback)
  'revert:drain-node': {
    ok: ({ args }) => [on(args, 'node.resumed', 'revert of drain-node')],
    info: ({ args }) => [on(args, 'node.resumed', 'revert of drain-node')],
  },
  // Stop-ClusterNode: a graceful stop, which drains the node first. It acts from its invoke, as a drain does: the
  // runner polls while it runs, and a real Stop-ClusterNode returns only once the drain is done and the service
  // stopped (the node is seen Paused, its VMs leaving, before the completion line)
  'stop-node': {
    invoke: ({ args }) => [on(args, 'node.stopping', 'stop-node')],
  },
  // Resume-ClusterNode [-Failback Immediate]: the node is Up again at once, and takes roles [PSDOC-RESUME]; with
  // failback its drained VMs then live-migrate back while the operation runs (the value lists the moves). The
  // runner polls during the failback, so both act from the invoke: any VM may be moving back meanwhile (which
  // ones the drain took is the value of another operation), and at the completion the moves listed completed,
  // the VMs not listed never moved
  'resume-node': {
    invoke: ({ args }, vms) => [
      on(args, 'node.resumed', 'resume-node'),
      ...(args.failback === false
        ? []
        : vms.map((vm): Stimulus => ({ entity: `vm/${vm}`, event: { type: 'migration.requested' }, label: `resume-node on ${String(args.node)} (failback)`, failbackTo: String(args.node), to: String(args.node) }))),
    ],
    ok: ({ args, value }, vms) => failedBack(args, value, vms, `resume-node on ${String(args.node)}`),
    fail: ({ args, value }, vms) => failedBack(args, value, vms, `resume-node on ${String(args.node)} (failed)`),
    // info: it may have moved some back or not; each VM settles wherever it is
  },
};

type Cluster = Pick<ClusterDescription, 'storage' | 'vms' | 'networks'>;

/**
 * isolate-network: its cluster networks cut both ways (all, or those `network` names), healing by themselves after
 * `duration` (ms). The model hears whether heartbeats still pass over a network the cut spares (src/trace/networks.ts).
 */
const networkFaults: Record<string, (args: Record<string, unknown>, cluster: Cluster) => Stimulus[]> = {
  'isolate-network': (args, cluster) => {
    const lost = typeof args.network === 'string' ? resolveNetworks(cluster, args.network) ?? [] : networksOf(cluster).map((n) => n.name);
    const label = typeof args.network === 'string' ? `isolate-network (${args.network})` : 'isolate-network';
    return [on(args, 'network.cut', label, { healAfterMs: Number(args.duration), heartbeatsLeft: heartbeatsSurvive(cluster, lost) })];
  },
  'revert:isolate-network': (args) => [on(args, 'network.healed', 'restore-network')],
  // The quorum witness lost (and given back): no node and no VM changes. With every node up the nodes hold
  // more than half of the votes without it, and the dynamic witness has no vote at all while the node votes are
  // odd [MS-QUORUM]; a plan where losing it could cost quorum is refused by the blast-radius guard, so the
  // models expect every node to stay as it was (a node seen Down after it is a violation).
  'fail-witness': () => [],
  'revert:fail-witness': () => [],
};

/**
 * Storage faults, which act on the VMs on a volume (the header's description says which: src/trace/storage.ts).
 * fail-storage: every VM on the volume has lost its storage, returning by itself after `duration`. fail-storage-path:
 * on an SMB share, the VMs of that node on it have (ownedBy); on a CSV the node is in redirected access, which
 * changes nothing for the VMs, so there is no stimulus (a VM that pauses there is a violation). Their reverts give
 * the storage back.
 */
const storageFaults: Record<string, (args: Record<string, unknown>, cluster: Cluster) => Stimulus[]> = {
  'fail-storage': (args, cluster) =>
    vmsOn(cluster, String(args.storage)).map((vm) => ({
      entity: `vm/${vm}`,
      event: { type: 'storage.lost', healAfterMs: Number(args.duration) },
      label: `fail-storage ${String(args.storage)}`,
    })),
  'revert:fail-storage': (args, cluster) =>
    vmsOn(cluster, String(args.storage)).map((vm) => ({ entity: `vm/${vm}`, event: { type: 'storage.restored' }, label: `restore-storage ${String(args.storage)}` })),
  'fail-storage-path': (args, cluster) => {
    if (volumesOf(cluster).find((v) => v.name === String(args.storage))?.kind !== 'smb') return [];
    return vmsOn(cluster, String(args.storage)).map((vm) => ({
      entity: `vm/${vm}`,
      event: { type: 'storage.lost', healAfterMs: Number(args.duration) },
      label: `fail-storage-path ${String(args.storage)} on ${String(args.node)}`,
      ownedBy: String(args.node),
    }));
  },
  'revert:fail-storage-path': (args, cluster) => {
    if (volumesOf(cluster).find((v) => v.name === String(args.storage))?.kind !== 'smb') return [];
    return vmsOn(cluster, String(args.storage)).map((vm) => ({
      entity: `vm/${vm}`,
      event: { type: 'storage.restored' },
      label: `restore-storage ${String(args.storage)} on ${String(args.node)}`,
      ownedBy: String(args.node),
    }));
  },
};

/**
 * The stimuli an op line means: faults act at `ok` / `info`; live migrations and drains as above. `vms`: the cluster's
 * VMs; `cluster`: its description (which VMs are on which volume).
 */
export function stimuliOf(op: OpRecord, vms: readonly string[] = [], cluster: Cluster = { vms: [] }): Stimulus[] {
  const migration = migrationOps[op.f];
  if (migration) return migration[op.phase]?.(op, vms) ?? [];
  if (op.phase !== 'ok' && op.phase !== 'info') return [];
  const storage = storageFaults[op.f] ?? networkFaults[op.f];
  if (storage) return storage(op.args, cluster);
  return byFault[op.f]?.(op.args) ?? [];
}
