/**
 * The alerts and maintenance API on a real collector (startCollector: real SQLite store and
 * meta.db, rule evaluator, alert manager), driven through inject().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import type { CompiledRule } from '../../../collector/src/evaluation/compiled.ts';
import type { EvaluationEvent } from '../../../collector/src/evaluation/events.ts';
import { openApiProblems } from '../collector/openapi-check.ts';

const M = 60_000;
let dir: string;
let c: RunningCollector;
let desk: string;
let practiceKey: string;
const t0 = Date.now() - 60 * M;

function event(kind: EvaluationEvent['kind'], practice: string, ruleId: string, at: number, extra: Partial<EvaluationEvent> = {}): EvaluationEvent {
  const rule = c.alerting.profiles.organisation.byId.get(ruleId) as CompiledRule;
  return {
    kind,
    practice,
    agent: 'srv1',
    seriesId: `${practice}-${ruleId}`,
    metric: 'icmp_loss_ratio',
    labels: { role: 'n3-gateway', target: '10.200.0.2', check: 'icmp:n3' },
    rule,
    area: 'national-link',
    at,
    startedAt: at - 2 * M,
    severity: kind === 'clear' ? 'ok' : 'critical',
    previous: kind === 'raise' ? 'ok' : 'critical',
    peak: 'critical',
    value: 0.05,
    ...extra,
  };
}

async function get(url: string, key = desk) {
  const r = await c.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { items?: Record<string, unknown>[] } };
}
async function send(method: 'POST' | 'PUT' | 'DELETE', url: string, payload: unknown, key = desk) {
  const r = await c.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${key}` } });
  return { status: r.statusCode, body: r.body === '' ? null : (r.json() as Record<string, unknown>) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-alerts-api-'));
  const config = parseCollectorConfig(
    {
      dataDir: dir,
      listen: { port: 0 },
      organisation: { name: 'Example ICB' },
      practices: [
        { ods: 'A81001', name: 'Example Surgery' },
        { ods: 'B82002', name: 'Riverside Medical Centre' },
      ],
      storage: { synchronous: 'normal' },
      alerting: { tickMs: 60_000 },
    },
    'test',
  );
  c = await startCollector(config, { log: silentLogger() });
  desk = (await createApiKey(c.meta, { role: 'servicedesk' })).key;
  practiceKey = (await createApiKey(c.meta, { role: 'practice', practice: 'B82002' })).key;
  const m = c.alerting.manager;
  m.onEvent(event('raise', 'A81001', 'n3-loss-mean', t0 + 5 * M));
  m.onEvent(event('raise', 'B82002', 'n3-loss-mean', t0 + 6 * M));
  m.onEvent(event('raise', 'B82002', 'n3-rtt-p95', t0 + 7 * M, { seriesId: 'B82002-rtt' }));
  m.onEvent(event('clear', 'B82002', 'n3-rtt-p95', t0 + 20 * M, { seriesId: 'B82002-rtt', endedAt: t0 + 20 * M }));
  await m.settle(); // the sink applies events in order, asynchronously
});

afterAll(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/alerts', () => {
  it('lists alerts newest first, filtered by state and practice', async () => {
    const all = await get('/api/v1/alerts');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items!.map((a) => [a.practice, (a.rule as { id: string }).id, a.state])).toEqual([
      ['B82002', 'n3-rtt-p95', 'resolved'],
      ['B82002', 'n3-loss-mean', 'open'],
      ['A81001', 'n3-loss-mean', 'open'],
    ]);
    const open = await get('/api/v1/alerts?state=open&practice=B82002');
    expect(open.body.items!.map((a) => a.id)).toEqual([all.body.items![1]!.id]);
    const resolved = all.body.items![0]!;
    expect(resolved).toMatchObject({
      startedAt: new Date(t0 + 5 * M).toISOString(),
      endedAt: new Date(t0 + 20 * M).toISOString(),
      durationMs: 15 * M,
      rule: { id: 'n3-rtt-p95', source: 'product default (ITU-T Y.1541 class 0 / G.114 basis)' },
      suppressed: false,
      acknowledged: null,
    });
    expect((await get('/api/v1/alerts?state=active')).body.total).toBe(2);
  });

  it('a practice key sees only its practice; asking for another is 403', async () => {
    const own = await get('/api/v1/alerts', practiceKey);
    expect(own.body.items!.every((a) => a.practice === 'B82002')).toBe(true);
    expect(own.body.total).toBe(2);
    expect((await get('/api/v1/alerts?practice=A81001', practiceKey)).status).toBe(403);
    const other = (await get('/api/v1/alerts?practice=A81001')).body.items![0]!;
    expect((await get(`/api/v1/alerts/${String(other.id)}`, practiceKey)).status).toBe(403);
  });

  it('bad parameters are 400 with path: message; no key is 401', async () => {
    const bad = await get('/api/v1/alerts?state=closed&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('N3MON_ERR_REQUEST_INVALID');
    expect(bad.body.problems).toEqual([
      'query.state: must be one of "open", "acknowledged", "resolved", "active" (got string "closed")',
      'query.limit: must be >= 1',
    ]);
    expect((await get('/api/v1/alerts?from=yesterday')).body.problems).toEqual(["query.from: not epoch ms or ISO 8601 ('yesterday')"]);
    const none = await c.app.inject({ method: 'GET', url: '/api/v1/alerts' });
    expect(none.statusCode).toBe(401);
  });
});

describe('POST /api/v1/alerts/:id/ack', () => {
  it('acknowledges with who (the key, never the body by) and a note; the history shows it', async () => {
    const target = (await get('/api/v1/alerts?practice=A81001')).body.items![0]!;
    const r = await send('POST', `/api/v1/alerts/${String(target.id)}/ack`, { by: 'Sam (service desk)', note: 'supplier ticket 4411' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'acknowledged', acknowledged: { note: 'supplier ticket 4411' } });
    expect((r.body!.acknowledged as { by: string }).by).toMatch(/^key [0-9a-f]{12}$/);
    const detail = await get(`/api/v1/alerts/${String(target.id)}`);
    expect((detail.body.history as { kind: string }[]).map((h) => h.kind)).toEqual(['raised', 'acknowledged']);
    expect((await get('/api/v1/alerts?state=acknowledged')).body.total).toBe(1);
  });

  it('a practice key acknowledges nothing, not even its own; unknown is 404', async () => {
    const own = (await get('/api/v1/alerts?practice=B82002&state=open', practiceKey)).body.items![0]!;
    const r = await send('POST', `/api/v1/alerts/${String(own.id)}/ack`, {}, practiceKey);
    expect(r.status).toBe(403);
    const a = (await get('/api/v1/alerts?practice=A81001')).body.items![0]!;
    expect((await send('POST', `/api/v1/alerts/${String(a.id)}/ack`, {}, practiceKey)).status).toBe(403);
    expect((await send('POST', '/api/v1/alerts/999999/ack', {})).status).toBe(404);
    expect((await send('POST', `/api/v1/alerts/${String(a.id)}/ack`, { who: 'x' })).body).toMatchObject({
      code: 'N3MON_ERR_REQUEST_INVALID',
      problems: ['body.who: unknown key (allowed: by, note)'],
    });
  });
});

describe('maintenance windows', () => {
  it('create, read, list, change, delete', async () => {
    const at = (h: number): string => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 2 * 86_400_000 + h * 3_600_000).toISOString();
    const start = at(18);
    const created = await send('POST', '/api/v1/maintenance', {
      practice: 'A81001',
      startsAt: start,
      endsAt: Date.parse(start) + 2 * 3_600_000,
      reason: 'router replacement',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ practice: 'A81001', startsAt: at(18), endsAt: at(20), reason: 'router replacement', active: false });
    const id = created.body!.id as number;
    expect((await get(`/api/v1/maintenance/${id}`)).body.reason).toBe('router replacement');
    expect((await get('/api/v1/maintenance?practice=A81001')).body.items!.map((w) => w.id)).toEqual([id]);
    const moved = await send('PUT', `/api/v1/maintenance/${id}`, { endsAt: at(21) });
    expect(moved.body).toMatchObject({ endsAt: at(21) });
    expect((await c.alerting.maintenance.covering('A81001', Date.parse(at(20.5))))?.id).toBe(id);
    expect((await send('DELETE', `/api/v1/maintenance/${id}`, undefined)).status).toBe(204);
    expect((await get(`/api/v1/maintenance/${id}`)).status).toBe(404);
    expect(await c.alerting.maintenance.covering('A81001', Date.parse(at(20.5)))).toBeUndefined();
  });

  it('checks the window and the practice; a practice key reads its own and writes none', async () => {
    const soon = Date.now() + 3_600_000;
    const back = await send('POST', '/api/v1/maintenance', { practice: 'A81001', startsAt: soon, endsAt: soon - 3_600_000, reason: 'x' });
    expect(back).toMatchObject({ status: 400, body: { problems: ['body.endsAt: must be after startsAt'] } });
    expect((await send('POST', '/api/v1/maintenance', { practice: 'C83003', startsAt: soon, endsAt: soon + 1000, reason: 'x' })).status).toBe(404);
    expect((await send('POST', '/api/v1/maintenance', { practice: 'A81001', startsAt: soon, endsAt: soon + 1000, reason: 'x' }, practiceKey)).status).toBe(403);
    expect(
      (await send('POST', '/api/v1/maintenance', { practice: 'B82002', startsAt: soon, endsAt: soon + 1000, reason: 'practice-planned work' }, practiceKey))
        .status,
    ).toBe(403);
    expect((await send('POST', '/api/v1/maintenance', { practice: 'B82002', startsAt: soon, endsAt: soon + 1000, reason: 'planned by the desk' })).status).toBe(
      201,
    );
    expect((await get('/api/v1/maintenance', practiceKey)).body.items!.map((w) => w.practice)).toEqual(['B82002']);
  });
});

describe('status from rule states', () => {
  it('a practice with no data is unknown; with data its status and areas come from the rules', async () => {
    const before = (await get('/api/v1/practices/A81001')).body;
    expect(before.status).toBe('unknown');
    const token = (await createAgentToken(c.meta, { practice: 'A81001', agent: 'srv1' })).token;
    const now = Date.now();
    const samples = [];
    for (let ts = now - 20 * M; ts < now; ts += 30_000) {
      samples.push({ metric: 'icmp_loss_ratio', labels: { role: 'n3-gateway', target: '10.200.0.2', check: 'icmp:n3' }, ts, value: 0 });
      samples.push({ metric: 'probe_success', labels: { role: 'n3-gateway', target: '10.200.0.2', check: 'icmp:n3', outcome: 'success' }, ts, value: 1 });
      samples.push({ metric: 'icmp_rtt_avg_ms', labels: { role: 'lan-gateway', target: '192.168.0.1', check: 'icmp:lan' }, ts, value: 30 });
    }
    const ingest = await c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: { batchId: 'b1', samples },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ingest.statusCode).toBe(200);
    await c.alerting.tick();
    const st = (await get('/api/v1/practices/A81001')).body;
    expect(st.status).toBe('critical');
    expect(st.openAlerts).toBe(2); // the injected n3-loss alert and the LAN one just raised
    expect((st.reasons as string[])[0]).toMatch(/^LAN gateway round-trip time \(15-min p95\): critical on 192\.168\.0\.1 \(30 ms\) since /);
    expect(st.areas).toEqual({ 'national-link': 'ok', lan: 'critical', agent: 'ok' });
    const list = (await get('/api/v1/practices?status=critical')).body;
    expect((list.items as { ods: string; areas: unknown }[]).map((p) => [p.ods, p.areas])).toEqual([
      ['A81001', { 'national-link': 'ok', lan: 'critical', agent: 'ok' }],
    ]);
    const view = c.alerting.status.statusOf('A81001');
    expect(view.areas).toEqual({ 'national-link': 'ok', lan: 'critical', agent: 'ok' });
    // critical since the first evaluation of the LAN breach (its window's first samples)
    expect(view.since).toBeGreaterThan(now - 20 * M);
    expect(view.since).toBeLessThan(now - 15 * M);
  });
});

describe('OpenAPI', () => {
  it('documents the alert and maintenance routes', async () => {
    const doc = (await c.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(openApiProblems(doc)).toEqual([]);
    expect(Object.keys(doc.paths['/api/v1/alerts'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/alerts/{id}/ack'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/maintenance/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
  });
});
