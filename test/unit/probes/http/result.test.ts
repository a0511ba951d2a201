import { describe, expect, it } from 'vitest';
import type { HopResult } from '../../../../agent/src/probes/http/exchange.ts';
import { certExpiryDays, judge, type Expectations } from '../../../../agent/src/probes/http/result.ts';
import { statusRanges } from '../../../../agent/src/probes/http/status.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const expectDefault: Expectations = { ranges: statusRanges(['200-399']), rangesText: '200-399' };

/** A complete https hop: dns 5, connect 10, tls 20, ttfb 100, transfer 15 → 150 ms. */
function hop(over: Partial<HopResult> = {}): HopResult {
  return {
    timings: { start: 0, dnsDone: 5, connected: 15, tlsDone: 35, firstByte: 135, done: 150 },
    status: 200,
    bodyBytes: 11,
    bodyTruncated: false,
    body: Buffer.from('hello world'),
    // `valid_to` exactly as Node prints it from a real certificate.
    cert: { validTo: 'Nov 30 12:00:00 2026 GMT', subject: 'localhost' },
    ...over,
  };
}

const byMetric = (r: ReturnType<typeof judge>) =>
  Object.fromEntries(r.samples.map((s) => [s.labels?.phase === undefined ? s.metric : `${s.metric}{${s.labels.phase}}`, s.value]));

describe('judging an http run', () => {
  it('a good answer is success with every phase, the total, the status and the certificate expiry', () => {
    const r = judge({ hops: [hop()], expect: expectDefault, nowMs: NOW });
    expect(r.outcome).toBe('success');
    expect(r.message).toBeUndefined();
    expect(byMetric(r)).toEqual({
      'http_phase_ms{dns}': 5,
      'http_phase_ms{connect}': 10,
      'http_phase_ms{tls}': 20,
      'http_phase_ms{ttfb}': 100,
      'http_phase_ms{transfer}': 15,
      http_total_ms: 150,
      http_status_code: 200,
      tls_cert_expiry_days: 10,
    });
  });

  it('a status outside the list is a mismatch, with what was measured', () => {
    const r = judge({ hops: [hop({ status: 503 })], expect: expectDefault, nowMs: NOW });
    expect(r.outcome).toBe('mismatch');
    expect(r.message).toBe('status 503 not in 200-399');
    expect(byMetric(r).http_status_code).toBe(503);
    expect(byMetric(r).http_total_ms).toBe(150);
  });

  it('401 and 403 are auth errors unless they are expected', () => {
    expect(judge({ hops: [hop({ status: 401 })], expect: expectDefault, nowMs: NOW }).outcome).toBe('auth_error');
    expect(judge({ hops: [hop({ status: 403 })], expect: expectDefault, nowMs: NOW }).outcome).toBe('auth_error');
    const expect401 = { ranges: statusRanges([401]), rangesText: '401' };
    expect(judge({ hops: [hop({ status: 401 })], expect: expect401, nowMs: NOW }).outcome).toBe('success');
  });

  it('checks the body text byte for byte, and says when only part of the body was read', () => {
    const want = (s: string): Expectations => ({ ...expectDefault, bodyContains: s });
    expect(judge({ hops: [hop()], expect: want('lo wo'), nowMs: NOW }).outcome).toBe('success');
    const miss = judge({ hops: [hop()], expect: want('goodbye'), nowMs: NOW });
    expect(miss.outcome).toBe('mismatch');
    expect(miss.message).toBe('body does not contain the expected text');
    const cut = judge({ hops: [hop({ body: Buffer.from('hell'), bodyTruncated: true })], expect: want('world'), nowMs: NOW });
    expect(cut.message).toBe('body does not contain the expected text in the first 4 bytes');
    expect(judge({ hops: [hop({ body: Buffer.from('caf\u00e9 ok') })], expect: want('\u00e9 o'), nowMs: NOW }).outcome).toBe('success');
  });

  it('a failed hop keeps the phases that finished, and has no total', () => {
    const failed = hop({
      timings: { start: 0, dnsDone: 5, connected: 15, tlsDone: 35 },
      status: undefined,
      body: undefined,
      failure: { stage: 'request', code: 'ABORT_ERR', message: 'aborted' },
    });
    const r = judge({ hops: [failed], expect: expectDefault, nowMs: NOW });
    expect(r.outcome).toBe('timeout');
    expect(r.message).toBe('request: ABORT_ERR (aborted)');
    expect(byMetric(r)).toEqual({ 'http_phase_ms{dns}': 5, 'http_phase_ms{connect}': 10, 'http_phase_ms{tls}': 20, tls_cert_expiry_days: 10 });
  });

  it('an untrusted or expired certificate still reports its expiry (negative once expired)', () => {
    const expired = hop({
      timings: { start: 0, connected: 1, tlsDone: 4 },
      status: undefined,
      cert: { validTo: 'Feb  1 00:00:00 2020 GMT', subject: 'localhost' },
      failure: { stage: 'tls', code: 'CERT_HAS_EXPIRED', message: 'certificate not accepted: CERT_HAS_EXPIRED' },
    });
    const r = judge({ hops: [expired], expect: expectDefault, nowMs: NOW });
    expect(r.outcome).toBe('tls_error');
    expect(byMetric(r).tls_cert_expiry_days).toBeCloseTo(-(NOW - Date.parse('2020-02-01T00:00:00Z')) / 86_400_000, 2);
    expect(byMetric(r).tls_cert_expiry_days).toBeLessThan(-2400);
  });

  it('over a redirect chain: phases are summed, the status is the last one, the expiry the soonest', () => {
    const first = hop({ status: 302, location: '/next', cert: { validTo: 'Dec 20 12:00:00 2026 GMT', subject: 'a' } });
    const second = hop({ timings: { start: 160, connected: 161, tlsDone: 171, firstByte: 191, done: 200 } });
    const r = judge({ hops: [first, second], expect: expectDefault, nowMs: NOW });
    expect(r.outcome).toBe('success');
    expect(byMetric(r)).toMatchObject({
      'http_phase_ms{connect}': 11,
      'http_phase_ms{tls}': 30,
      http_total_ms: 200,
      http_status_code: 200,
      tls_cert_expiry_days: 10,
    });
  });

  it('too many redirects is a mismatch; a bad Location a protocol error', () => {
    const r = hop({ status: 302, location: '/again' });
    expect(judge({ hops: [r, r, r], expect: expectDefault, redirect: { kind: 'too_many', limit: 2 }, nowMs: NOW })).toMatchObject({
      outcome: 'mismatch',
      message: 'more than 2 redirect(s)',
    });
    expect(judge({ hops: [r], expect: expectDefault, redirect: { kind: 'bad_location', location: 'http://[' }, nowMs: NOW }).outcome).toBe('protocol_error');
    expect(judge({ hops: [r], expect: expectDefault, redirect: { kind: 'bad_scheme', protocol: 'ftp:' }, nowMs: NOW }).outcome).toBe('mismatch');
  });

  it('certificate dates parse the way OpenSSL prints them', () => {
    expect(certExpiryDays('Nov 30 12:00:00 2026 GMT', NOW)).toBe(10);
    expect(certExpiryDays('Nov 20 18:00:00 2026 GMT', NOW)).toBe(0.25);
    expect(certExpiryDays('not a date', NOW)).toBeUndefined();
  });
});
