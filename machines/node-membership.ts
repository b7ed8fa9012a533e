import { and, assign, enqueueActions, raise, setup } from 'xstate';
import type { Settings } from './settings.js';

/**
 * Node membership under VM Compute Resiliency (Windows Server 2016+), as documented.
 *
 * Tags are the states an observer may see the node in while the model is in that state (Get-ClusterNode:
 * State, or the Isolated / Quarantined StatusInformation flag). Delays are named after the setting they
 * come from. Events:
 * - stimuli, read from the trace's op lines: `clussvc.crashed` (Stop-Process -Name clussvc -Force),
 *   `node.stopping` (Stop-ClusterNode), `node.started` (Start-ClusterNode or starting clussvc),
 *   `quarantine.cleared` (Start-ClusterNode -ClearQuarantine), `network.cut` (its cluster networks cut, from
 *   every node or from some: heartbeats lost both ways; it heals by itself after `healAfterMs`; with
 *   `heartbeatsLeft`, one network of several was cut and another still carries the heartbeats),
 *   `network.healed` (the cut removed), `node.suspended` (Suspend-ClusterNode -Drain), `node.resumed`
 *   (Resume-ClusterNode), `host.poweredOff` / `host.poweredOn` (the host's power cut or restored: BMC, or the
 *   outer Hyper-V host of a nested lab), `node.restarting` (Restart-Computer, from its invoke: the restart takes
 *   the node out and back while it runs), `restart.refused` (it was refused: nothing happened);
 * - what the cluster does by itself, at a time the model does not fix: `membership.lost`, `node.joining`,
 *   `node.joined`, `node.stopped`.
 * The checker adds `cluster: { nodes, quarantined }` to every event, for the quarantine cap.
 *
 * [CLUSAPI-PAUSE] PauseClusterNode (learn.microsoft.com/windows/win32/api/clusapi/nf-clusapi-pauseclusternode):
 * "Because the paused state is persistent, a paused node that is rebooted continues to be paused when it comes
 * back up."
 */

export interface NodeMembershipInput {
  settings: Settings;
}

export interface ClusterFacts {
  /** Nodes in the cluster. */
  nodes: number;
  /** Nodes quarantined right now, this one excepted. */
  quarantined: number;
}

type WithCluster<E> = E & { cluster?: ClusterFacts };

export type NodeMembershipEvent = WithCluster<
  | { type: 'clussvc.crashed'; holdDownMs?: number }
  | { type: 'clussvc.back' }
  | { type: 'scm.reset' }
  | { type: 'node.stopping' }
  | { type: 'node.started' }
  | { type: 'quarantine.cleared' }
  | { type: 'membership.lost' }
  | { type: 'node.joining' }
  | { type: 'node.joined' }
  | { type: 'node.stopped' }
  | { type: 'exit.expired' }
  | { type: 'network.cut'; healAfterMs: number; heartbeatsLeft?: boolean }
  | { type: 'network.healed' }
  | { type: 'node.suspended' }
  | { type: 'node.resumed' }
  | { type: 'host.poweredOff' }
  | { type: 'host.poweredOn' }
  | { type: 'node.restarting' }
  | { type: 'restart.refused' }
>;

/** Events the cluster produces on its own: the checker may assume them at any time they are enabled. */
export const nodeMembershipSpontaneous = ['membership.lost', 'node.joining', 'node.joined', 'node.stopped'] as const;

interface Context {
  settings: Settings;
  /** Ungraceful exits from membership within the last QuarantineWindow. */
  exits: number;
  /** Why the node is losing or lost membership: its service crashed, its network was cut, its host lost power. */
  cause: 'crash' | 'network' | 'power' | undefined;
  /** The host's power is off: nothing runs on it, so it cannot join until it is powered on. */
  poweredOff: boolean;
  /** The node is going through Restart-Computer: once its OS is back, clussvc starts by itself and it joins. */
  restarting: boolean;
  /**
   * Suspend-ClusterNode paused it and no Resume-ClusterNode has lifted the pause: the pause is kept in the cluster's
   * configuration, so the node rejoins Paused after a restart or any other return to membership [CLUSAPI-PAUSE].
   */
  suspended: boolean;
  /** The node's cluster networks are cut: it cannot rejoin until they heal. */
  networkCut: boolean;
  /**
   * Its cluster service is not running and nothing will start it by a known time: a crash whose recovery action
   * (the settings Clussvc*FailureAction, item 8) is none, until someone starts it, or a hold-down until it ends.
   */
  serviceDown: boolean;
  /** The service control manager's failure count for clussvc: it picks the recovery action [MS-SCMR] 2.2.40. */
  scmFailures: number;
  /** When a cut heals by itself (the node-side dead-man timer). */
  healAfterMs: number;
}

/**
 * Whether the service control manager restarts clussvc at its `failures`-th failure: the first, second and
 * subsequent actions (ClussvcFirstFailureAction …; 1 restart, 0 none), the last repeating [MS-SCMR] 2.2.40.
 */
export function recoveryRestarts(settings: Settings, failures: number): boolean {
  const actions = [settings.ClussvcFirstFailureAction, settings.ClussvcSecondFailureAction, settings.ClussvcSubsequentFailureAction];
  return (actions[Math.min(Math.max(failures, 1), actions.length) - 1] ?? 1) !== 0;
}

/** At most max(1, floor(nodes × MaxQuarantinedPercent / 100)) nodes quarantined at once [SAVILL-479], [URTECH]. */
export function quarantineCap(nodes: number, percent: number): number {
  return Math.max(1, Math.floor((nodes * percent) / 100));
}

function thresholdReached(context: Context): boolean {
  const threshold = context.settings.QuarantineThreshold;
  return threshold > 0 && context.exits + 1 >= threshold;
}

function capReached(context: Context, cluster: ClusterFacts | undefined): boolean {
  return cluster !== undefined && cluster.quarantined >= quarantineCap(cluster.nodes, context.settings.MaxQuarantinedPercent);
}

export const nodeMembership = setup({
  types: {
    context: {} as Context,
    input: {} as NodeMembershipInput,
    events: {} as NodeMembershipEvent,
  },
  delays: {
    // SameSubnetThreshold missed heartbeats, SameSubnetDelay apart → removed from active membership [ITPRO-HB]
    'SameSubnetThreshold × SameSubnetDelay': ({ context }) =>
      context.settings.SameSubnetThreshold * context.settings.SameSubnetDelay,
    // An Isolated node that has not rejoined within ResiliencyDefaultPeriod is declared Down [MSDN-RDP], [ITPRO-RES]
    ResiliencyDefaultPeriod: ({ context }) => context.settings.ResiliencyDefaultPeriod * 1000,
    // A quarantined node may not join for QuarantineDuration [PSDOC-GC], [MSBLOG]
    QuarantineDuration: ({ context }) => context.settings.QuarantineDuration * 1000,
    // An exit stops counting toward quarantine an hour later [PSDOC-GC]
    QuarantineWindow: ({ context }) => context.settings.QuarantineWindow * 1000,
    // SCM resets clussvc's failure count after this long without a failure [MS-SCMR] 2.2.40
    ClussvcResetPeriod: ({ context }) => (context.settings.ClussvcResetPeriod ?? 86_400) * 1000,
    DrainWithin: ({ context }) => context.settings.DrainWithin * 1000,
    NetworkHeal: ({ context }) => context.healAfterMs,
  },
  guards: {
    // ResiliencyDefaultPeriod = 0 disables compute resiliency: pre-2016 behaviour, straight to Down [SR-FAQ], [MSDN-RDP].
    // ResiliencyLevel 2 (AlwaysIsolate) isolates whatever the cause; 1 (IsolateOnSpecialHeartbeat) only when the
    // cluster can still tell the node is alive: our reading (sources give only the names, [MSDN-RL]) is that a
    // crashed clussvc on a node whose network is up can, and a node whose networks are cut cannot.
    // A host that lost its power falls silent like one whose networks are cut: nothing says it is alive, so level 1
    // does not isolate it, while AlwaysIsolate does (it cannot tell a dead host from an isolated one: issue 14)
    resiliencyEnabled: ({ context }) =>
      context.settings.ResiliencyDefaultPeriod > 0 &&
      (context.settings.ResiliencyLevel === 2 || (context.cause !== 'network' && context.cause !== 'power')),
    // A node joins once its clussvc runs and it reaches the members: not while its networks are cut, nor while its
    // host's power is off (nothing runs on it; once powered on it boots, clussvc starts, and it joins)
    networkUp: ({ context }) => !context.networkCut && !context.poweredOff,
    // A node joins once its cluster service runs again and its networks are up: a crash whose recovery action is
    // none (the node's own FailureActions, or the settings Clussvc*FailureAction) leaves it out until someone starts
    // the service (node.started) or a hold-down ends (clussvc.back) [MS-SCMR] 2.2.40
    canJoin: ({ context }) => !context.networkCut && !context.poweredOff && !context.serviceDown,
    // A quarantined node is drained by live migration, which needs the node itself taking part: its cluster service
    // running, its networks reaching the members, its host powered (src/targets/sim/quarantine.ts says why)
    cannotDrain: ({ context }) => context.serviceDown || context.networkCut || context.poweredOff,
    canDrain: ({ context }) => !context.serviceDown && !context.networkCut && !context.poweredOff,
    heartbeatsLeft: ({ event }) => event.type === 'network.cut' && event.heartbeatsLeft === true,
    // Restart-Computer with DrainOnShutdown (default 1): the cluster drains the node first, by live migration
    // (machines/settings.ts says where the default comes from)
    drainOnShutdown: ({ context }) => context.settings.DrainOnShutdown !== 0,
    restarting: ({ context }) => context.restarting,
    // "Because the paused state is persistent, a paused node that is rebooted continues to be paused when it comes
    // back up" [CLUSAPI-PAUSE]: a node suspended before it left rejoins Paused, until Resume-ClusterNode
    suspended: ({ context }) => context.suspended,
    // After Restart-Computer the node's clussvc starts with the OS (Automatic): it joins without Start-ClusterNode
    restartedCanJoin: ({ context }) => context.restarting && !context.networkCut && !context.poweredOff,
    // The QuarantineThreshold-th ungraceful exit within the hour quarantines the node, unless the cap is
    // reached; what happens at the cap is undocumented: our reading is that the node is isolated as usual.
    quarantineDue: ({ context, event }) => thresholdReached(context) && !capReached(context, event.cluster),
    // At the cap the node is not quarantined; what happens instead is a setting (QuarantineAtCap): 1 = Isolated
    // as usual (our reading, the next branch), 2 = Down.
    downAtCap: ({ context, event }) =>
      thresholdReached(context) && capReached(context, event.cluster) && context.settings.QuarantineAtCap === 2,
  },
  actions: {
    // Only ungraceful exits count toward quarantine [SAVILL-479]; each stops counting after QuarantineWindow.
    countUngracefulExit: assign({ exits: ({ context }) => context.exits + 1 }),
    expireExitLater: raise({ type: 'exit.expired' }, { delay: 'QuarantineWindow' }),
    expireExit: assign({ exits: ({ context }) => Math.max(0, context.exits - 1) }),
    // Start-ClusterNode -ClearQuarantine lets the node back at once [PSDOC-STARTCN]; a quarantine also uses
    // up the exits that caused it (our reading: counting starts afresh)
    forgetExits: assign({ exits: 0 }),
    // A crash is a failure to the service control manager too: it counts it (the count resets after
    // ClussvcResetPeriod without one) and runs that failure's recovery action [MS-SCMR] 2.2.40. With a restart the
    // service may run again at any time (the delay is the node's own); with no action it stays stopped until someone
    // starts it (node.started); a hold-down's task starts it when the hold-down ends, whatever SCM does.
    crashed: enqueueActions(({ context, event, enqueue }) => {
      const failures = context.scmFailures + 1;
      const holdDownMs = event.type === 'clussvc.crashed' ? event.holdDownMs : undefined;
      enqueue.assign({ cause: 'crash' as const, scmFailures: failures, serviceDown: true });
      enqueue.cancel('scm.reset');
      enqueue.raise({ type: 'scm.reset' }, { id: 'scm.reset', delay: 'ClussvcResetPeriod' });
      if (holdDownMs !== undefined) enqueue.raise({ type: 'clussvc.back' }, { delay: holdDownMs });
      else if (recoveryRestarts(context.settings, failures)) enqueue.raise({ type: 'clussvc.back' });
    }),
    serviceBack: assign({ serviceDown: false }),
    cut: assign({
      cause: 'network' as const,
      networkCut: true,
      healAfterMs: ({ event }) => (event.type === 'network.cut' ? event.healAfterMs : 0),
    }),
    healLater: raise({ type: 'network.healed' }, { delay: 'NetworkHeal' }),
    healed: assign({ networkCut: false }),
    // The host's power is cut: the OS, clussvc and its VMs stop at once (issue 14); a restart in progress ends with it
    powerLost: assign({ cause: 'power' as const, poweredOff: true, restarting: false }),
    powerRestored: assign({ poweredOff: false }),
    restartBegins: assign({ restarting: true }),
    restartEnds: assign({ restarting: false }),
  },
}).createMachine({
  id: 'node-membership',
  context: ({ input }) => ({
    settings: input.settings,
    exits: 0,
    cause: undefined,
    networkCut: false,
    serviceDown: false,
    scmFailures: 0,
    healAfterMs: 0,
    poweredOff: false,
    restarting: false,
    suspended: false,
  }),
  initial: 'Up',
  on: {
    'exit.expired': { actions: 'expireExit' },
    'network.healed': { actions: 'healed' },
    'clussvc.back': { actions: 'serviceBack' },
    'node.started': { actions: 'serviceBack' },
    'scm.reset': { actions: assign({ scmFailures: 0 }) },
    // A node already out of membership (Down, Stopped, Quarantined) whose host loses its power stays where it is,
    // unable to join until the power is back; the states a power loss changes say so themselves
    'host.poweredOff': { actions: 'powerLost' },
    'host.poweredOn': { actions: 'powerRestored' },
  },
  states: {
    Up: {
      tags: ['Up'],
      on: {
        // Stop-Process -Name clussvc -Force: an ungraceful exit, the isolation path [lab §1], [MSBLOG]
        'clussvc.crashed': { target: 'LosingMembership', actions: 'crashed' },
        'network.cut': [
          // One cluster network lost while another still carries the heartbeats: the cluster network driver routes
          // them over it, so nothing is lost — no removal, no isolation [NET-ROLE], [NETFT] (src/trace/networks.ts)
          { guard: 'heartbeatsLeft' },
          // Cut networks: heartbeats lost both ways, a transient communication failure [MSBLOG], [ITPRO-HB]
          { target: 'LosingMembership', actions: ['cut', 'healLater'] },
        ],
        // Stop-ClusterNode: a graceful stop drains the node first [HV-STOPSVC], lab §1
        'node.stopping': 'Draining',
        // Suspend-ClusterNode -Drain: the node is Paused and its roles live-migrate away [PSDOC-SUSP]
        'node.suspended': { target: 'Paused', actions: assign({ suspended: true }) },
        // The host's power is cut: clussvc and the VMs are gone at once, the members notice as after a crash
        'host.poweredOff': { target: 'LostPower', actions: 'powerLost' },
        'node.restarting': [
          // Restart-Computer with DrainOnShutdown: drained first, as Stop-ClusterNode does, then the OS goes down
          { guard: 'drainOnShutdown', target: 'Draining', actions: 'restartBegins' },
          // Without it the VM groups go offline (saved, their OfflineAction) and restart on other nodes
          { target: 'ShuttingDown', actions: 'restartBegins' },
        ],
      },
    },
    // Paused (suspended): a member that takes no roles; its VMs were drained by live migration (the clustered-VM
    // model moves them when it hears owner.Paused). A drain that fails leaves it Paused [PSDOC-SUSP], lab §5.
    Paused: {
      tags: ['Paused'],
      on: {
        // Resume-ClusterNode: it takes roles again; with -Failback Immediate its drained VMs move back [PSDOC-RESUME]
        'node.resumed': { target: 'Up', actions: assign({ suspended: false }) },
        // Stop-ClusterNode of a paused node: what is left is drained, then the service stops
        'node.stopping': 'Draining',
        'host.poweredOff': { target: 'LostPower', actions: 'powerLost' },
        'node.restarting': [
          { guard: 'drainOnShutdown', target: 'Draining', actions: 'restartBegins' },
          { target: 'ShuttingDown', actions: 'restartBegins' },
        ],
      },
    },
    // The service is gone but the other nodes have not yet removed the node: it still shows Up.
    LosingMembership: {
      tags: ['Up'],
      on: {
        'host.poweredOff': { target: 'LostPower', actions: 'powerLost' },
        'membership.lost': [
          { guard: and(['quarantineDue', 'cannotDrain']), target: 'QuarantinedUndrainable', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'quarantineDue', target: 'Quarantined', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'downAtCap', target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
          { guard: 'resiliencyEnabled', target: 'Isolated', actions: ['countUngracefulExit', 'expireExitLater'] },
          { target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
        ],
      },
      after: {
        // No heartbeats come from a dead clussvc, so removal happens by this deadline at the latest [ITPRO-HB]
        'SameSubnetThreshold × SameSubnetDelay': [
          { guard: and(['quarantineDue', 'cannotDrain']), target: 'QuarantinedUndrainable', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'quarantineDue', target: 'Quarantined', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'downAtCap', target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
          { guard: 'resiliencyEnabled', target: 'Isolated', actions: ['countUngracefulExit', 'expireExitLater'] },
          { target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
        ],
      },
    },
    // The host lost its power (issue 14): clussvc and every VM on it stopped at once, nothing was shut down. The
    // members notice only by the silence, as after a crash: until then the node still shows Up [ITPRO-HB]. What
    // the silence leads to is what any removal leads to, by ResiliencyLevel (resiliencyEnabled): under AlwaysIsolate
    // the cluster cannot tell a dead host from an isolated one, so the node is Isolated (its VMs, dead, reported
    // Unmonitored) for the period; at level 1 nothing says the node is alive, so it is Down at once.
    LostPower: {
      tags: ['Up'],
      on: {
        'membership.lost': [
          { guard: and(['quarantineDue', 'cannotDrain']), target: 'QuarantinedUndrainable', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'quarantineDue', target: 'Quarantined', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'downAtCap', target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
          { guard: 'resiliencyEnabled', target: 'IsolatedDark', actions: ['countUngracefulExit', 'expireExitLater'] },
          { target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
        ],
      },
      after: {
        'SameSubnetThreshold × SameSubnetDelay': [
          { guard: and(['quarantineDue', 'cannotDrain']), target: 'QuarantinedUndrainable', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'quarantineDue', target: 'Quarantined', actions: ['countUngracefulExit', 'expireExitLater', 'forgetExits'] },
          { guard: 'downAtCap', target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
          { guard: 'resiliencyEnabled', target: 'IsolatedDark', actions: ['countUngracefulExit', 'expireExitLater'] },
          { target: 'Down', actions: ['countUngracefulExit', 'expireExitLater'] },
        ],
      },
    },
    // Isolated with its host dark (issue 14): the cluster shows what it shows of any isolated node, and its VMs'
    // groups as unmonitored [MSBLOG], [EVT] 1681, but the VMs are dead and nothing on the host can be read. The host
    // writes no 1673 (nothing runs on it to write it: the checker does not ask for it). Not back within
    // ResiliencyDefaultPeriod: Down, and its VMs fail over [MSDN-RDP], [ITPRO-RES]; powered on within the period, it
    // boots and joins (1680), and its VMs, found off, are restarted.
    IsolatedDark: {
      tags: ['Isolated'],
      on: {
        'node.joining': { guard: 'canJoin', target: 'Joining' },
      },
      after: {
        ResiliencyDefaultPeriod: 'Down',
      },
    },
    // Removed from active membership but still hosting its VMs, which the cluster no longer monitors [MSBLOG], [SAVILL-476]
    Isolated: {
      tags: ['Isolated'],
      on: {
        // Its host loses its power too: still Isolated, its VMs dead. (The period is counted from here, which may
        // allow the node to stay Isolated up to that much longer than it can: looser than the cluster, never stricter.)
        'host.poweredOff': { target: 'IsolatedDark', actions: 'powerLost' },
        // Back within the period: the node rejoins and its VMs are monitored again (events 1680, 1682) [EVT]
        'node.joining': { guard: 'canJoin', target: 'Joining' },
      },
      after: {
        // Not back within ResiliencyDefaultPeriod: Down, and its VMs fail over (event 1682) [EVT], [AFINN-17525]
        ResiliencyDefaultPeriod: 'Down',
      },
    },
    // May not join for QuarantineDuration; its VMs are drained by live migration although it is up
    // [SAVILL-479], [PETRI], [AFINN-17759], lab §1.5; events 1672, 1676 [EVT]
    Quarantined: {
      tags: ['Quarantined'],
      on: {
        'quarantine.cleared': { target: 'Joining', actions: 'forgetExits' },
      },
      after: {
        QuarantineDuration: 'Released',
      },
    },
    // Quarantined while it cannot take part in a live migration: its cluster service dead (and not to be restarted
    // yet), its networks cut, or its host dark. Our reading (src/targets/sim/quarantine.ts; no source describes the
    // case): the drain waits for the node to be reached — its service started (clussvc.back, node.started) with its
    // networks up, or its networks healed with its service running — and meanwhile its VMs are those of a node out of
    // membership, failing over when the resiliency period ends (clustered-vm OnUndrainableNode). The node learns of
    // its quarantine (1676) only then, refused by a member (1675) [EVT].
    QuarantinedUndrainable: {
      tags: ['Quarantined'],
      on: {
        'clussvc.back': { guard: 'networkUp', target: 'Quarantined', actions: 'serviceBack' },
        'node.started': { guard: 'networkUp', target: 'Quarantined', actions: 'serviceBack' },
        'network.healed': [{ guard: ({ context }) => !context.serviceDown && !context.poweredOff, target: 'Quarantined', actions: 'healed' }, { actions: 'healed' }],
        // Powered on: it boots and its cluster service starts (reached), unless its networks are cut
        'host.poweredOn': [{ guard: ({ context }) => !context.serviceDown && !context.networkCut, target: 'Quarantined', actions: 'powerRestored' }, { actions: 'powerRestored' }],
        'quarantine.cleared': { target: 'Released', actions: 'forgetExits' },
      },
      after: {
        QuarantineDuration: 'Released',
      },
    },
    // The quarantine is over: the node joins as soon as its cluster service runs.
    Released: {
      tags: ['Down'],
      on: {
        'node.joining': { guard: 'canJoin', target: 'Joining' },
        'quarantine.cleared': { target: 'Joining', actions: 'forgetExits' },
      },
    },
    Down: {
      tags: ['Down'],
      on: {
        // Once clussvc runs again the node joins the cluster (lab §1: "normally the cluster service restarts by itself")
        'node.joining': { guard: 'canJoin', target: 'Joining' },
      },
    },
    // Stop-ClusterNode: roles are drained (live migration) before the service stops; no isolation. Restart-Computer
    // with DrainOnShutdown does the same before the OS goes down.
    Draining: {
      tags: ['Paused'],
      on: {
        'node.stopped': 'Stopped',
        'host.poweredOff': { target: 'LostPower', actions: 'powerLost' },
        'restart.refused': { guard: 'restarting', target: 'Up', actions: 'restartEnds' },
      },
      after: { DrainWithin: 'Stopped' },
    },
    // Restart-Computer without DrainOnShutdown: the VM groups go offline per their OfflineAction (Save by default,
    // learn.microsoft.com/previous-versions/windows/desktop/mscs/virtual-machines-offlineaction) and restart on
    // other nodes; then the service stops on purpose as in a graceful stop. The node takes no new role meanwhile.
    ShuttingDown: {
      tags: ['Up', 'Paused'],
      on: {
        'node.stopped': 'Stopped',
        'host.poweredOff': { target: 'LostPower', actions: 'powerLost' },
        'restart.refused': { target: 'Up', actions: 'restartEnds' },
      },
      after: { DrainWithin: 'Stopped' },
    },
    // Stopped on purpose: not an ungraceful exit, so it neither isolates nor counts toward quarantine
    // [SAVILL-479]; the service control manager does not restart it: only Start-ClusterNode does — or, after
    // Restart-Computer, the OS that starts it at boot, so the node joins by itself.
    Stopped: {
      tags: ['Down'],
      on: {
        'node.started': 'Joining',
        'node.joining': { guard: 'restartedCanJoin', target: 'Joining' },
      },
    },
    // A join is a regroup of the whole cluster: it takes a while, so a node cannot lose membership and be
    // back Up between two polls a second apart (JoinTakesAtLeast, a stated assumption).
    Joining: {
      tags: ['Joining'],
      meta: { minimumDwell: 'JoinTakesAtLeast' },
      on: {
        'node.joined': [
          // Suspended before it left: it is back Paused, and takes no role until it is resumed [CLUSAPI-PAUSE]
          { guard: 'suspended', target: 'Paused', actions: 'restartEnds' },
          { target: 'Up', actions: 'restartEnds' },
        ],
        // A crash breaks the join off: another ungraceful exit
        'clussvc.crashed': { target: 'LosingMembership', actions: 'crashed' },
        'host.poweredOff': { target: 'LostPower', actions: 'powerLost' },
      },
    },
  },
});
