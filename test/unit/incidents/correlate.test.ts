// The incident rule on planted breaches (pure): threshold within the window, start at the earliest
// correlated breach, sustained resolution, members by overlap, arrival order irrelevant.
import { describe, expect, it } from 'vitest';
import { correlate, type Breach } from '../../../collector/src/incidents/correlate.ts';
import { practicesNeeded } from '../../../collector/src/incidents/config.ts';

const M = 60_000;
const opt = { needed: 3, windowMs: 10 * M, resolveAfterMs: 15 * M, eventNow: 1000 * M };
const b = (alertId: number, practice: string, from: number, to: number | null): Breach => ({
  alertId,
  practice,
  startedAt: from * M,
  endedAt: to === null ? null : to * M,
});

describe('correlate', () => {
  it('opens when enough practices breach within the window, from the earliest of them', () => {
    const breaches = [b(1, 'A', 100, 160), b(2, 'B', 104, 150), b(3, 'C', 108, 140), b(4, 'D', 10, 20)];
    const [ep, ...rest] = correlate(breaches, opt);
    expect(rest).toEqual([]);
    expect(ep).toMatchObject({ startedAt: 100 * M, openedAt: 108 * M, endedAt: 140 * M, peak: 3 });
    expect(ep!.members.map((m) => m.alertId)).toEqual([1, 2, 3]);
  });

  it('breaches further apart than the window open nothing', () => {
    expect(correlate([b(1, 'A', 100, 200), b(2, 'B', 106, 200), b(3, 'C', 112, 200)], opt)).toEqual([]);
  });

  it('stays open through a dip shorter than resolveAfterMs and ends when it first went below', () => {
    const breaches = [b(1, 'A', 100, 200), b(2, 'B', 101, 200), b(3, 'C', 102, 120), b(4, 'C', 125, 150), b(5, 'D', 170, 171)];
    const eps = correlate(breaches, opt);
    expect(eps).toHaveLength(1);
    expect(eps[0]).toMatchObject({ startedAt: 100 * M, endedAt: 150 * M });
    expect(eps[0]!.members.map((m) => m.alertId)).toEqual([1, 2, 3, 4]);
  });

  it('is still open while event time has not passed the hold', () => {
    const eps = correlate([b(1, 'A', 100, 130), b(2, 'B', 101, 130), b(3, 'C', 102, 130)], { ...opt, eventNow: 140 * M });
    expect(eps[0]).toMatchObject({ endedAt: null, current: 0 });
    expect(correlate([b(1, 'A', 100, 130), b(2, 'B', 101, 130), b(3, 'C', 102, 130)], { ...opt, eventNow: 145 * M })[0]).toMatchObject({ endedAt: 130 * M });
  });

  it('one practice with two alerts counts once; the order the breaches arrive in does not matter', () => {
    const breaches = [b(1, 'A', 100, 130), b(2, 'A', 101, 130), b(3, 'B', 102, 130), b(4, 'C', 103, 130)];
    const forward = correlate(breaches, opt);
    expect(forward[0]).toMatchObject({ openedAt: 103 * M, peak: 3 });
    expect(correlate([...breaches].reverse(), opt).map((e) => ({ ...e, members: e.members.map((m) => m.alertId).sort() }))).toEqual(
      forward.map((e) => ({ ...e, members: e.members.map((m) => m.alertId).sort() })),
    );
    expect(
      correlate(
        breaches.filter((x) => x.practice !== 'C'),
        opt,
      ),
    ).toEqual([]);
  });

  it('needs the larger of minPractices and minShare of those monitoring', () => {
    expect(practicesNeeded({ minPractices: 5, minShare: 0.2 }, 10)).toBe(5);
    expect(practicesNeeded({ minPractices: 5, minShare: 0.2 }, 120)).toBe(24);
    expect(practicesNeeded({ minPractices: 5, minShare: 0.2 }, 125)).toBe(25);
  });
});
