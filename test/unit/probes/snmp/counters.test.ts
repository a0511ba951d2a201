// The counter rules on their own. Values come from the recorded sequences where a recording has
// them (test/fixtures/snmp/sequences/); the boundaries around them are stated next to each case.
import { describe, expect, it } from 'vitest';
import {
  GLITCH_CEILING_BPS,
  RATE_TOLERANCE,
  TWO_32,
  counterDelta,
  perSecond,
  uptimeContinuity,
  wrapsFromEngineTime,
  type CounterReading,
} from '../../../../agent/src/probes/snmp/counters.ts';
import { loadSequence } from './sequences.ts';

/** The glitch ceiling rates.ts uses for octets when no speed is configured (400 Gbit/s). */
const OCTETS_CAP = { ceilingPerSecond: GLITCH_CEILING_BPS / 8 };
const reading = (value: bigint, atMs: number, bits: 32 | 64 = 32): CounterReading => ({ value, bits, atMs });

describe('counterDelta', () => {
  const wrap = loadSequence('snmpsim-counter32-wrap');
  const inOctets = (i: number) => wrap.polls[i]?.interfaces.find((r) => r.index === 11001)?.counters.inOctets as CounterReading;
  const wrapAt = wrap.polls.findIndex((_, i) => i > 0 && inOctets(i).value < inOctets(i - 1).value);

  it('corrects a recorded Counter32 wrap (1,000,000 octets/s past 2^32 on a 10 Mbit/s port)', () => {
    expect(wrapAt).toBeGreaterThan(0);
    const v = counterDelta(inOctets(wrapAt - 1), inOctets(wrapAt), { ...OCTETS_CAP, maxPerSecond: 10e6 / 8 });
    expect(v.kind).toBe('delta');
    if (v.kind !== 'delta') return;
    expect(v.wrapped).toBe(true);
    expect(v.delta).toBe(inOctets(wrapAt).value + TWO_32 - inOctets(wrapAt - 1).value);
    expect(Math.abs(perSecond(v) - 1_000_000) / 1_000_000).toBeLessThan(0.05);
  });

  it('calls the same drop a reset when the port could not carry that much (a 1 Mbit/s port)', () => {
    expect(counterDelta(inOctets(wrapAt - 1), inOctets(wrapAt), { ...OCTETS_CAP, maxPerSecond: 1e6 / 8 })).toEqual({
      kind: 'discontinuity',
      reason: 'counter_went_back',
    });
  });

  it('with no known speed, trusts a wrap only from the upper half of the range', () => {
    const t = 60_000;
    expect(counterDelta(reading(4_000_000_000n, 0), reading(5_000n, t), OCTETS_CAP)).toMatchObject({
      kind: 'delta',
      wrapped: true,
      delta: TWO_32 - 4_000_000_000n + 5_000n,
    });
    expect(counterDelta(reading(2_000_000_000n, 0), reading(5_000n, t), OCTETS_CAP)).toEqual({ kind: 'discontinuity', reason: 'counter_went_back' });
  });

  it('refuses a Counter32 that could have wrapped more than once (1 Gbit/s for 60 s > 2^32 octets)', () => {
    const gig = { ...OCTETS_CAP, maxPerSecond: 1e9 / 8 };
    expect(counterDelta(reading(100n, 0), reading(200n, 60_000), gig)).toEqual({ kind: 'discontinuity', reason: 'counter32_ambiguous' });
    // 30 s cannot hold two wraps at 1 Gbit/s (3.75e9 < 2^32 octets): a normal delta.
    expect(counterDelta(reading(100n, 0), reading(200n, 30_000), gig)).toMatchObject({ kind: 'delta', delta: 100n });
    // A counter that did not move is a rate of 0, not 2^32 × k.
    expect(counterDelta(reading(7n, 0), reading(7n, 60_000), gig)).toMatchObject({ kind: 'delta', delta: 0n });
  });

  it('never lets a 64-bit counter go backwards or spike past its ceiling', () => {
    // A configured speed of 100 Mbit/s: the ceiling is 1.5 × it, so 100 Mbit/s × 60 s × 1.5 = 1.125e9 octets is the most a delta may be.
    const hc = { maxPerSecond: 100e6 / 8, ceilingPerSecond: (100e6 * RATE_TOLERANCE) / 8 };
    expect(counterDelta(reading(5_000_000n, 0, 64), reading(1_000n, 60_000, 64), hc)).toEqual({ kind: 'discontinuity', reason: 'counter_went_back' });
    expect(counterDelta(reading(0n, 0, 64), reading(1_125_000_000n, 60_000, 64), hc).kind).toBe('delta');
    expect(counterDelta(reading(0n, 0, 64), reading(1_125_000_001n, 60_000, 64), hc)).toEqual({ kind: 'discontinuity', reason: 'rate_exceeds_speed' });
    // A reported speed of 100 Mbit/s is only a hint: the same delta is a rate; 400 Gbit/s × 60 s = 3e12 octets is the most.
    const reported = { ...OCTETS_CAP, maxPerSecond: 100e6 / 8 };
    expect(counterDelta(reading(0n, 0, 64), reading(1_125_000_001n, 60_000, 64), reported)).toMatchObject({ kind: 'delta', delta: 1_125_000_001n });
    expect(counterDelta(reading(0n, 0, 64), reading(3_000_000_000_000n, 60_000, 64), reported).kind).toBe('delta');
    expect(counterDelta(reading(0n, 0, 64), reading(3_000_000_000_001n, 60_000, 64), reported)).toEqual({
      kind: 'discontinuity',
      reason: 'rate_exceeds_speed',
    });
    // No speed known: the ceiling (400 Gbit/s) still stops an exabit "rate".
    expect(counterDelta(reading(0n, 0, 64), reading(1n << 62n, 60_000, 64), OCTETS_CAP)).toEqual({ kind: 'discontinuity', reason: 'rate_exceeds_speed' });
  });

  it('judges a Counter32 wrap by the speed, not by the glitch ceiling (a reset is not passed off as a wrap)', () => {
    // 100 Mbit/s port, 60 s: a wrap may add at most 1.125e9 octets. From 2^32 - 10 to 2e9 would be ~2e9 octets: a reset.
    const fast = { ...OCTETS_CAP, maxPerSecond: 100e6 / 8 };
    expect(counterDelta(reading(TWO_32 - 10n, 0), reading(2_000_000_000n, 60_000), fast)).toEqual({ kind: 'discontinuity', reason: 'counter_went_back' });
    expect(counterDelta(reading(TWO_32 - 10n, 0), reading(1_000_000_000n, 60_000), fast)).toMatchObject({
      kind: 'delta',
      wrapped: true,
      delta: 1_000_000_010n,
    });
  });

  it('does the arithmetic in BigInt: exact near 2^64, where a Number would round', () => {
    const top = (1n << 64n) - 1n;
    const v = counterDelta(reading(top - 1_000n, 0, 64), reading(top, 1_000, 64), OCTETS_CAP);
    expect(v).toMatchObject({ kind: 'delta', delta: 1_000n, wrapped: false });
    expect(Number(top - 1_000n) === Number(top)).toBe(true); // why BigInt
  });

  it('refuses to compare a 64-bit reading with a 32-bit one, or readings with no time between', () => {
    expect(counterDelta(reading(1n, 0, 32), reading(2n, 1000, 64), OCTETS_CAP)).toEqual({ kind: 'discontinuity', reason: 'counter_width_changed' });
    expect(counterDelta(reading(1n, 1000), reading(2n, 1000), OCTETS_CAP)).toEqual({ kind: 'discontinuity', reason: 'no_time_elapsed' });
  });
});

describe('uptimeContinuity', () => {
  const up = loadSequence('snmpsim-uptime-497d').polls;
  const at = (i: number) => ({ ticks: up[i]?.sysUpTimeTicks as number, atMs: up[i]?.atMs as number });
  const wrapAt = up.findIndex((p, i) => i > 0 && (p.sysUpTimeTicks as number) < (up[i - 1]?.sysUpTimeTicks as number));

  it('recognises the recorded 497-day sysUpTime wrap as time passing, not a reboot', () => {
    expect(wrapAt).toBeGreaterThan(0);
    expect(uptimeContinuity(at(wrapAt - 1), at(wrapAt))).toEqual({ kind: 'continuous', wrapped: true });
    expect(uptimeContinuity(at(0), at(1))).toEqual({ kind: 'continuous', wrapped: false });
  });

  it('calls a recorded snmpsimd restart a restart', () => {
    const r = loadSequence('snmpsim-restart').polls;
    const t = (i: number) => ({ ticks: r[i]?.sysUpTimeTicks as number, atMs: r[i]?.atMs as number });
    expect(uptimeContinuity(t(1), t(2))).toEqual({ kind: 'restarted' });
  });

  it('calls a restart that happened long ago (uptime moved, but not by the time that passed) a restart', () => {
    // Last seen up 10 min; a day later it is up 2 h: it rebooted in between.
    expect(uptimeContinuity({ ticks: 60_000, atMs: 0 }, { ticks: 720_000, atMs: 86_400_000 })).toEqual({ kind: 'restarted' });
  });

  it('sets a frozen sysUpTime aside as no evidence', () => {
    expect(uptimeContinuity({ ticks: 697_202_257, atMs: 0 }, { ticks: 697_202_257, atMs: 60_000 })).toEqual({ kind: 'frozen' });
  });
});

describe('wrapsFromEngineTime', () => {
  it('counts wraps sysUpTime hid when snmpEngineTime (which does not wrap) agrees', () => {
    // 600 days up: sysUpTime shows 600 d - 497.1 d.
    const engineTime = 600 * 86_400;
    const ticks = engineTime * 100 - 4_294_967_296;
    expect(wrapsFromEngineTime(ticks, engineTime)).toBe(1);
    expect(wrapsFromEngineTime(12_345, 123)).toBe(0);
    // The two clocks disagree (engine time counts something else): trust neither.
    expect(wrapsFromEngineTime(ticks + 50_000_000, engineTime)).toBe(0);
  });
});
