import { assign, raise, setup } from 'xstate';
import type { Settings } from './settings.js';

/**
 * A clustered VM under VM Compute Resiliency, by storage kind.
 *
 * The VM hears about its owner node through `owner.<state>` events (owner.Isolated, owner.Up, owner.Down,
 * owner.Quarantined, owner.Draining…): the checker announces every change of the owner's membership state
 * to the VMs it hosts. Tags are the states an observer may see (Get-VM State, the group's Unmonitored flag,
 * an offline group while failing over). States whose `meta.ownerMoves` is true are where the VM's owner
 * node may change; `meta.live` says the VM keeps running while it moves (live migration, not failover).
 *
 * Live migrations asked for by an operation (live-migrate, a drain's or a failback's moves) are stimuli:
 * `migration.requested` at its invoke, `migration.completed` or `migration.failed` at its completion (the
 * checker leaves a VM whose migration failed on its source). Which node a completed migration moved the VM
 * to, and everything about the migration itself, the live-migration model checks (src/check/migrations.ts).
 */

export type StorageKind = 'smb' | 'csv-block';

export interface ClusteredVmInput {
  storage: StorageKind;
  settings: Settings;
  /** Per-VM ResiliencyPeriod in seconds (Get-ClusterGroup .ResiliencyPeriod); absent or 0 (the group default [MSDN-RP]) = the cluster default. */
  resiliencyPeriod?: number;
  /** VM configuration version (Get-VM .Version, e.g. "8.0"); absent = a current version. */
  version?: string;
  /** Set-VM -AutomaticCriticalErrorAction; absent = Pause, the default [PSDOC-SETVM]. */
  criticalErrorAction?: 'Pause' | 'None';
  /** Set-VM -AutomaticCriticalErrorActionTimeout in minutes; absent = 30 [INNOV]. */
  criticalErrorTimeoutMinutes?: number;
  /** The group's Priority (High, Medium, Low, NoAutoStart); absent = Medium, the default [MSDN-PRIO]. */
  priority?: string;
}

/** AutomaticCriticalErrorActionTimeout when the VM sets none: 30 minutes [INNOV] (the unit: [PSDOC-SETVM]). */
export const DEFAULT_CRITICAL_ERROR_TIMEOUT_MINUTES = 30;

interface Context {
  storage: StorageKind;
  settings: Settings;
  resiliencyPeriod: number | undefined;
  version: string | undefined;
  criticalErrorAction: 'Pause' | 'None';
  criticalErrorTimeoutMinutes: number;
  priority: string;
  /** How long the storage loss the VM last took lasts before it heals by itself (ms). */
  storageHealAfterMs: number;
}

/** Major configuration version: "8.0" → 8; absent or unreadable = current. */
function majorVersion(version: string | undefined): number {
  const major = Number.parseInt(version ?? '', 10);
  return Number.isFinite(major) ? major : Number.POSITIVE_INFINITY;
}

/** Far enough never to matter: the delay of a timer a VM without its own ResiliencyPeriod does not have. */
const NEVER = 2 ** 40;

export type ClusteredVmEvent =
  | { type: 'owner.Isolated' }
  | { type: 'owner.Up' }
  | { type: 'owner.Down' }
  | { type: 'owner.Quarantined' }
  | { type: 'owner.QuarantinedUndrainable' }
  | { type: 'owner.Draining' }
  | { type: 'owner.Paused' }
  | { type: 'owner.LostPower' }
  | { type: 'owner.IsolatedDark' }
  | { type: 'owner.ShuttingDown' }
  | { type: 'vm.io-failed' }
  | { type: 'vm.online' }
  | { type: 'vm.migrated' }
  | { type: 'migration.requested' }
  | { type: 'migration.completed' }
  | { type: 'migration.failed' }
  | { type: 'drain.completed' }
  | { type: 'storage.lost'; healAfterMs: number }
  | { type: 'storage.restored' };

/** Events the cluster or the VM produce on their own. */
export const clusteredVmSpontaneous = ['vm.io-failed', 'vm.online', 'vm.migrated'] as const;

export const clusteredVm = setup({
  types: {
    context: {} as Context,
    input: {} as ClusteredVmInput,
    events: {} as ClusteredVmEvent,
  },
  delays: {
    BlockStoragePauseWithin: ({ context }) => context.settings.BlockStoragePauseWithin * 1000,
    FailoverStartWithin: ({ context }) => context.settings.FailoverStartWithin * 1000,
    DrainWithin: ({ context }) => context.settings.DrainWithin * 1000,
    LiveMigrationWithin: ({ context }) => context.settings.LiveMigrationWithin! * 1000,
    StoragePauseWithin: ({ context }) => context.settings.StoragePauseWithin * 1000,
    CriticalErrorActionTimeout: ({ context }) => context.criticalErrorTimeoutMinutes * 60_000,
    StorageHeal: ({ context }) => context.storageHealAfterMs,
    // A VM's own ResiliencyPeriod overrides the cluster's ResiliencyDefaultPeriod [MSDN-RP], [STUB]. 0 is the
    // group property's documented default [MSDN-RP], and a group nobody set waits the cluster's 240 s [MSDN-RDP]:
    // 0 means "none of its own" (the node's ResiliencyDefaultPeriod governs), never "fail over at once".
    ResiliencyPeriod: ({ context }) => (context.resiliencyPeriod ? context.resiliencyPeriod * 1000 : NEVER),
    // On a node no Down will end (quarantined, undrainable): the VM's own period, else the cluster's
    'ResiliencyPeriod or ResiliencyDefaultPeriod': ({ context }) =>
      (context.resiliencyPeriod ? context.resiliencyPeriod : context.settings.ResiliencyDefaultPeriod) * 1000,
  },
  guards: {
    fileStorage: ({ context }) => context.storage === 'smb',
    // VMs below the minimum configuration version do not go Unmonitored: they simply fail over (lab §1)
    notResilient: ({ context }) => majorVersion(context.version) < context.settings.MinimumResilientVmVersion,
    // Storage resiliency pauses the VM unless its AutomaticCriticalErrorAction is None [PSDOC-SETVM]
    pausesOnStorageLoss: ({ context }) => context.criticalErrorAction !== 'None',
    // Priority 0, No Auto Start: the group does not start automatically [MSDN-PRIO]
    noAutoStart: ({ context }) => context.priority === 'NoAutoStart',
  },
  actions: {
    storageLost: assign({ storageHealAfterMs: ({ event }) => (event.type === 'storage.lost' ? event.healAfterMs : 0) }),
    storageReturnsLater: raise({ type: 'storage.restored' }, { delay: 'StorageHeal' }),
  },
}).createMachine({
  id: 'clustered-vm',
  context: ({ input }) => ({
    storage: input.storage,
    settings: input.settings,
    resiliencyPeriod: input.resiliencyPeriod,
    version: input.version,
    criticalErrorAction: input.criticalErrorAction ?? 'Pause',
    criticalErrorTimeoutMinutes: input.criticalErrorTimeoutMinutes ?? DEFAULT_CRITICAL_ERROR_TIMEOUT_MINUTES,
    priority: input.priority ?? 'Medium',
    storageHealAfterMs: 0,
  }),
  initial: 'Running',
  states: {
    Running: {
      tags: ['Running'],
      on: {
        // A quarantined node's VMs are drained by live migration although the node is up [SAVILL-479], [PETRI],
        // lab §1.5. Until each has moved it shows what it would show on an Isolated node (OnQuarantinedNode).
        'owner.Quarantined': [
          { guard: 'fileStorage', target: 'OnQuarantinedNode.Unmonitored' },
          { target: 'OnQuarantinedNode.Critical' },
        ],
        // Quarantined while it cannot be drained (its cluster service dead, its networks cut): OnUndrainableNode
        'owner.QuarantinedUndrainable': [
          { guard: 'notResilient', target: 'FailingOver' },
          { guard: 'fileStorage', target: 'OnUndrainableNode.Unmonitored' },
          { target: 'OnUndrainableNode.Critical' },
        ],
        // A gracefully stopping node's VMs are drained first (Stop-ClusterNode) [HV-STOPSVC], lab §1; Suspend-ClusterNode
        // -Drain pauses the node and moves its roles away by live migration, never offline [PSDOC-SUSP], lab §5
        // (CAU drains nodes into maintenance this way). Either way the node is still a member: OnDrainingNode.
        'owner.Draining': 'OnDrainingNode',
        'owner.Paused': 'OnDrainingNode',
        'owner.Isolated': [
          { guard: 'notResilient', target: 'FailingOver' },
          // File storage (SMB 3 / SOFS) does not depend on the Hyper-V cluster: the VM keeps running,
          // Unmonitored [ITPRO-RES], [WHII-SOFS], [SAVILL-478], lab §1.3
          { guard: 'fileStorage', target: 'Unmonitored' },
          // Block storage behind CSV: the isolated node loses CSV access → Running-Critical [ITPRO-RES], lab §1.3
          { target: 'Critical' },
        ],
        // Owner Down (resiliency off, or period expired): the VM is restarted on another node [EVT] 1682
        'owner.Down': 'FailingOver',
        // Its host lost its power: the VM died with it (issue 14)
        'owner.LostPower': 'OnDarkHost',
        'owner.IsolatedDark': 'OnDarkHost.Unmonitored',
        // Restart-Computer without DrainOnShutdown: the group goes offline, saved (OfflineAction), and starts elsewhere
        'owner.ShuttingDown': 'FailingOver',
        // Move-ClusterVirtualMachineRole -MigrationType Live [PSDOC-MOVE]
        'migration.requested': 'Migrating',
        // A move the trace reports only at its end (a failback's, Resume-ClusterNode -Failback)
        'migration.completed': 'Migrated',
        // Its volume lost for its node (fail-storage; fail-storage-path to an SMB share): storage resiliency
        'storage.lost': { guard: 'pausesOnStorageLoss', target: 'StorageLost', actions: ['storageLost', 'storageReturnsLater'] },
      },
    },
    // Its volume cannot be reached from its node (the storage lost for every node, or the node's path to an SMB
    // share; a node that lost its path to a CSV stays in redirected access through the coordinator node, and its VMs
    // stay Running and monitored: that is no storage loss for them [EVT] 5121, [CSV-REDIR]). Storage resiliency
    // (Hyper-V, 2016+): the VM runs on until its next disk I/O fails, which freezes it in PausedCritical; it stays
    // frozen until the storage is reachable again, then resumes where it was [SAVILL-477], [SAVILL-478], [INNOV].
    // How soon that next I/O comes no source says: StoragePauseWithin (an assumption). After its
    // AutomaticCriticalErrorActionTimeout (minutes, default 30 [INNOV]) in the critical pause Hyper-V powers it off
    // [PSDOC-SETVM] (Microsoft's "powering off" wins over [INNOV]'s "reboots"). The storage returns by itself after
    // the fault's duration (the raised storage.restored), or when the fault is reverted. The cluster keeps
    // monitoring it: its node is a member.
    StorageLost: {
      initial: 'Running',
      on: {
        'storage.restored': 'Running',
        'owner.Down': 'FailingOver',
      },
      states: {
        Running: {
          tags: ['Running'],
          on: { 'vm.io-failed': 'PausedCritical' },
          after: { StoragePauseWithin: 'PausedCritical' },
        },
        PausedCritical: {
          tags: ['PausedCritical'],
          after: { CriticalErrorActionTimeout: '#clustered-vm.CriticalOff' },
        },
      },
    },
    // Powered off by its critical-error action. Our reading (no source says what the cluster then does): the VM
    // stopped without the cluster taking it offline, so its group has failed; once its storage is back the cluster
    // brings it online again (a failed VM resource is restarted [EVT] 1201), within FailoverStartWithin.
    CriticalOff: {
      tags: ['Offline'],
      on: {
        'storage.restored': 'FailingOver',
        'owner.Down': 'FailingOver',
      },
    },
    Unmonitored: {
      tags: ['Unmonitored'],
      on: {
        // Node back within the period: the VM is monitored again (1682 "monitored again") [EVT]
        'owner.Up': 'Running',
        'owner.Down': 'FailingOver',
        // Quarantined while already Isolated: it keeps what the isolation gave it while it is drained
        'owner.Quarantined': 'OnQuarantinedNode.Unmonitored',
        'owner.QuarantinedUndrainable': 'OnUndrainableNode.Unmonitored',
        // The isolated node's host loses its power too: the VM dies there, still unmonitored
        'owner.IsolatedDark': 'OnDarkHost.Unmonitored',
      },
      after: { ResiliencyPeriod: 'FailingOver' },
    },
    Critical: {
      initial: 'RunningCritical',
      on: {
        // CSV access returns with membership: Paused-Critical VMs resume [ITPRO-RES], [SAVILL-478]
        'owner.Up': 'Running',
        'owner.Down': 'FailingOver',
        'owner.IsolatedDark': 'OnDarkHost.Unmonitored',
      },
      after: { ResiliencyPeriod: 'FailingOver' },
      states: {
        RunningCritical: {
          tags: ['RunningCritical'],
          on: {
            'vm.io-failed': 'PausedCritical',
            // Quarantined while already Isolated: it keeps what the isolation gave it while it is drained
            'owner.Quarantined': '#clustered-vm.OnQuarantinedNode.Critical.RunningCritical',
            'owner.QuarantinedUndrainable': '#clustered-vm.OnUndrainableNode.Critical.RunningCritical',
          },
          // Running-Critical, then Paused-Critical at the first failed I/O (lab §1.3; no time documented)
          after: { BlockStoragePauseWithin: 'PausedCritical' },
        },
        PausedCritical: {
          tags: ['PausedCritical'],
          on: {
            'owner.Quarantined': '#clustered-vm.OnQuarantinedNode.Critical.PausedCritical',
            'owner.QuarantinedUndrainable': '#clustered-vm.OnUndrainableNode.Critical.PausedCritical',
          },
        },
      },
    },
    // The group is offline and restarts on another node chosen by placement.
    FailingOver: {
      tags: ['Offline', 'Starting'],
      meta: { ownerMoves: true },
      // A No Auto Start group (Priority 0) is failed over but not started [MSDN-PRIO] ("does not start
      // automatically"), [AFINN-12314] ("These VMs fail over but do not start up automatically")
      always: { guard: 'noAutoStart', target: 'NotStarted' },
      on: { 'vm.online': 'Running' },
      after: { FailoverStartWithin: 'Running' },
    },
    // A No Auto Start group after its failover: Offline on whichever node the cluster moved it to, until an
    // administrator starts it (no operation of ours does) [MSDN-PRIO], [AFINN-12314]. Seen Starting or Running, it
    // was restarted as a group of another priority would be.
    NotStarted: {
      tags: ['Offline'],
      meta: { ownerMoves: true },
    },
    // On a node being drained by the administrator: Paused by Suspend-ClusterNode -Drain [PSDOC-SUSP], or
    // Draining before its service stops (Stop-ClusterNode) [HV-STOPSVC], lab §1. (Whether a graceful stop live- or
    // quick-migrates is unconfirmed, windows-cluster-facts §1.2; the model follows lab §1: "a clean stop drains the
    // node", by live migration, so a VM going offline there is a violation.) The node is still an active
    // member with its CSV access and its cluster service, so nothing is lost: the VM stays on it Running and
    // monitored until it has moved — never Unmonitored, RunningCritical or PausedCritical (those come only from
    // a node that left membership [ITPRO-RES], [MSBLOG], lab §1.3) and never offline (that would be a failover).
    // While its live migration is in flight a poll sees it as on its source, owned by it: the group changes owner
    // only when the blackout ends and the VM resumes on the target (lab §2 steps 7–8). The blackout itself (ms
    // [SAVILL-499] to 1–2 s [ANYSTACK]) is no state of its own here; how long it lasted the live-migration model
    // checks from the migration's `ok` line (BlackoutWithin). It runs, monitored, on an Up node by DrainWithin.
    OnDrainingNode: {
      tags: ['Running'],
      // The move completed (the blackout ended): it runs on its new owner, which the next observation names and
      // which must be Up (the checker); no longer owned by this node
      meta: { leavesOwnerOn: ['vm.migrated'] },
      on: {
        'vm.migrated': 'Running',
        'migration.completed': 'Migrated',
        // A move that failed leaves the VM running on its source (21502 / 21111) [LMTSG], [BRAIN-HA]
        'migration.failed': 'Running',
        // Resume-ClusterNode before it moved: it simply stays [PSDOC-RESUME]
        'owner.Up': 'Running',
        'owner.Draining': 'OnDrainingNode',
        // The host lost its power before the VM moved: it died there (issue 14)
        'owner.LostPower': 'OnDarkHost',
        // A paused node restarted without DrainOnShutdown: what is left goes offline, saved, and starts elsewhere
        'owner.ShuttingDown': 'FailingOver',
        // Suspend-ClusterNode -Drain completed: every role has left the node [PSDOC-SUSP], so the VM has moved
        // even where the drain's value does not say where (a real cluster reports no targets)
        'drain.completed': 'Migrated',
      },
      after: { DrainWithin: 'Migrated' },
    },
    // On a node quarantined while it cannot take part in a live migration — its cluster service dead (and not
    // restarted yet), its networks cut — so it cannot be drained yet (issue 14; src/targets/sim/quarantine.ts: a live
    // migration needs its source host, lab §2). Our reading, as no source describes the case: the VM is what it is on
    // any node out of membership (as on an Isolated node: Unmonitored on file storage, RunningCritical then
    // PausedCritical on a CSV [ITPRO-RES], [MSBLOG], lab §1.3) and it stays on the node — never moved by live
    // migration (no owner change) — until either the node is reached (owner.Quarantined: the drain begins,
    // OnQuarantinedNode) or the resiliency period ends (its own ResiliencyPeriod, else ResiliencyDefaultPeriod),
    // when it fails over [MSDN-RDP], [MSDN-RP], [EVT] 1682.
    OnUndrainableNode: {
      initial: 'Unmonitored',
      on: {
        'owner.Down': 'FailingOver',
        'owner.Up': 'Running',
      },
      after: { 'ResiliencyPeriod or ResiliencyDefaultPeriod': 'FailingOver' },
      states: {
        Unmonitored: { tags: ['Unmonitored'], on: { 'owner.Quarantined': '#clustered-vm.OnQuarantinedNode.Unmonitored' } },
        Critical: {
          initial: 'RunningCritical',
          states: {
            RunningCritical: {
              tags: ['RunningCritical'],
              on: { 'vm.io-failed': 'PausedCritical', 'owner.Quarantined': '#clustered-vm.OnQuarantinedNode.Critical.RunningCritical' },
              after: { BlockStoragePauseWithin: 'PausedCritical' },
            },
            PausedCritical: { tags: ['PausedCritical'], on: { 'owner.Quarantined': '#clustered-vm.OnQuarantinedNode.Critical.PausedCritical' } },
          },
        },
      },
    },
    // On a quarantined node, until it has been drained away by live migration [SAVILL-479], [PETRI],
    // [AFINN-17759], lab §1.5. A node is quarantined instead of being isolated when it leaves membership
    // ungracefully (node-membership.ts): it is no active member, so it has what an Isolated node has — no CSV
    // access (CSV is a cluster resource, direct I/O only for active members [ITPRO-RES], [WHII-SOFS], [SAVILL-478])
    // and no monitoring by the cluster (the VMs of a node out of membership are Unmonitored [MSBLOG], lab §1.2).
    // Our reading, as no source describes a quarantined node's VMs beyond their drain: by storage kind, with the
    // deadlines of an isolated node — file storage (SMB 3 / SOFS) keeps running, Unmonitored; block storage behind
    // CSV is RunningCritical, then PausedCritical within BlockStoragePauseWithin. A VM already Unmonitored or
    // Critical on an Isolated node keeps that. No ResiliencyPeriod runs: the VM is drained, not failed over.
    // It is owned by the quarantined node until its move completes (the observed owner must be that node), then
    // runs monitored on an Up node; it must have moved within DrainWithin. What a poll sees during the blackout is
    // what it was on the source (see OnDrainingNode). If the quarantine is cleared and the node rejoins before the
    // VM moved, it is monitored again and a critical VM resumes, as on a rejoining Isolated node [ITPRO-RES].
    OnQuarantinedNode: {
      initial: 'Unmonitored',
      meta: { leavesOwnerOn: ['vm.migrated'] },
      on: {
        'vm.migrated': 'Running',
        'migration.completed': 'Migrated',
        'owner.Up': 'Running',
      },
      after: { DrainWithin: 'Migrated' },
      states: {
        Unmonitored: { tags: ['Unmonitored'] },
        Critical: {
          initial: 'RunningCritical',
          states: {
            RunningCritical: {
              tags: ['RunningCritical'],
              on: { 'vm.io-failed': 'PausedCritical' },
              after: { BlockStoragePauseWithin: 'PausedCritical' },
            },
            PausedCritical: { tags: ['PausedCritical'] },
          },
        },
      },
    },
    // Live-migrating because an operation asked for it (live-migrate: Move-ClusterVirtualMachineRole -MigrationType
    // Live [PSDOC-MOVE]). It was Running and monitored when the migration was requested (from Running, or from
    // Migrated, which is Running by the time anyone looks), and both hosts are active members with their CSV
    // access and their cluster service, so nothing is lost: it stays Running and monitored — never Unmonitored,
    // RunningCritical or PausedCritical (those come only from a node that left membership [ITPRO-RES], [MSBLOG],
    // lab §1.3) and never offline (that would be a failover, not a live migration). It runs on its source, which
    // owns it, through setup and the pre-copy passes (lab §2 steps 1–6); the blackout pauses it on the source for
    // ms [SAVILL-499] to 1–2 s [ANYSTACK] while the rest is copied, and a poll then still sees it as it was on its
    // source, owned by it: the group changes owner only when the VM resumes on the target (lab §2 steps 7–8,
    // vm.migrated), where it runs, monitored, on an Up node. How long the blackout lasted, and that the VM ended
    // on its target, the live-migration model checks from the migration's `ok` line (BlackoutWithin,
    // migration-owner). If its owner leaves membership before the switch-over, the VM gets what that gives a
    // Running VM (by storage kind, as in Running); the migration then fails and leaves it on its source
    // (21502 / 21111) [LMTSG], [BRAIN-HA]. (A source lost during the blackout itself, a window of ms to 2 s, is
    // not modelled: no source says whether that migration completes.)
    // A migration not done within LiveMigrationWithin has stalled: the VM is expected back to plain Running.
    Migrating: {
      initial: 'OnSource',
      on: {
        // A failed migration leaves the VM running on its source (21502 / 21111) [LMTSG], [BRAIN-HA]: the checker
        // puts it there, so a VM seen on the target after its migration failed is a violation
        'migration.failed': 'Running',
        // Its owner left membership mid-migration: what the same event does to a Running VM
        'owner.Isolated': [
          { guard: 'notResilient', target: 'FailingOver' },
          { guard: 'fileStorage', target: 'Unmonitored' },
          { target: 'Critical' },
        ],
        'owner.Down': 'FailingOver',
        'owner.Quarantined': [
          { guard: 'fileStorage', target: 'OnQuarantinedNode.Unmonitored' },
          { target: 'OnQuarantinedNode.Critical' },
        ],
        // Quarantined while it cannot be drained (its cluster service dead, its networks cut): OnUndrainableNode
        'owner.QuarantinedUndrainable': [
          { guard: 'notResilient', target: 'FailingOver' },
          { guard: 'fileStorage', target: 'OnUndrainableNode.Unmonitored' },
          { target: 'OnUndrainableNode.Critical' },
        ],
        'owner.Draining': 'OnDrainingNode',
        'owner.Paused': 'OnDrainingNode',
        // Its source lost its power mid-migration: the VM died there, and the migration fails (issue 14)
        'owner.LostPower': 'OnDarkHost',
        'owner.ShuttingDown': 'FailingOver',
      },
      after: { LiveMigrationWithin: 'Running' },
      states: {
        // Setup, pre-copy and the blackout: owned by the source; the switch-over (vm.migrated) may happen unseen
        // A poll during the move may read the group on one node while Get-VM asks the other, as the VM switches over:
        // the VM itself is then not found (State Unknown: Unreadable), its group still Online (seen rehearsing a
        // migration polled during its step, issue 14 item 6)
        OnSource: {
          tags: ['Running', 'Unreadable'],
          meta: { leavesOwnerOn: ['vm.migrated'] },
          on: {
            'vm.migrated': 'OnTarget',
            'migration.completed': '#clustered-vm.Migrated',
          },
        },
        // Resumed on the target (lab §2 step 8), which the observation names and which must be Up; the source is
        // cleaned up (step 9) until the operation completes
        OnTarget: {
          tags: ['Running', 'Unreadable'],
          on: { 'migration.completed': '#clustered-vm.Running' },
        },
      },
    },
    // On a host that lost its power (power-off-node, issue 14): the VM died with the host, nothing was saved or shut
    // down. Get-VM cannot ask a dark host, so the VM itself cannot be read (the PowerShell target reports its State
    // 'Unknown': Unreadable), while its group is the cluster's and is still reported, from the other nodes, as the
    // cluster sees it: monitored until the members remove the node (Monitored), then — under AlwaysIsolate, which
    // cannot tell a dead host from an isolated one — Unmonitored like the VMs of any isolated node [MSBLOG], [EVT] 1681,
    // whatever its storage (a CSV VM shows no RunningCritical: nothing runs to show it). Never Running: it is dead. Its
    // node Down (the period ran out, or ResiliencyLevel 1 at once) or its own ResiliencyPeriod over, it is restarted
    // on another node [MSDN-RDP], [MSDN-RP], [EVT] 1682; its node back within the period (powered on, rejoined), the
    // cluster finds it off there and restarts it (our reading: nothing runs it any more, no source describes this).
    // Once the host has booted the dead VM can be read: Off (Offline).
    OnDarkHost: {
      initial: 'Monitored',
      on: {
        'owner.Down': 'FailingOver',
        'owner.Up': 'FailingOver',
        'owner.IsolatedDark': '.Unmonitored',
      },
      states: {
        Monitored: { tags: ['Unreadable'] },
        Unmonitored: {
          tags: ['UnreadableUnmonitored', 'Offline'],
          after: { ResiliencyPeriod: '#clustered-vm.FailingOver' },
        },
      },
    },
    // The migration completed: the VM runs on its new owner, which the next observation shows. Never observed
    // as such (no tags): it is Running by the time anyone looks.
    Migrated: {
      meta: { ownerMoves: true, live: true },
      on: {
        'vm.migrated': 'Running',
        'migration.requested': 'Migrating',
      },
    },
  },
});
