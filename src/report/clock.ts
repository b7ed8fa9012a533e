import type { ClusterTimeZone, HeaderRecord, Millis } from '../trace/records.js';

/**
 * The wall clock beside the run's clock: a trace's times are milliseconds since the run started, but the
 * cluster log (Get-ClusterLog, UTC unless -UseLocalTime), the event viewer and the change ticket speak in wall-clock
 * time. A moment in UTC and in the cluster's local time, from the header's start time and time zone.
 */
export interface WallClock {
  /** `2026-03-14 02:10:07 UTC`; undefined when the header's start time is no time. */
  utc(t: Millis): string | undefined;
  /** `2026-03-14 03:10:07` in the cluster's zone; undefined without a recorded time zone. */
  local(t: Millis): string | undefined;
  /** `W. Europe Standard Time, UTC+01:00`, or why there is no local time. */
  zone: string;
  /** The cluster's zone is recorded. */
  hasLocal: boolean;
}

export function wallClock(header: Pick<HeaderRecord, 'startTime' | 'timeZone'>): WallClock {
  const start = Date.parse(header.startTime);
  // a hand-edited or foreign trace's zone is used only when it has the shape the runner writes
  const tz = header.timeZone && typeof header.timeZone.id === 'string' && Number.isFinite(header.timeZone.utcOffsetMinutes) ? header.timeZone : undefined;
  const at = (t: Millis): number | undefined => (Number.isFinite(start) && Number.isFinite(t) ? start + t : undefined);
  const offsetAt = tz ? offsetOf(tz) : undefined;
  return {
    utc: (t) => {
      const ms = at(t);
      return ms === undefined ? undefined : `${stamp(ms)} UTC`;
    },
    local: (t) => {
      const ms = at(t);
      return ms === undefined || !offsetAt ? undefined : stamp(ms + offsetAt(ms) * 60_000);
    },
    zone: tz ? zoneText(tz.id, utcOffsetText(offsetAt!(at(0) ?? 0))) : 'the cluster\'s time zone is not in the trace (written before issue 15)',
    hasLocal: tz !== undefined && Number.isFinite(start),
  };
}

function zoneText(id: string, offset: string): string {
  return id === offset ? id : `${id}, ${offset}`;
}

/** `UTC+01:00`, `UTC−03:30`, `UTC`. */
export function utcOffsetText(minutes: number): string {
  if (!minutes) return 'UTC';
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '−' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * The offset at an instant: an IANA zone's own rules (so a run across a daylight-saving change stays right), else
 * (a Windows zone id, which JavaScript cannot look up) the offset the header recorded at the start.
 */
function offsetOf(tz: ClusterTimeZone): (ms: number) => number {
  let f: Intl.DateTimeFormat | undefined;
  try {
    // a Windows zone id (`W. Europe Standard Time`) is no IANA name: Intl refuses it
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz.id, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    f = undefined;
  }
  if (!f) return () => tz.utcOffsetMinutes;
  return (ms) => {
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  };
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
