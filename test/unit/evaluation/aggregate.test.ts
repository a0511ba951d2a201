import { describe, expect, it } from 'vitest';
import { aggregateValues, downForSeconds, nearestRank, trackDown, Scratch } from '../../../collector/src/evaluation/aggregate.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('window aggregation', () => {
  it('quantiles are nearest-rank', () => {
    expect(nearestRank(range(20), 0.95)).toBe(19);
    expect(nearestRank(range(100), 0.95)).toBe(95);
    expect(nearestRank(range(4), 0.5)).toBe(2);
    expect(nearestRank([7], 0.99)).toBe(7);
    expect(aggregateValues('p95', [5, 1, 4, 2, 3, 20, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])).toBe(19);
    expect(aggregateValues('p50', [3, 1, 2])).toBe(2);
    expect(aggregateValues('p99', range(1000).reverse())).toBe(990);
    expect(aggregateValues('p90', range(10))).toBe(9);
  });

  it('mean, min, max, last, availability over a sub-range only', () => {
    const v = [100, 1, 2, 3, 4, 100];
    expect(aggregateValues('mean', v, 1, 5)).toBe(2.5);
    expect(aggregateValues('min', v, 1, 5)).toBe(1);
    expect(aggregateValues('max', v, 1, 5)).toBe(4);
    expect(aggregateValues('last', v, 1, 5)).toBe(4);
    expect(aggregateValues('p95', v, 1, 5)).toBe(4);
    expect(aggregateValues('availability', [1, 0, 1, 1], 0, 4)).toBe(0.75);
  });

  it('an empty window is undefined (unknown), never 0', () => {
    for (const agg of ['p95', 'mean', 'min', 'max', 'last', 'availability'] as const) expect(aggregateValues(agg, [1, 2], 1, 1)).toBeUndefined();
  });

  it('down_for is not a window function', () => {
    expect(() => aggregateValues('down_for', [0])).toThrow(RangeError);
  });

  it('scratch buffers grow and do not change results', () => {
    const s = new Scratch();
    expect(aggregateValues('p50', range(10), 0, 10, s)).toBe(5);
    expect(aggregateValues('p50', range(500), 0, 500, s)).toBe(250);
    expect(aggregateValues('p50', [9, 8, 7], 0, 3, s)).toBe(8);
  });

  it('down tracking: from the first failure after the last success', () => {
    const ts = [10, 20, 30, 40, 50];
    expect(trackDown(undefined, ts, [1, 0, 0, 0, 0], 0, 5)).toBe(20);
    expect(trackDown(undefined, ts, [0, 0, 1, 0, 0], 0, 5)).toBe(40);
    expect(trackDown(undefined, ts, [0, 0, 0, 0, 1], 0, 5)).toBeUndefined();
    // continuing: already down since 5, more failures keep the start
    expect(trackDown(5, ts, [0, 0, 0, 0, 0], 0, 5)).toBe(5);
    expect(downForSeconds(3_600_000, 0)).toBe(3600);
    expect(downForSeconds(3_600_000, undefined)).toBe(0);
  });
});
