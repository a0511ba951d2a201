/** dns: error codes → outcomes, config errors as exact `path: message` lines, cross-field rules. */
import { describe, it, expect } from 'vitest';
import { dnsOutcomeFor } from '../../../../agent/src/probes/dns/outcome.ts';
import { dnsProbe, DnsCheck, validateDnsCheck } from '../../../../agent/src/probes/dns/index.ts';
import { usesGetaddrinfo } from '../../../../agent/src/probes/dns/resolve.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';

function check(raw: Record<string, unknown>): DnsCheck {
  const r = parseWithSchema(DnsCheck, { kind: 'dns', role: 'server', ...raw });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
}

describe('dnsOutcomeFor', () => {
  it.each([
    ['ENOTFOUND', 'dns_error'],
    ['ENODATA', 'dns_error'],
    ['ESERVFAIL', 'dns_error'],
    ['EREFUSED', 'dns_error'],
    ['EAI_AGAIN', 'dns_error'],
    ['ETIMEOUT', 'timeout'],
    ['ECANCELLED', 'timeout'],
    ['ECONNREFUSED', 'refused'],
    ['EBADRESP', 'protocol_error'],
    ['ESOMETHINGNEW', 'internal_error'],
  ])('%s → %s', (code, outcome) => {
    expect(dnsOutcomeFor(code)).toBe(outcome);
  });
});

describe('dns check config', () => {
  it('defaults: recordType A, system resolver', () => {
    const c = check({ target: 'spine.example.nhs.uk' });
    expect(c).toEqual({ kind: 'dns', target: 'spine.example.nhs.uk', role: 'server', recordType: 'A', intervalMs: 60_000 });
    expect(usesGetaddrinfo(c)).toBe(true);
    expect(usesGetaddrinfo(check({ target: 'x.example', recordType: 'MX' }))).toBe(false);
    expect(usesGetaddrinfo(check({ target: 'x.example', server: '192.0.2.53' }))).toBe(false);
  });

  it('labels carry the server when one is set', () => {
    expect(dnsProbe.baseLabels(check({ target: 'x.example', server: '192.0.2.53:5353' }))).toEqual({
      target: 'x.example',
      role: 'server',
      server: '192.0.2.53:5353',
    });
    expect(dnsProbe.baseLabels(check({ target: 'x.example' }))).toEqual({ target: 'x.example', role: 'server' });
  });

  it('every problem as `path: message`', () => {
    expect(parseWithSchema(DnsCheck, { kind: 'dns', target: '-x', role: 'server', recordType: 'AXFR', resolver: '1' })).toEqual({
      ok: false,
      problems: [
        'target: must match pattern "^[A-Za-z0-9_][A-Za-z0-9._:-]*$"',
        'recordType: must be one of "A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT", "CAA" (got string "AXFR")',
        'resolver: unknown key (allowed: kind, target, server, recordType, id, role, intervalMs, timeoutMs, app, labels)',
      ],
    });
  });

  it('cross-field rules: the server is an IP address; PTR wants an address, the others a name', () => {
    expect(validateDnsCheck(check({ target: 'x.example', server: 'dns.example' }))).toEqual(["server: must be an IP address, not a name ('dns.example')"]);
    expect(validateDnsCheck(check({ target: 'x.example', server: '192.0.2.53:99999' }))).toEqual(['server: port 99999 is not in 1..65535']);
    expect(validateDnsCheck(check({ target: 'x.example', recordType: 'PTR' }))).toEqual(["target: recordType PTR needs an IP address, got 'x.example'"]);
    expect(validateDnsCheck(check({ target: '192.0.2.1' }))).toEqual(["target: '192.0.2.1' is an address; use recordType PTR to look it up"]);
    expect(validateDnsCheck(check({ target: '192.0.2.1', recordType: 'PTR', server: '[2001:db8::53]:53' }))).toEqual([]);
  });
});
