/** Canonical label keys and the pure summarising shared by rollups and the read path. */
import { describe, expect, it } from 'vitest';
import { canonicalLabels, parseCanonicalLabels, seriesKey } from '../../../collector/src/storage/labels.ts';
import { foldBuckets, HOUR_MS, MINUTE_MS, summarisePoints, unitFor, type PointRow } from '../../../collector/src/storage/summary.ts';

describe('canonical labels', () => {
  it('is independent of key order and round-trips', () => {
    const a = canonicalLabels({ target: '10.0.0.1', role: 'lan-gateway', check: 'icmp:gw' });
    const b = canonicalLabels({ check: 'icmp:gw', role: 'lan-gateway', target: '10.0.0.1' });
    expect(a).toBe(b);
    expect(a).toBe('{"check":"icmp:gw","role":"lan-gateway","target":"10.0.0.1"}');
    expect(parseCanonicalLabels(a)).toEqual({ target: '10.0.0.1', role: 'lan-gateway', check: 'icmp:gw' });
    expect(canonicalLabels({})).toBe('{}');
  });

  it('keeps awkward values apart (quotes, separators, NUL, unicode)', () => {
    const sets: Record<string, string>[] = [{ a: 'x","b":"y' }, { a: 'x', b: 'y' }, { a: 'x\u0000b\u0000y' }, { a: 'é' }, { a: 'e\u0301' }];
    const keys = sets.map((l) => seriesKey({ practice: 'P', agent: 'A', metric: 'm' }, canonicalLabels(l)));
    expect(new Set(keys).size).toBe(sets.length);
    expect(seriesKey({ practice: 'P', agent: 'A', metric: 'm' }, '{}')).not.toBe(seriesKey({ practice: 'P","A', agent: '', metric: 'm' }, '{}'));
  });
});

describe('summarisePoints / foldBuckets', () => {
  // Values whose float sums depend on order: 0.1-ish steps across minute and hour boundaries.
  const points: PointRow[] = [];
  for (let ts = 0; ts < 3 * HOUR_MS; ts += 7_000) points.push([ts, 0.1 + (ts % 13) * 0.3]);

  it('picks the tier by step', () => {
    expect([unitFor(HOUR_MS), unitFor(2 * HOUR_MS), unitFor(MINUTE_MS), unitFor(5 * MINUTE_MS), unitFor(30_000), unitFor(90_000)]).toEqual([
      HOUR_MS,
      HOUR_MS,
      MINUTE_MS,
      MINUTE_MS,
      0,
      0,
    ]);
  });

  it('hour buckets from raw equal hour buckets folded from minute buckets, bit for bit', () => {
    const direct = summarisePoints(points, HOUR_MS);
    const viaMinutes = foldBuckets(summarisePoints(points, MINUTE_MS), HOUR_MS);
    expect(direct).toHaveLength(3);
    expect(viaMinutes.map((b) => [b.start, b.count, b.sum, b.min, b.max])).toEqual(direct.map((b) => [b.start, b.count, b.sum, b.min, b.max]));
    expect(viaMinutes.map((b) => b.sketch.encode())).toEqual(direct.map((b) => b.sketch.encode()));
  });

  it('multi-hour and multi-minute steps agree across the paths too', () => {
    const twoHours = summarisePoints(points, 2 * HOUR_MS);
    const fromHours = foldBuckets(summarisePoints(points, HOUR_MS), 2 * HOUR_MS);
    expect(fromHours.map((b) => [b.start, b.count, b.sum])).toEqual(twoHours.map((b) => [b.start, b.count, b.sum]));
    const fiveMin = summarisePoints(points, 5 * MINUTE_MS);
    const fromMinutes = foldBuckets(summarisePoints(points, MINUTE_MS), 5 * MINUTE_MS);
    expect(fromMinutes.map((b) => [b.start, b.count, b.sum])).toEqual(fiveMin.map((b) => [b.start, b.count, b.sum]));
  });

  it('counts, min and max are exact and the sum is close to the naive sum', () => {
    const [h0] = summarisePoints(
      points.filter(([ts]) => ts < HOUR_MS),
      HOUR_MS,
    );
    const vals = points.filter(([ts]) => ts < HOUR_MS).map(([, v]) => v);
    expect(h0!.count).toBe(vals.length);
    expect(h0!.min).toBe(Math.min(...vals));
    expect(h0!.max).toBe(Math.max(...vals));
    expect(h0!.sum).toBeCloseTo(
      vals.reduce((a, b) => a + b, 0),
      9,
    );
  });

  it('raw steps (not a whole minute) bucket on the step and skip empty buckets', () => {
    const b = summarisePoints(
      [
        [0, 1],
        [29_999, 2],
        [90_000, 3],
      ],
      30_000,
    );
    expect(b.map((x) => [x.start, x.count, x.sum])).toEqual([
      [0, 2, 3],
      [90_000, 1, 3],
    ]);
  });
});
