/**
 * The narrow seam to InfluxDB 1.x: writes of line-protocol points (ms precision, explicit
 * timestamps) and InfluxQL queries, through the `influx` package. Every failure becomes an
 * N3monError with the URL but never the password (the package's own errors can carry request
 * details).
 */
import { InfluxDB, type IPoint } from 'influx';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { InfluxSettings } from './config.ts';

export interface SeriesResult {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface RawResponse {
  results?: { statement_id?: number; error?: string; series?: SeriesResult[] }[];
  error?: string;
}

/** Points per /write request (docs/storage.md "Batching"). */
export const POINTS_PER_WRITE = 5000;

/** Quote an identifier (measurement, tag key, RP, database) for InfluxQL. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Quote a string literal (tag value) for InfluxQL. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class InfluxClient {
  private readonly db: InfluxDB;
  readonly url: string;
  readonly database: string;
  readonly retentionPolicy: string | undefined;
  private readonly secret: string | undefined;

  constructor(settings: InfluxSettings) {
    const u = new URL(settings.url);
    this.url = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    this.database = settings.database;
    this.retentionPolicy = settings.retentionPolicy;
    this.secret = settings.password;
    this.db = new InfluxDB({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
      protocol: u.protocol === 'https:' ? 'https' : 'http',
      path: u.pathname === '/' ? '' : u.pathname,
      database: settings.database,
      ...(settings.username === undefined ? {} : { username: settings.username }),
      ...(settings.password === undefined ? {} : { password: settings.password }),
      pool: { requestTimeout: settings.timeoutMs, maxRetries: 1 },
    });
  }

  /** Error text safe to log and to answer with: the URL, never the password. */
  describe(err: unknown): string {
    let msg = err instanceof Error ? err.message : String(err);
    if (this.secret !== undefined && this.secret.length > 0) msg = msg.split(this.secret).join('[redacted]');
    return msg.replace(/(https?:\/\/)[^@/\s]*@/g, '$1');
  }

  fail(what: string, err: unknown): N3monError {
    return new N3monError('N3MON_ERR_STORE', `influx ${this.url} (database ${this.database}): ${what}: ${this.describe(err)}`);
  }

  /** Resolves when InfluxDB answered /ping; rejects (N3MON_ERR_STORE) when it did not. */
  async ping(timeoutMs: number): Promise<string> {
    const [r] = await this.db.ping(timeoutMs);
    if (r === undefined || !r.online) throw this.fail('unreachable', new Error('no answer to /ping'));
    return r.version;
  }

  async databaseNames(): Promise<string[]> {
    try {
      return await this.db.getDatabaseNames();
    } catch (err) {
      throw this.fail('SHOW DATABASES failed', err);
    }
  }

  async createDatabase(): Promise<void> {
    try {
      await this.db.createDatabase(this.database);
    } catch (err) {
      throw this.fail('CREATE DATABASE failed', err);
    }
  }

  /** Write points (ms timestamps), in requests of POINTS_PER_WRITE, in order. */
  async write(points: readonly IPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += POINTS_PER_WRITE) {
      const chunk = points.length <= POINTS_PER_WRITE ? (points as IPoint[]) : points.slice(i, i + POINTS_PER_WRITE);
      try {
        await this.db.writePoints(chunk, { precision: 'ms', ...(this.retentionPolicy === undefined ? {} : { retentionPolicy: this.retentionPolicy }) });
      } catch (err) {
        throw this.fail('write failed', err);
      }
    }
  }

  /** Run InfluxQL statements (POST, epoch ms); the series of each statement, or an error. */
  async query(statements: string | readonly string[]): Promise<SeriesResult[][]> {
    const q = typeof statements === 'string' ? statements : statements.join(';\n');
    let raw: RawResponse;
    try {
      raw = (await this.db.queryRaw(q, { precision: 'ms', method: 'POST' } as Parameters<InfluxDB['queryRaw']>[1])) as RawResponse;
    } catch (err) {
      throw this.fail('query failed', err);
    }
    if (raw.error !== undefined) throw this.fail('query failed', new Error(raw.error));
    const out: SeriesResult[][] = [];
    for (const r of raw.results ?? []) {
      if (r.error !== undefined) throw this.fail('query failed', new Error(r.error));
      out.push(r.series ?? []);
    }
    return out;
  }

  /** `"db"."rp"."measurement"` (or `"db".."m"` for the default policy). */
  from(measurement: string): string {
    return `${ident(this.database)}.${this.retentionPolicy === undefined ? '' : ident(this.retentionPolicy)}.${ident(measurement)}`;
  }
}
