/**
 * The InfluxDB 1.x series store (docs/storage.md): raw samples as points of a measurement per
 * metric, collector-side rollup tiers `<metric>.1m` / `<metric>.1h` with the same sketches as the
 * SQLite backend, bookkeeping in `n3mon.state` / `n3mon.dirty`. A write resolves when InfluxDB
 * answered 204 to every /write it needed (the points are in its WAL); any failure rejects with
 * N3MON_ERR_STORE, which ingest answers with 503 + Retry-After (the agent keeps its spool).
 */
import type { IPoint } from 'influx';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Logger } from '../../../../shared/src/log.ts';
import { systemClock, type Clock } from '../../../../shared/src/clock.ts';
import type {
  AggregateQuery,
  Bucket,
  RawColumns,
  RawPoint,
  RetentionPolicy,
  SeriesSelector,
  SeriesStore,
  StoredSeries,
  StoreStats,
  WriteRequest,
  WriteResult,
} from '../types.ts';
import { alignDown, alignUp, foldBuckets, HOUR_MS, MINUTE_MS, summarisePoints, unitFor } from '../summary.ts';
import { checkRetention } from '../sqlite/index.ts';
import { writeProblems } from '../sqlite/writer.ts';
import { InfluxClient } from './client.ts';
import type { InfluxSettings } from './config.ts';
import { readRaw, readTier, type Span } from './reader.ts';
import { InfluxRollup } from './rollup.ts';
import { loadSeriesIndex, SeriesIndex, storedLabels, TIER_SUFFIX, type InfluxSeries } from './series.ts';
import { dirtyPoint, DirtyMinutes, loadMarks, mergeMarks, type Marks } from './state.ts';

export interface InfluxStoreOptions {
  settings: InfluxSettings;
  retention: RetentionPolicy;
  log: Logger;
  clock?: Clock;
  /** Minutes are rolled up this long after they end (default 2 min). */
  rollupDelayMs?: number;
}

interface Opened {
  client: InfluxClient;
  series: SeriesIndex;
  dirty: DirtyMinutes;
  marks: Marks;
  rollup: InfluxRollup;
}

/**
 * Several collectors (storage.indexRefreshMs > 0): each refresh re-reads the series with a sample
 * in the last `3 × indexRefreshMs + REFRESH_SLACK_MS` of event time; every FULL_REFRESH_EVERY-th
 * refresh re-reads them all (a backlog delivered through another collector is older than the window).
 */
const REFRESH_SLACK_MS = 2 * MINUTE_MS;
export const FULL_REFRESH_EVERY = 30;

/** InfluxDB's newest time (int64 ns, 2262-04-11), in ms. */
export const INFLUX_MAX_TS = 9_223_372_036_000;

/** Problems a write has beyond writeProblems(): names and times InfluxDB cannot store. */
function influxProblems(req: WriteRequest): string[] {
  const out: string[] = [];
  req.samples.forEach((s, i) => {
    if (Object.hasOwn(s.labels, 'time')) out.push(`samples[${i}].labels.time: the influx backend cannot store a label named time (InfluxDB's time column)`);
    if (s.ts >= INFLUX_MAX_TS) out.push(`samples[${i}].ts: must be before ${INFLUX_MAX_TS} (InfluxDB's last time, 2262) (got ${s.ts})`);
  });
  return out.slice(0, 10);
}

class InfluxSeriesStore implements SeriesStore {
  readonly backend = 'influx';
  private closed = false;
  private opened: Opened | undefined;
  private readonly opening: Promise<Opened>;
  private readonly inflight = new Set<Promise<unknown>>();
  private maintaining: Promise<unknown> = Promise.resolve();
  private rollingTo = 0;
  private samplesWritten = 0;
  private samplesTooOld = 0;
  private readonly log: Logger;
  private readonly clock: Clock;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<unknown> | undefined;
  private refreshes = 0;

  constructor(private readonly opts: InfluxStoreOptions) {
    this.log = opts.log.child({ component: 'store', backend: 'influx' });
    this.clock = opts.clock ?? systemClock;
    this.opening = this.open();
    this.opening.then(
      (o) => {
        this.opened = o;
        const every = opts.settings.indexRefreshMs ?? 0;
        if (every > 0 && !this.closed) {
          this.refreshTimer = setInterval(() => void this.refreshIndex(), every);
          this.refreshTimer.unref();
        }
      },
      () => undefined, // ready() and every operation report it
    );
  }

  /**
   * Learn what other collectors wrote: series (with their newest sample time) and the rollup marks
   * the maintaining collector moved. Resolves with how many series were new; never rejects.
   */
  refreshIndex(): Promise<number> {
    const o = this.opened;
    if (o === undefined || this.closed || this.refreshing !== undefined) return Promise.resolve(0);
    const full = ++this.refreshes % FULL_REFRESH_EVERY === 0;
    const windowMs = 3 * (this.opts.settings.indexRefreshMs ?? 0) + REFRESH_SLACK_MS;
    const before = o.series.size;
    const run = (async () => {
      try {
        await loadSeriesIndex(o.client, o.series, full ? undefined : this.clock.now() - windowMs);
        mergeMarks(o.marks, await loadMarks(o.client));
        return o.series.size - before;
      } catch (err) {
        this.log.warn({ reason: (err as Error).message, full }, 'series index not refreshed; trying again at the next refresh');
        return 0;
      }
    })();
    this.refreshing = run.finally(() => {
      this.refreshing = undefined;
    });
    return run;
  }

  ready(): Promise<void> {
    return this.opening.then(() => undefined);
  }

  private async open(): Promise<Opened> {
    const { settings } = this.opts;
    const client = new InfluxClient(settings);
    const where = { url: client.url, database: client.database };
    try {
      const version = await client.ping(settings.timeoutMs);
      const names = await client.databaseNames();
      if (!names.includes(settings.database)) {
        if (!settings.createDatabase)
          throw new N3monError(
            'N3MON_ERR_STORE',
            `influx ${client.url}: database "${settings.database}" does not exist (create it, or set storage.createDatabase: true)`,
          );
        await client.createDatabase();
        this.log.warn(where, 'influx database created');
      }
      const series = new SeriesIndex();
      const marks = await loadMarks(client);
      const dirty = await DirtyMinutes.load(client);
      await loadSeriesIndex(client, series);
      const rollup = new InfluxRollup({
        client,
        series,
        dirty,
        marks,
        retention: this.opts.retention,
        rollupDelayMs: this.opts.rollupDelayMs ?? 2 * MINUTE_MS,
        settleWrites: () => this.settle(),
        setRollingTo: (t) => (this.rollingTo = Math.max(this.rollingTo, t)),
      });
      this.log.info({ ...where, version, series: series.size, dirtyMinutes: dirty.size }, 'series store open');
      return { client, series, dirty, marks, rollup };
    } catch (err) {
      this.log.error({ ...where, reason: (err as Error).message }, 'series store cannot open');
      throw err instanceof N3monError ? err : client.fail('cannot open', err);
    }
  }

  private async use(): Promise<Opened> {
    if (this.closed) throw new N3monError('N3MON_ERR_UNAVAILABLE', 'series store is closed');
    return this.opened ?? (await this.opening);
  }

  /** Resolves when every write begun so far has finished (whatever its outcome). */
  private async settle(): Promise<void> {
    await Promise.all([...this.inflight].map((p) => p.catch(() => undefined)));
  }

  write(req: WriteRequest): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new N3monError('N3MON_ERR_UNAVAILABLE', 'series store is closed'));
    const problems = writeProblems(req);
    if (problems.length === 0) problems.push(...influxProblems(req));
    if (problems.length > 0) return Promise.reject(new N3monError('N3MON_ERR_STORE', `write refused, nothing stored:\n${problems.join('\n')}`, { problems }));
    const p = this.doWrite(req);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  private async doWrite(req: WriteRequest): Promise<WriteResult> {
    const o = await this.use();
    const points: IPoint[] = [];
    const dirtyPoints: IPoint[] = [];
    const touched: [InfluxSeries, number][] = [];
    const rolled = Math.max(o.marks.minuteMark ?? 0, this.rollingTo, this.sharedRollHorizon());
    let tooOld = 0;
    for (const s of req.samples) {
      if (s.ts < o.marks.rawHorizon) {
        tooOld++;
        continue;
      }
      const labels = storedLabels(s.labels);
      const tags: Record<string, string> = { ...labels, practice: req.practice, agent: req.agent };
      points.push({ measurement: s.metric, tags, fields: { value: s.value }, timestamp: s.ts });
      if (s.ts < rolled) {
        const series = o.series.upsert(req.practice, req.agent, s.metric, labels, 0);
        const minute = alignDown(s.ts, MINUTE_MS);
        if (o.dirty.add(series.id, minute)) dirtyPoints.push(dirtyPoint(series.id, minute));
      }
      touched.push([o.series.upsert(req.practice, req.agent, s.metric, labels, 0), s.ts]);
    }
    // Dirty marks first: a crash between the two leaves a mark without a sample (harmless).
    if (dirtyPoints.length > 0) await o.client.write(dirtyPoints);
    await o.client.write(points);
    for (const [series, ts] of touched) if (ts > series.lastTs) series.lastTs = ts;
    this.samplesWritten += points.length;
    this.samplesTooOld += tooOld;
    return tooOld > 0 ? { written: points.length, tooOld } : { written: points.length };
  }

  /**
   * Several collectors: another one may be rolling minutes this one's marks (re-read every
   * indexRefreshMs) do not show yet. A sample older than now − rollupDelay + refresh + 30 s may be
   * in such a minute, so it is marked dirty (re-rolled at the next maintenance) — at worst a minute
   * rolled twice, never a tier row without it. One collector (no refresh): 0, as before.
   */
  private sharedRollHorizon(): number {
    const every = this.opts.settings.indexRefreshMs ?? 0;
    if (every === 0) return 0;
    return alignDown(this.clock.now() - (this.opts.rollupDelayMs ?? 2 * MINUTE_MS) + every + 30_000, MINUTE_MS);
  }

  async findSeries(selector: SeriesSelector): Promise<StoredSeries[]> {
    const o = await this.use();
    return o.series.find(selector).map((s) => (s.lastTs === 0 ? (({ lastTs: _unused, ...rest }) => rest)(s) : s));
  }

  async raw(seriesId: string, from: number, to: number): Promise<RawPoint[]> {
    checkRange(from, to);
    const o = await this.use();
    const series = o.series.get(seriesId);
    if (series === undefined || !(to > from)) return [];
    const span: Span = { series, from: Math.max(0, from), to: Math.min(to, INFLUX_MAX_TS) };
    const rows = (await readRaw(o.client, [span])).get(span) ?? [];
    return rows.map(([ts, value]) => ({ ts, value }));
  }

  /** raw() of many series in one request (a statement per metric; readRaw): the rule evaluator's window loads. */
  async rawMany(seriesIds: readonly string[], from: number, to: number): Promise<RawColumns> {
    checkRange(from, to);
    const o = await this.use();
    const spans: (Span | undefined)[] = seriesIds.map((id) => {
      const series = o.series.get(id);
      return series === undefined || !(to > from) ? undefined : { series, from: Math.max(0, from), to: Math.min(to, INFLUX_MAX_TS) };
    });
    const rows = await readRaw(
      o.client,
      spans.filter((s): s is Span => s !== undefined),
    );
    const lists = spans.map((s) => (s === undefined ? [] : (rows.get(s) ?? [])));
    const offsets = new Int32Array(seriesIds.length + 1);
    lists.forEach((l, i) => {
      offsets[i + 1] = (offsets[i] as number) + l.length;
    });
    const n = offsets[seriesIds.length] as number;
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    let k = 0;
    for (const l of lists)
      for (const [t, v] of l) {
        ts[k] = t;
        values[k++] = v;
      }
    return { offsets, ts, values };
  }

  async aggregate(q: AggregateQuery): Promise<Map<string, Bucket[]>> {
    checkRange(q.from, q.to);
    if (!Number.isSafeInteger(q.stepMs) || q.stepMs <= 0)
      throw new N3monError('N3MON_ERR_REQUEST_INVALID', `stepMs must be a positive integer (got ${q.stepMs})`);
    const o = await this.use();
    const step = q.stepMs;
    const from = Math.max(0, alignDown(q.from, step));
    const to = Math.min(alignUp(q.to, step), INFLUX_MAX_TS);
    const unit = unitFor(step);
    const out = new Map<string, Bucket[]>();
    const known: InfluxSeries[] = [];
    for (const id of q.seriesIds) {
      const s = o.series.get(id);
      out.set(id, []);
      if (s !== undefined && to > from) known.push(s);
    }
    // Marks and dirty minutes as persisted (another process — `n3mon report` — may be the writer).
    const [marks, dirty] = unit === 0 ? [o.marks, o.dirty] : await Promise.all([loadMarks(o.client), DirtyMinutes.load(o.client)]);
    const mark = unit === HOUR_MS ? marks.hourMark : marks.minuteMark;
    const rolledEnd = unit === 0 || mark === undefined ? from : Math.min(Math.max(mark, from), to);
    // Tier rows where the tier is complete; raw for the rest and for units with dirty minutes.
    const tierSpans = rolledEnd > from ? known.map((s) => ({ series: s, from, to: rolledEnd })) : [];
    const tailSpans = rolledEnd < to ? known.map((s) => ({ series: s, from: rolledEnd, to })) : [];
    const dirtySpans: Span[] = [];
    const dirtyUnits = new Map<string, Set<number>>();
    if (unit !== 0) {
      for (const s of known) {
        const units = new Set([...dirty.minutesOf(s.id, from, rolledEnd), ...o.dirty.minutesOf(s.id, from, rolledEnd)].map((m) => alignDown(m, unit)));
        if (units.size === 0) continue;
        dirtyUnits.set(s.id, units);
        for (const u of units) dirtySpans.push({ series: s, from: u, to: u + unit });
      }
    }
    const [tiers, raws] = await Promise.all([
      readTier(o.client, tierSpans, unit === HOUR_MS ? TIER_SUFFIX.hour : TIER_SUFFIX.minute),
      readRaw(o.client, [...tailSpans, ...dirtySpans]),
    ]);
    for (const sp of tailSpans) {
      if (unit === 0) out.set(sp.series.id, summarisePoints(raws.get(sp) ?? [], step));
    }
    if (unit === 0) return out;
    const bySeries = new Map<string, Bucket[]>();
    for (const sp of tierSpans) {
      const skip = dirtyUnits.get(sp.series.id);
      bySeries.set(
        sp.series.id,
        (tiers.get(sp) ?? []).filter((b) => skip === undefined || !skip.has(b.start)),
      );
    }
    for (const sp of dirtySpans) (bySeries.get(sp.series.id) as Bucket[]).push(...summarisePoints(raws.get(sp) ?? [], unit));
    for (const s of known) {
      let units = bySeries.get(s.id) ?? [];
      if (dirtyUnits.has(s.id)) units.sort((a, b) => a.start - b.start);
      const tail = tailSpans.find((sp) => sp.series === s);
      if (tail !== undefined) units = units.concat(summarisePoints(raws.get(tail) ?? [], unit));
      out.set(s.id, step === unit ? units : foldBuckets(units, step));
    }
    return out;
  }

  maintain(now: number): Promise<void> {
    const run = this.maintaining.then(async () => {
      if (this.closed) return;
      const o = await this.use();
      const started = this.clock.monotonic();
      try {
        if ((this.opts.settings.indexRefreshMs ?? 0) > 0) {
          // Other collectors' late samples: their dirty marks are in InfluxDB, not in this memory.
          for (const [id, minute] of (await DirtyMinutes.load(o.client)).entries()) o.dirty.add(id, minute);
        }
        const r = await o.rollup.maintain(now);
        this.log.debug({ ...r, ms: Math.round(this.clock.monotonic() - started) }, 'store maintained');
      } catch (err) {
        this.log.error({ reason: (err as Error).message }, 'store maintain failed; tiers stay as last written');
        throw err instanceof N3monError ? err : new N3monError('N3MON_ERR_STORE', `store maintain failed: ${(err as Error).message}`);
      }
    });
    this.maintaining = run.catch(() => undefined);
    return run;
  }

  stats(): StoreStats {
    return {
      series: this.opened?.series.size ?? 0,
      samplesWritten: this.samplesWritten,
      samplesTooOld: this.samplesTooOld,
      dirtyMinutes: this.opened?.dirty.size ?? 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.refreshTimer !== undefined) clearInterval(this.refreshTimer);
    await this.refreshing;
    this.opened?.rollup.stop();
    await this.settle();
    this.closed = true;
    await this.maintaining;
  }
}

function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `from/to must be finite epoch-ms (got ${from}, ${to})`);
}

/**
 * Open the influx store. Returns at once; `ready()` resolves when InfluxDB answered and the series
 * index is loaded (or rejects with N3MON_ERR_STORE naming the URL, never the password), and every
 * operation waits for it.
 */
export function openInfluxStore(opts: InfluxStoreOptions): SeriesStore & { ready(): Promise<void> } {
  const problems = checkRetention(opts.retention);
  if (problems.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `store: ${problems.join('; ')}`, { problems });
  return new InfluxSeriesStore(opts);
}
