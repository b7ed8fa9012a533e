import type { FaultDefinition } from '../faults/fault.js';
import { tryParseDuration } from './duration.js';

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
  /** Names for its values, written instead of the number (`ResiliencyLevel: AlwaysIsolate`). */
  names?: Readonly<Record<string, number>>;
  /** The documented default, shown by editors that read the published schema. */
  default?: number;
  description: string;
}

export type FaultCatalogue = ReadonlyMap<string, FaultDefinition<any>>;

const UNIT_WORDS: Record<string, string> = {
  s: 'an integer number of seconds',
  ms: 'an integer number of milliseconds',
  count: 'an integer count',
  level: 'an integer level',
};

/** Settings in these units also take a duration (`4m`, `1s`), converted to the unit. */
const DURATION_UNITS_MS: Record<string, number> = { s: 1000, ms: 1 };

/**
 * `an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s`,
 * `an integer level, one of 1, 2, or its name: IsolateOnSpecialHeartbeat (1), AlwaysIsolate (2)`.
 */
export function describeSetting(s: SettingsCatalogueEntry): string {
  const what = UNIT_WORDS[s.unit] ?? `an integer (${s.unit})`;
  const names = Object.entries(s.names ?? {});
  if (s.values && s.values.length > 0) {
    const numbers = `${what}, one of ${s.values.join(', ')}`;
    return names.length > 0 ? `${numbers}, or its name: ${names.map(([n, v]) => `${n} (${v})`).join(', ')}` : numbers;
  }
  const duration = s.unit === 's' ? ', or a duration such as 4m or 240s' : s.unit === 'ms' ? ', or a duration such as 1s or 500ms' : '';
  return `${what} from ${s.min} to ${s.max}${duration}`;
}

/** Whether the setting takes a duration as well as a number. */
export function takesDuration(s: SettingsCatalogueEntry): boolean {
  return s.unit in DURATION_UNITS_MS;
}

/**
 * A setting's value as the number the cluster stores: a name for its number, a duration in the setting's
 * own unit (`4m` → 240 for a setting in seconds, `1s` → 1000 for one in ms). Undefined when the text is
 * neither, or a duration that is not a whole number of the unit (`1500ms` for seconds).
 */
export function settingNumber(s: SettingsCatalogueEntry, value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (s.names && Object.hasOwn(s.names, value)) return s.names[value];
  const unitMs = DURATION_UNITS_MS[s.unit];
  const ms = unitMs === undefined ? undefined : tryParseDuration(value);
  if (ms === undefined || ms % unitMs! !== 0) return undefined;
  return ms / unitMs!;
}

/** `240` seconds → `4m`, `7200` → `2h`, `90` → `1m30s`: how an experiment may write it. */
export function durationText(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join('') : '0s';
}

/**
 * A setting's default as `list settings` shows it, in its unit and as an experiment may also write it:
 * `240 s (4m)`, `1000 ms (1s)`, `2 (AlwaysIsolate)`, `3`.
 */
export function settingDefaultText(s: SettingsCatalogueEntry & { default: number }): string {
  const name = Object.entries(s.names ?? {}).find(([, v]) => v === s.default)?.[0];
  if (name !== undefined) return `${s.default} (${name})`;
  const unitMs = DURATION_UNITS_MS[s.unit];
  if (unitMs === undefined) return String(s.default);
  const ms = s.default * unitMs;
  return ms >= 60_000 || (s.unit === 'ms' && ms >= 1000) ? `${s.default} ${s.unit} (${durationText(ms)})` : `${s.default} ${s.unit}`;
}
