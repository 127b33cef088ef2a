// Calendar days in a site's own time zone (rules `timezone`, an IANA name): the day a rollup row
// belongs to, and where a day starts and ends. UTC takes the fast path; other zones go through
// Intl, with one formatter per zone kept for the isolate's life.
import { DAY_MS, utcDate } from './time';

export const UTC = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD; h23 keeps midnight as 00, not 24.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** Whether Intl knows this IANA time zone name. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at `ms`, read as if it were UTC (so the difference to `ms` is the offset). */
function wallClock(ms: number, zone: string): number {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
}

/** The calendar date at `ms` in `zone`, as YYYY-MM-DD. */
export function localDate(ms: number, zone: string = UTC): string {
  if (zone === UTC) return utcDate(ms);
  return utcDate(wallClock(ms, zone));
}

/** When `day` (YYYY-MM-DD) starts in `zone`, in ms. Across a DST change the offset of the day's start counts. */
export function dayStart(day: string, zone: string = UTC): number {
  const midnight = Date.parse(`${day}T00:00:00Z`);
  if (zone === UTC) return midnight;
  // Two rounds: the offset at the first guess may differ from the offset at the day's start.
  let guess = midnight - (wallClock(midnight, zone) - midnight);
  guess = midnight - (wallClock(guess, zone) - guess);
  return guess;
}

/** When `day` ends in `zone` (the next day's start), in ms. */
export const dayEnd = (day: string, zone: string = UTC): number =>
  dayStart(utcDate(Date.parse(`${day}T00:00:00Z`) + DAY_MS), zone);
