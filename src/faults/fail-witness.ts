import type { FaultDefinition } from './fault.js';

export interface FailWitnessParams {
  /** How long the witness stays lost (ms; `60s` in the file): it comes back by itself then, even if clusterchaos dies. */
  duration: number;
}

/**
 * Take the quorum witness away from every node for a while: the witness resource fails (1562 for a file
 * share witness, then 1069 [EVT]) and its vote is gone. On a real cluster: firewall rules on every node
 * blocking the way to it — SMB (TCP 445) to a file share witness's server, HTTPS (TCP 443) to a cloud
 * witness's storage account, the storage traffic of the node owning a disk witness — removed by a scheduled
 * task after `duration`, as isolate-network does. With every node up this costs nothing: the nodes hold more
 * than half of the votes without it, and with dynamic witness it has no vote at all while the node votes are
 * odd [MS-QUORUM]; it matters when nodes are lost too, which the blast-radius guard counts.
 */
export const failWitness: FaultDefinition<FailWitnessParams> = {
  name: 'fail-witness',
  summary: 'Take the quorum witness away from every node for a while (its vote is gone); it comes back by itself',
  params: {
    type: 'object',
    properties: {
      duration: { type: 'string', format: 'duration', description: 'How long the witness stays lost before it comes back by itself, e.g. 60s' },
    },
    required: ['duration'],
    additionalProperties: false,
  },
  // no node: the witness is not a node (the guard counts its vote, src/safety/blast-radius.ts)
  impairs: () => [],
  inject: (target, p) => target.failWitness({ healAfterMs: p.duration }),
  revert: (target) => target.restoreWitness(),
};
