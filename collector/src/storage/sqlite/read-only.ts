/**
 * A read-only connection to series.db for a reader in another thread or process (the report
 * workers, reports/workers/): aggregate and raw through the same Reader as the store, nothing
 * else. It never writes: no schema check, no series index, no dirty set — the writing store owns
 * those; the Reader takes its watermarks and dirty minutes from the database in one read
 * transaction (WAL: a consistent snapshot while the collector writes).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Logger } from '../../../../shared/src/log.ts';
import type { AggregateQuery, Bucket, RawPoint, SeriesStore } from '../types.ts';
import { SERIES_DB_FILE } from './index.ts';
import { Reader } from './reader.ts';

export interface SqliteReaderOptions {
  /** The store's data directory (series.db must exist: a reader never creates it). */
  dir: string;
  log: Logger;
  /** SQLite page cache of this connection, MiB (default 32). */
  cacheMiB?: number;
}

export function openSqliteReader(opts: SqliteReaderOptions): Pick<SeriesStore, 'aggregate' | 'raw' | 'close'> {
  const file = join(opts.dir, SERIES_DB_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${-Math.round((opts.cacheMiB ?? 32) * 1024)}`);
  } catch (err) {
    throw new N3monError('N3MON_ERR_STORE', `cannot open ${file} read-only: ${(err as Error).message}`, { cause: err });
  }
  const reader = new Reader({ db });
  opts.log.debug({ file }, 'series store reader open');
  let closed = false;
  const open = (): void => {
    if (closed) throw new N3monError('N3MON_ERR_UNAVAILABLE', 'series store reader is closed');
  };
  return {
    async aggregate(query: AggregateQuery): Promise<Map<string, Bucket[]>> {
      open();
      return reader.aggregate(query);
    },
    async raw(seriesId: string, from: number, to: number): Promise<RawPoint[]> {
      open();
      return reader.raw(seriesId, from, to);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
