/**
 * maintain(now) for the influx backend — the same steps and the same maths as the SQLite
 * backend's (../sqlite/rollup.ts, README.md "Rollups"): raise the raw horizon; re-roll dirty
 * minutes (and their hours); roll minutes and hours from raw up to now − rollupDelayMs; apply
 * retention with DELETE by time. Tier rows are computed with summarisePoints from raw samples, so
 * they equal SQLite's bit for bit. Each step persists its marks after its rows are written, so a
 * crash leaves consistent tiers (rows written again are overwritten with the same values).
 */
import type { IPoint } from 'influx';
import { alignDown, DAY_MS, HOUR_MS, MINUTE_MS, summarisePoints } from '../summary.ts';
import type { Bucket, RetentionPolicy } from '../types.ts';
import { ident, type InfluxClient } from './client.ts';
import { readRaw, type Span } from './reader.ts';
import type { InfluxSeries, SeriesIndex } from './series.ts';
import { TIER_SUFFIX } from './series.ts';
import { deleteDirtyStatement, dirtyPoint, saveMarks, type DirtyMinutes, type Marks } from './state.ts';

/** Span of raw read per roll step. */
const ROLL_SPAN_MS = 6 * HOUR_MS;
const DIRTY_PER_STEP = 2000;

export interface RollupDeps {
  client: InfluxClient;
  series: SeriesIndex;
  dirty: DirtyMinutes;
  marks: Marks;
  retention: RetentionPolicy;
  rollupDelayMs: number;
  /** Writes that began before now have landed (their dirty marks are set, their points stored). */
  settleWrites(): Promise<void>;
  /** Tells writes that minutes before `t` may be being rolled (they mark such samples dirty). */
  setRollingTo(t: number): void;
}

export function tierPoint(s: InfluxSeries, suffix: string, b: Bucket, lastTs: number): IPoint {
  const sketch = b.min === b.max ? '' : Buffer.from(b.sketch.encode()).toString('base64');
  return {
    measurement: s.metric + suffix,
    tags: s.tags,
    fields: { count: b.count, sum: b.sum, min: b.min, max: b.max, last: lastTs, sketch },
    timestamp: b.start,
  };
}

/** Tier points of one series' raw rows in units of `unit`. */
function tierPoints(s: InfluxSeries, rows: readonly (readonly [number, number])[], unit: number): IPoint[] {
  const buckets = summarisePoints(rows, unit);
  const out: IPoint[] = [];
  let i = 0;
  for (const b of buckets) {
    let last = b.start;
    while (i < rows.length && (rows[i] as readonly [number, number])[0] < b.start + unit) last = (rows[i++] as readonly [number, number])[0];
    out.push(tierPoint(s, unit === HOUR_MS ? TIER_SUFFIX.hour : TIER_SUFFIX.minute, b, last));
  }
  return out;
}

export class InfluxRollup {
  private stopping = false;

  constructor(private readonly d: RollupDeps) {}

  stop(): void {
    this.stopping = true;
  }

  async maintain(now: number): Promise<{ dirtyMinutes: number; rolledMinutes: number }> {
    const { marks, retention, client } = this.d;
    const oldRawHorizon = marks.rawHorizon;
    const rawHorizon = Math.max(marks.rawHorizon, alignDown(now - retention.rawDays * DAY_MS, HOUR_MS));
    if (rawHorizon > oldRawHorizon) {
      marks.rawHorizon = rawHorizon; // refuse older writes from here on
      await saveMarks(client, { rawHorizon });
    }
    let dirtyMinutes = 0;
    while (this.d.dirty.size > 0 && !this.stopping) dirtyMinutes += await this.rerollDirty();

    const cutoff = alignDown(now - this.d.rollupDelayMs, MINUTE_MS);
    let rolledMinutes = 0;
    if (marks.minuteMark === undefined) {
      const first = await this.firstSampleTs();
      marks.minuteMark = first === undefined ? cutoff : Math.min(alignDown(first, MINUTE_MS), cutoff);
      marks.hourMark = alignDown(marks.minuteMark, HOUR_MS);
      // Nothing is older than the first sample: retention has nothing to delete until a horizon passes it.
      const start = alignDown(marks.minuteMark, HOUR_MS);
      marks.rawDeleted ??= start;
      marks.minuteHorizon ??= start;
      marks.hourHorizon ??= start;
      await saveMarks(client, {
        minuteMark: marks.minuteMark,
        hourMark: marks.hourMark,
        rawDeleted: marks.rawDeleted,
        minuteHorizon: marks.minuteHorizon,
        hourHorizon: marks.hourHorizon,
      });
    }
    while ((marks.minuteMark as number) < cutoff && !this.stopping) rolledMinutes += await this.rollStep(cutoff);
    if (this.stopping) return { dirtyMinutes, rolledMinutes };
    await this.applyRetention(now, rawHorizon);
    return { dirtyMinutes, rolledMinutes };
  }

  private async firstSampleTs(): Promise<number | undefined> {
    const metrics = this.d.series.metrics();
    if (metrics.length === 0) return undefined;
    const res = await this.d.client.query(metrics.map((m) => `SELECT first("value"::field) FROM ${this.d.client.from(m)}`));
    let first: number | undefined;
    for (const r of res) for (const s of r) for (const row of s.values) if (first === undefined || (row[0] as number) < first) first = row[0] as number;
    return first;
  }

  /** Roll [minuteMark, next) where next ≤ cutoff, and the hours the mark passes. */
  private async rollStep(cutoff: number): Promise<number> {
    const { marks, client, series } = this.d;
    const start = marks.minuteMark as number;
    const end = Math.min(cutoff, alignDown(start, HOUR_MS) + ROLL_SPAN_MS);
    this.d.setRollingTo(end);
    await this.d.settleWrites();
    const all = [...series.all()];
    const spans: Span[] = all.map((s) => ({ series: s, from: start, to: end }));
    const hourFrom = marks.hourMark as number;
    const hourTo = Math.max(alignDown(end, HOUR_MS), hourFrom);
    const hourSpans: Span[] = hourTo > hourFrom ? all.map((s) => ({ series: s, from: hourFrom, to: hourTo })) : [];
    const raw = await readRaw(client, [...spans, ...hourSpans]);
    const points: IPoint[] = [];
    for (const sp of spans) points.push(...tierPoints(sp.series, raw.get(sp) ?? [], MINUTE_MS));
    for (const sp of hourSpans) points.push(...tierPoints(sp.series, raw.get(sp) ?? [], HOUR_MS));
    await client.write(points);
    marks.minuteMark = end;
    marks.hourMark = hourTo;
    await saveMarks(client, { minuteMark: end, hourMark: hourTo });
    return (end - start) / MINUTE_MS;
  }

  /** Re-roll up to DIRTY_PER_STEP dirty minutes from raw, and the rolled hours holding them. */
  private async rerollDirty(): Promise<number> {
    const { dirty, marks, client, series } = this.d;
    const entries = dirty.entries().slice(0, DIRTY_PER_STEP);
    for (const [id, minute] of entries) dirty.delete(id, minute); // a write from now on marks them again
    await this.d.settleWrites();
    const minuteSpans: Span[] = [];
    const hourSpans = new Map<string, Span>();
    for (const [id, minute] of entries) {
      const s = series.get(id);
      if (s === undefined || marks.minuteMark === undefined || minute >= marks.minuteMark) continue; // the live roll takes it
      minuteSpans.push({ series: s, from: minute, to: minute + MINUTE_MS });
      const hour = alignDown(minute, HOUR_MS);
      if (marks.hourMark !== undefined && hour < marks.hourMark && !hourSpans.has(`${id}\u0000${hour}`))
        hourSpans.set(`${id}\u0000${hour}`, { series: s, from: hour, to: hour + HOUR_MS });
    }
    const raw = await readRaw(client, [...minuteSpans, ...hourSpans.values()]);
    const points: IPoint[] = [];
    for (const sp of minuteSpans) points.push(...tierPoints(sp.series, raw.get(sp) ?? [], MINUTE_MS));
    for (const sp of hourSpans.values()) points.push(...tierPoints(sp.series, raw.get(sp) ?? [], HOUR_MS));
    await client.write(points);
    // Forget the persisted marks of minutes no write marked again meanwhile.
    const done = entries.filter(([id, m]) => !dirty.has(id, m));
    for (let i = 0; i < done.length; i += 200) await client.query(done.slice(i, i + 200).map(([id, m]) => deleteDirtyStatement(id, m)));
    return entries.length;
  }

  /**
   * DELETE by time, only for a tier whose horizon moved since the last run (horizons are
   * hour-aligned: at most once an hour). InfluxDB 1.x deletes can race with writes to the series
   * they empty, so they are not issued every maintenance round.
   */
  private async applyRetention(now: number, rawHorizon: number): Promise<void> {
    const { client, series, retention, marks } = this.d;
    const minuteHorizon = alignDown(now - retention.minuteDays * DAY_MS, HOUR_MS);
    const hourHorizon = alignDown(now - retention.hourDays * DAY_MS, HOUR_MS);
    const rawMoved = rawHorizon > (marks.rawDeleted ?? 0);
    const minuteMoved = minuteHorizon > (marks.minuteHorizon ?? 0);
    const hourMoved = alignDown(hourHorizon, DAY_MS) > alignDown(marks.hourHorizon ?? 0, DAY_MS);
    const statements: string[] = [];
    for (const m of series.metrics()) {
      if (rawMoved) statements.push(`DELETE FROM ${ident(m)} WHERE time < ${rawHorizon}ms`);
      if (minuteMoved) statements.push(`DELETE FROM ${ident(m + TIER_SUFFIX.minute)} WHERE time < ${minuteHorizon}ms`);
      if (hourMoved) statements.push(`DELETE FROM ${ident(m + TIER_SUFFIX.hour)} WHERE time < ${alignDown(hourHorizon, DAY_MS)}ms`);
    }
    for (let i = 0; i < statements.length; i += 60) await client.query(statements.slice(i, i + 60));
    for (const s of [...series.all()]) if (s.lastTs < hourHorizon) series.remove(s.id);
    if (rawMoved || minuteMoved || hourMoved) {
      marks.rawDeleted = Math.max(rawHorizon, marks.rawDeleted ?? 0);
      marks.minuteHorizon = Math.max(minuteHorizon, marks.minuteHorizon ?? 0);
      marks.hourHorizon = Math.max(hourHorizon, marks.hourHorizon ?? 0);
      await saveMarks(client, { rawDeleted: marks.rawDeleted, minuteHorizon: marks.minuteHorizon, hourHorizon: marks.hourHorizon });
    }
  }
}

export { dirtyPoint };
