import { setup } from 'xstate';
import type { Settings } from './settings.js';

/**
 * Node membership under VM Compute Resiliency (Windows Server 2016+), as documented.
 *
 * Tags are the states an observer may see the node in while the model is in that state (Get-ClusterNode:
 * State, or the Isolated / Quarantined StatusInformation flag). Delays are named after the cluster setting
 * they come from. Events:
 * - `clussvc.crashed`: the Cluster Service exited ungracefully (a stimulus from the trace's op lines);
 * - `membership.lost`, `node.joining`, `node.joined`: what the cluster does by itself, at a time the
 *   model does not fix (the checker lets them happen whenever some observation needs them).
 *
 * Room is left for quarantine (Quarantined state, QuarantineThreshold / QuarantineDuration) and for
 * graceful stops and network isolation, which a later issue adds as further stimuli.
 */

export interface NodeMembershipInput {
  settings: Settings;
}

export type NodeMembershipEvent =
  | { type: 'clussvc.crashed' }
  | { type: 'membership.lost' }
  | { type: 'node.joining' }
  | { type: 'node.joined' };

/** Events the cluster produces on its own: the checker may assume them at any time they are enabled. */
export const nodeMembershipSpontaneous = ['membership.lost', 'node.joining', 'node.joined'] as const;

export const nodeMembership = setup({
  types: {
    context: {} as { settings: Settings },
    input: {} as NodeMembershipInput,
    events: {} as NodeMembershipEvent,
  },
  delays: {
    // SameSubnetThreshold missed heartbeats, SameSubnetDelay apart → removed from active membership [ITPRO-HB]
    'SameSubnetThreshold × SameSubnetDelay': ({ context }) =>
      context.settings.SameSubnetThreshold * context.settings.SameSubnetDelay,
    // An Isolated node that has not rejoined within ResiliencyDefaultPeriod is declared Down [MSDN-RDP], [ITPRO-RES]
    ResiliencyDefaultPeriod: ({ context }) => context.settings.ResiliencyDefaultPeriod * 1000,
  },
  guards: {
    // ResiliencyDefaultPeriod = 0 disables compute resiliency: pre-2016 behaviour, straight to Down [SR-FAQ], [MSDN-RDP]
    resiliencyEnabled: ({ context }) => context.settings.ResiliencyDefaultPeriod > 0,
  },
}).createMachine({
  id: 'node-membership',
  context: ({ input }) => ({ settings: input.settings }),
  initial: 'Up',
  states: {
    Up: {
      tags: ['Up'],
      on: {
        // Stop-Process -Name clussvc -Force: an ungraceful exit, the isolation path [lab §1], [MSBLOG]
        'clussvc.crashed': 'LosingMembership',
      },
    },
    // The service is gone but the other nodes have not yet removed the node: it still shows Up.
    LosingMembership: {
      tags: ['Up'],
      on: {
        'membership.lost': [{ guard: 'resiliencyEnabled', target: 'Isolated' }, { target: 'Down' }],
      },
      after: {
        // No heartbeats come from a dead clussvc, so removal happens by this deadline at the latest [ITPRO-HB]
        'SameSubnetThreshold × SameSubnetDelay': [{ guard: 'resiliencyEnabled', target: 'Isolated' }, { target: 'Down' }],
      },
    },
    // Removed from active membership but still hosting its VMs, which the cluster no longer monitors [MSBLOG], [SAVILL-476]
    Isolated: {
      tags: ['Isolated'],
      on: {
        // Back within the period: the node rejoins and its VMs are monitored again (events 1680, 1682) [EVT]
        'node.joining': 'Joining',
      },
      after: {
        // Not back within ResiliencyDefaultPeriod: Down, and its VMs fail over (event 1682) [EVT], [AFINN-17525]
        ResiliencyDefaultPeriod: 'Down',
      },
    },
    Down: {
      tags: ['Down'],
      on: {
        // Once clussvc runs again the node joins the cluster (lab §1: "normally the cluster service restarts by itself")
        'node.joining': 'Joining',
      },
    },
    // A join is a regroup of the whole cluster: it takes a while, so a node cannot lose membership and be
    // back Up between two polls a second apart (JoinTakesAtLeast, a stated assumption).
    Joining: {
      tags: ['Joining'],
      meta: { minimumDwell: 'JoinTakesAtLeast' },
      on: { 'node.joined': 'Up' },
    },
  },
});
