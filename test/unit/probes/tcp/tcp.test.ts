/** tcp: target parsing, error codes → outcomes, config errors as exact `path: message` lines. */
import { describe, it, expect } from 'vitest';
import { parseHostPort } from '../../../../agent/src/probes/tcp/target.ts';
import { tcpOutcomeFor } from '../../../../agent/src/probes/tcp/outcome.ts';
import { tcpProbe, TcpCheck } from '../../../../agent/src/probes/tcp/index.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { OUTCOME_CODES } from '../../../../shared/src/outcomes.ts';

describe('parseHostPort', () => {
  it.each([
    ['203.0.113.10:443', { host: '203.0.113.10', port: 443, family: 4 }],
    ['spine.example.nhs.uk:443', { host: 'spine.example.nhs.uk', port: 443, family: 0 }],
    ['[2001:db8::1]:8443', { host: '2001:db8::1', port: 8443, family: 6 }],
    ['[::1]:1', { host: '::1', port: 1, family: 6 }],
    ['localhost:65535', { host: 'localhost', port: 65535, family: 0 }],
  ])('%s', (text, value) => {
    expect(parseHostPort(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['203.0.113.10', "'203.0.113.10' has no port (host:port, [IPv6]:port)"],
    ['2001:db8::1', 'an IPv6 address needs brackets and a port, e.g. [2001:db8::1]:443'],
    ['host:0', 'port 0 is not in 1..65535'],
    ['host:70000', 'port 70000 is not in 1..65535'],
    ['[not-v6]:443', "'not-v6' in brackets is not an IPv6 address"],
    ['-oProxy:22', "'-oProxy' is not a host name"],
    ['a b:1', "'a b:1' is not host:port"],
  ])('%s is refused: %s', (text, problem) => {
    expect(parseHostPort(text)).toEqual({ ok: false, problem });
  });

  it('with a default port (a DNS server), the port and even the brackets may go', () => {
    expect(parseHostPort('192.0.2.53', { defaultPort: 53 })).toEqual({ ok: true, value: { host: '192.0.2.53', port: 53, family: 4 } });
    expect(parseHostPort('2001:db8::53', { defaultPort: 53 })).toEqual({ ok: true, value: { host: '2001:db8::53', port: 53, family: 6 } });
    expect(parseHostPort('[2001:db8::53]:5353', { defaultPort: 53 })).toEqual({ ok: true, value: { host: '2001:db8::53', port: 5353, family: 6 } });
  });
});

describe('tcpOutcomeFor', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ABORTED', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['ENOTFOUND', 'dns_error'],
    ['EAI_AGAIN', 'dns_error'],
    ['EWHATEVER', 'internal_error'],
  ])('%s → %s', (code, outcome) => {
    expect(tcpOutcomeFor(code)).toBe(outcome);
    expect(OUTCOME_CODES).toContain(outcome);
  });
});

describe('tcp check config', () => {
  it('defaults and labels', () => {
    const r = parseWithSchema(TcpCheck, { kind: 'tcp', target: '203.0.113.10:443', role: 'national-app', app: 'spine' });
    expect(r).toEqual({ ok: true, value: { kind: 'tcp', target: '203.0.113.10:443', role: 'national-app', app: 'spine', intervalMs: 60_000 } });
    if (r.ok) expect(tcpProbe.baseLabels(r.value)).toEqual({ target: '203.0.113.10:443', role: 'national-app', app: 'spine' });
  });

  it('every problem as `path: message`', () => {
    expect(parseWithSchema(TcpCheck, { kind: 'tcp', target: '203.0.113.10', role: 'national-app', port: 443 })).toEqual({
      ok: false,
      problems: [
        'target: must match pattern "^(\\[[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?\\]|[A-Za-z0-9_][A-Za-z0-9._-]*):[0-9]{1,5}$"',
        'port: unknown key (allowed: kind, target, id, role, intervalMs, timeoutMs, app, labels)',
      ],
    });
    expect(parseWithSchema(TcpCheck, { kind: 'tcp', role: 'national-app', intervalMs: 500 })).toEqual({
      ok: false,
      problems: ['target: missing required key', 'intervalMs: must be >= 1000'],
    });
  });

  it('validate() catches what the pattern cannot: the port range', () => {
    const r = parseWithSchema(TcpCheck, { kind: 'tcp', target: 'host.example:99999', role: 'server' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(tcpProbe.validate?.(r.value)).toEqual(['target: port 99999 is not in 1..65535']);
  });
});
