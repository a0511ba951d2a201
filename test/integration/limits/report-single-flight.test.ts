// Issue 11 point 6: the report of a month in progress is built at most once per practice at a
// time and kept for IN_PROGRESS_CACHE_MS. A real collector app (buildApp with the report routes,
// real SQLite store and meta.db) on a real socket; a practice key asks for its report many times at
// once and again in a loop; builds are counted from the service's "practice report built" log line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../collector/src/app.ts';
import { openSeriesStore } from '../../../collector/src/collector.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { createApiKey } from '../../../collector/src/auth/credentials.ts';
import type { TypedApp } from '../../../collector/src/context.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { createReportService, reportInputsFromConfig } from '../../../collector/src/reports/index.ts';
import { IN_PROGRESS_CACHE_MS } from '../../../collector/src/reports/service.ts';
import { reportRoutes } from '../../../collector/src/routes/reports/index.ts';
import { createLogger } from '../../../shared/src/log.ts';
import type { Clock } from '../../../shared/src/clock.ts';

const ODS = 'A81001';
const CONCURRENT = 12;
let dir: string;
let meta: Meta;
let store: SeriesStore;
let app: TypedApp;
let url: string;
let key: string;
let otherKey: string;
let now = Date.UTC(2026, 11, 7, 14, 0, 0);
const clock: Clock = { now: () => now, monotonic: () => performance.now() };
const logs: Array<{ msg?: string; ods?: string }> = [];
const MONTH = '2026-12';

const builds = (ods = ODS): number => logs.filter((l) => l.msg === 'practice report built' && l.ods === ods).length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-report-flight-'));
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line) as { msg?: string });
      cb();
    },
  });
  const log = createLogger({ level: 'info', destination });
  const practices = [
    { ods: ODS, name: 'Example Surgery', sites: [] },
    { ods: 'B82002', name: 'Riverside Medical Centre', sites: [] },
  ];
  const config = parseCollectorConfig({ dataDir: dir, listen: { port: 0 }, practices, storage: { synchronous: 'normal' } }, 'test');
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(config.practices, now);
  store = openSeriesStore(config, log);
  const samples = Array.from({ length: 60 }, (_, i) => ({
    metric: 'icmp_rtt_avg_ms',
    labels: { check: 'icmp:n3', role: 'n3-gateway', target: '192.0.2.1' },
    ts: now - 3_600_000 + i * 60_000,
    value: 20 + (i % 5),
  }));
  await store.write({ practice: ODS, agent: 'server1', samples });
  const service = createReportService({
    dataDir: dir,
    organisation: 'Example ICB',
    practicesConfig: practices,
    meta,
    store,
    ...reportInputsFromConfig(config),
    clock,
    log,
  });
  app = await buildApp({ config, log, store, meta, clock, routes: [reportRoutes(service)] });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  key = (await createApiKey(meta, { role: 'practice', practice: ODS })).key;
  otherKey = (await createApiKey(meta, { role: 'practice', practice: 'B82002' })).key;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  void meta?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function report(credential: string, ods = ODS, format = 'csv'): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/api/v1/reports/${ods}/${MONTH}?format=${format}`, { headers: { authorization: `Bearer ${credential}` } });
  return { status: res.status, body: await res.text() };
}

describe('the report of a month in progress', () => {
  it(`${CONCURRENT} requests at once: one build, the same report for each`, async () => {
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => report(key)));
    expect(answers.map((a) => a.status)).toEqual(Array(CONCURRENT).fill(200));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]?.body).toContain(',summary,period,in_progress,month,1,boolean,');
    expect(builds()).toBe(1);
  });

  it('asked again and again within the cache time (any format): no rebuild', async () => {
    for (let i = 0; i < 20; i++) expect((await report(key, ODS, i % 2 === 0 ? 'csv' : 'html')).status).toBe(200);
    now += IN_PROGRESS_CACHE_MS - 1000;
    expect((await report(key)).status).toBe(200);
    expect(builds()).toBe(1);
  });

  it('built again once the cache time has passed; another practice has its own', async () => {
    now += 1000;
    await Promise.all([report(key), report(key), report(otherKey, 'B82002'), report(otherKey, 'B82002')]);
    expect(builds()).toBe(2);
    expect(builds('B82002')).toBe(1);
  });
});
