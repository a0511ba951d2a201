/**
 * Reading a practice-month from the SeriesStore the way the accounting rules say: the hour
 * rollup for the whole month in one query, the minute rollup only for the pieces of partly
 * covered hours (core hours end at 18:30; maintenance edges), and — for outages — per-minute run
 * counts only in hours where a check had failed runs. Raw samples are never read.
 */
import type { Bucket, SeriesStore } from '../storage/types.ts';
import { HOUR_MS, MINUTE_MS, type MonthFrame } from './month.ts';
import { pieceKey, type Period, type SeriesBuckets } from './periods.ts';
import { HourMap } from './hour-map.ts';
import type { Interval } from './intervals.ts';
import type { RunCount } from './accounting.ts';

export interface ReadStats {
  queries: number;
  hourBuckets: number;
  pieceBuckets: number;
  minuteBuckets: number;
}

export function emptyReadStats(): ReadStats {
  return { queries: 0, hourBuckets: 0, pieceBuckets: 0, minuteBuckets: 0 };
}

export async function readMonthBuckets(opts: {
  store: Pick<SeriesStore, 'aggregate'>;
  seriesIds: readonly string[];
  frame: MonthFrame;
  /** End of the judged part of the month (month.ts judgedEnd): no later hour is read. */
  judgedTo: number;
  /** The periods whose partly covered hours must be read, each for the series that use it. */
  periods: ReadonlyArray<{ period: Period; seriesIds: readonly string[] }>;
  stats: ReadStats;
}): Promise<Map<string, SeriesBuckets>> {
  const { store, seriesIds, frame, stats } = opts;
  const out = new Map<string, SeriesBuckets & { hourly: HourMap<Bucket> }>();
  const hours = (frame.end - frame.start) / HOUR_MS;
  for (const id of seriesIds) out.set(id, { hourly: new HourMap<Bucket>(frame.start, hours), pieces: new Map() });
  if (seriesIds.length === 0) return out;
  if (opts.judgedTo <= frame.start) return out;
  const hourly = await store.aggregate({ seriesIds, from: frame.start, to: opts.judgedTo, stepMs: HOUR_MS });
  stats.queries++;
  for (const [id, buckets] of hourly) {
    const target = out.get(id);
    if (target === undefined) continue;
    for (const b of buckets) target.hourly.set(b.start, b);
    stats.hourBuckets += buckets.length;
  }
  // Each piece is read once, for every series of every period that has it.
  const readers = new Map<string, { piece: Interval; ids: Set<string> }>();
  for (const { period, seriesIds: ids } of opts.periods) {
    if (ids.length === 0) continue;
    for (const piece of period.plan.pieces) {
      const key = pieceKey(piece);
      let r = readers.get(key);
      if (r === undefined) readers.set(key, (r = { piece, ids: new Set() }));
      for (const id of ids) r.ids.add(id);
    }
  }
  for (const { piece, ids } of [...readers.values()].sort((a, b) => a.piece.from - b.piece.from)) {
    // A piece can only hold samples of series whose hour buckets around it are not all empty
    // (a piece can run across an hour boundary: an incident's span from :42 to :15).
    const hours: number[] = [];
    for (let h = Math.floor(piece.from / HOUR_MS) * HOUR_MS; h < piece.to; h += HOUR_MS) hours.push(h);
    const withData = [...ids].filter((id) => hours.some((h) => (out.get(id)?.hourly.get(h)?.count ?? 0) > 0));
    if (withData.length === 0) continue;
    const res = await store.aggregate({ seriesIds: withData, from: piece.from, to: piece.to, stepMs: piece.to - piece.from });
    stats.queries++;
    const key = pieceKey(piece);
    for (const [id, buckets] of res) {
      const target = out.get(id);
      if (target === undefined) continue;
      for (const b of buckets) if (b.start === piece.from) target.pieces.set(key, b);
      stats.pieceBuckets += buckets.length;
    }
  }
  return out;
}

/**
 * Per-minute run counts of checks in the hours given for each (the hours with failed runs).
 * Consecutive bad hours are read in one query (at most a day each) with every check that needs
 * any of them; minutes read for a check beyond its own hours are harmless (they are up or unknown).
 */
export async function readMinuteRuns(opts: {
  store: Pick<SeriesStore, 'aggregate'>;
  /** check key → its probe_success series ids and the hour starts to read. */
  needs: ReadonlyMap<string, { seriesIds: readonly string[]; hours: readonly number[] }>;
  stats: ReadStats;
}): Promise<Map<string, Map<number, RunCount>>> {
  const checksByHour = new Map<number, string[]>();
  for (const [check, need] of opts.needs) {
    for (const h of need.hours) {
      let list = checksByHour.get(h);
      if (list === undefined) checksByHour.set(h, (list = []));
      list.push(check);
    }
  }
  const out = new Map<string, Map<number, RunCount>>();
  for (const check of opts.needs.keys()) out.set(check, new Map());
  const hours = [...checksByHour.keys()].sort((a, b) => a - b);
  let i = 0;
  while (i < hours.length) {
    const from = hours[i] as number;
    let to = from + HOUR_MS;
    const checks = new Set(checksByHour.get(from));
    i++;
    while (i < hours.length && hours[i] === to && to - from < 24 * HOUR_MS) {
      for (const c of checksByHour.get(to) ?? []) checks.add(c);
      to += HOUR_MS;
      i++;
    }
    const ids = [...checks].flatMap((c) => opts.needs.get(c)?.seriesIds ?? []);
    const res = await opts.store.aggregate({ seriesIds: ids, from, to, stepMs: MINUTE_MS });
    opts.stats.queries++;
    for (const check of checks) {
      const minutes = out.get(check) as Map<number, RunCount>;
      for (const id of opts.needs.get(check)?.seriesIds ?? []) {
        for (const b of res.get(id) ?? ([] as Bucket[])) {
          let rc = minutes.get(b.start);
          if (rc === undefined) minutes.set(b.start, (rc = { runs: 0, up: 0 }));
          rc.runs += b.count;
          rc.up += b.sum;
          opts.stats.minuteBuckets++;
        }
      }
    }
  }
  return out;
}
