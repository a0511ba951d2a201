/**
 * Window aggregation over the real SQLite series store (aggregate/raw) agrees with the
 * evaluator's in-memory aggregation of the same samples (quantiles within the sketch's 1 %).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { openSqliteStore } from '../../../collector/src/storage/sqlite/index.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { aggregateFromStore, aggregateValues, downForSeconds, trackDown } from '../../../collector/src/evaluation/aggregate.ts';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 14, 9, 0);
let dir: string;
let store: SeriesStore;
const ids: Record<string, string> = {};
// RTT-like values with a slow tail, every 30 s for an hour; a 0/1 success series with an outage.
const rtt = Array.from({ length: 120 }, (_, i) => ({ ts: T0 + i * 30_000, value: 20 + ((i * 37) % 50) + (i % 17 === 0 ? 300 : 0) }));
const up = Array.from({ length: 120 }, (_, i) => ({ ts: T0 + i * 30_000, value: i >= 80 && i < 110 ? 0 : 1 }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-agg-'));
  store = openSqliteStore({ dir, retention: { rawDays: 400, minuteDays: 400, hourDays: 800 }, log: silentLogger(), synchronous: 'normal' });
  const labels = { role: 'n3-gateway', target: '10.200.0.2' };
  await store.write({
    practice: 'A81001',
    agent: 'srv1',
    samples: [...rtt.map((p) => ({ metric: 'icmp_rtt_avg_ms', labels, ...p })), ...up.map((p) => ({ metric: 'probe_success', labels, ...p }))],
  });
  for (const s of await store.findSeries({ practice: 'A81001' })) ids[s.metric] = s.id;
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const within = (from: number, to: number, pts: { ts: number; value: number }[]) => pts.filter((p) => p.ts >= from && p.ts < to).map((p) => p.value);

describe('aggregation over the SQLite store', () => {
  for (const [name, from, to] of [
    ['15 whole minutes (minute buckets)', T0 + 10 * M, T0 + 25 * M],
    ['an unaligned window (raw samples)', T0 + 10 * M + 15_000, T0 + 25 * M + 45_000],
  ] as const) {
    it(`${name}: p95, p50, mean, min, max, last, availability agree with the in-memory window`, async () => {
      const vs = within(from, to, rtt);
      for (const agg of ['p95', 'p50', 'mean', 'min', 'max', 'last'] as const) {
        const got = (await aggregateFromStore(store, { seriesIds: [ids.icmp_rtt_avg_ms!], aggregate: agg, from, to })).get(ids.icmp_rtt_avg_ms!);
        const want = aggregateValues(agg, vs)!;
        if (agg === 'p95' || agg === 'p50') expect(Math.abs(got! - want) / want, agg).toBeLessThanOrEqual(0.01);
        else expect(got, agg).toBeCloseTo(want, 9);
      }
      const a = (await aggregateFromStore(store, { seriesIds: [ids.probe_success!], aggregate: 'availability', from: T0 + 30 * M, to: T0 + 60 * M })).get(
        ids.probe_success!,
      );
      expect(a).toBeCloseTo(aggregateValues('availability', within(T0 + 30 * M, T0 + 60 * M, up))!, 9);
      expect(a).toBeCloseTo(30 / 60, 9);
    });
  }

  it('down_for reads raw samples; an empty range is unknown (undefined), never 0', async () => {
    const got = (await aggregateFromStore(store, { seriesIds: [ids.probe_success!], aggregate: 'down_for', from: T0, to: T0 + 50 * M })).get(
      ids.probe_success!,
    );
    const want = downForSeconds(
      T0 + 50 * M,
      trackDown(
        undefined,
        up.map((p) => p.ts),
        up.map((p) => p.value),
        0,
        100,
      ),
    );
    expect(got).toBe(want);
    expect(got).toBe(10 * 60); // down since 09:40
    const empty = await aggregateFromStore(store, { seriesIds: [ids.icmp_rtt_avg_ms!], aggregate: 'p95', from: T0 + 2 * 3_600_000, to: T0 + 3 * 3_600_000 });
    expect(empty.get(ids.icmp_rtt_avg_ms!)).toBeUndefined();
  });
});
