/** The hour tier's day pack: round trip, lazy sketches, malformed input. */
import { describe, expect, it } from 'vitest';
import { dayBuckets, decodeDay, encodeDay, hourEntry } from '../../../collector/src/storage/sqlite/hour-tier.ts';
import type { Bucket } from '../../../collector/src/storage/types.ts';
import { DDSketch } from '../../../collector/src/storage/sketch.ts';
import { HOUR_MS } from '../../../collector/src/storage/summary.ts';

const DAY = Date.UTC(2026, 9, 25); // the day Europe/London leaves summer time: still 24 UTC hours

describe('hour tier day pack', () => {
  it('round-trips hours in any order, keeping constant hours without a sketch blob', () => {
    const values = [12.5, 13.25, 80, 12.5, 0];
    const busy = { count: values.length, sum: values.reduce((a, b) => a + b, 0), min: 0, max: 80, sketch: DDSketch.of(values) };
    const flat = { count: 60, sum: 60, min: 1, max: 1, sketch: DDSketch.constant(1, 60) };
    const bytes = encodeDay([hourEntry(DAY + 23 * HOUR_MS, flat), hourEntry(DAY + 8 * HOUR_MS, busy)]);
    const entries = decodeDay(bytes);
    expect(entries.map((e) => [e.hour, e.count, e.sum, e.min, e.max, e.sketch === null])).toEqual([
      [8, 5, busy.sum, 0, 80, false],
      [23, 60, 60, 1, 1, true],
    ]);
    const buckets: Bucket[] = [];
    dayBuckets(DAY, bytes, DAY, DAY + 24 * HOUR_MS, buckets);
    const [b8, b23] = buckets;
    const only23: Bucket[] = [];
    dayBuckets(DAY, bytes, DAY + 9 * HOUR_MS, DAY + 24 * HOUR_MS, only23);
    expect(only23.map((b) => b.start)).toEqual([DAY + 23 * HOUR_MS]);
    expect(b8!.start).toBe(DAY + 8 * HOUR_MS);
    expect(b8!.sketch.encode()).toEqual(busy.sketch.encode());
    expect(b23!.sketch.quantile(0.5)).toBe(1);
    expect(b23!.sketch.count).toBe(60);
  });

  it('refuses truncated, padded or unknown-version packs', () => {
    const bytes = encodeDay([hourEntry(DAY, { count: 2, sum: 3, min: 1, max: 2, sketch: DDSketch.of([1, 2]) })]);
    expect(() => decodeDay(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => decodeDay(Uint8Array.of(...bytes, 0))).toThrow(/malformed/);
    expect(() => decodeDay(Uint8Array.of(7, 0))).toThrow(/version/);
    expect(decodeDay(encodeDay([]))).toEqual([]);
  });
});
