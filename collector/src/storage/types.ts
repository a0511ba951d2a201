/**
 * The one storage interface for time series (STYLE habit 7). SQLite (embedded default) and
 * InfluxDB 1.x (influx/) implement it; everything above (ingest, read API, rules, reports) talks to
 * this interface only.
 *
 * Metadata (practices, agents, tokens, API keys, batch ids, alerts, users) is not here: it always
 * lives in the collector's SQLite meta store, whatever the series backend.
 */
import type { WireSample } from '../../../shared/src/wire.ts';

/** Identity of a series: practice + agent (from the token) + metric + the sample's own labels. */
export interface SeriesIdentity {
  practice: string;
  agent: string;
  metric: string;
  /** The sample's labels (never `practice`/`agent`; those are above). */
  labels: Readonly<Record<string, string>>;
}

export interface StoredSeries extends SeriesIdentity {
  /** Backend-specific stable id (SQLite: the integer id as a string). */
  id: string;
  /** Newest sample timestamp seen for the series (epoch ms), if known. */
  lastTs?: number;
}

/** Equality matchers. `practice` may list several; `labels` must all match. */
export interface SeriesSelector {
  practice?: string | readonly string[];
  agent?: string;
  metric?: string | readonly string[];
  labels?: Readonly<Record<string, string>>;
}

export interface WriteRequest {
  practice: string;
  agent: string;
  samples: readonly WireSample[];
}

export interface WriteResult {
  /** Samples written (a sample whose series and ts already exist is overwritten, not added). */
  written: number;
  /**
   * Samples not stored because they are older than the raw-retention horizon (their minute's raw
   * samples are gone, so they could not be rolled up correctly). Absent when 0. See
   * collector/src/storage/README.md.
   */
  tooOld?: number;
}

export interface RawPoint {
  ts: number;
  value: number;
}

/**
 * Raw samples of many series over one range, column by column: the points of `seriesIds[i]` are
 * `ts`/`values` from `offsets[i]` to `offsets[i + 1]` (exclusive), oldest first.
 */
export interface RawColumns {
  offsets: Int32Array;
  ts: Float64Array;
  values: Float64Array;
}

/**
 * Summary of the samples of one series in [start, start + stepMs). `sketch` is a mergeable
 * quantile sketch (relative accuracy ≤ 0.5 %, so any quantile read from it is within 1 %).
 */
export interface Bucket {
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  sketch: QuantileSketch;
}

export interface QuantileSketch {
  readonly count: number;
  /** Value at quantile q (0..1), nearest-rank definition; NaN when empty. */
  quantile(q: number): number;
  /** Adds another sketch's samples into this one. */
  merge(other: QuantileSketch): void;
  add(value: number, count?: number): void;
  encode(): Uint8Array;
}

export interface AggregateQuery {
  seriesIds: readonly string[];
  /** Inclusive, epoch ms; aligned down to stepMs. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
  /**
   * Bucket width. Multiples of 1 h are served from the hourly rollup, multiples of 1 min from the
   * minute rollup, anything else from raw samples. Buckets align to the Unix epoch (UTC).
   */
  stepMs: number;
}

export interface StoreStats {
  series: number;
  samplesWritten: number;
  /** Bytes on disk (SQLite files incl. WAL), when the backend knows. */
  diskBytes?: number;
  /** Samples refused as older than raw retention (WriteResult.tooOld), since open. */
  samplesTooOld?: number;
  /** Minutes changed by late samples and not yet re-rolled up (drops to 0 after maintain). */
  dirtyMinutes?: number;
}

export interface RetentionPolicy {
  rawDays: number;
  minuteDays: number;
  hourDays: number;
}

export interface SeriesStore {
  readonly backend: string;
  /** Durable when the promise resolves (an acknowledged batch survives kill -9). Idempotent per (series, ts). */
  write(req: WriteRequest): Promise<WriteResult>;
  findSeries(selector: SeriesSelector): Promise<StoredSeries[]>;
  /** Raw samples of one series in [from, to), oldest first. */
  raw(seriesId: string, from: number, to: number): Promise<RawPoint[]>;
  /**
   * raw() of many distinct series over the same [from, to) in one call (the rule evaluator's
   * window loads: one ordered scan instead of a query per series). Optional: callers fall back to
   * raw() per series.
   */
  rawMany?(seriesIds: readonly string[], from: number, to: number): Promise<RawColumns>;
  /**
   * Buckets per series id (only non-empty buckets), oldest first. Always reflects every written
   * sample: buckets whose rollup is not yet (re)computed are summarised from raw samples.
   */
  aggregate(query: AggregateQuery): Promise<Map<string, Bucket[]>>;
  /**
   * Bring rollups up to date and apply retention. Called by the collector on a timer; rollups
   * of a bucket that late samples touched are recomputed, so the result equals what a live
   * arrival would have produced.
   */
  maintain(now: number): Promise<void>;
  stats(): StoreStats;
  /**
   * Resolves when the store can serve (a remote backend reached its server and loaded its index);
   * rejects with the reason (N3MON_ERR_STORE) when it cannot. Operations wait for it themselves;
   * the collector awaits it at start-up to fail fast. Absent: ready as soon as open returned.
   */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
