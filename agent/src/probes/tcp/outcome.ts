/**
 * Socket and resolver error codes → outcomes (pure). Anything not listed is `internal_error`:
 * a code nobody expected should show up as a gap someone looks at, not hide as "down".
 */
import type { Outcome } from '../../../../shared/src/outcomes.ts';

const BY_CODE: Readonly<Record<string, Outcome>> = {
  ECONNREFUSED: 'refused',
  // A reset during the handshake is a refusal by a middlebox or the host.
  ECONNRESET: 'refused',
  ETIMEDOUT: 'timeout',
  ABORTED: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  // A local firewall rule (nftables/Windows Firewall) rejecting the connect.
  EACCES: 'unreachable',
  EPERM: 'unreachable',
  // Name resolution (getaddrinfo via dns.lookup).
  ENOTFOUND: 'dns_error',
  EAI_AGAIN: 'dns_error',
  EAI_FAIL: 'dns_error',
  EAI_NONAME: 'dns_error',
  ENODATA: 'dns_error',
  ESERVFAIL: 'dns_error',
};

export function tcpOutcomeFor(code: string): Outcome {
  return BY_CODE[code] ?? 'internal_error';
}
