/**
 * The processes of op lines (Jepsen's word): `nemesis` injects and reverts faults, `workload` runs operations
 * that leave nothing to undo (a live migration), `runner` and `observer` are clusterchaos itself. A step in a
 * `parallel:` block runs in a process of its own branch, `nemesis:2` / `workload:2` (the block's second
 * branch), so that two operations in flight at once never share a process (src/experiment/method.ts).
 */

/** Whether the process injects and reverts faults: `nemesis`, or a branch's `nemesis:<n>`. */
export function isNemesis(process: string): boolean {
  return process === 'nemesis' || process.startsWith('nemesis:');
}
