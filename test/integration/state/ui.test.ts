/**
 * Dashboard users and sign-in sessions (collector/src/ui/users.ts, sessions.ts) on both state
 * engines: names unique whatever their case (also when two collectors create one at once), a
 * practice user only of a known practice, a new password or a disable ending every session, idle
 * and absolute ends, only the id's hash stored — and sessions shared by collectors on one
 * database: signed in on A is signed in on B, signed out on B is signed out on A at once (no cache).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CORE_STATE_MIGRATIONS } from '../../../collector/src/meta/schema.ts';
import type { StateDb } from '../../../collector/src/meta/state-db.ts';
import { verifyPassword } from '../../../collector/src/ui/passwords.ts';
import { UI_STATE_MIGRATIONS } from '../../../collector/src/ui/schema.ts';
import { SessionStore } from '../../../collector/src/ui/sessions.ts';
import { UserStore } from '../../../collector/src/ui/users.ts';
import { useStateBackends } from '../../helpers/state-backends.ts';

const backends = useStateBackends();

const T0 = Date.UTC(2026, 11, 7, 12);
const PW = 'a long enough password';
const MIN = 60_000;

/** The core tables (ui_users.practice references practices) with one practice, then the ui tables. */
async function fresh(db: StateDb): Promise<UserStore> {
  await db.migrate('core', CORE_STATE_MIGRATIONS);
  await db.run("INSERT INTO practices (ods, name, sites, source, created_at) VALUES ('A81001', 'Example Surgery', '[]', 'config', ?)", [T0]);
  const users = await UserStore.open(db);
  expect(await db.migrate('ui', UI_STATE_MIGRATIONS)).toBe(0);
  return users;
}

describe.each(backends)('dashboard users and sessions on $name', (backend) => {
  it('creates users with case-insensitive unique names, a scrypt hash, and a practice only for practice users', async () => {
    const db = await backend.open();
    const users = await fresh(db);
    const desk = await users.create({ username: 'Desk.One', role: 'servicedesk', password: PW, now: T0 });
    expect(desk).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{12}$/),
      username: 'desk.one',
      role: 'servicedesk',
      practice: null,
      createdAt: T0,
      updatedAt: T0,
      disabledAt: null,
    });
    const pm = await users.create({ username: 'pm', role: 'practice', practice: 'A81001', password: PW, now: T0 + 1 });
    expect(pm.practice).toBe('A81001');
    await expect(users.create({ username: 'DESK.ONE', role: 'servicedesk', password: PW })).rejects.toThrow(/already exists/);
    await expect(users.create({ username: 'other', role: 'practice', practice: 'Z99999', password: PW })).rejects.toThrow(/not known/);
    await expect(users.create({ username: 'other', role: 'servicedesk', practice: 'A81001', password: PW })).rejects.toThrow(/leave out --practice/);
    expect((await users.list()).map((u) => u.username)).toEqual(['desk.one', 'pm']);
    expect(await users.byUsername('DESK.one')).toEqual(desk);
    expect(await users.byId(pm.id)).toEqual(pm);
    expect(await users.byUsername('nobody')).toBeUndefined();
    const cred = await users.credentialsOf('desk.one');
    expect(cred?.user).toEqual(desk);
    expect(await verifyPassword(cred?.hash ?? '', PW)).toBe(true);
    expect(JSON.stringify(await db.all('SELECT * FROM ui_users'))).not.toContain(PW);
    // A role change moves the practice with it; the database refuses a practice on a desk user.
    const moved = await users.setRole('desk.one', 'practice', 'A81001', T0 + 5);
    expect([moved.role, moved.practice, moved.updatedAt]).toEqual(['practice', 'A81001', T0 + 5]);
    expect((await users.setRole('desk.one', 'admin', null, T0 + 6)).practice).toBeNull();
    await expect(users.setRole('ghost', 'admin', null)).rejects.toThrow(/no user "ghost"/);
  });

  it('keeps only the hash of a session id, ends sessions when idle or at the absolute end, and prunes them', async () => {
    const db = await backend.open();
    const users = await fresh(db);
    const u = await users.create({ username: 'desk', role: 'servicedesk', password: PW, now: T0 });
    const sessions = new SessionStore(db, { idleMs: 10 * MIN, absoluteMs: 60 * MIN });
    const s = await sessions.create(u.id, T0);
    expect(s.expiresAt).toBe(T0 + 60 * MIN);
    const rows = await db.all<{ id_hash: Buffer; csrf: string }>('SELECT id_hash, csrf FROM ui_sessions');
    expect(rows.map((r) => Buffer.from(r.id_hash).equals(createHash('sha256').update(s.id).digest()))).toEqual([true]);
    expect(JSON.stringify(rows)).not.toContain(s.id);
    const seen = await sessions.lookup(s.id, T0 + 9 * MIN);
    expect(seen).toEqual({ user: u, csrf: s.csrf, createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60 * MIN });
    // That use was written (touches at most once a minute), so the idle end moved.
    expect((await sessions.lookup(s.id, T0 + 18 * MIN))?.lastSeenAt).toBe(T0 + 9 * MIN);
    expect(await sessions.lookup(s.id, T0 + 28 * MIN)).toBeUndefined();
    expect(await db.all('SELECT csrf FROM ui_sessions')).toEqual([]); // an ended session is deleted when seen
    const busy = await sessions.create(u.id, T0);
    for (let t = T0; t < T0 + 60 * MIN; t += 5 * MIN) expect(await sessions.lookup(busy.id, t)).toBeDefined();
    expect(await sessions.lookup(busy.id, T0 + 60 * MIN)).toBeUndefined();
    expect(await sessions.lookup('not-a-session', T0)).toBeUndefined();
    await sessions.create(u.id, T0); // idle from T0 + 10 min
    await sessions.create(u.id, T0 + 30 * MIN);
    expect(await sessions.prune(T0 + 20 * MIN)).toBe(1);
    expect(await sessions.prune(T0 + 20 * MIN)).toBe(0);
  });

  it('a new password or a disable ends every session of that user; enable lets them sign in again', async () => {
    const db = await backend.open();
    const users = await fresh(db);
    const sessions = new SessionStore(db);
    const a = await users.create({ username: 'a', role: 'servicedesk', password: PW, now: T0 });
    const b = await users.create({ username: 'b', role: 'servicedesk', password: PW, now: T0 });
    const [a1, a2, b1] = [await sessions.create(a.id, T0), await sessions.create(a.id, T0), await sessions.create(b.id, T0)];
    await users.setPassword('a', 'another long password', T0 + 1);
    expect(await sessions.lookup(a1.id, T0 + 2)).toBeUndefined();
    expect(await sessions.lookup(a2.id, T0 + 2)).toBeUndefined();
    expect((await sessions.lookup(b1.id, T0 + 2))?.user.username).toBe('b');
    expect(await verifyPassword((await users.credentialsOf('a'))?.hash ?? '', 'another long password')).toBe(true);
    const disabled = await users.setDisabled('b', true, T0 + 3);
    expect(disabled.disabledAt).toBe(T0 + 3);
    expect(await sessions.lookup(b1.id, T0 + 4)).toBeUndefined();
    expect((await users.setDisabled('b', false, T0 + 5)).disabledAt).toBeNull();
    const b2 = await sessions.create(b.id, T0 + 6);
    expect((await sessions.lookup(b2.id, T0 + 7))?.user.disabledAt).toBeNull();
  });

  it('shares sessions between two collectors on one database: sign-in on A holds on B, sign-out on B ends it on A', async () => {
    const [dbA, dbB] = await backend.openTwo();
    const usersA = await fresh(dbA);
    const usersB = new UserStore(dbB);
    const onA = new SessionStore(dbA);
    const onB = new SessionStore(dbB);
    const u = await usersA.create({ username: 'desk', role: 'servicedesk', password: PW, now: T0 });
    const s = await onA.create(u.id, T0);
    expect((await onB.lookup(s.id, T0 + 1))?.csrf).toBe(s.csrf);
    expect((await onA.lookup(s.id, T0 + 2))?.user.username).toBe('desk');
    await onB.destroy(s.id);
    expect(await onA.lookup(s.id, T0 + 3)).toBeUndefined();
    // A role change or a disable on B is what A answers with on its next lookup.
    const t = await onA.create(u.id, T0 + 4);
    await usersB.setRole('desk', 'admin', null, T0 + 5);
    expect((await onA.lookup(t.id, T0 + 6))?.user.role).toBe('admin');
    await usersB.setDisabled('desk', true, T0 + 7);
    expect(await onA.lookup(t.id, T0 + 8)).toBeUndefined();
    // The same new name on both at once: one is created, the other is told it exists.
    const both = await Promise.allSettled([
      usersA.create({ username: 'twin', role: 'servicedesk', password: PW }),
      usersB.create({ username: 'TWIN', role: 'servicedesk', password: PW }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/already exists/);
    expect((await usersB.list()).filter((x) => x.username === 'twin')).toHaveLength(1);
  });
});
