/**
 * The state database: everything the collector keeps that is not a series (practices, agents,
 * credentials, batch ids, users and sessions, alerts, incidents, maintenance, audit, config
 * versions, leases). One asynchronous interface, two drivers: SQLite (`<dataDir>/meta.db`,
 * better-sqlite3, ./sqlite-state.ts) for one machine, PostgreSQL (`pg`, ./postgres-state.ts) for
 * several collectors sharing one truth. Every repository is written once against this interface,
 * in the SQL both engines speak:
 *
 * - Placeholders: `?` with an array of values, or `@name` with an object (a key that is
 *   `undefined` binds NULL). Nothing else (`$1`, `:name`).
 * - Ids of inserted rows: `INSERT … RETURNING id` (no lastInsertRowid, no `rowid`).
 * - Upserts: `ON CONFLICT (cols) DO NOTHING` / `DO UPDATE SET c = excluded.c` (no `INSERT OR …`).
 * - NULL-safe comparison: `IS DISTINCT FROM` / `IS NOT DISTINCT FROM` (not `IS` / `IS NOT`).
 * - Integers: times are epoch ms in BIGINT (PostgreSQL) / INTEGER (SQLite) columns and come back
 *   as JS numbers from both drivers (COUNT and SUM too). Booleans are INTEGER 0/1 columns; do not
 *   SELECT a comparison (`a = b` is 0/1 in SQLite, true/false in PostgreSQL): use CASE.
 * - Result column names: lower-case snake_case, or quoted aliases (`AS "lastSeen"`).
 * - No scalar `max(a, b)` / `min(a, b)` (SQLite only): CASE. `LIKE` is case-insensitive in SQLite
 *   and not in PostgreSQL: write `lower(x) LIKE lower(?)` when it matters. GROUP BY every
 *   selected column that is not aggregated.
 * - A parameter whose type PostgreSQL cannot infer (`? IS NULL`, `SELECT ?`) needs a CAST.
 * - Binary values: Uint8Array/Buffer in, Buffer out (BLOB / BYTEA).
 */

import { N3monError } from '../../../shared/src/errors.ts';

/** A value bound to a placeholder. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** `?` placeholders take an array; `@name` placeholders take an object. */
export type SqlParams = readonly (SqlValue | undefined)[] | Readonly<Record<string, SqlValue | undefined>>;

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/**
 * One schema step: SQL text (one or more statements), or a function for steps that need code.
 * Steps are append-only per component and engine: never edit a released one.
 */
export type StateMigrationStep = string | ((db: StateDb) => Promise<void>);

/**
 * A component's schema for both engines. The SQLite list is the history meta.db files in the field
 * have been through; the PostgreSQL list starts from today's schema. Each list is numbered on its own.
 */
export interface ComponentMigrations {
  sqlite: readonly StateMigrationStep[];
  postgres: readonly StateMigrationStep[];
}

export type StateDialect = 'sqlite' | 'postgres';

export interface StateDb {
  readonly dialect: StateDialect;
  /** Where it is, for logs and errors, without credentials: `sqlite /srv/n3mon/data/meta.db`, `postgres n3mon@127.0.0.1:5432/n3mon`. */
  readonly describe: string;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined>;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  /**
   * Runs `fn` in one transaction on one connection and commits when it resolves (rolls back when it
   * throws). Use the `tx` it is given for every statement inside; a `tx()` inside joins the outer
   * transaction. SQLite: BEGIN IMMEDIATE, other statements wait until it ends. PostgreSQL: READ
   * COMMITTED on a pooled connection; take row locks (`SELECT … FOR UPDATE`) where a read decides a write.
   */
  tx<T>(fn: (tx: StateDb) => Promise<T>): Promise<T>;
  /**
   * Bring `component`'s tables to the newest version of this engine's list: the steps after the
   * recorded version, in one transaction under a lock (two collectors starting at once cannot both
   * migrate). Refuses a database whose version is newer than this n3mon. Returns how many steps ran.
   */
  migrate(component: string, steps: ComponentMigrations): Promise<number>;
  close(): Promise<void>;
}

/** A unique or primary-key constraint refused the write (either engine). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** A foreign-key constraint refused the write (either engine). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/**
 * The common part of both drivers' migrate(), inside their transaction (and lock): the steps of
 * `list` after `component`'s recorded version, then the new version recorded. `exec` runs a SQL
 * step (several statements allowed). Refuses a database newer than this n3mon.
 */
export async function applySteps(
  tx: StateDb,
  describe: string,
  component: string,
  list: readonly StateMigrationStep[],
  exec: (sql: string) => unknown,
): Promise<number> {
  const row = await tx.get<{ version: number }>('SELECT version FROM schema_versions WHERE component = ?', [component]);
  const current = row?.version ?? 0;
  if (current > list.length) {
    throw new N3monError(
      'N3MON_ERR_STORE',
      `${describe}: ${component} schema version ${current} is newer than this n3mon (${list.length}); refusing to run an older version on it`,
    );
  }
  for (const step of list.slice(current)) {
    if (typeof step === 'string') await exec(step);
    else await step(tx);
  }
  await tx.run(
    'INSERT INTO schema_versions (component, version, updated_at) VALUES (?, ?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at',
    [component, list.length, Date.now()],
  );
  return list.length - current;
}
