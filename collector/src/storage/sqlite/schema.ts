/**
 * series.db: schema, pragmas and the small persisted state (rollup watermarks, raw horizon).
 *
 * Layout, chosen by measurement (bench/store.ts, collector/src/storage/README.md):
 * - `samples` is clustered by (minute, series_id, ts), WITHOUT ROWID. Ingest arrives roughly in
 *   time order, so a batch touches a few pages at the end of the tree instead of one page per
 *   series (clustering by series first was ~10× slower to write: every commit rewrote one page
 *   per series into the WAL). Rolling up a minute is one contiguous range scan; raw retention
 *   is one range delete. A series' raw samples are read with one index seek per minute.
 * - `rollup_1m` is clustered by (start, series_id) for the same reasons.
 * - `rollup_1h` holds one row per series and UTC day (hour-tier.ts), keyed series-first:
 *   reports read months of hours per series, one row per day.
 * - A tier row's `sketch` is NULL when all its values are equal (min = max): the sketch is then
 *   just `count` × min, and most minute rows of once-a-minute series need no blob at all.
 * - `dirty` lists minutes of a series that late samples changed after they were rolled up.
 */
import type Database from 'better-sqlite3';
import { N3monError } from '../../../../shared/src/errors.ts';

export const SCHEMA_VERSION = 1;

export type SynchronousMode = 'full' | 'normal';

const DDL = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  practice TEXT NOT NULL,
  agent TEXT NOT NULL,
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,
  last_ts INTEGER,
  UNIQUE (practice, agent, metric, labels)
);
CREATE INDEX IF NOT EXISTS series_by_metric ON series (metric, practice);
CREATE TABLE IF NOT EXISTS samples (
  minute INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (minute, series_id, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1m (
  start INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sketch BLOB,
  PRIMARY KEY (start, series_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1h (
  key INTEGER PRIMARY KEY,
  hours BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS dirty (
  series_id INTEGER NOT NULL,
  minute_start INTEGER NOT NULL,
  PRIMARY KEY (series_id, minute_start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

export interface PragmaOptions {
  synchronous: SynchronousMode;
  /** Page cache in MiB. */
  cacheMiB: number;
}

/** Apply pragmas and create or check the schema. Throws N3MON_ERR_STORE for a newer database. */
export function initSchema(db: Database.Database, opts: PragmaOptions): void {
  db.pragma('page_size = 8192'); // only takes effect on a new file
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`cache_size = ${-Math.round(opts.cacheMiB * 1024)}`);
  db.pragma('temp_store = MEMORY');
  db.pragma('busy_timeout = 5000');
  // Checkpoint every ~32 MiB of WAL rather than 8 MiB: fewer, larger checkpoints on the write path.
  db.pragma('wal_autocheckpoint = 4000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new N3monError('N3MON_ERR_STORE', `series.db has schema version ${version}; this n3mon understands up to ${SCHEMA_VERSION} (downgrade?)`);
  }
  db.exec(DDL);
  if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Keys of the `state` table. */
export type StateKey = 'minute_mark' | 'hour_mark' | 'raw_horizon' | 'hour_horizon';

export interface StoreState {
  /** Every minute before this (ms, minute-aligned) is rolled up into rollup_1m, except dirty ones. */
  minuteMark: number | undefined;
  /** Every hour before this (ms, hour-aligned) is in rollup_1h, except hours with dirty minutes. */
  hourMark: number | undefined;
  /** Raw samples before this were deleted by retention; later samples before it are refused. */
  rawHorizon: number;
}

export function readState(db: Database.Database): StoreState {
  const rows = db.prepare('SELECT key, value FROM state').all() as { key: StateKey; value: number }[];
  const get = (k: StateKey): number | undefined => rows.find((r) => r.key === k)?.value;
  return { minuteMark: get('minute_mark'), hourMark: get('hour_mark'), rawHorizon: get('raw_horizon') ?? 0 };
}
