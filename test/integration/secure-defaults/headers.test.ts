/**
 * Security headers on every class of response a real collector sends (issue 11 point 5): API JSON,
 * the dashboard page and its files, the HTML/CSV reports, /healthz, and errors (400, 401, 403,
 * 404) — nosniff, no framing, Referrer-Policy, a Content-Security-Policy (the dashboard's own; the
 * strict report policy everywhere else), and no HSTS on plain http.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CSP } from '../../../collector/src/plugins/security-headers.ts';
import { DASHBOARD_CSP } from '../../../collector/src/ui/static.ts';
import { startSecureApp, type Answer, type SecureApp } from './fixture.ts';

const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

let c: SecureApp;
let desk: string;
let practice: string;
const month = new Date().toISOString().slice(0, 7);

beforeAll(async () => {
  c = await startSecureApp();
  desk = await c.key('servicedesk');
  practice = await c.key('practice', 'A81001');
}, 60_000);
afterAll(async () => c?.close());

function expectCommon(a: Answer, what: string): void {
  expect(a.headers['x-content-type-options'], what).toBe('nosniff');
  expect(a.headers['x-frame-options'], what).toBe('DENY');
  expect(a.headers['referrer-policy'], what).toBe('same-origin');
  expect(a.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(a.headers['strict-transport-security'], `${what}: no HSTS on plain http`).toBeUndefined();
}

const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

describe('every response carries the security headers', () => {
  it('API JSON, /healthz, /metrics and /openapi.json: the strict default policy', async () => {
    for (const [path, headers] of [
      ['/api/v1/practices', auth(desk)],
      ['/api/v1/practices/A81001', auth(practice)],
      ['/healthz', {}],
      ['/metrics', {}],
      ['/openapi.json', {}],
    ] as const) {
      const a = await c.get(`${c.http}${path}`, headers);
      expect(a.status, `${path}: ${a.body}`).toBe(200);
      expectCommon(a, path);
      expect(a.headers['content-security-policy'], path).toBe(DEFAULT_CSP);
    }
  });

  it('errors: 404, 401, 403, 400', async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      ['/no/such/route', {}, 404],
      ['/nope.js', {}, 404],
      ['/api/v1/practices', {}, 401],
      ['/api/v1/practices', auth('n3k_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 401],
      ['/api/v1/practices/B82002', auth(practice), 403],
      ['/api/v1/practices/A81001/series?metric=icmp_rtt_avg_ms&from=x', auth(desk), 400],
    ];
    for (const [path, headers, status] of cases) {
      const a = await c.get(`${c.http}${path}`, headers);
      expect(a.status, `${path}: ${a.body}`).toBe(status);
      expect(a.headers['content-type'], path).toMatch(/^application\/json/);
      expectCommon(a, `${path} (${status})`);
      expect(a.headers['content-security-policy'], path).toBe(DEFAULT_CSP);
    }
  });

  it('the dashboard page and its files: the dashboard policy (self only, nothing inline)', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/api/v1/session']) {
      const a = await c.get(`${c.http}${path}`);
      expect(a.status, path).toBe(200);
      expectCommon(a, path);
      expect(a.headers['content-security-policy'], path).toBe(DASHBOARD_CSP);
      expect(a.headers['content-security-policy'], path).not.toContain('unsafe-inline');
    }
  });

  it("the reports: HTML under default-src 'none'; style-src 'unsafe-inline'; img-src data:, CSV too", async () => {
    const html = await c.get(`${c.http}/api/v1/reports/A81001/${month}?format=html`, auth(desk));
    expect(html.status, html.body).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expectCommon(html, 'report html');
    expect(String(html.headers['content-security-policy']).startsWith(REPORT_CSP), String(html.headers['content-security-policy'])).toBe(true);
    const csv = await c.get(`${c.http}/api/v1/reports/A81001/${month}?format=csv`, auth(practice));
    expect(csv.status, csv.body).toBe(200);
    expectCommon(csv, 'report csv');
  });
});
