// The activity feed's window (collector/src/ha/activity-feed.ts): each read starts `overlapMs`
// before the previous read began; a failed read is logged, tells nobody, and the next read starts
// from the last good one, so nothing another collector recorded meanwhile is skipped.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { ActivityFeed } from '../../../collector/src/ha/activity-feed.ts';
import type { AgentActivityNote } from '../../../collector/src/evaluation/evaluator.ts';

describe('the activity feed', () => {
  it('reads overlapping windows, and after a failed read starts again from the last good one', async () => {
    let now = 1_000_000;
    const asked: number[] = [];
    let fail = false;
    const row: AgentActivityNote = { practice: 'A81001', agent: 'srv1', highWater: 990_000, lastSeen: 999_000 };
    const told: AgentActivityNote[] = [];
    const feed = new ActivityFeed({
      source: {
        activitySince: async (from) => {
          asked.push(from);
          if (fail) throw new Error('connect ECONNREFUSED');
          return [row];
        },
      },
      targets: [
        (n) => told.push(n),
        () => {
          throw new Error('a broken target');
        },
      ],
      clock: { now: () => now },
      log: silentLogger(),
      overlapMs: 60_000,
    });
    expect(await feed.poll()).toBe(1); // a target that throws does not stop the others
    now += 5_000;
    fail = true;
    expect(await feed.poll()).toBe(0);
    now += 5_000;
    fail = false;
    expect(await feed.poll()).toBe(1);
    expect(asked).toEqual([1_000_000 - 60_000, 1_000_000 - 60_000, 1_000_000 - 60_000]);
    now += 5_000;
    await feed.poll();
    expect(asked.at(-1)).toBe(1_010_000 - 60_000);
    expect(told).toHaveLength(3);
  });
});
