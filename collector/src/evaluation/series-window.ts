/**
 * The recent samples of one series, oldest first, as the evaluator holds them: appended from the
 * store as evaluation advances, evicted once no window needs them. Plain arrays with a moving
 * head (compacted when half of them is evicted samples) — small and allocation-light for millions
 * of series.
 */
import type { RawPoint } from '../storage/types.ts';

export class SeriesWindow {
  readonly ts: number[] = [];
  readonly vals: number[] = [];
  private head = 0;
  /** Samples with ts < loadedUntil have been read from the store (undefined: nothing yet). */
  loadedUntil: number | undefined;

  get size(): number {
    return this.ts.length - this.head;
  }

  /** Append points read for [loadedUntil, to); they are sorted and newer than what is held. */
  append(points: readonly RawPoint[], to: number): void {
    for (const p of points) {
      const last = this.ts.length > this.head ? (this.ts[this.ts.length - 1] as number) : -Infinity;
      if (p.ts < last) continue; // cannot happen with [from, to) reads; kept out so windows stay sorted
      this.ts.push(p.ts);
      this.vals.push(p.value);
    }
    this.loadedUntil = to;
  }

  /** append() from columns: the points ts[lo..hi), values[lo..hi) (a store's rawMany answer). */
  appendColumns(ts: Float64Array, values: Float64Array, lo: number, hi: number, to: number): void {
    for (let i = lo; i < hi; i++) {
      const t = ts[i] as number;
      const last = this.ts.length > this.head ? (this.ts[this.ts.length - 1] as number) : -Infinity;
      if (t < last) continue;
      this.ts.push(t);
      this.vals.push(values[i] as number);
    }
    this.loadedUntil = to;
  }

  /** First index with ts >= t, searching the held samples. */
  lowerBound(t: number): number {
    let lo = this.head;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index range [lo, hi) of the samples with from <= ts < to. */
  range(from: number, to: number): [number, number] {
    return [this.lowerBound(from), this.lowerBound(to)];
  }

  /** Forget samples older than `t`. */
  evictBefore(t: number): void {
    this.head = this.lowerBound(t);
    // Compact once the evicted part is as large as the held part (and not tiny): a window then
    // holds at most about twice its samples. (Waiting for 256 evicted samples let every series'
    // arrays grow to ~270 entries — 4 KB a series, gigabytes at 8,000 practices after 4 hours.)
    if (this.head >= 16 && this.head * 2 >= this.ts.length) {
      this.ts.splice(0, this.head);
      this.vals.splice(0, this.head);
      this.head = 0;
    }
  }
}
