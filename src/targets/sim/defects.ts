/**
 * Defect profiles: named ways the simulator can be told to deviate from the documented behaviour, so the
 * checker can be shown to catch each deviation. A defect is a switch; the mechanism that would misbehave
 * asks `defects.has(name)` right where it deviates. To add one: a line in `catalogue`, a check at the
 * mechanism, a test.
 */

const catalogue = [
  {
    name: 'no-isolation',
    summary: 'The crashed node goes straight Down and its VMs fail over at once, as if resiliency were off',
  },
] as const;

export type DefectName = (typeof catalogue)[number]['name'];

export const simDefects: readonly { name: string; summary: string }[] = catalogue;

export class UnknownDefectError extends Error {
  override name = 'UnknownDefectError';
  constructor(readonly defect: string) {
    super(`unknown defect profile '${defect}'; known defects: ${simDefects.map((d) => d.name).join(', ')}`);
  }
}

/** The defects switched on for one simulated cluster. */
export class Defects {
  private readonly active: ReadonlySet<string>;

  constructor(names: readonly string[] = []) {
    for (const name of names) {
      if (!simDefects.some((d) => d.name === name)) throw new UnknownDefectError(name);
    }
    this.active = new Set(names);
  }

  has(name: DefectName): boolean {
    return this.active.has(name);
  }
}
