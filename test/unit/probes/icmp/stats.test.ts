/** Burst statistics: hand-computed vectors, and the definitions' edge cases. */
import { describe, it, expect } from 'vitest';
import { rttStats, meanConsecutiveDifference, lossRatio } from '../../../../agent/src/probes/icmp/stats.ts';

describe('rttStats', () => {
  it('min, avg, median (even count: mean of the middle two), max, population stddev', () => {
    // mean 25; squared deviations 225+25+25+225 = 500; /4 = 125
    const s = rttStats([40, 10, 30, 20])!;
    expect(s).toMatchObject({ count: 4, minMs: 10, avgMs: 25, medianMs: 25, maxMs: 40 });
    expect(s.stddevMs).toBeCloseTo(Math.sqrt(125), 12);
  });

  it('median of an odd count is the middle value', () => {
    expect(rttStats([5, 1, 9, 3, 7])!.medianMs).toBe(5);
  });

  it('jitter is the mean |difference| of consecutive replies in arrival order', () => {
    // |10-40| + |30-10| + |20-30| = 30 + 20 + 10 = 60, over 3 pairs
    expect(rttStats([40, 10, 30, 20])!.jitterMs).toBe(20);
    // The same values sorted give a different (smaller) jitter: order matters.
    expect(rttStats([10, 20, 30, 40])!.jitterMs).toBe(10);
  });

  it('a constant RTT has no spread and no jitter', () => {
    const s = rttStats([50, 50, 50])!;
    expect(s.stddevMs).toBe(0);
    expect(s.jitterMs).toBe(0);
  });

  it('one reply: stddev 0 and no jitter (it needs a pair)', () => {
    const s = rttStats([12.5])!;
    expect(s).toEqual({ count: 1, minMs: 12.5, avgMs: 12.5, medianMs: 12.5, maxMs: 12.5, stddevMs: 0, jitterMs: undefined });
  });

  it('no replies: no statistics at all (never zeros)', () => {
    expect(rttStats([])).toBeUndefined();
  });

  it('a negative or non-finite RTT is a bug upstream, not data', () => {
    expect(() => rttStats([1, -2])).toThrow(RangeError);
    expect(() => rttStats([Number.NaN])).toThrow(RangeError);
  });
});

describe('meanConsecutiveDifference', () => {
  it('is undefined for fewer than two values', () => {
    expect(meanConsecutiveDifference([])).toBeUndefined();
    expect(meanConsecutiveDifference([3])).toBeUndefined();
    expect(meanConsecutiveDifference([3, 1])).toBe(2);
  });
});

describe('lossRatio', () => {
  it('is the share lost, 0..1', () => {
    expect(lossRatio(20, 20)).toBe(0);
    expect(lossRatio(20, 15)).toBe(0.25);
    expect(lossRatio(5, 0)).toBe(1);
  });
  it('is undefined when nothing was sent, and never outside 0..1', () => {
    expect(lossRatio(0, 0)).toBeUndefined();
    expect(lossRatio(4, 5)).toBe(0);
  });
});
