// Auth and the read API through inject(), against the real SQLite store: what goes in through
// ingest comes back through /series with the right aggregates; keys see only what they may.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, rtt, startHarness, type Harness } from './harness.ts';
import type { WireSample } from '../../../shared/src/wire.ts';

let h: Harness;
let desk: string;
let ownKey: string;
let agentToken: string;
const MIN = 60_000;
// Five whole minutes that ended at least 10 minutes ago (inside the default 1 h window).
const base = Math.floor((Date.now() - 40 * MIN) / MIN) * MIN;

function probe(check: string, ok: boolean, ts: number): WireSample {
  return { metric: 'probe_success', labels: { check, role: 'lan-gateway', target: '192.0.2.1', outcome: ok ? 'success' : 'timeout' }, ts, value: ok ? 1 : 0 };
}

beforeAll(async () => {
  h = await startHarness();
  desk = await h.key('servicedesk');
  ownKey = await h.key('practice', 'A81001');
  agentToken = await h.token('A81001', 'srv1');
  // Minute m holds values m*10 + 1..20 for target .1; target .2 a constant 5.
  const samples: WireSample[] = [];
  for (let m = 0; m < 5; m++) {
    for (let i = 1; i <= 20; i++) samples.push(rtt('192.0.2.1', base + m * MIN + i * 2000, m * 10 + i));
    samples.push(rtt('192.0.2.2', base + m * MIN, 5));
  }
  samples.push(probe('icmp:192.0.2.1', true, Date.now() - 2 * MIN), probe('icmp:192.0.2.1', false, Date.now() - MIN));
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(agentToken), payload: { batchId: 'seed-1', samples } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => h?.close());

const get = (url: string, credential?: string) => h.app.inject({ method: 'GET', url, headers: credential === undefined ? {} : bearer(credential) });

describe('authentication and authorisation', () => {
  it.each([
    ['no header', undefined, 'N3MON_ERR_AUTH_MISSING'],
    ['not Bearer', 'Basic dXNlcjpwYXNz', 'N3MON_ERR_AUTH_MISSING'],
    ['garbage token', 'Bearer n3k_nothing', 'N3MON_ERR_AUTH_INVALID'],
  ])('read API, %s → 401 with WWW-Authenticate: Bearer', async (_n, header, code) => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/practices', headers: header === undefined ? {} : { authorization: header } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="n3mon"/);
    expect(res.json()).toMatchObject({ statusCode: 401, code, error: 'Unauthorized' });
  });

  it('an agent token cannot read', async () => {
    expect((await get('/api/v1/practices', agentToken)).statusCode).toBe(401);
  });

  it('a practice key sees its practice only: 403 for another, listed alone', async () => {
    expect((await get('/api/v1/practices/A81001', ownKey)).statusCode).toBe(200);
    const other = await get('/api/v1/practices/B82002', ownKey);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'N3MON_ERR_AUTH_FORBIDDEN', message: 'this key may read practice A81001 only' });
    expect((await get('/api/v1/practices/B82002/series?metric=icmp_rtt_avg_ms', ownKey)).statusCode).toBe(403);
    // Unknown practices are 403 too for a practice key: it learns nothing about what exists.
    expect((await get('/api/v1/practices/ZZZ999', ownKey)).statusCode).toBe(403);
    const list = await get('/api/v1/practices', ownKey);
    expect(list.json().items.map((p: { ods: string }) => p.ods)).toEqual(['A81001']);
  });

  it('servicedesk: 404 for an unknown ODS code, 400 for a malformed one', async () => {
    const unknown = await get('/api/v1/practices/ZZZ999', desk);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'N3MON_ERR_NOT_FOUND', message: 'practice ZZZ999 is not known' });
    const bad = await get('/api/v1/practices/a81001', desk);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems).toEqual(['params.ods: must match pattern "^[A-Z0-9]{3,10}$"']);
  });

  it('never writes a credential into the log', async () => {
    await get('/api/v1/practices', 'n3k_0123456789ab_secretsecretsecretsecretsecretsecretsecret12');
    await h.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: bearer(agentToken), payload: 'nope' });
    const text = h.logText();
    expect(text).toContain('request rejected');
    expect(text).not.toContain(agentToken);
    expect(text).not.toContain(agentToken.slice(17));
    expect(text).not.toContain('secretsecret');
    expect(text).not.toContain(desk.slice(17));
  });
});

describe('practices', () => {
  it('lists every practice with status, last seen, open alerts and sites', async () => {
    const res = await get('/api/v1/practices', desk);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 2, offset: 0, limit: 100, counts: { ok: 0, warning: 1, critical: 0, unknown: 1 } });
    expect(body.items[0]).toMatchObject({
      ods: 'A81001',
      name: 'Example Surgery',
      status: 'warning',
      openAlerts: 0,
      sites: [{ name: 'Main' }, { name: 'Branch' }],
    });
    expect(Date.parse(body.items[0].lastSeen)).toBeGreaterThan(Date.now() - MIN);
    expect(body.items[1]).toEqual({ ods: 'B82002', name: 'Riverside Medical Centre', status: 'unknown', lastSeen: null, openAlerts: 0, sites: [] });
  });

  it('filters by status and text, sorts and pages', async () => {
    const q = async (qs: string) => (await get(`/api/v1/practices?${qs}`, desk)).json();
    expect((await q('status=unknown')).items.map((p: { ods: string }) => p.ods)).toEqual(['B82002']);
    expect((await q('q=riverside')).items.map((p: { ods: string }) => p.ods)).toEqual(['B82002']);
    expect((await q('q=a81')).total).toBe(1);
    expect((await q('sort=status')).items.map((p: { status: string }) => p.status)).toEqual(['warning', 'unknown']);
    const page = await q('limit=1&offset=1');
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.items.map((p: { ods: string }) => p.ods)).toEqual(['B82002']);
    const bad = await get('/api/v1/practices?limit=0&status=red&colour=1', desk);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'N3MON_ERR_REQUEST_INVALID' });
    expect(bad.json().problems).toEqual([
      'query.limit: must be >= 1',
      'query.status: must be one of "ok", "warning", "critical", "unknown" (got string "red")',
      'query.colour: unknown key (allowed: status, q, sort, limit, offset)',
    ]);
  });

  it('shows a practice: why its status, agents, checks and metrics', async () => {
    const res = await get('/api/v1/practices/A81001', desk);
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p.status).toBe('warning');
    expect(p.reasons).toEqual([expect.stringMatching(/^check icmp:192\.0\.2\.1 on agent srv1 failed \(timeout\) at /)]);
    expect(p.agents.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['srv1']));
    expect(p.checks).toContainEqual({
      agent: 'srv1',
      check: 'icmp:192.0.2.2',
      role: 'lan-gateway',
      target: '192.0.2.2',
      metrics: ['icmp_rtt_avg_ms'],
      series: 1,
      lastTs: base + 4 * MIN,
    });
    expect(p.checks.find((c: { check: string }) => c.check === 'icmp:192.0.2.1')).toMatchObject({ metrics: ['icmp_rtt_avg_ms', 'probe_success'], series: 3 });
    expect(p.metrics).toEqual([
      { metric: 'icmp_rtt_avg_ms', series: 2 },
      { metric: 'probe_success', series: 2 },
    ]);
  });
});

describe('series', () => {
  it('returns what ingest stored, aggregated per step', async () => {
    const res = await get(`/api/v1/practices/A81001/series?metric=icmp_rtt_avg_ms&target=192.0.2.1&from=${base}&to=${base + 5 * MIN}&step=1m`, desk);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ practice: 'A81001', metric: 'icmp_rtt_avg_ms', from: base, to: base + 5 * MIN, stepMs: MIN });
    expect(body.series).toHaveLength(1);
    const s = body.series[0];
    expect(s).toMatchObject({ agent: 'srv1', labels: { check: 'icmp:192.0.2.1', role: 'lan-gateway', target: '192.0.2.1' } });
    expect(s.points).toHaveLength(5);
    s.points.forEach((p: Record<string, number>, m: number) => {
      // Values m*10 + 1..20: mean m*10 + 10.5, nearest-rank p50 = 10th = m*10 + 10, p95 = 19th.
      expect(p).toMatchObject({ ts: base + m * MIN, count: 20, min: m * 10 + 1, max: m * 10 + 20 });
      expect(p.mean).toBeCloseTo(m * 10 + 10.5, 9);
      expect(Math.abs(p.p50! - (m * 10 + 10)) / (m * 10 + 10)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(p.p95! - (m * 10 + 19)) / (m * 10 + 19)).toBeLessThanOrEqual(0.01);
    });
  });

  it('merges buckets for a wider step and filters by label and agent', async () => {
    const res = await get(
      `/api/v1/practices/A81001/series?metric=icmp_rtt_avg_ms&from=${new Date(base).toISOString()}&to=${new Date(base + 5 * MIN).toISOString()}&step=5m&agent=srv1`,
      desk,
    );
    const body = res.json();
    expect(body.series.map((s: { labels: { target: string } }) => s.labels.target)).toEqual(['192.0.2.1', '192.0.2.2']);
    const wide = body.series[0].points;
    // 5-minute buckets align to the epoch; the 5 minutes may straddle two of them.
    expect(wide.reduce((a: number, p: { count: number }) => a + p.count, 0)).toBe(100);
    expect(Math.min(...wide.map((p: { min: number }) => p.min))).toBe(1);
    expect(Math.max(...wide.map((p: { max: number }) => p.max))).toBe(60);
    expect(body.series[1].points.every((p: Record<string, number>) => p.min === 5 && p.max === 5 && p.p50 === 5 && p.p95 === 5)).toBe(true);
    const none = (await get(`/api/v1/practices/A81001/series?metric=icmp_rtt_avg_ms&agent=nobody`, desk)).json();
    expect(none.series).toEqual([]);
  });

  it('defaults to the last hour with an automatic step', async () => {
    const body = (await get('/api/v1/practices/A81001/series?metric=icmp_rtt_avg_ms&target=192.0.2.2', desk)).json();
    expect(body.stepMs).toBe(15_000);
    expect(body.to - body.from).toBe(3_600_000);
    expect(body.series[0].points.map((p: { count: number }) => p.count)).toEqual([1, 1, 1, 1, 1]);
  });

  it('refuses bad parameters with every problem', async () => {
    const res = await get('/api/v1/practices/A81001/series?metric=bad%20name&from=soon&step=1x&practice=B82002', desk);
    expect(res.statusCode).toBe(400);
    expect(res.json().problems).toEqual(['query.metric: must match pattern "^[a-zA-Z_:][a-zA-Z0-9_:]*$"']);
    const res2 = await get('/api/v1/practices/A81001/series?metric=m&from=soon&step=1x&practice=B82002', desk);
    expect(res2.json().problems).toEqual([
      'query.practice: not a label filter (the practice is in the path; use agent= for the agent)',
      'query.from: "soon" is not epoch ms or an ISO 8601 time',
      'query.step: "1x" is not a duration (ms, or e.g. 30s, 1m, 1h, 1d)',
    ]);
    expect((await get('/api/v1/practices/A81001/series', desk)).json().problems).toEqual(['query.metric: missing required key']);
  });
});
