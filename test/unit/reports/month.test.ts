import { describe, expect, it } from 'vitest';
import { dayIndex, judgedEnd, monthFrame, nextMonth, parseMonth, previousMonth, reportZone, localDateTime } from '../../../collector/src/reports/month.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

const H = 3_600_000;

describe('report month (Europe/London calendar month)', () => {
  it('starts at local midnight: GMT in winter, BST (UTC+1) in summer', () => {
    expect(new Date(monthFrame('2026-01').start).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(monthFrame('2026-07').start).toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(new Date(monthFrame('2026-07').end).toISOString()).toBe('2026-07-31T23:00:00.000Z');
  });

  it('has 743 hours in March and 745 in October (the clock changes)', () => {
    const mar = monthFrame('2026-03');
    const oct = monthFrame('2026-10');
    expect((mar.end - mar.start) / H).toBe(743);
    expect((oct.end - oct.start) / H).toBe(745);
    expect(mar.days).toHaveLength(31);
    // The day of the change is 23 h in spring and 25 h in autumn.
    const spring = mar.days.find((d) => d.date === '2026-03-29');
    const autumn = oct.days.find((d) => d.date === '2026-10-25');
    expect(spring && (spring.end - spring.start) / H).toBe(23);
    expect(autumn && (autumn.end - autumn.start) / H).toBe(25);
  });

  it('days tile the month exactly and carry ISO weekdays', () => {
    const f = monthFrame('2026-02');
    expect(f.days).toHaveLength(28);
    expect(f.days[0]?.start).toBe(f.start);
    expect(f.days.at(-1)?.end).toBe(f.end);
    for (let i = 1; i < f.days.length; i++) expect(f.days[i]?.start).toBe(f.days[i - 1]?.end);
    expect(f.days[0]?.weekday).toBe(7); // 1 Feb 2026 is a Sunday
    expect(dayIndex(f, f.start)).toBe(0);
    expect(dayIndex(f, f.end - 1)).toBe(27);
    expect(dayIndex(f, f.end)).toBe(-1);
  });

  it('steps months across years and refuses malformed ones with a stable code', () => {
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(nextMonth('2026-12')).toBe('2027-01');
    expect(parseMonth('2026-11')).toEqual({ year: 2026, monthNumber: 11 });
    for (const bad of ['2026-13', '2026-1', '26-01', '2026/01', '']) {
      let err: unknown;
      try {
        parseMonth(bad);
      } catch (e) {
        err = e;
      }
      expect(isN3monError(err, 'N3MON_ERR_REQUEST_INVALID'), bad).toBe(true);
    }
  });

  it('formats instants in London time', () => {
    expect(localDateTime(reportZone(), Date.UTC(2026, 6, 1, 17, 30))).toBe('2026-07-01 18:30');
    expect(localDateTime(reportZone(), Date.UTC(2026, 0, 1, 17, 30))).toBe('2026-01-01 17:30');
  });
});

describe('the judged part of a month (rules 1.1)', () => {
  const f = monthFrame('2026-07');
  const at = (day: number, hour: number, minute: number): number => reportZone().toInstant(2026, 7, day, hour, minute);

  it('is the whole month once it is over', () => {
    expect(judgedEnd(f, f.end)).toBe(f.end);
    expect(judgedEnd(f, f.end + 40 * 86_400_000)).toBe(f.end);
  });

  it('in progress: up to the last whole minute that ended at least 2 minutes before now', () => {
    expect(judgedEnd(f, at(7, 14, 23) + 30_000)).toBe(at(7, 14, 21));
    expect(judgedEnd(f, at(7, 14, 23))).toBe(at(7, 14, 21));
    expect(judgedEnd(f, at(7, 14, 23) - 1)).toBe(at(7, 14, 20)); // 14:21 has not settled: runs may still be in flight
    expect(judgedEnd(f, at(31, 23, 59) + 59_999)).toBe(at(31, 23, 57));
  });

  it('is empty in the first 2 minutes, never before the month', () => {
    expect(judgedEnd(f, f.start)).toBe(f.start);
    expect(judgedEnd(f, f.start + 2 * 60_000 - 1)).toBe(f.start);
    expect(judgedEnd(f, f.start + 3 * 60_000)).toBe(f.start + 60_000);
  });
});
