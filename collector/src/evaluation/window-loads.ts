/**
 * Filling the evaluator's windows for a tick with as few store reads as possible. Every agent due
 * for evaluation needs, per series, the samples in [loadedUntil (or first step − window), last);
 * those ranges are nearly all the same (every agent's last step is the same minute in steady
 * state, and the previous tick loaded up to the previous one), so the series are grouped by range
 * and each group is read with one `rawMany` (the SQLite store: one ordered scan of those minutes)
 * instead of a `raw` per series. What a group read appends to a window is exactly what the
 * per-series reads would have appended. Ranges longer than MAX_BATCH_SPAN_MS (a backlog after an
 * outage) are left to the per-agent reads, so a catch-up holds one agent's backlog at a time.
 */
import type { SeriesStore } from '../storage/types.ts';
import type { SeriesTrack } from './tracks.ts';
import { mergePoints } from './tracks.ts';

/** Ranges longer than this are read per agent (evaluateAgent), not batched across agents. */
export const MAX_BATCH_SPAN_MS = 3 * 3_600_000;

export interface PlannedAgent {
  series: ReadonlyMap<string, SeriesTrack>;
  /** First step to evaluate (the window of a series not loaded yet starts keepMs before it). */
  first: number;
  /** Last step to evaluate; samples are loaded up to it (exclusive). */
  last: number;
}

interface Group {
  from: number;
  to: number;
  tracks: SeriesTrack[];
}

/** Loads what the planned agents' windows lack, one store read per distinct range. */
export async function loadWindows(source: Pick<SeriesStore, 'rawMany'>, planned: readonly PlannedAgent[]): Promise<void> {
  if (source.rawMany === undefined) return;
  const groups = new Map<string, Group>();
  for (const p of planned) {
    for (const t of p.series.values()) {
      const from = t.win.loadedUntil ?? p.first - t.keepMs;
      if (!(p.last > from) || p.last - from > MAX_BATCH_SPAN_MS) continue;
      const key = `${from}:${p.last}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { from, to: p.last, tracks: [] }));
      g.tracks.push(t);
    }
  }
  for (const g of groups.values()) {
    // In slices of about SLICE_SERIES series, in id order (a store reads an id-ordered slice
    // as one range per minute), so what one read holds at a time stays small.
    g.tracks.sort((x, y) => idOrder(x.members[0] as string) - idOrder(y.members[0] as string));
    for (let start = 0; start < g.tracks.length; ) {
      const slice: SeriesTrack[] = [];
      let n = 0;
      for (; start < g.tracks.length && n < SLICE_SERIES; start++) {
        const t = g.tracks[start] as SeriesTrack;
        slice.push(t);
        n += t.members.length;
      }
      await loadSlice(source.rawMany.bind(source), slice, g.from, g.to);
    }
  }
}

/**
 * One agent's windows that loadWindows left (a backlog longer than MAX_BATCH_SPAN_MS): one rawMany
 * per distinct range of that agent's series instead of a raw() per series (on InfluxDB a query per
 * series made a first tick over hundreds of agents take minutes). False when the store has no rawMany.
 */
export async function loadAgentBacklog(source: Pick<SeriesStore, 'rawMany'>, series: Iterable<SeriesTrack>, first: number, last: number): Promise<boolean> {
  if (source.rawMany === undefined) return false;
  const byFrom = new Map<number, SeriesTrack[]>();
  for (const t of series) {
    const from = t.win.loadedUntil ?? first - t.keepMs;
    if (!(last > from)) continue;
    const g = byFrom.get(from);
    if (g === undefined) byFrom.set(from, [t]);
    else g.push(t);
  }
  for (const [from, tracks] of byFrom) await loadSlice(source.rawMany.bind(source), tracks, from, last);
  return true;
}

/** Numeric store ids sort numerically; others keep their place. */
const idOrder = (id: string): number => {
  const n = Number(id);
  return Number.isFinite(n) ? n : 0;
};

/** Series per rawMany call. */
const SLICE_SERIES = 50_000;

async function loadSlice(rawMany: NonNullable<SeriesStore['rawMany']>, tracks: readonly SeriesTrack[], from: number, to: number): Promise<void> {
  const g = { from, to };
  {
    const ids: string[] = [];
    for (const t of tracks) for (const id of t.members) ids.push(id);
    const cols = await rawMany(ids, g.from, g.to);
    let i = 0;
    for (const t of tracks) {
      if (t.members.length === 1) {
        const lo = cols.offsets[i] as number;
        const hi = cols.offsets[i + 1] as number;
        i++;
        t.win.appendColumns(cols.ts, cols.values, lo, hi, g.to);
        if (hi > lo && (cols.ts[hi - 1] as number) > t.newest) t.newest = cols.ts[hi - 1] as number;
        continue;
      }
      // Several stored series (outcomes of one check): merged exactly as the per-series reads are.
      const lists = t.members.map(() => {
        const pts = [];
        for (let k = cols.offsets[i] as number; k < (cols.offsets[i + 1] as number); k++)
          pts.push({ ts: cols.ts[k] as number, value: cols.values[k] as number });
        i++;
        return pts;
      });
      const points = mergePoints(lists);
      t.win.append(points, g.to);
      const newest = points.at(-1)?.ts;
      if (newest !== undefined && newest > t.newest) t.newest = newest;
    }
  }
}
