import { describe, expect, it } from 'vitest';
import { COLUMNS, IF_ENTRY, IFX_ENTRY, SNMP_ENGINE_BOOTS, SYS_NAME, SYS_UPTIME, isUnder } from '../../../../agent/src/probes/snmp/oids.ts';
import { getScalars, growTuning, walkColumns, type BulkTuning, type WalkOptions } from '../../../../agent/src/probes/snmp/walk.ts';
import type { Clock } from '../../../../shared/src/clock.ts';
import { fakeDevice, loadSnmprec } from './fake-device.ts';

const CISCO = loadSnmprec('cisco-3750.snmprec');
const SNMPD = loadSnmprec('snmpd-linux.snmprec');
const ALL = Object.values(COLUMNS);

function tickingClock(): Clock {
  let t = 0;
  return { now: () => 1_700_000_000_000 + t, monotonic: () => (t += 1) };
}

function options(over: Partial<WalkOptions> & { tuning?: BulkTuning } = {}): WalkOptions {
  return { version: '2c', retries: 3, signal: new AbortController().signal, clock: tickingClock(), tuning: { maxRepetitions: 25, ceiling: 25 }, ...over };
}

/** What a correct walk of `column` returns: every recorded OID under it (as index suffixes). */
function expectedRows(recording: typeof CISCO, column: string, version: '1' | '2c' = '2c'): string[] {
  return recording.filter((vb) => isUnder(column, vb.oid) && !(version === '1' && vb.type === 'counter64')).map((vb) => vb.oid.slice(column.length + 1));
}

describe('walkColumns', () => {
  it('reads all 15 columns of the recorded Cisco 3750 side by side and stops at each subtree', async () => {
    const dev = fakeDevice(CISCO);
    const r = await walkColumns(dev.session, ALL, options());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const col of ALL) expect([...(r.columns.get(col)?.keys() ?? [])], col).toEqual(expectedRows(CISCO, col));
    expect(r.columns.get(COLUMNS.ifDescr)?.size).toBe(59);
    expect(r.columns.get(COLUMNS.ifHCInOctets)?.size).toBe(55);
    // ceil(59 / 25) rounds plus the one that sees every column end.
    expect(r.stats).toEqual({ requests: 3, timeouts: 0, tooBig: 0 });
    expect(dev.requests.every((q) => q.op === 'getBulk')).toBe(true);
  });

  it('asks only for the rows still missing when it knows how many to expect (ifNumber)', async () => {
    const dev = fakeDevice(CISCO);
    const r = await walkColumns(dev.session, ALL, options({ expectedRows: 59 }));
    expect(dev.requests.map((q) => q.maxRepetitions)).toEqual([25, 25, 10]);
    const plain = await walkColumns(fakeDevice(CISCO).session, ALL, options());
    expect(r.ok && plain.ok).toBe(true);
    if (r.ok && plain.ok) for (const col of ALL) expect([...(r.columns.get(col)?.keys() ?? [])]).toEqual([...(plain.columns.get(col)?.keys() ?? [])]);
    // A wrong hint costs requests, never rows.
    const lowDev = fakeDevice(CISCO);
    const low = await walkColumns(lowDev.session, ALL, options({ expectedRows: 3 }));
    if (low.ok) expect(low.columns.get(COLUMNS.ifDescr)?.size).toBe(59);
    expect(lowDev.requests.map((q) => q.maxRepetitions)).toEqual([4, 25, 25, 25]);
  });

  it('gets the same rows when the agent truncates every answer (64 varbinds, as snmpsimd does)', async () => {
    const full = await walkColumns(fakeDevice(CISCO).session, ALL, options());
    const cut = await walkColumns(fakeDevice(CISCO, { maxVarbinds: 64 }).session, ALL, options());
    expect(cut.ok && full.ok).toBe(true);
    if (!cut.ok || !full.ok) return;
    for (const col of ALL) expect([...(cut.columns.get(col)?.keys() ?? [])]).toEqual([...(full.columns.get(col)?.keys() ?? [])]);
    expect(cut.stats.requests).toBeGreaterThan(full.stats.requests);
  });

  it('halves max-repetitions on tooBig until the answer fits, and keeps the smaller value', async () => {
    const tuning = { maxRepetitions: 25, ceiling: 25 };
    const dev = fakeDevice(CISCO, { tooBigAbove: 100 });
    const r = await walkColumns(dev.session, ALL, options({ tuning }));
    expect(r.ok).toBe(true);
    expect(dev.requests.slice(0, 3).map((q) => q.maxRepetitions)).toEqual([25, 12, 6]);
    expect(tuning.maxRepetitions).toBe(6);
    expect(r.stats.tooBig).toBe(2);
    if (r.ok) expect([...(r.columns.get(COLUMNS.ifName)?.keys() ?? [])]).toEqual(expectedRows(CISCO, COLUMNS.ifName));
  });

  it('grows max-repetitions by a quarter after a clean walk, up to the ceiling', async () => {
    const tuning = { maxRepetitions: 6, ceiling: 10 };
    await walkColumns(fakeDevice(CISCO).session, ALL, options({ tuning }));
    expect(tuning.maxRepetitions).toBe(7);
    for (let i = 0; i < 5; i++) growTuning(tuning);
    expect(tuning.maxRepetitions).toBe(10);
  });

  it('retries a lost request with half the repetitions and still reads every row', async () => {
    const tuning = { maxRepetitions: 24, ceiling: 24 };
    const dev = fakeDevice(CISCO, { lose: (n) => n === 2 || n === 3 });
    const r = await walkColumns(dev.session, ALL, options({ tuning }));
    expect(r.ok).toBe(true);
    const seen = dev.requests.map((q) => [q.maxRepetitions, q.answered]);
    expect(seen.slice(0, 4)).toEqual([
      [24, true],
      [24, false],
      [12, false],
      [6, true],
    ]);
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.slice(4).every(([rep, answered]) => rep === 6 && answered === true)).toBe(true);
    expect(r.stats.timeouts).toBe(2);
    if (r.ok) expect([...(r.columns.get(COLUMNS.ifHCOutOctets)?.keys() ?? [])]).toEqual(expectedRows(CISCO, COLUMNS.ifHCOutOctets));
  });

  it('gives up with `timeout` once a request has used all its retries', async () => {
    const dev = fakeDevice(CISCO, { lose: (n) => n > 1 });
    const r = await walkColumns(dev.session, ALL, options({ retries: 2 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.kind).toBe('timeout');
    expect(dev.requests).toHaveLength(4);
  });

  it('walks SNMPv1 with GETNEXT: no Counter64 columns, end of MIB via noSuchName', async () => {
    const dev = fakeDevice(SNMPD, { version: '1' });
    const r = await walkColumns(dev.session, ALL, options({ version: '1' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(dev.requests.every((q) => q.op === 'getNext')).toBe(true);
    expect(r.columns.get(COLUMNS.ifHCInOctets)?.size).toBe(0);
    for (const col of ALL) expect([...(r.columns.get(col)?.keys() ?? [])], col).toEqual(expectedRows(SNMPD, col, '1'));
    expect(r.columns.get(COLUMNS.ifInOctets)?.size).toBeGreaterThan(0);
  });

  it('stops a looping agent (OIDs that do not increase) with protocol_error', async () => {
    const r = await walkColumns(fakeDevice(CISCO, { loopAfter: 1 }).session, ALL, options());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure).toMatchObject({ kind: 'protocol', message: expect.stringContaining('must increase') });
  });

  it('bounds a table that is larger than maxRows', async () => {
    const r = await walkColumns(fakeDevice(CISCO).session, [COLUMNS.ifDescr], options({ maxRows: 10 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.kind).toBe('protocol');
  });

  it('stops at once when the run is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const dev = fakeDevice(CISCO);
    const r = await walkColumns(dev.session, ALL, options({ signal: ac.signal }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.kind).toBe('aborted');
    expect(dev.requests).toHaveLength(0);
  });

  it('walks a whole table subtree too, without running into the next table', async () => {
    const r = await walkColumns(fakeDevice(SNMPD).session, [IF_ENTRY, IFX_ENTRY], options());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.columns.get(IF_ENTRY)?.size).toBe(expectedRows(SNMPD, IF_ENTRY).length);
  });
});

describe('getScalars', () => {
  it('returns what exists and leaves out what the agent does not have (v2c noSuchObject)', async () => {
    const r = await getScalars(fakeDevice(CISCO).session, [SYS_NAME, SYS_UPTIME, SNMP_ENGINE_BOOTS], options());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.value.values.keys()]).toEqual([SYS_NAME, SYS_UPTIME]);
    expect(r.value.requests).toBe(1);
  });

  it('drops the OID an SNMPv1 agent calls noSuchName and asks again', async () => {
    const dev = fakeDevice(CISCO, { version: '1' });
    const r = await getScalars(dev.session, [SYS_NAME, SNMP_ENGINE_BOOTS, SYS_UPTIME], options({ version: '1' }));
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.value.values.keys()]).toEqual([SYS_NAME, SYS_UPTIME]);
    expect(dev.requests.map((q) => q.oids.length)).toEqual([3, 2]);
  });

  it('retries on timeout, then reports it', async () => {
    const dev = fakeDevice(CISCO, { lose: () => true });
    const r = await getScalars(dev.session, [SYS_UPTIME], options({ retries: 3 }));
    expect(r.ok).toBe(false);
    expect(dev.requests).toHaveLength(4);
  });
});
