import type { FaultDefinition } from '../faults/fault.js';

/**
 * What the loader needs to know about a setting. Structural, so `src/experiment` does not import
 * `machines/` (layering rule): the CLI passes `settingDefinitions`, which fits this shape.
 */
export interface SettingsCatalogueEntry {
  /** The cluster's own name for it (Get-Cluster property) or the model setting's name. */
  name: string;
  kind: 'cluster' | 'model' | 'simulator';
  unit: 's' | 'ms' | 'count' | 'level' | (string & {});
  min: number;
  max: number;
  /** Allowed values, where only a few are meaningful (ResiliencyLevel 1 | 2). */
  values?: readonly number[];
  description: string;
}

export type FaultCatalogue = ReadonlyMap<string, FaultDefinition<any>>;

const UNIT_WORDS: Record<string, string> = {
  s: 'an integer number of seconds',
  ms: 'an integer number of milliseconds',
  count: 'an integer count',
  level: 'an integer level',
};

/** `an integer number of seconds from 0 to 4294967295`, `an integer level, one of 1, 2`. */
export function describeSetting(s: SettingsCatalogueEntry): string {
  const what = UNIT_WORDS[s.unit] ?? `an integer (${s.unit})`;
  if (s.values && s.values.length > 0) return `${what}, one of ${s.values.join(', ')}`;
  return `${what} from ${s.min} to ${s.max}`;
}
