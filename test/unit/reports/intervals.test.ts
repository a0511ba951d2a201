import { describe, expect, it } from 'vitest';
import { alignedStep, intersect, normalise, planTiers, roundOutToMinutes, subtract, totalMs, type Interval } from '../../../collector/src/reports/intervals.ts';

const M = 60_000;
const H = 3_600_000;
const at = (h: number, m = 0): number => Date.UTC(2026, 10, 2, h, m);

describe('interval arithmetic', () => {
  it('normalises, intersects and subtracts half-open intervals', () => {
    expect(
      normalise([
        { from: 5, to: 8 },
        { from: 1, to: 3 },
        { from: 3, to: 4 },
        { from: 7, to: 9 },
        { from: 10, to: 10 },
      ]),
    ).toEqual([
      { from: 1, to: 4 },
      { from: 5, to: 9 },
    ]);
    expect(
      intersect(
        [{ from: 0, to: 10 }],
        [
          { from: 2, to: 4 },
          { from: 8, to: 12 },
        ],
      ),
    ).toEqual([
      { from: 2, to: 4 },
      { from: 8, to: 10 },
    ]);
    expect(
      subtract(
        [{ from: 0, to: 10 }],
        [
          { from: 2, to: 4 },
          { from: 8, to: 12 },
        ],
      ),
    ).toEqual([
      { from: 0, to: 2 },
      { from: 4, to: 8 },
    ]);
    expect(subtract([{ from: 0, to: 10 }], [{ from: -5, to: 15 }])).toEqual([]);
    expect(roundOutToMinutes([{ from: at(14, 7) + 1500, to: at(14, 9) + 1 }])).toEqual([{ from: at(14, 7), to: at(14, 10) }]);
  });

  it('reads a core day as ten whole hours and one aligned 30-minute piece', () => {
    const plan = planTiers([{ from: at(8), to: at(18, 30) }]);
    expect(plan.hours).toEqual(Array.from({ length: 10 }, (_, i) => at(8 + i)));
    expect(plan.pieces).toEqual([{ from: at(18), to: at(18, 30) }]);
  });

  it('cuts maintenance edges into few buckets, each aligned to its own width', () => {
    const plan = planTiers([{ from: at(14, 7), to: at(16, 41) }]);
    expect(plan.hours).toEqual([at(15)]);
    for (const p of plan.pieces) expect(p.from % (p.to - p.from)).toBe(0);
    expect(plan.pieces.length).toBeLessThan(12);
    expect(alignedStep(at(18), at(18, 30))).toBe(30 * M);
  });

  it('covers exactly the intervals it was given (random intervals)', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 200; trial++) {
      const list: Interval[] = [];
      for (let k = 0; k < 1 + rnd(4); k++) {
        const from = at(0) + rnd(48 * 60) * M;
        list.push({ from, to: from + (1 + rnd(6 * 60)) * M });
      }
      const plan = planTiers(list);
      const covered = [...plan.hours.map((h) => ({ from: h, to: h + H })), ...plan.pieces];
      expect(totalMs(covered)).toBe(covered.reduce((n, i) => n + i.to - i.from, 0)); // no overlaps
      expect(normalise(covered)).toEqual(normalise(list));
    }
  });

  it('refuses intervals that are not minute-aligned (a bug upstream, not data)', () => {
    expect(() => planTiers([{ from: at(1) + 1, to: at(2) }])).toThrow(/minute-aligned/);
  });
});
