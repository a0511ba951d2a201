/**
 * The spool's SQLite file: opening it (WAL, exclusive lock so two agents can never share one
 * spool), its tables, and the prepared statements the Spool uses. Row layout, chosen to be
 * compact (~25 bytes a sample on disk):
 *
 *   series   (id, metric, labels)              one row per distinct metric + label set (interned)
 *   samples  (seq, series, ts, value)          seq AUTOINCREMENT: never reused, even after deletes
 *   rejected (id, batch_id, …, samples JSON)   batches the collector refused with 400, set aside
 *   meta     (key, value)                      spool id, batch counter, totals, in-flight batch
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { N3monError } from '../../../shared/src/errors.ts';
import { ensurePrivateFile } from '../../../shared/src/private-files.ts';
import { spoolBudget, type SpoolBudget } from './budget.ts';

export const SPOOL_FILE = 'spool.sqlite';
const SCHEMA_VERSION = '1';

export type Db = Database.Database;

export interface SampleRow {
  seq: number;
  series: number;
  ts: number;
  value: number;
}

export function openSpoolDb(dir: string, maxBytes: number): { db: Db; budget: SpoolBudget; pageSize: number } {
  const file = join(dir, SPOOL_FILE);
  let db: Db | undefined;
  try {
    ensurePrivateFile(file, dir); // 0600 in a 0700 directory whatever the umask
    db = new Database(file, { timeout: 1000 });
    // Exclusive before WAL: no shared-memory index file, and a second agent on the same spool
    // fails at open (SQLITE_BUSY) instead of both sending the same batches.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, not wal`);
    // NORMAL in WAL mode: a committed transaction survives the process being killed (kill -9);
    // only an OS crash or power cut can roll back the last few appends (never corrupts).
    db.pragma('synchronous = NORMAL');
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const budget = spoolBudget(maxBytes, pageSize);
    db.pragma(`journal_size_limit = ${budget.walBytes}`);
    db.pragma(`wal_autocheckpoint = ${budget.walAutocheckpointPages}`);
    createTables(db);
    return { db, budget, pageSize };
  } catch (err) {
    db?.close();
    const reason = (err as { code?: string }).code === 'SQLITE_BUSY' ? 'in use by another agent process' : (err as Error).message;
    throw new N3monError('N3MON_ERR_SPOOL_OPEN', `cannot open the spool at ${file}: ${reason}`, { cause: err });
  }
}

function createTables(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (metric, labels));
    CREATE TABLE IF NOT EXISTS samples (seq INTEGER PRIMARY KEY AUTOINCREMENT, series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL);
    CREATE TABLE IF NOT EXISTS rejected (
      id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL, rejected_at INTEGER NOT NULL, status INTEGER NOT NULL,
      reason TEXT NOT NULL, problems TEXT NOT NULL, sample_count INTEGER NOT NULL, samples TEXT NOT NULL);
  `);
  const version = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema_version') as string | undefined;
  if (version === undefined) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
  else if (version !== SCHEMA_VERSION) throw new Error(`spool schema version ${version} is not ${SCHEMA_VERSION}`);
}

/** The statements the Spool runs, prepared once. */
export function prepare(db: Db) {
  return {
    metaGet: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    metaSet: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    metaDel: db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
    seriesAll: db.prepare<[], { id: number; metric: string; labels: string }>('SELECT id, metric, labels FROM series'),
    seriesInsert: db.prepare<[string, string]>('INSERT INTO series (metric, labels) VALUES (?, ?)'),
    sampleInsert: db.prepare<[number, number, number]>('INSERT INTO samples (series, ts, value) VALUES (?, ?, ?)'),
    sampleCount: db.prepare<[], number>('SELECT count(*) FROM samples').pluck(),
    newestSeq: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").pluck(),
    oldestTs: db.prepare<[], number>('SELECT ts FROM samples ORDER BY seq LIMIT 1').pluck(),
    anyAtOrBelow: db.prepare<[number], number>('SELECT seq FROM samples WHERE seq <= ? ORDER BY seq LIMIT 1').pluck(),
    anyAbove: db.prepare<[number], number>('SELECT seq FROM samples WHERE seq > ? ORDER BY seq LIMIT 1').pluck(),
    range: db.prepare<[number, number, number], SampleRow>('SELECT seq, series, ts, value FROM samples WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?'),
    deleteRange: db.prepare<[number, number]>('DELETE FROM samples WHERE seq >= ? AND seq <= ?'),
    nthOldestSeq: db.prepare<[number], number>('SELECT seq FROM samples ORDER BY seq LIMIT 1 OFFSET ?').pluck(),
    deleteThrough: db.prepare<[number]>('DELETE FROM samples WHERE seq <= ?'),
    rejectedInsert: db.prepare<[string, number, number, string, string, number, string]>(
      'INSERT INTO rejected (batch_id, rejected_at, status, reason, problems, sample_count, samples) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    rejectedOldest: db.prepare<[], { id: number; sample_count: number }>('SELECT id, sample_count FROM rejected ORDER BY id LIMIT 1'),
    rejectedDelete: db.prepare<[number]>('DELETE FROM rejected WHERE id = ?'),
    rejectedList: db.prepare<[number], RejectedRow>('SELECT batch_id, rejected_at, status, reason, problems, samples FROM rejected ORDER BY id DESC LIMIT ?'),
    pageCount: db.prepare<[], number>('PRAGMA page_count').pluck(),
    freelistCount: db.prepare<[], number>('PRAGMA freelist_count').pluck(),
  };
}

export interface RejectedRow {
  batch_id: string;
  rejected_at: number;
  status: number;
  reason: string;
  problems: string;
  samples: string;
}

export type Statements = ReturnType<typeof prepare>;
