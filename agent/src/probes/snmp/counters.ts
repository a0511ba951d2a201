/**
 * Counter arithmetic, all in BigInt, and the rules that tell a wrap from a reset. Pure functions;
 * test/unit/probes/snmp/ drives them with sequences recorded from snmpd and snmpsimd.
 *
 * Rules (README.md in this folder says the same for operators):
 * - A 64-bit counter never wraps in practice (2^64 bytes at 100 Gbit/s is 46 years): going
 *   backwards is a reset.
 * - A Counter32 that went backwards wrapped once if the wrapped delta is a rate the interface can
 *   carry (capacity × RATE_TOLERANCE); otherwise it was reset. With no known capacity it counts as
 *   a wrap only when the previous value was in the upper half of the range.
 * - A Counter32 on an interface that could carry 2^32 units within the interval may have wrapped
 *   more than once: a delta is ambiguous and yields no rate (shorten the interval, or poll HC
 *   counters) — unless the counter did not move at all, which is a rate of 0.
 * - Any delta whose rate exceeds the glitch ceiling (`ceilingPerSecond`: ./rates.ts sets it from
 *   a configured speed, else from the plausible maximum, GLITCH_CEILING_BPS) is a discontinuity,
 *   never a spike. A rate above the speed a device *reports* is not a glitch (snmpd says `lo` is
 *   10 Mbit/s, Cisco dialers 56 kbit/s): it is a rate, flagged by ./rates.ts.
 * - sysUpTime (TimeTicks, 1/100 s) wraps every 2^32 ticks ≈ 497.1 days; a wrap is recognised
 *   because the elapsed ticks modulo 2^32 match the time the agent measured between polls. Any
 *   other mismatch means the SNMP agent restarted.
 */

export const TWO_32 = 1n << 32n;
export const TWO_31 = 1n << 31n;
export const TICKS_WRAP = 4_294_967_296; // 2^32 TimeTicks

/** Timing jitter (counter caches such as snmpd's ~3 s, request latency) allowed above capacity. */
export const RATE_TOLERANCE = 1.5;
/**
 * The most any interface a practice agent polls can carry, in bit/s, when no speed is configured:
 * 400 Gbit/s, the fastest Ethernet in general use (IEEE 802.3bs) and 40 times the 10 Gbit/s of
 * the largest uplink a practice has. A device's *reported* speed is a hint (loopbacks, dialers,
 * tunnels, VLAN and bundle interfaces report what they like), so it only raises this ceiling
 * (× RATE_TOLERANCE), never lowers it. What it stops: the counter glitches that matter — a torn
 * read of a 64-bit counter's high word (2³² × k octets), an agent bug jumping by 2⁵⁰, a reset to a
 * random value — which imply tera- to exabits per second.
 */
export const GLITCH_CEILING_BPS = 400e9;
/** Smallest Ethernet frame on the wire (64 bytes + preamble + gap = 84 bytes = 672 bits). */
export const MIN_FRAME_BITS = 672;

export interface CounterReading {
  value: bigint;
  bits: 32 | 64;
  /** Monotonic ms at which the value was read. */
  atMs: number;
}

export const COUNTER_REASONS = ['counter_width_changed', 'counter_went_back', 'rate_exceeds_speed', 'counter32_ambiguous', 'no_time_elapsed'] as const;
export type CounterReason = (typeof COUNTER_REASONS)[number];

export type CounterVerdict = { kind: 'delta'; delta: bigint; wrapped: boolean; seconds: number } | { kind: 'discontinuity'; reason: CounterReason };

export interface CounterLimits {
  /**
   * Units per second the interface is known (configured) or said (reported) to carry (octets:
   * bps/8; packets: bps/672), if any: judges a Counter32 wrap and a possible double wrap.
   */
  maxPerSecond?: number;
  /** Above this many units per second a delta is a glitch (`rate_exceeds_speed`), not a rate. */
  ceilingPerSecond: number;
}

function ceilBig(x: number): bigint {
  return Number.isFinite(x) ? BigInt(Math.ceil(x)) : 1n << 80n;
}

/** The delta between two readings of one counter, or why there is none. */
export function counterDelta(prev: CounterReading, cur: CounterReading, limits: CounterLimits): CounterVerdict {
  if (prev.bits !== cur.bits) return { kind: 'discontinuity', reason: 'counter_width_changed' };
  const seconds = (cur.atMs - prev.atMs) / 1000;
  if (!(seconds > 0)) return { kind: 'discontinuity', reason: 'no_time_elapsed' };
  const known = limits.maxPerSecond !== undefined && limits.maxPerSecond > 0;
  const maxDelta = ceilBig(limits.ceilingPerSecond * seconds);

  // An unchanged counter is a zero rate, not a 2^32 × k one (Null0, unused ports).
  if (cur.bits === 32 && cur.value !== prev.value && known && ceilBig((limits.maxPerSecond as number) * seconds) >= TWO_32) {
    return { kind: 'discontinuity', reason: 'counter32_ambiguous' };
  }
  let delta = cur.value - prev.value;
  let wrapped = false;
  if (delta < 0n) {
    if (cur.bits === 64) return { kind: 'discontinuity', reason: 'counter_went_back' };
    const candidate = delta + TWO_32;
    // A wrap is judged against what the interface carries (a reset would otherwise pass for one).
    const maxWrapDelta = known ? ceilBig((limits.maxPerSecond as number) * seconds * RATE_TOLERANCE) : maxDelta;
    const plausible = known ? candidate <= maxWrapDelta && candidate <= maxDelta : prev.value >= TWO_31 && candidate <= maxDelta;
    if (!plausible) return { kind: 'discontinuity', reason: 'counter_went_back' };
    delta = candidate;
    wrapped = true;
  }
  if (delta > maxDelta) return { kind: 'discontinuity', reason: 'rate_exceeds_speed' };
  return { kind: 'delta', delta, wrapped, seconds };
}

/** Units per second from a delta (exact BigInt delta, converted once). */
export function perSecond(v: Extract<CounterVerdict, { kind: 'delta' }>): number {
  return Number(v.delta) / v.seconds;
}

export interface UptimeReading {
  /** sysUpTime.0 in TimeTicks (0 … 2^32-1). */
  ticks: number;
  /** Monotonic ms at which it was read. */
  atMs: number;
}

export type UptimeVerdict =
  /** Advanced with the clock; `wrapped` when it passed 2^32 ticks (497.1 days) since last time. */
  | { kind: 'continuous'; wrapped: boolean }
  /** Did not advance at all while time passed: a broken agent, so no evidence either way. */
  | { kind: 'frozen' }
  /** Went back or jumped: the SNMP agent (or the device) restarted. */
  | { kind: 'restarted' };

/** Allowed disagreement between the device's ticks and our clock: 5 s + 2 % of the interval. */
export function uptimeToleranceTicks(expectedTicks: number): number {
  return 500 + 0.02 * Math.abs(expectedTicks);
}

export function uptimeContinuity(prev: UptimeReading, cur: UptimeReading): UptimeVerdict {
  const expected = (cur.atMs - prev.atMs) / 10;
  const tolerance = uptimeToleranceTicks(expected);
  if (cur.ticks === prev.ticks && expected > tolerance) return { kind: 'frozen' };
  const elapsed = (((cur.ticks - prev.ticks) % TICKS_WRAP) + TICKS_WRAP) % TICKS_WRAP;
  if (Math.abs(elapsed - expected) <= tolerance) return { kind: 'continuous', wrapped: cur.ticks < prev.ticks };
  return { kind: 'restarted' };
}

/**
 * How many times sysUpTime has wrapped, from SNMPv3's snmpEngineTime (seconds, which does not
 * wrap) when the two agree to within a day modulo 2^32 ticks; 0 otherwise.
 */
export function wrapsFromEngineTime(ticks: number, engineTimeS: number): number {
  const engineTicks = engineTimeS * 100;
  if (engineTicks < TICKS_WRAP) return 0;
  const wraps = Math.round((engineTicks - ticks) / TICKS_WRAP);
  const residual = Math.abs(wraps * TICKS_WRAP + ticks - engineTicks);
  return wraps > 0 && residual <= 86_400 * 100 ? wraps : 0;
}
