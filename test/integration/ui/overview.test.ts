// GET /api/v1/overview through inject(), on the real meta.db: filtering, counting, sorting and
// paging on the server, RAG per area from the status provider (the seam alert rules fill; here a
// fixed table of states), since when, and a practice key seeing only its practice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../collector/src/app.ts';
import { openSeriesStore } from '../../../collector/src/collector.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { createApiKey } from '../../../collector/src/auth/credentials.ts';
import type { TypedApp } from '../../../collector/src/context.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import type { StatusWithAreas } from '../../../collector/src/routes/overview/rows.ts';
import type { StatusProvider } from '../../../collector/src/status/provider.ts';
import { silentLogger } from '../../../shared/src/log.ts';

const NOW = Date.UTC(2026, 10, 25, 9, 0);
const H = 3600_000;
const PRACTICES = [
  { ods: 'A81001', name: 'Riverside Medical Centre' },
  { ods: 'B82002', name: 'Hillside Surgery' },
  { ods: 'C83003', name: 'Valley Health Centre' },
  { ods: 'D84004', name: 'Moorland Practice' },
  { ods: 'E85005', name: 'Hillview Surgery' },
];
/** Rule states as the alerting status would give them. */
const STATES: Record<string, StatusWithAreas> = {
  A81001: {
    status: 'ok',
    openAlerts: 0,
    reasons: [],
    areas: { 'national-apps': 'ok', 'national-link': 'ok', lan: 'ok', servers: 'ok', agent: 'ok' },
    since: null,
  },
  B82002: {
    status: 'warning',
    openAlerts: 1,
    reasons: ['Server disk used: warning on /'],
    areas: { lan: 'ok', servers: 'warning', agent: 'ok' },
    since: NOW - 2 * H,
  },
  C83003: {
    status: 'critical',
    openAlerts: 4,
    reasons: ['National link round-trip time: critical', 'and more'],
    areas: { 'national-link': 'critical', 'national-apps': 'warning', agent: 'ok' },
    since: NOW - 5 * H,
  },
  E85005: { status: 'critical', openAlerts: 1, reasons: ['LAN gateway loss: critical'], areas: { lan: 'critical', agent: 'ok' }, since: NOW - 1 * H },
};
const status: StatusProvider = {
  statusOf: (ods) => STATES[ods] ?? { status: 'unknown', openAlerts: 0, reasons: ['no agent has reported yet'] },
};

let dir: string;
let meta: Meta;
let store: SeriesStore;
let app: TypedApp;
let desk: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-overview-'));
  const config = parseCollectorConfig({ dataDir: dir, practices: PRACTICES }, 'test');
  meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(config.practices, NOW);
  store = openSeriesStore(config, silentLogger());
  app = await buildApp({ config, log: silentLogger(), store, meta, status, clock: { now: () => NOW, monotonic: () => performance.now() } });
  desk = (await createApiKey(meta, { role: 'servicedesk' })).key;
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  void meta?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function overview(query: string, key = desk): Promise<any> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/overview${query}`, headers: { authorization: `Bearer ${key}` } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
const odsOf = (r: { items: { ods: string }[] }) => r.items.map((i) => i.ods);

describe('GET /api/v1/overview', () => {
  it('lists worst first — longest in trouble first within a status — with areas, since and why', async () => {
    const r = await overview('');
    expect(odsOf(r)).toEqual(['C83003', 'E85005', 'B82002', 'D84004', 'A81001']);
    expect(r.counts).toEqual({ ok: 1, warning: 1, critical: 2, unknown: 1 });
    expect(r.areas).toEqual(['national-apps', 'national-link', 'lan', 'branch-link', 'servers', 'agent']);
    expect(r.items[0]).toEqual({
      ods: 'C83003',
      name: 'Valley Health Centre',
      status: 'critical',
      since: NOW - 5 * H,
      lastSeen: null,
      openAlerts: 4,
      areas: { 'national-apps': 'warning', 'national-link': 'critical', lan: null, 'branch-link': null, servers: null, agent: 'ok' },
      reason: 'National link round-trip time: critical',
    });
    // Nothing judges D84004 and no agent ever reported: agent unknown, no since.
    expect(r.items[3]).toMatchObject({ ods: 'D84004', status: 'unknown', since: null, areas: { agent: 'unknown', lan: null } });
    expect(r.items[4]).toMatchObject({ ods: 'A81001', since: null });
  });

  it('filters by several statuses and by a problem area; counts ignore those filters', async () => {
    const bad = await overview('?status=critical,warning');
    expect(odsOf(bad)).toEqual(['C83003', 'E85005', 'B82002']);
    expect(bad.total).toBe(3);
    expect(bad.counts).toEqual({ ok: 1, warning: 1, critical: 2, unknown: 1 });
    expect(odsOf(await overview('?area=lan'))).toEqual(['E85005']);
    expect(odsOf(await overview('?area=national-apps'))).toEqual(['C83003']);
  });

  it('searches ODS code and name, case-insensitively; counts follow the search', async () => {
    const hill = await overview('?q=HILL');
    expect(odsOf(hill)).toEqual(['E85005', 'B82002']);
    expect(hill.counts).toEqual({ ok: 0, warning: 1, critical: 1, unknown: 0 });
    expect(odsOf(await overview('?q=a81'))).toEqual(['A81001']);
  });

  it('sorts by name, since, open alerts, either way, and pages', async () => {
    expect(odsOf(await overview('?sort=name'))).toEqual(['B82002', 'E85005', 'D84004', 'A81001', 'C83003']);
    expect(odsOf(await overview('?sort=since'))).toEqual(['C83003', 'B82002', 'E85005', 'A81001', 'D84004']);
    expect(odsOf(await overview('?sort=openAlerts'))).toEqual(['C83003', 'B82002', 'E85005', 'A81001', 'D84004']);
    expect(odsOf(await overview('?sort=ods&dir=desc'))).toEqual(['E85005', 'D84004', 'C83003', 'B82002', 'A81001']);
    const page2 = await overview('?sort=ods&limit=2&offset=2');
    expect(odsOf(page2)).toEqual(['C83003', 'D84004']);
    expect(page2).toMatchObject({ total: 5, offset: 2, limit: 2 });
  });

  it('shows a practice key its practice only', async () => {
    const own = (await createApiKey(meta, { role: 'practice', practice: 'B82002' })).key;
    const r = await overview('', own);
    expect(odsOf(r)).toEqual(['B82002']);
    expect(r.counts).toEqual({ ok: 0, warning: 1, critical: 0, unknown: 0 });
  });

  it('explains a bad query as path: message', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/overview?status=red&limit=0&colour=blue', headers: { authorization: `Bearer ${desk}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('N3MON_ERR_REQUEST_INVALID');
    expect(res.json().problems.join('\n')).toMatch(/query\.status/);
    expect((await app.inject({ method: 'GET', url: '/api/v1/overview' })).statusCode).toBe(401);
  });
});
