// Dashboard sign-in against the real meta.db and read API (inject): scrypt hashes, server-side
// sessions in HTTP-only SameSite cookies, CSRF on cookie writes, rate-limited sign-in, roles that
// apply at once, API keys untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startHarness, type Harness } from '../collector/harness.ts';
import { UserStore } from '../../../collector/src/ui/users.ts';
import { verifyPassword } from '../../../collector/src/ui/passwords.ts';

let h: Harness;
let users: UserStore;
const PW = { desk: 'desk password 1', viewer: 'viewer password 1', admin: 'admin password 1' };

beforeAll(async () => {
  h = await startHarness();
  users = await UserStore.open(h.meta.state);
  await users.create({ username: 'Desk', role: 'servicedesk', password: PW.desk });
  await users.create({ username: 'viewer', role: 'practice', practice: 'A81001', password: PW.viewer });
  await users.create({ username: 'boss', role: 'admin', password: PW.admin });
});
afterAll(async () => h?.close());

interface Signed {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(username: string, password: string, headers: Record<string, string> = {}): Promise<Signed> {
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, headers });
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] as string, csrf: res.json().csrfToken as string, setCookie };
}

const get = (url: string, cookie: string) => h.app.inject({ method: 'GET', url, headers: { cookie } });

describe('users and passwords', () => {
  it('stores a salted scrypt hash, never the password', async () => {
    const row = (await h.meta.state.get<{ username: string; password_hash: string }>('SELECT username, password_hash FROM ui_users WHERE username = ?', [
      'desk',
    ]))!;
    expect(row.password_hash).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await h.meta.state.all('SELECT * FROM ui_users'))).not.toContain(PW.desk);
    expect(await verifyPassword(row.password_hash, PW.desk)).toBe(true);
    expect(await verifyPassword(row.password_hash, `${PW.desk}x`)).toBe(false);
    // Same password, different salt: different hashes.
    await users.create({ username: 'twin', role: 'servicedesk', password: PW.desk });
    expect((await users.credentialsOf('twin'))?.hash).not.toBe(row.password_hash);
  });

  it('refuses short passwords, bad names, a duplicate, and a practice user without a known practice', async () => {
    await expect(users.create({ username: 'x', role: 'servicedesk', password: 'short' })).rejects.toThrow(/at least 10 characters/);
    await expect(users.create({ username: 'bad name', role: 'servicedesk', password: PW.desk })).rejects.toThrow(/must match/);
    await expect(users.create({ username: 'DESK', role: 'servicedesk', password: PW.desk })).rejects.toThrow(/already exists/);
    await expect(users.create({ username: 'pm', role: 'practice', password: PW.desk })).rejects.toThrow(/needs --practice/);
    await expect(users.create({ username: 'pm', role: 'practice', practice: 'ZZZ999', password: PW.desk })).rejects.toThrow(/not known/);
  });
});

describe('sign-in', () => {
  it('sets an HTTP-only, SameSite=Strict session cookie; Secure only over HTTPS', async () => {
    const plain = await signIn('desk', PW.desk);
    expect(plain.setCookie).toMatch(/^n3mon_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/);
    // X-Forwarded-Proto from a client that is not a trusted proxy counts for nothing; real HTTPS
    // (__Host-n3mon_session; Secure) is tested over TLS in test/integration/secure-defaults/.
    const spoofed = await signIn('desk', PW.desk, { 'x-forwarded-proto': 'https' });
    expect(spoofed.setCookie).toMatch(/^n3mon_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/);
  });

  it('keeps only a hash of the session id on the server', async () => {
    const s = await signIn('desk', PW.desk);
    const id = s.cookie.split('=')[1] as string;
    const rows = await h.meta.state.all<{ id_hash: Buffer }>('SELECT id_hash FROM ui_sessions');
    expect(rows.some((r) => r.id_hash.equals(createHash('sha256').update(id).digest()))).toBe(true);
    expect(JSON.stringify(await h.meta.state.all('SELECT * FROM ui_sessions'))).not.toContain(id);
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const wrong = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'desk', password: 'nope nope nope' } });
    const unknown = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'nobody', password: 'nope nope nope' } });
    for (const r of [wrong, unknown]) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toMatchObject({ code: 'N3MON_ERR_AUTH_INVALID', message: 'wrong username or password' });
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a sign-in posted from another origin', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'desk', password: PW.desk },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('N3MON_ERR_AUTH_CSRF');
  });

  it('tells the page who is signed in, and nobody without a session', async () => {
    const s = await signIn('desk', PW.desk);
    expect((await get('/api/v1/session', s.cookie)).json()).toMatchObject({
      user: { username: 'desk', role: 'servicedesk', practice: null },
      csrfToken: s.csrf,
    });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/session' })).json()).toEqual({ user: null });
  });

  it('rate-limits sign-in per username: 429 with Retry-After', async () => {
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 11; i++) {
      last = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'target', password: `guess number ${i}` } });
      codes.push(last.statusCode);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes[10]).toBe(429);
    expect(last!.json().code).toBe('N3MON_ERR_RATE_LIMITED');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the session cookie on the read API', () => {
  it('reads like a key of the same role; a practice user only their practice', async () => {
    const desk = await signIn('desk', PW.desk);
    expect((await get('/api/v1/practices/B82002', desk.cookie)).statusCode).toBe(200);
    const viewer = await signIn('viewer', PW.viewer);
    expect((await get('/api/v1/practices/A81001', viewer.cookie)).statusCode).toBe(200);
    const other = await get('/api/v1/practices/B82002', viewer.cookie);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('N3MON_ERR_AUTH_FORBIDDEN');
    expect((await get('/api/v1/practices/B82002/series?metric=icmp_rtt_avg_ms', viewer.cookie)).statusCode).toBe(403);
    expect((await get('/api/v1/overview', viewer.cookie)).json().items.map((p: { ods: string }) => p.ods)).toEqual(['A81001']);
    const admin = await signIn('boss', PW.admin);
    expect((await get('/api/v1/overview', admin.cookie)).json().total).toBe(2);
  });

  it('needs the CSRF token (and our origin) for a write; a Bearer key needs neither and ignores the cookie', async () => {
    const s = await signIn('desk', PW.desk);
    const noToken = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().code).toBe('N3MON_ERR_AUTH_CSRF');
    const wrongToken = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/desk',
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
      payload: { disabled: true },
    });
    expect(wrongToken.json().code).toBe('N3MON_ERR_AUTH_CSRF');
    const foreign = await h.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://evil.example' },
    });
    expect(foreign.json().code).toBe('N3MON_ERR_AUTH_CSRF');
    expect((await get('/api/v1/overview', s.cookie)).statusCode).toBe(200); // still signed in
    // A practice user's cookie beside a servicedesk key: the key wins.
    const viewer = await signIn('viewer', PW.viewer);
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/v1/overview',
      headers: { cookie: viewer.cookie, authorization: `Bearer ${await h.key('servicedesk')}` },
    });
    expect(res.json().total).toBe(2);
  });

  it('signs out on the server: the old cookie no longer works', async () => {
    const s = await signIn('desk', PW.desk);
    const out = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^n3mon_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    const after = await get('/api/v1/overview', s.cookie);
    expect(after.statusCode).toBe(401);
  });

  it('applies a role change at once, and a disable ends every session', async () => {
    await users.create({ username: 'mover', role: 'servicedesk', password: PW.desk });
    const s = await signIn('mover', PW.desk);
    expect((await get('/api/v1/overview', s.cookie)).json().total).toBe(2);
    await users.setRole('mover', 'practice', 'B82002');
    expect((await get('/api/v1/overview', s.cookie)).json().items.map((p: { ods: string }) => p.ods)).toEqual(['B82002']);
    expect((await get('/api/v1/practices/A81001', s.cookie)).statusCode).toBe(403);
    await users.setDisabled('mover', true);
    expect((await get('/api/v1/overview', s.cookie)).statusCode).toBe(401);
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'mover', password: PW.desk } });
    expect(again.statusCode).toBe(401);
  });

  it('a new password signs the user out everywhere', async () => {
    await users.create({ username: 'forgetful', role: 'servicedesk', password: PW.desk });
    const s = await signIn('forgetful', PW.desk);
    await users.setPassword('forgetful', 'a brand new password');
    expect((await get('/api/v1/overview', s.cookie)).statusCode).toBe(401);
    await signIn('forgetful', 'a brand new password');
  });
});

describe('user management (admins, signed in)', () => {
  it('lets an admin create and change users; refuses the service desk and API keys', async () => {
    const admin = await signIn('boss', PW.admin);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { username: 'newpm', role: 'practice', practice: 'B82002' },
    });
    expect(created.statusCode).toBe(201);
    const { password } = created.json();
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    await signIn('newpm', password);
    const demote = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/boss',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { role: 'servicedesk' },
    });
    expect(demote.statusCode).toBe(400);
    const desk = await signIn('desk', PW.desk);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie: desk.cookie } })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${await h.key('servicedesk')}` } })).statusCode).toBe(
      403,
    );
  });

  it('never writes a password or a session cookie into the log', async () => {
    const s = await signIn('desk', PW.desk);
    await get('/api/v1/overview', s.cookie);
    const text = h.logText();
    expect(text).toContain('dashboard sign-in');
    for (const secret of [...Object.values(PW), s.cookie.split('=')[1] as string, s.csrf]) expect(text).not.toContain(secret);
  });
});

describe('the page itself', () => {
  it('serves the built dashboard at / with a strict Content-Security-Policy', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script defer src="/app.js"></script>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-cache');
    const js = await h.app.inject({ method: 'GET', url: '/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.(com|net|org|io)\//i);
    expect((await h.app.inject({ method: 'GET', url: '/app.css' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/nope.js' })).json().code).toBe('N3MON_ERR_NOT_FOUND');
  });
});

describe('session lifetime', () => {
  it('ends after the idle time without use, and at the absolute end even when used', async () => {
    const { SessionStore } = await import('../../../collector/src/ui/sessions.ts');
    const sessions = new SessionStore(h.meta.state, { idleMs: 10 * 60_000, absoluteMs: 60 * 60_000 });
    const user = (await users.byUsername('desk'))!;
    const t0 = Date.now();
    const idle = await sessions.create(user.id, t0);
    expect((await sessions.lookup(idle.id, t0 + 9 * 60_000))?.user.username).toBe('desk');
    expect(await sessions.lookup(idle.id, t0 + 9 * 60_000 + 10 * 60_000)).toBeUndefined(); // 10 min unused since the last use
    const busy = await sessions.create(user.id, t0);
    for (let t = t0; t < t0 + 60 * 60_000; t += 5 * 60_000) expect(await sessions.lookup(busy.id, t)).toBeDefined();
    expect(await sessions.lookup(busy.id, t0 + 60 * 60_000)).toBeUndefined();
    expect(await sessions.lookup('not-a-session', t0)).toBeUndefined();
  });
});
