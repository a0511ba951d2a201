/** The config side of `snmp` (pure: ../check-kinds.ts): schema, rules, default timeout, base labels. */
import { defineCheckKind } from '../types.ts';
import { cipherProblems } from './ciphers.ts';
import { SnmpCheck, validateSnmpCheck } from './schema.ts';

/**
 * Whole-run budget when the check sets no timeoutMs: room for a few requests to use all their
 * retries (at least 30 s), but always inside the interval.
 */
export function snmpDefaultTimeoutMs(check: SnmpCheck): number {
  return Math.min(Math.floor(check.intervalMs * 0.9), Math.max(30_000, check.requestTimeoutMs * (check.retries + 1) * 4));
}

export const snmpCheckKind = defineCheckKind({
  kind: 'snmp',
  schema: SnmpCheck,
  defaultTimeoutMs: snmpDefaultTimeoutMs,
  baseLabels: (check) => ({ ...check.labels, target: check.target, role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: (check) => validateSnmpCheck(check),
  hostProblems: (check) => cipherProblems(check),
});
