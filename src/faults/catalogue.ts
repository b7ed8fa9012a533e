import type { FaultDefinition } from './fault.js';
import { killClussvc } from './kill-clussvc.js';

/** The fault catalogue, by name. */
export const faults: ReadonlyMap<string, FaultDefinition<any>> = new Map(
  [killClussvc].map((f) => [f.name, f as FaultDefinition<any>]),
);
