import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoreCalendar, calendarFromConfig, coreHoursProblems } from '../../../shared/src/calendar/core-hours.ts';
import { bundledBankHolidays, parseBankHolidays, loadBankHolidaysFile } from '../../../shared/src/calendar/bank-holidays.ts';
import { zonedClock } from '../../../shared/src/calendar/zoned.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);
const cal = createCoreCalendar();

describe('core hours, Europe/London', () => {
  it('08:00 is core, 07:59 is not; 18:29 is core, 18:30 is not (winter, GMT = UTC)', () => {
    // Wednesday 14 January 2026
    expect(cal.isCoreTime(utc(2026, 1, 14, 7, 59))).toBe(false);
    expect(cal.isCoreTime(utc(2026, 1, 14, 8, 0))).toBe(true);
    expect(cal.isCoreTime(utc(2026, 1, 14, 18, 29))).toBe(true);
    expect(cal.isCoreTime(utc(2026, 1, 14, 18, 30))).toBe(false);
  });

  it('in summer the same local hours are an hour earlier in UTC (BST)', () => {
    // Wednesday 15 July 2026: 08:00 BST = 07:00 UTC
    expect(cal.isCoreTime(utc(2026, 7, 15, 6, 59))).toBe(false);
    expect(cal.isCoreTime(utc(2026, 7, 15, 7, 0))).toBe(true);
    expect(cal.isCoreTime(utc(2026, 7, 15, 17, 29))).toBe(true);
    expect(cal.isCoreTime(utc(2026, 7, 15, 17, 30))).toBe(false);
  });

  it('spring clock change (Sun 29 March 2026): Friday before on GMT, Monday after on BST', () => {
    expect(cal.isCoreTime(utc(2026, 3, 27, 7, 30))).toBe(false);
    expect(cal.isCoreTime(utc(2026, 3, 27, 8, 0))).toBe(true);
    expect(cal.isCoreTime(utc(2026, 3, 30, 6, 59))).toBe(false);
    expect(cal.isCoreTime(utc(2026, 3, 30, 7, 0))).toBe(true);
    expect(cal.isCoreTime(utc(2026, 3, 30, 17, 30))).toBe(false);
    // Friday + Monday around the change: 2 × 10.5 h whatever the offsets
    expect(cal.coreMinutes(utc(2026, 3, 27, 0, 0), utc(2026, 3, 31, 0, 0))).toBe(2 * 630);
    // The intervals themselves moved by an hour
    expect(cal.coreIntervals(utc(2026, 3, 27), utc(2026, 3, 31))).toEqual([
      { from: utc(2026, 3, 27, 8, 0), to: utc(2026, 3, 27, 18, 30) },
      { from: utc(2026, 3, 30, 7, 0), to: utc(2026, 3, 30, 17, 30) },
    ]);
  });

  it('autumn clock change (Sun 25 October 2026): Friday before on BST, Monday after on GMT', () => {
    expect(cal.coreIntervals(utc(2026, 10, 23), utc(2026, 10, 27))).toEqual([
      { from: utc(2026, 10, 23, 7, 0), to: utc(2026, 10, 23, 17, 30) },
      { from: utc(2026, 10, 26, 8, 0), to: utc(2026, 10, 26, 18, 30) },
    ]);
    expect(cal.isCoreTime(utc(2026, 10, 26, 7, 59))).toBe(false);
    expect(cal.isCoreTime(utc(2026, 10, 26, 8, 0))).toBe(true);
  });

  it('weekends are not core', () => {
    expect(cal.isCoreTime(utc(2026, 1, 17, 12, 0))).toBe(false); // Saturday
    expect(cal.isCoreTime(utc(2026, 1, 18, 12, 0))).toBe(false); // Sunday
    expect(cal.isWorkingDay(utc(2026, 1, 16, 12, 0))).toBe(true);
  });

  it('bank holidays are not core, including substitute days', () => {
    expect(cal.isBankHoliday(utc(2026, 4, 3, 12))).toBe(true); // Good Friday
    expect(cal.isCoreTime(utc(2026, 4, 3, 12))).toBe(false);
    expect(cal.isCoreTime(utc(2026, 4, 6, 12))).toBe(false); // Easter Monday
    expect(cal.isCoreTime(utc(2026, 4, 7, 12))).toBe(true);
    expect(cal.holidayTitle(utc(2026, 12, 28, 12))).toBe('Boxing Day'); // substitute (26th is a Saturday)
    expect(cal.isCoreTime(utc(2026, 12, 28, 12))).toBe(false);
    expect(cal.isCoreTime(utc(2027, 12, 27, 12))).toBe(false); // Christmas substitute
    expect(cal.isCoreTime(utc(2027, 12, 28, 12))).toBe(false); // Boxing Day substitute
    expect(cal.isCoreTime(utc(2028, 1, 3, 12))).toBe(false); // New Year substitute
    expect(cal.isCoreTime(utc(2028, 1, 4, 12))).toBe(true);
  });

  it('a holiday is a local date: 23:30 UTC on the eve in summer is already the holiday in London', () => {
    // Spring bank holiday Mon 25 May 2026; 23:30 UTC Sunday = 00:30 BST Monday
    expect(cal.isBankHoliday(utc(2026, 5, 24, 23, 30))).toBe(true);
    expect(cal.isBankHoliday(utc(2026, 5, 24, 22, 30))).toBe(false);
  });

  it('core minutes of whole months: March 2026 (22 working days), April 2026 (22 weekdays − Easter)', () => {
    const marchStart = utc(2026, 3, 1, 0, 0); // GMT
    const aprilStart = utc(2026, 3, 31, 23, 0); // 00:00 BST 1 April
    const mayStart = utc(2026, 4, 30, 23, 0);
    expect(cal.coreMinutes(marchStart, aprilStart)).toBe(22 * 630);
    expect(cal.coreMinutes(aprilStart, mayStart)).toBe(20 * 630);
  });

  it('a range that starts and ends inside core time counts only its part', () => {
    expect(cal.coreMinutes(utc(2026, 1, 14, 17, 0), utc(2026, 1, 15, 9, 15))).toBe(90 + 75);
    expect(cal.coreMinutes(utc(2026, 1, 14, 10, 0), utc(2026, 1, 14, 10, 0))).toBe(0);
    expect(cal.coreMinutes(utc(2026, 1, 14, 10, 0), utc(2026, 1, 14, 9, 0))).toBe(0);
  });

  it('split covers the range exactly with alternating core / non-core intervals', () => {
    const from = utc(2026, 3, 26, 12, 34);
    const to = utc(2026, 4, 8, 3, 21);
    const parts = cal.split(from, to);
    expect(parts[0]?.from).toBe(from);
    expect(parts.at(-1)?.to).toBe(to);
    for (let i = 1; i < parts.length; i++) {
      expect(parts[i]?.from).toBe(parts[i - 1]?.to);
      expect(parts[i]?.core).not.toBe(parts[i - 1]?.core);
    }
    const core = parts.filter((p) => p.core).reduce((s, p) => s + p.to - p.from, 0);
    expect(core).toBe(cal.coreMs(from, to));
    // each core interval is core at both ends, the gaps are not
    for (const p of parts) {
      expect(cal.isCoreTime(p.from)).toBe(p.core);
      expect(cal.isCoreTime(p.to - 1)).toBe(p.core);
    }
  });

  it('knows which years its holiday data covers', () => {
    expect(cal.knowsYear(utc(2024, 6, 1))).toBe(true);
    expect(cal.knowsYear(utc(2028, 12, 31, 12))).toBe(true);
    expect(cal.knowsYear(utc(2029, 1, 1, 12))).toBe(false);
  });

  it('other core hours and zones are data too', () => {
    const c = createCoreCalendar({ spec: { timeZone: 'Europe/London', days: [6], start: '09:00', end: '12:00' } });
    expect(c.isCoreTime(utc(2026, 1, 17, 9, 0))).toBe(true); // Saturday
    expect(c.isCoreTime(utc(2026, 1, 14, 9, 0))).toBe(false);
    expect(coreHoursProblems({ timeZone: 'Mars/Olympus', days: [1], start: '18:00', end: '08:00' })).toEqual([
      'calendar.end: must be after start (18:00)',
      "calendar.timeZone: unknown time zone 'Mars/Olympus'",
    ]);
  });
});

describe('zoned clock', () => {
  const london = zonedClock('Europe/London');
  it('a wall time in the spring gap moves forward by the gap', () => {
    // 01:30 on 29 March 2026 does not exist in London; 02:30 BST = 01:30 UTC
    expect(london.toInstant(2026, 3, 29, 1, 30)).toBe(utc(2026, 3, 29, 1, 30));
  });
  it('a wall time that happens twice in autumn is the earlier (BST) one', () => {
    expect(london.toInstant(2026, 10, 25, 1, 30)).toBe(utc(2026, 10, 25, 0, 30));
  });
  it('offsets', () => {
    expect(london.offsetMs(utc(2026, 1, 1))).toBe(0);
    expect(london.offsetMs(utc(2026, 7, 1))).toBe(3_600_000);
  });
});

describe('bank holidays data', () => {
  it('the bundled England and Wales list covers 2024–2028, 8 days a year', () => {
    const h = bundledBankHolidays();
    expect(h.firstYear).toBe(2024);
    expect(h.lastYear).toBe(2028);
    for (const y of [2024, 2025, 2026, 2027, 2028]) expect([...h.dates].filter((d) => d.startsWith(`${y}-`))).toHaveLength(8);
    expect(h.dates.has('2025-08-25')).toBe(true);
  });

  it('reads an updated file in the GOV.UK format and uses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-bh-'));
    try {
      const file = join(dir, 'bank-holidays.json');
      const doc = {
        'england-and-wales': { division: 'england-and-wales', events: [{ title: 'Extra bank holiday', date: '2029-06-04', notes: '', bunting: true }] },
        scotland: { division: 'scotland', events: [{ title: 'St Andrew’s Day', date: '2029-11-30', notes: '', bunting: true }] },
      };
      writeFileSync(file, JSON.stringify(doc));
      const c = calendarFromConfig({
        timeZone: 'Europe/London',
        days: [1, 2, 3, 4, 5],
        start: '08:00',
        end: '18:30',
        division: 'england-and-wales',
        bankHolidaysFile: file,
      });
      expect(c.isCoreTime(utc(2029, 6, 4, 12))).toBe(false);
      expect(c.isCoreTime(utc(2029, 6, 5, 12))).toBe(true);
      expect(loadBankHolidaysFile(file, 'scotland').dates.has('2029-11-30')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad file is reported as path: message lines', () => {
    const r = parseBankHolidays({
      'england-and-wales': { division: 'england-and-wales', events: [{ title: 'x', date: '2026-02-30' }, { date: '2026-13-01' }] },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toContain('england-and-wales.events[1].title: missing required key');
      expect(r.problems.some((p) => p.startsWith('england-and-wales.events[1].date:'))).toBe(true);
    }
    const r2 = parseBankHolidays({ 'england-and-wales': { division: 'england-and-wales', events: [{ title: 'x', date: '2026-02-30' }] } });
    expect(r2).toEqual({ ok: false, problems: ["england-and-wales.events[0].date: no such date '2026-02-30'"] });
    expect(parseBankHolidays({ scotland: { division: 'scotland', events: [] } })).toEqual({
      ok: false,
      problems: ['england-and-wales: missing division (found: scotland)'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-bh-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, '{"england-and-wales": {"division": "x"}}');
      let caught: unknown;
      try {
        loadBankHolidaysFile(file);
      } catch (err) {
        caught = err;
      }
      expect(isN3monError(caught, 'N3MON_ERR_CONFIG_INVALID')).toBe(true);
      expect((caught as { problems: string[] }).problems).toEqual([`${file}: england-and-wales.events: missing required key`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('calendar config', () => {
  it('another division needs its own file', () => {
    expect(() => calendarFromConfig({ timeZone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '08:00', end: '18:30', division: 'scotland' })).toThrow(
      'calendar.division: the bundled data has only england-and-wales; set calendar.bankHolidaysFile to a GOV.UK bank-holidays.json',
    );
  });
});
