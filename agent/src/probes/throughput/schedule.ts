/**
 * "Off core hours only" (pure): a test is skipped when any part of the time it may take —
 * [now, now + timeoutMs) — falls in core hours, so a test started at 07:59 does not run into the
 * morning. Core hours are the product's one calendar (shared/src/calendar/core-hours.ts): 08:00–18:30
 * Monday–Friday Europe/London, England and Wales bank holidays excluded. Outside the years the
 * bundled holiday data covers, bank holidays are not known and count as working days, so a test
 * is skipped then rather than run in what might be core hours.
 */
import type { CoreCalendar } from '../../../../shared/src/calendar/core-hours.ts';

/** Why a run starting at `now` and lasting up to `windowMs` must be skipped, or undefined to run. */
export function coreHoursSkip(calendar: CoreCalendar, now: number, windowMs: number): string | undefined {
  if (calendar.isCoreTime(now)) return 'core hours now';
  const overlapMs = calendar.coreMs(now, now + windowMs);
  if (overlapMs > 0) return `core hours start within the test's ${windowMs} ms`;
  return undefined;
}
