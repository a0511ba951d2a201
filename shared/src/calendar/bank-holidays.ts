/**
 * Bank holidays as data. The file format is the one GOV.UK publishes at
 * https://www.gov.uk/bank-holidays.json, so an operator can update the calendar by saving that file
 * and pointing the collector config at it (`calendar.bankHolidaysFile`). The bundled copy covers
 * England and Wales 2024–2028 (2028 follows the usual rules; check it against GOV.UK once published).
 */
import Type, { type Static } from 'typebox';
import bundled from './bank-holidays.england-and-wales.json' with { type: 'json' };
import { readConfigSource } from '../config-file.ts';
import { N3monError } from '../errors.ts';
import { parseWithSchema } from '../validate.ts';

const HolidayEvent = Type.Object({
  title: Type.String({ minLength: 1 }),
  date: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'Local date YYYY-MM-DD' }),
  notes: Type.Optional(Type.String()),
  bunting: Type.Optional(Type.Boolean()),
});

const Division = Type.Object({
  division: Type.String({ minLength: 1 }),
  events: Type.Array(HolidayEvent),
});

/** GOV.UK's bank-holidays.json: one entry per division (england-and-wales, scotland, northern-ireland). */
export const BankHolidaysFile = Type.Record(Type.String({ minLength: 1 }), Division, { minProperties: 1 });
export type BankHolidaysFile = Static<typeof BankHolidaysFile>;

export const DEFAULT_DIVISION = 'england-and-wales';

export interface BankHolidays {
  readonly division: string;
  /** Local dates `YYYY-MM-DD`. */
  readonly dates: ReadonlySet<string>;
  /** title by date, for reports. */
  readonly titles: ReadonlyMap<string, string>;
  /** Years the data covers (inclusive); outside them the calendar cannot know the holidays. */
  readonly firstYear: number;
  readonly lastYear: number;
}

export type BankHolidaysResult = { ok: true; value: BankHolidays } | { ok: false; problems: string[] };

/** Validate a parsed bank-holidays document and pick one division. Problems are `path: message`. */
export function parseBankHolidays(doc: unknown, division: string = DEFAULT_DIVISION): BankHolidaysResult {
  const parsed = parseWithSchema(BankHolidaysFile, doc);
  if (!parsed.ok) return parsed;
  const div = parsed.value[division];
  if (div === undefined) {
    return { ok: false, problems: [`${division}: missing division (found: ${Object.keys(parsed.value).join(', ')})`] };
  }
  const problems: string[] = [];
  const dates = new Set<string>();
  const titles = new Map<string, string>();
  div.events.forEach((e, i) => {
    const [y, m, d] = e.date.split('-').map(Number) as [number, number, number];
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) problems.push(`${division}.events[${i}].date: no such date '${e.date}'`);
    dates.add(e.date);
    titles.set(e.date, e.title);
  });
  if (dates.size === 0) problems.push(`${division}.events: no holidays listed`);
  if (problems.length > 0) return { ok: false, problems };
  const years = [...dates].map((d) => Number(d.slice(0, 4)));
  return { ok: true, value: { division, dates, titles, firstYear: Math.min(...years), lastYear: Math.max(...years) } };
}

/** The England and Wales holidays shipped with n3mon. */
export function bundledBankHolidays(): BankHolidays {
  const r = parseBankHolidays(bundled);
  if (!r.ok) throw new Error(`bundled bank holidays are invalid (a bug):\n${r.problems.join('\n')}`);
  return r.value;
}

/** Read an updated file (GOV.UK format); N3MON_ERR_CONFIG_INVALID lists every problem. */
export function loadBankHolidaysFile(file: string, division: string = DEFAULT_DIVISION): BankHolidays {
  const r = parseBankHolidays(readConfigSource(file), division);
  if (!r.ok) {
    const problems = r.problems.map((p) => `${file}: ${p}`);
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${file}: ${problems.length} problem(s)\n${problems.join('\n')}`, { problems });
  }
  return r.value;
}
