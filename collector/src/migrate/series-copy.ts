/**
 * Copying every series and raw sample from one series store into another through the SeriesStore
 * interface (../storage/types.ts): findSeries, then raw() a window at a time, then write() in
 * batches of at most `batchSamples`, one practice and agent per write (as ingest writes). Bounded
 * in memory (one series' raw samples — what the source's raw retention keeps — plus one batch) and idempotent (a store overwrites a sample
 * of the same series and ts), so a copy that stopped half-way can simply be run again.
 *
 * Raw samples only: what the source keeps only as rollups (older than its storage.retention.rawDays)
 * cannot be written as samples and is not copied.
 */
import type { WireSample } from '../../../shared/src/wire.ts';
import type { SeriesStore, StoredSeries } from '../storage/types.ts';

export interface SeriesCopyOptions {
  /** Samples at or after this time (epoch ms) are copied: the source's raw-retention horizon. */
  from: number;
  /** Samples before this time (epoch ms). */
  to: number;
  /** Samples per write (default 5000). */
  batchSamples?: number;
  /** Width of one raw() read (default: the whole range; the source's raw retention bounds what one series holds). */
  windowMs?: number;
  /** Count only: read everything, write nothing. */
  dryRun?: boolean;
  /** Called after each series. */
  onProgress?: (p: SeriesCopyProgress) => void;
}

export interface SeriesCopyProgress {
  seriesDone: number;
  seriesTotal: number;
  samples: number;
}

export interface SeriesCopyResult {
  /** Series with at least one raw sample in the range (what the target holds afterwards). */
  series: number;
  /** Series the source lists, including those with rollups only. */
  seriesListed: number;
  samples: number;
  /** Samples the target refused as older than its own raw retention. */
  tooOld: number;
}

const keyOf = (s: StoredSeries): string => `${s.practice}\u0000${s.agent}\u0000${s.metric}\u0000${JSON.stringify(Object.entries(s.labels).sort())}`;

export async function copySeries(source: SeriesStore, target: SeriesStore | undefined, opts: SeriesCopyOptions): Promise<SeriesCopyResult> {
  const batchSamples = opts.batchSamples ?? 5000;
  const windowMs = opts.windowMs ?? opts.to - opts.from;
  // Practice and agent together, so each write carries one of each and is full.
  const all = (await source.findSeries({})).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  let samples = 0;
  let tooOld = 0;
  let withSamples = 0;
  let pending: { practice: string; agent: string; samples: WireSample[] } | undefined;
  const flush = async (): Promise<void> => {
    if (pending === undefined || pending.samples.length === 0) return;
    const p = pending;
    pending = undefined;
    if (opts.dryRun === true || target === undefined) return;
    const r = await target.write({ practice: p.practice, agent: p.agent, samples: p.samples });
    tooOld += r.tooOld ?? 0;
  };
  for (const [i, s] of all.entries()) {
    const before = samples;
    for (let start = opts.from; start < opts.to; start += windowMs) {
      const points = await source.raw(s.id, start, Math.min(opts.to, start + windowMs));
      for (const pt of points) {
        if (pending !== undefined && (pending.practice !== s.practice || pending.agent !== s.agent || pending.samples.length >= batchSamples)) await flush();
        pending ??= { practice: s.practice, agent: s.agent, samples: [] };
        pending.samples.push({ metric: s.metric, labels: { ...s.labels }, ts: pt.ts, value: pt.value });
        samples += 1;
      }
    }
    if (samples > before) withSamples += 1;
    opts.onProgress?.({ seriesDone: i + 1, seriesTotal: all.length, samples });
  }
  await flush();
  return { series: withSamples, seriesListed: all.length, samples, tooOld };
}
