/**
 * Conformance (every backend): rollup tiers against raw samples: the hour tier, the minute tier and raw samples
 * give the same buckets (count/sum/min/max exactly, identical sketches); a month of 1-minute
 * samples answers p50/p95 within 1 % from the hour tier; late samples are re-rolled to what live
 * arrival would have produced.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DDSketch, exactQuantile } from '../../../../collector/src/storage/sketch.ts';
import { HOUR_MS, mergeBuckets, MINUTE_MS } from '../../../../collector/src/storage/summary.ts';
import type { Bucket, SeriesStore } from '../../../../collector/src/storage/types.ts';
import type { WireSample } from '../../../../shared/src/wire.ts';
import { rng } from '../../../helpers/rng.ts';
import { BACKENDS, type StoreHarness } from './backends.ts';

const T0 = Date.UTC(2026, 9, 1); // Thursday 2026-10-01T00:00Z
function lognormal(r: () => number, medianMs: number, sigma: number): number {
  const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Math.round(medianMs * Math.exp(sigma * g) * 1000) / 1000;
}

/** Samples every `everyMs` (with jitter) for `targets` series over [from, to). */
function samples(opts: { from: number; to: number; everyMs: number; targets: string[]; seed: number; metric?: string }): WireSample[] {
  const r = rng(opts.seed);
  const out: WireSample[] = [];
  for (let ts = opts.from; ts < opts.to; ts += opts.everyMs) {
    for (const target of opts.targets) {
      out.push({
        metric: opts.metric ?? 'icmp_rtt_avg_ms',
        labels: { target, role: 'n3-gateway' },
        ts: ts + Math.floor(r() * 1000),
        value: lognormal(r, 20, 0.5),
      });
    }
  }
  return out;
}

async function writeAll(store: SeriesStore, all: WireSample[], batch = 5000): Promise<void> {
  for (let i = 0; i < all.length; i += batch) await store.write({ practice: 'A81001', agent: 'main', samples: all.slice(i, i + batch) });
}

async function ids(store: SeriesStore): Promise<string[]> {
  return (await store.findSeries({ practice: 'A81001' })).map((s) => s.id);
}

/**
 * Buckets as comparable text, one line per bucket (sketch bytes included): string equality is
 * fast on thousands of buckets, and a failure shows a line diff.
 */
function plain(m: Map<string, Bucket[]>): string {
  const lines: string[] = [];
  for (const [id, bs] of m)
    for (const b of bs) lines.push(`${id} ${b.start} ${b.count} ${b.sum} ${b.min} ${b.max} ${Buffer.from(b.sketch.encode()).toString('hex')}`);
  return lines.join('\n');
}

describe.each(BACKENDS)('$name store', (b) => {
  describe.skipIf(b.skip())('rollups', () => {
    beforeAll(() => b.setup(), 30_000);
    afterAll(() => b.teardown());
    const stores: StoreHarness[] = [];
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.cleanup()));
    });
    async function fresh(): Promise<StoreHarness> {
      const t = await b.fresh();
      stores.push(t);
      return t;
    }

    describe('rollup tiers agree with raw samples', () => {
      it('1 min, 5 min, 1 h and 3 h steps: same buckets before maintain (raw), part-way, and after (tiers)', async () => {
        const t = await fresh();
        const end = T0 + 7 * HOUR_MS + 17 * MINUTE_MS;
        await writeAll(t.store, samples({ from: T0, to: end, everyMs: 10_000, targets: ['10.200.0.1', '10.200.0.2', '10.200.0.3'], seed: 1 }));
        const series = await ids(t.store);
        const steps = [MINUTE_MS, 5 * MINUTE_MS, HOUR_MS, 3 * HOUR_MS, 90_000];
        const query = (stepMs: number) => t.store.aggregate({ seriesIds: series, from: T0 + 5 * MINUTE_MS, to: end, stepMs });
        const before = await Promise.all(steps.map(async (s) => plain(await query(s))));

        await t.store.maintain(T0 + 3 * HOUR_MS + 31 * MINUTE_MS); // tiers hold the first 3.5 h
        expect(await Promise.all(steps.map(async (s) => plain(await query(s))))).toStrictEqual(before);
        await t.store.maintain(end + HOUR_MS); // everything rolled up
        const after = await Promise.all(steps.map(async (s) => plain(await query(s))));
        expect(after).toStrictEqual(before);

        // …and the buckets are right, not just consistent: against the raw points directly.
        const [hourly] = [...(await query(HOUR_MS)).values()];
        const raw = await t.store.raw(series[0]!, T0, end + 1);
        for (const b of hourly!) {
          const vals = raw.filter((p) => p.ts >= b.start && p.ts < b.start + HOUR_MS).map((p) => p.value); // from aligns down to the step
          expect(b.count).toBe(vals.length);
          expect(b.min).toBe(Math.min(...vals));
          expect(b.max).toBe(Math.max(...vals));
          expect(b.sum).toBeCloseTo(
            vals.reduce((a, v) => a + v, 0),
            6,
          );
          const sorted = vals.sort((a, v) => a - v);
          for (const q of [0.5, 0.95]) expect(Math.abs(b.sketch.quantile(q) / exactQuantile(sorted, q) - 1)).toBeLessThanOrEqual(0.01);
        }
        expect(t.store.stats().dirtyMinutes).toBe(0);
      });

      it('a month of 1-minute samples: p50/p95 from the hour tier within 1 % of exact, per series and merged', async () => {
        const t = await fresh();
        const monthEnd = Date.UTC(2026, 10, 1);
        // Three series with different shapes: log-normal RTT, bimodal, loss ratio with many zeros.
        const r = rng(11);
        const all: WireSample[] = [];
        for (let ts = T0; ts < monthEnd; ts += MINUTE_MS) {
          all.push({ metric: 'icmp_rtt_avg_ms', labels: { target: 'n3' }, ts, value: lognormal(r, 18, 0.4) });
          all.push({ metric: 'icmp_rtt_avg_ms', labels: { target: 'gw' }, ts, value: r() < 0.8 ? lognormal(r, 2, 0.2) : lognormal(r, 40, 0.3) });
          all.push({ metric: 'icmp_loss_ratio', labels: { target: 'n3' }, ts, value: r() < 0.9 ? 0 : Math.ceil(r() * 20) / 20 });
        }
        await writeAll(t.store, all);
        await t.store.maintain(monthEnd + HOUR_MS);
        const series = await t.store.findSeries({ practice: 'A81001' });
        // The report's way: hour buckets (epoch-aligned) merged over the month.
        const agg = await t.store.aggregate({ seriesIds: series.map((s) => s.id), from: T0, to: monthEnd, stepMs: HOUR_MS });
        const exactOf = (pred: (s: WireSample) => boolean) =>
          all
            .filter(pred)
            .map((s) => s.value)
            .sort((a, b) => a - b);
        const rtt = new DDSketch();
        for (const s of series) {
          const month = mergeBuckets(agg.get(s.id)!);
          const exact = exactOf((x) => x.metric === s.metric && x.labels.target === s.labels.target);
          expect(month!.count).toBe(44_640);
          for (const q of [0.5, 0.95]) {
            const want = exactQuantile(exact, q);
            const got = month!.sketch.quantile(q);
            expect(want === 0 ? got : Math.abs(got / want - 1), `${s.metric}/${s.labels.target} q${q}`).toBeLessThanOrEqual(0.01);
          }
          if (s.metric === 'icmp_rtt_avg_ms') rtt.merge(month!.sketch);
        }
        const union = exactOf((x) => x.metric === 'icmp_rtt_avg_ms');
        for (const q of [0.5, 0.95]) expect(Math.abs(rtt.quantile(q) / exactQuantile(union, q) - 1)).toBeLessThanOrEqual(0.01);
      });
    });

    describe('late samples', () => {
      it('are visible at once and re-rolled by maintain to what live arrival would have produced', async () => {
        const live = await fresh();
        const late = await fresh();
        const end = T0 + 3 * HOUR_MS;
        const all = samples({ from: T0, to: end, everyMs: 15_000, targets: ['a', 'b'], seed: 5 });
        // `live` gets everything before maintaining; `late` misses a scattered fifth until afterwards.
        const held = all.filter((_, i) => i % 5 === 2);
        await writeAll(live.store, all);
        await writeAll(
          late.store,
          all.filter((_, i) => i % 5 !== 2),
        );
        await live.store.maintain(end + HOUR_MS);
        await late.store.maintain(end + HOUR_MS);
        const q = async (s: SeriesStore, stepMs: number) => plain(await s.aggregate({ seriesIds: await ids(s), from: T0, to: end, stepMs }));
        const want = [await q(live.store, MINUTE_MS), await q(live.store, HOUR_MS)];

        await writeAll(late.store, held); // arrive after their minutes and hours were rolled up
        await writeAll(late.store, held.slice(0, 50)); // and some are re-sent: stored once
        expect(late.store.stats().dirtyMinutes).toBeGreaterThan(0);
        expect([await q(late.store, MINUTE_MS), await q(late.store, HOUR_MS)]).toStrictEqual(want); // served from raw meanwhile
        await late.store.maintain(end + 2 * HOUR_MS);
        expect(late.store.stats().dirtyMinutes).toBe(0);
        expect([await q(late.store, MINUTE_MS), await q(late.store, HOUR_MS)]).toStrictEqual(want);
        await late.store.close();
        const reopened = await late.reopen();
        expect([await q(reopened, MINUTE_MS), await q(reopened, HOUR_MS)]).toStrictEqual(want);
      });

      it('a late sample for a minute with no earlier samples creates its minute and hour rows', async () => {
        const t = await fresh();
        await writeAll(t.store, samples({ from: T0, to: T0 + HOUR_MS, everyMs: 60_000, targets: ['a'], seed: 2 }));
        await t.store.maintain(T0 + 5 * HOUR_MS);
        const [id] = await ids(t.store);
        await t.store.write({
          practice: 'A81001',
          agent: 'main',
          samples: [{ metric: 'icmp_rtt_avg_ms', labels: { target: 'a', role: 'n3-gateway' }, ts: T0 + 2 * HOUR_MS + 5, value: 7 }],
        });
        await t.store.maintain(T0 + 5 * HOUR_MS);
        const hours = (await t.store.aggregate({ seriesIds: [id!], from: T0, to: T0 + 5 * HOUR_MS, stepMs: HOUR_MS })).get(id!)!;
        expect(hours.map((b) => [b.start - T0, b.count])).toEqual([
          [0, 60],
          [2 * HOUR_MS, 1],
        ]);
      });
    });

    describe('late samples into an hour that is still open', () => {
      it('land in the hour row even when the hour had no other samples (the hour is rebuilt, not taken from the running sums)', async () => {
        const t = await fresh();
        const H = T0 + 5 * HOUR_MS;
        const sample = (target: string, ts: number, value: number): WireSample => ({ metric: 'icmp_rtt_avg_ms', labels: { target }, ts, value });
        await t.store.write({ practice: 'A81001', agent: 'main', samples: [sample('a', H - 30 * MINUTE_MS, 1), sample('a', H + 40 * MINUTE_MS, 2)] });
        await t.store.maintain(H + 30 * MINUTE_MS); // minutes rolled to H+28 min, none of them in hour H had samples
        await t.store.write({ practice: 'A81001', agent: 'main', samples: [sample('b', H + 5 * MINUTE_MS, 7)] }); // late, new series
        await t.store.maintain(H + 31 * MINUTE_MS); // re-rolls the dirty minute while hour H is open
        await t.store.maintain(H + 2 * HOUR_MS); // closes hour H
        const series = await t.store.findSeries({});
        const hours = await t.store.aggregate({ seriesIds: series.map((s) => s.id), from: H - HOUR_MS, to: H + HOUR_MS, stepMs: HOUR_MS });
        expect(series.map((s) => [s.labels.target, hours.get(s.id)!.map((b) => [b.start - H, b.count, b.sum])])).toEqual([
          [
            'a',
            [
              [-HOUR_MS, 1, 1],
              [0, 1, 2],
            ],
          ], // its H+40 min sample was rolled after the late one
          ['b', [[0, 1, 7]]],
        ]);
      });
    });

    describe('a second reader process', () => {
      it('sees the same buckets as the writer while the writer rolls up and re-rolls (reads one snapshot of the tiers)', async () => {
        const t = await fresh();
        const end = T0 + 2 * HOUR_MS;
        const all = samples({ from: T0, to: end, everyMs: 20_000, targets: ['a'], seed: 9 });
        await writeAll(
          t.store,
          all.filter((_, i) => i % 4 !== 1),
        );
        await t.store.maintain(end + HOUR_MS);
        const reader = await t.second();
        {
          const q = async (s: SeriesStore, stepMs: number) => plain(await s.aggregate({ seriesIds: await ids(t.store), from: T0, to: end, stepMs }));
          await writeAll(
            t.store,
            all.filter((_, i) => i % 4 === 1),
          ); // late: dirties minutes the reader saw rolled up
          for (const step of [MINUTE_MS, HOUR_MS]) expect(await q(reader, step)).toBe(await q(t.store, step));
          await t.store.maintain(end + HOUR_MS);
          for (const step of [MINUTE_MS, HOUR_MS]) expect(await q(reader, step)).toBe(await q(t.store, step));
        }
      });
    });
  });
});
