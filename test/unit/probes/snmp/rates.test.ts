// Recorded poll sequences (snmpsimd devices with known counter rates, snmpd across a restart)
// replayed through the rate calculator, as the probe does between runs. Cases marked "derived"
// change one field of a recorded poll to make a situation the lab cannot (a renumbered ifIndex,
// a bumped snmpEngineBoots); the rest of the poll stays as recorded.
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../../shared/src/metrics.ts';
import { GLITCH_CEILING_BPS } from '../../../../agent/src/probes/snmp/counters.ts';
import type { Evaluation } from '../../../../agent/src/probes/snmp/rates.ts';
import type { InterfaceSelector } from '../../../../agent/src/probes/snmp/schema.ts';
import type { DeviceSnapshot } from '../../../../agent/src/probes/snmp/snapshot.ts';
import { FAST_ETHERNET } from '../../../lab/snmp/devices.ts';
import { loadSequence, relErr, replay, sample } from './sequences.ts';

const RATE_METRICS = [
  'snmp_if_in_bps',
  'snmp_if_out_bps',
  'snmp_if_in_errors_per_s',
  'snmp_if_out_errors_per_s',
  'snmp_if_in_discards_per_s',
  'snmp_if_out_discards_per_s',
];
const SCENARIOS = ['snmpsim-steady-hc', 'snmpsim-counter32-wrap', 'snmpsim-uptime-497d', 'snmpsim-restart', 'snmpd-v3-restart', 'snmpd-lo-above-speed'];

function clone(s: DeviceSnapshot): DeviceSnapshot {
  return { ...s, interfaces: s.interfaces.map((r) => ({ ...r, counters: { ...r.counters } })) };
}

describe('rates from recorded sequences', () => {
  it.each(SCENARIOS)('%s: every sample is finite, rates are never negative, labels are the documented ones', (name) => {
    const evals = replay(loadSequence(name).polls);
    // The invariants below hold over something: several polls, and rates among their samples.
    expect(evals.length).toBeGreaterThanOrEqual(4);
    expect(evals.flatMap((e) => e.samples).filter((s) => RATE_METRICS.includes(s.metric)).length).toBeGreaterThan(0);
    for (const e of evals) {
      expect(e.samples.length).toBeGreaterThan(0);
      for (const s of e.samples) {
        expect(Number.isFinite(s.value), `${s.metric} ${JSON.stringify(s.labels)}`).toBe(true);
        if (RATE_METRICS.includes(s.metric)) expect(s.value).toBeGreaterThanOrEqual(0);
        expect(Object.keys(s.labels ?? {}).sort()).toEqual([...METRICS[s.metric].labels].sort());
      }
    }
  });

  it('measures the known rates of all 48 FastEthernet ports within 5 % (HC counters)', () => {
    const seq = loadSequence('snmpsim-steady-hc');
    const evals = replay(seq.polls);
    expect(evals.length).toBeGreaterThanOrEqual(3);
    expect(evals[0]?.samples.some((s) => s.metric === 'snmp_if_in_bps')).toBe(false); // first poll: a baseline
    for (const e of evals.slice(1)) {
      for (const index of FAST_ETHERNET.filter((i) => i !== 11048)) {
        const known = seq.known?.[String(index)] as Record<string, number>;
        expect(relErr(sample(e, 'snmp_if_in_bps', index)?.value ?? NaN, (known.inOctetsPerS as number) * 8)).toBeLessThan(0.05);
        expect(relErr(sample(e, 'snmp_if_out_bps', index)?.value ?? NaN, (known.outOctetsPerS as number) * 8)).toBeLessThan(0.05);
        // Error and discard counts are whole numbers: over a few seconds the count is off by at most 1.
        const seconds = (e.state.atMs - (evals[evals.indexOf(e) - 1]?.state.atMs as number)) / 1000;
        expect(Math.abs((sample(e, 'snmp_if_in_errors_per_s', index)?.value ?? NaN) - (known.inErrorsPerS as number))).toBeLessThanOrEqual(1.05 / seconds);
        expect(Math.abs((sample(e, 'snmp_if_out_discards_per_s', index)?.value ?? NaN) - (known.outDiscardsPerS as number))).toBeLessThanOrEqual(
          1.05 / seconds,
        );
        const speed = seq.polls[0]?.interfaces.find((r) => r.index === index)?.speedBps as number;
        expect(sample(e, 'snmp_if_in_utilisation_ratio', index)?.value).toBeCloseTo((sample(e, 'snmp_if_in_bps', index)?.value as number) / speed, 12);
      }
    }
  });

  it('withholds the rate of a port whose ifCounterDiscontinuityTime moved, and says so', () => {
    const evals = replay(loadSequence('snmpsim-steady-hc').polls);
    expect(evals.length).toBeGreaterThanOrEqual(3);
    for (const e of evals.slice(1)) {
      expect(sample(e, 'snmp_if_in_bps', 11047)?.value, 'the neighbouring port has its rate').toBeGreaterThan(0);
      expect(sample(e, 'snmp_if_in_bps', 11048)).toBeUndefined();
      expect(sample(e, 'snmp_if_counter_discontinuity', 11048)?.labels).toMatchObject({ ifName: 'Fa3/0/48', reason: 'discontinuity_time_changed' });
    }
  });

  it('corrects the recorded Counter32 wrap: rate within 5 %, no discontinuity on the wrapping ports', () => {
    const seq = loadSequence('snmpsim-counter32-wrap');
    const raw = (i: number) => seq.polls[i]?.interfaces.find((r) => r.index === 11001)?.counters.inOctets;
    expect(raw(0)?.bits).toBe(32);
    expect(seq.polls.some((_, i) => i > 0 && (raw(i)?.value as bigint) < (raw(i - 1)?.value as bigint))).toBe(true);
    const evals = replay(seq.polls);
    expect(evals.length).toBeGreaterThanOrEqual(4);
    for (const e of evals.slice(1)) {
      for (const index of FAST_ETHERNET.slice(0, 4)) {
        expect(relErr(sample(e, 'snmp_if_in_bps', index)?.value ?? NaN, 8_000_000)).toBeLessThan(0.05);
        expect(e.discontinuities.filter((d) => d.ifIndex === index)).toEqual([]);
      }
    }
  });

  it('takes the recorded 497-day sysUpTime wrap as time passing: no restart, uptime keeps growing', () => {
    const seq = loadSequence('snmpsim-uptime-497d');
    expect(seq.polls.some((p, i) => i > 0 && (p.sysUpTimeTicks as number) < (seq.polls[i - 1]?.sysUpTimeTicks as number))).toBe(true);
    const evals = replay(seq.polls);
    const uptimes = evals.map((e) => sample(e, 'snmp_device_uptime_s')?.value as number);
    for (let i = 1; i < uptimes.length; i++) expect(uptimes[i]).toBeGreaterThan(uptimes[i - 1] as number);
    expect(uptimes.at(-1)).toBeGreaterThan(4_294_967_296 / 100);
    for (const e of evals) {
      expect(e.restarted).toBeUndefined();
      expect(e.discontinuities.filter((d) => d.reason === 'agent_restarted')).toEqual([]);
    }
    expect(relErr(sample(evals.at(-1) as (typeof evals)[0], 'snmp_if_in_bps', 11010)?.value ?? NaN, 20_000 * 8)).toBeLessThan(0.05);
  });

  it('gives no rate across a recorded snmpsimd restart, records it for every interface, and resumes after', () => {
    const seq = loadSequence('snmpsim-restart');
    const [, , across, after] = replay(seq.polls);
    expect(across?.restarted).toBe('agent_restarted');
    expect(across?.samples.filter((s) => RATE_METRICS.includes(s.metric))).toEqual([]);
    expect(across?.discontinuities).toHaveLength(seq.polls[2]?.interfaces.length as number);
    expect(relErr(sample(after as NonNullable<typeof after>, 'snmp_if_in_bps', 11001)?.value ?? NaN, 11_000 * 8)).toBeLessThan(0.05);
  });

  it('sees a recorded snmpd restart over SNMPv3 (sysUpTime and snmpEngineTime went back)', () => {
    const [, , across, after] = replay(loadSequence('snmpd-v3-restart').polls);
    expect(across?.restarted).toBe('agent_restarted');
    expect(sample(across as NonNullable<typeof across>, 'snmp_if_counter_discontinuity', 1)?.labels).toMatchObject({ ifName: 'lo', reason: 'agent_restarted' });
    expect(sample(after as NonNullable<typeof after>, 'snmp_if_in_bps', 1)?.value).toBeGreaterThanOrEqual(0);
  });
});

describe('rates: derived from a recorded poll', () => {
  const steady = loadSequence('snmpsim-steady-hc').polls;
  const v3 = loadSequence('snmpd-v3-restart').polls;

  it('derived: snmpEngineBoots grew → no rates, reason engine_boots_changed', () => {
    const second = { ...clone(v3[1] as DeviceSnapshot), engineBoots: (v3[1]?.engineBoots as number) + 1 };
    const [, e] = replay([v3[0] as DeviceSnapshot, second]);
    expect(e?.restarted).toBe('engine_boots_changed');
    expect(e?.samples.filter((s) => RATE_METRICS.includes(s.metric))).toEqual([]);
  });

  it('derived: another interface now has this ifIndex (renumbered after a reload) → interface_changed', () => {
    const second = clone(steady[1] as DeviceSnapshot);
    const row = second.interfaces.find((r) => r.index === 11001) as DeviceSnapshot['interfaces'][number];
    row.name = 'Gi9/0/1';
    const [, e] = replay([steady[0] as DeviceSnapshot, second]);
    expect(sample(e as NonNullable<typeof e>, 'snmp_if_in_bps', 11001)).toBeUndefined();
    expect(sample(e as NonNullable<typeof e>, 'snmp_if_counter_discontinuity', 11001)?.labels?.reason).toBe('interface_changed');
  });

  it('derived: a counter jumps by 2^50 (an agent bug) → no exabit spike, rate_exceeds_speed', () => {
    const second = clone(steady[1] as DeviceSnapshot);
    const row = second.interfaces.find((r) => r.index === 11002) as DeviceSnapshot['interfaces'][number];
    const c = row.counters.inOctets as NonNullable<typeof row.counters.inOctets>;
    row.counters.inOctets = { ...c, value: c.value + (1n << 50n) };
    const [, e] = replay([steady[0] as DeviceSnapshot, second]);
    expect(sample(e as NonNullable<typeof e>, 'snmp_if_in_bps', 11002)).toBeUndefined();
    expect(sample(e as NonNullable<typeof e>, 'snmp_if_out_bps', 11002)).toBeDefined();
    expect(e?.discontinuities.find((d) => d.ifIndex === 11002)).toMatchObject({ reason: 'rate_exceeds_speed', counters: ['inOctets'] });
  });

  it('derived: sysUpTime frozen (a broken agent) → counters alone decide, rates still flow', () => {
    // Polled 10× further apart (so the frozen clock is clearly out of step with ours).
    const frozen = steady.map((p) => {
      const c = clone(p);
      for (const row of c.interfaces)
        for (const [k, r] of Object.entries(row.counters))
          row.counters[k as keyof typeof row.counters] = { ...(r as NonNullable<typeof r>), atMs: (r?.atMs as number) * 10 };
      return { ...c, atMs: p.atMs * 10, sysUpTimeTicks: steady[0]?.sysUpTimeTicks as number };
    });
    const evals = replay(frozen);
    expect(evals[1]?.uptimeFrozen).toBe(true);
    expect(evals.map((e) => e.restarted)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(sample(evals[2] as NonNullable<(typeof evals)[2]>, 'snmp_if_in_bps', 11003)?.value).toBeGreaterThan(0);
  });

  it('selects by name, index and alias; role and contracted bandwidth come from the selector', () => {
    const evals = replay(steady, [{ index: 11001, role: 'n3-gateway', inBps: 80e6, outBps: 20e6 }, { name: 'Fa3/0/1?' }, { name: '/^gi3\\/0\\/[12]$/i' }]);
    const e = evals[1] as NonNullable<(typeof evals)[1]>;
    const names = [...new Set(e.samples.filter((s) => s.labels?.ifName !== undefined).map((s) => s.labels?.ifName))];
    expect(names).toEqual([
      'Fa3/0/1',
      'Fa3/0/10',
      'Fa3/0/11',
      'Fa3/0/12',
      'Fa3/0/13',
      'Fa3/0/14',
      'Fa3/0/15',
      'Fa3/0/16',
      'Fa3/0/17',
      'Fa3/0/18',
      'Fa3/0/19',
      'Gi3/0/1',
      'Gi3/0/2',
    ]);
    const wan = sample(e, 'snmp_if_in_utilisation_ratio', 11001);
    expect(wan?.labels?.ifRole).toBe('n3-gateway');
    expect(wan?.value).toBeCloseTo((sample(e, 'snmp_if_in_bps', 11001)?.value as number) / 80e6, 12);
    expect(sample(e, 'snmp_if_out_utilisation_ratio', 11001)?.value).toBeCloseTo((sample(e, 'snmp_if_out_bps', 11001)?.value as number) / 20e6, 12);
    expect(sample(e, 'snmp_if_in_bps', 11010)?.labels?.ifRole).toBe('none');
  });
});

describe('rates: a rate above the speed the device reports (snmpd: lo at 10 Mbit/s, recorded at ~100 Mbit/s)', () => {
  const lo = loadSequence('snmpd-lo-above-speed');
  const LO = 1;
  const reported = lo.polls[0]?.interfaces.find((r) => r.index === LO)?.speedBps as number;
  const onlyLo = (extra: Partial<InterfaceSelector> = {}): InterfaceSelector[] => [{ name: 'lo', ...extra }];

  it("the recording's premise: snmpd reports lo at 10 Mbit/s, over several polls", () => {
    expect(reported).toBe(10e6);
    expect(lo.polls.length).toBeGreaterThanOrEqual(4);
  });

  it('reports the rate, flags the mismatch with the reported speed, and sends no utilisation', () => {
    const evals = replay(lo.polls, onlyLo());
    for (const e of evals.slice(1)) {
      for (const dir of ['in', 'out'] as const) {
        expect(sample(e, `snmp_if_${dir}_bps`, LO)?.value).toBeGreaterThan(5 * reported);
        expect(sample(e, `snmp_if_${dir}_utilisation_ratio`, LO)).toBeUndefined();
        const flag = e.samples.find((s) => s.metric === 'snmp_if_speed_mismatch_bps' && s.labels?.direction === dir);
        expect(flag).toMatchObject({ value: reported, labels: { ifName: 'lo', ifIndex: '1', ifRole: 'none', direction: dir } });
      }
      expect(e.speedMismatches.map((m) => m.direction).sort()).toEqual(['in', 'out']);
      expect(e.discontinuities).toEqual([]);
    }
  });

  it('a contracted bandwidth is the utilisation base: utilisation sent, no mismatch flag', () => {
    const e = replay(lo.polls, onlyLo({ inBps: 1e9, outBps: 500e6 }))[2] as Evaluation;
    expect(sample(e, 'snmp_if_in_utilisation_ratio', LO)?.value).toBeCloseTo((sample(e, 'snmp_if_in_bps', LO)?.value as number) / 1e9, 12);
    expect(sample(e, 'snmp_if_out_utilisation_ratio', LO)?.value).toBeCloseTo((sample(e, 'snmp_if_out_bps', LO)?.value as number) / 500e6, 12);
    expect(sample(e, 'snmp_if_speed_mismatch_bps')).toBeUndefined();
    // Only one direction contracted: the other is still judged against the reported speed.
    const half = replay(lo.polls, onlyLo({ inBps: 1e9 }))[2] as Evaluation;
    expect(half.samples.filter((s) => s.metric === 'snmp_if_speed_mismatch_bps').map((s) => s.labels?.direction)).toEqual(['out']);
  });

  it("a configured speedBps is the operator's word: above it is a rate; above 1.5 × it, a glitch (rate_exceeds_speed)", () => {
    const right = replay(lo.polls, onlyLo({ speedBps: 10e9 }))[2] as Evaluation;
    expect(sample(right, 'snmp_if_in_utilisation_ratio', LO)?.value).toBeCloseTo((sample(right, 'snmp_if_in_bps', LO)?.value as number) / 10e9, 12);
    expect(right.speedMismatches).toEqual([]);
    const wrong = replay(lo.polls, onlyLo({ speedBps: 10e6 }))[2] as Evaluation;
    expect(sample(wrong, 'snmp_if_in_bps', LO)).toBeUndefined();
    expect(wrong.discontinuities).toEqual([{ ifIndex: LO, ifName: 'lo', reason: 'rate_exceeds_speed', counters: ['inOctets', 'outOctets'] }]);
  });

  it('derived: a glitch above 400 Gbit/s (a 64-bit counter jumps by 2^45 octets) is still withheld, whatever the reported speed', () => {
    const second = clone(lo.polls[1] as DeviceSnapshot);
    const row = second.interfaces.find((r) => r.index === LO) as DeviceSnapshot['interfaces'][number];
    const c = row.counters.inOctets as NonNullable<typeof row.counters.inOctets>;
    row.counters.inOctets = { ...c, value: c.value + (1n << 45n) };
    const seconds = (c.atMs - (lo.polls[0]?.interfaces.find((r) => r.index === LO)?.counters.inOctets?.atMs as number)) / 1000;
    expect((2 ** 45 * 8) / seconds).toBeGreaterThan(GLITCH_CEILING_BPS);
    const [, e] = replay([lo.polls[0] as DeviceSnapshot, second], onlyLo());
    expect(sample(e as Evaluation, 'snmp_if_in_bps', LO)).toBeUndefined();
    expect(sample(e as Evaluation, 'snmp_if_out_bps', LO)?.value).toBeGreaterThan(reported);
    expect(e?.discontinuities).toEqual([{ ifIndex: LO, ifName: 'lo', reason: 'rate_exceeds_speed', counters: ['inOctets'] }]);
  });
});
