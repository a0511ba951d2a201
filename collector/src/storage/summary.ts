/**
 * Pure summarising of samples into buckets (count/sum/min/max + quantile sketch), shared by the
 * rollup builder and the read path so the two always agree.
 *
 * Canonical sum order. Floating-point addition is not associative, so "the sum" of a bucket is
 * defined as the rollup tiers compute it, and the raw path computes it the same way:
 * - minute sum  = 0 + v1 + v2 + … (values of the minute, oldest first)
 * - hour sum    = 0 + m1 + m2 + … (minute sums, oldest first)
 * - bucket sum  = 0 + h1 + h2 + … for steps that are multiples of 1 h, 0 + m1 + … for multiples
 *   of 1 min, else 0 + v1 + … over the values.
 * So a bucket read from the hour tier, the minute tier or computed from raw is bit-for-bit equal.
 */
import { DDSketch } from './sketch.ts';
import type { Bucket, QuantileSketch } from './types.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A raw row as SQLite returns it in raw mode: [ts, value]. */
export type PointRow = readonly [number, number];

export function alignDown(ts: number, stepMs: number): number {
  return Math.floor(ts / stepMs) * stepMs;
}

export function alignUp(ts: number, stepMs: number): number {
  return Math.ceil(ts / stepMs) * stepMs;
}

/** The rollup unit a step is served from: HOUR_MS, MINUTE_MS, or 0 for raw samples. */
export function unitFor(stepMs: number): number {
  if (stepMs % HOUR_MS === 0) return HOUR_MS;
  if (stepMs % MINUTE_MS === 0) return MINUTE_MS;
  return 0;
}

/**
 * A bucket read from a rollup tier. Its sketch stays encoded (a slice of the row's bytes, or
 * nothing when every value equals min) until someone reads `sketch`: a month of hour buckets for
 * hundreds of series is then a few hundred thousand small objects, not twice that plus decoding.
 */
export class TierBucket implements Bucket {
  private decoded: QuantileSketch | undefined;

  constructor(
    public start: number,
    public count: number,
    public sum: number,
    public min: number,
    public max: number,
    private readonly bytes: Uint8Array | null,
    private readonly from = 0,
    private readonly to = bytes?.length ?? 0,
  ) {}

  get sketch(): QuantileSketch {
    return (this.decoded ??= this.bytes === null ? DDSketch.constant(this.min, this.count) : DDSketch.fromEncoded(this.bytes, this.from, this.to));
  }

  set sketch(s: QuantileSketch) {
    this.decoded = s;
  }

  /** Adds this bucket's samples to `target` without building a sketch object for it. */
  mergeInto(target: DDSketch): void {
    if (this.decoded !== undefined) target.merge(this.decoded);
    else if (this.bytes === null) target.add(this.min, this.count);
    else target.mergeEncoded(this.bytes, this.from, this.to);
  }
}

function mergeSketch(target: DDSketch, b: Bucket): void {
  if (b instanceof TierBucket) b.mergeInto(target);
  else target.merge(b.sketch);
}

export function emptyBucket(start: number): Bucket {
  return { start, count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, sketch: new DDSketch() };
}

/**
 * Summarise points (oldest first) into non-empty buckets of stepMs aligned to the epoch, with the
 * canonical sum order for that step.
 */
export function summarisePoints(points: ReadonlyArray<PointRow>, stepMs: number): Bucket[] {
  const byMinute = stepMs % MINUTE_MS === 0;
  const byHour = stepMs % HOUR_MS === 0;
  const out: Bucket[] = [];
  let bucket: Bucket | undefined;
  let curMinute = Number.NaN;
  let curHour = Number.NaN;
  let minuteSum = 0;
  let hourSum = 0;

  const closeMinute = (): void => {
    if (Number.isNaN(curMinute)) return;
    if (byHour) hourSum += minuteSum;
    else (bucket as Bucket).sum += minuteSum;
    minuteSum = 0;
    curMinute = Number.NaN;
  };
  const closeHour = (): void => {
    if (Number.isNaN(curHour)) return;
    (bucket as Bucket).sum += hourSum;
    hourSum = 0;
    curHour = Number.NaN;
  };

  for (const [ts, v] of points) {
    const start = alignDown(ts, stepMs);
    if (bucket === undefined || bucket.start !== start) {
      if (bucket !== undefined) {
        closeMinute();
        closeHour();
      }
      bucket = emptyBucket(start);
      out.push(bucket);
    }
    if (byMinute) {
      const m = alignDown(ts, MINUTE_MS);
      if (m !== curMinute) {
        closeMinute();
        curMinute = m;
      }
      if (byHour) {
        const h = alignDown(ts, HOUR_MS);
        if (h !== curHour) {
          closeHour();
          curHour = h;
        }
      }
      minuteSum += v;
    } else {
      bucket.sum += v;
    }
    bucket.count++;
    if (v < bucket.min) bucket.min = v;
    if (v > bucket.max) bucket.max = v;
    bucket.sketch.add(v);
  }
  if (bucket !== undefined) {
    closeMinute();
    closeHour();
  }
  return out;
}

/**
 * Merge unit summaries (oldest first; minute or hour rows) into buckets of stepMs. When every
 * bucket holds exactly one unit that starts with it, the units are returned as they are (their
 * sketches stay lazily encoded).
 */
export function foldBuckets(units: readonly Bucket[], stepMs: number): Bucket[] {
  if (units.every((u) => u.start % stepMs === 0) && isStrictlyIncreasingBy(units, stepMs)) return [...units];
  const out: Bucket[] = [];
  let cur: Bucket | undefined;
  for (const u of units) {
    const start = alignDown(u.start, stepMs);
    if (cur === undefined || cur.start !== start) {
      cur = emptyBucket(start);
      out.push(cur);
    }
    cur.count += u.count;
    cur.sum += u.sum;
    if (u.min < cur.min) cur.min = u.min;
    if (u.max > cur.max) cur.max = u.max;
    mergeSketch(cur.sketch as DDSketch, u);
  }
  return out;
}

/** True when no two units fall into the same bucket of stepMs. */
function isStrictlyIncreasingBy(units: readonly Bucket[], stepMs: number): boolean {
  for (let i = 1; i < units.length; i++) {
    if (alignDown((units[i] as Bucket).start, stepMs) <= alignDown((units[i - 1] as Bucket).start, stepMs)) return false;
  }
  return true;
}

/** One bucket summarising all of `buckets` (e.g. a month of hour buckets), starting at the first. */
export function mergeBuckets(buckets: readonly Bucket[], start = buckets[0]?.start ?? 0): Bucket {
  const out = emptyBucket(start);
  for (const b of buckets) {
    out.count += b.count;
    out.sum += b.sum;
    if (b.min < out.min) out.min = b.min;
    if (b.max > out.max) out.max = b.max;
    mergeSketch(out.sketch as DDSketch, b);
  }
  return out;
}
