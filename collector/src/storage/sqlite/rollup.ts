/**
 * maintain(now): bring the minute and hour tiers up to date and apply retention.
 *
 * Every step is a transaction that also moves the persisted watermarks, so a crash at any point
 * leaves tiers and marks consistent (the next maintain redoes only what did not commit):
 * 1. Raise the raw horizon (writes older than it are refused from now on).
 * 2. Re-roll dirty minutes (late samples) from raw, and their hours (< hour mark) from minute rows.
 * 3. Roll minutes [minute mark, now − rollupDelayMs) from raw, ~ROWS_PER_TX samples per
 *    transaction, and build every hour the minute mark passed (from the sums accumulated while
 *    rolling, hour-acc.ts, or by folding its minute rows); skip spans without samples.
 * 4. Retention: delete raw, minute and hour rows older than their horizons (hour-aligned), and
 *    forget series with no data left in any tier.
 * Between transactions the event loop runs (writes go on); writes check the marks at commit time.
 */
import type Database from 'better-sqlite3';
import type { RetentionPolicy } from '../types.ts';
import { alignDown, DAY_MS, foldBuckets, HOUR_MS, MINUTE_MS, summarisePoints, type PointRow } from '../summary.ts';
import type { Bucket } from '../types.ts';
import type { StoreContext } from './context.ts';
import type { StateKey } from './schema.ts';
import type { Reader } from './reader.ts';
import { HourTier, type HourSummary } from './hour-tier.ts';
import { HourAccumulators } from './hour-acc.ts';
import { BatchInsert } from './batch-insert.ts';
import { DDSketch } from '../sketch.ts';

export interface RollupOptions {
  retention: RetentionPolicy;
  /** A minute is rolled up this long after it ends; samples arriving later re-dirty it. */
  rollupDelayMs: number;
}

const DIRTY_PER_TX = 2000;
/** Raw samples a live-roll transaction aims at (~50–100 ms of work). */
const ROWS_PER_TX = 50_000;
const RAW_DELETE_SPAN_MS = HOUR_MS;

interface HourAcc {
  count: number;
  sum: number;
  min: number;
  max: number;
  sketch: DDSketch;
}

/** The sketch column of a tier row: NULL when every value is the same (min = max). */
function sketchColumn(b: Bucket): Uint8Array | null {
  return b.min === b.max ? null : b.sketch.encode();
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Rollup {
  private readonly setState: Database.Statement<[StateKey, number]>;
  private readonly upsertMinute: Database.Statement<[number, number, number, number, number, number, Uint8Array | null]>;
  private readonly deleteMinute: Database.Statement<[number, number]>;
  private readonly rawOfMinute: Database.Statement<[number, number]>;
  private readonly deleteDirty: Database.Statement<[number, number]>;
  private readonly scanRaw: Database.Statement<[number, number]>;
  private readonly scanMinutes: Database.Statement<[number, number]>;
  private readonly nextMinute: Database.Statement<[number]>;
  private readonly firstMinute: Database.Statement<[]>;
  private readonly getState: Database.Statement<[StateKey]>;
  private readonly deleteRawBefore: Database.Statement<[number]>;
  private readonly deleteOldMinutes: Database.Statement<[number]>;
  private readonly deleteSeries: Database.Statement<[number]>;
  private readonly tx: <T>(fn: () => T) => T;
  private readonly minuteRows: BatchInsert;
  private readonly hours: HourTier;
  private readonly acc = new HourAccumulators();
  /** Current live-roll span per transaction (adaptive, whole minutes). */
  private spanMs = HOUR_MS;
  private stopping = false;

  constructor(
    private readonly ctx: StoreContext,
    private readonly reader: Reader,
    private readonly opts: RollupOptions,
  ) {
    const { db } = ctx;
    this.setState = db.prepare('INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)');
    this.upsertMinute = db.prepare('INSERT OR REPLACE INTO rollup_1m (start, series_id, count, sum, min, max, sketch) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.deleteMinute = db.prepare('DELETE FROM rollup_1m WHERE start = ? AND series_id = ?');
    this.rawOfMinute = db.prepare('SELECT ts, value FROM samples WHERE minute = ? AND series_id = ? ORDER BY ts').raw();
    this.deleteDirty = db.prepare('DELETE FROM dirty WHERE series_id = ? AND minute_start = ?');
    this.scanRaw = db.prepare('SELECT minute, series_id, value FROM samples WHERE minute >= ? AND minute < ? ORDER BY minute, series_id, ts').raw();
    this.scanMinutes = db
      .prepare('SELECT start, series_id, count, sum, min, max, sketch FROM rollup_1m WHERE start >= ? AND start < ? ORDER BY start, series_id')
      .raw();
    this.nextMinute = db.prepare('SELECT min(minute) FROM samples WHERE minute >= ?').pluck();
    this.firstMinute = db.prepare('SELECT min(minute) FROM samples').pluck();
    this.getState = db.prepare('SELECT value FROM state WHERE key = ?').pluck();
    this.deleteRawBefore = db.prepare('DELETE FROM samples WHERE minute < ?');
    this.deleteOldMinutes = db.prepare('DELETE FROM rollup_1m WHERE start < ?');
    this.deleteSeries = db.prepare('DELETE FROM series WHERE id = ?');
    this.hours = new HourTier(db);
    this.minuteRows = new BatchInsert(db, 'INSERT OR REPLACE INTO rollup_1m (start, series_id, count, sum, min, max, sketch)', 7);
    this.tx = <T>(fn: () => T): T => db.transaction(fn)();
  }

  /** Makes a running maintain return after its current transaction (for close()). */
  stop(): void {
    this.stopping = true;
  }

  async maintain(now: number): Promise<{ dirtyMinutes: number; rolledMinutes: number }> {
    const { state } = this.ctx;
    const { retention } = this.opts;
    const rawHorizon = Math.max(state.rawHorizon, alignDown(now - retention.rawDays * DAY_MS, HOUR_MS));
    const oldRawHorizon = state.rawHorizon;
    state.rawHorizon = rawHorizon; // refuse older writes from here on; persisted with the deletes

    let dirtyMinutes = 0;
    while (this.ctx.dirty.size > 0 && !this.stopping) {
      dirtyMinutes += this.rerollDirty();
      await yieldToLoop();
    }

    const cutoff = alignDown(now - this.opts.rollupDelayMs, MINUTE_MS);
    let rolledMinutes = 0;
    while ((state.minuteMark === undefined || state.minuteMark < cutoff) && !this.stopping) {
      rolledMinutes += this.rollChunk(cutoff);
      await yieldToLoop();
    }

    if (this.stopping) return { dirtyMinutes, rolledMinutes };
    for (let from = oldRawHorizon; from < rawHorizon && !this.stopping; ) {
      const to = oldRawHorizon === 0 ? rawHorizon : Math.min(rawHorizon, from + RAW_DELETE_SPAN_MS);
      this.tx(() => {
        this.deleteRawBefore.run(to / MINUTE_MS);
        this.setState.run('raw_horizon', to);
      });
      from = to;
      await yieldToLoop();
    }
    if (this.stopping) return { dirtyMinutes, rolledMinutes };
    this.applyTierRetention(now);
    this.tx(() => this.ctx.series.persistLastTs());
    return { dirtyMinutes, rolledMinutes };
  }

  /** One transaction: re-roll up to DIRTY_PER_TX dirty minutes and the hours that hold them. */
  private rerollDirty(): number {
    const { dirty, state } = this.ctx;
    const entries = dirty.take(DIRTY_PER_TX);
    this.tx(() => {
      const hours = new Map<number, Set<number>>();
      for (const [id, minute] of entries) {
        this.deleteDirty.run(id, minute);
        if (state.minuteMark === undefined || minute >= state.minuteMark) continue; // the live roll takes it
        const rows = this.rawOfMinute.all(minute / MINUTE_MS, id) as PointRow[];
        const b = summarisePoints(rows, MINUTE_MS)[0];
        if (b === undefined) this.deleteMinute.run(minute, id);
        else this.upsertMinute.run(minute, id, b.count, b.sum, b.min, b.max, sketchColumn(b));
        const hour = alignDown(minute, HOUR_MS);
        if (state.hourMark === undefined || hour >= state.hourMark)
          this.acc.invalidate(hour); // still open
        else {
          let set = hours.get(id);
          if (set === undefined) hours.set(id, (set = new Set()));
          set.add(hour);
        }
      }
      const updates: [number, number, Bucket | undefined][] = [];
      for (const [id, set] of hours) {
        for (const hour of set) updates.push([id, hour, foldBuckets(this.reader.minuteBuckets(id, hour, hour + HOUR_MS), HOUR_MS)[0]]);
      }
      this.hours.put(updates);
    });
    for (const [id, minute] of entries) dirty.delete(id, minute);
    return entries.length;
  }

  /**
   * One transaction: roll minutes from the minute mark over the next span (or to the cutoff),
   * build the hours the mark passes, and move both marks. The span adapts so that a transaction
   * handles roughly ROWS_PER_TX raw samples: short when ingest is heavy, long over a sparse backlog.
   */
  private rollChunk(cutoff: number): number {
    const { state } = this.ctx;
    let marks: { start: number; end: number; newHourMark: number };
    try {
      marks = this.tx(() => {
        let start = state.minuteMark;
        if (start === undefined) {
          const first = this.firstMinute.get() as number | null;
          start = first === null ? cutoff : Math.min(first * MINUTE_MS, cutoff);
        }
        this.acc.beginRoll(start);
        const hourMark = state.hourMark ?? alignDown(start, HOUR_MS);
        let end = Math.min(cutoff, start + this.spanMs);
        const samples = end > start ? this.rollRange(start, end) : 0;
        if (samples === 0 && end < cutoff) {
          // Nothing here: jump to the next minute that has samples (or the cutoff).
          const next = this.nextMinute.get(end / MINUTE_MS) as number | null;
          end = next === null ? cutoff : Math.max(end, Math.min(next * MINUTE_MS, cutoff));
        }
        if (samples > ROWS_PER_TX) this.spanMs = Math.max(MINUTE_MS, alignDown(this.spanMs / 2, MINUTE_MS));
        else if (samples < ROWS_PER_TX / 4) this.spanMs = Math.min(DAY_MS, this.spanMs * 2);
        this.acc.endRoll(end);
        const newHourMark = Math.max(alignDown(end, HOUR_MS), hourMark);
        if (newHourMark > hourMark) this.buildHours(hourMark, newHourMark);
        this.setState.run('minute_mark', end);
        this.setState.run('hour_mark', newHourMark);
        return { start, end, newHourMark };
      });
    } catch (err) {
      this.acc.reset(); // it may hold minutes of the transaction that rolled back
      throw err;
    }
    state.minuteMark = marks.end;
    state.hourMark = marks.newHourMark;
    return Math.max(0, marks.end - marks.start) / MINUTE_MS;
  }

  /** Minute rows from raw for [start, end) (minute-aligned); returns the raw samples read. */
  private rollRange(start: number, end: number): number {
    // Stream the rows (a big all() array would be promoted to the old generation and cost more
    // in garbage collection than the scan itself). better-sqlite3 cannot write while a statement
    // iterates, so finished minute rows are kept (≤ one per series and minute) and written after.
    const out: (number | Uint8Array | null)[] = [];
    const values: number[] = [];
    let curMinute = -1;
    let curId = -1;
    let samples = 0;
    const close = (): void => {
      if (values.length === 0) return;
      // The same summary as summarisePoints(points, MINUTE_MS), without its intermediate objects.
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of values) {
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      let sk: DDSketch | null = null; // NULL: every value equals min (see schema.ts)
      if (min !== max) {
        sk = new DDSketch();
        for (const v of values) sk.add(v);
      }
      out.push(curMinute * MINUTE_MS, curId, values.length, sum, min, max, sk === null ? null : sk.encode());
      this.acc.addMinute(curId, curMinute * MINUTE_MS, { count: values.length, sum, min, max, sketch: sk });
      values.length = 0;
    };
    for (const r of this.scanRaw.iterate(start / MINUTE_MS, end / MINUTE_MS) as IterableIterator<[number, number, number]>) {
      const minute = r[0];
      const id = r[1];
      const value = r[2];
      if (minute !== curMinute || id !== curId) {
        close();
        curMinute = minute;
        curId = id;
      }
      values.push(value);
      samples++;
    }
    close();
    for (let i = 0; i < out.length; i += 7)
      this.minuteRows.push(
        out[i] as number,
        out[i + 1] as number,
        out[i + 2] as number,
        out[i + 3] as number,
        out[i + 4] as number,
        out[i + 5] as number,
        out[i + 6] as Uint8Array | null,
      );
    this.minuteRows.flush();
    return samples;
  }

  /** Hour rows for every hour in [from, to) from its minute rows (all series). */
  private buildHours(from: number, to: number): void {
    const updates: [number, number, HourSummary][] = [];
    for (let hour = from; hour < to; hour += HOUR_MS) {
      const ready = this.acc.take(hour);
      if (ready !== undefined) {
        for (const [id, a] of ready) updates.push([id, hour, a]);
        continue;
      }
      // Rows come ordered by (start, series_id), so each series' minutes arrive oldest first and
      // the hour sum is 0 + m1 + m2 + … as foldBuckets computes it. Streamed, then written.
      const acc = new Map<number, HourAcc>();
      for (const r of this.scanMinutes.iterate(hour, hour + HOUR_MS) as IterableIterator<[number, number, number, number, number, number, Uint8Array | null]>) {
        const id = r[1];
        const count = r[2];
        const sum = r[3];
        const min = r[4];
        const max = r[5];
        const sketch = r[6];
        let a = acc.get(id);
        if (a === undefined) acc.set(id, (a = { count: 0, sum: 0, min, max, sketch: new DDSketch() }));
        a.count += count;
        a.sum += sum;
        if (min < a.min) a.min = min;
        if (max > a.max) a.max = max;
        if (sketch === null) a.sketch.add(min, count);
        else a.sketch.mergeEncoded(sketch);
      }
      for (const [id, a] of acc) updates.push([id, hour, a]);
    }
    this.acc.dropBefore(to);
    this.hours.put(updates);
  }

  /** Minute and hour tier retention, and series with nothing left anywhere. */
  private applyTierRetention(now: number): void {
    const { retention } = this.opts;
    const minuteHorizon = alignDown(now - retention.minuteDays * DAY_MS, HOUR_MS);
    const hourHorizon = alignDown(now - retention.hourDays * DAY_MS, HOUR_MS);
    const { series } = this.ctx;
    const gone = this.tx(() => {
      this.deleteOldMinutes.run(minuteHorizon);
      const prev = this.getState.get('hour_horizon') as number | undefined;
      if (prev !== undefined && prev >= hourHorizon) return [];
      for (const id of series.ids()) this.hours.deleteBefore(id, hourHorizon);
      const expired = series.lastBefore(hourHorizon);
      for (const id of expired) {
        // Its raw and minute rows are older than their horizons (gone); the hour tier expires
        // whole days, so remove its last days explicitly (ids are never reused: AUTOINCREMENT).
        this.hours.deleteSeries(id);
        this.deleteSeries.run(id);
      }
      this.setState.run('hour_horizon', hourHorizon);
      return expired;
    });
    if (gone.length > 0) {
      series.forget(gone);
      this.ctx.log.info({ series: gone.length }, 'retention removed series with no data left');
    }
  }
}
