/**
 * The read path: raw samples of a series, and aggregates served from the hour tier (steps that are
 * multiples of 1 h), the minute tier (multiples of 1 min) or raw samples — with every unit the
 * tier does not (yet) hold correctly computed from raw on the fly: units at or after the tier's
 * watermark, and units with dirty minutes (late samples not yet re-rolled).
 */
import type Database from 'better-sqlite3';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AggregateQuery, Bucket, RawPoint } from '../types.ts';
import { alignDown, alignUp, foldBuckets, HOUR_MS, MINUTE_MS, summarisePoints, TierBucket, unitFor, type PointRow } from '../summary.ts';
import type { StoreContext } from './context.ts';
import { HourTier } from './hour-tier.ts';

/** Above this many minutes, raw() first clamps its range to the minutes that hold samples. */
const WIDE_RANGE_MINUTES = 1440;

type TierRow = [start: number, count: number, sum: number, min: number, max: number, sketch: Uint8Array | null];

/** Series ids are the integer ids as strings; anything else names no series. */
export function parseSeriesId(id: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function tierRowToBucket(r: TierRow): Bucket {
  return new TierBucket(r[0], r[1], r[2], r[3], r[4], r[5]);
}

function isSorted(rows: readonly PointRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if ((rows[i] as PointRow)[0] < (rows[i - 1] as PointRow)[0]) return false;
  return true;
}

export class Reader {
  private readonly rawStmt: Database.Statement;
  private readonly minuteBoundsStmt: Database.Statement;
  private readonly minuteStmt: Database.Statement;
  private readonly hours: HourTier;
  private readonly marksStmt: Database.Statement;
  private readonly dirtyStmt: Database.Statement;
  private readonly snapshot: <T>(fn: () => T) => T;

  /** Needs only the connection: a read-only one works (reports/workers open their own). */
  constructor(ctx: Pick<StoreContext, 'db'>) {
    const { db } = ctx;
    // One index seek per minute of the range (samples are clustered by minute first).
    this.rawStmt = db
      .prepare(
        `WITH RECURSIVE m(x) AS (SELECT @fromMinute UNION ALL SELECT x + 1 FROM m WHERE x + 1 < @toMinute)
         SELECT s.ts, s.value FROM m CROSS JOIN samples AS s ON s.minute = m.x AND s.series_id = @id
         WHERE s.ts >= @from AND s.ts < @to`,
      )
      .raw();
    this.minuteBoundsStmt = db
      .prepare('SELECT (SELECT minute FROM samples ORDER BY minute LIMIT 1), (SELECT minute FROM samples ORDER BY minute DESC LIMIT 1)')
      .raw();
    this.minuteStmt = db
      .prepare(
        `WITH RECURSIVE m(x) AS (SELECT @from UNION ALL SELECT x + ${MINUTE_MS} FROM m WHERE x + ${MINUTE_MS} < @to)
         SELECT r.start, r.count, r.sum, r.min, r.max, r.sketch FROM m CROSS JOIN rollup_1m AS r ON r.start = m.x AND r.series_id = @id`,
      )
      .raw();
    this.hours = new HourTier(db);
    this.marksStmt = db.prepare("SELECT key, value FROM state WHERE key IN ('minute_mark', 'hour_mark')").raw();
    this.dirtyStmt = db.prepare('SELECT minute_start FROM dirty WHERE series_id = ? AND minute_start >= ? AND minute_start < ?').pluck();
    // Marks, dirty minutes and tier rows are read from one snapshot (a read transaction), so a
    // second process (e.g. `n3mon report`) reading while the collector maintains sees consistent
    // tiers; in the collector itself nothing can interleave anyway.
    this.snapshot = <T>(fn: () => T): T => db.transaction(fn)();
  }

  /** Raw rows [ts, value] of a series in [from, to), oldest first. */
  rawRows(id: number, from: number, to: number): PointRow[] {
    if (!(to > from)) return [];
    let fromMinute = Math.floor(from / MINUTE_MS);
    let toMinute = Math.ceil(to / MINUTE_MS);
    if (toMinute - fromMinute > WIDE_RANGE_MINUTES) {
      // A wide range such as [0, now) would walk tens of millions of empty minutes: clamp it to the
      // minutes that hold samples at all (two index seeks). Short ranges — the rule evaluator's
      // minute-by-minute reads — skip this.
      const bounds = this.minuteBoundsStmt.get() as [number | null, number | null] | undefined;
      if (bounds === undefined || bounds[0] === null || bounds[1] === null) return [];
      fromMinute = Math.max(fromMinute, bounds[0]);
      toMinute = Math.min(toMinute, bounds[1] + 1);
      if (!(toMinute > fromMinute)) return [];
    }
    const rows = this.rawStmt.all({ fromMinute, toMinute, id, from, to }) as PointRow[];
    // The plan yields minute order then ts order; sorting is a guard that costs one pass.
    return isSorted(rows) ? rows : rows.sort((a, b) => a[0] - b[0]);
  }

  raw(seriesId: string, from: number, to: number): RawPoint[] {
    checkRange(from, to);
    const id = parseSeriesId(seriesId);
    if (id === undefined) return [];
    return this.rawRows(id, from, to).map(([ts, value]) => ({ ts, value }));
  }

  /** Minute-tier buckets of one series in [from, to) (minute-aligned). */
  minuteBuckets(id: number, from: number, to: number): Bucket[] {
    if (!(to > from)) return [];
    return (this.minuteStmt.all({ from, to, id }) as TierRow[]).map(tierRowToBucket);
  }

  /** Buckets of a tier for one series in [from, to) (both aligned to the tier's unit). */
  tierBuckets(unit: number, id: number, from: number, to: number): Bucket[] {
    if (unit === HOUR_MS) return to > from ? this.hours.read(id, from, to) : [];
    return this.minuteBuckets(id, from, to);
  }

  aggregate(q: AggregateQuery): Map<string, Bucket[]> {
    checkRange(q.from, q.to);
    if (!Number.isSafeInteger(q.stepMs) || q.stepMs <= 0)
      throw new N3monError('N3MON_ERR_REQUEST_INVALID', `stepMs must be a positive integer (got ${q.stepMs})`);
    const step = q.stepMs;
    const from = alignDown(q.from, step);
    const to = alignUp(q.to, step);
    return this.snapshot(() => {
      const marks = new Map(this.marksStmt.all() as [string, number][]);
      const out = new Map<string, Bucket[]>();
      for (const sid of q.seriesIds) {
        const id = parseSeriesId(sid);
        out.set(sid, id === undefined ? [] : this.seriesBuckets(id, from, to, step, marks));
      }
      return out;
    });
  }

  private seriesBuckets(id: number, from: number, to: number, step: number, marks: Map<string, number>): Bucket[] {
    const unit = unitFor(step);
    if (unit === 0) return summarisePoints(this.rawRows(id, from, to), step);
    const mark = marks.get(unit === HOUR_MS ? 'hour_mark' : 'minute_mark');
    const rolledEnd = mark === undefined ? from : Math.min(Math.max(mark, from), to);
    if (rolledEnd <= from) return summarisePoints(this.rawRows(id, from, to), step);
    const units = this.tierBuckets(unit, id, from, rolledEnd);
    // Units with dirty minutes: the tier row is stale (or missing); recompute from raw.
    const dirtyUnits = new Set((this.dirtyStmt.all(id, from, rolledEnd) as number[]).map((m) => alignDown(m, unit)));
    let merged = units;
    if (dirtyUnits.size > 0) {
      merged = units.filter((u) => !dirtyUnits.has(u.start));
      for (const u of dirtyUnits) merged.push(...summarisePoints(this.rawRows(id, u, u + unit), unit));
      merged.sort((a, b) => a.start - b.start);
    }
    if (rolledEnd < to) merged = merged.concat(summarisePoints(this.rawRows(id, rolledEnd, to), unit));
    return step === unit ? merged : foldBuckets(merged, step);
  }
}

function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `from/to must be finite epoch-ms (got ${from}, ${to})`);
}
