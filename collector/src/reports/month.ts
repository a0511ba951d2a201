/**
 * A report month is the Europe/London calendar month: from local midnight on the 1st to local
 * midnight on the 1st of the next month, as UTC instants (743 h in March, 745 h in October).
 * London's offsets are whole hours, so every local hour starts on a UTC hour boundary and the
 * store's hour buckets (aligned to the Unix epoch) are local hours too. Zone arithmetic comes
 * from shared/src/calendar/zoned.ts.
 */
import { N3monError } from '../../../shared/src/errors.ts';
import { addDays, dateKey, zonedClock, type ZonedClock } from '../../../shared/src/calendar/zoned.ts';
import { ACCOUNTING } from './rules.ts';

export const REPORT_TIME_ZONE = 'Europe/London';
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

export interface ReportDay {
  /** Local date, `YYYY-MM-DD`. */
  date: string;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  start: number;
  end: number;
}

export interface MonthFrame {
  /** `YYYY-MM`. */
  month: string;
  year: number;
  /** 1..12 */
  monthNumber: number;
  /** UTC instant of local midnight on the 1st. */
  start: number;
  /** UTC instant of local midnight on the 1st of the next month (exclusive). */
  end: number;
  days: ReportDay[];
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH_RE.test(text);
}

export function parseMonth(text: string): { year: number; monthNumber: number } {
  const m = MONTH_RE.exec(text);
  if (m === null) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `month must be YYYY-MM (got ${JSON.stringify(text)})`);
  return { year: Number(m[1]), monthNumber: Number(m[2]) };
}

export function formatMonth(year: number, monthNumber: number): string {
  return `${String(year).padStart(4, '0')}-${String(monthNumber).padStart(2, '0')}`;
}

export function previousMonth(month: string): string {
  const { year, monthNumber } = parseMonth(month);
  return monthNumber === 1 ? formatMonth(year - 1, 12) : formatMonth(year, monthNumber - 1);
}

export function nextMonth(month: string): string {
  const { year, monthNumber } = parseMonth(month);
  return monthNumber === 12 ? formatMonth(year + 1, 1) : formatMonth(year, monthNumber + 1);
}

/** The report's clock: Europe/London wall time, from the calendar module (one zone implementation). */
export function reportZone(): ZonedClock {
  return zonedClock(REPORT_TIME_ZONE);
}

/** `YYYY-MM-DD` of an instant in London. */
export function localDate(zone: ZonedClock, ts: number): string {
  const t = zone.parts(ts);
  return dateKey(t.year, t.month, t.day);
}

/** `YYYY-MM-DD HH:MM` in London, for tables. */
export function localDateTime(zone: ZonedClock, ts: number): string {
  const t = zone.parts(ts);
  return `${dateKey(t.year, t.month, t.day)} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

export function monthFrame(month: string, zone: ZonedClock = reportZone()): MonthFrame {
  const { year, monthNumber } = parseMonth(month);
  const start = zone.toInstant(year, monthNumber, 1, 0, 0);
  const next = parseMonth(nextMonth(month));
  const end = zone.toInstant(next.year, next.monthNumber, 1, 0, 0);
  const days: ReportDay[] = [];
  const daysInMonth = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  for (let d = 1; d <= daysInMonth; d++) {
    const dayStart = zone.toInstant(year, monthNumber, d, 0, 0);
    const dayEnd = d === daysInMonth ? end : zone.toInstant(year, monthNumber, d + 1, 0, 0);
    days.push({ date: dateKey(year, monthNumber, d), weekday: addDays(year, monthNumber, d, 0).weekday, start: dayStart, end: dayEnd });
  }
  return { month, year, monthNumber, start, end, days };
}

/**
 * Where the judged part of a month ends for a report made at `now`: the month's end once it is
 * over; for a month in progress, the end of the last whole minute that ended at least
 * ACCOUNTING.inProgressSettleMs before `now` (never before the month's start — then nothing is
 * judged yet), so runs still in flight from agents are not counted as unknown.
 */
export function judgedEnd(frame: Pick<MonthFrame, 'start' | 'end'>, now: number): number {
  if (now >= frame.end) return frame.end;
  const settled = Math.floor((now - ACCOUNTING.inProgressSettleMs) / MINUTE_MS) * MINUTE_MS;
  return Math.max(frame.start, Math.min(frame.end, settled));
}

/** The month (London) an instant falls in. */
export function monthOf(zone: ZonedClock, ts: number): string {
  const t = zone.parts(ts);
  return formatMonth(t.year, t.month);
}

/** Index of the day of `frame` that contains `ts`, or -1. */
export function dayIndex(frame: MonthFrame, ts: number): number {
  if (ts < frame.start || ts >= frame.end) return -1;
  let lo = 0;
  let hi = frame.days.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((frame.days[mid] as ReportDay).start <= ts) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
