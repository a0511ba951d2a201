/**
 * The judged part of a report month, in words and as what the charts show: the whole month once
 * it is over; for a month in progress, its elapsed part up to a settled minute (accounting rules 1.1, §1). Reports
 * archived under rules 1.0 carry no `judgedTo` and are whole months.
 */
import type { ZonedClock } from '../../../../shared/src/calendar/zoned.ts';
import type { PracticeReport } from '../model.ts';
import { localDate } from '../month.ts';
import { ACCOUNTING } from '../rules.ts';

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function judgedTo(r: PracticeReport): number {
  return r.period.judgedTo ?? r.period.end;
}

export function inProgress(r: PracticeReport): boolean {
  return r.period.inProgress === true;
}

/** "1–7 December up to 14:21" (London); "1 December up to 03:00"; a day's end is "24:00". */
export function judgedSpan(r: PracticeReport, zone: ZonedClock): string | null {
  const to = judgedTo(r);
  if (to <= r.period.start) return null;
  const last = zone.parts(to - 1);
  const end = zone.parts(to);
  const time = end.day !== last.day ? '24:00' : `${String(end.hour).padStart(2, '0')}:${String(end.minute).padStart(2, '0')}`;
  const days = last.day === 1 ? '1' : `1–${last.day}`;
  return `${days} ${MONTH_NAMES[last.month - 1]} up to ${time}`;
}

/** The sentence a report in progress carries under its title; null for a finished month. */
export function inProgressText(r: PracticeReport, zone: ZonedClock): string | null {
  if (!inProgress(r)) return null;
  const span = judgedSpan(r, zone);
  if (span === null) return 'Month in progress: nothing judged yet — the month had only just begun when this report was generated.';
  return `Month in progress: judged on ${span} (${ACCOUNTING.inProgressSettleMs / 60_000} minutes before this report was generated, so that runs still in flight from agents are not counted as missing); the rest of the month is not yet judged, and is neither up, down nor unknown.`;
}

/** `YYYY-MM-DD` of the last judged day, or null when nothing is judged. */
function lastJudgedDate(r: PracticeReport, zone: ZonedClock): string | null {
  const to = judgedTo(r);
  return to <= r.period.start ? null : localDate(zone, to - 1);
}

/** The report with its per-day series cut to the judged days (a day to come is not a day without data). */
export function judgedView(r: PracticeReport, zone: ZonedClock): PracticeReport {
  if (!inProgress(r)) return r;
  const last = lastJudgedDate(r, zone);
  const keep = <T extends { date: string }>(days: readonly T[]): T[] => days.filter((d) => last !== null && d.date <= last);
  return {
    ...r,
    apps: { ...r.apps, apps: r.apps.apps.map((a) => ({ ...a, daily: keep(a.daily) })) },
    link: { ...r.link, daily: keep(r.link.daily), utilisation: { ...r.link.utilisation, daily: keep(r.link.utilisation.daily) } },
    completeness: { ...r.completeness, daily: keep(r.completeness.daily) },
  };
}
