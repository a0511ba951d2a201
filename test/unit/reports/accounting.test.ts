import { describe, expect, it } from 'vitest';
import {
  availabilityOf,
  countAtOrBelow,
  countReboots,
  findOutages,
  inferRunsPerHour,
  listedOutages,
  verdictOf,
  type RunCount,
} from '../../../collector/src/reports/accounting.ts';
import { DDSketch, exactQuantile } from '../../../collector/src/storage/sketch.ts';
import type { Bucket } from '../../../collector/src/storage/types.ts';

const M = 60_000;
const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0);

describe('availability accounting', () => {
  it('infers the nominal runs per hour from the most common hourly count', () => {
    const hourly = new Map<number, RunCount>();
    for (let h = 0; h < 100; h++) hourly.set(T0 + h * H, { runs: 60, up: 60 });
    hourly.set(T0 + 100 * H, { runs: 12, up: 12 }); // agent started mid-hour
    hourly.set(T0 + 101 * H, { runs: 0, up: 0 });
    expect(inferRunsPerHour(hourly)).toBe(60);
    expect(inferRunsPerHour(new Map())).toBe(0);
  });

  it('counts runs as time: down runs are down time, missing runs unknown — never up', () => {
    // 10 hours of a 60 s check: 600 expected; 540 arrived, 6 of them failed.
    const a = availabilityOf({ runs: 540, up: 534 }, 10 * H, 60);
    expect(a.expected).toBe(600);
    expect(a.availability).toBeCloseTo(534 / 540, 12);
    expect(a.lowerBound).toBeCloseTo(534 / 600, 12);
    expect(a.completeness).toBeCloseTo(0.9, 12);
    expect(a.unknownMs).toBe(60 * M);
    expect(a.downMs).toBe(6 * M);
    expect(availabilityOf({ runs: 0, up: 0 }, 10 * H, 60).availability).toBeNull();
  });

  it('judges a target only when the gaps cannot change the verdict or enough data arrived', () => {
    const target = 0.999;
    // Complete and good → met; complete and bad → missed.
    expect(verdictOf(availabilityOf({ runs: 44_640, up: 44_640 }, 744 * H, 60), target)).toBe('met');
    expect(verdictOf(availabilityOf({ runs: 44_640, up: 44_000 }, 744 * H, 60), target)).toBe('missed');
    // Half the month missing: the measured half was perfect, but the gap could hide anything → unknown.
    expect(verdictOf(availabilityOf({ runs: 22_320, up: 22_320 }, 744 * H, 60), target)).toBe('unknown');
    // Half missing, and even counting every gap as up the target is missed → missed.
    expect(verdictOf(availabilityOf({ runs: 22_320, up: 21_000 }, 744 * H, 60), target)).toBe('missed');
    // 95 % complete, measured 99.95 % → judged on the measured time.
    expect(verdictOf(availabilityOf({ runs: 42_408, up: 42_387 }, 744 * H, 60), target)).toBe('met');
    // Gaps so small that even as down the target holds → met.
    expect(verdictOf(availabilityOf({ runs: 44_630, up: 44_630 }, 744 * H, 60), target)).toBe('met');
  });
});

describe('percentiles and share within a threshold from a sketch', () => {
  it('counts samples at or under a level within the sketch accuracy', () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const values = Array.from({ length: 5000 }, () => 20 + 400 * rnd() ** 3);
    const sketch = DDSketch.of(values);
    const sorted = [...values].sort((a, b) => a - b);
    for (const level of [25, 50, 100, 300, 419]) {
      const exact = sorted.filter((v) => v <= level).length;
      const got = countAtOrBelow(sketch, level);
      // Only samples within 0.5 % of the level can land on the wrong side.
      const ambiguous = sorted.filter((v) => Math.abs(v - level) <= level * 0.0101).length;
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(ambiguous);
    }
    expect(countAtOrBelow(sketch, 1)).toBe(0);
    expect(countAtOrBelow(sketch, 1e9)).toBe(5000);
    expect(countAtOrBelow(new DDSketch(), 10)).toBe(0);
    const p95 = sketch.quantile(0.95);
    expect(Math.abs(p95 - exactQuantile(sorted, 0.95)) / exactQuantile(sorted, 0.95)).toBeLessThan(0.01);
  });
});

function minutes(spec: string, start = T0): Map<number, RunCount> {
  // One char per minute: U up, D down, . no run, P partly (one up, one down).
  const m = new Map<number, RunCount>();
  [...spec].forEach((c, i) => {
    if (c === '.') return;
    m.set(start + i * M, c === 'U' ? { runs: 1, up: 1 } : c === 'D' ? { runs: 1, up: 0 } : { runs: 2, up: 1 });
  });
  return m;
}

describe('outages from minute buckets', () => {
  const bounds = { from: T0, to: T0 + 24 * H };

  it('finds a down stretch and ends it at the next up minute', () => {
    const o = findOutages(minutes('UUUDDDDDDUU'), M, bounds);
    expect(o).toEqual([{ start: T0 + 3 * M, end: T0 + 9 * M, endedInGap: false }]);
  });

  it('a minute with any up run ends the outage; separate stretches stay separate', () => {
    const o = findOutages(minutes('DDPDDU'), M, bounds);
    expect(o).toEqual([
      { start: T0, end: T0 + 2 * M, endedInGap: false },
      { start: T0 + 3 * M, end: T0 + 5 * M, endedInGap: false },
    ]);
  });

  it('bridges minutes without a run when the check runs less often than each minute', () => {
    // A 5-minute check: down runs at 0, 5, 10; up at 15.
    const o = findOutages(minutes('D....D....D....U'), 5 * M, bounds);
    expect(o).toEqual([{ start: T0, end: T0 + 15 * M, endedInGap: false }]);
  });

  it('a stretch that runs into missing data ends one interval after its last down run, flagged', () => {
    const o = findOutages(minutes('UDDD..........'), M, bounds);
    expect(o).toEqual([{ start: T0 + M, end: T0 + 4 * M, endedInGap: true }]);
  });

  it('lists only outages of at least five minutes', () => {
    const o = findOutages(minutes('UDDDUDDDDDDU'), M, bounds);
    expect(o).toHaveLength(2);
    expect(listedOutages(o)).toEqual([{ start: T0 + 5 * M, end: T0 + 11 * M, endedInGap: false }]);
  });

  it('clips to the month', () => {
    const o = findOutages(minutes('DDDDDDDDDD', T0 + 24 * H - 5 * M), M, bounds);
    expect(o).toEqual([{ start: T0 + 24 * H - 5 * M, end: T0 + 24 * H, endedInGap: true }]);
  });
});

describe('device reboots from hourly uptime', () => {
  const bucket = (h: number, min: number, max: number): Bucket => ({ start: T0 + h * H, count: 60, sum: 0, min, max, sketch: new DDSketch() });

  it('counts an hour where uptime went backwards to under an hour', () => {
    const up0 = 1_000_000;
    const hours = [bucket(0, up0, up0 + 3540), bucket(1, up0 + 3600, up0 + 7140), bucket(2, 30, up0 + 7500), bucket(3, 3630, 7170), bucket(4, 7230, 10770)];
    expect(countReboots(hours)).toEqual([T0 + 2 * H]);
  });

  it('a reboot exactly on the hour and one after a polling gap are both seen; steady uptime is not a reboot', () => {
    const hours = [bucket(0, 5000, 8540), bucket(1, 60, 3600), bucket(5, 20, 3500), bucket(6, 3560, 7100)];
    expect(countReboots(hours)).toEqual([T0 + H, T0 + 5 * H]);
    expect(countReboots([bucket(0, 100, 3640), bucket(1, 3700, 7240)])).toEqual([]);
  });

  it('the hour after a reboot inside an hour is not a second reboot', () => {
    // Rebooted at :12 of hour 2; hour 3 starts with 48 minutes of uptime.
    const hours = [bucket(1, 4_932_019, 4_935_319), bucket(2, 199, 4_936_219), bucket(3, 2899, 6199), bucket(4, 6499, 9799)];
    expect(countReboots(hours)).toEqual([T0 + 2 * H]);
  });
});
