/**
 * Half-open time intervals [from, to) in epoch ms, and the plan that reads a set of them from
 * the store's tiers: whole hours from the hour rollup, the rest (18:00–18:30, maintenance edges)
 * from the minute rollup in as few aligned buckets as possible.
 */
import { HOUR_MS, MINUTE_MS } from './month.ts';

export interface Interval {
  from: number;
  to: number;
}

/** Sorted, non-overlapping, non-touching, non-empty. */
export function normalise(list: readonly Interval[]): Interval[] {
  const sorted = list.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ from: i.from, to: i.to });
  }
  return out;
}

export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const x = normalise(a);
  const y = normalise(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const p = x[i] as Interval;
    const q = y[j] as Interval;
    const from = Math.max(p.from, q.from);
    const to = Math.min(p.to, q.to);
    if (to > from) out.push({ from, to });
    if (p.to < q.to) i++;
    else j++;
  }
  return out;
}

export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const cut = normalise(b);
  const out: Interval[] = [];
  for (const p of normalise(a)) {
    let from = p.from;
    for (const c of cut) {
      if (c.to <= from || c.from >= p.to) continue;
      if (c.from > from) out.push({ from, to: c.from });
      from = Math.max(from, c.to);
      if (from >= p.to) break;
    }
    if (from < p.to) out.push({ from, to: p.to });
  }
  return out;
}

export function totalMs(list: readonly Interval[]): number {
  return normalise(list).reduce((n, i) => n + (i.to - i.from), 0);
}

/** Widen each interval outward to whole minutes (maintenance windows are excluded whole). */
export function roundOutToMinutes(list: readonly Interval[]): Interval[] {
  return normalise(list.map((i) => ({ from: Math.floor(i.from / MINUTE_MS) * MINUTE_MS, to: Math.ceil(i.to / MINUTE_MS) * MINUTE_MS })));
}

/** Where the store must be read for a set of minute-aligned intervals. */
export interface TierPlan {
  /** Starts of hours wholly inside the intervals. */
  hours: number[];
  /** Minute-aligned pieces of partly covered hours; each is one aligned bucket (`to - from` divides `from`). */
  pieces: Interval[];
}

/**
 * The largest step (a whole number of minutes) that starts at `at` on its own grid and fits
 * before `limit`: the store aligns buckets to multiples of the step, so [at, at + step) is then
 * exactly one bucket.
 */
export function alignedStep(at: number, limit: number): number {
  const minutes = Math.floor((limit - at) / MINUTE_MS);
  const atMin = at / MINUTE_MS;
  for (let k = minutes; k > 1; k--) if (atMin % k === 0) return k * MINUTE_MS;
  return MINUTE_MS;
}

export function planTiers(list: readonly Interval[]): TierPlan {
  const hours: number[] = [];
  const pieces: Interval[] = [];
  const addPieces = (from: number, to: number): void => {
    let at = from;
    while (at < to) {
      const step = alignedStep(at, to);
      pieces.push({ from: at, to: at + step });
      at += step;
    }
  };
  for (const i of normalise(list)) {
    if (i.from % MINUTE_MS !== 0 || i.to % MINUTE_MS !== 0) throw new Error(`planTiers: interval not minute-aligned (${i.from}, ${i.to})`);
    const firstHour = Math.ceil(i.from / HOUR_MS) * HOUR_MS;
    const lastHour = Math.floor(i.to / HOUR_MS) * HOUR_MS;
    if (firstHour >= lastHour) {
      addPieces(i.from, i.to);
      continue;
    }
    addPieces(i.from, firstHour);
    for (let h = firstHour; h < lastHour; h += HOUR_MS) hours.push(h);
    addPieces(lastHour, i.to);
  }
  return { hours, pieces };
}
