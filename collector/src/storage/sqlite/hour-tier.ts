/**
 * The hour tier, stored one row per series and UTC day: `rollup_1h(key, hours)` where
 * key = series_id × 2^21 + day number (days since the epoch) and `hours` packs that day's hour
 * summaries. A plain rowid table: a day of sketches (~1–4 KB) is too big for a WITHOUT ROWID row
 * (it would spill to overflow pages), and the integer key keeps a series' days contiguous without
 * a second index. Reports read months of hours for hundreds of
 * series; one row per hour cost one SQLite row and one Node Buffer per hour (~3 µs), a packed day
 * costs that once per 24 hours, and the sketches stay slices of the day's bytes until used.
 *
 * Pack format (version 1): u8 version, u8 number of hours, then per hour in ascending order:
 * u8 hour of day (0–23), varint count, float64 LE sum, min, max, varint sketch length, sketch
 * bytes (length 0: every value equals min, the sketch is count × min).
 */
import type Database from 'better-sqlite3';
import { alignDown, alignUp, DAY_MS, HOUR_MS, TierBucket } from '../summary.ts';
import type { Bucket } from '../types.ts';

const PACK_VERSION = 1;
/** Day numbers must stay below this (year 7711); the writer refuses later timestamps. */
export const MAX_DAY = 2 ** 21;
/** Samples at or after this cannot be stored (see MAX_DAY). */
export const MAX_TS = MAX_DAY * DAY_MS;

function rowKey(id: number, day: number): number {
  return id * MAX_DAY + day / DAY_MS;
}

/** One hour's summary with its sketch still encoded (null: count × min). */
export interface HourEntry {
  hour: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  sketch: Uint8Array | null;
}

export type HourSummary = Pick<Bucket, 'count' | 'sum' | 'min' | 'max' | 'sketch'>;

export function hourEntry(start: number, b: HourSummary): HourEntry {
  return {
    hour: (start - alignDown(start, DAY_MS)) / HOUR_MS,
    count: b.count,
    sum: b.sum,
    min: b.min,
    max: b.max,
    sketch: b.min === b.max ? null : b.sketch.encode(),
  };
}

function varintLen(n: number): number {
  let len = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

/** Packs entries (any order; one per hour) into a day blob. */
export function encodeDay(entries: readonly HourEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.hour - b.hour);
  let size = 2;
  for (const e of sorted) size += 1 + varintLen(e.count) + 24 + varintLen(e.sketch?.length ?? 0) + (e.sketch?.length ?? 0);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  let p = 0;
  const varint = (n: number): void => {
    let v = n;
    while (v >= 0x80) {
      buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[p++] = v;
  };
  buf[p++] = PACK_VERSION;
  buf[p++] = sorted.length;
  for (const e of sorted) {
    buf[p++] = e.hour;
    varint(e.count);
    view.setFloat64(p, e.sum, true);
    view.setFloat64(p + 8, e.min, true);
    view.setFloat64(p + 16, e.max, true);
    p += 24;
    varint(e.sketch?.length ?? 0);
    if (e.sketch !== null) {
      buf.set(e.sketch, p);
      p += e.sketch.length;
    }
  }
  return buf;
}

type HourVisitor = (hour: number, count: number, sum: number, min: number, max: number, sketchStart: number, sketchEnd: number) => void;

/** Calls `fn` for each hour of a day blob (sketch as a byte range; empty: count × min). Throws if malformed. */
function forEachHour(bytes: Uint8Array, fn: HourVisitor): void {
  if (bytes[0] !== PACK_VERSION) throw new Error(`hour tier: unknown pack version ${String(bytes[0])}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes[1] ?? 0;
  let p = 2;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[p++];
      if (b === undefined) throw new Error('hour tier: truncated pack');
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
  };
  for (let i = 0; i < n; i++) {
    const hour = bytes[p++] as number;
    const count = varint();
    if (p + 24 > bytes.length) throw new Error('hour tier: truncated pack');
    const sum = view.getFloat64(p, true);
    const min = view.getFloat64(p + 8, true);
    const max = view.getFloat64(p + 16, true);
    p += 24;
    const len = varint();
    if (p + len > bytes.length) throw new Error('hour tier: truncated pack');
    fn(hour, count, sum, min, max, p, p + len);
    p += len;
  }
  if (p !== bytes.length) throw new Error('hour tier: malformed pack');
}

/** The entries of a day blob; sketches are slices of `bytes` (no copy). Throws if malformed. */
export function decodeDay(bytes: Uint8Array): HourEntry[] {
  const out: HourEntry[] = [];
  forEachHour(bytes, (hour, count, sum, min, max, a, b) => out.push({ hour, count, sum, min, max, sketch: a === b ? null : bytes.subarray(a, b) }));
  return out;
}

/** The hour buckets of a day blob in [from, to), sketches lazily decoded from `bytes` itself. */
export function dayBuckets(dayStart: number, bytes: Uint8Array, from: number, to: number, out: Bucket[]): void {
  forEachHour(bytes, (hour, count, sum, min, max, a, b) => {
    const start = dayStart + hour * HOUR_MS;
    if (start < from || start >= to) return;
    out.push(new TierBucket(start, count, sum, min, max, a === b ? null : bytes, a, b));
  });
}

export class HourTier {
  private readonly readDays: Database.Statement;
  private readonly readDay: Database.Statement<[number]>;
  private readonly putDay: Database.Statement<[number, Uint8Array]>;
  private readonly delDay: Database.Statement<[number]>;
  private readonly delBefore: Database.Statement<[number, number]>;

  constructor(db: Database.Database) {
    this.readDays = db.prepare('SELECT key, hours FROM rollup_1h WHERE key >= ? AND key < ? ORDER BY key').raw();
    this.readDay = db.prepare('SELECT hours FROM rollup_1h WHERE key = ?').pluck();
    this.putDay = db.prepare('INSERT OR REPLACE INTO rollup_1h (key, hours) VALUES (?, ?)');
    this.delDay = db.prepare('DELETE FROM rollup_1h WHERE key = ?');
    this.delBefore = db.prepare('DELETE FROM rollup_1h WHERE key >= ? AND key < ?');
  }

  /** Hour buckets of a series in [from, to) (hour-aligned), oldest first. */
  read(id: number, from: number, to: number): Bucket[] {
    const out: Bucket[] = [];
    const base = rowKey(id, 0);
    for (const [key, bytes] of this.readDays.all(rowKey(id, alignDown(from, DAY_MS)), rowKey(id, alignUp(to, DAY_MS))) as [number, Uint8Array][]) {
      dayBuckets((key - base) * DAY_MS, bytes, from, to, out);
    }
    return out;
  }

  /**
   * Sets (or, with `undefined`, removes) hours of series: one read-modify-write per series and
   * day touched. Call inside a transaction.
   */
  put(updates: ReadonlyArray<readonly [id: number, hourStart: number, summary: HourSummary | undefined]>): void {
    const byRow = new Map<string, { id: number; day: number; set: Map<number, HourEntry | undefined> }>();
    for (const [id, start, b] of updates) {
      const day = alignDown(start, DAY_MS);
      const key = `${id}:${day}`;
      let row = byRow.get(key);
      if (row === undefined) byRow.set(key, (row = { id, day, set: new Map() }));
      row.set.set((start - day) / HOUR_MS, b === undefined ? undefined : hourEntry(start, b));
    }
    for (const { id, day, set } of byRow.values()) {
      const key = rowKey(id, day);
      const existing = this.readDay.get(key) as Uint8Array | undefined;
      const hours = new Map<number, HourEntry>();
      if (existing !== undefined) for (const e of decodeDay(existing)) hours.set(e.hour, e);
      for (const [hour, e] of set) {
        if (e === undefined) hours.delete(hour);
        else hours.set(hour, e);
      }
      if (hours.size === 0) this.delDay.run(key);
      else this.putDay.run(key, encodeDay([...hours.values()]));
    }
  }

  /** Every day of a series (the series is being removed). */
  deleteSeries(id: number): void {
    this.delBefore.run(rowKey(id, 0), rowKey(id + 1, 0));
  }

  /** Retention: whole days before `horizon` (day-aligned down). */
  deleteBefore(id: number, horizon: number): void {
    this.delBefore.run(rowKey(id, 0), rowKey(id, alignDown(horizon, DAY_MS)));
  }
}
