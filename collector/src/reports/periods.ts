/**
 * Accounting periods of a report month: 24×7 and core hours, each minus maintenance windows,
 * and the buckets of a series that fall in a period. Pure.
 */
import type { Bucket, QuantileSketch } from '../storage/types.ts';
import { planTiers, subtract, totalMs, type Interval, type TierPlan } from './intervals.ts';

export type PeriodName = 'core' | 'all';

export interface Period {
  name: PeriodName;
  /** What is accounted: the period minus maintenance. */
  intervals: Interval[];
  /** Length of `intervals`, ms. */
  lengthMs: number;
  /** Maintenance time removed from the period, ms. */
  excludedMs: number;
  plan: TierPlan;
  /** plan.hours as a set, for lookups. */
  hourSet: Set<number>;
}

export function makePeriod(name: PeriodName, base: readonly Interval[], maintenance: readonly Interval[]): Period {
  const intervals = subtract(base, maintenance);
  const plan = planTiers(intervals);
  return { name, intervals, lengthMs: totalMs(intervals), excludedMs: totalMs(base) - totalMs(intervals), plan, hourSet: new Set(plan.hours) };
}

export function pieceKey(p: Interval): string {
  return `${p.from}+${p.to - p.from}`;
}

/** The buckets of one series read for a report: hour tier for the month, minute tier for pieces. */
export interface SeriesBuckets {
  hourly: ReadonlyMap<number, Bucket>;
  /** Keyed by pieceKey(). */
  pieces: Map<string, Bucket>;
}

/** Every bucket of the series inside the period (each sample exactly once). */
export function bucketsIn(data: SeriesBuckets, period: Period): Bucket[] {
  const out: Bucket[] = [];
  for (const h of period.plan.hours) {
    const b = data.hourly.get(h);
    if (b !== undefined) out.push(b);
  }
  for (const p of period.plan.pieces) {
    const b = data.pieces.get(pieceKey(p));
    if (b !== undefined) out.push(b);
  }
  return out;
}

export interface Moments {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function emptyMoments(): Moments {
  return { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

export function addMoments(m: Moments, b: { count: number; sum: number; min: number; max: number }): void {
  if (b.count === 0) return;
  m.count += b.count;
  m.sum += b.sum;
  if (b.min < m.min) m.min = b.min;
  if (b.max > m.max) m.max = b.max;
}

export function mean(m: Moments): number | null {
  return m.count === 0 ? null : m.sum / m.count;
}

/** A fresh sketch holding every sample of the series in the period. */
export function sketchIn(list: readonly SeriesBuckets[], period: Period, newSketch: () => QuantileSketch): QuantileSketch {
  const s = newSketch();
  for (const d of list) for (const b of bucketsIn(d, period)) s.merge(b.sketch);
  return s;
}
