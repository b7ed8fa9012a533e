/**
 * Wall-clock time in the lab's time zone (IANA, e.g. Pacific/Honolulu), as Windows reads and writes it: a
 * local time without offset means the machine's own zone (Task Scheduler's StartBoundary without
 * "synchronize across time zones"), one with an offset or Z is an absolute instant.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when it is not an IANA time zone this Node knows. */
export function checkTimeZone(timeZone: string): void {
  try {
    formatter(timeZone);
  } catch {
    throw new RangeError(`time zone ${JSON.stringify(timeZone)} is not an IANA time zone (e.g. Pacific/Honolulu, Europe/Paris, UTC)`);
  }
}

/** The zone's offset from UTC at the instant `epochMs`, in minutes (Honolulu: -600). */
export function offsetMinutes(epochMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `2026-01-01T10:00:00-10:00`: the instant as the zone's wall time with its offset (the 'yyyy-MM-ddTHH:mm:sszzz' of .NET). */
export function formatLocal(epochMs: number, timeZone: string): string {
  const offset = offsetMinutes(epochMs, timeZone);
  const wall = new Date(Math.floor(epochMs / 1000) * 1000 + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;

/**
 * The instant a date-time names: with Z or an offset as written; without, as the zone's wall time (a wall
 * time skipped by a DST change is read with the offset before it). NaN when it is no ISO date-time.
 */
export function parseInstant(text: string, timeZone: string): number {
  const t = text.trim();
  const local = LOCAL.exec(t);
  if (!local) return Date.parse(t);
  const [, y, mo, d, h, mi, s, frac] = local;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  // The offset at the guess, then at the instant it gives: settles within two rounds outside a DST change.
  let instant = wall - offsetMinutes(wall, timeZone) * 60_000;
  instant = wall - offsetMinutes(instant, timeZone) * 60_000;
  return instant;
}
