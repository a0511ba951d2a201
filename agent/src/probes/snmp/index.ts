/**
 * `snmp`: polls one device (SNMP v1, v2c or v3) for its system group and IF-MIB interface
 * counters; reports per-interface rates, utilisation, errors, discards and oper status, and the
 * device's uptime. See ./README.md for config keys, outcomes and the counter rules.
 */
import { defineProbe } from '../types.ts';
import { openNetSnmpSession } from './net-snmp-session.ts';
import { createSnmpProbe, isSnmpProbe, sameDevice } from './probe.ts';
import { snmpCheckKind } from './check.ts';

export { SnmpCheck, validateSnmpCheck } from './schema.ts';
export { createSnmpProbe, sameDevice, type SnmpProbe, type SnmpProbeDeps } from './probe.ts';
export type { SessionFactory, SnmpSession } from './session.ts';

export { snmpDefaultTimeoutMs } from './check.ts';

export const snmpProbe = defineProbe({
  ...snmpCheckKind,
  // A poll is mostly waiting on UDP answers (a few ms of CPU per 48-port switch); 32 in flight
  // keeps 100 devices well inside a round while one dead device only holds its own slot.
  concurrency: 32,
  create: (check) => createSnmpProbe(check, { openSession: openNetSnmpSession }),
  // A changed check of the same device keeps its counters and discovery (./README.md "A changed check").
  handOver: (prev, next) =>
    sameDevice(prev.check, next) && isSnmpProbe(prev.probe) ? createSnmpProbe(next, { openSession: openNetSnmpSession, from: prev.probe }) : undefined,
});
