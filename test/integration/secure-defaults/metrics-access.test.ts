/**
 * Who may read /metrics and /openapi.json (issue 11 point 5; plugins/ops-access.ts): by default
 * without a credential from loopback only, from elsewhere with a servicedesk key or session (401
 * without, 403 for a practice key or user); `metrics.public: true` opens both. "Elsewhere" is
 * tried two ways: a real client in a network namespace this test creates (root), and a request
 * through a proxy on this machine (it carries X-Forwarded-For, so loopback does not count).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, type Lab } from '../../lab/lab.ts';
import { setCookieOf, startSecureApp, type SecureApp } from './fixture.ts';

const OPS = ['/metrics', '/openapi.json'];
const PASSWORD = 'correct horse battery';
const PROXIED = { 'x-forwarded-for': '198.51.100.7' };
const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

async function sessionCookie(c: SecureApp, username: string): Promise<string> {
  const r = await c.post(`${c.http}/api/v1/session`, { username, password: PASSWORD });
  expect(r.status, r.body).toBe(200);
  return setCookieOf(r).split(';')[0] as string;
}

describe('default (metrics.public: false), on loopback', () => {
  let c: SecureApp;
  beforeAll(async () => {
    c = await startSecureApp();
    await c.user('boss', 'admin', PASSWORD);
    await c.user('viewer', 'practice', PASSWORD, 'A81001');
  }, 60_000);
  afterAll(async () => c?.close());

  it('answers a local client without a credential', async () => {
    for (const path of OPS) expect((await c.get(`${c.http}${path}`)).status, path).toBe(200);
    expect((await c.get(`${c.http}/metrics`)).body).toContain('n3mon_');
  });

  it('through a proxy (X-Forwarded-For): 401 without a credential, 403 for a practice key or user, 200 for the service desk', async () => {
    const desk = await c.key('servicedesk');
    const practice = await c.key('practice', 'A81001');
    const admin = await sessionCookie(c, 'boss');
    const viewer = await sessionCookie(c, 'viewer');
    for (const path of OPS) {
      const none = await c.get(`${c.http}${path}`, PROXIED);
      expect(none.status, path).toBe(401);
      expect(JSON.parse(none.body).code).toBe('N3MON_ERR_AUTH_MISSING');
      expect((await c.get(`${c.http}${path}`, { ...PROXIED, ...auth(practice) })).status, path).toBe(403);
      expect((await c.get(`${c.http}${path}`, { ...PROXIED, cookie: viewer })).status, path).toBe(403);
      expect((await c.get(`${c.http}${path}`, { ...PROXIED, ...auth(desk) })).status, path).toBe(200);
      expect((await c.get(`${c.http}${path}`, { ...PROXIED, cookie: admin })).status, path).toBe(200);
      // A local client that sends a bad key is refused, not let through as local.
      expect((await c.get(`${c.http}${path}`, auth('n3k_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).status, path).toBe(401);
    }
  });
});

describe('metrics.public: true', () => {
  let c: SecureApp;
  beforeAll(async () => {
    c = await startSecureApp({ config: { metrics: { public: true } } });
  }, 60_000);
  afterAll(async () => c?.close());

  it('answers anyone without a credential', async () => {
    for (const path of OPS) expect((await c.get(`${c.http}${path}`, PROXIED)).status, path).toBe(200);
  });
});

describe.skipIf(skipUnlessLab(LAB_REQUIREMENTS))('a client on another address (network namespace)', () => {
  let lab: Lab;
  let c: SecureApp;
  let base: string;
  beforeAll(async () => {
    lab = await createLab({ name: 'ops-access' });
    c = await startSecureApp({ config: { listen: { host: lab.hostIp, port: 0 } } });
    base = c.http;
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await lab?.destroy();
  });

  /** Status of GET url from inside the namespace (node's fetch, 10 s limit). */
  async function statusFromNs(url: string, headers: Record<string, string> = {}): Promise<number> {
    const script = `fetch(${JSON.stringify(url)}, { headers: ${JSON.stringify(headers)}, signal: AbortSignal.timeout(10000) }).then((r) => console.log(r.status), (e) => { console.log('error', e.message); process.exit(1); })`;
    const r = await lab.run(process.execPath, ['-e', script], { timeoutMs: 15_000 });
    return Number(r.stdout.trim());
  }

  it('needs a servicedesk key: 401 without, 403 for a practice key, 200 with', async () => {
    expect(base).toContain(lab.hostIp);
    const desk = await c.key('servicedesk');
    const practice = await c.key('practice', 'A81001');
    for (const path of OPS) {
      expect(await statusFromNs(`${base}${path}`), path).toBe(401);
      expect(await statusFromNs(`${base}${path}`, auth(practice)), path).toBe(403);
      expect(await statusFromNs(`${base}${path}`, auth(desk)), path).toBe(200);
    }
    expect(await statusFromNs(`${base}/healthz`)).toBe(200);
  });
});
