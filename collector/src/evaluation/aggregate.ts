/**
 * Window aggregation: a window of samples → one number, the same way whether the samples come
 * from the evaluator's in-memory window or from the store (reports, checks). Quantiles use the
 * nearest-rank definition, like the store's quantile sketch.
 */
import type { RawPoint, SeriesStore } from '../storage/types.ts';
import type { Aggregation } from './profile-schema.ts';

/** Nearest-rank quantile of a sorted array: the smallest value with at least q of the samples at or below it. */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  return sorted[Math.min(rank, n) - 1] as number;
}

const QUANTILES: Partial<Record<Aggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** Reusable scratch so hot loops do not allocate for every evaluation. */
export class Scratch {
  private buf = new Float64Array(64);
  take(n: number): Float64Array {
    if (this.buf.length < n) this.buf = new Float64Array(Math.max(n, this.buf.length * 2));
    return this.buf.subarray(0, n);
  }
}

/**
 * Aggregate of `values[lo..hi)` (the samples of one window, oldest first). Undefined for an empty
 * window — no data is unknown, never a number. `down_for` is not a window function (it needs the
 * series' history; see the evaluator) and is refused here.
 */
export function aggregateValues(agg: Aggregation, values: ArrayLike<number>, lo = 0, hi = values.length, scratch?: Scratch): number | undefined {
  const n = hi - lo;
  if (n <= 0) return undefined;
  const q = QUANTILES[agg];
  if (q !== undefined) {
    const tmp = (scratch ?? new Scratch()).take(n);
    for (let i = 0; i < n; i++) tmp[i] = values[lo + i] as number;
    tmp.sort();
    return nearestRank(tmp, q);
  }
  switch (agg) {
    case 'mean': {
      let sum = 0;
      for (let i = lo; i < hi; i++) sum += values[i] as number;
      return sum / n;
    }
    case 'min': {
      let m = Infinity;
      for (let i = lo; i < hi; i++) m = Math.min(m, values[i] as number);
      return m;
    }
    case 'max': {
      let m = -Infinity;
      for (let i = lo; i < hi; i++) m = Math.max(m, values[i] as number);
      return m;
    }
    case 'last':
      return values[hi - 1] as number;
    case 'availability': {
      let up = 0;
      for (let i = lo; i < hi; i++) if ((values[i] as number) > 0) up++;
      return up / n;
    }
    default:
      throw new RangeError(`aggregate '${agg}' is not a window function`);
  }
}

/**
 * Follows a 0/1 series through newly consumed samples (oldest first) and returns the new
 * `downSince`: the first failing sample after the last success, or undefined while up.
 */
export function trackDown(downSince: number | undefined, ts: ArrayLike<number>, values: ArrayLike<number>, lo: number, hi: number): number | undefined {
  let since = downSince;
  for (let i = lo; i < hi; i++) {
    if ((values[i] as number) > 0) since = undefined;
    else if (since === undefined) since = ts[i] as number;
  }
  return since;
}

/** Seconds down at `t` given `downSince` (0 when up). */
export function downForSeconds(t: number, downSince: number | undefined): number {
  return downSince === undefined ? 0 : Math.max(0, (t - downSince) / 1000);
}

/**
 * The aggregate of each series over [from, to) read from a SeriesStore. Quantiles, mean, min, max
 * and availability come from the store's minute buckets when both ends are whole minutes
 * (quantiles then within the sketch's 1 %); otherwise, and for `last` and `down_for`, from raw
 * samples. A series with no samples in the range maps to undefined.
 */
export async function aggregateFromStore(
  store: Pick<SeriesStore, 'aggregate' | 'raw'>,
  q: { seriesIds: readonly string[]; aggregate: Aggregation; from: number; to: number },
): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  const minuteAligned = q.from % 60_000 === 0 && q.to % 60_000 === 0;
  if (q.aggregate === 'last' || q.aggregate === 'down_for' || !minuteAligned) {
    for (const id of q.seriesIds) {
      const pts: RawPoint[] = await store.raw(id, q.from, q.to);
      const ts = pts.map((p) => p.ts);
      const vs = pts.map((p) => p.value);
      if (pts.length === 0) out.set(id, undefined);
      else if (q.aggregate === 'down_for') out.set(id, downForSeconds(q.to, trackDown(undefined, ts, vs, 0, pts.length)));
      else out.set(id, aggregateValues(q.aggregate, vs));
    }
    return out;
  }
  const buckets = await store.aggregate({ seriesIds: q.seriesIds, from: q.from, to: q.to, stepMs: 60_000 });
  for (const id of q.seriesIds) {
    const bs = (buckets.get(id) ?? []).filter((b) => b.start >= q.from && b.start < q.to);
    const count = bs.reduce((n, b) => n + b.count, 0);
    if (count === 0) {
      out.set(id, undefined);
      continue;
    }
    const quantile = QUANTILES[q.aggregate];
    if (quantile !== undefined) {
      // The buckets are this call's own objects: merge the rest into the first one's sketch.
      const [first, ...rest] = bs as [(typeof bs)[number], ...typeof bs];
      for (const b of rest) first.sketch.merge(b.sketch);
      out.set(id, first.sketch.quantile(quantile));
    } else if (q.aggregate === 'mean' || q.aggregate === 'availability') {
      out.set(id, bs.reduce((s, b) => s + b.sum, 0) / count);
    } else if (q.aggregate === 'min') {
      out.set(id, Math.min(...bs.map((b) => b.min)));
    } else {
      out.set(id, Math.max(...bs.map((b) => b.max)));
    }
  }
  return out;
}
