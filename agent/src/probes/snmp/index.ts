/**
 * `snmp`: polls one device (SNMP v1, v2c or v3) for its system group and IF-MIB interface
 * counters; reports per-interface rates, utilisation, errors, discards and oper status, and the
 * device's uptime. See ./README.md for config keys, outcomes and the counter rules.
 */
import { defineProbe } from '../types.ts';
import { openNetSnmpSession } from './net-snmp-session.ts';
import { createSnmpProbe } from './probe.ts';
import { SnmpCheck, validateSnmpCheck } from './schema.ts';

export { SnmpCheck, validateSnmpCheck } from './schema.ts';
export { createSnmpProbe, type SnmpProbeDeps } from './probe.ts';
export type { SessionFactory, SnmpSession } from './session.ts';

/**
 * Whole-run budget when the check sets no timeoutMs: room for a few requests to use all their
 * retries (at least 30 s), but always inside the interval.
 */
export function snmpDefaultTimeoutMs(check: SnmpCheck): number {
  return Math.min(Math.floor(check.intervalMs * 0.9), Math.max(30_000, check.requestTimeoutMs * (check.retries + 1) * 4));
}

export const snmpProbe = defineProbe({
  kind: 'snmp',
  schema: SnmpCheck,
  // A poll is mostly waiting on UDP answers (a few ms of CPU per 48-port switch); 32 in flight
  // keeps 100 devices well inside a round while one dead device only holds its own slot.
  concurrency: 32,
  defaultTimeoutMs: snmpDefaultTimeoutMs,
  baseLabels: (check) => ({ ...check.labels, target: check.target, role: check.role, ...(check.app === undefined ? {} : { app: check.app }) }),
  validate: (check) => validateSnmpCheck(check),
  create: (check) => createSnmpProbe(check, { openSession: openNetSnmpSession }),
});
