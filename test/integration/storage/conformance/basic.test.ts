/** Conformance (every backend): write/read round trip, idempotent re-write, findSeries, bad data. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isN3monError } from '../../../../shared/src/errors.ts';
import type { WireSample } from '../../../../shared/src/wire.ts';
import type { SeriesSelector } from '../../../../collector/src/storage/types.ts';
import { BACKENDS, untestedBackends, type StoreHarness } from './backends.ts';

const T0 = Date.UTC(2026, 9, 1); // 2026-10-01T00:00Z

it('the suite runs every registered backend', () => {
  expect(untestedBackends()).toEqual([]);
});

describe.each(BACKENDS)('$name store: writes and raw reads', (b) => {
  let t: StoreHarness | undefined;
  describe.skipIf(b.skip())('', () => {
    beforeAll(() => b.setup(), 30_000);
    afterAll(() => b.teardown());
    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    });

    it('returns what was written, oldest first, per series, and survives reopening', async () => {
      t = await b.fresh();
      const samples: WireSample[] = [
        { metric: 'icmp_rtt_avg_ms', labels: { target: '10.0.0.1', role: 'lan-gateway' }, ts: T0 + 2000, value: 1.5 },
        { metric: 'icmp_rtt_avg_ms', labels: { role: 'lan-gateway', target: '10.0.0.1' }, ts: T0 + 1000, value: 1.25 },
        { metric: 'icmp_rtt_avg_ms', labels: { target: '10.0.0.2', role: 'lan-gateway' }, ts: T0 + 1000, value: 9 },
        { metric: 'probe_success', labels: { target: '10.0.0.1', role: 'lan-gateway', outcome: 'success' }, ts: T0 + 61_000, value: 1 },
      ];
      expect(await t.store.write({ practice: 'A81001', agent: 'main', samples })).toEqual({ written: 4 });
      const found = await t.store.findSeries({ practice: 'A81001', metric: 'icmp_rtt_avg_ms', labels: { target: '10.0.0.1' } });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        practice: 'A81001',
        agent: 'main',
        metric: 'icmp_rtt_avg_ms',
        labels: { role: 'lan-gateway', target: '10.0.0.1' },
        lastTs: T0 + 2000,
      });
      const id = found[0]!.id;
      expect(await t.store.raw(id, T0, T0 + 3000)).toEqual([
        { ts: T0 + 1000, value: 1.25 },
        { ts: T0 + 2000, value: 1.5 },
      ]);
      expect(await t.store.raw(id, T0 + 1001, T0 + 2000)).toEqual([]);
      // The widest range reads only the minutes that hold samples (it used to walk every minute
      // since 1970, ~10 s).
      expect(await t.store.raw(id, 0, 8.64e15)).toHaveLength(2);
      await t.store.close();
      await t.reopen();
      expect(await t.store.raw(id, T0, T0 + 3000)).toHaveLength(2);
      expect(t.store.stats().series).toBe(3);
      expect((await t.store.findSeries({ practice: 'A81001', metric: 'icmp_rtt_avg_ms', labels: { target: '10.0.0.1' } }))[0]?.lastTs).toBe(T0 + 2000);
    });

    it("rawMany (the rule evaluator's window loads) answers what raw() per series answers, across practices, metrics and unknown ids", async () => {
      t = await b.fresh();
      const store = t.store;
      const samples = (): WireSample[] =>
        [0, 1, 2, 3].flatMap((i): WireSample[] => [
          { metric: 'icmp_rtt_avg_ms', labels: { target: `10.0.0.${i}`, role: 'lan-gateway' }, ts: T0 + i * 1000, value: i + 0.5 },
          { metric: 'icmp_rtt_avg_ms', labels: { target: `10.0.0.${i}`, role: 'lan-gateway' }, ts: T0 + 90_000 + i, value: i },
          { metric: 'probe_success', labels: { target: `10.0.0.${i}`, role: 'lan-gateway', outcome: 'success' }, ts: T0 + 30_000 * i, value: 1 },
        ]);
      await store.write({ practice: 'A81001', agent: 'main', samples: samples() });
      await store.write({ practice: 'B82002', agent: 'main', samples: samples() });
      const ids = [...(await store.findSeries({ practice: 'A81001' })), ...(await store.findSeries({ practice: 'B82002' }))].map((x) => x.id);
      expect(ids).toHaveLength(16);
      const asked = [ids[3] as string, 'no-such-series', ...ids.slice(4), ids[0] as string];
      expect(store.rawMany, `${b.name} has rawMany`).toBeDefined();
      for (const [from, to] of [
        [T0, T0 + 60_000],
        [T0 + 1000, T0 + 91_000],
      ] as const) {
        const cols = await (store.rawMany as NonNullable<typeof store.rawMany>).call(store, asked, from, to);
        expect(cols.offsets).toHaveLength(asked.length + 1);
        const got = asked.map((_, i) => {
          const out = [];
          for (let k = cols.offsets[i] as number; k < (cols.offsets[i + 1] as number); k++) out.push({ ts: cols.ts[k], value: cols.values[k] });
          return out;
        });
        expect(got).toEqual(await Promise.all(asked.map((id) => store.raw(id, from, to))));
      }
    });

    it('stores a re-sent sample once: the second write overwrites (same series, same ts)', async () => {
      t = await b.fresh();
      const s = { metric: 'tcp_connect_ms', labels: { target: '127.0.0.1:443' }, ts: T0, value: 10 };
      await t.store.write({ practice: 'A81001', agent: 'main', samples: [s] });
      await t.store.write({ practice: 'A81001', agent: 'main', samples: [s, { ...s, value: 11 }] });
      const [series] = await t.store.findSeries({ metric: 'tcp_connect_ms' });
      expect(await t.store.raw(series!.id, T0, T0 + 1)).toEqual([{ ts: T0, value: 11 }]);
      const agg = await t.store.aggregate({ seriesIds: [series!.id], from: T0, to: T0 + 60_000, stepMs: 60_000 });
      expect(agg.get(series!.id)?.[0]).toMatchObject({ count: 1, sum: 11 });
    });

    it('keeps practices and agents apart and matches selectors by equality', async () => {
      t = await b.fresh();
      const s = (metric: string, target: string) => ({ metric, labels: { target }, ts: T0, value: 1 });
      await Promise.all([
        t.store.write({ practice: 'A81001', agent: 'main', samples: [s('tcp_connect_ms', 'x'), s('dns_lookup_ms', 'x')] }),
        t.store.write({ practice: 'A81002', agent: 'main', samples: [s('tcp_connect_ms', 'x')] }),
        t.store.write({ practice: 'A81002', agent: 'branch', samples: [s('tcp_connect_ms', 'y')] }),
      ]);
      const store = t.store;
      const ids = async (sel: SeriesSelector) => (await store.findSeries(sel)).map((x) => `${x.practice}/${x.agent}/${x.metric}/${x.labels.target}`).sort();
      expect(await ids({})).toHaveLength(4);
      expect(await ids({ practice: 'A81002' })).toEqual(['A81002/branch/tcp_connect_ms/y', 'A81002/main/tcp_connect_ms/x']);
      expect(await ids({ practice: ['A81001', 'A81002'], agent: 'main', metric: 'tcp_connect_ms' })).toEqual([
        'A81001/main/tcp_connect_ms/x',
        'A81002/main/tcp_connect_ms/x',
      ]);
      expect(await ids({ metric: ['dns_lookup_ms'], labels: { target: 'x' } })).toEqual(['A81001/main/dns_lookup_ms/x']);
      expect(await ids({ labels: { target: 'nope' } })).toEqual([]);
      expect(await ids({ practice: [] })).toEqual([]);
    });

    it('commits many concurrent writes (group commit, bounded groups) and resolves each with its own count', async () => {
      t = await b.fresh();
      const reqs = Array.from({ length: 12 }, (_, r) => ({
        practice: `A8100${r % 3}`,
        agent: 'main',
        samples: Array.from({ length: 2000 }, (_, i) => ({
          metric: 'icmp_rtt_avg_ms',
          labels: { target: `10.200.0.${i % 50}` },
          ts: T0 + r * 100_000 + i,
          value: i,
        })),
      }));
      const results = await Promise.all(reqs.map((r) => t!.store.write(r)));
      expect(results).toEqual(reqs.map(() => ({ written: 2000 })));
      expect(t.store.stats()).toMatchObject({ series: 150, samplesWritten: 24_000 });
      const [one] = await t.store.findSeries({ practice: 'A81002', labels: { target: '10.200.0.7' } });
      expect(await t.store.raw(one!.id, T0, T0 + 3_000_000)).toHaveLength(4 * 40);
    });

    it('refuses a batch with a non-finite value or bad ts, storing nothing of it', async () => {
      t = await b.fresh();
      const good = { metric: 'tcp_connect_ms', labels: {}, ts: T0, value: 1 };
      for (const bad of [
        { ...good, value: Number.NaN },
        { ...good, value: Number.POSITIVE_INFINITY },
        { ...good, ts: 1.5 },
        { ...good, ts: -1 },
      ]) {
        const err = await t.store.write({ practice: 'A81001', agent: 'main', samples: [good, bad] }).catch((e: unknown) => e);
        expect(isN3monError(err, 'N3MON_ERR_STORE')).toBe(true);
        expect((err as Error).message).toMatch(/samples\[1\]\.(value|ts): must be/);
      }
      expect(await t.store.findSeries({})).toEqual([]);
      expect(t.store.stats().samplesWritten).toBe(0);
    });
  });
});
