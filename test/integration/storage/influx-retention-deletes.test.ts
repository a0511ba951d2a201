/**
 * The influx backend's retention DELETEs (docs/storage.md "Retention"): InfluxDB 1.x can lose
 * track of series that are being written while a DELETE runs (bench:ingest found 0.9–1.9 % of
 * acknowledged samples missing at 706,300 series when every maintenance round sent DELETEs; none
 * once they were not sent: docs/performance.md). So `maintain` sends a tier's
 * `DELETE … WHERE time < horizon` only when that horizon has moved past the first sample, at most
 * once per hour-aligned horizon. The store talks to a real influxd through a pass-through proxy on
 * loopback that records every InfluxQL statement it sends.
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInfluxStore } from '../../../collector/src/storage/influx/index.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../collector/src/storage/summary.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { INFLUXD, startInfluxd, type Influxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';

const RETENTION = { rawDays: 1, minuteDays: 2, hourDays: 3 };
const T0 = Date.UTC(2026, 9, 1, 9, 0);

/** A loopback HTTP proxy to influxd that records the InfluxQL of every /query. */
async function recordingProxy(target: Influxd): Promise<{ url: string; statements: string[]; close(): Promise<void> }> {
  const statements: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/query') {
        const q = url.searchParams.get('q') ?? new URLSearchParams(body.toString('utf8')).get('q') ?? '';
        statements.push(...q.split(';\n'));
      }
      const up = request(`${target.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    statements,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(skipUnlessLab({ files: [INFLUXD] }))('influx backend: retention DELETEs', () => {
  let influxd: Influxd;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let store: SeriesStore | undefined;

  beforeAll(async () => {
    influxd = await startInfluxd();
    proxy = await recordingProxy(influxd);
  }, 30_000);

  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await influxd?.cleanup();
  });

  const retentionDeletes = (): string[] => proxy.statements.filter((q) => /^DELETE FROM/.test(q) && !q.includes('"n3mon.dirty"'));
  const count = async (measurement: string): Promise<number> => {
    const r = await influxd.query(`SELECT count("value") FROM "${measurement}"`, 'rt');
    return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
  };

  it('sends none while writes arrive in a young database, then one per tier when its horizon passes the first sample', async () => {
    const s = openInfluxStore({
      settings: { url: proxy.url, database: 'rt', createDatabase: true, timeoutMs: 30_000 },
      retention: RETENTION,
      log: silentLogger(),
    });
    store = s;
    await s.ready();
    const sample = (metric: string, ts: number): WireSample => ({ metric, labels: { target: 'eps' }, ts, value: ts % 97 });
    let written = 0;
    // An hour of live writes, a maintenance round after every 5 minutes of them (as the collector runs it).
    for (let m = 0; m < 60; m += 5) {
      const samples: WireSample[] = [];
      for (let k = m; k < m + 5; k++) samples.push(sample('icmp_rtt_ms', T0 + k * MINUTE_MS), sample('icmp_loss_pct', T0 + k * MINUTE_MS));
      written += (await s.write({ practice: 'A81001', agent: 'main', samples })).written;
      await s.maintain(T0 + (m + 5) * MINUTE_MS + 3 * MINUTE_MS);
    }
    expect(retentionDeletes()).toEqual([]);
    expect((await count('icmp_rtt_ms')) + (await count('icmp_loss_pct'))).toBe(written);

    // A day and an hour later the raw horizon has passed the first hour: one DELETE per metric's raw
    // measurement, none for the tiers (their horizons have not reached the first sample yet).
    const later = T0 + DAY_MS + HOUR_MS + 10 * MINUTE_MS;
    await s.write({ practice: 'A81001', agent: 'main', samples: [sample('icmp_rtt_ms', later), sample('icmp_loss_pct', later)] });
    await s.maintain(later);
    const first = retentionDeletes();
    expect(first.sort()).toEqual([`DELETE FROM "icmp_loss_pct" WHERE time < ${T0 + HOUR_MS}ms`, `DELETE FROM "icmp_rtt_ms" WHERE time < ${T0 + HOUR_MS}ms`]);
    // Further rounds in the same hour send nothing more.
    await s.maintain(later + MINUTE_MS);
    await s.maintain(later + 20 * MINUTE_MS);
    expect(retentionDeletes()).toHaveLength(2);
    expect(await count('icmp_rtt_ms')).toBe(1); // the hour before the horizon went; the new sample stayed
  }, 60_000);
});
