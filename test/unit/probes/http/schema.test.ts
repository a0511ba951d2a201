import { describe, expect, it } from 'vitest';
import { httpProbe } from '../../../../agent/src/probes/http/index.ts';
import { headersFor, loadCa, nextHop } from '../../../../agent/src/probes/http/probe.ts';
import { isN3monError } from '../../../../shared/src/errors.ts';
import type { HttpCheck } from '../../../../agent/src/probes/http/schema.ts';
import { agentConfigSchema } from '../../../../agent/src/config/schema.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';

function problems(check: unknown): string[] {
  const r = parseWithSchema(httpProbe.schema, check);
  if (!r.ok) return r.problems;
  return httpProbe.validate?.(r.value) ?? [];
}

describe('http check config', () => {
  it('fills the documented defaults', () => {
    const r = parseWithSchema(httpProbe.schema, { kind: 'http', target: 'https://eps.example.invalid/health', role: 'national-app', app: 'eps' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      kind: 'http',
      target: 'https://eps.example.invalid/health',
      role: 'national-app',
      app: 'eps',
      intervalMs: 60_000,
      method: 'GET',
      expectStatus: ['200-399'],
      maxBodyBytes: 1_048_576,
      followRedirects: 0,
      tls: { insecureSkipVerify: false },
    });
    expect(httpProbe.validate?.(r.value)).toEqual([]);
    expect(httpProbe.defaultTimeoutMs(r.value)).toBe(10_000);
    expect(httpProbe.baseLabels(r.value)).toEqual({ target: 'https://eps.example.invalid/health', role: 'national-app', app: 'eps' });
  });

  it('reports every schema problem as path: message', () => {
    expect(
      problems({
        kind: 'http',
        target: 'ftp://x',
        role: 'server',
        method: 'POST',
        expectStatus: [99],
        maxBodyBytes: -1,
        followRedirects: 11,
        tls: { insecure: true },
        bogus: 1,
      }),
    ).toEqual([
      'target: must match pattern "^https?://[^\\s]+$"',
      'method: must be one of "GET", "HEAD" (got string "POST")',
      'expectStatus[0]: must be >= 100',
      'expectStatus[0]: must be string (got number 99)',
      'maxBodyBytes: must be >= 0',
      'followRedirects: must be <= 10',
      'tls.insecure: unknown key (allowed: caFile, insecureSkipVerify, serverName)',
      'bogus: unknown key (allowed: kind, target, id, role, intervalMs, timeoutMs, app, labels, method, headers, expectStatus, expectBodyContains, maxBodyBytes, followRedirects, ipFamily, tls)',
    ]);
    expect(problems({ kind: 'http', role: 'server' })).toEqual(['target: missing required key']);
    expect(problems({ kind: 'http', target: 'http://h/', role: 'server', headers: { 'X-A': 'a\r\nInjected: 1' } })).toEqual([
      'headers.X-A: must match pattern "^[^\\r\\n\\u0000]*$"',
    ]);
  });

  it('reports the cross-field rules as path: message', () => {
    expect(
      problems({
        kind: 'http',
        target: 'https://user:secret@x.example.invalid/',
        role: 'server',
        expectStatus: ['399-200'],
        headers: { 'Bad Name': 'x', Connection: 'keep-alive', Accept: 'a', accept: 'b' },
        method: 'HEAD',
        expectBodyContains: 'ok',
      }),
    ).toEqual([
      'target: must not contain credentials (the URL is a label); send them in headers',
      'expectStatus[0]: range must go from low to high (got "399-200")',
      'headers["Bad Name"]: not a valid header name',
      'headers["Connection"]: set by the probe, cannot be configured',
      'headers["accept"]: same header as "Accept" (names are case-insensitive)',
      'expectBodyContains: a HEAD response has no body; use method GET',
    ]);
    expect(problems({ kind: 'http', target: 'http://[::1/', role: 'server' })).toEqual(['target: not a valid URL']);
    expect(problems({ kind: 'http', target: 'http://h/', role: 'server', maxBodyBytes: 2, expectBodyContains: 'abc' })).toEqual([
      'expectBodyContains: longer than maxBodyBytes, it could never be found',
    ]);
  });

  it('sits in the agent config union under its kind, defaults filled', () => {
    const schema = agentConfigSchema([httpProbe]);
    const r = parseWithSchema(schema, {
      collector: { url: 'http://127.0.0.1:8080', token: 'x'.repeat(20) },
      checks: [{ kind: 'http', target: 'http://127.0.0.1:8080/healthz', role: 'server' }],
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.checks[0]).toMatchObject({ kind: 'http', method: 'GET', expectStatus: ['200-399'], tls: { insecureSkipVerify: false } });
  });

  it('static labels are not part of the base labels (the scheduler adds them)', () => {
    const r = parseWithSchema(httpProbe.schema, { kind: 'http', target: 'http://h/', role: 'server', labels: { site: 'Branch' } });
    expect(r.ok && httpProbe.baseLabels(r.value)).toEqual({ target: 'http://h/', role: 'server' });
  });
});

describe('tls.caFile', () => {
  const thrown = (file: string): unknown => {
    try {
      loadCa(file);
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it('a missing file or one without a certificate is bad config, found at start-up', () => {
    const missing = thrown('/nonexistent/n3mon-ca.pem');
    expect(isN3monError(missing, 'N3MON_ERR_CONFIG_INVALID')).toBe(true);
    expect((missing as { problems: string[] }).problems).toEqual(['tls.caFile: cannot read /nonexistent/n3mon-ca.pem (ENOENT)']);
    const notPem = thrown(new URL(import.meta.url).pathname);
    expect((notPem as { problems: string[] }).problems).toEqual([`tls.caFile: ${new URL(import.meta.url).pathname} holds no PEM certificate`]);
  });

  it('no file: the system roots only', () => {
    expect(loadCa(undefined)).toBeUndefined();
  });
});

describe('redirect rules', () => {
  const base = new URL('https://a.example.invalid/start?x=1');

  it('resolves relative and absolute Locations; refuses other schemes and junk', () => {
    expect(nextHop(base, '/next')).toEqual({ url: new URL('https://a.example.invalid/next') });
    expect(nextHop(base, 'http://b.example.invalid/')).toEqual({ url: new URL('http://b.example.invalid/') });
    expect(nextHop(base, 'ftp://b.example.invalid/')).toEqual({ problem: { kind: 'bad_scheme', protocol: 'ftp:' } });
    expect(nextHop(base, 'http://[')).toEqual({ problem: { kind: 'bad_location', location: 'http://[' } });
  });

  it('drops credentials when a redirect leaves the origin', () => {
    const headers: HttpCheck['headers'] = { Authorization: 'Bearer s3cret', Cookie: 'a=b', 'Proxy-Authorization': 'x', Accept: 'text/plain' };
    expect(headersFor(headers!, true)).toEqual(headers);
    expect(headersFor(headers!, false)).toEqual({ Accept: 'text/plain' });
  });
});
