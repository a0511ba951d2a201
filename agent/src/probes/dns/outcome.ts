/**
 * node:dns error codes → outcomes (pure). getaddrinfo (dns.lookup) says little: ENOTFOUND for
 * "no such name", EAI_AGAIN for "no answer or SERVFAIL" — both are `dns_error`. A configured
 * server (c-ares, dns.Resolver) says more.
 */
import type { Outcome } from '../../../../shared/src/outcomes.ts';

const BY_CODE: Readonly<Record<string, Outcome>> = {
  // The name does not exist (NXDOMAIN) or has no record of the type asked (NODATA).
  ENOTFOUND: 'dns_error',
  ENODATA: 'dns_error',
  ENONAME: 'dns_error',
  EBADNAME: 'dns_error',
  // The server answered with an error rcode.
  ESERVFAIL: 'dns_error',
  EREFUSED: 'dns_error',
  ENOTIMP: 'dns_error',
  // getaddrinfo: temporary failure (no answer from any server, or SERVFAIL) / permanent failure.
  EAI_AGAIN: 'dns_error',
  EAI_FAIL: 'dns_error',
  EAI_NONAME: 'dns_error',
  // No answer in time, or the run was aborted.
  ETIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECANCELLED: 'timeout',
  // ICMP port unreachable from the server's address.
  ECONNREFUSED: 'refused',
  // Something answered, but not a DNS message we can read.
  EBADRESP: 'protocol_error',
  EFORMERR: 'protocol_error',
  EOF: 'protocol_error',
  EBADSTR: 'protocol_error',
};

export function dnsOutcomeFor(code: string): Outcome {
  return BY_CODE[code] ?? 'internal_error';
}
