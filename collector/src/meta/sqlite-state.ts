/**
 * The SQLite driver of the state database (./state-db.ts) over a better-sqlite3 handle
 * (./db.ts openSqlite: WAL, busy_timeout, foreign keys). Statements run synchronously and are
 * cached; a transaction holds the connection, so statements from outside it wait until it ends.
 */
import type { Statement } from 'better-sqlite3';
import { N3monError } from '../../../shared/src/errors.ts';
import type { SqliteDb } from './db.ts';
import type { ComponentMigrations, RunResult, SqlParams, SqlValue, StateDb } from './state-db.ts';
import { applySteps } from './state-db.ts';

type Bound = unknown[] | Record<string, unknown>;

const value = (v: SqlValue | undefined): unknown => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);

function bind(params: SqlParams | undefined): Bound[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return (params as readonly (SqlValue | undefined)[]).map(value) as Bound[];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params as Record<string, SqlValue | undefined>)) out[k] = value(v);
  return [out];
}

/** Named parameters the statement uses that the object lacks are bound NULL (better-sqlite3 would throw). */
function fillNamed(args: Bound[], sql: string): Bound[] {
  const first = args[0];
  if (args.length !== 1 || first === null || typeof first !== 'object' || Array.isArray(first)) return args;
  const names = sql.match(/@[A-Za-z_][A-Za-z0-9_]*/g);
  if (names === null) return args;
  const obj = first as Record<string, unknown>;
  let filled: Record<string, unknown> | undefined;
  for (const n of names) {
    const k = n.slice(1);
    if (!(k in obj)) (filled ??= { ...obj })[k] = null;
  }
  return filled === undefined ? args : [filled];
}

export class SqliteState implements StateDb {
  readonly dialect = 'sqlite';
  readonly describe: string;
  readonly #db: SqliteDb;
  readonly #cache = new Map<string, Statement>();
  /** Resolves when the open transaction ends; undefined when none is open. */
  #active: Promise<void> | undefined;
  readonly #inTx: StateDb;

  constructor(db: SqliteDb, opts: { file: string }) {
    this.#db = db;
    this.describe = `sqlite ${opts.file}`;
    this.#inTx = {
      dialect: 'sqlite',
      describe: this.describe,
      all: async (sql, params) => this.#all(sql, params) as never,
      get: async (sql, params) => this.#get(sql, params) as never,
      run: async (sql, params) => this.#run(sql, params),
      tx: (fn) => fn(this.#inTx),
      migrate: () => Promise.reject(new N3monError('N3MON_ERR_STORE', 'migrate() inside a transaction')),
      close: () => Promise.reject(new N3monError('N3MON_ERR_STORE', 'close() inside a transaction')),
    };
  }

  /** The better-sqlite3 handle (for code that has not moved to this interface yet). */
  get handle(): SqliteDb {
    return this.#db;
  }

  #stmt(sql: string): Statement {
    let s = this.#cache.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      if (this.#cache.size > 500) this.#cache.clear();
      this.#cache.set(sql, s);
    }
    return s;
  }

  #all(sql: string, params?: SqlParams): unknown[] {
    const s = this.#stmt(sql);
    return s.all(...fillNamed(bind(params), sql));
  }

  #get(sql: string, params?: SqlParams): unknown {
    const s = this.#stmt(sql);
    return s.get(...fillNamed(bind(params), sql));
  }

  #run(sql: string, params?: SqlParams): RunResult {
    const s = this.#stmt(sql);
    const args = fillNamed(bind(params), sql);
    if (s.reader) return { changes: s.all(...args).length };
    return { changes: s.run(...args).changes };
  }

  async #idle(): Promise<void> {
    while (this.#active !== undefined) await this.#active;
  }

  async all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    if (this.#active !== undefined) await this.#idle();
    return this.#all(sql, params) as T[];
  }

  async get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined> {
    if (this.#active !== undefined) await this.#idle();
    return this.#get(sql, params) as T | undefined;
  }

  async run(sql: string, params?: SqlParams): Promise<RunResult> {
    if (this.#active !== undefined) await this.#idle();
    return this.#run(sql, params);
  }

  async tx<T>(fn: (tx: StateDb) => Promise<T>): Promise<T> {
    // No await when nothing is open: the transaction begins before any statement issued after it.
    while (this.#active !== undefined) await this.#active;
    let release!: () => void;
    this.#active = new Promise<void>((r) => {
      release = r;
    });
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      const out = await fn(this.#inTx);
      this.#db.exec('COMMIT');
      return out;
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw err;
    } finally {
      this.#active = undefined;
      release();
    }
  }

  async migrate(component: string, steps: ComponentMigrations): Promise<number> {
    const list = steps.sqlite;
    return this.tx(async (tx) => {
      return applySteps(tx, this.describe, component, list, (sql) => void this.#db.exec(sql));
    });
  }

  async close(): Promise<void> {
    // Closed at once when no transaction is open (a caller may reopen the file straight after).
    if (this.#active !== undefined) await this.#idle();
    if (this.#db.open) this.#db.close();
  }
}
