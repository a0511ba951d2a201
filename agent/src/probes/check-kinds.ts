/**
 * The config side of every probe kind (schemas and rules, no code that measures): what the
 * collector validates the checks it renders for an agent with (collector/src/config-templates/),
 * the same rules the agent applies to its own file. Pure: nothing here loads net-snmp, ping,
 * systeminformation or opens a socket. ./registry.ts adds what runs each kind; a unit test keeps
 * the two lists in step (test/unit/config-templates/check-kinds.test.ts).
 */
import type { CheckKind } from './types.ts';
import { icmpCheckKind } from './icmp/check.ts';
import { tcpCheckKind } from './tcp/check.ts';
import { dnsCheckKind } from './dns/check.ts';
import { httpCheckKind } from './http/check.ts';
import { hostCheckKind } from './host/check.ts';
import { snmpCheckKind } from './snmp/check.ts';
import { throughputCheckKind } from './throughput/check.ts';

export const CHECK_KINDS: readonly CheckKind[] = [
  icmpCheckKind,
  tcpCheckKind,
  dnsCheckKind,
  httpCheckKind,
  hostCheckKind,
  snmpCheckKind,
  throughputCheckKind,
] as readonly CheckKind[];
