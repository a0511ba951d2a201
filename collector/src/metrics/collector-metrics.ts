/**
 * The collector's own metrics (`GET /metrics`, documented in docs/api.md): process health, ingest
 * counters, store stats and per-practice status gauges. One instance per app.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../../../shared/src/clock.ts';
import type { SeriesStore } from '../storage/types.ts';
import type { IngestCounters } from '../ingest/ingestor.ts';
import { PRACTICE_STATUSES, type StatusProvider } from '../status/provider.ts';
import { Registry } from './prom.ts';

export const INGEST_RESULTS = [
  'accepted',
  'duplicate',
  'invalid',
  'unauthorized',
  'too_large',
  'unsupported',
  'unavailable',
  'error',
  'partial',
  'rate_limited',
] as const;
export type IngestResult = (typeof INGEST_RESULTS)[number];

export interface CollectorMetricsDeps {
  clock: Clock;
  store: SeriesStore;
  status: StatusProvider;
  /** ODS codes of every practice (read at scrape time). */
  practices: () => readonly string[];
  /** Series held by the ingest's series-limit index. */
  seriesTracked?: () => number;
}

export interface CollectorMetrics {
  readonly registry: Registry;
  readonly counters: IngestCounters;
  /** One finished ingest request. */
  request(result: IngestResult, seconds: number, bytes: number, encoding: 'gzip' | 'identity'): void;
  rejectedSamples(n: number): void;
  render(): string;
  close(): void;
}

export function createCollectorMetrics(deps: CollectorMetricsDeps): CollectorMetrics {
  const { clock, store, status } = deps;
  const started = clock.monotonic();
  const r = new Registry();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();

  r.gauge('n3mon_collector_uptime_seconds', 'Seconds since the collector started.', [], () => [[{}, (clock.monotonic() - started) / 1000]]);
  r.gauge('n3mon_collector_resident_memory_bytes', 'Resident set size of the collector process.', [], () => [[{}, process.memoryUsage.rss()]]);
  r.gauge('n3mon_collector_heap_used_bytes', 'V8 heap in use.', [], () => [[{}, process.memoryUsage().heapUsed]]);
  // A summary: the quantiles (p50, p99, max) cover the time since the previous scrape (the Node
  // histogram is reset at each); _sum and _count run on from the start, as Prometheus expects.
  let lagSum = 0;
  let lagCount = 0;
  r.summary(
    'n3mon_collector_event_loop_lag_seconds',
    'Event-loop delay: quantiles since the previous scrape (0.5, 0.99, 1 = max), sum and count since start.',
    [],
    () => {
      const n = lag.count;
      const quantiles: [number, number][] = [
        [0.5, n === 0 ? Number.NaN : lag.percentile(50) / 1e9],
        [0.99, n === 0 ? Number.NaN : lag.percentile(99) / 1e9],
        [1, n === 0 ? Number.NaN : lag.max / 1e9],
      ];
      if (n > 0) {
        lagSum += (lag.mean * n) / 1e9;
        lagCount += n;
      }
      lag.reset();
      return [[{}, { quantiles, sum: lagSum, count: lagCount }]];
    },
  );

  const requests = r.counter('n3mon_ingest_requests_total', 'Ingest requests by result.', ['result']);
  for (const res of INGEST_RESULTS) requests.labels({ result: res });
  const accepted = r.counter('n3mon_ingest_samples_accepted_total', 'Samples stored by ingest.').labels();
  const duplicateBatches = r.counter('n3mon_ingest_duplicate_batches_total', 'Batches acknowledged again without storing (batch id seen before).').labels();
  const duplicateSamples = r.counter('n3mon_ingest_duplicate_samples_total', 'Samples in repeated batches (not stored again).').labels();
  const rejected = r
    .counter('n3mon_ingest_samples_rejected_total', 'Samples refused: in bodies refused as invalid, or listed as refused in a stored batch.')
    .labels();
  const seriesLimited = r
    .counter(
      'n3mon_ingest_series_limit_samples_total',
      'Samples of new series refused because their agent or practice reached its series limit (also in n3mon_ingest_samples_rejected_total).',
    )
    .labels();
  r.gauge('n3mon_ingest_series_tracked', "Series the ingest's series-limit index holds (practices that sent since start-up).", [], () => {
    const n = deps.seriesTracked?.();
    return n === undefined ? [] : [[{}, n]];
  });
  const bytes = r.counter('n3mon_ingest_bytes_total', 'Ingest body bytes as received on the wire, by Content-Encoding.', ['encoding']);
  const duration = r.histogram(
    'n3mon_ingest_duration_seconds',
    'Ingest request time, from the first byte to the answer.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );

  r.gauge('n3mon_store_series', 'Series in the store.', [], () => [[{}, store.stats().series]]);
  r.gauge('n3mon_store_samples_written', 'Deprecated (a count that only rises is a counter): use n3mon_store_samples_written_total.', [], () => [
    [{}, store.stats().samplesWritten],
  ]);
  r.counter('n3mon_store_samples_written_total', 'Samples the store has written since it was opened.', [], () => [[{}, store.stats().samplesWritten]]);
  r.gauge('n3mon_store_disk_bytes', 'Bytes on disk of the series store (when the backend knows).', [], () => {
    const b = store.stats().diskBytes;
    return b === undefined ? [] : [[{}, b]];
  });

  r.gauge(
    'n3mon_practice_status',
    '1 for the current status of each practice (ok, warning, critical, unknown), 0 for the others.',
    ['practice', 'status'],
    function* () {
      const now = clock.now();
      for (const ods of deps.practices()) {
        const s = status.statusOf(ods, now).status;
        for (const st of PRACTICE_STATUSES) yield [{ practice: ods, status: st }, st === s ? 1 : 0] as const;
      }
    },
  );
  r.gauge('n3mon_practices', 'Practices by current status.', ['status'], () => {
    const now = clock.now();
    const counts = new Map<string, number>(PRACTICE_STATUSES.map((s) => [s, 0]));
    for (const ods of deps.practices()) {
      const s = status.statusOf(ods, now).status;
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return [...counts].map(([s, n]) => [{ status: s }, n] as const);
  });

  return {
    registry: r,
    counters: {
      samplesAccepted: (n) => accepted.inc(n),
      duplicate: (n) => {
        duplicateBatches.inc();
        duplicateSamples.inc(n);
      },
      seriesLimited: (n) => seriesLimited.inc(n),
    },
    request(result, seconds, n, encoding) {
      requests.labels({ result }).inc();
      duration.observe({}, seconds);
      bytes.labels({ encoding }).inc(n);
    },
    rejectedSamples: (n) => rejected.inc(n),
    render: () => r.render(),
    close: () => lag.disable(),
  };
}
