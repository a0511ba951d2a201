/**
 * The PostgreSQL driver of the state database (./state-db.ts): several collectors share one truth
 * through a `pg` Pool. The portable SQL's `?` and `@name` placeholders become `$n` (never inside
 * '…' strings, "…" identifiers, $$…$$ bodies or comments; translated once per SQL text). BIGINT and
 * NUMERIC come back as JS numbers (per-pool type parsers, not pg's global ones). A server that
 * cannot be reached, goes away or keeps a connection waiting too long is N3MON_ERR_STORE
 * ("state database unavailable", HTTP 503): the collector keeps running and the pool reconnects
 * by itself when PostgreSQL is back. Constraint errors keep pg's SQLSTATE `code` (23505, 23503).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { N3monError } from '../../../shared/src/errors.ts';
import type { ComponentMigrations, RunResult, SqlParams, SqlValue, StateDb } from './state-db.ts';
import { applySteps } from './state-db.ts';

export interface PostgresStateOptions {
  /** `postgres://user:password@host:port/database`; the fields below override its parts. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** Server-side statement_timeout (default 10 s). */
  statementTimeoutMs?: number;
  /** Waiting for a connection, new or from the pool (default 5 s). */
  connectTimeoutMs?: number;
  /** Idle pool errors (a server restart) are logged here; never thrown. */
  log?: Pick<Logger, 'warn'>;
}

/** The advisory lock every n3mon migration holds: 'n3mon' in ASCII. */
const MIGRATION_LOCK = 0x6e336d6f6e;

/** Node socket errors and pg's own messages that mean "the server is not there (now)". */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|Cannot use a pool after calling end/;

/** Whether `err` means the database is unreachable or overloaded (not a bug or a refused write). */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // 08xxx connection exception, 57P01-03 shutdown/crash/starting, 53xxx insufficient resources, 57014 statement timeout.
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || code === '57014') return true;
  if (NET_CODES.has(code)) return true;
  return typeof e.message === 'string' && PG_MESSAGES.test(e.message);
}

interface Translated {
  text: string;
  /** `?` placeholders: how many; `@name`: the names in $n order. */
  positional: number;
  names: string[];
}

/** `?` → `$n` and `@name` → `$n`, outside string literals, quoted identifiers, dollar quotes and comments. */
export function translatePlaceholders(sql: string): Translated {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  const n = sql.length;
  const copyUntil = (end: number): void => {
    const stop = end < 0 ? n : end;
    out += sql.slice(i, stop);
    i = stop;
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      // A quoted run ends at the next lone quote ('' and "" are escapes: two runs back to back).
      const end = sql.indexOf(c, i + 1);
      copyUntil(end < 0 ? -1 : end + 1);
    } else if (c === '-' && sql[i + 1] === '-') {
      copyUntil(sql.indexOf('\n', i));
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      copyUntil(end < 0 ? -1 : end + 2);
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64))) {
      const tag = (/^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64)) as RegExpExecArray)[0];
      const end = sql.indexOf(tag, i + tag.length);
      copyUntil(end < 0 ? -1 : end + tag.length);
    } else if (c === '?') {
      positional += 1;
      out += `$${positional}`;
      i += 1;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = (/^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1)) as RegExpExecArray)[0];
      let k = names.indexOf(name);
      if (k < 0) k = names.push(name) - 1;
      out += `$${k + 1}`;
      i += 1 + name.length;
    } else {
      out += c;
      i += 1;
    }
  }
  if (positional > 0 && names.length > 0) throw new N3monError('N3MON_ERR_STORE', `SQL mixes ? and @name placeholders: ${sql}`);
  return { text: out, positional, names };
}

const value = (v: SqlValue | undefined): unknown => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
};

/** BIGINT (COUNT, epoch ms) and NUMERIC (SUM, AVG) as JS numbers; everything else as pg parses it. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
    if (oid === 20 || oid === 1700) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
  },
};

/** Where the database is, without the password: `postgres n3mon@127.0.0.1:5432/n3mon`. */
export function describePostgres(o: PostgresStateOptions): string {
  let fromUrl: URL | undefined;
  if (o.url !== undefined) {
    try {
      fromUrl = new URL(o.url);
    } catch (err) {
      throw new N3monError('N3MON_ERR_CONFIG_INVALID', `state.url: not a URL (${(err as Error).message})`, { cause: err });
    }
  }
  const user = o.user ?? (fromUrl?.username ? decodeURIComponent(fromUrl.username) : undefined) ?? process.env.PGUSER ?? process.env.USER ?? 'postgres'; // pg's own defaults
  const host = o.host ?? (fromUrl?.hostname || undefined) ?? 'localhost';
  const port = o.port ?? (fromUrl?.port ? Number(fromUrl.port) : 5432);
  const database = o.database ?? (fromUrl?.pathname && fromUrl.pathname !== '/' ? decodeURIComponent(fromUrl.pathname.slice(1)) : user);
  return `postgres ${user}@${host}:${port}/${database}`;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

export class PostgresState implements StateDb {
  readonly dialect = 'postgres';
  readonly describe: string;
  readonly #pool: pg.Pool;
  readonly #sql = new Map<string, Translated>();

  constructor(opts: PostgresStateOptions) {
    this.describe = describePostgres(opts);
    this.#pool = new pg.Pool({
      ...(opts.url === undefined ? {} : { connectionString: opts.url }),
      ...(opts.host === undefined ? {} : { host: opts.host }),
      ...(opts.port === undefined ? {} : { port: opts.port }),
      ...(opts.database === undefined ? {} : { database: opts.database }),
      ...(opts.user === undefined ? {} : { user: opts.user }),
      ...(opts.password === undefined ? {} : { password: opts.password }),
      max: opts.poolMax ?? 10,
      statement_timeout: opts.statementTimeoutMs ?? 10_000,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'n3mon',
      types,
    });
    // An idle connection's server went away (restart, failover): the pool drops that client and
    // opens a new one on the next query. Logged, never thrown (an 'error' without a listener would crash).
    this.#pool.on('error', (err) => {
      opts.log?.warn({ err: { message: err.message, code: (err as { code?: string }).code }, db: this.describe }, 'state database idle connection failed');
    });
  }

  #translate(sql: string): Translated {
    let t = this.#sql.get(sql);
    if (t === undefined) {
      t = translatePlaceholders(sql);
      if (this.#sql.size > 1000) this.#sql.clear();
      this.#sql.set(sql, t);
    }
    return t;
  }

  #values(sql: string, t: Translated, params: SqlParams | undefined): unknown[] {
    if (params === undefined) return [];
    if (Array.isArray(params)) {
      if (t.names.length > 0) throw new N3monError('N3MON_ERR_STORE', `SQL uses @name placeholders but got an array: ${sql}`);
      return (params as readonly (SqlValue | undefined)[]).map(value);
    }
    if (t.positional > 0) throw new N3monError('N3MON_ERR_STORE', `SQL uses ? placeholders but got an object: ${sql}`);
    const obj = params as Readonly<Record<string, SqlValue | undefined>>;
    return t.names.map((k) => value(obj[k]));
  }

  #unavailable(err: unknown): unknown {
    if (!isUnavailable(err)) return err;
    const reason = (err as Error).message || String((err as { code?: unknown }).code);
    return new N3monError('N3MON_ERR_STORE', `${this.describe}: state database unavailable: ${reason}`, { cause: err });
  }

  async #query(on: Queryable, sql: string, params: SqlParams | undefined): Promise<pg.QueryResult> {
    const t = this.#translate(sql);
    const values = this.#values(sql, t, params);
    try {
      // No parameters: the simple protocol, so a migration step may hold several statements.
      return values.length === 0 && params === undefined ? await on.query(sql) : await on.query(t.text, values);
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  #handle(on: Queryable): StateDb {
    const self: StateDb = {
      dialect: 'postgres',
      describe: this.describe,
      all: async <T>(sql: string, params?: SqlParams) => (await this.#query(on, sql, params)).rows as T[],
      get: async <T>(sql: string, params?: SqlParams) => (await this.#query(on, sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params?: SqlParams): Promise<RunResult> => ({ changes: (await this.#query(on, sql, params)).rowCount ?? 0 }),
      tx: (fn) => fn(self),
      migrate: () => Promise.reject(new N3monError('N3MON_ERR_STORE', 'migrate() inside a transaction')),
      close: () => Promise.reject(new N3monError('N3MON_ERR_STORE', 'close() inside a transaction')),
    };
    return self;
  }

  async all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await this.#query(this.#pool, sql, params)).rows as T[];
  }

  async get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.#query(this.#pool, sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params?: SqlParams): Promise<RunResult> {
    return { changes: (await this.#query(this.#pool, sql, params)).rowCount ?? 0 };
  }

  async tx<T>(fn: (tx: StateDb) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw this.#unavailable(err);
    }
    let broken: Error | undefined;
    try {
      await this.#query(client, 'BEGIN', undefined);
      const out = await fn(this.#handle(client));
      await this.#query(client, 'COMMIT', undefined);
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is gone (the server aborts the transaction itself): drop it from the pool.
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async migrate(component: string, steps: ComponentMigrations): Promise<number> {
    const list = steps.postgres;
    return this.tx(async (tx) => {
      // One lock for every component: collectors starting together migrate one after the other,
      // and the second finds the work done. The table is created under the lock (concurrent
      // CREATE TABLE IF NOT EXISTS can collide in the catalogue).
      await tx.run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.run('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version BIGINT NOT NULL, updated_at BIGINT NOT NULL)');
      return applySteps(tx, this.describe, component, list, (sql) => tx.run(sql));
    });
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}
