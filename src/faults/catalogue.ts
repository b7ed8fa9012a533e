import { drainNode } from './drain-node.js';
import type { FaultDefinition } from './fault.js';
import { failStorage } from './fail-storage.js';
import { failStoragePath } from './fail-storage-path.js';
import { failWitness } from './fail-witness.js';
import { isolateNetwork } from './isolate-network.js';
import { killClussvc } from './kill-clussvc.js';
import { liveMigrate } from './live-migrate.js';
import { powerOffNode } from './power-off-node.js';
import { powerOnNode } from './power-on-node.js';
import { restartNode } from './restart-node.js';
import { resumeNode } from './resume-node.js';
import { startNode } from './start-node.js';
import { stopNode } from './stop-node.js';

/** The fault catalogue, by name, in the order `clusterchaos list faults` shows it. */
export const faults: ReadonlyMap<string, FaultDefinition<any>> = new Map(
  [killClussvc, isolateNetwork, stopNode, startNode, liveMigrate, drainNode, resumeNode, powerOffNode, powerOnNode, restartNode, failStoragePath, failStorage, failWitness].map((f) => [f.name, f as FaultDefinition<any>]),
);
