/**
 * Route × role: every route of a real collector's /openapi.json, called by each kind of caller,
 * answers as the table in docs/api.md ("Who may do what") says — the doc is the spec. A route the
 * table does not list fails here, so a new route cannot ship without a decision. Callers reach the
 * collector from a non-loopback address (an inject() label: nothing leaves the process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { InjectOptions } from 'fastify';
import { A, CALLERS, PASSWORD, startLab, type Caller, type Lab } from './fixture.ts';

type Expect = 'yes' | 'own' | '401' | '403';

/** The route × role table of docs/api.md: `GET /api/v1/practices/:ods` → { admin: 'yes', … }. */
function roleTable(): Map<string, Record<Caller, Expect>> {
  const md = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  const start = md.indexOf('<!-- route-role-table');
  expect(start, 'docs/api.md has the route-role-table marker').toBeGreaterThan(0);
  const lines = md.slice(start).split('\n').slice(1);
  const header = (lines[0] ?? '')
    .split('|')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  expect(header).toEqual(['route', ...CALLERS]);
  const table = new Map<string, Record<Caller, Expect>>();
  for (const line of lines.slice(2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const route = (cells[0] ?? '').replaceAll('`', '');
    const row = Object.fromEntries(CALLERS.map((caller, i) => [caller, cells[i + 1]])) as Record<Caller, Expect>;
    for (const v of Object.values(row)) expect(['yes', 'own', '401', '403'], `${route}: ${v}`).toContain(v);
    table.set(route, row);
  }
  return table;
}

let lab: Lab;
let routes: { method: string; path: string }[];

beforeAll(async () => {
  lab = await startLab();
  const doc = (await lab.c.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => ({ method: m.toUpperCase(), path })));
}, 60_000);
afterAll(async () => lab?.close());

/** A one-time enrolment code for practice A, made through the API by the service desk. */
async function enrolmentCode(): Promise<string> {
  const r = await lab.call({ method: 'POST', url: '/api/v1/enrolments', headers: lab.headers('desk key'), payload: { practice: A, uses: 1 } });
  expect(r.statusCode, r.body).toBe(200);
  return (r.json() as { code: string }).code;
}

/** A national incident with practice A and a third practice (not B, the 'other practice') as members; returns its id. */
async function nationalIncident(): Promise<number> {
  const at = Date.now() - 600_000;
  const store = lab.c.alerting.incidents;
  const i = await store.insert(
    {
      key: 'n3-loss-mean|provider:Lab',
      ruleId: 'n3-loss-mean',
      scope: { kind: 'provider', value: 'Lab' },
      title: 'lab',
      area: 'national-link',
      state: 'open',
      startedAt: at,
      openedAt: at,
      endedAt: null,
      practices: 2,
      peakPractices: 2,
      monitoring: 2,
    },
    Date.now(),
  );
  const members = [];
  for (const p of [A, 'C83003']) members.push({ alertId: await lab.raise(p), practice: p, startedAt: at, endedAt: null });
  await store.setMembers(i.id, members);
  return i.id;
}

/** The request for one route: path parameters of practice A, and a body the route accepts. */
async function requestFor(method: string, path: string): Promise<InjectOptions> {
  const id = path.startsWith('/api/v1/alerts/')
    ? String(await lab.raise(A))
    : path.startsWith('/api/v1/maintenance/')
      ? String(await lab.window(A))
      : path.startsWith('/api/v1/incidents/')
        ? String(await nationalIncident())
        : '000000000000';
  const url = path.replace('{ods}', A).replace('{id}', id).replace('{month}', '2026-10').replace('{username}', 'walker').replace('{name}', 'no-such-agent');
  const query: Record<string, string> = {
    '/api/v1/practices/{ods}/series': '?metric=icmp_rtt_avg_ms',
    '/api/v1/reports/{ods}/{month}': '?format=csv',
    '/api/v1/reports/organisation/{month}': '?format=csv',
  };
  const soon = Date.now() + 3_600_000;
  const bodies: Record<string, unknown> = {
    'POST /api/v1/maintenance': { practice: A, startsAt: soon, endsAt: soon + 3_600_000, reason: 'router swap' },
    'PUT /api/v1/maintenance/{id}': { reason: 'router swap, moved' },
    'POST /api/v1/alerts/{id}/ack': { note: 'ticket 1' },
    'POST /api/v1/users': { username: `u${Math.random().toString(36).slice(2, 10)}`, role: 'servicedesk' },
    'PATCH /api/v1/users/{username}': { disabled: false },
    'POST /api/v1/session': { username: 'walker', password: PASSWORD },
    'POST /api/v1/ingest': { batchId: 'roles-walk', samples: [] },
    'POST /api/v1/enrolments': { practice: A, uses: 1 },
    'POST /api/v1/enrol': path === '/api/v1/enrol' ? { code: await enrolmentCode(), name: `walk-${Math.random().toString(36).slice(2, 8)}` } : undefined,
  };
  const body = bodies[`${method} ${path}`];
  return { method: method as InjectOptions['method'], url: url + (query[path] ?? ''), ...(body === undefined ? {} : { payload: body as object }) };
}

describe('every route of /openapi.json answers each caller as docs/api.md says', () => {
  it('the table lists exactly the routes of the OpenAPI document', () => {
    const table = roleTable();
    const documented = routes.map((r) => `${r.method} ${r.path.replace(/\{(\w+)\}/g, ':$1')}`).sort();
    expect([...table.keys()].sort()).toEqual(documented);
  });

  it('each caller gets the class of answer the table gives', async () => {
    const table = roleTable();
    const wrong: string[] = [];
    let calls = 0;
    for (const { method, path } of routes) {
      const row = table.get(`${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
      if (row === undefined) continue; // the test above names it
      for (const caller of CALLERS) {
        const req = await requestFor(method, path);
        const res = await lab.call({ ...req, headers: { ...lab.headers(caller), ...(req.headers as Record<string, string> | undefined) } });
        calls++;
        const want = row[caller];
        const got = res.statusCode;
        const label = `${method} ${path} as ${caller}: want ${want}, got ${got} ${res.body.slice(0, 160)}`;
        if (got >= 500) wrong.push(label);
        else if (want === '401' || want === '403') {
          if (String(got) !== want) wrong.push(label);
        } else if (got === 401 || got === 403) wrong.push(label);
        else if (want === 'own') {
          const body = res.json() as { items?: { practice?: string; ods?: string; members?: { practice: string }[] }[] };
          const seen = new Set((body.items ?? []).flatMap((i) => (i.members === undefined ? [i.practice ?? i.ods] : i.members.map((m) => m.practice))));
          const mine = lab.practiceOf(caller);
          if (got !== 200 || (mine !== undefined && [...seen].some((p) => p !== mine))) wrong.push(`${label} (practices seen: ${[...seen].join(', ')})`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(calls).toBe(routes.length * CALLERS.length);
  }, 120_000);

  it('a practice principal writes no window and acknowledges nothing, even of its own practice', async () => {
    for (const caller of ['practice key', 'practice user'] as const) {
      const w = await lab.window(A);
      const before = await lab.c.alerting.maintenance.get(w);
      expect((await lab.call({ method: 'DELETE', url: `/api/v1/maintenance/${w}`, headers: lab.headers(caller) })).statusCode).toBe(403);
      expect(
        (
          await lab.call({
            method: 'PUT',
            url: `/api/v1/maintenance/${w}`,
            headers: lab.headers(caller),
            payload: { startsAt: 1_000_000_000_000, correction: true },
          })
        ).statusCode,
      ).toBe(403);
      expect(await lab.c.alerting.maintenance.get(w)).toEqual(before);
      const alert = await lab.raise(A);
      const ack = await lab.call({ method: 'POST', url: `/api/v1/alerts/${alert}/ack`, headers: lab.headers(caller), payload: { by: 'Sam from the desk' } });
      expect(ack.statusCode).toBe(403);
      expect((await lab.c.alerting.alerts.get(alert))?.ack).toBeNull();
    }
  });

  it('the acknowledging name is the principal, never the body', async () => {
    const viaKey = await lab.call({
      method: 'POST',
      url: `/api/v1/alerts/${await lab.raise(A)}/ack`,
      headers: lab.headers('desk key'),
      payload: { by: 'Someone Else', note: 'n' },
    });
    expect(viaKey.statusCode).toBe(200);
    expect((viaKey.json() as { acknowledged: { by: string } }).acknowledged.by).toMatch(/^key [0-9a-f]{12} \(grafana\)$/);
    const viaUser = await lab.call({
      method: 'POST',
      url: `/api/v1/alerts/${await lab.raise(A)}/ack`,
      headers: lab.headers('desk user'),
      payload: { by: 'Someone Else' },
    });
    expect((viaUser.json() as { acknowledged: { by: string } }).acknowledged.by).toBe('desk.one');
  });
});
