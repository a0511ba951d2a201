/**
 * Simulated devices for snmpsimd, made from the recorded Cisco Catalyst 3750 that Debian's
 * snmpsim ships (a real switch's walk: 48 FastEthernet ports Fa3/0/1…48 at ifIndex 11001…11048,
 * 4 GigabitEthernet, VLANs, stack ports, Null0). The recording is read gunzipped in memory, cut
 * down to the system group, ifTable and ifXTable, and given counters that grow at known rates with
 * snmpsim's `numeric` variation (value = initial + rate × seconds since snmpsimd started; we do
 * not use `cumulative`, which adds the whole elapsed time again on every read).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

export const DEBIAN_CISCO = '/usr/share/doc/snmpsim/examples/data/cisco_16_switch.snmprec.gz';

/** ifIndex of Fa3/0/n is 11000 + n. */
export const FAST_ETHERNET = Array.from({ length: 48 }, (_, i) => 11001 + i);

export interface SnmprecLine {
  oid: string;
  /** ASN.1 tag as snmprec writes it: '2', '4', '4x', '65', '70', '70:numeric', … */
  tag: string;
  value: string;
}

export function parseSnmprec(text: string): SnmprecLine[] {
  const out: SnmprecLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const a = line.indexOf('|');
    const b = line.indexOf('|', a + 1);
    if (a < 0 || b < 0) throw new Error(`not an snmprec line: ${line.slice(0, 80)}`);
    out.push({ oid: line.slice(0, a), tag: line.slice(a + 1, b), value: line.slice(b + 1) });
  }
  return out;
}

export function formatSnmprec(lines: readonly SnmprecLine[]): string {
  return lines.map((l) => `${l.oid}|${l.tag}|${l.value}`).join('\n') + '\n';
}

const KEEP = ['1.3.6.1.2.1.1.', '1.3.6.1.2.1.2.', '1.3.6.1.2.1.31.1.1.1.'];

/** The Debian Cisco recording, cut to system + ifTable + ifXTable (about 2,200 lines). */
export function ciscoInterfacesRecording(path = DEBIAN_CISCO): SnmprecLine[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  return parseSnmprec(text).filter((l) => KEEP.some((p) => l.oid.startsWith(p)));
}

export interface PortRates {
  /** Octets per second (the HC counter, or the 32-bit one when the device has no HC). */
  inOctetsPerS?: number;
  outOctetsPerS?: number;
  inErrorsPerS?: number;
  outErrorsPerS?: number;
  inDiscardsPerS?: number;
  outDiscardsPerS?: number;
  /** Initial value of the octet counters (default 1,000,000). */
  initialOctets?: number;
}

export interface DevicePlan {
  /** File basename = v2c community. */
  name: string;
  /** sysUpTime ticks at snmpsimd start; it then grows 100 ticks/s. Wraps past 2^32 if close to it. */
  initialUptimeTicks?: number;
  /** Drop ifXTable's 64-bit counters (an old device: only Counter32 octets). */
  noHcCounters?: boolean;
  ports: ReadonlyMap<number, PortRates>;
  /** ifIndexes whose ifCounterDiscontinuityTime moves on every read. */
  movingDiscontinuity?: readonly number[];
}

const COL = {
  ifInOctets: '1.3.6.1.2.1.2.2.1.10',
  ifInDiscards: '1.3.6.1.2.1.2.2.1.13',
  ifInErrors: '1.3.6.1.2.1.2.2.1.14',
  ifOutOctets: '1.3.6.1.2.1.2.2.1.16',
  ifOutDiscards: '1.3.6.1.2.1.2.2.1.19',
  ifOutErrors: '1.3.6.1.2.1.2.2.1.20',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  ifCounterDiscontinuityTime: '1.3.6.1.2.1.31.1.1.1.19',
};
const HC_COLUMNS = ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'].map((c) => `1.3.6.1.2.1.31.1.1.1.${c}.`);
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const MAX32 = 4_294_967_295;

function numeric(tag: '65' | '67' | '70', rate: number, initial: number, wrap32 = false): Pick<SnmprecLine, 'tag' | 'value'> {
  const wrap = wrap32 ? `,max=${MAX32},wrap=1` : '';
  return { tag: `${tag}:numeric`, value: `rate=${rate},initial=${initial}${wrap}` };
}

/** The snmprec text of one simulated device. */
export function buildDevice(base: readonly SnmprecLine[], plan: DevicePlan): string {
  const overrides = new Map<string, Pick<SnmprecLine, 'tag' | 'value'>>();
  overrides.set(SYS_UPTIME, numeric('67', 100, plan.initialUptimeTicks ?? 697_202_257, true));
  for (const [index, r] of plan.ports) {
    const init = r.initialOctets ?? 1_000_000;
    if (plan.noHcCounters === true) {
      if (r.inOctetsPerS !== undefined) overrides.set(`${COL.ifInOctets}.${index}`, numeric('65', r.inOctetsPerS, init, true));
      if (r.outOctetsPerS !== undefined) overrides.set(`${COL.ifOutOctets}.${index}`, numeric('65', r.outOctetsPerS, init, true));
    } else {
      if (r.inOctetsPerS !== undefined) overrides.set(`${COL.ifHCInOctets}.${index}`, numeric('70', r.inOctetsPerS, init));
      if (r.outOctetsPerS !== undefined) overrides.set(`${COL.ifHCOutOctets}.${index}`, numeric('70', r.outOctetsPerS, init));
    }
    if (r.inErrorsPerS !== undefined) overrides.set(`${COL.ifInErrors}.${index}`, numeric('65', r.inErrorsPerS, 0, true));
    if (r.outErrorsPerS !== undefined) overrides.set(`${COL.ifOutErrors}.${index}`, numeric('65', r.outErrorsPerS, 0, true));
    if (r.inDiscardsPerS !== undefined) overrides.set(`${COL.ifInDiscards}.${index}`, numeric('65', r.inDiscardsPerS, 0, true));
    if (r.outDiscardsPerS !== undefined) overrides.set(`${COL.ifOutDiscards}.${index}`, numeric('65', r.outDiscardsPerS, 0, true));
  }
  for (const index of plan.movingDiscontinuity ?? []) overrides.set(`${COL.ifCounterDiscontinuityTime}.${index}`, numeric('67', 100, 0));

  const lines: SnmprecLine[] = [];
  const seen = new Set<string>();
  for (const l of base) {
    if (plan.noHcCounters === true && HC_COLUMNS.some((p) => l.oid.startsWith(p))) continue;
    const o = overrides.get(l.oid);
    lines.push(o === undefined ? l : { oid: l.oid, ...o });
    seen.add(l.oid);
  }
  const missing = [...overrides.keys()].filter((oid) => !seen.has(oid));
  if (missing.length > 0) throw new Error(`device ${plan.name}: the recording has no ${missing.slice(0, 3).join(', ')}`);
  return formatSnmprec(lines);
}

export function writeDevice(dataDir: string, base: readonly SnmprecLine[], plan: DevicePlan): string {
  const file = join(dataDir, `${plan.name}.snmprec`);
  writeFileSync(file, buildDevice(base, plan), { mode: 0o644 });
  return file;
}

/** Known rates for the 48 FastEthernet ports: port n gets (n × 1,000 + 10,000) octets/s in, twice that out. */
export function fastEthernetRates(extra: Partial<PortRates> = {}): Map<number, PortRates> {
  return new Map(
    FAST_ETHERNET.map((index, i) => {
      const inRate = (i + 1) * 1000 + 10_000;
      return [index, { inOctetsPerS: inRate, outOctetsPerS: 2 * inRate, inErrorsPerS: 1, outDiscardsPerS: 2, ...extra }];
    }),
  );
}
