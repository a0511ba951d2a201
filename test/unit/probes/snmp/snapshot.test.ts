import { describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../../agent/src/probes/snmp/oids.ts';
import {
  octetsToText,
  rowsFromColumns,
  snapshotFromJson,
  snapshotToJson,
  type DeviceSnapshot,
  type IfRow,
} from '../../../../agent/src/probes/snmp/snapshot.ts';
import { compileSelectors, selectInterfaces } from '../../../../agent/src/probes/snmp/select.ts';
import { walkColumns } from '../../../../agent/src/probes/snmp/walk.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import { fakeDevice, loadSnmprec } from './fake-device.ts';

async function rowsOf(fixture: string, version: '1' | '2c' = '2c'): Promise<IfRow[]> {
  const r = await walkColumns(fakeDevice(loadSnmprec(fixture), { version }).session, Object.values(COLUMNS), {
    version,
    retries: 0,
    signal: new AbortController().signal,
    clock: systemClock,
    tuning: { maxRepetitions: 25, ceiling: 25 },
  });
  if (!r.ok) throw new Error(r.failure.message);
  return rowsFromColumns(r.columns);
}

describe('interface rows from the recorded walks', () => {
  it('Cisco 3750: 59 interfaces, ifName preferred, speed from ifHighSpeed, 64-bit octets', async () => {
    const rows = await rowsOf('cisco-3750.snmprec');
    expect(rows).toHaveLength(59);
    const fa1 = rows.find((r) => r.index === 11001) as IfRow;
    expect(fa1).toMatchObject({ name: 'Fa3/0/1', descr: 'FastEthernet3/0/1', speedBps: 10e6, operUp: false });
    expect(fa1.alias).toBeUndefined(); // empty ifAlias is no alias
    expect(fa1.counters.inOctets?.bits).toBe(64);
    expect(fa1.counters.inErrors?.bits).toBe(32);
    // ifSpeed saturates at 2^32-1 for Null0; ifHighSpeed (Mbit/s) says 10 Gbit/s.
    expect(rows.find((r) => r.index === 14501)).toMatchObject({ name: 'Nu0', speedBps: 10_000e6 });
    expect(rows.find((r) => r.index === 11042)?.alias).toBe('connected to cube 12b ruckus ap');
  });

  it('snmpd on Linux: lo at 10 Mbit/s, HC octets; over SNMPv1 only the 32-bit ones', async () => {
    const v2 = await rowsOf('snmpd-linux.snmprec');
    expect(v2.find((r) => r.index === 1)).toMatchObject({ name: 'lo', speedBps: 10e6, operUp: true });
    expect(v2.find((r) => r.index === 1)?.counters.inOctets?.bits).toBe(64);
    const v1 = await rowsOf('snmpd-linux.snmprec', '1');
    expect(v1.find((r) => r.index === 1)?.counters.inOctets?.bits).toBe(32);
    expect(v1.map((r) => r.name)).toEqual(v2.map((r) => r.name));
  });

  it('selects by glob on ifName or ifDescr, by /regex/ on ifAlias, by index', async () => {
    const rows = await rowsOf('cisco-3750.snmprec');
    const pick = (sel: Parameters<typeof compileSelectors>[0]) => selectInterfaces(rows, compileSelectors(sel)).map((s) => s.row.index);
    expect(pick([{ name: 'GigabitEthernet*' }])).toEqual([11101, 11102, 11103, 11104]);
    expect(pick([{ name: 'Gi3/0/?' }])).toEqual([11101, 11102, 11103, 11104]);
    expect(pick([{ alias: '/ruckus/' }])).toEqual([11042, 11043]);
    expect(pick([{ index: 70 }, { index: 999 }])).toEqual([70]);
    expect(pick(undefined)).toHaveLength(59);
  });
});

describe('octetsToText', () => {
  it('drops NULs and control characters, replaces bad UTF-8, bounds the length', () => {
    expect(octetsToText(new Uint8Array([0x65, 0x74, 0x68, 0x30, 0x00, 0x0a]))).toBe('eth0');
    expect(octetsToText(new Uint8Array([0x47, 0xff, 0x69]))).toBe('G\ufffdi');
    expect(octetsToText(new Uint8Array(300).fill(0x61))).toHaveLength(128);
  });
});

describe('snapshot JSON', () => {
  it('round-trips BigInt counters exactly', () => {
    const snap: DeviceSnapshot = {
      atMs: 12.5,
      sysUpTimeTicks: 42,
      interfaces: [{ index: 1, name: 'lo', counters: { inOctets: { value: (1n << 64n) - 1n, bits: 64, atMs: 13 } } }],
    };
    const back = snapshotFromJson(JSON.parse(JSON.stringify(snapshotToJson(snap))));
    expect(back).toEqual(snap);
  });
});
