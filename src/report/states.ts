import type { NodeObservation, VmObservation } from '../trace/records.js';

/**
 * A node as a person reads it on the timeline: `Isolated` or `Quarantined` when StatusInformation says so
 * (Get-ClusterNode reports an isolated node as State Down or Up with the Isolated flag; windows-cluster-facts.md
 * §1.3), otherwise its State (`Up`, `Down`, `Joining`, `Paused`).
 */
export function nodeDisplayState(o: NodeObservation): string {
  const flags = o.StatusInformation ?? [];
  if (flags.includes('Isolated')) return 'Isolated';
  if (flags.includes('Quarantined')) return 'Quarantined';
  return o.State;
}

/**
 * A clustered VM as a person reads it on the timeline: its Get-VM State, except that a Running VM whose
 * cluster group is flagged Unmonitored (its node is isolated: the cluster no longer manages it) shows as
 * `Unmonitored`. The owner node is drawn separately, so an owner change is visible.
 */
export function vmDisplayState(o: VmObservation): string {
  if (o.State === 'Running' && (o.StatusInformation ?? []).includes('Unmonitored')) return 'Unmonitored';
  return o.State;
}

/** The state of a timeline box that stands for many short intervals merged together. */
export const MANY_CHANGES = 'many changes';

/** Fill colour per display state; the same everywhere in the report. */
const COLOURS: [state: string, fill: string][] = [
  ['Up', '#43a047'],
  ['Running', '#43a047'],
  ['Isolated', '#ffb300'],
  ['Unmonitored', '#ffb300'],
  ['RunningCritical', '#fb8c00'],
  ['PausedCritical', '#e53935'],
  ['Down', '#e53935'],
  ['Quarantined', '#8e24aa'],
  ['Joining', '#78909c'],
  ['Starting', '#78909c'],
  ['Stopping', '#78909c'],
  ['Saving', '#78909c'],
  ['Pausing', '#78909c'],
  ['Resuming', '#78909c'],
  ['Paused', '#5c6bc0'],
  ['Saved', '#9e9e9e'],
  ['Off', '#9e9e9e'],
];
const FILL = new Map(COLOURS);
const UNKNOWN_FILL = '#cfd8dc';

/** The fill colour for a display state; states we do not know (e.g. `Unknown`) are a pale grey. */
export function stateColour(state: string): string {
  return FILL.get(state) ?? (state.endsWith('Critical') ? '#fb8c00' : UNKNOWN_FILL);
}

/** Legend order: the order of COLOURS, then anything else alphabetically. */
export function legendOrder(states: Iterable<string>): string[] {
  const rank = new Map(COLOURS.map(([s], i) => [s, i]));
  return [...new Set(states)].sort((a, b) => (rank.get(a) ?? 999) - (rank.get(b) ?? 999) || a.localeCompare(b));
}
