/**
 * The audit log (issue 11 point 7) on a real collector: every admin and service-desk write over
 * HTTP, and every credential and user change made with the built CLI while the collector runs,
 * appears exactly once with who, what, when and from where; only admins read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { InjectOptions } from 'fastify';
import { runCli } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait.ts';
import { AUDIT_ACTIONS } from '../../../collector/src/meta/index.ts';
import { AUDIT_RETENTION_DAYS } from '../../../collector/src/meta/audit.ts';
import { A, startLab, type Caller, type Lab } from './fixture.ts';

interface Entry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  from: string;
  practice: string | null;
  detail: Record<string, unknown> | null;
}

let lab: Lab;
let deskKeyId: string;
beforeAll(async () => {
  lab = await startLab();
  deskKeyId = /^Bearer n3k_([0-9a-f]{12})_/.exec(lab.headers('desk key').authorization ?? '')?.[1] as string;
}, 60_000);
afterAll(async () => lab?.close());

async function call(caller: Caller, method: InjectOptions['method'], url: string, payload?: unknown) {
  const r = await lab.call({ method, url, headers: lab.headers(caller), ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: r.statusCode, body: (r.body === '' ? null : r.json()) as Record<string, unknown> };
}

async function audit(query = ''): Promise<{ total: number; items: Entry[] }> {
  const r = await call('admin', 'GET', `/api/v1/audit${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as unknown as { total: number; items: Entry[] };
}

/** The entries for `target`, oldest first. */
async function entriesFor(target: string): Promise<Entry[]> {
  return (await audit('?limit=1000')).items.filter((e) => e.target === target).reverse();
}

describe('HTTP writes are audited once, with the principal and the client address', () => {
  it('maintenance windows: create, change, correct, delete — and a refused write leaves nothing', async () => {
    const soon = Date.now() + 3_600_000;
    const created = await call('desk key', 'POST', '/api/v1/maintenance', { practice: A, startsAt: soon, endsAt: soon + 3_600_000, reason: 'router swap' });
    expect(created.status).toBe(201);
    const target = `maintenance:${String(created.body.id)}`;
    expect((await call('practice key', 'PUT', `/api/v1/${target.replace(':', '/')}`, { reason: 'practice says no' })).status).toBe(403);
    expect((await call('desk user', 'PUT', `/api/v1/${target.replace(':', '/')}`, { reason: 'router swap, engineer booked' })).status).toBe(200);
    expect((await call('desk user', 'PUT', `/api/v1/${target.replace(':', '/')}`, { startsAt: Date.now() - 7_200_000, correction: true })).status).toBe(200);
    expect((await call('admin', 'DELETE', `/api/v1/${target.replace(':', '/')}`)).status).toBe(204);
    const got = await entriesFor(target);
    expect(got.map((e) => [e.action, e.actor, e.from, e.practice])).toEqual([
      ['maintenance.create', `key:${deskKeyId}`, '192.0.2.10', A],
      ['maintenance.change', 'user:desk.one', '192.0.2.10', A],
      ['maintenance.correct', 'user:desk.one', '192.0.2.10', A],
      ['maintenance.delete', 'user:boss', '192.0.2.10', A],
    ]);
    expect(got[1]?.detail).toMatchObject({ before: { reason: 'router swap' }, after: { reason: 'router swap, engineer booked' } });
    for (const e of got) expect(Math.abs(Date.parse(e.at) - Date.now())).toBeLessThan(600_000);
  });

  it('acknowledgements', async () => {
    const id = await lab.raise(A);
    expect((await call('practice user', 'POST', `/api/v1/alerts/${id}/ack`, { note: 'not mine to ack' })).status).toBe(403);
    expect((await call('desk key', 'POST', `/api/v1/alerts/${id}/ack`, { by: 'Someone Else', note: 'ticket 4711' })).status).toBe(200);
    const got = await entriesFor(`alert:${id}`);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ action: 'alert.ack', actor: `key:${deskKeyId}`, from: '192.0.2.10', practice: A, detail: { note: 'ticket 4711' } });
  });

  it('users: created and changed by an admin, never with the password', async () => {
    const made = await call('admin', 'POST', '/api/v1/users', { username: 'newdesk', role: 'servicedesk', password: 'a secret password 9' });
    expect(made.status).toBe(201);
    expect((await call('desk user', 'PATCH', '/api/v1/users/newdesk', { disabled: true })).status).toBe(403);
    expect((await call('admin', 'PATCH', '/api/v1/users/newdesk', { role: 'practice', practice: A, password: 'another secret 99' })).status).toBe(200);
    const got = await entriesFor('user:newdesk');
    expect(got.map((e) => [e.action, e.actor, e.from])).toEqual([
      ['user.create', 'user:boss', '192.0.2.10'],
      ['user.change', 'user:boss', '192.0.2.10'],
    ]);
    expect(got[1]?.detail).toMatchObject({ role: 'practice', practice: A, before: { role: 'servicedesk', practice: null } });
    expect(JSON.stringify(got)).not.toMatch(/secret/);
  });
});

describe('CLI writes while the collector runs are audited as cli:<OS user>, from cli', () => {
  it('token, apikey and user commands each appear once', async () => {
    const dataDir = lab.dataDir;
    const cli = async (...args: string[]): Promise<string> => {
      const r = await runCli([...args, '--data-dir', dataDir]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout.trim();
    };
    const token = await cli('token', 'create', '--practice', A, '--agent', 'cli-agent');
    const tokenId = /^n3a_([0-9a-f]{12})_/.exec(token)?.[1] as string;
    await cli('token', 'revoke', tokenId);
    const key = await cli('apikey', 'create', '--role', 'practice', '--practice', A, '--label', 'practice portal');
    const keyId = /^n3k_([0-9a-f]{12})_/.exec(key)?.[1] as string;
    await cli('apikey', 'revoke', keyId);
    await cli('user', 'create', '--username', 'cli.user', '--role', 'servicedesk', '--generate');
    await cli('user', 'set-role', '--username', 'cli.user', '--role', 'practice', '--practice', A);
    await cli('user', 'password', '--username', 'cli.user', '--generate');
    await cli('user', 'disable', '--username', 'cli.user');
    await cli('user', 'enable', '--username', 'cli.user');
    const actor = `cli:${userInfo().username}`;
    const mine = (await audit(`?actor=${encodeURIComponent(actor)}&limit=1000`)).items.reverse();
    expect(mine.map((e) => [e.action, e.target, e.from])).toEqual([
      ['token.create', `token:${tokenId}`, 'cli'],
      ['token.revoke', `token:${tokenId}`, 'cli'],
      ['apikey.create', `apikey:${keyId}`, 'cli'],
      ['apikey.revoke', `apikey:${keyId}`, 'cli'],
      ['user.create', 'user:cli.user', 'cli'],
      ['user.set-role', 'user:cli.user', 'cli'],
      ['user.password', 'user:cli.user', 'cli'],
      ['user.disable', 'user:cli.user', 'cli'],
      ['user.enable', 'user:cli.user', 'cli'],
    ]);
    expect(mine[2]?.detail).toEqual({ role: 'practice', label: 'practice portal' });
    expect(JSON.stringify(mine)).not.toContain(token.slice(17));
    expect(JSON.stringify(mine)).not.toContain(key.slice(17));
  }, 120_000);
});

describe('GET /api/v1/audit', () => {
  it('is for admins only: 403 for the service desk and practices, 401 without a credential', async () => {
    for (const caller of ['desk key', 'desk user', 'practice key', 'practice user', 'other practice'] as const) {
      const r = await call(caller, 'GET', '/api/v1/audit');
      expect(r.status, caller).toBe(403);
      expect(r.body.code).toBe('N3MON_ERR_AUTH_FORBIDDEN');
    }
    expect((await call('none', 'GET', '/api/v1/audit')).status).toBe(401);
    expect((await call('agent', 'GET', '/api/v1/audit')).status).toBe(401);
  });

  it('filters by actor, action and time, newest first, paged', async () => {
    const all = await audit('?limit=1000');
    expect(all.total).toBe(all.items.length);
    const ats = all.items.map((e) => Date.parse(e.at));
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);
    const acks = await audit('?action=alert.ack');
    expect(acks.items.length).toBeGreaterThan(0);
    expect(acks.items.every((e) => e.action === 'alert.ack')).toBe(true);
    const boss = await audit('?actor=user:boss');
    expect(boss.items.every((e) => e.actor === 'user:boss')).toBe(true);
    expect(boss.total).toBeGreaterThan(0);
    const page = await audit('?limit=2&offset=1');
    expect(page.items.map((e) => e.id)).toEqual(all.items.slice(1, 3).map((e) => e.id));
    expect((await audit(`?since=${Date.now() + 60_000}`)).total).toBe(0);
    expect((await audit(`?until=${new Date(Date.now() + 60_000).toISOString()}`)).total).toBe(all.total);
    const bad = await call('admin', 'GET', '/api/v1/audit?action=drop.table&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.stringMatching(/^query\.action: must be one of/), 'query.limit: must be >= 1']);
  });
});

describe('docs/api.md', () => {
  it('lists every audit action', () => {
    const md = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const section = md.slice(md.indexOf('## Audit log'));
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| action |')));
    const documented = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([a-z-]+\.[a-z-]+)`/g)].map((x) => x[1]));
    expect([...new Set(documented)].sort()).toEqual([...AUDIT_ACTIONS].sort());
  });
});

describe('retention', () => {
  it('the maintenance of the collector deletes entries older than two years, and only those', async () => {
    const own = await startLab({ maintenanceIntervalMs: 1000 });
    try {
      const day = 86_400_000;
      const old = await own.c.meta.audit.record({
        actor: 'anonymous',
        action: 'session.fail',
        target: 'user:admin',
        from: '192.0.2.10',
        at: Date.now() - (AUDIT_RETENTION_DAYS + 1) * day,
      });
      const kept = await own.c.meta.audit.record({
        actor: 'anonymous',
        action: 'session.fail',
        target: 'user:admin',
        from: '192.0.2.10',
        at: Date.now() - (AUDIT_RETENTION_DAYS - 1) * day,
      });
      const ids = async (): Promise<number[]> => (await own.c.meta.audit.list({ limit: 100, offset: 0 })).items.map((e) => e.id);
      let seen: number[] = [];
      await waitFor(
        'the old entry pruned',
        async () => {
          seen = await ids();
          return seen.includes(old) ? undefined : true;
        },
        { timeoutMs: 30_000, describe: () => JSON.stringify(seen) },
      );
      expect(await ids()).toContain(kept);
    } finally {
      await own.close();
    }
  }, 60_000);
});
