/**
 * raw() of many series over one range (SeriesStore.rawMany), for the rule evaluator's window
 * loads. `samples` is clustered by (minute, series_id, ts), so the samples of a slice of series
 * ids in a few minutes are one contiguous range per minute: one ordered scan of those ranges,
 * filtered in SQLite by the wanted ids (a list subquery over a JSON array: SQLite builds it once,
 * with a Bloom filter), costs a fraction of a query per series. Few series or a wide range: a query per
 * series as raw() does.
 */
import type Database from 'better-sqlite3';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { RawColumns } from '../types.ts';
import { MINUTE_MS, type PointRow } from '../summary.ts';
import { parseSeriesId } from './reader.ts';

/** Below this many series, a query per series. */
const SCAN_MIN_SERIES = 64;
/** Above this many minutes, a query per series (a long backlog of a few agents). */
const SCAN_MAX_MINUTES = 180;

/** A growable column of numbers (doubles). */
class Column {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

export class RawMany {
  private readonly scanStmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly rawRows: (id: number, from: number, to: number) => PointRow[],
  ) {
    this.scanStmt = db
      .prepare(
        // Per minute, one seek to the lowest wanted id and a scan to the highest: a caller that
        // asks for the series in id-ordered slices reads each row of the minutes once in all.
        `WITH RECURSIVE m(x) AS (SELECT @fromMinute UNION ALL SELECT x + 1 FROM m WHERE x + 1 < @toMinute)
         SELECT s.series_id, s.ts, s.value FROM m CROSS JOIN samples AS s ON s.minute = m.x AND s.series_id >= @lo AND s.series_id <= @hi
         WHERE s.ts >= @from AND s.ts < @to AND s.series_id IN (SELECT value FROM json_each(@ids))`,
      )
      .raw();
  }

  read(seriesIds: readonly string[], from: number, to: number): RawColumns {
    if (!Number.isFinite(from) || !Number.isFinite(to))
      throw new N3monError('N3MON_ERR_REQUEST_INVALID', `from/to must be finite epoch-ms (got ${from}, ${to})`);
    const n = seriesIds.length;
    const ids = seriesIds.map(parseSeriesId);
    const fromMinute = Math.floor(from / MINUTE_MS);
    const toMinute = Math.ceil(to / MINUTE_MS);
    if (!(to > from) || n === 0) return { offsets: new Int32Array(n + 1), ts: new Float64Array(0), values: new Float64Array(0) };
    if (n < SCAN_MIN_SERIES || toMinute - fromMinute > SCAN_MAX_MINUTES) return this.perSeries(ids, from, to);
    const slot = new Map<number, number>();
    let lo = Number.MAX_SAFE_INTEGER;
    let hi = 0;
    ids.forEach((id, i) => {
      if (id === undefined) return;
      slot.set(id, i);
      if (id < lo) lo = id;
      if (id > hi) hi = id;
    });
    // Rows come in (minute, series) order: collect them, then group by series (a counting sort,
    // stable, so each series' points stay in time order).
    const sids: number[] = [];
    const ts = new Column();
    const vals = new Column();
    const counts = new Int32Array(n + 1);
    const rows = this.scanStmt.iterate({ fromMinute, toMinute, lo, hi, from, to, ids: JSON.stringify([...slot.keys()]) }) as IterableIterator<
      [number, number, number]
    >;
    for (const [sid, t, v] of rows) {
      const i = slot.get(sid) as number;
      sids.push(i);
      ts.push(t);
      vals.push(v);
      counts[i + 1] = (counts[i + 1] as number) + 1;
    }
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i] as number) + (counts[i + 1] as number);
    const fill = offsets.slice(0, n);
    const outTs = new Float64Array(sids.length);
    const outVals = new Float64Array(sids.length);
    for (let r = 0; r < sids.length; r++) {
      const i = sids[r] as number;
      const at = fill[i] as number;
      fill[i] = at + 1;
      outTs[at] = ts.data[r] as number;
      outVals[at] = vals.data[r] as number;
    }
    return { offsets, ts: outTs, values: outVals };
  }

  private perSeries(ids: readonly (number | undefined)[], from: number, to: number): RawColumns {
    const offsets = new Int32Array(ids.length + 1);
    const ts = new Column();
    const vals = new Column();
    ids.forEach((id, i) => {
      if (id !== undefined)
        for (const [t, v] of this.rawRows(id, from, to)) {
          ts.push(t);
          vals.push(v);
        }
      offsets[i + 1] = ts.length;
    });
    return { offsets, ts: ts.data.slice(0, ts.length), values: vals.data.slice(0, vals.length) };
  }
}
