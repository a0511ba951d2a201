/**
 * Figures shared by the sections: availability of a check in a period, percentiles and the share
 * within a threshold, per-day distributions. Pure functions of the ReportContext.
 */
import type { QuantileSketch, StoredSeries } from '../storage/types.ts';
import { availabilityOf, countAtOrBelow, quantileOf, runsIn, verdictOf, type Availability, type Outage } from './accounting.ts';
import { ACCOUNTING } from './rules.ts';
import { intersect } from './intervals.ts';
import { eachHour } from './hour-map.ts';
import { bucketsOf, type CheckRuns, type ReportContext } from './context.ts';
import type { AvailabilityFigure, Percentiles } from './model.ts';
import { addMoments, emptyMoments, pieceKey, sketchIn, type Moments, type Period } from './periods.ts';

export function availabilityFigure(ctx: ReportContext, runs: CheckRuns, period: Period, target: number | null): AvailabilityFigure {
  const a = availabilityOf(runsIn(bucketsOf(ctx, runs.success), period), period.lengthMs, runs.runsPerHour);
  return withVerdict(a, target);
}

export function withVerdict(a: Availability, target: number | null): AvailabilityFigure {
  return {
    runs: a.runs,
    up: a.up,
    expected: a.expected,
    availability: a.availability,
    lowerBound: a.lowerBound,
    completeness: a.completeness,
    unknownMs: a.unknownMs,
    downMs: a.downMs,
    verdict: target === null ? 'unknown' : verdictOf(a, target),
  };
}

/** The figure with the lowest availability (null availabilities last); undefined for an empty list. */
export function worstAvailability(list: readonly AvailabilityFigure[]): AvailabilityFigure | undefined {
  let worst: AvailabilityFigure | undefined;
  for (const f of list) {
    if (worst === undefined) worst = f;
    else if (f.availability !== null && (worst.availability === null || f.availability < worst.availability)) worst = f;
  }
  return worst;
}

export function noFigure(): AvailabilityFigure {
  return { runs: 0, up: 0, expected: 0, availability: null, lowerBound: null, completeness: null, unknownMs: 0, downMs: 0, verdict: 'unknown' };
}

export interface MonthSketches {
  core: QuantileSketch;
  all: QuantileSketch;
  /** Per report day; only when asked for (charts). */
  daily?: QuantileSketch[];
}

/**
 * Core-hours, 24×7 and (when `daily`) per-day sketches of some series in one pass over their
 * buckets — each hour bucket is merged once, into the core or other part (of its day, for daily
 * sketches) — memoised per report. The sketches returned are shared: read them, never add to them.
 */
export function monthSketches(ctx: ReportContext, series: readonly StoredSeries[], opts: { daily?: boolean } = {}): MonthSketches {
  const key = series.map((s) => s.id).join(',');
  const hit = ctx.memo.get(key);
  if (hit !== undefined && (opts.daily !== true || hit.daily !== undefined)) return hit;
  const n = opts.daily === true ? ctx.frame.days.length : 1;
  const dayOf = (h: number): number | undefined => (opts.daily === true ? ctx.dayOfHour.get(h) : ctx.dayOfHour.has(h) ? 0 : undefined);
  const coreDay = new Array<QuantileSketch | undefined>(n);
  const otherDay = new Array<QuantileSketch | undefined>(n);
  const outDay = new Array<QuantileSketch | undefined>(n);
  const list = bucketsOf(ctx, series);
  for (const d of list) {
    eachHour(d.hourly, (h, b) => {
      const i = dayOf(h);
      if (i === undefined || b.count === 0) return;
      const target = ctx.core.hourSet.has(h) ? coreDay : ctx.all.hourSet.has(h) ? otherDay : outDay;
      (target[i] ??= ctx.newSketch()).merge(b.sketch);
    });
  }
  const core = ctx.newSketch();
  const all = ctx.newSketch();
  const daily: QuantileSketch[] = [];
  for (let i = 0; i < n; i++) {
    if (opts.daily === true) {
      const day = ctx.newSketch();
      for (const part of [coreDay[i], otherDay[i], outDay[i]]) if (part !== undefined) day.merge(part);
      daily.push(day);
    }
    if (coreDay[i] !== undefined) {
      core.merge(coreDay[i] as QuantileSketch);
      all.merge(coreDay[i] as QuantileSketch);
    }
    if (otherDay[i] !== undefined) all.merge(otherDay[i] as QuantileSketch);
  }
  for (const [period, target] of [
    [ctx.core, core],
    [ctx.all, all],
  ] as const) {
    for (const p of period.plan.pieces) {
      const k = pieceKey(p);
      for (const d of list) {
        const b = d.pieces.get(k);
        if (b !== undefined && b.count > 0) target.merge(b.sketch);
      }
    }
  }
  const out: MonthSketches = opts.daily === true ? { core, all, daily } : { core, all };
  ctx.memo.set(key, out);
  return out;
}

/** The sketch of the series in a report period (core hours or 24×7). */
export function sketchOf(ctx: ReportContext, series: readonly StoredSeries[], period: Period): QuantileSketch {
  const m = monthSketches(ctx, series);
  return period === ctx.core ? m.core : period === ctx.all ? m.all : sketchIn(bucketsOf(ctx, series), period, ctx.newSketch);
}

export function percentilesOf(sketch: QuantileSketch): Percentiles {
  return { count: sketch.count, p50: quantileOf(sketch, 0.5), p95: quantileOf(sketch, 0.95) };
}

export function momentsOf(ctx: ReportContext, series: readonly StoredSeries[], period: Period): Moments {
  const m = emptyMoments();
  for (const d of bucketsOf(ctx, series)) {
    for (const h of period.plan.hours) {
      const b = d.hourly.get(h);
      if (b !== undefined) addMoments(m, b);
    }
    for (const p of period.plan.pieces) {
      const b = d.pieces.get(`${p.from}+${p.to - p.from}`);
      if (b !== undefined) addMoments(m, b);
    }
  }
  return m;
}

/** Share of `runs` measured at or under `limit`; null without runs. */
export function withinShare(sketch: QuantileSketch, limit: number | null, runs: number): number | null {
  if (limit === null || runs === 0) return null;
  return Math.min(1, countAtOrBelow(sketch, limit) / runs);
}

/** One merged sketch per report day (hour tier; a day is 23, 24 or 25 local hours). */
export function dailySketches(ctx: ReportContext, series: readonly StoredSeries[]): Array<QuantileSketch> {
  return monthSketches(ctx, series, { daily: true }).daily ?? [];
}

/** Per-day moments (count/sum/min/max), hour tier. */
export function dailyMoments(ctx: ReportContext, series: readonly StoredSeries[]): Moments[] {
  const out = ctx.frame.days.map(() => emptyMoments());
  for (const d of bucketsOf(ctx, series)) {
    eachHour(d.hourly, (h, b) => {
      const i = ctx.dayOfHour.get(h);
      if (i !== undefined) addMoments(out[i] as Moments, b);
    });
  }
  return out;
}

/** The long-outage limit (ms) from the profile's `outage` rule, else the HSCN 5 h. */
export function longOutageMs(ctx: ReportContext): number {
  return ctx.thresholds.get('outage')?.critical ?? ACCOUNTING.longOutageMs;
}

/** How much of an outage lies outside maintenance windows, ms (0 = wholly in maintenance). */
export function outsideMaintenanceMs(ctx: ReportContext, o: Outage): number {
  const covered = intersect([{ from: o.start, to: o.end }], ctx.maintenance).reduce((n, i) => n + (i.to - i.from), 0);
  return o.end - o.start - covered;
}
