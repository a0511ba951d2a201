/**
 * Outcome codes: every probe run ends in exactly one of these. They are data, not exceptions
 * (STYLE habit 2) and are stable: append, never rename. docs/outcomes.md is kept in step by a test.
 */
export const OUTCOMES = {
  success: 'The check ran and every measurement it needs was taken.',
  timeout: 'No answer within the check timeout (or every ping of an ICMP burst was lost).',
  dns_error: 'The target name could not be resolved.',
  refused: 'The target actively refused the connection (TCP RST, ICMP port unreachable).',
  unreachable: 'No route to the target (host or network unreachable).',
  tls_error: 'The TLS handshake failed or the certificate was not acceptable.',
  auth_error: 'The target rejected our credentials (SNMPv3 user/keys, HTTP 401/403 when not expected).',
  protocol_error: 'The target answered, but not in the protocol we speak (bad SNMP PDU, malformed HTTP).',
  mismatch: 'The target answered, but not what the check expects (status code, body text).',
  unavailable: 'The probe could not run on this machine (ping binary missing, no permission).',
  internal_error: 'A bug in the probe; the run was recorded so the gap is visible.',
} as const;

export type Outcome = keyof typeof OUTCOMES;
export const OUTCOME_CODES = Object.keys(OUTCOMES) as Outcome[];

export function isOutcome(value: string): value is Outcome {
  return Object.hasOwn(OUTCOMES, value);
}
