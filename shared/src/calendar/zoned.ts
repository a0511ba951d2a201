/**
 * Wall-clock arithmetic in an IANA time zone (Europe/London by default) using the runtime's ICU
 * data, so British Summer Time changes come from the tz database, not from code. Pure functions;
 * the formatters are cached per zone inside a ZonedClock object (no module-level state).
 */

/** A local calendar date and time; `weekday` is ISO (1 = Monday … 7 = Sunday). */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface ZonedClock {
  readonly timeZone: string;
  /** Local wall-clock parts of an instant. */
  parts(ts: number): LocalParts;
  /** Local minus UTC at that instant, in ms (+3,600,000 during BST). */
  offsetMs(ts: number): number;
  /**
   * The instant when the local clock shows this date and time. For a time that occurs twice
   * (autumn change) the earlier instant; for a time that does not exist (spring change) the
   * instant the same number of minutes after the gap starts.
   */
  toInstant(year: number, month: number, day: number, hour: number, minute: number): number;
}

export function zonedClock(timeZone: string): ZonedClock {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
  } catch (err) {
    throw new RangeError(`unknown time zone '${timeZone}'`, { cause: err });
  }

  const parts = (ts: number): LocalParts => {
    const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
    for (const p of fmt.formatToParts(ts)) {
      switch (p.type) {
        case 'year':
          out.year = Number(p.value);
          break;
        case 'month':
          out.month = Number(p.value);
          break;
        case 'day':
          out.day = Number(p.value);
          break;
        case 'hour':
          out.hour = Number(p.value);
          break;
        case 'minute':
          out.minute = Number(p.value);
          break;
        case 'second':
          out.second = Number(p.value);
          break;
        case 'weekday':
          out.weekday = WEEKDAYS[p.value] ?? 0;
          break;
        default:
          break;
      }
    }
    return out;
  };

  const offsetMs = (ts: number): number => {
    const p = parts(ts);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return asUtc - Math.floor(ts / 1000) * 1000;
  };

  const toInstant = (year: number, month: number, day: number, hour: number, minute: number): number => {
    const wall = Date.UTC(year, month - 1, day, hour, minute);
    // Two candidates: the offsets in force a day either side cover every real-world change.
    const before = offsetMs(wall - 86_400_000);
    const after = offsetMs(wall + 86_400_000);
    const candidates = [wall - before, wall - after].filter((t) => Date.UTC(...ymdhm(parts(t))) === wall);
    if (candidates.length > 0) return Math.min(...candidates);
    // In the spring gap: the wall time never shows; move forward by the size of the gap.
    return wall - before;
  };

  return { timeZone, parts, offsetMs, toInstant };
}

function ymdhm(p: LocalParts): [number, number, number, number, number] {
  return [p.year, p.month - 1, p.day, p.hour, p.minute];
}

/** `YYYY-MM-DD` of a local date. */
export function dateKey(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The calendar date `days` after the given one (no time zone involved). */
export function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  const js = d.getUTCDay();
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: js === 0 ? 7 : js };
}
