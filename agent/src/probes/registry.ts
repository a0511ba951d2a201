/**
 * The probe registry: the only place that lists probe kinds. A new probe is a new folder under
 * ./ exporting a ProbeKind, plus one line here.
 */
import type { ProbeKind } from './types.ts';
import { icmpProbe } from './icmp/index.ts';
import { tcpProbe } from './tcp/index.ts';
import { dnsProbe } from './dns/index.ts';
import { httpProbe } from './http/index.ts';
import { hostProbe } from './host/index.ts';
import { snmpProbe } from './snmp/index.ts';
import { throughputProbe } from './throughput/index.ts';

export const PROBES: readonly ProbeKind[] = [icmpProbe, tcpProbe, dnsProbe, httpProbe, hostProbe, snmpProbe, throughputProbe] as readonly ProbeKind[];

export function probeFor(kind: string, probes: readonly ProbeKind[] = PROBES): ProbeKind | undefined {
  return probes.find((p) => p.kind === kind);
}
