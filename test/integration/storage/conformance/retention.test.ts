/** Conformance (every backend): retention per tier, and what happens to a sample that arrives after its raw retention. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../../collector/src/storage/summary.ts';
import type { Bucket } from '../../../../collector/src/storage/types.ts';
import type { WireSample } from '../../../../shared/src/wire.ts';
import { BACKENDS, type StoreHarness } from './backends.ts';

const T0 = Date.UTC(2026, 9, 1);
const NOW = T0 + 5 * DAY_MS + 7 * HOUR_MS + 13 * MINUTE_MS;
const RETENTION = { rawDays: 1, minuteDays: 2, hourDays: 3 };

describe.each(BACKENDS)('$name store', (b) => {
  describe.skipIf(b.skip())('retention', () => {
    beforeAll(() => b.setup(), 30_000);
    afterAll(() => b.teardown());
    let t: StoreHarness | undefined;
    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    });

    const sample = (target: string, ts: number, value = 1): WireSample => ({ metric: 'tcp_connect_ms', labels: { target }, ts, value });

    describe('retention', () => {
      it('drops raw, minute and hour data older than each tier keeps, and series with nothing left', async () => {
        t = await b.fresh({ retention: RETENTION });
        const samples: WireSample[] = [];
        for (let ts = T0; ts < NOW - 3 * MINUTE_MS; ts += 5 * MINUTE_MS) samples.push(sample('kept', ts, (ts / MINUTE_MS) % 17));
        for (let ts = T0; ts < T0 + DAY_MS; ts += 5 * MINUTE_MS) samples.push(sample('stopped', ts)); // went quiet on day 1
        await t.store.write({ practice: 'A81001', agent: 'main', samples });
        const stoppedId = (await t.store.findSeries({ labels: { target: 'stopped' } }))[0]!.id;
        await t.store.maintain(NOW);

        const [kept, ...rest] = await t.store.findSeries({});
        expect(rest).toEqual([]); // 'stopped' had nothing newer than the hour tier keeps
        expect(kept?.labels.target).toBe('kept');
        const rawFrom = Math.floor((NOW - DAY_MS) / HOUR_MS) * HOUR_MS; // horizons are hour-aligned
        const raw = await t.store.raw(kept!.id, T0, NOW);
        expect(raw[0]?.ts).toBe(rawFrom);
        expect(raw.length).toBe(samples.filter((s) => s.labels.target === 'kept' && s.ts >= rawFrom).length);

        const first = async (stepMs: number): Promise<Bucket | undefined> =>
          (await t!.store.aggregate({ seriesIds: [kept!.id], from: T0, to: NOW, stepMs })).get(kept!.id)![0];
        expect((await first(MINUTE_MS))?.start).toBe(Math.floor((NOW - 2 * DAY_MS) / HOUR_MS) * HOUR_MS);
        // The hour tier is stored a UTC day per row and expires whole days.
        expect((await first(HOUR_MS))?.start).toBe(Math.floor((NOW - 3 * DAY_MS) / DAY_MS) * DAY_MS);
        expect((await first(HOUR_MS))?.count).toBe(12);

        // A new series never inherits a removed one's id (or its last hour-tier days).
        await t.store.write({ practice: 'A81001', agent: 'main', samples: [sample('new', NOW - 30 * MINUTE_MS, 5)] });
        const [fresh] = await t.store.findSeries({ labels: { target: 'new' } });
        expect(fresh!.id).not.toBe(stoppedId);
        const hours = (await t.store.aggregate({ seriesIds: [fresh!.id, stoppedId], from: T0, to: NOW, stepMs: HOUR_MS })).values();
        expect([...hours].map((bs) => bs.map((b) => b.count))).toEqual([[1], []]);
      });

      it('refuses a sample older than raw retention (it could not be rolled up correctly) and keeps refusing after reopening', async () => {
        t = await b.fresh({ retention: RETENTION });
        const live: WireSample[] = [];
        for (let ts = NOW - 2 * DAY_MS; ts < NOW - 3 * MINUTE_MS; ts += MINUTE_MS) live.push(sample('gw', ts, 2));
        await t.store.write({ practice: 'A81001', agent: 'main', samples: live });
        await t.store.maintain(NOW);
        const [s] = await t.store.findSeries({});
        const hourly = async () => (await t!.store.aggregate({ seriesIds: [s!.id], from: NOW - 2 * DAY_MS, to: NOW, stepMs: HOUR_MS })).get(s!.id)!;
        const before = (await hourly()).map((b) => [b.start, b.count, b.sum]);

        const tooOld = NOW - DAY_MS - 2 * HOUR_MS; // its hour is in the hour tier; its raw minute is gone
        expect(
          await t.store.write({ practice: 'A81001', agent: 'main', samples: [sample('gw', tooOld + 1, 999), sample('gw', NOW - HOUR_MS + 1, 3)] }),
        ).toEqual({ written: 1, tooOld: 1 });
        expect(t.store.stats().samplesTooOld).toBe(1);
        await t.store.maintain(NOW + MINUTE_MS);
        const after = (await hourly()).map((b) => [b.start, b.count, b.sum]);
        const older = (rows: number[][]) => rows.filter(([start]) => start! < NOW - 2 * HOUR_MS);
        expect(older(after)).toEqual(older(before)); // the refused sample changed no rollup
        expect(after.reduce((n, [, count]) => n + count!, 0)).toBe(before.reduce((n, [, count]) => n + count!, 0) + 1);
        expect((await hourly()).find((b) => b.max === 999)).toBeUndefined();

        await t.store.close();
        await t.reopen({ retention: RETENTION });
        expect(await t.store.write({ practice: 'A81001', agent: 'main', samples: [sample('gw', tooOld, 999)] })).toEqual({ written: 0, tooOld: 1 });
      });

      it('refuses a retention policy whose tiers outlive their sources', async () => {
        await expect(b.fresh({ retention: { rawDays: 30, minuteDays: 7, hourDays: 400 } })).rejects.toThrow(/minuteDays: must be ≥ rawDays/);
        await expect(b.fresh({ retention: { rawDays: 0, minuteDays: 7, hourDays: 400 } })).rejects.toThrow(/rawDays/);
      });
    });
  });
});
