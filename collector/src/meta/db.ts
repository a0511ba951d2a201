/**
 * The collector's metadata database (`<dataDir>/meta.db`, SQLite via better-sqlite3): practices,
 * agents, credential hashes, batch ids. WAL + busy_timeout so `n3mon token …` can write while the
 * collector runs. Each component owns its tables and migrates them itself through migrate().
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { N3monError } from '../../../shared/src/errors.ts';
import { ensurePrivateFile } from '../../../shared/src/private-files.ts';

export type SqliteDb = Database.Database;

/** One schema step: SQL run with exec(), or a function for steps that need code. */
export type MigrationStep = string | ((db: SqliteDb) => void);

export function openSqlite(file: string, opts: { busyTimeoutMs?: number } = {}): SqliteDb {
  let db: SqliteDb;
  try {
    // 0600 in a 0700 directory whatever the umask (credential hashes, sessions): shared/src/private-files.ts.
    ensurePrivateFile(file, dirname(file));
    db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
  } catch (err) {
    throw new N3monError('N3MON_ERR_STORE', `${file}: cannot open the meta database (${(err as Error).message})`, { cause: err });
  }
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit survives a crash of the process (kill -9); only an OS crash may lose
  // the last commits, and everything here is either re-creatable (batch ids: the series store is
  // idempotent) or written by an operator who sees the result.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at INTEGER NOT NULL)');
  return db;
}

/**
 * Bring `component`'s tables to the newest version: runs the steps after the recorded version, in
 * one IMMEDIATE transaction (two processes opening the same file cannot both migrate). Steps are
 * append-only: never edit a released one. Returns how many steps ran.
 */
export function migrate(db: SqliteDb, component: string, steps: readonly MigrationStep[]): number {
  const run = db.transaction(() => {
    const row = db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > steps.length) {
      throw new N3monError(
        'N3MON_ERR_STORE',
        `meta.db: ${component} schema version ${current} is newer than this n3mon (${steps.length}); refusing to run an older version on it`,
      );
    }
    for (const step of steps.slice(current)) {
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    db.prepare(
      'INSERT INTO schema_versions (component, version, updated_at) VALUES (?, ?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at',
    ).run(component, steps.length, Date.now());
    return steps.length - current;
  });
  return run.immediate();
}
