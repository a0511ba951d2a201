/**
 * The evaluator's per-series window: what it holds after appends and evictions, and that a
 * window kept for hours holds about its own samples, not every sample since start (at 8,000
 * practices each series' window is one of ~630,000).
 */
import { describe, expect, it } from 'vitest';
import { SeriesWindow } from '../../../collector/src/evaluation/series-window.ts';

const M = 60_000;

describe('SeriesWindow', () => {
  it('holds the samples of the last window through hours of minute-by-minute appends and evictions, and no more than twice that many', () => {
    const win = new SeriesWindow();
    const keep = 15 * M;
    let longest = 0;
    for (let minute = 0; minute < 600; minute++) {
      win.append([{ ts: minute * M + 1000, value: minute }], (minute + 1) * M);
      win.evictBefore((minute + 1) * M - keep);
      longest = Math.max(longest, win.ts.length);
      const [lo, hi] = win.range((minute + 1) * M - keep, (minute + 1) * M);
      expect(hi - lo).toBe(Math.min(15, minute + 1));
      expect(win.vals[hi - 1]).toBe(minute);
      expect(win.size).toBe(Math.min(15, minute + 1));
    }
    expect(longest).toBeLessThanOrEqual(2 * 16);
  });

  it('appends from columns exactly as from points, skipping nothing newer and nothing older than held', () => {
    const a = new SeriesWindow();
    const b = new SeriesWindow();
    const ts = new Float64Array([5, 10, 10, 20, 30]);
    const vals = new Float64Array([1, 2, 3, 4, 5]);
    a.append(
      [...ts].map((t, i) => ({ ts: t, value: vals[i] as number })),
      40,
    );
    b.appendColumns(ts, vals, 0, ts.length, 40);
    expect([b.ts, b.vals, b.loadedUntil]).toEqual([a.ts, a.vals, a.loadedUntil]);
    b.appendColumns(new Float64Array([1, 2, 3, 50, 60]), new Float64Array([9, 9, 9, 6, 7]), 2, 4, 70);
    expect(b.ts).toEqual([5, 10, 10, 20, 30, 50]);
    expect(b.loadedUntil).toBe(70);
  });
});
