/**
 * Statistics of one ICMP burst (pure). Definitions, also in ./README.md and docs/metrics.md:
 *
 * - min / max / avg (arithmetic mean) / median (mean of the two middle values for an even count)
 *   of the RTTs of the replies received;
 * - stddev: population standard deviation, sqrt(Σ(rtt − avg)² / n) — iputils' "mdev" is the same
 *   quantity;
 * - jitter: mean of |RTT(i) − RTT(i−1)| over consecutive received replies in order of arrival —
 *   RFC 3550 §6.4.1's D(i−1, i) (with RTT standing in for one-way transit time), averaged plainly
 *   instead of with the RFC's running 1/16 estimator. Lost packets are skipped, not counted as 0.
 *   Needs two replies; undefined with fewer;
 * - loss ratio: (sent − received) / sent, 0..1.
 */

export interface RttStats {
  count: number;
  minMs: number;
  avgMs: number;
  medianMs: number;
  maxMs: number;
  stddevMs: number;
  /** Undefined with fewer than two replies. */
  jitterMs: number | undefined;
}

/** RTT statistics of the replies, in order of arrival; undefined when there are none (never zeros). */
export function rttStats(rttsInArrivalOrder: readonly number[]): RttStats | undefined {
  const n = rttsInArrivalOrder.length;
  if (n === 0) return undefined;
  for (const v of rttsInArrivalOrder) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`rttStats: not an RTT: ${v}`);
  }
  const sorted = [...rttsInArrivalOrder].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const avg = sum / n;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const variance = sorted.reduce((acc, v) => acc + (v - avg) ** 2, 0) / n;
  return {
    count: n,
    minMs: sorted[0]!,
    avgMs: avg,
    medianMs: median,
    maxMs: sorted[n - 1]!,
    stddevMs: Math.sqrt(variance),
    jitterMs: meanConsecutiveDifference(rttsInArrivalOrder),
  };
}

/** Mean |x(i) − x(i−1)|; undefined for fewer than two values. */
export function meanConsecutiveDifference(values: readonly number[]): number | undefined {
  if (values.length < 2) return undefined;
  let total = 0;
  for (let i = 1; i < values.length; i++) total += Math.abs(values[i]! - values[i - 1]!);
  return total / (values.length - 1);
}

/** Share of requests without a reply, 0..1; undefined when nothing was sent. */
export function lossRatio(sent: number, received: number): number | undefined {
  if (!(sent > 0)) return undefined;
  return Math.min(1, Math.max(0, (sent - received) / sent));
}
