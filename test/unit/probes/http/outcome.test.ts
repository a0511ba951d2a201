/**
 * Outcome mapping from failures captured from real sockets, TLS handshakes, resolvers and
 * misbehaving servers (test/fixtures/http/capture-errors.ts wrote errors.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCode, errorMessage, outcomeForFailure, type HopFailure } from '../../../../agent/src/probes/http/outcome.ts';
import type { Outcome } from '../../../../shared/src/outcomes.ts';

const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/http/errors.json', import.meta.url), 'utf8')) as {
  failures: (HopFailure & { scenario: string })[];
};

const expected: Record<string, Outcome> = {
  'dns: resolver unreachable': 'dns_error',
  'dns: malformed name': 'dns_error',
  'connect: no route to network': 'unreachable',
  'connect: unreachable route': 'unreachable',
  'connect: port closed': 'refused',
  'request: server never answers (aborted)': 'timeout',
  'tls: handshake never completes (aborted)': 'timeout',
  'tls: plain http server on an https URL': 'tls_error',
  'tls: self-signed certificate, CA not given': 'tls_error',
  'tls: expired certificate': 'tls_error',
  'tls: certificate for another name': 'tls_error',
  'tls: connection reset in the handshake': 'tls_error',
  'request: not HTTP': 'protocol_error',
  'request: closed without an answer': 'protocol_error',
  'transfer: body shorter than content-length': 'protocol_error',
};

describe('http failure → outcome, from captured failures', () => {
  it('the fixture covers every scenario this test expects', () => {
    expect(fixture.failures.map((f) => f.scenario).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const f of fixture.failures) {
    it(`${f.scenario} (${f.stage} ${f.code}) → ${expected[f.scenario]}`, () => {
      expect(outcomeForFailure(f)).toBe(expected[f.scenario]);
    });
  }

  it('an unknown code is judged by the stage it happened in', () => {
    expect(outcomeForFailure({ stage: 'dns', code: 'EINVAL' })).toBe('dns_error');
    expect(outcomeForFailure({ stage: 'connect', code: 'EWHATEVER' })).toBe('unreachable');
    expect(outcomeForFailure({ stage: 'tls', code: 'EPIPE' })).toBe('tls_error');
    expect(outcomeForFailure({ stage: 'transfer', code: 'EPIPE' })).toBe('protocol_error');
  });

  it('a connect timeout from the kernel is a timeout, not unreachable', () => {
    expect(outcomeForFailure({ stage: 'connect', code: 'ETIMEDOUT' })).toBe('timeout');
  });

  it('reads codes off errors and keeps messages to one bounded line', () => {
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errorCode(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe('ABORT_ERR');
    expect(errorCode('nope')).toBe('UNKNOWN');
    expect(errorMessage(new Error('first line\n  at somewhere'))).toBe('first line');
    expect(errorMessage(new Error('x'.repeat(500))).length).toBe(200);
  });
});
