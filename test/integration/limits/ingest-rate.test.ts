// Issue 11 point 3: a per-token request rate limit on ingest. A real collector app (buildApp, real
// SQLite store and meta.db) on a real socket on 127.0.0.1, with `ingest.rateLimit` set low: one
// request over the limit answers 429 N3MON_ERR_RATE_LIMITED with Retry-After, another token of the
// same practice (and of another) is unaffected, /metrics counts it; the agent's answer to a
// series_limit refusal is to set the sample aside, not to send it again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../collector/src/app.ts';
import { openSeriesStore } from '../../../collector/src/collector.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { createAgentToken } from '../../../collector/src/auth/credentials.ts';
import type { TypedApp } from '../../../collector/src/context.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { sortRefused } from '../../../agent/src/push/refused.ts';
import { parsePrometheusText } from '../../helpers/prom-text.ts';

const MAX = 4;
let dir: string;
let meta: Meta;
let store: SeriesStore;
let app: TypedApp;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-rate-'));
  const practices = [
    { ods: 'A81001', name: 'Example Surgery', sites: [] },
    { ods: 'B82002', name: 'Riverside Medical Centre', sites: [] },
  ];
  const config = parseCollectorConfig(
    { dataDir: dir, listen: { port: 0 }, practices, storage: { synchronous: 'normal' }, ingest: { rateLimit: { max: MAX, windowMs: 60_000 } } },
    'test',
  );
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(config.practices, Date.now());
  store = openSeriesStore(config, silentLogger());
  app = await buildApp({ config, log: silentLogger(), store, meta });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  void meta?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function push(token: string, batchId: string): Promise<Response> {
  const samples = [{ metric: 'tcp_connect_ms', labels: { check: 'tcp:gw', role: 'lan-gateway', target: '192.0.2.1:443' }, ts: Date.now() - 1000, value: 3 }];
  return fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ batchId, samples }),
  });
}

describe('ingest rate limit per agent token', () => {
  it('answers 429 with Retry-After past the limit, for that token only', async () => {
    const hot = (await createAgentToken(meta, { practice: 'A81001', agent: 'hot' })).token;
    const sibling = (await createAgentToken(meta, { practice: 'A81001', agent: 'sibling' })).token;
    const other = (await createAgentToken(meta, { practice: 'B82002', agent: 'srv1' })).token;
    const statuses: number[] = [];
    for (let i = 0; i < MAX; i++) statuses.push((await push(hot, `hot-${i}`)).status);
    expect(statuses).toEqual(Array(MAX).fill(200));
    const limited = await push(hot, `hot-${MAX}`);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: 'N3MON_ERR_RATE_LIMITED' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await push(sibling, 'sibling-0')).status).toBe(200);
    expect((await push(other, 'other-0')).status).toBe(200);
    const fams = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
    expect(fams.get('n3mon_ingest_requests_total')?.samples.find((s) => s.labels.result === 'rate_limited')?.value).toBe(1);
  });

  it("a bad token is refused as unauthorized before it can use anyone's budget", async () => {
    const res = await push('n3a_bogus', 'x-1');
    expect(res.status).toBe(401);
  });
});

describe('the agent and a series_limit refusal', () => {
  it('sets the refused sample aside alone with its rule; nothing is kept to send again', () => {
    const samples = [0, 1].map((i) => ({ metric: 'tcp_connect_ms', labels: { check: `tcp:${i}`, target: `t${i}` }, ts: 1_795_608_000_000, value: 1 }));
    const sorted = sortRefused({ batchId: 'b1', samples } as never, {
      batchId: 'b1',
      accepted: 1,
      duplicate: false,
      serverTime: 1_795_608_000_000,
      refused: [{ index: 1, rule: 'series_limit', problem: 'samples[1]: new series tcp_connect_ms refused: series limit' }],
    });
    expect(sorted?.retry).toEqual([]);
    expect(sorted?.setAside).toEqual([expect.objectContaining({ check: 'tcp:1', reason: expect.stringMatching(/^series_limit: /) })]);
  });
});
