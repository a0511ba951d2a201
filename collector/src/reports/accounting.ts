/**
 * The accounting rules of docs/accounting-rules.md as pure functions: runs and availability of
 * a check, completeness, the verdict against a target, percentiles and the share within a
 * threshold from a sketch, outages from minute buckets, reboots from uptime. No I/O.
 */
import type { Bucket, QuantileSketch } from '../storage/types.ts';
import { ACCOUNTING } from './rules.ts';
import { HOUR_MS, MINUTE_MS } from './month.ts';
import { bucketsIn, type Period, type SeriesBuckets } from './periods.ts';
import type { Interval } from './intervals.ts';
import { eachHour, HourMap } from './hour-map.ts';

/** Runs (probe_success samples) and up runs (value 1) of one check, pooled over its outcome series. */
export interface RunCount {
  runs: number;
  up: number;
}

export function runsIn(successSeries: readonly SeriesBuckets[], period: Period): RunCount {
  const rc = { runs: 0, up: 0 };
  for (const d of successSeries) for (const b of bucketsIn(d, period)) addRuns(rc, b);
  return rc;
}

function addRuns(rc: RunCount, b: Bucket): void {
  rc.runs += b.count;
  rc.up += b.sum;
}

/** Runs per hour start over [from, from + hours h) (hour tier). */
export function hourlyRuns(successSeries: readonly SeriesBuckets[], from: number, hours: number): HourMap<RunCount> {
  const out = new HourMap<RunCount>(from, hours);
  for (const d of successSeries) {
    eachHour(d.hourly, (h, b) => {
      let rc = out.get(h);
      if (rc === undefined) out.set(h, (rc = { runs: 0, up: 0 }));
      addRuns(rc, b);
    });
  }
  return out;
}

/**
 * The check's nominal runs per hour: the most common hourly run count among hours with runs
 * (ties go to the larger count). Exact for intervals that divide an hour (15 s, 30 s, 60 s, 5 min).
 */
export function inferRunsPerHour(hourly: ReadonlyMap<number, RunCount>): number {
  const freq = new Map<number, number>();
  for (const rc of hourly.values()) if (rc.runs > 0) freq.set(rc.runs, (freq.get(rc.runs) ?? 0) + 1);
  let best = 0;
  let bestFreq = 0;
  for (const [runs, f] of freq) {
    if (f > bestFreq || (f === bestFreq && runs > best)) {
      best = runs;
      bestFreq = f;
    }
  }
  return best;
}

/** Checks that run fewer than this many times an hour are not assessed for availability/completeness. */
export const MIN_RUNS_PER_HOUR = 2;

export interface Availability {
  runs: number;
  up: number;
  /** Runs the nominal interval implies for the accounted time. */
  expected: number;
  /** up / runs: the share of the measured time that was up; null when nothing was measured. */
  availability: number | null;
  /** Gaps counted as down: up / max(runs, expected). */
  lowerBound: number | null;
  /** Gaps counted as up (never reported as the figure; used only to decide whether gaps matter). */
  upperBound: number | null;
  /** min(1, runs / expected). */
  completeness: number | null;
  /** Unmeasured time, ms. */
  unknownMs: number;
  /** Time counted as down (down runs × interval), ms. */
  downMs: number;
}

export function availabilityOf(rc: RunCount, lengthMs: number, runsPerHour: number): Availability {
  const expected = runsPerHour > 0 ? (lengthMs / HOUR_MS) * runsPerHour : 0;
  const intervalMs = runsPerHour > 0 ? HOUR_MS / runsPerHour : 0;
  const denom = Math.max(rc.runs, expected);
  const missing = Math.max(0, expected - rc.runs);
  return {
    runs: rc.runs,
    up: rc.up,
    expected,
    availability: rc.runs === 0 ? null : rc.up / rc.runs,
    lowerBound: denom === 0 ? null : rc.up / denom,
    upperBound: denom === 0 ? null : (rc.up + missing) / denom,
    completeness: expected === 0 ? null : Math.min(1, rc.runs / expected),
    unknownMs: missing * intervalMs,
    downMs: (rc.runs - rc.up) * intervalMs,
  };
}

export type Verdict = 'met' | 'missed' | 'unknown';

/**
 * Met when even with every gap counted as down the target is met; missed when even with every
 * gap counted as up it is not; otherwise judged on the measured availability if completeness is
 * at least ACCOUNTING.minCompletenessForVerdict, else unknown.
 */
export function verdictOf(a: Availability, target: number): Verdict {
  if (a.availability === null || a.lowerBound === null || a.upperBound === null) return 'unknown';
  if (a.lowerBound >= target) return 'met';
  if (a.upperBound < target) return 'missed';
  if ((a.completeness ?? 0) >= ACCOUNTING.minCompletenessForVerdict) return a.availability >= target ? 'met' : 'missed';
  return 'unknown';
}

/** Nearest-rank quantile; null for an empty sketch. */
export function quantileOf(sketch: QuantileSketch, q: number): number | null {
  if (sketch.count === 0) return null;
  const v = sketch.quantile(q);
  return Number.isFinite(v) ? v : null;
}

/**
 * How many of the sketch's samples are ≤ threshold (binary search over ranks; exact up to the
 * sketch's relative accuracy around the threshold).
 */
export function countAtOrBelow(sketch: QuantileSketch, threshold: number): number {
  const n = sketch.count;
  if (n === 0) return 0;
  // Rank k's value is quantile((k - 0.5) / n) under nearest rank; find the largest k with value ≤ threshold.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sketch.quantile((mid - 0.5) / n) <= threshold) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface Outage {
  start: number;
  end: number;
  /** True when the stretch ended in a gap of data rather than an up run. */
  endedInGap: boolean;
}

/**
 * Down stretches from per-minute run counts (the minute tier, read only for hours with failed
 * runs). A minute is down when it has runs and none was up, up when any run was up, unknown
 * without runs. Down minutes no further apart than the check interval (and with no up minute
 * between) belong to one outage; it ends at the next up minute, or one interval after its last
 * down minute when data stops.
 */
export function findOutages(minutes: ReadonlyMap<number, RunCount>, intervalMs: number, bounds: Interval): Outage[] {
  const keys = [...minutes.keys()].filter((k) => k >= bounds.from && k < bounds.to).sort((a, b) => a - b);
  const step = Math.max(MINUTE_MS, intervalMs);
  const out: Outage[] = [];
  let start: number | undefined;
  let lastDown = 0;
  const close = (end: number, endedInGap: boolean): void => {
    if (start !== undefined) out.push({ start, end: Math.min(end, bounds.to), endedInGap });
    start = undefined;
  };
  for (const k of keys) {
    const rc = minutes.get(k) as RunCount;
    if (rc.runs === 0) continue;
    const down = rc.up === 0;
    if (start !== undefined && k - lastDown > step) close(lastDown + step, true);
    if (down) {
      start ??= k;
      lastDown = k;
    } else if (start !== undefined) {
      close(k, false);
    }
  }
  if (start !== undefined) close(lastDown + step, true);
  return out;
}

/** Outages at least ACCOUNTING.minOutageMs long. */
export function listedOutages(outages: readonly Outage[]): Outage[] {
  return outages.filter((o) => o.end - o.start >= ACCOUNTING.minOutageMs);
}

/**
 * Reboots seen in an uptime series (seconds; hour buckets, oldest first). An hour counts once when
 * some sample in it shows less than an hour of uptime and uptime went backwards: below where the
 * previous bucket ended (its largest value — or, when it held a reboot itself, its smallest, the
 * first value after that reboot), or spread more than an hour inside the bucket. Two reboots in
 * one hour count as one.
 */
export function countReboots(hourly: readonly Bucket[]): number[] {
  const hourS = HOUR_MS / 1000;
  const at: number[] = [];
  let prevFloor: number | undefined;
  for (const b of hourly) {
    if (b.count === 0) continue;
    const young = b.min < hourS;
    const backwards = (prevFloor !== undefined && b.min < prevFloor) || b.max - b.min > hourS + 120;
    const rebooted = young && backwards;
    if (rebooted) at.push(b.start);
    prevFloor = rebooted ? b.min : b.max;
  }
  return at;
}
