/**
 * Bounds on every input (issue 11 point 2), against a real collector: instants within 2000 … now +
 * 2 years, windows in the past only as an audited correction, a cap on a practice's windows,
 * string limits that count code points (not graphemes), and a fuzz of every write route's body
 * fields — each refusal a 400 with `path: message`, nothing a 500, and every read still answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import type { InjectOptions } from 'fastify';
import { A, PASSWORD, startLab, type Caller, type Lab } from './fixture.ts';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
}, 60_000);
afterAll(async () => lab?.close());

const HOUR = 3_600_000;
const COMBINING = `a${'\u0301'.repeat(500_000)}`; // one grapheme, 500,001 code points, ~1 MB of UTF-8

async function send(caller: Caller, method: InjectOptions['method'], url: string, payload?: unknown) {
  const r = await lab.call({ method, url, headers: lab.headers(caller), ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: r.statusCode, body: (r.body === '' ? null : r.json()) as { problems?: string[]; items?: unknown[]; code?: string } | null };
}

/** Every read the service desk makes still answers 200. */
async function readsStillWork(): Promise<void> {
  for (const url of [
    '/api/v1/maintenance',
    '/api/v1/alerts',
    '/api/v1/practices',
    '/api/v1/overview',
    '/api/v1/users',
    '/api/v1/audit',
    `/api/v1/practices/${A}`,
  ]) {
    const r = await send('admin', 'GET', url);
    expect(r.status, `${url}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(200);
  }
}

describe('instants', () => {
  it('startsAt 9e15 is a 400 with path: message, and the list still answers (it was a 500, and broke every later list)', async () => {
    const r = await send('desk key', 'POST', '/api/v1/maintenance', { practice: A, startsAt: 9e15, endsAt: 9e15 + HOUR, reason: 'far future' });
    expect(r.status).toBe(400);
    expect(r.body?.problems).toEqual([
      expect.stringMatching(/^body\.startsAt: must be between 2000-01-01T00:00:00Z and two years from now/),
      expect.stringMatching(/^body\.endsAt: must be between/),
    ]);
    await readsStillWork();
  });

  it('refuses instants before 2000 or more than two years ahead, in bodies and queries', async () => {
    const soon = Date.now() + HOUR;
    for (const [startsAt, endsAt] of [
      ['1999-12-31T23:00:00Z', soon],
      [soon, Date.now() + 3 * 365 * 86_400_000],
      [soon, '9999-12-31T00:00:00Z'],
      [soon, 99_999_999_999_999],
    ] as const) {
      const r = await send('desk key', 'POST', '/api/v1/maintenance', { practice: A, startsAt, endsAt, reason: 'x', correction: true });
      expect(r.status, JSON.stringify([startsAt, endsAt])).toBe(400);
      expect(r.body?.problems?.every((p) => /^body\.(startsAt|endsAt): /.test(p))).toBe(true);
    }
    for (const url of [
      '/api/v1/maintenance?from=99999999999999',
      '/api/v1/alerts?to=99999999999999',
      '/api/v1/alerts?from=1970-01-01',
      '/api/v1/audit?since=99999999999999',
      `/api/v1/practices/${A}/series?metric=icmp_rtt_avg_ms&from=99999999990000&to=99999999999999`,
    ]) {
      const r = await send('admin', 'GET', url);
      expect(r.status, url).toBe(400);
      expect(r.body?.problems?.[0], url).toMatch(/^query\.(from|to|since): must be between/);
    }
    for (const month of ['9999-12', '0000-01', '1970-01']) {
      const r = await send('admin', 'GET', `/api/v1/reports/${A}/${month}?format=csv`);
      expect(r.status, month).toBe(400);
      expect(r.body?.problems, month).toEqual([expect.stringMatching(/^params\.month: must match/)]);
    }
    // Beyond what a number holds exactly: not an instant at all.
    expect((await send('admin', 'GET', '/api/v1/maintenance?to=9999999999999999')).body?.problems).toEqual([
      "query.to: not epoch ms or ISO 8601 ('9999999999999999')",
    ]);
  });
});

describe('maintenance windows', () => {
  it('a window beginning more than 15 minutes ago is a correction: refused without correction: true, audited with it', async () => {
    const start = Date.now() - 2 * HOUR;
    const plain = await send('desk key', 'POST', '/api/v1/maintenance', { practice: A, startsAt: start, endsAt: start + HOUR, reason: 'it was down anyway' });
    expect(plain.status).toBe(400);
    expect(plain.body?.problems).toEqual([expect.stringMatching(/^body\.startsAt: more than 15 minutes before now .*"correction": true/)]);
    const fixed = await send('desk user', 'POST', '/api/v1/maintenance', {
      practice: A,
      startsAt: start,
      endsAt: start + HOUR,
      reason: 'planned work the desk forgot to enter',
      correction: true,
    });
    expect(fixed.status).toBe(201);
    const id = (fixed.body as unknown as { id: number }).id;
    const audit = (await lab.c.meta.audit.list({ action: 'maintenance.correct', limit: 10, offset: 0 })).items.filter((e) => e.target === `maintenance:${id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'user:desk.one', practice: A });
    // Moving a window's edge into the past is a correction too; a future change is not.
    const w = await lab.window(A);
    expect((await send('desk key', 'PUT', `/api/v1/maintenance/${w}`, { startsAt: Date.now() - HOUR })).status).toBe(400);
    expect((await send('desk key', 'PUT', `/api/v1/maintenance/${w}`, { reason: 'moved by a day', startsAt: Date.now() + 2 * HOUR })).status).toBe(200);
  });

  it('a practice has at most 50 windows that have not ended', async () => {
    const ods = 'B82002';
    const made: number[] = [];
    for (let i = 0; i < 60; i++) {
      const start = Date.now() + (i + 1) * 86_400_000;
      const r = await send('desk key', 'POST', '/api/v1/maintenance', { practice: ods, startsAt: start, endsAt: start + HOUR, reason: `window ${i}` });
      if (r.status !== 201) {
        expect(r.status).toBe(400);
        expect(r.body?.problems).toEqual([expect.stringMatching(/^body\.practice: B82002 already has 50 windows that have not ended/)]);
        break;
      }
      made.push((r.body as unknown as { id: number }).id);
    }
    expect(made).toHaveLength(50);
    expect((await send('desk key', 'DELETE', `/api/v1/maintenance/${made[0]}`)).status).toBe(204);
    const again = Date.now() + 90 * 86_400_000;
    expect((await send('desk key', 'POST', '/api/v1/maintenance', { practice: ods, startsAt: again, endsAt: again + HOUR, reason: 'room again' })).status).toBe(
      201,
    );
  });
});

describe('string limits count code points, not graphemes', () => {
  it('TypeBox maxLength: "a" + 500,000 combining marks is 500,001 long, not 1', () => {
    const check = Compile(Type.String({ maxLength: 500 }));
    expect(check.Check(COMBINING)).toBe(false);
    expect(check.Check(`a${'\u0301'.repeat(499)}`)).toBe(true); // 500 code points
    expect(check.Check(`a${'\u0301'.repeat(500)}`)).toBe(false);
    expect(check.Check('😀'.repeat(500))).toBe(true); // 500 code points = 1,000 UTF-16 units = 2,000 UTF-8 bytes: at most 4 bytes each
  });

  it('the API refuses a combining-mark string over the limit, whatever its graphemes', async () => {
    const soon = Date.now() + HOUR;
    const r = await send('desk key', 'POST', '/api/v1/maintenance', { practice: A, startsAt: soon, endsAt: soon + HOUR, reason: COMBINING });
    expect(r.status).toBe(400);
    expect(r.body?.problems).toEqual(['body.reason: must not have more than 500 characters']);
    const note = await send('desk key', 'POST', `/api/v1/alerts/${await lab.raise(A)}/ack`, { note: `a${'\u0301'.repeat(2000)}` });
    expect(note.status).toBe(400);
  });
});

describe('fuzz: every write route with a JSON body, each field out of range', () => {
  const HOSTILE: readonly unknown[] = [
    9e15,
    -9e15,
    -1,
    1e308,
    0.5,
    'NaN',
    'Infinity',
    '-0',
    '9e15',
    '',
    'x'.repeat(200_000),
    COMBINING,
    '😀'.repeat(5000),
    null,
    true,
    [],
    {},
    JSON.parse('{"__proto__":{"admin":true}}') as unknown,
  ];

  it('answers 400 with path: message (never 500), and every read still works', async () => {
    const doc = (await lab.c.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
    };
    const soon = Date.now() + HOUR;
    const base: Record<string, { caller: Caller; body: () => Record<string, unknown>; url: () => string | Promise<string> }> = {
      'POST /api/v1/maintenance': {
        caller: 'desk key',
        url: () => '/api/v1/maintenance',
        body: () => ({ practice: A, startsAt: soon, endsAt: soon + HOUR, reason: 'fuzz' }),
      },
      'PUT /api/v1/maintenance/{id}': { caller: 'desk key', url: async () => `/api/v1/maintenance/${await lab.window(A)}`, body: () => ({ reason: 'fuzz' }) },
      'POST /api/v1/alerts/{id}/ack': { caller: 'desk key', url: async () => `/api/v1/alerts/${await lab.raise(A)}/ack`, body: () => ({ note: 'fuzz' }) },
      'POST /api/v1/users': {
        caller: 'admin',
        url: () => '/api/v1/users',
        body: () => ({ username: `f${Math.random().toString(36).slice(2, 10)}`, role: 'servicedesk', password: 'fuzz password 1' }),
      },
      'PATCH /api/v1/users/{username}': { caller: 'admin', url: () => '/api/v1/users/walker', body: () => ({ disabled: false }) },
      'POST /api/v1/session': { caller: 'none', url: () => '/api/v1/session', body: () => ({ username: 'walker', password: PASSWORD }) },
      'POST /api/v1/ingest': {
        caller: 'agent',
        url: () => '/api/v1/ingest',
        body: () => ({ batchId: `fuzz-${Math.random().toString(36).slice(2)}`, samples: [] }),
      },
    };
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m, op]) => ['post', 'put', 'patch'].includes(m) && op.requestBody?.content?.['application/json'] !== undefined)
        .map(([m, op]) => ({
          key: `${m.toUpperCase()} ${path}`,
          fields: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
        })),
    );
    // Every route with a known good body is still served; a write route without one is fuzzed from an empty body by an admin.
    for (const key of Object.keys(base)) expect(routes.map((r) => r.key)).toContain(key);
    const bad: string[] = [];
    let refused = 0;
    for (const { key, fields } of routes) {
      const b = base[key] ?? { caller: 'admin' as const, url: () => key.split(' ')[1]!.replace(/\{\w+\}/g, '1'), body: () => ({}) };
      for (const field of fields) {
        for (const value of HOSTILE) {
          const body = { ...b.body(), [field]: value };
          const r = await lab.call({
            method: key.split(' ')[0] as InjectOptions['method'],
            url: await b.url(),
            headers: { ...lab.headers(b.caller), 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          const label = `${key} ${field}=${JSON.stringify(value)?.slice(0, 30)}: ${r.statusCode} ${r.body.slice(0, 200)}`;
          if (r.statusCode >= 500) bad.push(label);
          else if (r.statusCode === 400) {
            refused++;
            const problems = (r.json() as { problems?: string[] }).problems ?? [];
            if (problems.length === 0 || problems.some((p) => !/^[\w.[\]"()-]+: \S/.test(p))) bad.push(`${label} (not path: message)`);
          } else if (r.statusCode >= 300 && r.statusCode < 400) bad.push(label);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(refused).toBeGreaterThan(100);
    await readsStillWork();
  }, 180_000);
});
