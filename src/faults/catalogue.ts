import type { FaultDefinition } from './fault.js';
import { isolateNetwork } from './isolate-network.js';
import { killClussvc } from './kill-clussvc.js';
import { startNode } from './start-node.js';
import { stopNode } from './stop-node.js';

/** The fault catalogue, by name. */
export const faults: ReadonlyMap<string, FaultDefinition<any>> = new Map(
  [killClussvc, isolateNetwork, stopNode, startNode].map((f) => [f.name, f as FaultDefinition<any>]),
);
