/** ProgressRecorder: what the agent (download) and the collector (upload) note as bytes arrive. */
import { describe, expect, it } from 'vitest';
import { BURST_MS, MARK_SPACING_MS, ProgressRecorder } from '../../../../shared/src/throughput.ts';

describe('progress marks', () => {
  it('start at the first read, keep marks MARK_SPACING_MS apart, and always end on the latest reading', () => {
    const p = new ProgressRecorder();
    let total = 0;
    for (let t = 1000; t <= 2000; t += 10) p.record(t, (total += 1000));
    const marks = p.marks();
    expect(marks[0]).toEqual({ tMs: 0, bytes: 1000 });
    expect(marks.at(-1)).toEqual({ tMs: 1000, bytes: 101_000 });
    for (let i = 1; i < marks.length - 1; i++) expect(marks[i]!.tMs - marks[i - 1]!.tMs).toBeGreaterThanOrEqual(MARK_SPACING_MS);
    expect(marks.length).toBeLessThanOrEqual(1000 / MARK_SPACING_MS + 2);
    expect(p.bytes).toBe(101_000);
    expect(p.durationMs).toBe(1000);
  });

  it('a burst of reads after a stall is one reading: the last, which has everything that had arrived', () => {
    const p = new ProgressRecorder();
    p.record(0, 1000);
    p.record(100, 25_000);
    // Stalled until 600 ms; the kernel's backlog comes out in three reads within a millisecond.
    p.record(600, 90_536);
    p.record(600.4, 156_072);
    p.record(600.8, 160_000);
    expect(p.marks()).toEqual([
      { tMs: 0, bytes: 1000 },
      { tMs: 100, bytes: 25_000 },
      { tMs: 600.8, bytes: 160_000 },
    ]);
    // The next read well after the burst is a new mark.
    p.record(600 + BURST_MS + 60, 170_000);
    expect(p.marks()).toHaveLength(4);
  });

  it('stays bounded however long the transfer: thins to every other mark and doubles the spacing', () => {
    const p = new ProgressRecorder({ spacingMs: 10, maxMarks: 100 });
    let total = 0;
    for (let t = 0; t <= 60_000; t += 10) {
      p.record(t, (total += 100));
      expect(p.marks().at(-1)).toEqual({ tMs: t, bytes: total });
    }
    const marks = p.marks();
    expect(marks.length).toBeLessThanOrEqual(100);
    expect(marks[0]).toEqual({ tMs: 0, bytes: 100 });
    expect(marks.at(-1)).toEqual({ tMs: 60_000, bytes: total });
    for (let i = 1; i < marks.length; i++) expect(marks[i]!.tMs).toBeGreaterThan(marks[i - 1]!.tMs);
  });

  it('hands out copies', () => {
    const p = new ProgressRecorder();
    p.record(5, 10);
    p.marks()[0]!.bytes = 99;
    expect(p.marks()).toEqual([{ tMs: 0, bytes: 10 }]);
  });
});
