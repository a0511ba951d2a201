/**
 * The core-hours calendar: when a practice is open and national-application performance matters
 * most. Default 08:00–18:30 Monday–Friday, Europe/London local time (so BST changes move the UTC
 * instants), England and Wales bank holidays excluded. Used by live rules and by the monthly
 * report (core-hours vs 24×7 availability): all functions take and return epoch ms; intervals are
 * half-open [from, to). In shared/ because the agent's throughput probe (off core hours) uses it
 * too.
 */
import Type, { type Static } from 'typebox';
import { bundledBankHolidays, loadBankHolidaysFile, DEFAULT_DIVISION, type BankHolidays } from './bank-holidays.ts';
import { N3monError } from '../errors.ts';
import { addDays, dateKey, zonedClock, type ZonedClock } from './zoned.ts';

const HHMM = '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$';

/** The `calendar` section of collector.yaml. */
export const CalendarConfig = Type.Object(
  {
    timeZone: Type.String({ minLength: 1, default: 'Europe/London', description: 'IANA time zone of the core hours.' }),
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { default: [1, 2, 3, 4, 5], uniqueItems: true, description: 'ISO weekdays (1 = Monday).' }),
    start: Type.String({ pattern: HHMM, default: '08:00' }),
    end: Type.String({ pattern: HHMM, default: '18:30' }),
    bankHolidaysFile: Type.Optional(
      Type.String({ minLength: 1, description: 'A newer copy of https://www.gov.uk/bank-holidays.json; the bundled data covers 2024–2028.' }),
    ),
    division: Type.String({ minLength: 1, default: DEFAULT_DIVISION, description: 'Division of the bank-holidays file.' }),
  },
  { additionalProperties: false, default: {} },
);
export type CalendarConfig = Static<typeof CalendarConfig>;

export interface CoreHoursSpec {
  readonly timeZone: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  readonly days: readonly number[];
  /** Local `HH:MM`, inclusive. */
  readonly start: string;
  /** Local `HH:MM`, exclusive. */
  readonly end: string;
}

export const DEFAULT_CORE_HOURS: CoreHoursSpec = Object.freeze({
  timeZone: 'Europe/London',
  days: Object.freeze([1, 2, 3, 4, 5]),
  start: '08:00',
  end: '18:30',
});

export interface TimeInterval {
  from: number;
  to: number;
}

export interface SplitInterval extends TimeInterval {
  core: boolean;
}

export interface CoreCalendar {
  readonly spec: CoreHoursSpec;
  readonly holidays: BankHolidays;
  isCoreTime(ts: number): boolean;
  /** The local date of `ts` is a bank holiday. */
  isBankHoliday(ts: number): boolean;
  holidayTitle(ts: number): string | undefined;
  /** A core weekday that is not a bank holiday. */
  isWorkingDay(ts: number): boolean;
  /** False when the holiday data does not cover the local year of `ts` (results may then be wrong). */
  knowsYear(ts: number): boolean;
  /** The core-time parts of [from, to), oldest first. */
  coreIntervals(from: number, to: number): TimeInterval[];
  /** [from, to) cut into alternating core and non-core intervals that cover it exactly. */
  split(from: number, to: number): SplitInterval[];
  coreMs(from: number, to: number): number;
  /** Core minutes in [from, to) (fractional when the bounds are not whole minutes). */
  coreMinutes(from: number, to: number): number;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Problems of a spec as `path: message` (the schema checks the shapes; this the meaning). */
export function coreHoursProblems(spec: CoreHoursSpec, path = 'calendar'): string[] {
  const problems: string[] = [];
  if (minutesOf(spec.start) >= minutesOf(spec.end)) problems.push(`${path}.end: must be after start (${spec.start})`);
  try {
    zonedClock(spec.timeZone);
  } catch (err) {
    problems.push(`${path}.timeZone: ${(err as Error).message}`);
  }
  return problems;
}

export function createCoreCalendar(opts: { spec?: CoreHoursSpec; holidays?: BankHolidays } = {}): CoreCalendar {
  const spec = opts.spec ?? DEFAULT_CORE_HOURS;
  const problems = coreHoursProblems(spec);
  if (problems.length > 0) throw new RangeError(problems.join('\n'));
  const holidays = opts.holidays ?? bundledBankHolidays();
  const zone: ZonedClock = zonedClock(spec.timeZone);
  const days = new Set(spec.days);
  const startMin = minutesOf(spec.start);
  const endMin = minutesOf(spec.end);
  const [sh, sm] = [Math.floor(startMin / 60), startMin % 60];
  const [eh, em] = [Math.floor(endMin / 60), endMin % 60];

  const keyOf = (ts: number): string => {
    const p = zone.parts(ts);
    return dateKey(p.year, p.month, p.day);
  };

  const isCoreTime = (ts: number): boolean => {
    const p = zone.parts(ts);
    if (!days.has(p.weekday) || holidays.dates.has(dateKey(p.year, p.month, p.day))) return false;
    const minute = p.hour * 60 + p.minute;
    return minute >= startMin && minute < endMin;
  };

  const coreIntervals = (from: number, to: number): TimeInterval[] => {
    const out: TimeInterval[] = [];
    if (!(to > from)) return out;
    const first = zone.parts(from);
    const last = zone.parts(to - 1);
    const lastKey = dateKey(last.year, last.month, last.day);
    let d = { year: first.year, month: first.month, day: first.day, weekday: first.weekday };
    for (let guard = 0; guard < 400 * 366; guard++) {
      const key = dateKey(d.year, d.month, d.day);
      if (days.has(d.weekday) && !holidays.dates.has(key)) {
        const s = Math.max(from, zone.toInstant(d.year, d.month, d.day, sh, sm));
        const e = Math.min(to, zone.toInstant(d.year, d.month, d.day, eh, em));
        if (e > s) out.push({ from: s, to: e });
      }
      if (key >= lastKey) break;
      d = addDays(d.year, d.month, d.day, 1);
    }
    return out;
  };

  const split = (from: number, to: number): SplitInterval[] => {
    const out: SplitInterval[] = [];
    let at = from;
    for (const c of coreIntervals(from, to)) {
      if (c.from > at) out.push({ from: at, to: c.from, core: false });
      out.push({ from: c.from, to: c.to, core: true });
      at = c.to;
    }
    if (to > at) out.push({ from: at, to, core: false });
    return out;
  };

  const coreMs = (from: number, to: number): number => coreIntervals(from, to).reduce((sum, i) => sum + (i.to - i.from), 0);

  return {
    spec,
    holidays,
    isCoreTime,
    isBankHoliday: (ts) => holidays.dates.has(keyOf(ts)),
    holidayTitle: (ts) => holidays.titles.get(keyOf(ts)),
    isWorkingDay: (ts) => {
      const p = zone.parts(ts);
      return days.has(p.weekday) && !holidays.dates.has(dateKey(p.year, p.month, p.day));
    },
    knowsYear: (ts) => {
      const y = zone.parts(ts).year;
      return y >= holidays.firstYear && y <= holidays.lastYear;
    },
    coreIntervals,
    split,
    coreMs,
    coreMinutes: (from, to) => coreMs(from, to) / 60_000,
  };
}

/** Problems of the `calendar` config section beyond its schema, as `path: message`. */
export function calendarConfigProblems(cfg: CalendarConfig, path = 'calendar'): string[] {
  const problems = coreHoursProblems({ timeZone: cfg.timeZone, days: cfg.days, start: cfg.start, end: cfg.end }, path);
  if (cfg.bankHolidaysFile === undefined && cfg.division !== DEFAULT_DIVISION) {
    problems.push(`${path}.division: the bundled data has only ${DEFAULT_DIVISION}; set ${path}.bankHolidaysFile to a GOV.UK bank-holidays.json`);
  }
  return problems;
}

/** The calendar a collector config describes (reads an updated holidays file when one is named). */
export function calendarFromConfig(cfg: CalendarConfig): CoreCalendar {
  const problems = calendarConfigProblems(cfg);
  if (problems.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `calendar: ${problems.length} problem(s)\n${problems.join('\n')}`, { problems });
  const holidays = cfg.bankHolidaysFile === undefined ? bundledBankHolidays() : loadBankHolidaysFile(cfg.bankHolidaysFile, cfg.division);
  return createCoreCalendar({ spec: { timeZone: cfg.timeZone, days: cfg.days, start: cfg.start, end: cfg.end }, holidays });
}
