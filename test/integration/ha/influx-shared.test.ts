/**
 * Two collectors' series stores on one InfluxDB (storage.indexRefreshMs): each learns the series
 * the other wrote (recent ones at the next refresh, a backlog's at the next full re-read), and a
 * late sample written through the collector that does not maintain reaches the rollup of the one
 * that does (its dirty mark is read from InfluxDB before maintenance).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInfluxStore } from '../../../collector/src/storage/influx/index.ts';
import { MINUTE_MS } from '../../../collector/src/storage/summary.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { INFLUXD, startInfluxd, type Influxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { waitFor } from '../../helpers/wait.ts';
import { FakeClock } from '../../unit/evaluation/memory-source.ts';

const T0 = Date.UTC(2026, 9, 1, 9, 0);
const RETENTION = { rawDays: 14, minuteDays: 92, hourDays: 800 };

describe.skipIf(skipUnlessLab({ files: [INFLUXD] }))('two collectors on one InfluxDB', () => {
  let influxd: Influxd;
  const stores: SeriesStore[] = [];
  const clock = new FakeClock(T0 + 10 * MINUTE_MS);
  const open = async (database: string): Promise<SeriesStore> => {
    const s = openInfluxStore({
      settings: { url: influxd.url, database, createDatabase: true, timeoutMs: 30_000, indexRefreshMs: 250 },
      retention: RETENTION,
      log: silentLogger(),
      clock,
    });
    stores.push(s);
    await s.ready();
    return s;
  };

  beforeAll(async () => {
    influxd = await startInfluxd();
  }, 30_000);

  afterAll(async () => {
    for (const s of stores) await s.close();
    await influxd?.cleanup();
  });

  it('each learns the series the other wrote: recent ones at the next refresh, a backlog at the next full re-read', async () => {
    const a = await open('shared1');
    const b = await open('shared1');
    const sample = { metric: 'icmp_rtt_avg_ms', labels: { target: '127.0.0.1', role: 'lan-gateway' }, ts: T0 + 5 * MINUTE_MS, value: 1.5 };
    await a.write({ practice: 'A81001', agent: 'srv1', samples: [sample] });
    const found = await waitFor(
      'the other store to find the series',
      async () => {
        const s = await b.findSeries({ practice: 'A81001', agent: 'srv1' });
        return s.length > 0 ? s : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(found.map((s) => [s.metric, s.labels, s.lastTs])).toEqual([['icmp_rtt_avg_ms', sample.labels, sample.ts]]);
    expect((await b.raw(found[0]!.id, T0, T0 + 10 * MINUTE_MS)).map((p) => p.value)).toEqual([1.5]);
    // A backlog (a day old) delivered through the other collector: outside the refresh window, found by the full re-read.
    await b.write({ practice: 'A81002', agent: 'srv9', samples: [{ ...sample, ts: T0 - 24 * 60 * MINUTE_MS }] });
    const backlog = await waitFor(
      'the backlog series at the full re-read',
      async () => {
        const s = await a.findSeries({ practice: 'A81002' });
        return s.length > 0 ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(backlog).toHaveLength(1);
  }, 45_000);

  it('a late sample written through the collector that does not maintain is in the rollup of the one that does', async () => {
    const maintainer = await open('shared2');
    const other = await open('shared2');
    const labels = { target: 'spine', role: 'national-app' };
    const samples = [0, 1, 2, 3, 4, 5].map((m) => ({ metric: 'tcp_connect_ms', labels, ts: T0 + m * MINUTE_MS + 1000, value: 10 }));
    await maintainer.write({ practice: 'A81001', agent: 'srv1', samples });
    await maintainer.maintain(clock.now()); // minutes rolled up to now − 2 min
    const tierCount = async (): Promise<number> => {
      const r = await influxd.query(`SELECT "count" FROM "tcp_connect_ms.1m" WHERE time = ${T0 + 2 * MINUTE_MS}ms`, 'shared2');
      return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    expect(await tierCount()).toBe(1);
    await other.write({ practice: 'A81001', agent: 'srv1', samples: [{ metric: 'tcp_connect_ms', labels, ts: T0 + 2 * MINUTE_MS + 30_000, value: 40 }] });
    await maintainer.maintain(clock.now());
    expect(await tierCount()).toBe(2);
  }, 30_000);
});
