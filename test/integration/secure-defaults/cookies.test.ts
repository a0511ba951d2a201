/**
 * The dashboard session cookie over a real TLS socket and over plain http (issue 11 point 5):
 * `__Host-n3mon_session` with Secure whenever the dashboard is reached over HTTPS, the plain
 * cookie over http on loopback (the quick start), `ui.secureCookies` always/never, and a bare
 * X-Forwarded-Proto from a client that is not a trusted proxy counting for nothing. HSTS rides
 * with HTTPS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { setCookieOf, startSecureApp, type SecureApp } from './fixture.ts';

const PASSWORD = 'correct horse battery';
const SECURE_COOKIE = /^__Host-n3mon_session=([A-Za-z0-9_-]{43}); Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict; Secure$/;
const PLAIN_COOKIE = /^n3mon_session=([A-Za-z0-9_-]{43}); Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/;

const skip = skipUnlessLab({ files: ['/usr/bin/openssl'] });

async function signIn(c: SecureApp, base: string, headers: Record<string, string> = {}): Promise<{ setCookie: string; hsts: string | undefined }> {
  const r = await c.post(`${base}/api/v1/session`, { username: 'desk', password: PASSWORD }, headers);
  expect(r.status, r.body).toBe(200);
  return { setCookie: setCookieOf(r), hsts: r.headers['strict-transport-security'] };
}

async function whoIs(c: SecureApp, base: string, cookie: string): Promise<string | null> {
  const r = await c.get(`${base}/api/v1/session`, { cookie });
  expect(r.status, r.body).toBe(200);
  return (JSON.parse(r.body) as { user: { username: string } | null }).user?.username ?? null;
}

describe.skipIf(skip)('secureCookies: auto (the default)', () => {
  let c: SecureApp;
  beforeAll(async () => {
    c = await startSecureApp({ tls: true });
    await c.user('desk', 'servicedesk', PASSWORD);
  }, 60_000);
  afterAll(async () => c?.close());

  it('over HTTPS: __Host-n3mon_session, Secure, no Domain, and HSTS', async () => {
    const s = await signIn(c, c.https as string);
    expect(s.setCookie).toMatch(SECURE_COOKIE);
    expect(s.setCookie).not.toMatch(/domain=/i);
    expect(s.hsts).toBe('max-age=31536000');
    const id = SECURE_COOKIE.exec(s.setCookie)?.[1] as string;
    expect(await whoIs(c, c.https as string, `__Host-n3mon_session=${id}`)).toBe('desk');
    // Over HTTPS only the __Host- cookie is read: the same id planted as a plain cookie is nobody.
    expect(await whoIs(c, c.https as string, `n3mon_session=${id}`)).toBeNull();
    // Over plain http the Secure cookie is never read (a browser would not send it there anyway).
    expect(await whoIs(c, c.http, `__Host-n3mon_session=${id}`)).toBeNull();
  });

  it('over plain http on loopback: n3mon_session without Secure, and no HSTS', async () => {
    const s = await signIn(c, c.http);
    expect(s.setCookie).toMatch(PLAIN_COOKIE);
    expect(s.hsts).toBeUndefined();
    const id = PLAIN_COOKIE.exec(s.setCookie)?.[1] as string;
    expect(await whoIs(c, c.http, `n3mon_session=${id}`)).toBe('desk');
  });

  it('a bare X-Forwarded-Proto from a client that is not a trusted proxy does not make http secure', async () => {
    const s = await signIn(c, c.http, { 'x-forwarded-proto': 'https' });
    expect(s.setCookie).toMatch(PLAIN_COOKIE);
    expect(s.hsts).toBeUndefined();
  });

  it('sign-out over HTTPS clears the __Host- cookie', async () => {
    const s = await signIn(c, c.https as string);
    const id = SECURE_COOKIE.exec(s.setCookie)?.[1] as string;
    const me = await c.get(`${c.https as string}/api/v1/session`, { cookie: `__Host-n3mon_session=${id}` });
    const csrf = (JSON.parse(me.body) as { csrfToken: string }).csrfToken;
    const out = await c.del(`${c.https as string}/api/v1/session`, { cookie: `__Host-n3mon_session=${id}`, 'x-csrf-token': csrf });
    expect(out.status).toBe(204);
    expect(setCookieOf(out)).toMatch(/^__Host-n3mon_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict; Secure$/);
    expect(await whoIs(c, c.https as string, `__Host-n3mon_session=${id}`)).toBeNull();
  });
});

describe.skipIf(skip)('secureCookies: always (TLS ends at a proxy)', () => {
  let c: SecureApp;
  beforeAll(async () => {
    c = await startSecureApp({ config: { ui: { secureCookies: 'always' } } });
    await c.user('desk', 'servicedesk', PASSWORD);
  }, 60_000);
  afterAll(async () => c?.close());

  it('sets __Host- and Secure, and sends HSTS, even on a plain socket', async () => {
    const s = await signIn(c, c.http);
    expect(s.setCookie).toMatch(SECURE_COOKIE);
    expect(s.hsts).toBe('max-age=31536000');
    expect((await c.get(`${c.http}/healthz`)).headers['strict-transport-security']).toBe('max-age=31536000');
  });
});

describe.skipIf(skip)('secureCookies: never (a lab on plain http)', () => {
  let c: SecureApp;
  beforeAll(async () => {
    c = await startSecureApp({ tls: true, config: { ui: { secureCookies: 'never' } } });
    await c.user('desk', 'servicedesk', PASSWORD);
  }, 60_000);
  afterAll(async () => c?.close());

  it('sets the plain cookie even over HTTPS (HSTS still follows the TLS socket)', async () => {
    const s = await signIn(c, c.https as string);
    expect(s.setCookie).toMatch(PLAIN_COOKIE);
    expect(s.hsts).toBe('max-age=31536000');
  });
});
