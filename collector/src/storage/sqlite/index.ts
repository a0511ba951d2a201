/**
 * The embedded SQLite series store: `series.db` under the data dir (the collector's metadata is
 * in a separate meta.db). Composition only; the parts are writer.ts (group-committed writes),
 * reader.ts (raw + aggregates), rollup.ts (maintain) and series-index.ts (series cache).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { N3monError } from '../../../../shared/src/errors.ts';
import { ensurePrivateFile } from '../../../../shared/src/private-files.ts';
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
import { MINUTE_MS } from '../summary.ts';
import { DirtySet, type StoreContext } from './context.ts';
import { initSchema, readState, type SynchronousMode } from './schema.ts';
import { SeriesIndex } from './series-index.ts';
import { Writer } from './writer.ts';
import { Reader } from './reader.ts';
import { Rollup } from './rollup.ts';
import { RawMany } from './raw-many.ts';

export const SERIES_DB_FILE = 'series.db';

export interface SqliteStoreOptions {
  /** Data directory; the store is `<dir>/series.db` (+ -wal, -shm). Created if missing. */
  dir: string;
  retention: RetentionPolicy;
  log: Logger;
  clock?: Clock;
  /**
   * `full` (default): a resolved write survives power loss and OS crashes too (WAL fsync on every
   * commit). `normal`: survives kill -9 of the process, may lose the last commits on power loss.
   */
  synchronous?: SynchronousMode;
  /** Minutes are rolled up this long after they end (default 2 min); later samples re-dirty them. */
  rollupDelayMs?: number;
  /** SQLite page cache, MiB (default 64). */
  cacheMiB?: number;
}

export function checkRetention(r: RetentionPolicy): string[] {
  const problems: string[] = [];
  for (const k of ['rawDays', 'minuteDays', 'hourDays'] as const) {
    if (!Number.isFinite(r[k]) || r[k] < 1) problems.push(`retention.${k}: must be a number of days ≥ 1 (got ${r[k]})`);
  }
  if (problems.length > 0) return problems;
  if (r.minuteDays < r.rawDays) problems.push(`retention.minuteDays: must be ≥ rawDays (${r.rawDays}); the minute tier is rebuilt from raw`);
  if (r.hourDays < r.minuteDays) problems.push(`retention.hourDays: must be ≥ minuteDays (${r.minuteDays}); the hour tier is rebuilt from minutes`);
  return problems;
}

class SqliteSeriesStore implements SeriesStore {
  readonly backend = 'sqlite';
  private closed = false;
  private maintaining: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: StoreContext,
    private readonly file: string,
    private readonly writer: Writer,
    private readonly reader: Reader,
    private readonly rollup: Rollup,
    private readonly rawManyReader: RawMany,
  ) {}

  write(req: WriteRequest): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new N3monError('N3MON_ERR_UNAVAILABLE', 'series store is closed'));
    return this.writer.write(req);
  }

  async findSeries(selector: SeriesSelector): Promise<StoredSeries[]> {
    this.assertOpen();
    return this.ctx.series.find(selector);
  }

  async raw(seriesId: string, from: number, to: number): Promise<RawPoint[]> {
    this.assertOpen();
    return this.reader.raw(seriesId, from, to);
  }

  async rawMany(seriesIds: readonly string[], from: number, to: number): Promise<RawColumns> {
    this.assertOpen();
    return this.rawManyReader.read(seriesIds, from, to);
  }

  async aggregate(query: AggregateQuery): Promise<Map<string, Bucket[]>> {
    this.assertOpen();
    return this.reader.aggregate(query);
  }

  maintain(now: number): Promise<void> {
    this.assertOpen();
    const run = this.maintaining.then(async () => {
      if (this.closed) return;
      const started = this.ctx.clock.monotonic();
      try {
        const r = await this.rollup.maintain(now);
        this.ctx.log.debug({ ...r, ms: Math.round(this.ctx.clock.monotonic() - started) }, 'store maintained');
      } catch (err) {
        this.ctx.log.error({ err }, 'store maintain failed; tiers stay as last committed');
        throw new N3monError('N3MON_ERR_STORE', `store maintain failed: ${(err as Error).message}`, { cause: err });
      }
    });
    // Later calls queue behind this one whether it fails or not.
    this.maintaining = run.catch(() => undefined);
    return run;
  }

  stats(): StoreStats {
    let diskBytes = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        diskBytes += statSync(this.file + suffix).size;
      } catch (err) {
        // -wal/-shm legitimately come and go; anything else only makes the figure smaller.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.ctx.log.warn({ err, file: this.file + suffix }, 'cannot stat store file');
      }
    }
    return {
      series: this.ctx.series.size,
      samplesWritten: this.writer.samplesWritten,
      samplesTooOld: this.writer.samplesTooOld,
      dirtyMinutes: this.ctx.dirty.size,
      diskBytes,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writer.flush();
    this.rollup.stop(); // a running maintain stops after its current transaction
    await this.maintaining;
    this.ctx.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new N3monError('N3MON_ERR_UNAVAILABLE', 'series store is closed');
  }
}

/** Open (creating if needed) the SQLite series store. Throws N3MON_ERR_CONFIG_INVALID / N3MON_ERR_STORE. */
export function openSqliteStore(opts: SqliteStoreOptions): SeriesStore {
  const problems = checkRetention(opts.retention);
  if (problems.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', `store: ${problems.join('; ')}`, { problems });
  const log = opts.log.child({ component: 'store', backend: 'sqlite' });
  const file = join(opts.dir, SERIES_DB_FILE);
  let db: Database.Database;
  try {
    ensurePrivateFile(file, opts.dir); // 0600 in a 0700 directory whatever the umask
    db = new Database(file);
  } catch (err) {
    throw new N3monError('N3MON_ERR_STORE', `cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const synchronous = opts.synchronous ?? 'full';
    initSchema(db, { synchronous, cacheMiB: opts.cacheMiB ?? 64 });
    const state = readState(db);
    const series = new SeriesIndex(db);
    series.loadTail(state.minuteMark === undefined ? 0 : Math.floor(state.minuteMark / MINUTE_MS));
    const ctx: StoreContext = { db, log, clock: opts.clock ?? systemClock, series, dirty: DirtySet.load(db), state };
    const reader = new Reader(ctx);
    const rollup = new Rollup(ctx, reader, { retention: opts.retention, rollupDelayMs: opts.rollupDelayMs ?? 2 * MINUTE_MS });
    log.info({ file, series: series.size, dirtyMinutes: ctx.dirty.size, synchronous }, 'series store open');
    const rawMany = new RawMany(db, (id, from, to) => reader.rawRows(id, from, to));
    return new SqliteSeriesStore(ctx, file, new Writer(ctx), reader, rollup, rawMany);
  } catch (err) {
    db.close();
    throw err;
  }
}
