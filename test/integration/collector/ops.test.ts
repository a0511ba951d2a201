// /metrics, /openapi.json and /healthz through inject() with the real store.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, routesOf } from '../../../collector/src/app.ts';
import { parsePrometheusText } from '../../helpers/prom-text.ts';
import { openApiProblems } from './openapi-check.ts';
import { bearer, rtt, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const token = await h.token('A81001');
  const good = { batchId: 'm-1', samples: [rtt('192.0.2.1', Date.now() - 1000, 2), rtt('192.0.2.1', Date.now() - 2000, 3)] };
  for (const payload of [good, good, { batchId: 'm-2', samples: [{ value: 'x' }] }, { batchId: 'bad id' }])
    await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(token), payload });
  await h.app.inject({ method: 'POST', url: '/api/v1/ingest', payload: good });
});
afterAll(async () => h?.close());

describe('/metrics', () => {
  it('is Prometheus text with the ingest counters, store stats and one status per practice', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const fams = parsePrometheusText(res.body);
    const all = [...fams.values()].flatMap((f) => f.samples);
    const value = (name: string, labels: Record<string, string> = {}) =>
      all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('n3mon_ingest_requests_total', { result: 'accepted' })).toBe(1);
    expect(value('n3mon_ingest_requests_total', { result: 'duplicate' })).toBe(1);
    expect(value('n3mon_ingest_requests_total', { result: 'partial' })).toBe(1);
    expect(value('n3mon_ingest_requests_total', { result: 'invalid' })).toBe(1);
    expect(value('n3mon_ingest_requests_total', { result: 'unauthorized' })).toBe(1);
    expect(value('n3mon_ingest_samples_accepted_total')).toBe(2);
    expect(value('n3mon_ingest_duplicate_batches_total')).toBe(1);
    expect(value('n3mon_ingest_samples_rejected_total')).toBe(1);
    expect(value('n3mon_ingest_duration_seconds_count')).toBe(5);
    expect(value('n3mon_store_series')).toBe(1);
    expect(value('n3mon_collector_resident_memory_bytes')).toBeGreaterThan(10e6);
    expect(value('n3mon_practice_status', { practice: 'A81001', status: 'ok' })).toBe(1);
    expect(value('n3mon_practice_status', { practice: 'B82002', status: 'unknown' })).toBe(1);
    for (const ods of ['A81001', 'B82002']) {
      const rows = fams.get('n3mon_practice_status')!.samples.filter((s) => s.labels.practice === ods);
      expect(rows.map((r) => r.labels.status).sort()).toEqual(['critical', 'ok', 'unknown', 'warning']);
      expect(rows.reduce((a, r) => a + r.value, 0)).toBe(1);
    }
    expect(value('n3mon_practices', { status: 'unknown' })).toBe(1);
  });

  it('documents every metric family in docs/api.md', async () => {
    const fams = parsePrometheusText((await h.app.inject({ method: 'GET', url: '/metrics' })).body);
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(n3mon_[a-z_]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(documented.sort()).toEqual([...fams.values()].map((f) => [f.name, f.type]).sort());
  });
});

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3 document listing every route with its security', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(openApiProblems(doc)).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`),
    );
    // Every route the app serves is in the document (other modules add theirs through the registry).
    const served = routesOf(h.app)
      .filter((r) => !r.hidden)
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThanOrEqual(7);
    expect(ops.sort()).toEqual([...new Set(served)].sort());
    expect(ops).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
        'POST /api/v1/ingest',
        'GET /api/v1/practices',
        'GET /api/v1/practices/{ods}',
        'GET /api/v1/practices/{ods}/series',
      ]),
    );
    expect(doc.paths['/api/v1/ingest'].post.security).toEqual([{ agentToken: [] }]);
    expect(doc.paths['/api/v1/practices'].get.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(doc.paths['/api/v1/ingest'].post.responses).sort()).toEqual(['200', '400', '401', '413', '415', '429', '503']);
    // The ingest body schema is the wire schema itself.
    expect(doc.paths['/api/v1/ingest'].post.requestBody.content['application/json'].schema.properties.samples.maxItems).toBe(20_000);
  });

  it('the check finds real mistakes', () => {
    expect(openApiProblems({ openapi: '2.0', info: {}, paths: { '/x/{id}': { get: { responses: { 200: {} }, security: [{ nope: [] }] } } } })).toEqual([
      'openapi: not 3.0.x or 3.1.x (2.0)',
      'info: needs title and version strings',
      'GET /x/{id}: {id} has no path parameter',
      'GET /x/{id}: response 200 needs a description',
      'GET /x/{id}: security scheme nope is not defined',
    ]);
  });
});

describe('/healthz', () => {
  it('is 200 with a writable store, 503 while shutting down', async () => {
    const ok = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ok', reasons: [], store: { backend: 'sqlite', writable: true }, inflightBatches: 0 });
    const lifecycle = { shuttingDown: false };
    const app = await buildApp({ config: h.config, log: h.app.log as never, store: h.store, meta: h.meta, lifecycle });
    try {
      lifecycle.shuttingDown = true;
      const down = await app.inject({ method: 'GET', url: '/healthz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ status: 'unavailable', reasons: ['shutting down'] });
      const ingest = await app.inject({ method: 'POST', url: '/api/v1/ingest', payload: {} });
      expect(ingest.statusCode).toBe(503);
      expect(ingest.json()).toMatchObject({ code: 'N3MON_ERR_UNAVAILABLE' });
      expect(ingest.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
    }
  });
});
