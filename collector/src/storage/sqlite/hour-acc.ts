/**
 * Hour summaries accumulated while minutes are rolled up, so completing an hour needs no second
 * read of its minute rows. Only an optimisation: an hour this object did not see from its first
 * minute (after a restart), or whose minutes were re-rolled since (late samples), or any hour
 * after a failed transaction, is not answered here and the caller folds its minute rows instead.
 * The result is identical either way: minutes are added oldest first, so the hour sum is
 * 0 + m1 + m2 + … exactly as foldBuckets computes it.
 */
import { DDSketch } from '../sketch.ts';
import { alignDown, HOUR_MS } from '../summary.ts';
import type { HourSummary } from './hour-tier.ts';

interface Acc {
  count: number;
  sum: number;
  min: number;
  max: number;
  sketch: DDSketch;
}

interface HourState {
  complete: boolean;
  perSeries: Map<number, Acc>;
}

export class HourAccumulators {
  private readonly hours = new Map<number, HourState>();
  /** Minutes from here on have all been rolled by this object (undefined: nothing yet). */
  private coveredFrom: number | undefined;
  /** Where the last roll ended; the next must start here to continue the coverage. */
  private rolledTo: number | undefined;

  /** A roll of minutes [start, …) begins. */
  beginRoll(start: number): void {
    if (this.rolledTo !== start) {
      this.hours.clear();
      this.coveredFrom = start;
    }
  }

  /** The roll committed; minutes before `end` are rolled. */
  endRoll(end: number): void {
    this.rolledTo = end;
  }

  /** Forget everything (a roll transaction failed: what was added may not be committed). */
  reset(): void {
    this.hours.clear();
    this.coveredFrom = undefined;
    this.rolledTo = undefined;
  }

  /** Adds one minute of one series (minutes arrive in ascending order). */
  addMinute(id: number, minuteStart: number, m: { count: number; sum: number; min: number; max: number; sketch: DDSketch | null }): void {
    const hour = alignDown(minuteStart, HOUR_MS);
    let h = this.hours.get(hour);
    if (h === undefined) this.hours.set(hour, (h = { complete: this.coveredFrom !== undefined && hour >= this.coveredFrom, perSeries: new Map() }));
    let a = h.perSeries.get(id);
    if (a === undefined) h.perSeries.set(id, (a = { count: 0, sum: 0, min: m.min, max: m.max, sketch: new DDSketch() }));
    a.count += m.count;
    a.sum += m.sum;
    if (m.min < a.min) a.min = m.min;
    if (m.max > a.max) a.max = m.max;
    if (m.sketch === null) a.sketch.add(m.min, m.count);
    else a.sketch.merge(m.sketch);
  }

  /**
   * A minute row of this hour changed outside the roll (a dirty re-roll): the hour must be folded
   * from its minute rows, even if no minute of it had been accumulated yet.
   */
  invalidate(hour: number): void {
    const h = this.hours.get(hour);
    if (h !== undefined) h.complete = false;
    else this.hours.set(hour, { complete: false, perSeries: new Map() });
  }

  /** Forgets hours before `hour` (they are built). */
  dropBefore(hour: number): void {
    for (const h of this.hours.keys()) if (h < hour) this.hours.delete(h);
  }

  /**
   * The complete summaries of an hour (series id → summary), forgetting the hour; undefined when
   * the caller must fold the minute rows itself. An hour with no samples is complete and empty.
   */
  take(hour: number): Map<number, HourSummary> | undefined {
    const h = this.hours.get(hour);
    this.hours.delete(hour);
    if (h !== undefined) return h.complete ? h.perSeries : undefined;
    return this.coveredFrom !== undefined && hour >= this.coveredFrom && this.rolledTo !== undefined && hour + HOUR_MS <= this.rolledTo ? new Map() : undefined;
  }
}
