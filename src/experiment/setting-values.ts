/**
 * Settings written as a person says them: a duration in the setting's own unit (`ResiliencyDefaultPeriod: 4m`,
 * `SameSubnetDelay: 1s`) or a value's name (`ResiliencyLevel: AlwaysIsolate`). The schema accepts the text;
 * here it becomes the number the cluster stores, and a duration outside the setting's range or not a whole
 * number of its unit is refused. The run, its trace header and its reports see only numbers.
 */
import { describeSetting, settingNumber, type SettingsCatalogueEntry } from './catalogues.js';
import { tryParseDuration } from './duration.js';
import type { Finding } from './finding.js';

const UNIT_WORD: Record<string, string> = { s: 'seconds', ms: 'milliseconds' };

/** What is wrong with the settings written as text that the schema let through. */
export function settingValueFindings(data: unknown, settings: readonly SettingsCatalogueEntry[]): Finding[] {
  const out: Finding[] = [];
  for (const [name, value, entry] of textSettings(data, settings)) {
    const n = settingNumber(entry, value);
    const unit = UNIT_WORD[entry.unit] ?? entry.unit;
    const base = { path: ['settings', name], at: 'value' as const, expected: describeSetting(entry) };
    if (n === undefined) {
      const ms = tryParseDuration(value);
      if (ms === undefined) continue; // not a duration: the schema has said so
      out.push({ ...base, found: `${JSON.stringify(value)}, which is not a whole number of ${unit}`, hint: `Write a whole number of ${unit}, e.g. ${Math.max(1, Math.round(ms / 1000))}s.` });
    } else if (n < entry.min || n > entry.max) {
      out.push({ ...base, found: `${JSON.stringify(value)} (${n} ${unit})`, hint: `Write a value from ${entry.min} to ${entry.max} ${unit}.` });
    }
  }
  return out;
}

/** The settings section with every value a number: call once the experiment has no problems. */
export function settingsAsNumbers(data: unknown, settings: readonly SettingsCatalogueEntry[]): void {
  for (const [name, value, entry] of textSettings(data, settings)) {
    const n = settingNumber(entry, value);
    if (n !== undefined) (data as { settings: Record<string, unknown> }).settings[name] = n;
  }
}

function textSettings(data: unknown, settings: readonly SettingsCatalogueEntry[]): [string, string, SettingsCatalogueEntry][] {
  const section = data !== null && typeof data === 'object' ? (data as { settings?: unknown }).settings : undefined;
  if (section === null || typeof section !== 'object' || Array.isArray(section)) return [];
  const out: [string, string, SettingsCatalogueEntry][] = [];
  for (const [name, value] of Object.entries(section)) {
    const entry = settings.find((s) => s.name === name);
    if (entry && typeof value === 'string') out.push([name, value, entry]);
  }
  return out;
}
